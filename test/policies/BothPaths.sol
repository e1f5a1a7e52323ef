// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";

/// @notice A hand-written validation path against the Solidity path it shortcuts: the same call on
/// the policy and on its copy with that path off must end the same way.
library BothPaths {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev Word `at` (a byte offset) of `b`, and setting it: to forge a call's ABI head.
    function word(bytes memory b, uint256 at) internal pure returns (uint256 v) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            v := mload(add(add(b, 32), at))
        }
    }

    function setWord(bytes memory b, uint256 at, uint256 v) internal pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(add(add(b, 32), at), v)
        }
    }

    /// @dev `checkUserOpPolicy` calldata with its operation's callData length forged past 2^64 (the
    /// outer length 2^256 - 28, Kernel's execution length 2^256 - 128), so that the sum of its
    /// position and length wraps around into calldata: the ABI decoder refuses such a length.
    function wrapCallDataLength(bytes memory call) internal pure returns (bytes memory) {
        uint256 op = 4 + word(call, 36);
        uint256 at = op + word(call, op + 0x60);
        setWord(call, at, type(uint256).max - 27);
        setWord(call, at + 32 + 68, type(uint256).max - 127);
        return call;
    }

    /// @dev Calls `call` on `fast`, then on `slow`, as `caller`; requires the same success, the same
    /// return or revert data and the same events; returns the gas each used.
    function run(address fast, address slow, address caller, bytes memory call)
        internal
        returns (uint256 fastGas, uint256 slowGas)
    {
        VM.recordLogs();
        VM.prank(caller);
        uint256 before = gasleft();
        // solhint-disable-next-line avoid-low-level-calls
        (bool okFast, bytes memory outFast) = fast.call(call);
        fastGas = before - gasleft();
        Vm.Log[] memory logsFast = VM.getRecordedLogs();
        VM.prank(caller);
        before = gasleft();
        // solhint-disable-next-line avoid-low-level-calls
        (bool okSlow, bytes memory outSlow) = slow.call(call);
        slowGas = before - gasleft();
        Vm.Log[] memory logsSlow = VM.getRecordedLogs();
        require(okFast == okSlow, "accepted by one path only");
        require(keccak256(outFast) == keccak256(outSlow), "another result or another error");
        require(logsFast.length == logsSlow.length, "another number of events");
        for (uint256 i; i < logsFast.length; ++i) {
            require(keccak256(abi.encode(logsFast[i].topics)) == keccak256(abi.encode(logsSlow[i].topics)), "event topics");
            require(keccak256(logsFast[i].data) == keccak256(logsSlow[i].data), "event data");
        }
    }
}
