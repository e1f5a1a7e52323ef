// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPolicy, MODULE_TYPE_POLICY} from "../interfaces/IERC7579Module.sol";

/// @notice The module side of a test policy that keeps no per-account state: installing and
/// uninstalling do nothing. Each test policy adds its own checks.
abstract contract StatelessMockPolicy is IPolicy {
    function onInstall(bytes calldata) external payable override {}

    function onUninstall(bytes calldata) external payable override {}

    function isModuleType(uint256 moduleTypeId) external pure override returns (bool) {
        return moduleTypeId == MODULE_TYPE_POLICY;
    }

    function isInitialized(address) external pure override returns (bool) {
        return false;
    }
}
