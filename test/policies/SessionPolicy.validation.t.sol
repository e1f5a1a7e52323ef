// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {ISessionPolicy} from "../../contracts/interfaces/ISessionPolicy.sol";
import {ClaimLib} from "../../contracts/libraries/ClaimLib.sol";
import {GasLib} from "../../contracts/libraries/GasLib.sol";
import {PeriodLib} from "../../contracts/libraries/PeriodLib.sol";
import {SessionConfig} from "../../contracts/types/SessionTypes.sol";
import {SessionPolicyFixture} from "./SessionPolicyFixture.sol";

/// The time claim and the validation data it yields, and the gas checks: fee cap, budget, paymaster.
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
        c.window = 3600;
        c.callsPerWindow = 1;
        _install(c);
        uint48 far = START + uint48(uint256(3600) << 32);
        _expectRefusal(abi.encodeWithSelector(PeriodLib.ClaimTooFar.selector, far), _op(_transfer(USDC, 1), far));
        assertEq(_check(_op(_transfer(USDC, 1), far - 1)), _range(far - 3600, far - 1));
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
                                  GAS
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

    function _ungassed() internal pure returns (SessionConfig memory c) {
        c = _unlimitedConfig();
        c.maxFeePerOperation = 0;
    }

    function test_gas_unboundedRegistrationIsRefused() public {
        _expectInstallRevert(
            abi.encodeWithSelector(
                ISessionPolicy.InvalidSessionConfig.selector, "gas is unbounded: set maxFeePerOperation, maxFeeTotal or a paymaster"
            ),
            _ungassed()
        );
        // Any one bound is enough.
        SessionConfig memory c = _ungassed();
        c.maxFeeTotal = 1 ether;
        _install(c);
        c = _ungassed();
        c.paymaster = PAYMASTER;
        _install(c);
    }

    function test_gas_boundsAboveTheCeilingOrInconsistentAreRefused() public {
        SessionConfig memory c = _unlimitedConfig();
        c.maxFeePerOperation = uint128(type(uint96).max);
        _expectInstallRevert(abi.encodeWithSelector(ISessionPolicy.InvalidSessionConfig.selector, "fee limit above 2^96 - 2"), c);
        c.maxFeePerOperation = 2 ether;
        c.maxFeeTotal = 1 ether;
        _expectInstallRevert(
            abi.encodeWithSelector(ISessionPolicy.InvalidSessionConfig.selector, "maxFeePerOperation exceeds maxFeeTotal"), c
        );
    }

    function test_feeCap_reachedExactlyThenExceededByOne() public {
        SessionConfig memory c = _unlimitedConfig();
        c.maxFeePerOperation = 350_000 gwei;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _check(_withGas(op, 100_000, 200_000, 50_000, 1 gwei));
        _expectRefusal(
            abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, 350_000 gwei + 1, 350_000 gwei),
            _withGas(op, 1, 0, 0, 350_000 gwei + 1)
        );
        _expectRefusal(
            abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, 350_001 gwei, 350_000 gwei),
            _withGas(op, 100_000, 200_000, 50_001, 1 gwei)
        );
    }

    /// The attack the cap stops: huge preVerificationGas and fee, the account paying the prefund.
    function test_feeCap_hugeGasFieldsAreRefused() public {
        _install(_unlimitedConfig());
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _expectRefusal(
            abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, 10_000_000 * 1_000 gwei, FEE_CAP),
            _withGas(op, 0, 0, 10_000_000, 1_000 gwei)
        );
    }

    /// Gas fields whose product overflows saturate to FeeCapExceeded rather than an arithmetic panic.
    function test_feeCap_overflowingGasFieldsSaturateToTheCapError() public {
        _install(_unlimitedConfig());
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _expectRefusal(
            abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, type(uint256).max, FEE_CAP),
            _withGas(op, 0, 0, type(uint256).max, 2)
        );
    }

    function test_feeBudget_countsEachOperationsMostPossibleCost() public {
        SessionConfig memory c = _ungassed();
        c.maxFeeTotal = 1_000 gwei;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        assertEq(policy.getSession(ACCOUNT, ID).feeLeft, 1_000 gwei);
        // 100 + 200 + 100 gas at 1 gwei: 400 gwei counted.
        _check(_withGas(op, 100, 200, 100, 1 gwei));
        assertEq(policy.getSession(ACCOUNT, ID).feeLeft, 600 gwei);
        _check(_withGas(op, 100, 200, 100, 1 gwei));
        assertEq(policy.getSession(ACCOUNT, ID).feeLeft, 200 gwei);
        // 200 gwei left: one wei more is refused and changes nothing, exactly 200 passes.
        _expectRefusal(
            abi.encodeWithSelector(GasLib.FeeBudgetExceeded.selector, 200 gwei + 1, 200 gwei), _withGas(op, 0, 0, 1, 200 gwei + 1)
        );
        assertEq(policy.getSession(ACCOUNT, ID).feeLeft, 200 gwei);
        _check(_withGas(op, 0, 0, 1, 200 gwei));
        assertEq(policy.getSession(ACCOUNT, ID).feeLeft, 0);
        _expectRefusal(abi.encodeWithSelector(GasLib.FeeBudgetExceeded.selector, 1, 0), _withGas(op, 0, 0, 1, 1));
        assertEq(policy.getConfig(ACCOUNT, ID).maxFeeTotal, 1_000 gwei, "the view keeps the registered budget");
    }

    function test_feeBudget_withACapBothApply() public {
        SessionConfig memory c = _unlimitedConfig();
        c.maxFeePerOperation = 300 gwei;
        c.maxFeeTotal = 500 gwei;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _expectRefusal(abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, 301 gwei, 300 gwei), _withGas(op, 0, 0, 301, 1 gwei));
        _check(_withGas(op, 0, 0, 300, 1 gwei));
        _expectRefusal(abi.encodeWithSelector(GasLib.FeeBudgetExceeded.selector, 300 gwei, 200 gwei), _withGas(op, 0, 0, 300, 1 gwei));
    }

    function test_feeBudget_reregistrationStartsOver() public {
        SessionConfig memory c = _ungassed();
        c.maxFeeTotal = 100;
        _install(c);
        _check(_withGas(_op(_transfer(USDC, 1), START), 0, 0, 100, 1));
        assertEq(policy.getSession(ACCOUNT, ID).feeLeft, 0);
        _install(c);
        assertEq(policy.getSession(ACCOUNT, ID).feeLeft, 100);
    }

    function test_feeLeft_unlimitedWithoutABudget() public {
        _install(_unlimitedConfig());
        assertEq(policy.getSession(ACCOUNT, ID).feeLeft, type(uint256).max);
    }

    /*//////////////////////////////////////////////////////////////
                               PAYMASTER
    //////////////////////////////////////////////////////////////*/

    function _paymasterError(address paymaster) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(GasLib.PaymasterNotAllowed.selector, paymaster);
    }

    function _sponsored(PackedUserOperation memory op, address paymaster) internal pure returns (PackedUserOperation memory) {
        op.paymasterAndData = abi.encodePacked(paymaster, uint128(1e6), uint128(1e6), hex"beef");
        return op;
    }

    function test_paymaster_onlyTheConfiguredOne() public {
        SessionConfig memory c = _unlimitedConfig();
        c.paymaster = PAYMASTER;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _check(_sponsored(op, PAYMASTER));

        op.paymasterAndData = abi.encodePacked(address(0xBAD), hex"beef");
        _expectRefusal(_paymasterError(address(0xBAD)), op);
        op.paymasterAndData = abi.encodePacked(address(0));
        _expectRefusal(_paymasterError(address(0)), op);
        op.paymasterAndData = hex"0000000000000000000000000000000000009a"; // 19 bytes
        _expectRefusal(_paymasterError(address(0)), op);
    }

    function test_paymaster_noneConfiguredRefusesAny() public {
        _install(_unlimitedConfig());
        _expectRefusal(_paymasterError(PAYMASTER), _sponsored(_op(_transfer(USDC, 1), START), PAYMASTER));
    }

    /// A paymaster without a cap or budget is the session's only gas bound: every operation must use it.
    function test_paymaster_requiredWhenItIsTheOnlyBound() public {
        SessionConfig memory c = _ungassed();
        c.paymaster = PAYMASTER;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _expectRefusal(abi.encodeWithSelector(GasLib.PaymasterRequired.selector, PAYMASTER), _withGas(op, 1e6, 1e6, 1e7, 1e12));
        _expectRefusal(abi.encodeWithSelector(GasLib.PaymasterRequired.selector, PAYMASTER), op);
        // Sponsored, any fee: the account pays nothing.
        _check(_sponsored(_withGas(op, 1e6, 1e6, 1e7, 1e12), PAYMASTER));
    }

    /// With a cap as well, the account may pay within it; the cap applies to sponsored operations too
    /// (a token paymaster charges the account), counting the paymaster's gas limits.
    function test_paymaster_withACapTheAccountMayPayWithinIt() public {
        SessionConfig memory c = _unlimitedConfig();
        c.paymaster = PAYMASTER;
        c.maxFeePerOperation = 3e18;
        _install(c);
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        _check(_withGas(op, 1e6, 1e6, 1e6, 1e12));
        _expectRefusal(
            abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, 3e18 + 1e12, 3e18), _withGas(op, 1e6, 1e6, 1e6 + 1, 1e12)
        );
        // Sponsored: 3e5 of its own and the paymaster's 2e6 gas at 1e12.
        _check(_sponsored(_withGas(op, 1e5, 1e5, 1e5, 1e12), PAYMASTER));
        _expectRefusal(
            abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, 5e18 + 1e12, 3e18),
            _sponsored(_withGas(op, 1e6, 1e6, 1e6 + 1, 1e12), PAYMASTER)
        );
    }
}
