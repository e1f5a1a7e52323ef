// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SessionStatus} from "../types/SessionTypes.sol";

/// @notice What Leash's standalone policies (expiry, rate limit, call scope, spend limit) share:
/// each is registered per (account, permission id) by Kernel and revocable by the account.
interface IStandalonePolicy {
    /// @dev The permission is not registered here for this account (Unknown), or was revoked.
    error PolicyNotActive(bytes32 id, SessionStatus status);
    /// @dev The configuration is refused at registration: `reason` says why.
    error InvalidPolicyConfig(string reason);

    /// @notice Revokes permission `id` of the calling account at once (the owner's direct call).
    /// The permission stays installed in Kernel but this policy refuses every operation under it.
    function revoke(bytes32 id) external;

    /// @notice Status of permission `id` of `account` in this policy at the current block.
    function getStatus(address account, bytes32 id) external view returns (SessionStatus);
}
