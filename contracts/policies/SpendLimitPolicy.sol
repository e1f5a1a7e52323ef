// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {SIG_VALIDATION_FAILED} from "../interfaces/IERC7579Module.sol";
import {ISpendLimitPolicy} from "../interfaces/ISpendLimitPolicy.sol";
import {IStandalonePolicy} from "../interfaces/IStandalonePolicy.sol";
import {StandalonePolicy} from "./StandalonePolicy.sol";
import {TokenRegistry} from "./TokenRegistry.sol";
import {CallRuleLib} from "../libraries/CallRuleLib.sol";
import {ClaimLib} from "../libraries/ClaimLib.sol";
import {ExecutionLib} from "../libraries/ExecutionLib.sol";
import {GasLib} from "../libraries/GasLib.sol";
import {PeriodLib} from "../libraries/PeriodLib.sol";
import {SpendLib} from "../libraries/SpendLib.sol";
import {ValidationDataLib} from "../libraries/ValidationDataLib.sol";
import {
    CallPermission,
    SessionStatus,
    TokenLimit,
    TokenRemaining,
    NATIVE_TOKEN,
    NO_ARG,
    MAX_CALL_PERMISSIONS,
    MAX_TOKEN_LIMITS
} from "../types/SessionTypes.sol";
import {AmountRule, SpendLimitConfig} from "../types/PolicyTypes.sol";

