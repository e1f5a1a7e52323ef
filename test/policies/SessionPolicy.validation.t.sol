// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {ISessionPolicy} from "../../contracts/interfaces/ISessionPolicy.sol";
import {ClaimLib} from "../../contracts/libraries/ClaimLib.sol";
import {PeriodLib} from "../../contracts/libraries/PeriodLib.sol";
import {SessionConfig} from "../../contracts/types/SessionTypes.sol";
import {SessionPolicyFixture} from "./SessionPolicyFixture.sol";

/// The time claim and the validation data it yields, and the gas checks: fee cap and paymaster.
contract SessionPolicyValidationTest is SessionPolicyFixture {
    uint32 internal constant HOUR = 3600;
    address internal constant PAYMASTER = address(0x9A7);

    /// USDC transfers without limits: no claim is needed.
    function _unlimitedConfig() internal pure returns (SessionConfig memory c) {
        c = _usdcConfig();
        c.tokens[0] = _limit(USDC, 0, 0, 0, 0);
    }

    function _windowConfig() internal pure returns (SessionConfig memory c) {
        c = _unlimitedConfig();
        c.window = HOUR;
        c.callsPerWindow = 100;
    }

    /*//////////////////////////////////////////////////////////////
                                 CLAIMS
    //////////////////////////////////////////////////////////////*/

    function test_claim_notNeededWithoutWindowsOrPeriods() public {
        _install(_unlimitedConfig());
        assertEq(_check(_opWithoutClaim(_transfer(USDC, 1))), _range(START, END));
        // A claim there is ignored, whatever time it names.
        assertEq(_check(_op(_transfer(USDC, 1), 0)), _range(START, END));
        assertEq(_check(_op(_transfer(USDC, 1), type(uint48).max)), _range(START, END));
    }

    function test_claim_malformedIsAlwaysRefused() public {
        _install(_unlimitedConfig());
        PackedUserOperation memory op = _opWithoutClaim(_transfer(USDC, 1));
        op.signature = hex"0102030405";
        _expectRefusal(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, 5), op);
        op.signature = abi.encode(START);
        _expectRefusal(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, 32), op);
    }

    function test_claim_requiredByAWindow() public {
        _install(_windowConfig());
        _expectRefusal(abi.encodeWithSelector(ClaimLib.MissingClaim.selector), _opWithoutClaim(_transfer(USDC, 1)));
    }

    /// A token with a period needs the claim only when the operation spends it.
    function test_claim_requiredBySpendingAPeriodicToken() public {
        SessionConfig memory c = _usdcConfig();
        _addCall(c, _permission(DAI, TRANSFER));
        _install(c);
        _expectRefusal(abi.encodeWithSelector(ClaimLib.MissingClaim.selector), _opWithoutClaim(_transfer(USDC, 1)));
        assertEq(_check(_opWithoutClaim(_transfer(DAI, 1))), _range(START, END));
        // A zero amount spends nothing and needs no claim either.
        assertEq(_check(_opWithoutClaim(_transfer(USDC, 0))), _range(START, END));
    }

    function test_claim_beforeTheStartIsRefused() public {
        _install(_windowConfig());
        _expectRefusal(
            abi.encodeWithSelector(PeriodLib.ClaimBeforeStart.selector, START - 1, START), _op(_transfer(USDC, 1), START - 1)
        );
        _check(_op(_transfer(USDC, 1), START));
    }

    function test_claim_tooFarIsRefused() public {
        SessionConfig memory c = _unlimitedConfig();
        c.validUntil = 0;
        c.window = 60;
        c.callsPerWindow = 1;
        _install(c);
        uint48 far = START + uint48(uint256(60) << 32);
        _expectRefusal(abi.encodeWithSelector(PeriodLib.ClaimTooFar.selector, far), _op(_transfer(USDC, 1), far));
        assertEq(_check(_op(_transfer(USDC, 1), far - 1)), _range(far - 60, far - 1));
    }

    /// The last window is cut to the session's end; a claim whose window starts after the end has
    /// no valid second at all.
    function test_claim_afterTheEndIsRefused() public {
        _install(_windowConfig()); // 30 days of whole hours: END is the first second of a window
        assertEq(_check(_op(_transfer(USDC, 1), END - 1)), _range(END - HOUR, END - 1));
        assertEq(_check(_op(_transfer(USDC, 1), END)), _range(END, END));
        assertEq(_check(_op(_transfer(USDC, 1), END + HOUR - 1)), _range(END, END));
        _expectRefusal(
            abi.encodeWithSelector(ISessionPolicy.ClaimOutsideValidity.selector, END + HOUR, START, END),
            _op(_transfer(USDC, 1), END + HOUR)
        );
    }

    /// A claim just after the end, in a window that began before it, is cut back to the end: the
    /// EntryPoint then refuses it at any time after END.
    function test_claim_inAWindowCrossingTheEndIsCutToTheEnd() public {
        SessionConfig memory c = _unlimitedConfig();
        c.window = 7 * DAY;
        c.callsPerWindow = 5;
        _install(c);
        assertEq(_check(_op(_transfer(USDC, 1), END + 1)), _range(START + 28 * DAY, END));
    }

    /// The policy does not read the clock: a claim of a later window returns that window, which
    /// the EntryPoint would refuse now (AA22) and accept only once it has come.
    function test_claim_ofALaterWindowReturnsThatWindow() public {
        _install(_windowConfig());
        uint256 data = _check(_op(_transfer(USDC, 1), START + 5 * HOUR));
        assertEq(data, _range(START + 5 * HOUR, START + 6 * HOUR - 1));
        assertGt(uint48(data >> 208), block.timestamp, "not valid yet at the current time");
    }

    function testFuzz_claim_rangeContainsTheClaimAndStaysInsideValidity(uint48 claim) public {
        SessionConfig memory c = _usdcConfig();
        c.window = HOUR;
        c.callsPerWindow = 100;
        _install(c);
        claim = uint48(bound(claim, START, END));
        uint256 data = _check(_op(_transfer(USDC, 1), claim));
        uint48 validAfter = uint48(data >> 208);
        uint48 validUntil = uint48(data >> 160);
        assertEq(uint160(data), 0, "no aggregator");
        assertLe(validAfter, claim);
        assertGe(validUntil, claim);
        assertGe(validAfter, START);
        assertLe(validUntil, END);
        // The hour and the day of the claim, intersected: the hour (days hold whole hours), cut at END.
        uint48 hourStart = START + (claim - START) / HOUR * HOUR;
        assertEq(validAfter, hourStart);
        assertEq(validUntil, hourStart + HOUR - 1 < END ? hourStart + HOUR - 1 : END);
    }

    /*//////////////////////////////////////////////////////////////
                            VALIDATION DATA
    //////////////////////////////////////////////////////////////*/

    function test_validity_noExpiryReturnsTheLastSecond() public {
        SessionConfig memory c = _unlimitedConfig();
        c.validUntil = 0;
        _install(c);
        assertEq(_check(_op(_transfer(USDC, 1), START)), _range(START, type(uint48).max));
    }

    function test_validity_notStartedYetStillReturnsTheRange() public {
        SessionConfig memory c = _unlimitedConfig();
        c.validAfter = START + DAY;
        c.validUntil = START + 2 * DAY;
        _install(c);
        assertEq(_check(_opWithoutClaim(_transfer(USDC, 1))), _range(START + DAY, START + 2 * DAY));
    }

    /*//////////////////////////////////////////////////////////////
                                FEE CAP
    //////////////////////////////////////////////////////////////*/

    function _withGas(PackedUserOperation memory op, uint256 verification, uint256 call, uint256 preVerification, uint256 maxFee)
        internal
        pure
        returns (PackedUserOperation memory)
    {
        op.accountGasLimits = bytes32((verification << 128) | call);
        op.preVerificationGas = preVerification;
        // maxPriorityFeePerGas in the high half: not part of the cost bound.
        op.gasFees = bytes32((uint256(type(uint128).max) << 128) | maxFee);
        return op;
    }

    function test_feeCap_reachedExactlyThenExceededByOne() public {
        SessionConfig memory c = _unlimitedConfig();
        c.maxFeePerOperation = 350_000 gwei;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _check(_withGas(op, 100_000, 200_000, 50_000, 1 gwei));
        _expectRefusal(
            abi.encodeWithSelector(ISessionPolicy.FeeCapExceeded.selector, 350_000 gwei + 1, 350_000 gwei),
            _withGas(op, 1, 0, 0, 350_000 gwei + 1)
        );
        _expectRefusal(
            abi.encodeWithSelector(ISessionPolicy.FeeCapExceeded.selector, 350_001 gwei, 350_000 gwei),
            _withGas(op, 100_000, 200_000, 50_001, 1 gwei)
        );
    }

    function test_feeCap_offWithoutACap() public {
        _install(_unlimitedConfig());
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _check(_withGas(op, type(uint128).max, type(uint128).max, type(uint256).max, type(uint128).max));
    }

    /// Gas fields whose product overflows are refused, but with an arithmetic panic rather than
    /// FeeCapExceeded: the refusal holds, the error does not say why.
    function test_feeCap_overflowingGasFieldsSaturateToTheCapError() public {
        SessionConfig memory c = _unlimitedConfig();
        c.maxFeePerOperation = 1 ether;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _expectRefusal(
            abi.encodeWithSelector(ISessionPolicy.FeeCapExceeded.selector, type(uint256).max, 1 ether),
            _withGas(op, 0, 0, type(uint256).max, 2)
        );
    }

    /*//////////////////////////////////////////////////////////////
                               PAYMASTER
    //////////////////////////////////////////////////////////////*/

    function _paymasterError(address paymaster) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ISessionPolicy.PaymasterNotAllowed.selector, paymaster);
    }

    function test_paymaster_onlyTheConfiguredOne() public {
        SessionConfig memory c = _unlimitedConfig();
        c.paymaster = PAYMASTER;
        c.maxFeePerOperation = 1;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        op.paymasterAndData = abi.encodePacked(PAYMASTER, uint128(1e6), uint128(1e6), hex"beef");
        // The paymaster pays: the account's fee cap does not apply.
        _check(_withGas(op, 1e6, 1e6, 1e6, 1e12));

        op.paymasterAndData = abi.encodePacked(address(0xBAD), hex"beef");
        _expectRefusal(_paymasterError(address(0xBAD)), op);
        op.paymasterAndData = abi.encodePacked(address(0));
        _expectRefusal(_paymasterError(address(0)), op);
        op.paymasterAndData = hex"0000000000000000000000000000000000009a"; // 19 bytes
        _expectRefusal(_paymasterError(address(0)), op);
    }

    function test_paymaster_noneConfiguredRefusesAny() public {
        _install(_unlimitedConfig());
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        op.paymasterAndData = abi.encodePacked(PAYMASTER);
        _expectRefusal(_paymasterError(PAYMASTER), op);
    }

    /// A configured paymaster is allowed, not required: the account may pay, within its fee cap.
    function test_paymaster_accountMayStillPay() public {
        SessionConfig memory c = _unlimitedConfig();
        c.paymaster = PAYMASTER;
        _install(c);
        _check(_withGas(_op(_transfer(USDC, 1), START), 1e6, 1e6, 1e6, 1e12));
        c.maxFeePerOperation = 3e18;
        _install(c);
        _check(_withGas(_op(_transfer(USDC, 1), START), 1e6, 1e6, 1e6, 1e12));
        _expectRefusal(
            abi.encodeWithSelector(ISessionPolicy.FeeCapExceeded.selector, 3e18 + 1e12, 3e18),
            _withGas(_op(_transfer(USDC, 1), START), 1e6, 1e6, 1e6 + 1, 1e12)
        );
    }
}
