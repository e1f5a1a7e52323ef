// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {SIG_VALIDATION_FAILED, SIG_VALIDATION_SUCCESS} from "../interfaces/IERC7579Module.sol";
import {StatelessMockPolicy} from "./StatelessMockPolicy.sol";

/// @notice Test policy that breaks ERC-7562's OP-020 on purpose: during validation it gives a
/// sub-call too little gas, lets it run out and carries on. A bundler must refuse it.
contract OutOfGasPolicy is StatelessMockPolicy {
    /// @dev Never returns: whatever gas it gets, it runs out.
    function burn() external pure returns (uint256 i) {
        while (true) {
            unchecked {
                ++i;
            }
        }
    }

    function checkUserOpPolicy(bytes32, PackedUserOperation calldata) external payable override returns (uint256) {
        try this.burn{gas: 5_000}() returns (uint256) {
            return SIG_VALIDATION_FAILED;
        } catch {
            return SIG_VALIDATION_SUCCESS;
        }
    }

    function checkSignaturePolicy(bytes32, address, bytes32, bytes calldata) external pure override returns (uint256) {
        return SIG_VALIDATION_SUCCESS;
    }
}
