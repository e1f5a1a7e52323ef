// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {CallScopePolicy} from "../policies/CallScopePolicy.sol";

/// @notice Test-only: CallScopePolicy with its hand-written path turned off, so that every operation
/// takes the Solidity path. The tests run the same operations on both and require the same outcome.
contract CallScopePolicySolidityPath is CallScopePolicy {
    function _fastPath(bytes32, PackedUserOperation calldata) internal pure override returns (bool) {
        return false;
    }
}
