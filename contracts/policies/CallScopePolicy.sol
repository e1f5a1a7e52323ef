// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {SIG_VALIDATION_FAILED} from "../interfaces/IERC7579Module.sol";
import {ICallScopePolicy} from "../interfaces/ICallScopePolicy.sol";
import {IStandalonePolicy} from "../interfaces/IStandalonePolicy.sol";
import {StandalonePolicy} from "./StandalonePolicy.sol";
import {CallRuleLib} from "../libraries/CallRuleLib.sol";
import {ExecutionLib} from "../libraries/ExecutionLib.sol";
import {SessionStatus, CallPermission, NO_ARG, MAX_CALL_PERMISSIONS} from "../types/SessionTypes.sol";
import {AllowedCall, CallScopeConfig} from "../types/PolicyTypes.sol";

/// @title CallScopePolicy
/// @notice Kernel v3 policy (ERC-7579 type 5): an allowlist of (target, selector) with conditions on
/// native value and arguments. Every call of the operation must be on the list.
/// @dev Only Kernel `execute` in single or batch mode, default exec type, canonical encoding
/// (ExecutionLib). The account itself, this policy, the EntryPoint and module lifecycle functions
/// can never be allowed. State is keyed `... => account` (ERC-7562). An operation reads one word per
/// distinct call, its rule, and nothing else: a rule is allowed only while its permission is active,
/// since revoking or registering the id again withdraws every rule of the list it replaces.
contract CallScopePolicy is StandalonePolicy, ICallScopePolicy {
    /// @dev Canonical EntryPoint v0.7: a session must not move the account's deposit.
    address private constant ENTRY_POINT = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;

    struct Scope {
        uint8 status;
        uint8 callCount;
    }

    struct CallRecord {
        /// @dev CallRuleLib.Rule, one word.
        uint256 rule;
        bytes32 equalValue;
        // For enumeration by index.
        address target;
        bytes4 selector;
    }

    mapping(bytes32 id => mapping(address account => Scope)) private _scopes;
    /// @dev key(id, target, selector); withdrawn with the list that made it.
    mapping(bytes32 key => mapping(address account => CallRecord)) private _calls;
    /// @dev key(id, "call", index) => key of the call's record.
    mapping(bytes32 key => mapping(address account => bytes32)) private _callKeyAt;

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// @dev Install data is `bytes32 id ‖ abi.encode(CallScopeConfig)`. Registering again replaces
    /// the list.
    function _register(bytes32 id, bytes calldata data) internal override returns (uint8 previous) {
        CallScopeConfig memory config = abi.decode(data, (CallScopeConfig));
        if (config.calls.length == 0) revert InvalidPolicyConfig("no call permission");
        if (config.calls.length > MAX_CALL_PERMISSIONS) revert InvalidPolicyConfig("too many call permissions");
        address account = msg.sender;
        previous = _scopes[id][account].status;
        _withdrawCalls(id, account);

        for (uint256 i; i < config.calls.length; ++i) {
            AllowedCall memory entry = config.calls[i];
            string memory reason = CallRuleLib.invalidReason(_asPermission(entry), account, address(this));
            if (bytes(reason).length == 0 && entry.target == ENTRY_POINT) reason = "target is the EntryPoint";
            if (bytes(reason).length != 0) revert InvalidCallPermission(i, reason);
            bytes32 key = _key(id, bytes32(uint256(uint160(entry.target))), entry.selector);
            if (_calls[key][account].rule & 1 != 0) revert InvalidCallPermission(i, "duplicate target and selector");
            _calls[key][account] = CallRecord({
                rule: CallRuleLib.encode(
                    CallRuleLib.Rule({
                        allowed: true,
                        allowValue: entry.allowValue,
                        targetIsToken: false,
                        amountArg: NO_ARG,
                        tokenArg: NO_ARG,
                        tokenIndex: CallRuleLib.NO_TOKEN,
                        accountArg: entry.accountArg,
                        equalArg: entry.equalArg,
                        perTransaction: 0
                    })
                ),
                equalValue: entry.equalValue,
                target: entry.target,
                selector: entry.selector
            });
            _callKeyAt[_key(id, "call", bytes32(i))][account] = key;
        }
        Scope storage scope = _scopes[id][account];
        scope.status = STATUS_ACTIVE;
        scope.callCount = uint8(config.calls.length);
        emit CallScopeRegistered(account, id, config);
    }

    /// @dev See StandalonePolicy.
    function _statusOf(bytes32 id, address account) internal view override returns (uint8) {
        return _scopes[id][account].status;
    }

    /// @dev See StandalonePolicy.
    function _markRevoked(bytes32 id) internal override {
        _withdrawCalls(id, msg.sender);
        _scopes[id][msg.sender].status = STATUS_REVOKED;
        emit CallScopeRevoked(msg.sender, id);
    }

    /// @dev Withdraws every call of the list registered for `id` (its "allowed" bit cleared; the rest
    /// stays for getConfig): no operation can use them after this.
    function _withdrawCalls(bytes32 id, address account) private {
        uint256 count = _scopes[id][account].callCount;
        for (uint256 i; i < count; ++i) {
            CallRecord storage record = _calls[_callKeyAt[_key(id, "call", bytes32(i))][account]][account];
            record.rule &= ~uint256(1);
        }
    }

    /// @dev The library's registration checks take a CallPermission; this one counts no amount.
    function _asPermission(AllowedCall memory entry) private pure returns (CallPermission memory) {
        return CallPermission({
            target: entry.target,
            selector: entry.selector,
            allowValue: entry.allowValue,
            amountArg: NO_ARG,
            tokenArg: NO_ARG,
            amountToken: address(0),
            accountArg: entry.accountArg,
            equalArg: entry.equalArg,
            equalValue: entry.equalValue
        });
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATION
    //////////////////////////////////////////////////////////////*/

    /// @notice Checks every call of the operation against the allowlist; reverts with the first call
    /// refused and why. Returns 0: no time range, no claim read.
    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp)
        external
        payable
        override
        returns (uint256)
    {
        if (_fastPath(id, userOp)) return 0;
        Scope memory scope = _scopes[id][msg.sender];
        if (scope.status != STATUS_ACTIVE) revert PolicyNotActive(id, _storedStatus(scope.status));
        (bool batch, bytes calldata execution) = ExecutionLib.decode(userOp.callData);
        uint256 count = 1;
        if (!batch) {
            (address target, uint256 value, bytes calldata data) = ExecutionLib.single(execution);
            _checkCall(id, target, value, data);
        } else {
            uint256 cursor;
            (count, cursor) = ExecutionLib.batchLength(execution);
            for (uint256 i; i < count; ++i) {
                address target;
                uint256 value;
                bytes calldata data;
                (target, value, data, cursor) = ExecutionLib.batchAt(execution, i, cursor);
                _checkCall(id, target, value, data);
            }
            ExecutionLib.batchEnd(execution, cursor);
        }
        emit CallScopeUsed(msg.sender, id, userOp.nonce, count);
        return 0;
    }

    /// @dev The common operation, by hand: one call (Kernel's execute, single mode, canonically
    /// encoded) that an active rule allows, its conditions met. It reads the rule's word (and a fixed
    /// argument's, when the rule has one) and emits the same event as the path above; anything else,
    /// every refusal included, is left to that path, which decides it and names the reason.
    function _fastPath(bytes32 id, PackedUserOperation calldata userOp) internal virtual returns (bool done) {
        (bool common, address callTarget, uint256 callValue, uint256 callSelector, uint256 callInput, uint256 callInputLength) =
            ExecutionLib.commonCall(userOp, address(this));
        if (!common) return false;
        uint256 callsSlot;
        bytes32 topic = CallScopeUsed.selector;
        assembly ("memory-safe") {
            callsSlot := _calls.slot
        }
        assembly ("memory-safe") {
            for {} 1 {} {
                // Its rule: _calls[keccak(id, target, selector)][account].
                let m := mload(0x40)
                mstore(m, id)
                mstore(add(m, 0x20), callTarget)
                mstore(add(m, 0x40), shl(224, callSelector))
                mstore(0, keccak256(m, 0x60))
                mstore(0x20, callsSlot)
                mstore(0x20, keccak256(0, 0x40))
                mstore(0, caller())
                let record := keccak256(0, 0x40)
                let rule := sload(record)
                if iszero(and(rule, 1)) { break }
                if callValue { if iszero(and(rule, 2)) { break } }
                // The account as an argument, a fixed argument (CallRuleLib.checkArguments).
                let a := and(shr(32, rule), 0xff)
                if iszero(eq(a, 0xff)) {
                    let at := add(4, shl(5, a))
                    if lt(callInputLength, add(at, 32)) { break }
                    if iszero(eq(calldataload(add(callInput, at)), caller())) { break }
                }
                a := and(shr(40, rule), 0xff)
                if iszero(eq(a, 0xff)) {
                    let at := add(4, shl(5, a))
                    if lt(callInputLength, add(at, 32)) { break }
                    if iszero(eq(calldataload(add(callInput, at)), sload(add(record, 1)))) { break }
                }
                mstore(m, 1)
                log4(m, 0x20, topic, caller(), id, calldataload(add(userOp, 0x20)))
                done := 1
                break
            }
        }
    }

    function _checkCall(bytes32 id, address target, uint256 value, bytes calldata data)
        private
        view
    {
        bytes4 selector = ExecutionLib.selectorOf(data);
        CallRuleLib.checkNotForbidden(target, selector, msg.sender, address(this));
        // Selector 0 stands for empty calldata only: data that starts with four zero bytes reaches
        // the target's fallback with arguments, which a plain-transfer permission does not allow.
        if (selector == bytes4(0) && data.length != 0) revert CallRuleLib.CallNotAllowed(target, selector);
        CallRecord storage record = _calls[_key(id, bytes32(uint256(uint160(target))), selector)][msg.sender];
        CallRuleLib.Rule memory rule = CallRuleLib.decode(record.rule);
        if (!rule.allowed) revert CallRuleLib.CallNotAllowed(target, selector);
        if (value != 0 && !rule.allowValue) revert CallRuleLib.ValueNotAllowed(target, selector, value);
        if (rule.accountArg != NO_ARG || rule.equalArg != NO_ARG) {
            CallRuleLib.checkArguments(rule, record.equalValue, msg.sender, target, selector, data);
        }
    }

    /// @notice ERC-1271: always refused (1). A signature can authorise calls this policy never sees
    /// (permits, orders); a session that must sign uses SessionPolicy's signature senders.
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
        uint8 status = _scopes[id][account].status;
        return status == STATUS_ACTIVE ? SessionStatus.Active : _storedStatus(status);
    }

    /// @inheritdoc ICallScopePolicy
    function isAllowed(address account, bytes32 id, address target, bytes4 selector)
        external
        view
        override
        returns (bool)
    {
        Scope memory scope = _scopes[id][account];
        if (scope.status != STATUS_ACTIVE) return false;
        bytes32 key = _key(id, bytes32(uint256(uint160(target))), selector);
        return CallRuleLib.decode(_calls[key][account].rule).allowed;
    }

    /// @inheritdoc ICallScopePolicy
    function getConfig(address account, bytes32 id) external view override returns (CallScopeConfig memory config) {
        Scope memory scope = _scopes[id][account];
        config.calls = new AllowedCall[](scope.callCount);
        for (uint256 i; i < scope.callCount; ++i) {
            CallRecord storage c = _calls[_callKeyAt[_key(id, "call", bytes32(i))][account]][account];
            CallRuleLib.Rule memory rule = CallRuleLib.decode(c.rule);
            config.calls[i] = AllowedCall({
                target: c.target,
                selector: c.selector,
                allowValue: rule.allowValue,
                accountArg: rule.accountArg,
                equalArg: rule.equalArg,
                equalValue: c.equalValue
            });
        }
    }

    /// @dev Sub-table key; the account stays the last mapping key, keeping slots account-associated.
    function _key(bytes32 id, bytes32 a, bytes32 b) private pure returns (bytes32) {
        return keccak256(abi.encode(id, a, b));
    }
}
