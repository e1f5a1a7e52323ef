// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {BothPaths} from "./BothPaths.sol";
import {PolicyTestBase} from "./PolicyTestBase.sol";
import {CallScopePolicy} from "../../contracts/policies/CallScopePolicy.sol";
import {CallScopePolicySolidityPath} from "../../contracts/mocks/CallScopePolicySolidityPath.sol";
import {AllowedCall, CallScopeConfig} from "../../contracts/types/PolicyTypes.sol";

/// CallScopePolicy's hand-written path for a single call against its Solidity path: the same lists
/// and operations, one after the other, on the policy and on a copy with that path off. Every
/// outcome must be the same: accepted, or refused with the same error; the same events.
contract CallScopePolicyFastPathTest is PolicyTestBase {
    CallScopePolicy internal fast;
    CallScopePolicy internal slow;
    address internal constant TOKEN = address(0x70CE);
    address internal constant ROUTER = address(0x2047);
    address internal constant FRIEND = address(0xF21E);
    bytes4 internal constant TRANSFER = 0xa9059cbb;
    bytes4 internal constant APPROVE = 0x095ea7b3;
    bytes4 internal constant SWAP = bytes4(keccak256("swap(address,uint256,address)"));

    function setUp() public {
        fast = new CallScopePolicy();
        slow = new CallScopePolicySolidityPath();
    }

    function _config(bool swapValue, uint8 swapAccountArg, uint8 transferEqualArg) internal pure returns (CallScopeConfig memory c) {
        c.calls = new AllowedCall[](4);
        c.calls[0] = AllowedCall(TOKEN, TRANSFER, false, NO_ARG, transferEqualArg, bytes32(uint256(uint160(FRIEND))));
        c.calls[1] = AllowedCall(ROUTER, SWAP, swapValue, swapAccountArg, NO_ARG, 0);
        c.calls[2] = AllowedCall(FRIEND, bytes4(0), true, NO_ARG, NO_ARG, 0);
        c.calls[3] = AllowedCall(TOKEN, APPROVE, false, NO_ARG, NO_ARG, 0);
    }

    function _registerBoth(CallScopeConfig memory c) internal {
        vm.startPrank(account);
        fast.onInstall(abi.encodePacked(ID, abi.encode(c)));
        slow.onInstall(abi.encodePacked(ID, abi.encode(c)));
        vm.stopPrank();
    }

    /// Runs `callData` on both policies as the account; requires the same outcome; returns the gas each used.
    function _both(bytes memory callData) internal returns (uint256 fastGas, uint256 slowGas) {
        PackedUserOperation memory op = _op(callData, "");
        return BothPaths.run(address(fast), address(slow), account, abi.encodeCall(fast.checkUserOpPolicy, (ID, op)));
    }

    function test_aSingleAllowedCallTakesTheHandWrittenPath() public {
        _registerBoth(_config(true, 2, 0));
        (uint256 fastGas, uint256 slowGas) = _both(_single(TOKEN, 0, abi.encodeWithSelector(TRANSFER, FRIEND, 100)));
        assertLt(fastGas + 1_500, slowGas, "the hand-written path ran");
    }

    /// Revoked, registered again with another list, or never registered: both paths refuse alike.
    function test_bothPathsAgreeAcrossRevocationAndReRegistration() public {
        bytes memory transfer = _single(TOKEN, 0, abi.encodeWithSelector(TRANSFER, FRIEND, 100));
        _both(transfer);
        _registerBoth(_config(true, 2, 0));
        _both(transfer);
        vm.startPrank(account);
        fast.revoke(ID);
        slow.revoke(ID);
        vm.stopPrank();
        _both(transfer);
        CallScopeConfig memory other;
        other.calls = new AllowedCall[](1);
        other.calls[0] = AllowedCall(TOKEN, APPROVE, false, NO_ARG, NO_ARG, 0);
        _registerBoth(other);
        _both(transfer);
        _both(_single(TOKEN, 0, abi.encodeWithSelector(APPROVE, FRIEND, 100)));
    }

    /// A forged operation head (a callData length that wraps calldata) is the ABI decoder's to refuse:
    /// the hand-written path leaves it to the Solidity path, which reverts.
    function test_aForgedOperationHeadIsLeftToTheSolidityPath() public {
        _registerBoth(_config(true, NO_ARG, NO_ARG));
        PackedUserOperation memory op = _op(_single(TOKEN, 0, abi.encodeWithSelector(TRANSFER, FRIEND, 100)), "");
        bytes memory call = BothPaths.wrapCallDataLength(abi.encodeCall(fast.checkUserOpPolicy, (ID, op)));
        vm.prank(account);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = address(fast).call(call);
        assertFalse(ok, "refused");
        BothPaths.run(address(fast), address(slow), account, call);
    }

    /// Fuzzed single calls (targets, functions, value, arguments, truncation, stray bytes) and
    /// malformed encodings against lists with and without argument conditions.
    function testFuzz_bothPathsAgree(bool swapValue, bool accountArg, bool equalArg, uint256 seed) public {
        _registerBoth(_config(swapValue, accountArg ? 2 : NO_ARG, equalArg ? 0 : NO_ARG));
        for (uint256 i; i < 12; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 kind = r % 10;
            address to = (r >> 8) % 3 == 0 ? address(uint160(r >> 16)) : FRIEND;
            uint256 value = (r >> 180) % 4 == 0 ? 1 : 0;
            bytes memory data;
            address target = TOKEN;
            if (kind == 0) data = abi.encodeWithSelector(TRANSFER, to, r >> 200);
            else if (kind == 1) data = abi.encodeWithSelector(APPROVE, to, 5);
            else if (kind == 2) (target, data) = (ROUTER, abi.encodeWithSelector(SWAP, TOKEN, 100, (r >> 9) % 2 == 0 ? account : to));
            else if (kind == 3) (target, data) = (ROUTER, abi.encodeWithSelector(SWAP, TOKEN));
            else if (kind == 4) (target, data) = (FRIEND, "");
            else if (kind == 5) (target, data) = (FRIEND, abi.encodePacked(bytes4(0), uint256(1)));
            else if (kind == 6) data = abi.encodePacked(TRANSFER, bytes20(uint160(to)));
            else if (kind == 7) (target, data) = (account, abi.encodeWithSelector(APPROVE, to, 5));
            else if (kind == 8) data = abi.encodePacked(bytes4(0x6d61fe70), uint256(0));
            else data = abi.encodePacked(bytes3(0xa9059c));
            bytes memory callData = _single(target, value, data);
            uint256 tweak = (r >> 120) % 8;
            if (tweak == 0) callData = _withMode(bytes32(uint256(1)), abi.encodePacked(target, value, data));
            else if (tweak == 1) callData = abi.encodePacked(callData, uint8(1));
            else if (tweak == 2) callData[callData.length - 1] = bytes1(uint8(r >> 100) | 1);
            else if (tweak == 3) callData = _batch(_repeat(_call(target, value, data), 1));
            _both(callData);
        }
    }
}
