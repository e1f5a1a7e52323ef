// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStandalonePolicy} from "./IStandalonePolicy.sol";
import {TokenRemaining} from "../types/SessionTypes.sol";
import {SpendLimitConfig} from "../types/PolicyTypes.sol";

/// @notice Events, errors and views of SpendLimitPolicy.
interface ISpendLimitPolicy is IStandalonePolicy {
    /// @notice The owner set permission `id`'s spending limits; nothing is spent yet.
    event SpendLimitRegistered(address indexed account, bytes32 indexed id, SpendLimitConfig config);
    /// @notice Operation `nonce` spent `amount` of `token` (one event per token; token 0 and amount 0
    /// when it spent nothing). Remaining values are after it; type(uint256).max = unlimited.
    event SpendLimitUsed(
        address indexed account,
        bytes32 indexed id,
        address indexed token,
        uint256 nonce,
        uint256 amount,
        uint32 period,
        uint256 remainingTotal,
        uint256 remainingInPeriod
    );
    /// @notice The owner revoked the permission (uninstalled, or `revoke` called).
    event SpendLimitRevoked(address indexed account, bytes32 indexed id);

    /// @dev A call spends a token this permission has no limit for (native value, or a token argument).
    error TokenNotLimited(address token);
    /// @dev Token limit `index` is refused at registration.
    error InvalidTokenLimit(uint256 index, string reason);
    /// @dev Amount rule `index` is refused at registration.
    error InvalidAmountRule(uint256 index, string reason);

    /// @notice The limits registered for permission `id` of `account` (empty if none).
    function getConfig(address account, bytes32 id) external view returns (SpendLimitConfig memory);

    /// @notice What remains of the gas fee budget, in wei (type(uint256).max = no budget).
    function getFeeLeft(address account, bytes32 id) external view returns (uint256);

    /// @notice What remains of each token's limits now, in registration order.
    function getRemaining(address account, bytes32 id) external view returns (TokenRemaining[] memory);
}
