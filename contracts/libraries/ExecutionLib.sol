// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// @notice Strict decoder of the calldata a Kernel v3 account executes for a user operation:
/// `execute(bytes32 mode, bytes executionCalldata)` in single or batch mode, default exec type.
/// @dev Kernel decodes batches loosely (offsets are followed without bounds against the slice), so a
/// non-canonical encoding could show a policy one call and execute another. This decoder accepts
/// only the canonical ABI layout, where every offset is where an encoder puts it, every length
/// word is the data's exact length, padding is zero and nothing trails: then Kernel and the policy
/// read the same calls, and one operation has exactly one encoding.
library ExecutionLib {
    /// @dev Kernel's `execute(bytes32,bytes)`.
    bytes4 internal constant EXECUTE = 0xe9ae5c53;
    bytes1 internal constant CALLTYPE_SINGLE = 0x00;
    bytes1 internal constant CALLTYPE_BATCH = 0x01;

    /// @dev The operation calls an account function other than `execute`.
    error UnsupportedFunction(bytes4 selector);
    /// @dev Delegatecall, static or try mode, or a mode with a selector or payload set.
    error UnsupportedExecMode(bytes32 mode);
    /// @dev The calldata is truncated, non-canonical (an offset elsewhere, non-zero padding) or has
    /// trailing bytes.
    error MalformedCallData();
    /// @dev A batch with no call in it.
    error EmptyBatch();

    /// @notice Splits `callData` into the execution data and whether it is a batch.
    function decode(bytes calldata callData) internal pure returns (bool batch, bytes calldata execution) {
        if (callData.length < 4) revert MalformedCallData();
        if (bytes4(callData[0:4]) != EXECUTE) revert UnsupportedFunction(bytes4(callData[0:4]));
        if (callData.length < 100) revert MalformedCallData();
        bytes32 mode = bytes32(callData[4:36]);
        // Only call type (byte 0) may be set; exec type (byte 1), selector and payload must be zero.
        if (mode << 8 != 0) revert UnsupportedExecMode(mode);
        if (mode[0] == CALLTYPE_BATCH) batch = true;
        else if (mode[0] != CALLTYPE_SINGLE) revert UnsupportedExecMode(mode);

        if (uint256(bytes32(callData[36:68])) != 0x40) revert MalformedCallData();
        uint256 length = uint256(bytes32(callData[68:100]));
        if (length > callData.length || callData.length != 100 + _ceil32(length)) revert MalformedCallData();
        _checkPadding(callData, 100 + length, callData.length);
        execution = callData[100:100 + length];
    }

    /// @notice The one call of single mode: `target (20) ‖ value (32) ‖ calldata`.
    function single(bytes calldata execution)
        internal
        pure
        returns (address target, uint256 value, bytes calldata data)
    {
        if (execution.length < 52) revert MalformedCallData();
        target = address(bytes20(execution[0:20]));
        value = uint256(bytes32(execution[20:52]));
        data = execution[52:];
    }

    /// @notice Number of calls of a batch (`abi.encode(Execution[])`) and where its first element is.
    function batchLength(bytes calldata execution) internal pure returns (uint256 count, uint256 cursor) {
        if (execution.length < 64 || uint256(bytes32(execution[0:32])) != 0x20) revert MalformedCallData();
        count = uint256(bytes32(execution[32:64]));
        if (count == 0) revert EmptyBatch();
        // Each element takes at least 4 words plus its offset word.
        if (count > execution.length / 160) revert MalformedCallData();
        cursor = 64 + 32 * count;
    }

    /// @notice Call `index` of a batch whose element starts at `cursor`; returns where the next one starts.
    function batchAt(bytes calldata execution, uint256 index, uint256 cursor)
        internal
        pure
        returns (address target, uint256 value, bytes calldata data, uint256 next)
    {
        // The element's offset word must point exactly at the cursor (offsets count from the array body).
        uint256 offsetWord = 64 + 32 * index;
        if (uint256(bytes32(execution[offsetWord:offsetWord + 32])) != cursor - 64) revert MalformedCallData();
        if (execution.length < cursor + 128) revert MalformedCallData();
        uint256 rawTarget = uint256(bytes32(execution[cursor:cursor + 32]));
        if (rawTarget >> 160 != 0) revert MalformedCallData();
        target = address(uint160(rawTarget));
        value = uint256(bytes32(execution[cursor + 32:cursor + 64]));
        if (uint256(bytes32(execution[cursor + 64:cursor + 96])) != 0x60) revert MalformedCallData();
        uint256 length = uint256(bytes32(execution[cursor + 96:cursor + 128]));
        if (length > execution.length) revert MalformedCallData();
        next = cursor + 128 + _ceil32(length);
        if (next > execution.length) revert MalformedCallData();
        _checkPadding(execution, cursor + 128 + length, next);
        data = execution[cursor + 128:cursor + 128 + length];
    }

    /// @notice After the last element: nothing may trail the batch.
    function batchEnd(bytes calldata execution, uint256 cursor) internal pure {
        if (cursor != execution.length) revert MalformedCallData();
    }

    /// @notice For hand-written validation paths: the one call of `op` when its calldata is Kernel's
    /// `execute` in single mode, canonically encoded (as `decode` and `single` accept it), to a target
    /// other than the account (the caller) and `policy`, with a function other than a module lifecycle
    /// one (`CallRuleLib.checkNotForbidden`), or no calldata at all. `ok` is false for anything else,
    /// which the caller leaves to the strict path to decide and name. `data` is the call's calldata
    /// offset, `selector` 0 for a plain transfer.
    function commonCall(PackedUserOperation calldata op, address policy)
        internal
        view
        returns (bool ok, address target, uint256 value, uint256 selector, uint256 data, uint256 dataLength)
    {
        assembly ("memory-safe") {
            for {} 1 {} {
                let cdAt := add(op, calldataload(add(op, 0x60)))
                let cdLen := calldataload(cdAt)
                let cd := add(cdAt, 0x20)
                // Within calldata, as the ABI decoder bounds it (a length past 2^64 would wrap the sum).
                if lt(cdLen, 152) { break }
                if gt(cdLen, 0xffffffffffffffff) { break }
                if gt(add(cd, cdLen), calldatasize()) { break }
                if iszero(eq(shr(224, calldataload(cd)), 0xe9ae5c53)) { break }
                // Single mode, default exec type, no selector or payload.
                if calldataload(add(cd, 4)) { break }
                if iszero(eq(calldataload(add(cd, 36)), 0x40)) { break }
                let len := calldataload(add(cd, 68))
                if gt(len, cdLen) { break }
                let padded := and(add(len, 31), not(31))
                if iszero(eq(cdLen, add(100, padded))) { break }
                if gt(padded, len) {
                    if and(calldataload(add(cd, sub(cdLen, 32))), sub(shl(shl(3, sub(padded, len)), 1), 1)) { break }
                }
                if lt(len, 52) { break }
                target := shr(96, calldataload(add(cd, 100)))
                value := calldataload(add(cd, 120))
                data := add(cd, 152)
                dataLength := sub(len, 52)
                if dataLength {
                    if lt(dataLength, 4) { break }
                    selector := shr(224, calldataload(data))
                    // Selector 0 stands for empty calldata only.
                    if iszero(selector) { break }
                }
                if or(eq(target, caller()), eq(target, policy)) { break }
                // onInstall, onUninstall.
                if or(eq(selector, 0x6d61fe70), eq(selector, 0x8a91b0e3)) { break }
                ok := 1
                break
            }
        }
    }

    /// @notice The function a call invokes; 0x00000000 for a plain transfer (empty calldata).
    function selectorOf(bytes calldata data) internal pure returns (bytes4) {
        if (data.length == 0) return bytes4(0);
        if (data.length < 4) revert MalformedCallData();
        return bytes4(data[0:4]);
    }

    /// @dev Bytes `from` to `to` (at most 31, ending a 32-byte word) must be zero: a length word
    /// that stops short of the data, or dirty padding, is another encoding of the same call.
    function _checkPadding(bytes calldata data, uint256 from, uint256 to) private pure {
        if (to == from) return;
        uint256 tail = uint256(bytes32(data[to - 32:to]));
        if (tail & ((1 << ((to - from) * 8)) - 1) != 0) revert MalformedCallData();
    }

    function _ceil32(uint256 x) private pure returns (uint256) {
        return (x + 31) & ~uint256(31);
    }
}