/// @title SpendLimitPolicy
/// @notice Kernel v3 policy (ERC-7579 type 5): per-token spending limits (per operation, lifetime,
/// per period). Counts native value, ERC-20 transfer/transferFrom/approve/increaseAllowance on a
/// limited token, and the amount argument an amount rule names for a (target, selector). Bounds
/// what operations may cost in gas (GasLib), as SessionPolicy does.
/// It does NOT restrict targets: any call that spends nothing it can see passes. Always combine it
/// with a scope policy (CallScopePolicy).
/// @dev Refuses, whatever the scope: any mode but Kernel `execute` single/batch with default exec
/// type (delegatecall could spend uncounted), a limited token's other functions unless a rule names
/// their amount, native value without a NATIVE_TOKEN limit, and calls to the account itself, to this
/// policy and to module lifecycle functions. Periods come from the time claim in this policy's
/// signature slice (ClaimLib), counted from `start`; their bounds go back as validation data. State
/// is keyed `... => account` (ERC-7562) and by a generation that every registration bumps.
contract SpendLimitPolicy is StandalonePolicy, TokenRegistry, ISpendLimitPolicy {
    struct Header {
        uint8 status;
        uint16 generation;
        uint48 start;
        uint8 tokenCount;
        uint8 ruleCount;
        /// @dev A fee cap or budget: every operation reads the fees word.
        bool hasFees;
        address paymaster;
    }

    struct Fees {
        /// @dev GasLib.Fees, one word.
        uint256 word;
        /// @dev As registered, for views.
        uint128 maxFeeTotal;
    }

    struct RuleRecord {
        /// @dev CallRuleLib.Rule, one word (amountArg, tokenArg, tokenIndex).
        uint256 rule;
        address target;
        bytes4 selector;
    }

    mapping(bytes32 id => mapping(address account => Header)) private _headers;
    mapping(bytes32 id => mapping(address account => Fees)) private _fees;
    /// @dev key(id, generation, target, selector).
    mapping(bytes32 key => mapping(address account => RuleRecord)) private _rules;
    /// @dev key(id, generation, "rule", index) => key of the rule.
    mapping(bytes32 key => mapping(address account => bytes32)) private _ruleKeyAt;

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// @dev Install data is `bytes32 id ‖ abi.encode(SpendLimitConfig)`. Registering again starts
    /// from nothing spent.
    function _register(bytes32 id, bytes calldata data) internal override returns (uint8 previous) {
        SpendLimitConfig memory config = abi.decode(data, (SpendLimitConfig));
        if (config.tokens.length == 0) revert InvalidPolicyConfig("no token limit");
        if (config.tokens.length > MAX_TOKEN_LIMITS) revert InvalidPolicyConfig("too many token limits");
        if (config.rules.length > MAX_CALL_PERMISSIONS) revert InvalidPolicyConfig("too many amount rules");
        string memory gasReason = GasLib.invalidReason(config.maxFeePerOperation, config.maxFeeTotal, config.paymaster);
        if (bytes(gasReason).length != 0) revert InvalidPolicyConfig(gasReason);
        address account = msg.sender;
        Header memory old = _headers[id][account];
        if (old.generation == type(uint16).max) revert InvalidPolicyConfig("too many registrations of this id");
        uint16 generation = old.generation + 1;
        previous = old.status;

        // Tokens first: rules refer to them by index.
        // Its operations find a call's token by the call's target: every token by address.
        _registerTokens(id, generation, account, config.tokens, true);
        for (uint256 i; i < config.rules.length; ++i) {
            _registerRule(id, generation, config.rules[i], i);
        }
        _headers[id][account] = Header({
            status: STATUS_ACTIVE,
            generation: generation,
            start: config.start,
            tokenCount: uint8(config.tokens.length),
            ruleCount: uint8(config.rules.length),
            hasFees: config.maxFeePerOperation != 0 || config.maxFeeTotal != 0,
            paymaster: config.paymaster
        });
        _fees[id][account] = Fees({
            word: GasLib.initial(config.maxFeePerOperation, config.maxFeeTotal),
            maxFeeTotal: config.maxFeeTotal
        });
        emit SpendLimitRegistered(account, id, config);
    }

    function _registerRule(bytes32 id, uint16 generation, AmountRule memory r, uint256 i) private {
        address account = msg.sender;
        (string memory reason, uint8 tokenIndex) = _ruleReason(id, generation, r);
        if (bytes(reason).length != 0) revert InvalidAmountRule(i, reason);
        bytes32 key = _key(id, generation, bytes32(uint256(uint160(r.target))), r.selector);
        if (_rules[key][account].rule != 0) revert InvalidAmountRule(i, "duplicate target and selector");
        _rules[key][account] = RuleRecord({
            rule: CallRuleLib.encode(
                CallRuleLib.Rule({
                    allowed: true,
                    allowValue: false,
                    targetIsToken: false,
                    amountArg: r.amountArg,
                    tokenArg: r.tokenArg,
                    tokenIndex: tokenIndex,
                    accountArg: NO_ARG,
                    equalArg: NO_ARG,
                    perTransaction: 0
                })
            ),
            target: r.target,
            selector: r.selector
        });
        _ruleKeyAt[_key(id, generation, "rule", bytes32(i))][account] = key;
    }

    /// @dev Why rule `r` is refused (empty if it is not) and the token index its amount counts in.
    function _ruleReason(bytes32 id, uint16 generation, AmountRule memory r)
        private
        view
        returns (string memory reason, uint8 tokenIndex)
    {
        tokenIndex = CallRuleLib.NO_TOKEN;
        if (r.amountArg == NO_ARG) return ("no amount argument", tokenIndex);
        // The library's checks take a CallPermission: an amount rule is one that may carry value.
        reason = CallRuleLib.invalidReason(
            CallPermission({
                target: r.target,
                selector: r.selector,
                allowValue: true,
                amountArg: r.amountArg,
                tokenArg: r.tokenArg,
                amountToken: r.amountToken,
                accountArg: NO_ARG,
                equalArg: NO_ARG,
                equalValue: 0
            }),
            msg.sender,
            address(this)
        );
        if (bytes(reason).length != 0) return (reason, tokenIndex);
        if (
            _tokenIndexOf(id, generation, msg.sender, r.target) != CallRuleLib.NO_TOKEN
                && CallRuleLib.erc20AmountArg(r.selector) != NO_ARG
        ) return ("ERC-20 spending functions count their own amount", tokenIndex);
        if (r.tokenArg != NO_ARG) {
            return ("", tokenIndex);
        }
        tokenIndex = _tokenIndexOf(id, generation, msg.sender, r.amountToken);
        if (tokenIndex == CallRuleLib.NO_TOKEN) return ("amountToken has no limit", tokenIndex);
    }

    /// @dev See StandalonePolicy.
    function _statusOf(bytes32 id, address account) internal view override returns (uint8) {
        return _headers[id][account].status;
    }

    /// @dev See StandalonePolicy.
    function _markRevoked(bytes32 id) internal override {
        _headers[id][msg.sender].status = STATUS_REVOKED;
        emit SpendLimitRevoked(msg.sender, id);
    }

    /// @dev See TokenRegistry.
    function _refuseTokenLimit(uint256 index, string memory reason) internal pure override {
        revert InvalidTokenLimit(index, reason);
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATION
    //////////////////////////////////////////////////////////////*/

    /// @dev Per-operation working set: what each token index spends.
    struct Op {
        bytes32 id;
        uint16 generation;
        uint256[MAX_TOKEN_LIMITS] amounts;
    }

    /// @notice Adds up what the operation spends per token and applies each token's limits.
    /// Reverts with the limit that would be passed; returns the bounds of the periods it spent in
    /// (no range when it spent in none). The claim is needed only when a token with a period spends.
    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp)
        external
        payable
        override
        returns (uint256)
    {
        Header memory header = _headers[id][msg.sender];
        if (header.status != STATUS_ACTIVE) revert PolicyNotActive(id, _storedStatus(header.status));
        Fees storage fees = _fees[id][msg.sender];
        uint256 word = header.hasFees ? fees.word : GasLib.NONE;
        (uint256 after_,) = GasLib.check(userOp, header.paymaster, word);
        if (after_ != word) fees.word = after_;
        Op memory op;
        op.id = id;
        op.generation = header.generation;
        (bool batch, bytes calldata execution) = ExecutionLib.decode(userOp.callData);
        if (!batch) {
            (address target, uint256 value, bytes calldata data) = ExecutionLib.single(execution);
            _checkCall(op, target, value, data);
        } else {
            (uint256 count, uint256 cursor) = ExecutionLib.batchLength(execution);
            for (uint256 i; i < count; ++i) {
                address target;
                uint256 value;
                bytes calldata data;
                (target, value, data, cursor) = ExecutionLib.batchAt(execution, i, cursor);
                _checkCall(op, target, value, data);
            }
            ExecutionLib.batchEnd(execution, cursor);
        }
        return _spend(op, header, userOp);
    }

    function _checkCall(Op memory op, address target, uint256 value, bytes calldata data) private view {
        bytes4 selector = ExecutionLib.selectorOf(data);
        CallRuleLib.checkNotForbidden(target, selector, msg.sender, address(this));
        if (value != 0) _add(op, _limitedIndex(op, NATIVE_TOKEN), value);
        uint8 targetToken = _tokenIndexOf(op.id, op.generation, msg.sender, target);
        if (targetToken != CallRuleLib.NO_TOKEN) {
            uint8 standard = CallRuleLib.erc20AmountArg(selector);
            if (standard != NO_ARG) {
                _add(op, targetToken, uint256(CallRuleLib.arg(data, target, standard)));
                return;
            }
        }
        bytes32 key = _key(op.id, op.generation, bytes32(uint256(uint160(target))), selector);
        CallRuleLib.Rule memory rule = CallRuleLib.decode(_rules[key][msg.sender].rule);
        if (!rule.allowed) {
            // A limited token's other functions could move it uncounted (burns, ERC-777 sends, ...).
            if (targetToken != CallRuleLib.NO_TOKEN) revert CallRuleLib.CallNotAllowed(target, selector);
            return;
        }
        uint256 amount = uint256(CallRuleLib.arg(data, target, rule.amountArg));
        if (rule.tokenArg == NO_ARG) {
            _add(op, rule.tokenIndex, amount);
        } else {
            _add(op, _limitedIndex(op, CallRuleLib.addressArg(data, target, rule.tokenArg)), amount);
        }
    }

    /// @dev Adds `amount` to a token's total for this operation, saturating (every cap is below).
    function _add(Op memory op, uint8 index, uint256 amount) private pure {
        unchecked {
            uint256 sum = op.amounts[index] + amount;
            op.amounts[index] = sum < amount ? type(uint256).max : sum;
        }
    }

    /// @dev Applies each token's limits to what the operation spends in it; one event per token.
    function _spend(Op memory op, Header memory header, PackedUserOperation calldata userOp) private returns (uint256) {
        uint48 validAfter;
        uint48 validUntil = ValidationDataLib.FOREVER;
        bool spentAny;
        for (uint256 i; i < header.tokenCount; ++i) {
            uint256 amount = op.amounts[i];
            if (amount == 0) continue;
            TokenRecord storage record = _tokens[_key(op.id, op.generation, "token", bytes32(i))][msg.sender];
            SpendLib.State memory state = SpendLib.decode(record.state);
            SpendLib.Limits memory limits = SpendLib.decodeLimits(record.limits);
            uint32 index;
            if (state.period != 0) {
                index = PeriodLib.indexOf(ClaimLib.require_(userOp.signature), header.start, state.period);
                (uint48 start, uint48 end) = PeriodLib.bounds(index, header.start, state.period);
                if (start > validAfter) validAfter = start;
                if (end < validUntil) validUntil = end;
            }
            address token = record.token;
            SpendLib.spend(state, token, amount, limits.perTransaction, index, limits.perPeriod);
            record.state = SpendLib.encode(state);
            emit SpendLimitUsed(
                msg.sender,
                op.id,
                token,
                userOp.nonce,
                amount,
                state.periodIndex,
                state.remainingTotal == SpendLib.UNLIMITED ? type(uint256).max : state.remainingTotal,
                state.period != 0 ? state.remainingInPeriod : type(uint256).max
            );
            spentAny = true;
        }
        if (!spentAny) {
            emit SpendLimitUsed(msg.sender, op.id, address(0), userOp.nonce, 0, 0, type(uint256).max, type(uint256).max);
        }
        return ValidationDataLib.pack(validAfter, validUntil);
    }

    function _limitedIndex(Op memory op, address token) private view returns (uint8 index) {
        index = _tokenIndexOf(op.id, op.generation, msg.sender, token);
        if (index == CallRuleLib.NO_TOKEN) revert TokenNotLimited(token);
    }

    /// @notice ERC-1271: always refused (1). A signature can spend without a call (permits, Permit2,
    /// orders) and nothing here could count it; a session that must sign uses SessionPolicy.
    function checkSignaturePolicy(bytes32, address, bytes32, bytes calldata)
        external
        pure
        override
        returns (uint256)
    {
        return SIG_VALIDATION_FAILED;
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStandalonePolicy
    function getStatus(address account, bytes32 id) external view override returns (SessionStatus) {
        Header memory header = _headers[id][account];
        if (header.status != STATUS_ACTIVE) return _storedStatus(header.status);
        // Exhausted when every token has a lifetime total and none of it remains.
        for (uint256 i; i < header.tokenCount; ++i) {
            TokenRecord storage record = _tokens[_key(id, header.generation, "token", bytes32(i))][account];
            if (SpendLib.decode(record.state).remainingTotal != 0) return SessionStatus.Active;
        }
        return SessionStatus.Exhausted;
    }

    /// @inheritdoc ISpendLimitPolicy
    function getRemaining(address account, bytes32 id) external view override returns (TokenRemaining[] memory r) {
        Header memory header = _headers[id][account];
        r = new TokenRemaining[](header.tokenCount);
        uint48 nowTs = uint48(block.timestamp);
        for (uint256 i; i < header.tokenCount; ++i) {
            r[i] = _remainingOf(_tokenAt(id, header.generation, account, i), header.start, nowTs);
        }
    }

    /// @inheritdoc ISpendLimitPolicy
    function getFeeLeft(address account, bytes32 id) external view override returns (uint256) {
        return GasLib.remaining(_fees[id][account].word);
    }

    /// @inheritdoc ISpendLimitPolicy
    function getConfig(address account, bytes32 id) external view override returns (SpendLimitConfig memory config) {
        Header memory header = _headers[id][account];
        uint16 gen = header.generation;
        config.start = header.start;
        config.maxFeePerOperation = GasLib.decode(_fees[id][account].word).cap;
        config.maxFeeTotal = _fees[id][account].maxFeeTotal;
        config.paymaster = header.paymaster;
        config.tokens = new TokenLimit[](header.tokenCount);
        for (uint256 i; i < header.tokenCount; ++i) {
            config.tokens[i] = _limitOf(_tokenAt(id, gen, account, i));
        }
        config.rules = new AmountRule[](header.ruleCount);
        for (uint256 i; i < header.ruleCount; ++i) {
            RuleRecord storage rr = _rules[_ruleKeyAt[_key(id, gen, "rule", bytes32(i))][account]][account];
            CallRuleLib.Rule memory rule = CallRuleLib.decode(rr.rule);
            config.rules[i] = AmountRule({
                target: rr.target,
                selector: rr.selector,
                amountArg: rule.amountArg,
                tokenArg: rule.tokenArg,
                amountToken: rule.tokenIndex == CallRuleLib.NO_TOKEN
                    ? address(0)
                    : _tokens[_key(id, gen, "token", bytes32(uint256(rule.tokenIndex)))][account].token
            });
        }
    }
}
