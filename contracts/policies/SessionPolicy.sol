// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IPolicy, MODULE_TYPE_POLICY, SIG_VALIDATION_FAILED} from "../interfaces/IERC7579Module.sol";
import {ISessionPolicy} from "../interfaces/ISessionPolicy.sol";
import {CallRuleLib} from "../libraries/CallRuleLib.sol";
import {ClaimLib} from "../libraries/ClaimLib.sol";
import {ExecutionLib} from "../libraries/ExecutionLib.sol";
import {GasLib} from "../libraries/GasLib.sol";
import {PeriodLib} from "../libraries/PeriodLib.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";
import {SpendLib} from "../libraries/SpendLib.sol";
import {ValidationDataLib} from "../libraries/ValidationDataLib.sol";
import {HeaderFields, SessionHeader, SessionHeaderLib} from "../types/SessionHeader.sol";
import {TokenRegistry} from "./TokenRegistry.sol";
import {
    CallPermission,
    TokenLimit,
    SessionConfig,
    SessionStatus,
    SessionSnapshot,
    TokenRemaining,
    NATIVE_TOKEN,
    NO_ARG,
    PERMIT2,
    MAX_CALL_PERMISSIONS,
    MAX_TOKEN_LIMITS,
    MAX_SIGNATURE_SENDERS
} from "../types/SessionTypes.sol";

