// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStandalonePolicy} from "./IStandalonePolicy.sol";
import {CallScopeConfig} from "../types/PolicyTypes.sol";

/// @notice Events, errors and views of CallScopePolicy.
interface ICallScopePolicy is IStandalonePolicy {
    /// @notice The owner set the calls permission `id` may make.
    event CallScopeRegistered(address indexed account, bytes32 indexed id, CallScopeConfig config);
    /// @notice Operation `nonce` made `calls` calls, all allowed.
    event CallScopeUsed(address indexed account, bytes32 indexed id, uint256 indexed nonce, uint256 calls);
    /// @notice The owner revoked the permission (uninstalled, or `revoke` called).
    event CallScopeRevoked(address indexed account, bytes32 indexed id);

    /// @dev Allowed call `index` is refused at registration.
    error InvalidCallPermission(uint256 index, string reason);

    /// @notice The calls registered for permission `id` of `account` (empty if none).
    function getConfig(address account, bytes32 id) external view returns (CallScopeConfig memory);

    /// @notice Whether permission `id` of `account` may call `selector` on `target` now (its argument
    /// conditions aside).
    function isAllowed(address account, bytes32 id, address target, bytes4 selector) external view returns (bool);
}
