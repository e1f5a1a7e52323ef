// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {SessionPolicy} from "../policies/SessionPolicy.sol";

/// @notice Test-only: SessionPolicy with its hand-written path turned off, so that every operation
/// takes the Solidity path. The tests run the same operations on both and require the same outcome.
contract SessionPolicySolidityPath is SessionPolicy {
    function _fastPath(bytes32, PackedUserOperation calldata) internal pure override returns (bool, uint256) {
        return (false, 0);
    }
}
