// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IPolicy} from "../../contracts/interfaces/IERC7579Module.sol";
import {BothPaths} from "./BothPaths.sol";
import {ISessionPolicyModule} from "./ISessionPolicyModule.sol";
import {CallPermission, SessionConfig, NATIVE_TOKEN} from "../../contracts/types/SessionTypes.sol";
import {SessionPolicyFixture} from "./SessionPolicyFixture.sol";

/// SessionPolicy's hand-written path for the common operation against its Solidity path: the same
/// configurations and operations, one after the other, on SessionPolicy and on a copy with the
/// hand-written path off. Every outcome must be the same: accepted with the same validity or refused
/// with the same error, the same events, the same state after.
contract SessionPolicyFastPathTest is SessionPolicyFixture {
    ISessionPolicyModule internal slow;
    address internal constant PAYMASTER = address(0x9A1);

    function setUp() public override {
        super.setUp();
        slow = ISessionPolicyModule(deployCode("SessionPolicySolidityPath.sol:SessionPolicySolidityPath"));
    }

    /// Runs `op` on both policies as ACCOUNT; requires the same outcome; returns the gas each used.
    function _both(PackedUserOperation memory op) internal returns (uint256 fastGas, uint256 slowGas) {
        return _both(ACCOUNT, ID, op);
    }

    function _both(address account, bytes32 id, PackedUserOperation memory op) internal returns (uint256 fastGas, uint256 slowGas) {
        bytes memory call = abi.encodeCall(IPolicy.checkUserOpPolicy, (id, op));
        (fastGas, slowGas) = BothPaths.run(address(policy), address(slow), account, call);
        assertEq(
            keccak256(abi.encode(policy.getSession(account, id))), keccak256(abi.encode(slow.getSession(account, id))), "state"
        );
    }

    function _installBoth(SessionConfig memory c) internal {
        _installBoth(ACCOUNT, ID, c);
    }

    function _installBoth(address account, bytes32 id, SessionConfig memory c) internal {
        vm.startPrank(account);
        policy.onInstall(_installData(id, c));
        slow.onInstall(_installData(id, c));
        vm.stopPrank();
    }

    function test_theCommonOperationTakesTheHandWrittenPath() public {
        _installBoth(_usdcConfig());
        (uint256 fastGas, uint256 slowGas) = _both(_op(_transfer(USDC, 10), START + 5));
        assertLt(fastGas + 5_000, slowGas, "the hand-written path ran");
    }

    /// A forged operation head is the ABI decoder's to refuse: a callData length that wraps
    /// calldata, paymasterAndData or the signature placed past calldata's end. The hand-written path
    /// leaves each to the Solidity path, which reverts, and nothing is counted.
    function test_aForgedOperationHeadIsLeftToTheSolidityPath() public {
        _installBoth(_usdcConfig());
        bytes memory canonical = abi.encodeCall(IPolicy.checkUserOpPolicy, (ID, _op(_transfer(USDC, 10), START + 5)));
        uint256 op = 4 + BothPaths.word(canonical, 36);
        bytes[3] memory forged;
        forged[0] = BothPaths.wrapCallDataLength(bytes.concat(canonical));
        forged[1] = bytes.concat(canonical);
        BothPaths.setWord(forged[1], op + 0xe0, 0x10000);
        forged[2] = bytes.concat(canonical);
        BothPaths.setWord(forged[2], op + 0x100, 0x10000);
        uint256 before = policy.getSession(ACCOUNT, ID).tokens[0].remainingTotal;
        for (uint256 i; i < forged.length; ++i) {
            vm.prank(ACCOUNT);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok,) = address(policy).call(forged[i]);
            assertFalse(ok, "refused");
            BothPaths.run(address(policy), address(slow), ACCOUNT, forged[i]);
        }
        assertEq(policy.getSession(ACCOUNT, ID).tokens[0].remainingTotal, before, "nothing counted");
        _both(_op(_transfer(USDC, 10), START + 5));
        assertEq(policy.getSession(ACCOUNT, ID).tokens[0].remainingTotal, before - 10, "the canonical one counts");
    }

    /// Sessions with and without a window, lifetime calls, total, period and budget; operations
    /// with fuzzed claims, amounts and calls, some accepted, some refused.
    function testFuzz_bothPathsAgree(
        uint96 perTransaction,
        uint96 total,
        uint96 perPeriod,
        uint8 periodHours,
        uint8 windowHours,
        uint8 callsPerWindow,
        uint16 maxCalls,
        bool budget,
        uint256 seed
    ) public {
        SessionConfig memory c = _config();
        _addCall(c, _permission(USDC, TRANSFER));
        _addCall(c, _permission(USDC, APPROVE));
        _addCall(c, _swapPermission());
        _addCall(c, _permission(PAYEE, bytes4(0x12345678)));
        uint32 period = periodHours == 0 ? 0 : uint32(periodHours) * 1 hours;
        perTransaction = uint96(bound(perTransaction, 0, 500));
        total = uint96(bound(total, 0, 5_000));
        perPeriod = period == 0 ? 0 : uint96(bound(perPeriod, 1, 1_000));
        if (perTransaction != 0 && total != 0 && perTransaction > total) perTransaction = total;
        if (perTransaction != 0 && perPeriod != 0 && perTransaction > perPeriod) perTransaction = perPeriod;
        _addToken(c, _limit(USDC, perTransaction, total, perPeriod, period));
        _addToken(c, _limit(WETH, 0, 1_000, 0, 0));
        if (windowHours != 0) {
            c.window = uint32(windowHours) * 1 hours;
            c.callsPerWindow = uint16(bound(callsPerWindow, 1, 5));
        }
        c.maxCalls = uint32(bound(maxCalls, 0, 12));
        if (budget) c.maxFeeTotal = 3 ether;
        _installBoth(c);

        uint48 claim = START;
        for (uint256 i; i < 16; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            // Mostly forward in time, sometimes back, sometimes before the start.
            uint256 step = r % 7;
            if (step < 4) claim += uint48((r >> 8) % 4 hours);
            else if (step == 4 && claim > START + 1 hours) claim -= uint48((r >> 8) % 2 hours);
            else if (step == 5) claim += uint48((r >> 8) % 3 days);
            uint48 claimed = (r >> 40) % 29 == 0 ? START - 10 : claim;
            uint256 amount = (r >> 64) % 400;
            uint256 kind = (r >> 96) % 8;
            bytes memory callData;
            if (kind < 4) callData = _transfer(USDC, amount);
            else if (kind == 4) callData = _single(USDC, 0, abi.encodeWithSelector(APPROVE, PAYEE, amount));
            else if (kind == 5) callData = _swap(WETH, amount, ACCOUNT);
            else if (kind == 6) callData = _single(PAYEE, 0, abi.encodeWithSelector(bytes4(0x12345678)));
            else callData = _single(USDC, amount % 2, abi.encodeWithSelector(TRANSFER, PAYEE, amount));
            PackedUserOperation memory op = _op(callData, claimed);
            if ((r >> 128) % 11 == 0) op.signature = "";
            if (budget) {
                op.accountGasLimits = bytes32((uint256(100_000) << 128) | 200_000);
                op.gasFees = bytes32(uint256(1 gwei));
                op.preVerificationGas = (r >> 160) % 3 == 0 ? 5_000_000_000 : 50_000;
            }
            _both(op);
        }
    }

    /// A session with argument conditions (a fixed recipient, the account as an argument),
    /// transferFrom and increaseAllowance, native value, and a paymaster, a budget or a cap, per `r`.
    function _conditionsConfig(uint256 r) internal pure returns (SessionConfig memory c) {
        c = _config();
        CallPermission memory p = _permission(USDC, TRANSFER);
        if (r & 1 != 0) (p.equalArg, p.equalValue) = (0, bytes32(uint256(uint160(PAYEE))));
        _addCall(c, p);
        p = _permission(USDC, TRANSFER_FROM);
        if (r & 2 != 0) p.accountArg = 0;
        _addCall(c, p);
        _addCall(c, _permission(USDC, INCREASE_ALLOWANCE));
        p = _permission(PAYEE, bytes4(0x12345678));
        p.accountArg = 1;
        if (r & 4 != 0) (p.equalArg, p.equalValue) = (0, bytes32(uint256(7)));
        _addCall(c, p);
        _addCall(c, _valuePermission(PAYEE, bytes4(0)));
        bool period = (r >> 7) % 2 == 1;
        _addToken(c, _limit(USDC, (r >> 3) % 3 == 0 ? 0 : 150, (r >> 5) % 3 == 0 ? 0 : 2_000, period ? 400 : 0, period ? 2 hours : 0));
        _addToken(c, _limit(NATIVE_TOKEN, 0, 5, 0, 0));
        uint256 gas = (r >> 9) % 4;
        if (gas == 0) c.paymaster = PAYMASTER;
        else if (gas == 1) (c.paymaster, c.maxFeeTotal) = (PAYMASTER, 2 ether);
        else if (gas == 2) (c.maxFeePerOperation, c.maxFeeTotal) = (0, 0.3 ether);
        if ((r >> 11) % 2 == 0) (c.window, c.callsPerWindow) = (3 hours, 2);
        if ((r >> 12) % 2 == 0) c.maxCalls = 9;
        if ((r >> 13) % 3 == 0) c.validUntil = 0;
    }

    /// Operations the first fuzz test does not make: argument conditions met and not, amounts past
    /// 96 bits, value, trailing arguments, paymasters named or not, gas near a budget's end, no claim;
    /// revocations and registrations in between; another account and another id alongside.
    function testFuzz_bothPathsAgreeOnConditionsPaymastersAndRevocation(uint256 seed) public {
        _installBoth(ACCOUNT, ID, _conditionsConfig(seed));
        _installBoth(OTHER_ACCOUNT, OTHER_ID, _conditionsConfig(seed >> 20));
        uint48 claim = START;
        for (uint256 i; i < 16; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            claim += uint48((r >> 8) % 2 hours);
            uint256 amount = (r >> 64) % 5 == 0 ? uint256(type(uint96).max) + (r >> 200) : (r >> 64) % 300;
            address to = (r >> 150) % 5 == 0 ? address(0xBAD) : PAYEE;
            uint256 kind = (r >> 96) % 8;
            bytes memory callData;
            if (kind == 0) callData = _single(USDC, 0, abi.encodeWithSelector(TRANSFER, to, amount));
            else if (kind == 1) callData = _single(USDC, 0, abi.encodeWithSelector(TRANSFER_FROM, (r >> 151) % 2 == 0 ? ACCOUNT : to, PAYEE, amount));
            else if (kind == 2) callData = _single(USDC, 0, abi.encodeWithSelector(INCREASE_ALLOWANCE, to, amount));
            else if (kind == 3) callData = _single(PAYEE, 0, abi.encodeWithSelector(bytes4(0x12345678), (r >> 152) % 3 == 0 ? 8 : 7, (r >> 153) % 3 == 0 ? to : ACCOUNT));
            else if (kind == 4) callData = _single(PAYEE, (r >> 154) % 3, "");
            else if (kind == 5) callData = _single(PAYEE, 0, abi.encodeWithSelector(bytes4(0x12345678), 7));
            else if (kind == 6) callData = _single(USDC, 0, abi.encodeWithSelector(TRANSFER, to, amount, uint256(1)));
            else callData = _single(USDC, 1, abi.encodeWithSelector(TRANSFER, to, amount));
            PackedUserOperation memory op = _op(callData, claim);
            op.nonce = i;
            uint256 paymaster = (r >> 160) % 4;
            if (paymaster == 1) op.paymasterAndData = abi.encodePacked(PAYMASTER, uint128(1000), uint128(1000));
            else if (paymaster == 2) op.paymasterAndData = abi.encodePacked(address(0xBEEF));
            op.accountGasLimits = bytes32((((r >> 170) % 200_000) << 128) | ((r >> 180) % 200_000));
            op.gasFees = bytes32((r >> 190) % 4 == 0 ? 0 : uint256(1 gwei));
            op.preVerificationGas = (r >> 195) % 9 == 0 ? 900_000_000 : 50_000;
            if ((r >> 130) % 13 == 0) op.signature = "";
            uint256 owner = (r >> 140) % 23;
            if (owner == 0) {
                vm.startPrank(ACCOUNT);
                // solhint-disable-next-line avoid-low-level-calls
                (bool revokedFast,) = address(policy).call(abi.encodeWithSignature("revoke(bytes32)", ID));
                // solhint-disable-next-line avoid-low-level-calls
                (bool revokedSlow,) = address(slow).call(abi.encodeWithSignature("revoke(bytes32)", ID));
                vm.stopPrank();
                assertEq(revokedFast, revokedSlow, "revoked by one only");
            } else if (owner == 1) {
                _installBoth(ACCOUNT, ID, _conditionsConfig(r));
            }
            bool other = (r >> 145) % 6 == 0;
            _both(other ? OTHER_ACCOUNT : ACCOUNT, (r >> 146) % 7 == 0 ? OTHER_ID : ID, op);
        }
    }
}
