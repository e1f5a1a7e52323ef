// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TokenLimit, MAX_AMOUNT, MIN_PERIOD} from "../types/SessionTypes.sol";

/// @notice Spending limits of one token: a per-operation cap, a lifetime total and an allowance
/// that refills every period. Counters hold what remains, so a check reads one state word.
library SpendLib {
    /// @dev "No total cap" in `remainingTotal`.
    uint96 internal constant UNLIMITED = type(uint96).max;

    /// @notice What changes on every spend; one storage word:
    /// remainingTotal (96) | remainingInPeriod (96) | periodIndex (32) | period (32), low to high.
    struct State {
        uint96 remainingTotal;
        uint96 remainingInPeriod;
        uint32 periodIndex;
        /// @dev Period length in seconds (config kept here: every spend needs it); 0 = no period.
        uint32 period;
    }

    /// @notice Limits; one storage word: perTransaction (96) | perPeriod (96). 0 = off.
    struct Limits {
        uint96 perTransaction;
        uint96 perPeriod;
    }

    /// @dev One operation would spend more than the per-transaction cap.
    error PerTransactionCapExceeded(address token, uint256 amount, uint256 cap);
    /// @dev The lifetime total would be passed.
    error TotalCapExceeded(address token, uint256 amount, uint256 remaining);
    /// @dev The current period's allowance would be passed.
    error PeriodAllowanceExceeded(address token, uint256 amount, uint256 remaining, uint32 period);
    /// @dev The claimed period is older than the last one spent in.
    error PeriodInPast(address token, uint32 claimed, uint32 last);

    /*//////////////////////////////////////////////////////////////
                              WORD CODECS
    //////////////////////////////////////////////////////////////*/

    function encode(State memory s) internal pure returns (uint256) {
        return uint256(s.remainingTotal) | (uint256(s.remainingInPeriod) << 96) | (uint256(s.periodIndex) << 192)
            | (uint256(s.period) << 224);
    }

    function decode(uint256 word) internal pure returns (State memory s) {
        s.remainingTotal = uint96(word);
        s.remainingInPeriod = uint96(word >> 96);
        s.periodIndex = uint32(word >> 192);
        s.period = uint32(word >> 224);
    }

    function encode(Limits memory limits) internal pure returns (uint256) {
        return uint256(limits.perTransaction) | (uint256(limits.perPeriod) << 96);
    }

    function decodeLimits(uint256 word) internal pure returns (Limits memory limits) {
        limits.perTransaction = uint96(word);
        limits.perPeriod = uint96(word >> 96);
    }

    /// @notice Whether `limit` may be registered (0 = off for each limit).
    /// @return reason empty when it may; otherwise what is wrong.
    function invalidReason(TokenLimit memory limit) internal pure returns (string memory reason) {
        if (limit.token == address(0)) return "token is the zero address";
        if (limit.perTransaction > MAX_AMOUNT || limit.total > MAX_AMOUNT || limit.perPeriod > MAX_AMOUNT) {
            return "limit above 2^96 - 2 (0 = unlimited)";
        }
        if ((limit.perPeriod == 0) != (limit.period == 0)) return "perPeriod and period must be set together";
        if (limit.period != 0 && limit.period < MIN_PERIOD) return "period shorter than 1 hour";
        if (limit.perTransaction != 0 && limit.total != 0 && limit.perTransaction > limit.total) {
            return "perTransaction exceeds total";
        }
        if (limit.perTransaction != 0 && limit.perPeriod != 0 && limit.perTransaction > limit.perPeriod) {
            return "perTransaction exceeds perPeriod";
        }
        return "";
    }

    /*//////////////////////////////////////////////////////////////
                               ACCOUNTING
    //////////////////////////////////////////////////////////////*/

    /// @notice Fresh state for a token: full allowances, period 0.
    function initial(uint256 total, uint256 perPeriod, uint32 period) internal pure returns (State memory) {
        return State({
            remainingTotal: total == 0 ? UNLIMITED : uint96(total),
            remainingInPeriod: uint96(perPeriod),
            periodIndex: 0,
            period: period
        });
    }

    /// @notice Whether spending in period `index` starts a new period (so the caller must supply the refill).
    function rollsOver(State memory state, uint32 index) internal pure returns (bool) {
        return state.period != 0 && index > state.periodIndex;
    }

    /// @notice Spends `amount` of `token` in period `index` (ignored without a period). `refill` is
    /// the per-period allowance, needed only when `rollsOver(state, index)`.
    function spend(
        State memory state,
        address token,
        uint256 amount,
        uint256 perTransaction,
        uint32 index,
        uint96 refill
    ) internal pure {
        if (perTransaction != 0 && amount > perTransaction) {
            revert PerTransactionCapExceeded(token, amount, perTransaction);
        }
        if (state.period != 0) {
            if (index < state.periodIndex) revert PeriodInPast(token, index, state.periodIndex);
            if (index > state.periodIndex) {
                state.periodIndex = index;
                state.remainingInPeriod = refill;
            }
            if (amount > state.remainingInPeriod) {
                revert PeriodAllowanceExceeded(token, amount, state.remainingInPeriod, index);
            }
            state.remainingInPeriod -= uint96(amount);
        }
        if (state.remainingTotal != UNLIMITED) {
            if (amount > state.remainingTotal) revert TotalCapExceeded(token, amount, state.remainingTotal);
            state.remainingTotal -= uint96(amount);
        }
    }

    /// @notice What remains in period `index` (refilled if it is later than the last one spent in).
    function remainingInPeriod(State memory state, uint96 perPeriod, uint32 index) internal pure returns (uint256) {
        if (state.period == 0) return type(uint256).max;
        return index > state.periodIndex ? perPeriod : state.remainingInPeriod;
    }
}
