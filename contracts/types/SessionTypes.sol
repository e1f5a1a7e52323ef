// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/*//////////////////////////////////////////////////////////////
                        SESSION CONFIGURATION
//////////////////////////////////////////////////////////////*/

/// @dev The native coin in token limits (the common "0xEeee…" convention).
address constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
/// @dev "No argument" in the argument-index fields of a call permission.
uint8 constant NO_ARG = type(uint8).max;
/// @dev Ceilings that keep counters packed: larger limits are refused at registration.
uint256 constant MAX_AMOUNT = type(uint96).max - 1;
uint8 constant MAX_CALL_PERMISSIONS = 32;
uint8 constant MAX_TOKEN_LIMITS = 8;
uint8 constant MAX_SIGNATURE_SENDERS = 4;
/// @dev Shortest period or rate window. A bundler refuses an operation in the first seconds of its
/// period or window (validAfter within ~5 s of its clock) and in the last ~30 s (validUntil too near),
/// so ~37 s of every period and window (margins plus a second of clock skew each side) cannot be used.
/// At one hour that is about 1%; at 60 s it was more than half (docs/policies/session-policy.md).
uint32 constant MIN_PERIOD = 1 hours;
/// @dev Uniswap's Permit2, at the same address on every chain. It verifies ERC-1271 signatures that
/// move any token the account ever approved to it, uncounted: never a session's signature sender.
address constant PERMIT2 = 0x000000000022D473030F116dDEE9F6B43aC78BA3;

/// @notice One function a session may call: `selector` on `target`, through the account's `execute`.
/// @dev Arguments are addressed by word index after the selector (static ABI words only).
struct CallPermission {
    address target;
    /// @dev 0x00000000 permits a plain native transfer (empty calldata) to `target`.
    bytes4 selector;
    /// @dev Whether the call may carry native value; the value counts against the NATIVE_TOKEN limit.
    bool allowValue;
    /// @dev Word holding an amount to count as spending (e.g. a swap's amountIn), or NO_ARG.
    uint8 amountArg;
    /// @dev Word holding the token that amount is counted in (e.g. tokenIn), or NO_ARG to use `amountToken`.
    uint8 tokenArg;
    /// @dev Token the amount is counted in when `tokenArg` is NO_ARG.
    address amountToken;
    /// @dev Word that must equal the account itself (e.g. a swap's recipient), or NO_ARG.
    uint8 accountArg;
    /// @dev Word that must equal `equalValue`, or NO_ARG.
    uint8 equalArg;
    bytes32 equalValue;
}

/// @notice Spending limits of one token. A limit left at zero is off.
struct TokenLimit {
    /// @dev An ERC-20, or NATIVE_TOKEN for the native coin.
    address token;
    /// @dev Most one operation may spend (a batch adds up all its calls).
    uint256 perTransaction;
    /// @dev Most the session may spend over its lifetime.
    uint256 total;
    /// @dev Allowance that refills every `period` seconds, without any owner action.
    uint256 perPeriod;
    uint32 period;
}

/// @notice Everything a session may do, registered once when the owner approves it.
struct SessionConfig {
    /// @dev Validity (inclusive), enforced by the EntryPoint. validUntil 0 = no expiry.
    /// Periods and rate windows are counted from validAfter.
    uint48 validAfter;
    uint48 validUntil;
    /// @dev Rate limit: at most `callsPerWindow` calls in each window of `window` seconds. A call is
    /// one execution: each call of a batch counts.
    uint32 window;
    uint16 callsPerWindow;
    /// @dev Lifetime limit on calls (each call of a batch counts); at zero left the session is exhausted.
    uint32 maxCalls;
    /// @dev Gas (GasLib): at least one of these three must be set, or registration is refused.
    /// Most one operation may cost in gas fees (every gas limit × maxFeePerGas), in wei; 0 = no cap.
    uint128 maxFeePerOperation;
    /// @dev Most all operations together may cost in gas fees over the session's life (counted as
    /// each one's most possible cost), in wei; 0 = no budget.
    uint128 maxFeeTotal;
    /// @dev The only paymaster operations may use; address(0) = none (the account pays its gas).
    /// With a paymaster and no cap or budget, every operation must use it.
    address paymaster;
    /// @dev Contracts that may verify this session's ERC-1271 signatures; empty = no signing.
    address[] signatureSenders;
    CallPermission[] calls;
    TokenLimit[] tokens;
}

/*//////////////////////////////////////////////////////////////
                            VIEWS
//////////////////////////////////////////////////////////////*/

/// @notice Where a session stands, as of a block.
enum SessionStatus {
    /// @dev Never registered for this (account, id).
    Unknown,
    /// @dev Usable now.
    Active,
    /// @dev Registered, validAfter not reached yet.
    Pending,
    /// @dev validUntil has passed.
    Expired,
    /// @dev No calls left, or every capped token fully spent.
    Exhausted,
    /// @dev Revoked by the owner (uninstalled or revoked directly).
    Revoked
}

/// @notice What remains of one token's limits now. type(uint256).max = unlimited.
struct TokenRemaining {
    address token;
    uint256 perTransaction;
    uint256 remainingTotal;
    uint256 remainingInPeriod;
    /// @dev Current period index and when the allowance refills (0 without a period).
    uint32 periodIndex;
    uint48 refillsAt;
}

/// @notice A session's status and what remains of its limits now.
struct SessionSnapshot {
    SessionStatus status;
    uint48 validAfter;
    uint48 validUntil;
    /// @dev Calls left in the current window (type(uint16).max without a rate limit) and when it ends.
    uint16 callsLeftInWindow;
    uint48 windowEndsAt;
    /// @dev Calls left over the lifetime (type(uint32).max = unlimited).
    uint32 callsLeft;
    /// @dev What remains of the gas fee budget, in wei (type(uint256).max = no budget).
    uint256 feeLeft;
    TokenRemaining[] tokens;
}
