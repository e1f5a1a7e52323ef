// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModule, IPolicy, MODULE_TYPE_POLICY} from "../interfaces/IERC7579Module.sol";
import {IStandalonePolicy} from "../interfaces/IStandalonePolicy.sol";
import {SessionStatus} from "../types/SessionTypes.sol";

/// @title StandalonePolicy
/// @notice What Leash's standalone policies share: a status per (permission id, account), the count
/// of an account's active permissions (ERC-7579's isInitialized), Kernel's uninstall and the
/// account's own revocation, and the module type. Each policy keeps its status inside its own
/// per-permission word (read with the rest of it by every operation) and says how to read and
/// revoke it; the rule it enforces is its own.
abstract contract StandalonePolicy is IPolicy, IStandalonePolicy {
    uint8 internal constant STATUS_ACTIVE = 1;
    uint8 internal constant STATUS_REVOKED = 2;

    /// @dev The base declares no state variable: the count lives at a fixed slot (ERC-7201 style),
    /// keccak256("leash.StandalonePolicy.activeCount"), so each policy's own table keeps slot 0.
    uint256 private constant ACTIVE_COUNT_SLOT = 0x182b8fec84b1a48351c8503ac3774f5076a070ba42b92f4e87ab3d7b5e0c4b72;

    /// @dev account => how many of its permissions are active here.
    function _activeCount() private pure returns (mapping(address account => uint256) storage m) {
        assembly ("memory-safe") {
            m.slot := ACTIVE_COUNT_SLOT
        }
    }

    /// @dev The stored status of permission `id` of `account` (0 = never registered).
    function _statusOf(bytes32 id, address account) internal view virtual returns (uint8);

    /// @dev Marks active permission `id` of the calling account revoked and emits the policy's event.
    function _markRevoked(bytes32 id) internal virtual;

    /// @dev Checks and stores `config` (the ABI-encoded config after the id) as permission `id` of
    /// the calling account, active, emits the policy's event, and returns the status it replaced.
    function _register(bytes32 id, bytes calldata config) internal virtual returns (uint8 previous);

    /// @notice Registers permission `data[0:32]` of the calling account from the config that follows
    /// it, as Kernel passes it; each policy says what its config is and what registering again resets.
    function onInstall(bytes calldata data) external payable override {
        if (data.length < 32) revert InvalidPolicyConfig("missing permission id");
        if (_register(bytes32(data[0:32]), data[32:]) != STATUS_ACTIVE) ++_activeCount()[msg.sender];
    }

    /// @notice Revokes permission `data[0:32]` of the calling account (Kernel's permission uninstall);
    /// does nothing if it is not active.
    function onUninstall(bytes calldata data) external payable override {
        if (data.length < 32) revert InvalidPolicyConfig("missing permission id");
        _revoke(bytes32(data[0:32]));
    }

    /// @inheritdoc IStandalonePolicy
    function revoke(bytes32 id) external override {
        uint8 status = _statusOf(id, msg.sender);
        if (status != STATUS_ACTIVE) revert PolicyNotActive(id, _storedStatus(status));
        _revoke(id);
    }

    /// @inheritdoc IModule
    function isModuleType(uint256 moduleTypeId) external pure override returns (bool) {
        return moduleTypeId == MODULE_TYPE_POLICY;
    }

    /// @inheritdoc IModule
    function isInitialized(address smartAccount) external view override returns (bool) {
        return _activeCount()[smartAccount] != 0;
    }

    /// @dev Status from storage alone (no clock): for errors raised during validation.
    function _storedStatus(uint8 status) internal pure returns (SessionStatus) {
        return status == STATUS_REVOKED ? SessionStatus.Revoked : SessionStatus.Unknown;
    }

    function _revoke(bytes32 id) private {
        if (_statusOf(id, msg.sender) != STATUS_ACTIVE) return;
        _markRevoked(id);
        --_activeCount()[msg.sender];
    }
}
