// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IPolicy, MODULE_TYPE_POLICY, SIG_VALIDATION_SUCCESS} from "../interfaces/IERC7579Module.sol";

/// @notice Test policy that breaks ERC-7562 on purpose: it reads the clock and writes a slot that is
/// not associated with the account. The validation checker must flag both.
contract ClockReadingPolicy is IPolicy {
    uint256 public lastSeen;

    function onInstall(bytes calldata) external payable override {}

    function onUninstall(bytes calldata) external payable override {}

    function isModuleType(uint256 moduleTypeId) external pure override returns (bool) {
        return moduleTypeId == MODULE_TYPE_POLICY;
    }

    function isInitialized(address) external pure override returns (bool) {
        return false;
    }

    function checkUserOpPolicy(bytes32, PackedUserOperation calldata) external payable override returns (uint256) {
        lastSeen = block.timestamp;
        return SIG_VALIDATION_SUCCESS;
    }

    function checkSignaturePolicy(bytes32, address, bytes32, bytes calldata) external pure override returns (uint256) {
        return SIG_VALIDATION_SUCCESS;
    }
}
