// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {_parseValidationData, ValidationData} from "@account-abstraction/contracts/core/Helpers.sol";

/// @notice Builds the user operations Kernel hands a policy: `execute(mode, executionCalldata)`
/// callData and the policy's own signature slice (a 6-byte time claim, or nothing).
abstract contract PolicyTestBase is Test {
    bytes4 internal constant EXECUTE = 0xe9ae5c53;
    bytes32 internal constant MODE_SINGLE = bytes32(0);
    bytes32 internal constant MODE_BATCH = bytes32(bytes1(0x01));
    address internal constant ENTRY_POINT = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;
    uint8 internal constant NO_ARG = type(uint8).max;
    /// @dev A permission id as Kernel passes it: 4 bytes, left-aligned.
    bytes32 internal constant ID = bytes32(bytes4(0x5e55a011));
    uint48 internal constant T0 = 1_700_000_000;

    address internal account = makeAddr("account");
    uint256 internal nonce;

    /// @dev ERC-7579's Execution, as Kernel decodes a batch.
    struct Execution {
        address target;
        uint256 value;
        bytes callData;
    }

    function _single(address target, uint256 value, bytes memory data) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(EXECUTE, MODE_SINGLE, abi.encodePacked(target, value, data));
    }

    function _batch(Execution[] memory calls) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(EXECUTE, MODE_BATCH, abi.encode(calls));
    }

    function _withMode(bytes32 mode, bytes memory execution) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(EXECUTE, mode, execution);
    }

    function _call(address target, uint256 value, bytes memory data) internal pure returns (Execution memory) {
        return Execution({target: target, value: value, callData: data});
    }

    function _calls(Execution memory a, Execution memory b) internal pure returns (Execution[] memory calls) {
        calls = new Execution[](2);
        calls[0] = a;
        calls[1] = b;
    }

    function _repeat(Execution memory a, uint256 n) internal pure returns (Execution[] memory calls) {
        calls = new Execution[](n);
        for (uint256 i; i < n; ++i) calls[i] = a;
    }

    /// @dev An operation of `account` whose policy slice is `slice`; each gets a fresh nonce.
    function _op(bytes memory callData, bytes memory slice) internal returns (PackedUserOperation memory op) {
        op.sender = account;
        op.nonce = ++nonce;
        op.callData = callData;
        op.signature = slice;
    }

    /// @dev The 6-byte big-endian time claim.
    function _claim(uint48 time) internal pure returns (bytes memory) {
        return abi.encodePacked(time);
    }

    function _range(uint256 validationData) internal pure returns (uint48 validAfter, uint48 validUntil) {
        ValidationData memory data = _parseValidationData(validationData);
        assertEq(data.aggregator, address(0), "validation did not fail");
        return (data.validAfter, data.validUntil);
    }

    /// @dev The EntryPoint's own time check (EntryPoint v0.7 `_validateAccountAndPaymasterValidationData`).
    function _entryPointAccepts(uint256 validationData, uint256 time) internal pure returns (bool) {
        ValidationData memory data = _parseValidationData(validationData);
        return data.aggregator == address(0) && time <= data.validUntil && time >= data.validAfter;
    }
}
