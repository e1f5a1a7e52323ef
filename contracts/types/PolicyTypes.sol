// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TokenLimit} from "./SessionTypes.sol";

/*//////////////////////////////////////////////////////////////
                  STANDALONE POLICY CONFIGURATIONS
//////////////////////////////////////////////////////////////*/

/// @notice ExpiryPolicy: when a permission may be used (inclusive, enforced by the EntryPoint).
struct ExpiryConfig {
    uint48 validAfter;
    /// @dev 0 = no expiry.
    uint48 validUntil;
}

/// @notice RateLimitPolicy: operations' calls per fixed window and over the lifetime. 0 = off.
struct RateLimitConfig {
    /// @dev Windows are counted from here (usually the permission's validAfter).
    uint48 start;
    uint32 window;
    uint16 callsPerWindow;
    uint32 maxCalls;
}

/// @notice What remains of a rate limit now.
struct RateLimitRemaining {
    /// @dev type(uint16).max without a window; `windowEndsAt` is the current window's last second.
    uint16 callsLeftInWindow;
    uint48 windowEndsAt;
    /// @dev type(uint32).max = unlimited.
    uint32 callsLeft;
}

/// @notice CallScopePolicy: one function a permission may call, with its argument conditions.
/// @dev The same fields as SessionTypes' CallPermission, without the spending ones.
struct AllowedCall {
    address target;
    /// @dev 0x00000000 permits a plain native transfer (empty calldata) to `target`.
    bytes4 selector;
    bool allowValue;
    /// @dev Word that must equal the account itself, or NO_ARG.
    uint8 accountArg;
    /// @dev Word that must equal `equalValue`, or NO_ARG.
    uint8 equalArg;
    bytes32 equalValue;
}

struct CallScopeConfig {
    AllowedCall[] calls;
}

/// @notice SpendLimitPolicy: an argument of `selector` on `target` that spends a limited token.
struct AmountRule {
    address target;
    bytes4 selector;
    /// @dev Word holding the amount (static ABI words only).
    uint8 amountArg;
    /// @dev Word holding the token the amount is counted in, or NO_ARG to use `amountToken`.
    uint8 tokenArg;
    address amountToken;
}

struct SpendLimitConfig {
    /// @dev Periods are counted from here (usually the permission's validAfter).
    uint48 start;
    /// @dev Gas, as in SessionConfig (GasLib): at least one of the three must be set. Most one
    /// operation may cost in gas fees, in wei; 0 = no cap.
    uint128 maxFeePerOperation;
    /// @dev Most all operations together may cost in gas fees (each counted at its most possible
    /// cost), in wei; 0 = no budget.
    uint128 maxFeeTotal;
    /// @dev The only paymaster operations may use; address(0) = none.
    address paymaster;
    TokenLimit[] tokens;
    AmountRule[] rules;
}
