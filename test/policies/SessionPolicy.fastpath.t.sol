// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IPolicy} from "../../contracts/interfaces/IERC7579Module.sol";
import {BothPaths} from "./BothPaths.sol";
import {ISessionPolicyModule} from "./ISessionPolicyModule.sol";
import {SessionConfig} from "../../contracts/types/SessionTypes.sol";
import {SessionPolicyFixture} from "./SessionPolicyFixture.sol";

/// SessionPolicy's hand-written path for the common operation against its Solidity path: the same
/// configurations and operations, one after the other, on SessionPolicy and on a copy with the
/// hand-written path off. Every outcome must be the same: accepted with the same validity or refused
/// with the same error, the same events, the same state after.
contract SessionPolicyFastPathTest is SessionPolicyFixture {
    ISessionPolicyModule internal slow;

    function setUp() public override {
        super.setUp();
        slow = ISessionPolicyModule(deployCode("SessionPolicySolidityPath.sol:SessionPolicySolidityPath"));
    }

    /// Runs `op` on both policies as ACCOUNT; requires the same outcome; returns the gas each used.
    function _both(PackedUserOperation memory op) internal returns (uint256 fastGas, uint256 slowGas) {
        bytes memory call = abi.encodeCall(IPolicy.checkUserOpPolicy, (ID, op));
        (fastGas, slowGas) = BothPaths.run(address(policy), address(slow), ACCOUNT, call);
        assertEq(
            keccak256(abi.encode(policy.getSession(ACCOUNT, ID))), keccak256(abi.encode(slow.getSession(ACCOUNT, ID))), "state"
        );
    }

    function _installBoth(SessionConfig memory c) internal {
        _install(c);
        vm.prank(ACCOUNT);
        slow.onInstall(_installData(ID, c));
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
}
