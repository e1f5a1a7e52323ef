// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IPolicy, MODULE_TYPE_POLICY, SIG_VALIDATION_SUCCESS} from "../interfaces/IERC7579Module.sol";

/// @notice Test policy that allows everything: the baseline that gas figures are measured against.
/// NEVER install it on a real account: a session under it can do anything its signer signs.
contract PassThroughPolicy is IPolicy {
    mapping(bytes32 id => mapping(address account => bool)) public installed;
    mapping(address account => uint256) public installedCount;

    function onInstall(bytes calldata data) external payable override {
        bytes32 id = bytes32(data[0:32]);
        if (!installed[id][msg.sender]) {
            installed[id][msg.sender] = true;
            ++installedCount[msg.sender];
        }
    }

    function onUninstall(bytes calldata data) external payable override {
        bytes32 id = bytes32(data[0:32]);
        if (installed[id][msg.sender]) {
            delete installed[id][msg.sender];
            --installedCount[msg.sender];
        }
    }

    function isModuleType(uint256 moduleTypeId) external pure override returns (bool) {
        return moduleTypeId == MODULE_TYPE_POLICY;
    }

    function isInitialized(address smartAccount) external view override returns (bool) {
        return installedCount[smartAccount] != 0;
    }

    function checkUserOpPolicy(bytes32, PackedUserOperation calldata) external payable override returns (uint256) {
        return SIG_VALIDATION_SUCCESS;
    }

    function checkSignaturePolicy(bytes32, address, bytes32, bytes calldata) external pure override returns (uint256) {
        return SIG_VALIDATION_SUCCESS;
    }
}