/// @title SessionPolicy
/// @notice One Kernel v3 policy (ERC-7579 type 5) that enforces a whole session in a single call:
/// call scope, spending limits per token (per operation, lifetime, per period), rate limits and
/// expiry, and whether the session may sign ERC-1271 messages.
/// @dev ERC-7562: validation never reads the clock; periods and windows come from the time the
/// session key claims in this policy's signature slice, and their bounds go back as validation
/// data for the EntryPoint to enforce. All state is keyed `... => account`, so every slot touched
/// in validation is associated with the account. Sub-tables are keyed by a generation that every
/// registration bumps: re-registering an id starts from clean state.
contract SessionPolicy is IPolicy, TokenRegistry, ISessionPolicy {
    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    uint8 private constant STATUS_NONE = 0;
    uint8 private constant STATUS_ACTIVE = 1;
    uint8 private constant STATUS_REVOKED = 2;

    /// @dev Canonical EntryPoint v0.7: a session must not move the account's deposit.
    address private constant ENTRY_POINT = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;


    /// @dev Read by views, and in validation when the operation names a paymaster or the session
    /// relies on one.
    struct Extras {
        uint32 maxCalls;
        uint8 callCount;
        uint8 tokenCount;
        uint8 signatureSenderCount;
        address paymaster;
    }

    struct Session {
        /// @dev Read and written by every operation (SessionHeaderLib).
        SessionHeader header;
        /// @dev GasLib.Fees, one word: read by every operation the session bounds by a cap or a
        /// budget, written when it has a budget.
        uint256 fees;
        Extras extras;
        /// @dev As registered, for views (the fees word holds what remains).
        uint128 maxFeeTotal;
    }

    struct CallRecord {
        /// @dev CallRuleLib.Rule, one word, with the session's gas bounds above its own bits.
        uint256 rule;
        bytes32 equalValue;
    }

    mapping(bytes32 id => mapping(address account => Session)) private _sessions;
    /// @dev key(id, generation, target, selector).
    mapping(bytes32 key => mapping(address account => CallRecord)) private _calls;
    /// @dev key(id, generation, "call", index) => the call's target (20 bytes) and selector (4), for
    /// enumeration by index; its record's key follows from them.
    mapping(bytes32 key => mapping(address account => bytes32)) private _callAtIndex;
    /// @dev key(id, generation, sender) => allowed; key(id, generation, "signer", index) => sender.
    mapping(bytes32 key => mapping(address account => bool)) private _signatureSenderAllowed;
    mapping(bytes32 key => mapping(address account => address)) private _signatureSenderAt;
    mapping(address account => uint256) private _activeSessions;

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// @notice Registers a session for the calling account. `data` is `bytes32 permissionId ‖
    /// abi.encode(SessionConfig)`, as Kernel passes it when the owner enables the permission.
    function onInstall(bytes calldata data) external payable override {
        if (data.length < 32) revert InvalidSessionConfig("missing permission id");
        bytes32 id = bytes32(data[0:32]);
        SessionConfig memory config = abi.decode(data[32:], (SessionConfig));
        _register(id, config);
    }

    /// @notice Revokes the session `data[0:32]` of the calling account (Kernel's permission uninstall).
    function onUninstall(bytes calldata data) external payable override {
        if (data.length < 32) revert InvalidSessionConfig("missing permission id");
        _revoke(bytes32(data[0:32]));
    }

    /// @inheritdoc ISessionPolicy
    function revoke(bytes32 id) external override {
        uint8 status = _sessions[id][msg.sender].header.status();
        if (status != STATUS_ACTIVE) revert SessionNotActive(id, _storedStatus(status));
        _revoke(id);
    }

    function isModuleType(uint256 moduleTypeId) external pure override returns (bool) {
        return moduleTypeId == MODULE_TYPE_POLICY;
    }

    function isInitialized(address smartAccount) external view override returns (bool) {
        return _activeSessions[smartAccount] != 0;
    }

    function _register(bytes32 id, SessionConfig memory config) private {
        address account = msg.sender;
        _checkSessionConfig(config);
        Session storage session = _sessions[id][account];
        HeaderFields memory old = session.header.unpack();
        if (old.generation == type(uint16).max) revert InvalidSessionConfig("too many registrations of this id");
        uint16 generation = old.generation + 1;
        if (old.status != STATUS_ACTIVE) ++_activeSessions[account];

        // Tokens first: call permissions refer to them by index. An operation finds an ERC-20 by its
        // address only through an argument naming it (tokenArg); otherwise its rule carries the index.
        bool tokenArgs;
        for (uint256 i; i < config.calls.length; ++i) {
            if (config.calls[i].tokenArg != NO_ARG) tokenArgs = true;
        }
        _registerTokens(id, generation, account, config.tokens, tokenArgs);

        for (uint256 i; i < config.calls.length; ++i) {
            CallPermission memory permission = config.calls[i];
            string memory reason = CallRuleLib.invalidReason(permission, account, address(this));
            if (bytes(reason).length == 0 && permission.target == ENTRY_POINT) reason = "target is the EntryPoint";
            if (bytes(reason).length != 0) revert InvalidCallPermission(i, reason);
            bytes32 ruleKey = _key(id, generation, bytes32(uint256(uint160(permission.target))), permission.selector);
            if (_calls[ruleKey][account].rule != 0) revert InvalidCallPermission(i, "duplicate target and selector");
            _calls[ruleKey][account] = CallRecord({
                rule: CallRuleLib.encode(_toRule(id, generation, account, config.tokens, permission, i)) | _ruleFees(config),
                equalValue: permission.equalValue
            });
            _callAtIndex[_key(id, generation, "call", bytes32(i))][account] =
                bytes32(bytes20(permission.target)) | (bytes32(permission.selector) >> 160);
        }

        for (uint256 i; i < config.signatureSenders.length; ++i) {
            address sender = config.signatureSenders[i];
            if (sender == address(0) || _indexIn(config.tokens, sender) != CallRuleLib.NO_TOKEN) {
                revert InvalidSessionConfig("a signature sender is zero or a limited token");
            }
            if (sender == PERMIT2) revert InvalidSessionConfig("Permit2 cannot be a signature sender");
            bytes32 senderKey = _key(id, generation, bytes32(uint256(uint160(sender))), "signer");
            if (_signatureSenderAllowed[senderKey][account]) revert InvalidSessionConfig("duplicate signature sender");
            _signatureSenderAllowed[senderKey][account] = true;
            _signatureSenderAt[_key(id, generation, "signer", bytes32(i))][account] = sender;
        }

        session.header = SessionHeaderLib.pack(HeaderFields({
            status: STATUS_ACTIVE,
            generation: generation,
            hasFees: config.maxFeePerOperation != 0 || config.maxFeeTotal != 0,
            hasPaymaster: config.paymaster != address(0),
            validAfter: config.validAfter,
            validUntil: config.validUntil,
            window: config.window,
            callsPerWindow: config.callsPerWindow,
            windowIndex: 0,
            callsInWindow: 0,
            callsLeft: config.maxCalls == 0 ? RateLimitLib.UNLIMITED : config.maxCalls
        }));
        session.fees = GasLib.initial(config.maxFeePerOperation, config.maxFeeTotal);
        session.maxFeeTotal = config.maxFeeTotal;
        session.extras = Extras({
            maxCalls: config.maxCalls,
            callCount: uint8(config.calls.length),
            tokenCount: uint8(config.tokens.length),
            signatureSenderCount: uint8(config.signatureSenders.length),
            paymaster: config.paymaster
        });
        emit SessionRegistered(account, id, config);
    }

    /// @dev The session's gas bounds, copied into each of its call rules above the rule's own bits
    /// (CallRuleLib.POLICY_BITS): the fee cap (96 bits) and whether the session has a budget (bit
    /// 240). The hand-written path reads the cap there and the fees word only for a budget.
    function _ruleFees(SessionConfig memory config) private pure returns (uint256) {
        return (uint256(uint96(config.maxFeePerOperation)) << CallRuleLib.POLICY_BITS)
            | (config.maxFeeTotal != 0 ? 1 << (CallRuleLib.POLICY_BITS + 96) : 0);
    }

    function _checkSessionConfig(SessionConfig memory config) private pure {
        if (config.calls.length == 0) revert InvalidSessionConfig("no call permission");
        if (config.calls.length > MAX_CALL_PERMISSIONS) revert InvalidSessionConfig("too many call permissions");
        if (config.tokens.length > MAX_TOKEN_LIMITS) revert InvalidSessionConfig("too many token limits");
        if (config.signatureSenders.length > MAX_SIGNATURE_SENDERS) revert InvalidSessionConfig("too many signature senders");
        if (config.validUntil != 0 && config.validUntil <= config.validAfter) {
            revert InvalidSessionConfig("validUntil is not after validAfter");
        }
        string memory rateReason = RateLimitLib.invalidReason(config.window, config.callsPerWindow, config.maxCalls);
        if (bytes(rateReason).length != 0) revert InvalidSessionConfig(rateReason);
        string memory gasReason = GasLib.invalidReason(config.maxFeePerOperation, config.maxFeeTotal, config.paymaster);
        if (bytes(gasReason).length != 0) revert InvalidSessionConfig(gasReason);
    }

    /// @dev Resolves a permission's amount counting to a stored rule; ERC-20 spending functions on a
    /// limited token always count their amount, and any other function on it must name one.
    function _toRule(
        bytes32 id,
        uint16 generation,
        address account,
        TokenLimit[] memory tokens,
        CallPermission memory p,
        uint256 i
    ) private view returns (CallRuleLib.Rule memory rule) {
        rule = CallRuleLib.Rule({
            allowed: true,
            allowValue: p.allowValue,
            targetIsToken: false,
            amountArg: p.amountArg,
            tokenArg: p.tokenArg,
            tokenIndex: CallRuleLib.NO_TOKEN,
            accountArg: p.accountArg,
            equalArg: p.equalArg,
            perTransaction: 0
        });
        if (p.allowValue && _indexIn(tokens, NATIVE_TOKEN) == CallRuleLib.NO_TOKEN) {
            revert InvalidCallPermission(i, "value allowed but no limit for the native token");
        }
        uint8 targetToken = _indexIn(tokens, p.target);
        if (targetToken != CallRuleLib.NO_TOKEN) {
            uint8 standard = CallRuleLib.erc20AmountArg(p.selector);
            if (standard != NO_ARG) {
                if (p.amountArg != NO_ARG || p.tokenArg != NO_ARG) {
                    revert InvalidCallPermission(i, "ERC-20 spending functions count their own amount");
                }
                rule.amountArg = standard;
                rule.targetIsToken = true;
                rule.tokenIndex = targetToken;
                rule.perTransaction = _perTransaction(id, generation, account, targetToken);
                return rule;
            }
            if (p.amountArg == NO_ARG) {
                revert InvalidCallPermission(i, "a limited token's function must name its amount argument");
            }
        }
        if (p.amountArg != NO_ARG && p.tokenArg == NO_ARG) {
            rule.tokenIndex = _indexIn(tokens, p.amountToken);
            if (rule.tokenIndex == CallRuleLib.NO_TOKEN) revert InvalidCallPermission(i, "amountToken has no limit");
            rule.perTransaction = _perTransaction(id, generation, account, rule.tokenIndex);
        }
    }

    function _perTransaction(bytes32 id, uint16 generation, address account, uint8 tokenIndex)
        private
        view
        returns (uint96)
    {
        return SpendLib.decodeLimits(_tokens[_key(id, generation, "token", bytes32(uint256(tokenIndex)))][account].limits)
            .perTransaction;
    }

    function _revoke(bytes32 id) private {
        Session storage session = _sessions[id][msg.sender];
        SessionHeader header = session.header;
        if (header.status() != STATUS_ACTIVE) return;
        session.header = header.setStatus(STATUS_REVOKED);
        --_activeSessions[msg.sender];
        emit SessionRevoked(msg.sender, id);
    }

    /// @dev See TokenRegistry.
    function _refuseTokenLimit(uint256 index, string memory reason) internal pure override {
        revert InvalidTokenLimit(index, reason);
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATION
    //////////////////////////////////////////////////////////////*/

    /// @dev Per-operation working set, kept in memory to stay under the stack limit.
    struct Op {
        bytes32 id;
        address account;
        uint16 generation;
        bool hasClaim;
        uint48 claim;
        uint48 anchor;
        uint48 validAfter;
        uint48 validUntil;
        uint256 calls;
        /// @dev The gas fee budget left after this operation (type(uint256).max = no budget).
        uint256 feeLeft;
        uint256 nonce;
        /// @dev Per token index: the amount this operation spends, and `token (160) | perTransaction
        /// (96)` when a rule supplied them (token 0 = read it from storage); bit i of `touched` and
        /// `capKnown` say which indices are set.
        uint256[MAX_TOKEN_LIMITS] amounts;
        uint256[MAX_TOKEN_LIMITS] known;
        uint256 touched;
        uint256 capKnown;
    }

    /// @notice Checks a user operation against the session and counts it. Reverts with an error
    /// naming what was exceeded; returns the time range the operation is valid in.
    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp)
        external
        payable
        override
        returns (uint256)
    {
        (bool done, uint256 range) = _fastPath(id, userOp);
        if (done) return range;
        Session storage session = _sessions[id][msg.sender];
        SessionHeader word = session.header;
        HeaderFields memory header = word.unpack();
        if (header.status != STATUS_ACTIVE) revert SessionNotActive(id, _storedStatus(header.status));

        Op memory op;
        op.id = id;
        op.account = msg.sender;
        op.generation = header.generation;
        op.anchor = header.validAfter;
        op.validAfter = header.validAfter;
        op.validUntil = ValidationDataLib.until(header.validUntil);
        (op.hasClaim, op.claim) = ClaimLib.read(userOp.signature);

        op.nonce = userOp.nonce;
        op.feeLeft = _checkGas(session, header, userOp);

        _scanCalls(op, userOp.callData);

        // Rate limit and lifetime count: every call of a batch counts.
        if (header.window != 0) {
            uint32 index = PeriodLib.indexOf(_claim(op), op.anchor, header.window);
            header.callsInWindow = RateLimitLib.countInWindow(
                header.callsPerWindow, header.windowIndex, header.callsInWindow, index, op.calls
            );
            header.windowIndex = index;
            (uint48 start, uint48 end) = PeriodLib.bounds(index, op.anchor, header.window);
            _narrow(op, start, end);
        }
        header.callsLeft = RateLimitLib.countLifetime(header.callsLeft, op.calls);
        session.header = word.setWindowIndex(header.windowIndex).setCallsInWindow(header.callsInWindow).setCallsLeft(header.callsLeft);

        _spend(op, header);

        if (op.validAfter > op.validUntil) revert ClaimOutsideValidity(op.claim, header.validAfter, header.validUntil);
        return ValidationDataLib.pack(op.validAfter, op.validUntil);
    }

    /// @dev The common operation, by hand: one call (Kernel's execute, single mode, canonically
    /// encoded), no native value, at most one fixed argument and the account as an argument, an
    /// ERC-20 spending function of a limited token or no amount at all, a fee cap or budget and no
    /// paymaster, a time claim, no period rollover. It accepts exactly what the Solidity path below
    /// accepts, with the same writes, event and validity; anything else (every refusal included)
    /// is left to that path, which decides it and names the reason. Nothing is written before every
    /// check has passed.
    // One assembly block: its Yul functions cannot be shared across Solidity functions.
    // solhint-disable-next-line function-max-lines
    function _fastPath(bytes32 id, PackedUserOperation calldata userOp) internal virtual returns (bool done, uint256 range) {
        // One call, no native value, nothing forbidden (target, selector, its calldata).
        (bool common, address callTarget, uint256 callValue, uint256 callSelector, uint256 callInput, uint256 callInputLength) =
            ExecutionLib.commonCall(userOp, address(this));
        if (!common || callValue != 0) return (false, 0);
        uint256 sessionsSlot;
        uint256 callsSlot;
        uint256 tokensSlot;
        bytes32 topic = SessionUsed.selector;
        assembly ("memory-safe") {
            sessionsSlot := _sessions.slot
            callsSlot := _calls.slot
            tokensSlot := _tokens.slot
        }
        assembly ("memory-safe") {
            // Scratch at m: 0x00-0x7f keys, 0x80 lo, 0xa0 hi, 0xc0 claim, 0xe0 anchor, 0x100-0x1ff the event,
            // 0x200 the fees word after, 0x220 the call's rule, 0x380-0x3ff the call (target, selector,
            // calldata offset and length).
            function mapSlot(key, slot) -> s {
                mstore(0, key)
                mstore(0x20, slot)
                mstore(0x20, keccak256(0, 0x40))
                mstore(0, caller())
                s := keccak256(0, 0x40)
            }
            function subKey(m, pid, gen, a, b) -> k {
                mstore(m, pid)
                mstore(add(m, 0x20), gen)
                mstore(add(m, 0x40), a)
                mstore(add(m, 0x60), b)
                k := keccak256(m, 0x80)
            }
            /// Cuts the range at m to slot `index` of `length` seconds from the anchor; 0 if the index is too far.
            function narrow(m, index, length) -> good {
                if gt(index, 0xffffffff) { leave }
                let start := add(mload(add(m, 0xe0)), mul(index, length))
                let end := sub(add(start, length), 1)
                if gt(start, 0xffffffffffff) { start := 0xffffffffffff }
                if gt(end, 0xffffffffffff) { end := 0xffffffffffff }
                if gt(start, mload(add(m, 0x80))) { mstore(add(m, 0x80), start) }
                if lt(end, mload(add(m, 0xa0))) { mstore(add(m, 0xa0), end) }
                good := 1
            }
            /// The fee bounds, no paymaster: the fees word after the operation and the budget left.
            function fees(op, word) -> good, rest, left {
                // No paymaster: paymasterAndData empty, its length word within calldata.
                let pmAt := add(op, calldataload(add(op, 0xe0)))
                if iszero(lt(pmAt, sub(calldatasize(), 0x1f))) { leave }
                if calldataload(pmAt) { leave }
                let cap := and(word, 0xffffffffffffffffffffffff)
                left := and(shr(96, word), 0xffffffffffffffffffffffff)
                let budget := iszero(eq(left, 0xffffffffffffffffffffffff))
                if and(iszero(cap), iszero(budget)) { leave }
                let agl := calldataload(add(op, 0x80))
                let pvg := calldataload(add(op, 0xa0))
                let limits := add(add(shr(128, agl), and(agl, 0xffffffffffffffffffffffffffffffff)), pvg)
                if lt(limits, pvg) { leave }
                let maxFee := and(calldataload(add(op, 0xc0)), 0xffffffffffffffffffffffffffffffff)
                let cost := mul(limits, maxFee)
                if maxFee { if iszero(eq(div(cost, maxFee), limits)) { leave } }
                if cap { if gt(cost, cap) { leave } }
                rest := word
                switch budget
                case 0 { left := not(0) }
                default {
                    if gt(cost, left) { leave }
                    left := sub(left, cost)
                    rest := or(cap, shl(96, left))
                }
                good := 1
            }
            /// Argument word `index` of a call's data, if it has one.
            function arg(data, dataLen, index) -> v, present {
                let at := add(4, shl(5, index))
                if lt(dataLen, add(at, 32)) { leave }
                v := calldataload(add(data, at))
                present := 1
            }
            /// The call against its permission (pid and generation at m + 0x2a0, 0x2c0): the rule,
            /// the target and the amount it spends (0: none).
            function scope(m, slot) -> good, rule, target, amount {
                target := mload(add(m, 0x380))
                let selector := mload(add(m, 0x3a0))
                let data := mload(add(m, 0x3c0))
                let dataLen := mload(add(m, 0x3e0))
                let record := ruleSlot(m, target, selector, slot)
                rule := sload(record)
                if iszero(and(rule, 1)) { leave }
                good, amount := argsOk(rule, record, data, dataLen)
            }
            function ruleSlot(m, target, selector, slot) -> record {
                record := mapSlot(subKey(m, mload(add(m, 0x2a0)), mload(add(m, 0x2c0)), target, shl(224, selector)), slot)
            }
            /// The rule's argument conditions, and the amount an ERC-20 spending function of a limited token counts.
            function argsOk(rule, record, data, dataLen) -> good, amount {
                let a := and(shr(32, rule), 0xff)
                if iszero(eq(a, 0xff)) {
                    let v, present := arg(data, dataLen, a)
                    if iszero(present) { leave }
                    if iszero(eq(v, caller())) { leave }
                }
                a := and(shr(40, rule), 0xff)
                if iszero(eq(a, 0xff)) {
                    let v, present := arg(data, dataLen, a)
                    if iszero(present) { leave }
                    if iszero(eq(v, sload(add(record, 1)))) { leave }
                }
                a := and(shr(8, rule), 0xff)
                if iszero(eq(a, 0xff)) {
                    if iszero(and(rule, 4)) { leave }
                    if iszero(eq(and(shr(16, rule), 0xff), 0xff)) { leave }
                    let v, present := arg(data, dataLen, a)
                    if iszero(present) { leave }
                    if iszero(v) { leave }
                    amount := v
                }
                good := 1
            }
            /// The window and lifetime counts (one call): the header after them.
            function count(m, h) -> good, out {
                let window := and(shr(128, h), 0xffffffff)
                if window {
                    let index := div(sub(mload(add(m, 0xc0)), mload(add(m, 0xe0))), window)
                    let last := and(shr(176, h), 0xffffffff)
                    if lt(index, last) { leave }
                    let used := 1
                    if eq(index, last) { used := add(and(shr(208, h), 0xffff), 1) }
                    if gt(used, and(shr(160, h), 0xffff)) { leave }
                    if iszero(narrow(m, index, window)) { leave }
                    h := or(and(h, not(shl(176, 0xffffffffffff))), or(shl(176, index), shl(208, used)))
                }
                let left := shr(224, h)
                if iszero(eq(left, 0xffffffff)) {
                    if iszero(left) { leave }
                    h := or(and(h, not(shl(224, 0xffffffff))), shl(224, sub(left, 1)))
                }
                out := h
                good := 1
            }
            /// The token's spending state after `amount`, its period claimed (no rollover here).
            function spend(m, state, amount, perTx) -> good, out {
                if perTx { if gt(amount, perTx) { leave } }
                let period := shr(224, state)
                if period {
                    let index := div(sub(mload(add(m, 0xc0)), mload(add(m, 0xe0))), period)
                    if iszero(eq(index, and(shr(192, state), 0xffffffff))) { leave }
                    if iszero(narrow(m, index, period)) { leave }
                    let inPeriod := and(shr(96, state), 0xffffffffffffffffffffffff)
                    if gt(amount, inPeriod) { leave }
                    state := or(and(state, not(shl(96, 0xffffffffffffffffffffffff))), shl(96, sub(inPeriod, amount)))
                }
                let total := and(state, 0xffffffffffffffffffffffff)
                if iszero(eq(total, 0xffffffffffffffffffffffff)) {
                    if gt(amount, total) { leave }
                    state := or(and(state, not(0xffffffffffffffffffffffff)), sub(total, amount))
                }
                out := state
                good := 1
            }
            /// The token the call spends, if any: its state after (kept at m + 0x240) and the event's fields.
            /// The call, then what it spends (pid, generation and the tokens' slot at m + 0x2a0, 0x2c0, 0x2e0).
            function callAndSpend(m, calls) -> good {
                let known, rule, target, amount := scope(m, calls)
                mstore(add(m, 0x220), rule)
                if iszero(known) { leave }
                good := spendAll(m, rule, target, amount)
            }
            function spendAll(m, rule, target, amount) -> good {
                let e := add(m, 0x100)
                mstore(add(e, 0x20), amount)
                mstore(add(e, 0x40), 0)
                mstore(add(e, 0x60), not(0))
                mstore(add(e, 0x80), not(0))
                mstore(add(m, 0x280), 0)
                if amount {
                    mstore(add(m, 0x280), target)
                    let key := subKey(m, mload(add(m, 0x2a0)), mload(add(m, 0x2c0)), 0x746f6b656e000000000000000000000000000000000000000000000000000000, and(shr(24, rule), 0xff))
                    let slot := mapSlot(key, mload(add(m, 0x2e0)))
                    let spent, state := spend(m, sload(slot), amount, and(shr(48, rule), 0xffffffffffffffffffffffff))
                    if iszero(spent) { leave }
                    mstore(add(m, 0x240), slot)
                    mstore(add(m, 0x260), state)
                    mstore(add(e, 0x40), and(shr(192, state), 0xffffffff))
                    let total := and(state, 0xffffffffffffffffffffffff)
                    if iszero(eq(total, 0xffffffffffffffffffffffff)) { mstore(add(e, 0x60), total) }
                    if shr(224, state) { mstore(add(e, 0x80), and(shr(96, state), 0xffffffffffffffffffffffff)) }
                }
                good := 1
            }
            /// m + 0x300: the sessions', calls' and tokens' slots and the event's topic.
            function run(pid, op, m) -> ok, valid {
                let session := mapSlot(pid, mload(add(m, 0x300)))
                let h0 := sload(session)
                // Active; a fee bound and no paymaster.
                if iszero(eq(and(h0, 0xff), 1)) { leave }
                if iszero(eq(and(shr(24, h0), 3), 1)) { leave }
                {
                    // The slice: a 6-byte claim, within calldata.
                    let sigAt := add(op, calldataload(add(op, 0x100)))
                    if iszero(lt(sigAt, sub(calldatasize(), 0x25))) { leave }
                    if iszero(eq(calldataload(sigAt), 6)) { leave }
                    let claim := shr(208, calldataload(add(sigAt, 0x20)))
                    let anchor := and(shr(32, h0), 0xffffffffffff)
                    if lt(claim, anchor) { leave }
                    mstore(add(m, 0xc0), claim)
                    mstore(add(m, 0xe0), anchor)
                    mstore(add(m, 0x80), anchor)
                    let until := and(shr(80, h0), 0xffffffffffff)
                    if iszero(until) { until := 0xffffffffffff }
                    mstore(add(m, 0xa0), until)
                }
                mstore(add(m, 0x2a0), pid)
                mstore(add(m, 0x2c0), and(shr(8, h0), 0xffff))
                mstore(add(m, 0x2e0), mload(add(m, 0x340)))
                if iszero(callAndSpend(m, mload(add(m, 0x320)))) { leave }
                // The fees word as registered, from the call's rule (_ruleFees), unless the session
                // has a budget, whose remainder only the fees word holds.
                let rule := mload(add(m, 0x220))
                let fees0 := or(and(shr(144, rule), 0xffffffffffffffffffffffff), shl(96, 0xffffffffffffffffffffffff))
                if shr(240, rule) { fees0 := sload(add(session, 1)) }
                {
                    let fine, fees1, feeLeft := fees(op, fees0)
                    if iszero(fine) { leave }
                    mstore(add(m, 0x200), fees1)
                    mstore(add(m, 0x1e0), feeLeft)
                }
                let counted, h1 := count(m, h0)
                if iszero(counted) { leave }
                let lo := mload(add(m, 0x80))
                let hi := mload(add(m, 0xa0))
                if gt(lo, hi) { leave }

                sstore(session, h1)
                if iszero(eq(mload(add(m, 0x200)), fees0)) { sstore(add(session, 1), mload(add(m, 0x200))) }
                if mload(add(m, 0x120)) { sstore(mload(add(m, 0x240)), mload(add(m, 0x260))) }
                let e := add(m, 0x100)
                mstore(e, calldataload(add(op, 0x20)))
                mstore(add(e, 0xa0), and(shr(208, h1), 0xffff))
                mstore(add(e, 0xc0), shr(224, h1))
                log4(e, 0x100, mload(add(m, 0x360)), caller(), pid, mload(add(m, 0x280)))
                valid := or(shl(160, hi), shl(208, lo))
                ok := 1
            }
            let m := mload(0x40)
            mstore(add(m, 0x300), sessionsSlot)
            mstore(add(m, 0x320), callsSlot)
            mstore(add(m, 0x340), tokensSlot)
            mstore(add(m, 0x360), topic)
            mstore(add(m, 0x380), callTarget)
            mstore(add(m, 0x3a0), callSelector)
            mstore(add(m, 0x3c0), callInput)
            mstore(add(m, 0x3e0), callInputLength)
            done, range := run(id, userOp, m)
        }
    }

    /// @dev Checks every call against the scope and adds up what each spends.
    function _scanCalls(Op memory op, bytes calldata callData) private view {
        (bool batch, bytes calldata execution) = ExecutionLib.decode(callData);
        if (!batch) {
            (address target, uint256 value, bytes calldata data) = ExecutionLib.single(execution);
            _checkCall(op, target, value, data);
            op.calls = 1;
            return;
        }
        (uint256 count, uint256 cursor) = ExecutionLib.batchLength(execution);
        for (uint256 i; i < count; ++i) {
            address target;
            uint256 value;
            bytes calldata data;
            (target, value, data, cursor) = ExecutionLib.batchAt(execution, i, cursor);
            _checkCall(op, target, value, data);
        }
        ExecutionLib.batchEnd(execution, cursor);
        op.calls = count;
    }

    function _checkCall(Op memory op, address target, uint256 value, bytes calldata data) private view {
        bytes4 selector = ExecutionLib.selectorOf(data);
        CallRuleLib.checkNotForbidden(target, selector, op.account, address(this));
        // Selector 0 permits a plain transfer only: calldata that merely starts with zero bytes is
        // a call to the target's fallback with arguments nobody allowed.
        if (selector == bytes4(0) && data.length != 0) revert CallRuleLib.CallNotAllowed(target, selector);
        CallRecord storage record =
            _calls[_key(op.id, op.generation, bytes32(uint256(uint160(target))), selector)][op.account];
        CallRuleLib.Rule memory rule = CallRuleLib.decode(record.rule);
        if (!rule.allowed) revert CallRuleLib.CallNotAllowed(target, selector);
        if (value != 0) {
            if (!rule.allowValue) revert CallRuleLib.ValueNotAllowed(target, selector, value);
            _add(op, _tokenIndexOf(op.id, op.generation, op.account, NATIVE_TOKEN), value, NATIVE_TOKEN, false, 0);
        }
        if (rule.accountArg != NO_ARG || rule.equalArg != NO_ARG) {
            CallRuleLib.checkArguments(rule, record.equalValue, op.account, target, selector, data);
        }
        if (rule.amountArg == NO_ARG) return;
        uint256 amount = uint256(CallRuleLib.arg(data, target, rule.amountArg));
        if (rule.tokenArg != NO_ARG) {
            address token = CallRuleLib.addressArg(data, target, rule.tokenArg);
            uint8 index = _tokenIndexOf(op.id, op.generation, op.account, token);
            if (index == CallRuleLib.NO_TOKEN) revert TokenNotLimited(token);
            _add(op, index, amount, token, false, 0);
        } else {
            // A fixed token: the target itself for ERC-20 spending functions, else read when spending.
            _add(op, rule.tokenIndex, amount, rule.targetIsToken ? target : address(0), true, rule.perTransaction);
        }
    }

    /// @dev Adds `amount` to a token's running total for this operation (saturating: any cap is below).
    function _add(Op memory op, uint8 index, uint256 amount, address token, bool capKnown, uint96 cap)
        private
        pure
    {
        unchecked {
            uint256 sum = op.amounts[index] + amount;
            op.amounts[index] = sum < amount ? type(uint256).max : sum;
        }
        uint256 bit = 1 << index;
        op.touched |= bit;
        uint256 known = op.known[index];
        if (token != address(0)) known = (known >> 160 << 160) | uint160(token);
        if (capKnown) {
            known = uint160(known) | (uint256(cap) << 160);
            op.capKnown |= bit;
        }
        op.known[index] = known;
    }

    /// @dev Applies each touched token's limits and emits one SessionUsed per token spent.
    function _spend(Op memory op, HeaderFields memory header) private {
        bool spentAny;
        for (uint8 i; op.touched >> i != 0; ++i) {
            if (op.touched & (1 << i) == 0 || op.amounts[i] == 0) continue;
            _spendToken(op, header, i);
            spentAny = true;
        }
        if (!spentAny) {
            emit SessionUsed(
                op.account, op.id, address(0), op.nonce, 0, 0, type(uint256).max, type(uint256).max,
                header.callsInWindow, header.callsLeft, op.feeLeft
            );
        }
    }

    function _spendToken(Op memory op, HeaderFields memory header, uint8 i) private {
        TokenRecord storage record = _tokens[_key(op.id, op.generation, "token", bytes32(uint256(i)))][op.account];
        SpendLib.State memory state = SpendLib.decode(record.state);
        bool capKnown = op.capKnown & (1 << i) != 0;
        uint32 index;
        if (state.period != 0) {
            index = PeriodLib.indexOf(_claim(op), op.anchor, state.period);
            (uint48 start, uint48 end) = PeriodLib.bounds(index, op.anchor, state.period);
            _narrow(op, start, end);
        }
        // The limits word is read only when needed: a new period's refill, or a cap no rule carried.
        SpendLib.Limits memory limits;
        if (!capKnown || SpendLib.rollsOver(state, index)) limits = SpendLib.decodeLimits(record.limits);
        address token = address(uint160(op.known[i]));
        if (token == address(0)) token = record.token;
        uint256 amount = op.amounts[i];
        SpendLib.spend(
            state, token, amount, capKnown ? uint96(op.known[i] >> 160) : limits.perTransaction, index, limits.perPeriod
        );
        record.state = SpendLib.encode(state);
        _emitUsed(op, header, token, amount, state);
    }

    function _emitUsed(
        Op memory op,
        HeaderFields memory header,
        address token,
        uint256 amount,
        SpendLib.State memory state
    ) private {
        emit SessionUsed(
            op.account,
            op.id,
            token,
            op.nonce,
            amount,
            state.periodIndex,
            state.remainingTotal == SpendLib.UNLIMITED ? type(uint256).max : state.remainingTotal,
            state.period != 0 ? state.remainingInPeriod : type(uint256).max,
            header.callsInWindow,
            header.callsLeft,
            op.feeLeft
        );
    }

    /// @dev Paymaster, fee cap and fee budget (GasLib); returns the budget left. Reads the fees word
    /// when the session has a cap or a budget, and the paymaster only when one is named or needed.
    function _checkGas(Session storage session, HeaderFields memory header, PackedUserOperation calldata userOp)
        private
        returns (uint256 feeLeft)
    {
        address paymaster;
        if (header.hasPaymaster && (userOp.paymasterAndData.length != 0 || !header.hasFees)) {
            paymaster = session.extras.paymaster;
        }
        uint256 fees = header.hasFees ? session.fees : GasLib.NONE;
        uint256 after_;
        (after_, feeLeft) = GasLib.check(userOp, paymaster, fees);
        if (after_ != fees) session.fees = after_;
    }

    function _claim(Op memory op) private pure returns (uint48) {
        if (!op.hasClaim) revert ClaimLib.MissingClaim();
        return op.claim;
    }

    function _narrow(Op memory op, uint48 start, uint48 end) private pure {
        if (start > op.validAfter) op.validAfter = start;
        if (end < op.validUntil) op.validUntil = end;
    }

    /*//////////////////////////////////////////////////////////////
                               SIGNATURES
    //////////////////////////////////////////////////////////////*/

    /// @notice ERC-1271: a session signs nothing unless the verifying contract (`sender`) is one the
    /// owner listed. Limited tokens can never be listed, so a session cannot sign their permits;
    /// Permit2 and other spending verifiers should never be listed (the SDK refuses them).
    function checkSignaturePolicy(bytes32 id, address sender, bytes32, bytes calldata)
        external
        view
        override
        returns (uint256)
    {
        HeaderFields memory header = _sessions[id][msg.sender].header.unpack();
        if (header.status != STATUS_ACTIVE || header.callsLeft == 0) return SIG_VALIDATION_FAILED;
        bytes32 senderKey = _key(id, header.generation, bytes32(uint256(uint160(sender))), "signer");
        if (!_signatureSenderAllowed[senderKey][msg.sender]) return SIG_VALIDATION_FAILED;
        return ValidationDataLib.pack(header.validAfter, ValidationDataLib.until(header.validUntil));
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISessionPolicy
    function getStatus(address account, bytes32 id) external view override returns (SessionStatus) {
        return _status(id, account);
    }

    /// @inheritdoc ISessionPolicy
    function getSession(address account, bytes32 id) external view override returns (SessionSnapshot memory snap) {
        Session storage session = _sessions[id][account];
        HeaderFields memory header = session.header.unpack();
        snap.status = _status(id, account);
        snap.validAfter = header.validAfter;
        snap.validUntil = header.validUntil;
        snap.callsLeft = header.callsLeft;
        snap.feeLeft = GasLib.remaining(session.fees);
        uint48 nowTs = uint48(block.timestamp);
        if (header.window == 0) {
            snap.callsLeftInWindow = type(uint16).max;
        } else {
            uint32 index = _indexAt(nowTs, header.validAfter, header.window);
            uint16 used = index == header.windowIndex ? header.callsInWindow : 0;
            snap.callsLeftInWindow = header.callsPerWindow - used;
            (, snap.windowEndsAt) = PeriodLib.bounds(index, header.validAfter, header.window);
        }
        uint256 count = session.extras.tokenCount;
        snap.tokens = new TokenRemaining[](count);
        for (uint256 i; i < count; ++i) {
            snap.tokens[i] = _remainingOf(_tokenAt(id, header.generation, account, i), header.validAfter, nowTs);
        }
    }

    /// @dev Index of the period or window containing `time` (0 before the session starts).
    function _indexAt(uint48 time, uint48 anchor, uint32 length) private pure returns (uint32) {
        return time < anchor ? 0 : PeriodLib.indexOf(time, anchor, length);
    }

    /// @inheritdoc ISessionPolicy
    function getConfig(address account, bytes32 id) external view override returns (SessionConfig memory config) {
        Session storage session = _sessions[id][account];
        HeaderFields memory header = session.header.unpack();
        Extras memory extras = session.extras;
        if (header.generation == 0) return config;
        uint16 gen = header.generation;
        config.validAfter = header.validAfter;
        config.validUntil = header.validUntil;
        config.window = header.window;
        config.callsPerWindow = header.callsPerWindow;
        config.maxCalls = extras.maxCalls;
        GasLib.Fees memory fees = GasLib.decode(session.fees);
        config.maxFeePerOperation = fees.cap;
        config.maxFeeTotal = session.maxFeeTotal;
        config.paymaster = extras.paymaster;
        config.signatureSenders = new address[](extras.signatureSenderCount);
        for (uint256 i; i < extras.signatureSenderCount; ++i) {
            config.signatureSenders[i] = _signatureSenderAt[_key(id, gen, "signer", bytes32(i))][account];
        }
        config.tokens = new TokenLimit[](extras.tokenCount);
        for (uint256 i; i < extras.tokenCount; ++i) {
            config.tokens[i] = _limitOf(_tokenAt(id, gen, account, i));
        }
        config.calls = new CallPermission[](extras.callCount);
        for (uint256 i; i < extras.callCount; ++i) {
            bytes32 at = _callAtIndex[_key(id, gen, "call", bytes32(i))][account];
            address target = address(bytes20(at));
            bytes4 selector = bytes4(at << 160);
            CallRecord storage c = _calls[_key(id, gen, bytes32(uint256(uint160(target))), selector)][account];
            config.calls[i] = _callPermission(c, id, gen, account);
            config.calls[i].target = target;
            config.calls[i].selector = selector;
        }
    }

    function _callPermission(CallRecord storage c, bytes32 id, uint16 gen, address account)
        private
        view
        returns (CallPermission memory p)
    {
        CallRuleLib.Rule memory rule = CallRuleLib.decode(c.rule);
        p.allowValue = rule.allowValue;
        // ERC-20 spending functions count their own amount: registered without amountArg.
        p.amountArg = rule.targetIsToken ? NO_ARG : rule.amountArg;
        p.tokenArg = rule.tokenArg;
        if (!rule.targetIsToken && rule.tokenIndex != CallRuleLib.NO_TOKEN) {
            p.amountToken = _tokens[_key(id, gen, "token", bytes32(uint256(rule.tokenIndex)))][account].token;
        }
        p.accountArg = rule.accountArg;
        p.equalArg = rule.equalArg;
        p.equalValue = c.equalValue;
    }

    /// @dev Status from storage alone (no clock): for errors raised during validation.
    function _storedStatus(uint8 status) private pure returns (SessionStatus) {
        return status == STATUS_REVOKED ? SessionStatus.Revoked : SessionStatus.Unknown;
    }

    function _status(bytes32 id, address account) private view returns (SessionStatus) {
        Session storage session = _sessions[id][account];
        HeaderFields memory header = session.header.unpack();
        if (header.status == STATUS_NONE) return SessionStatus.Unknown;
        if (header.status == STATUS_REVOKED) return SessionStatus.Revoked;
        if (header.validUntil != 0 && block.timestamp > header.validUntil) return SessionStatus.Expired;
        if (header.callsLeft == 0 || _allCapsSpent(id, account, header.generation, session.extras.tokenCount)) {
            return SessionStatus.Exhausted;
        }
        if (block.timestamp < header.validAfter) return SessionStatus.Pending;
        return SessionStatus.Active;
    }

    /// @dev True when there is at least one token limit, every one has a total cap, and none remains.
    function _allCapsSpent(bytes32 id, address account, uint16 gen, uint256 count) private view returns (bool) {
        if (count == 0) return false;
        for (uint256 i; i < count; ++i) {
            if (SpendLib.decode(_tokens[_key(id, gen, "token", bytes32(i))][account].state).remainingTotal != 0) {
                return false;
            }
        }
        return true;
    }

}
