// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStandalonePolicy} from "./IStandalonePolicy.sol";
import {ExpiryConfig} from "../types/PolicyTypes.sol";

/// @notice Events and views of ExpiryPolicy.
interface IExpiryPolicy is IStandalonePolicy {
    /// @notice The owner set when permission `id` may be used.
    event ExpiryRegistered(address indexed account, bytes32 indexed id, ExpiryConfig config);
    /// @notice An operation (`nonce`) passed the policy; the EntryPoint still checks the time.
    event ExpiryUsed(address indexed account, bytes32 indexed id, uint256 indexed nonce);
    /// @notice The owner revoked the permission (uninstalled, or `revoke` called).
    event ExpiryRevoked(address indexed account, bytes32 indexed id);

    /// @notice The range registered for permission `id` of `account` (zero if none).
    function getConfig(address account, bytes32 id) external view returns (ExpiryConfig memory);
}
