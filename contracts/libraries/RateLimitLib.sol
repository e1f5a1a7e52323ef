// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MIN_PERIOD} from "../types/SessionTypes.sol";

/// @notice Calls counted in fixed windows that roll over by themselves, plus a lifetime count.
/// A window's count starts from zero when a later window is claimed: idle windows never add up to
/// a larger burst, and no window ever holds more than its limit.
library RateLimitLib {
    /// @dev "No lifetime limit" in `callsLeft`.
    uint32 internal constant UNLIMITED = type(uint32).max;

    /// @dev The window's limit would be passed: `used` already, `calls` more asked.
    error RateLimitExceeded(uint32 window, uint16 limit, uint16 used, uint256 calls);
    /// @dev The claimed window is older than the last one used.
    error WindowInPast(uint32 claimed, uint32 last);
    /// @dev The lifetime limit would be passed.
    error CallLimitReached(uint32 callsLeft, uint256 calls);

    /// @notice Whether a rate limit may be registered (0 = off for each field).
    /// @return reason empty when it may; otherwise what is wrong.
    function invalidReason(uint32 window, uint16 callsPerWindow, uint32 maxCalls)
        internal
        pure
        returns (string memory reason)
    {
        if ((window == 0) != (callsPerWindow == 0)) return "window and callsPerWindow must be set together";
        if (window != 0 && window < MIN_PERIOD) return "window shorter than 1 hour";
        if (maxCalls == UNLIMITED) return "maxCalls too large (0 = unlimited)";
        return "";
    }

    /// @notice Counts `calls` in window `index`; returns the window's new count.
    function countInWindow(uint16 limit, uint32 lastIndex, uint16 lastCount, uint32 index, uint256 calls)
        internal
        pure
        returns (uint16)
    {
        if (index < lastIndex) revert WindowInPast(index, lastIndex);
        uint256 used = index == lastIndex ? lastCount : 0;
        if (used + calls > limit) revert RateLimitExceeded(index, limit, uint16(used), calls);
        return uint16(used + calls);
    }

    /// @notice Takes `calls` from the lifetime count.
    function countLifetime(uint32 callsLeft, uint256 calls) internal pure returns (uint32) {
        if (callsLeft == UNLIMITED) return UNLIMITED;
        if (calls > callsLeft) revert CallLimitReached(callsLeft, calls);
        return uint32(callsLeft - calls);
    }
}
