// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStandalonePolicy} from "./IStandalonePolicy.sol";
import {RateLimitConfig, RateLimitRemaining} from "../types/PolicyTypes.sol";

/// @notice Events and views of RateLimitPolicy.
interface IRateLimitPolicy is IStandalonePolicy {
    /// @notice The owner set permission `id`'s rate limit; counters start from zero.
    event RateLimitRegistered(address indexed account, bytes32 indexed id, RateLimitConfig config);
    /// @notice Operation `nonce` counted `calls` calls in window `window`. Counts are after it;
    /// `callsLeft` type(uint32).max = unlimited.
    event RateLimitUsed(
        address indexed account,
        bytes32 indexed id,
        uint256 indexed nonce,
        uint256 calls,
        uint32 window,
        uint16 callsInWindow,
        uint32 callsLeft
    );
    /// @notice The owner revoked the permission (uninstalled, or `revoke` called).
    event RateLimitRevoked(address indexed account, bytes32 indexed id);

    /// @notice The rate limit registered for permission `id` of `account` (zero if none).
    function getConfig(address account, bytes32 id) external view returns (RateLimitConfig memory);

    /// @notice Calls left in the current window and over the lifetime.
    function getRemaining(address account, bytes32 id) external view returns (RateLimitRemaining memory);
}
