// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SessionConfig, SessionStatus, SessionSnapshot} from "../types/SessionTypes.sol";

/// @notice Events, errors and views of Leash's session policy.
interface ISessionPolicy {
    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The owner approved a session: its full configuration.
    event SessionRegistered(address indexed account, bytes32 indexed id, SessionConfig config);

    /// @notice An operation used the session: one event per token it spent (token 0 when it spent
    /// nothing). `nonce` is the user operation's nonce (with the account, it names the operation).
    /// Remaining values are after this operation; type(uint256).max means unlimited. `feeLeft` is
    /// the gas fee budget left after counting this operation's most possible cost.
    event SessionUsed(
        address indexed account,
        bytes32 indexed id,
        address indexed token,
        uint256 nonce,
        uint256 amount,
        uint32 period,
        uint256 remainingTotal,
        uint256 remainingInPeriod,
        uint16 callsInWindow,
        uint32 callsLeft,
        uint256 feeLeft
    );

    /// @notice The owner revoked the session (permission uninstalled, or `revoke` called).
    event SessionRevoked(address indexed account, bytes32 indexed id);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @dev The session is not registered for this account, or was revoked.
    error SessionNotActive(bytes32 id, SessionStatus status);
    /// @dev The claimed time falls outside the session's validity.
    error ClaimOutsideValidity(uint48 claim, uint48 validAfter, uint48 validUntil);
    /// @dev A call's token argument names a token the session has no limit for.
    error TokenNotLimited(address token);
    /// @dev The configuration is refused at registration: `reason` says why.
    error InvalidSessionConfig(string reason);
    /// @dev Call permission `index` is refused at registration.
    error InvalidCallPermission(uint256 index, string reason);
    /// @dev Token limit `index` is refused at registration.
    error InvalidTokenLimit(uint256 index, string reason);

    /*//////////////////////////////////////////////////////////////
                           OWNER AND VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice Revokes session `id` of the calling account at once (the owner's direct call).
    /// The permission stays installed in Kernel but every operation under it is refused.
    function revoke(bytes32 id) external;

    /// @notice Status of session `id` of `account` at the current block.
    function getStatus(address account, bytes32 id) external view returns (SessionStatus);

    /// @notice Status and what remains now: per token, calls in the window, lifetime calls.
    function getSession(address account, bytes32 id) external view returns (SessionSnapshot memory);

    /// @notice The configuration registered for session `id` of `account` (empty if none).
    function getConfig(address account, bytes32 id) external view returns (SessionConfig memory);
}
