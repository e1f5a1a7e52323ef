// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallRuleLib} from "../libraries/CallRuleLib.sol";
import {PeriodLib} from "../libraries/PeriodLib.sol";
import {SpendLib} from "../libraries/SpendLib.sol";
import {NATIVE_TOKEN, TokenLimit, TokenRemaining} from "../types/SessionTypes.sol";

/// @title TokenRegistry
/// @notice The per-token limits of a permission, as SessionPolicy and SpendLimitPolicy keep them:
/// one record per token (its spending state and its limits, one word each), found by index or by
/// token address, in sub-tables keyed by (permission id, generation) so that a new registration
/// starts from nothing. Every mapping ends with the account as its last key, so each slot is
/// associated with the account (ERC-7562).
abstract contract TokenRegistry {
    struct TokenRecord {
        /// @dev SpendLib.State, one word, read and written by every spend.
        uint256 state;
        /// @dev SpendLib.Limits, one word, read on a period's first spend and for calls whose rule
        /// does not carry the per-transaction cap.
        uint256 limits;
        address token;
        uint96 total;
    }

    /// @dev key(id, generation, "token", index).
    mapping(bytes32 key => mapping(address account => TokenRecord)) internal _tokens;
    /// @dev key(id, generation, token, 0) => index + 1.
    mapping(bytes32 key => mapping(address account => uint8)) private _tokenSlot;

    /// @dev Refuses the `index`-th token limit of a registration with the policy's own error.
    function _refuseTokenLimit(uint256 index, string memory reason) internal pure virtual;

    /// @dev Records `limits` for (id, generation) of `account`, in order; a limit that is wrong is
    /// refused (`_refuseTokenLimit`), and with it the whole registration. The native coin's limit can
    /// always be found by its address (`_tokenIndexOf`); an ERC-20's only when `erc20ByAddress`, for a
    /// permission whose operations look tokens up by address (an argument naming the token, a call's
    /// target): one word fewer per token for the others, whose rules carry the token's index.
    function _registerTokens(bytes32 id, uint16 generation, address account, TokenLimit[] memory limits, bool erc20ByAddress)
        internal
    {
        for (uint256 i; i < limits.length; ++i) {
            TokenLimit memory limit = limits[i];
            string memory reason = SpendLib.invalidReason(limit);
            if (bytes(reason).length != 0) _refuseTokenLimit(i, reason);
            if (_indexIn(limits, limit.token) != i) _refuseTokenLimit(i, "duplicate token");
            if (erc20ByAddress || limit.token == NATIVE_TOKEN) {
                _tokenSlot[_key(id, generation, bytes32(uint256(uint160(limit.token))), 0)][account] = uint8(i + 1);
            }
            _tokens[_key(id, generation, "token", bytes32(i))][account] = TokenRecord({
                state: SpendLib.encode(SpendLib.initial(limit.total, limit.perPeriod, limit.period)),
                limits: SpendLib.encode(
                    SpendLib.Limits({perTransaction: uint96(limit.perTransaction), perPeriod: uint96(limit.perPeriod)})
                ),
                token: limit.token,
                total: uint96(limit.total)
            });
        }
    }

    /// @dev The index of the first limit of `token` in `limits`, or CallRuleLib.NO_TOKEN: registration
    /// finds tokens here, whether or not they can be found by address later.
    function _indexIn(TokenLimit[] memory limits, address token) internal pure returns (uint8) {
        for (uint256 i; i < limits.length; ++i) {
            if (limits[i].token == token) return uint8(i);
        }
        return CallRuleLib.NO_TOKEN;
    }

    /// @dev The index of `token` among the limits of (id, generation) that can be found by address
    /// (see _registerTokens), or CallRuleLib.NO_TOKEN.
    function _tokenIndexOf(bytes32 id, uint16 generation, address account, address token) internal view returns (uint8) {
        uint8 slot = _tokenSlot[_key(id, generation, bytes32(uint256(uint160(token))), 0)][account];
        return slot == 0 ? CallRuleLib.NO_TOKEN : slot - 1;
    }

    /// @dev The record of the `index`-th token of (id, generation).
    function _tokenAt(bytes32 id, uint16 generation, address account, uint256 index)
        internal
        view
        returns (TokenRecord storage)
    {
        return _tokens[_key(id, generation, "token", bytes32(index))][account];
    }

    /// @dev The limit `record` was registered with.
    function _limitOf(TokenRecord storage record) internal view returns (TokenLimit memory) {
        SpendLib.Limits memory limits = SpendLib.decodeLimits(record.limits);
        return TokenLimit({
            token: record.token,
            perTransaction: limits.perTransaction,
            total: record.total,
            perPeriod: limits.perPeriod,
            period: SpendLib.decode(record.state).period
        });
    }

    /// @dev What remains of `record` at `nowTs`, its periods counted from `anchor`.
    function _remainingOf(TokenRecord storage record, uint48 anchor, uint48 nowTs)
        internal
        view
        returns (TokenRemaining memory r)
    {
        SpendLib.State memory state = SpendLib.decode(record.state);
        SpendLib.Limits memory limits = SpendLib.decodeLimits(record.limits);
        r.token = record.token;
        r.perTransaction = limits.perTransaction == 0 ? type(uint256).max : limits.perTransaction;
        r.remainingTotal = state.remainingTotal == SpendLib.UNLIMITED ? type(uint256).max : state.remainingTotal;
        r.remainingInPeriod = type(uint256).max;
        if (state.period != 0) {
            r.periodIndex = nowTs < anchor ? 0 : PeriodLib.indexOf(nowTs, anchor, state.period);
            r.remainingInPeriod = SpendLib.remainingInPeriod(state, limits.perPeriod, r.periodIndex);
            (, uint48 end) = PeriodLib.bounds(r.periodIndex, anchor, state.period);
            r.refillsAt = end == type(uint48).max ? end : end + 1;
        }
    }

    /// @dev Sub-table key; the account stays the last mapping key, keeping slots account-associated.
    function _key(bytes32 id, uint16 generation, bytes32 a, bytes32 b) internal pure returns (bytes32 k) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, id)
            mstore(add(m, 0x20), generation)
            mstore(add(m, 0x40), a)
            mstore(add(m, 0x60), b)
            k := keccak256(m, 0x80)
        }
    }
}
