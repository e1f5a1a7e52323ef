// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {SIG_VALIDATION_FAILED} from "../interfaces/IERC7579Module.sol";
import {IRateLimitPolicy} from "../interfaces/IRateLimitPolicy.sol";
import {IStandalonePolicy} from "../interfaces/IStandalonePolicy.sol";
import {StandalonePolicy} from "./StandalonePolicy.sol";
import {CallRuleLib} from "../libraries/CallRuleLib.sol";
import {ClaimLib} from "../libraries/ClaimLib.sol";
import {ExecutionLib} from "../libraries/ExecutionLib.sol";
import {PeriodLib} from "../libraries/PeriodLib.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";
import {ValidationDataLib} from "../libraries/ValidationDataLib.sol";
import {SessionStatus} from "../types/SessionTypes.sol";
import {RateLimitConfig, RateLimitRemaining} from "../types/PolicyTypes.sol";

/// @title RateLimitPolicy
/// @notice Kernel v3 policy (ERC-7579 type 5): at most `callsPerWindow` calls in each fixed window
/// and `maxCalls` over the permission's lifetime; every call of a batch counts as one call.
/// @dev ERC-7562: no clock in validation. The window comes from the time the session key claims in
/// this policy's signature slice (ClaimLib); its bounds go back as validation data. Only Kernel
/// `execute` in single or batch mode is accepted, decoded strictly (ExecutionLib), and calls to the
/// account itself, to this policy or to module lifecycle functions are refused: they would let an
/// operation escape the count or reset it. State is one word per `id => account`, rewritten by
/// every registration.
contract RateLimitPolicy is StandalonePolicy, IRateLimitPolicy {
    /// @dev One word, read and written by every operation.
    struct Limit {
        uint8 status;
        uint48 start;
        uint32 window;
        uint16 callsPerWindow;
        uint32 maxCalls;
        uint32 windowIndex;
        uint16 callsInWindow;
        uint32 callsLeft;
    }

    mapping(bytes32 id => mapping(address account => Limit)) private _limits;

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// @dev Install data is `bytes32 id ‖ abi.encode(RateLimitConfig)`. Registering again starts
    /// from zero.
    function _register(bytes32 id, bytes calldata data) internal override returns (uint8 previous) {
        RateLimitConfig memory config = abi.decode(data, (RateLimitConfig));
        string memory reason = RateLimitLib.invalidReason(config.window, config.callsPerWindow, config.maxCalls);
        if (bytes(reason).length != 0) revert InvalidPolicyConfig(reason);
        if (config.window == 0 && config.maxCalls == 0) revert InvalidPolicyConfig("no limit");
        Limit storage limit = _limits[id][msg.sender];
        previous = limit.status;
        limit.status = STATUS_ACTIVE;
        limit.start = config.start;
        limit.window = config.window;
        limit.callsPerWindow = config.callsPerWindow;
        limit.maxCalls = config.maxCalls;
        limit.windowIndex = 0;
        limit.callsInWindow = 0;
        limit.callsLeft = config.maxCalls == 0 ? RateLimitLib.UNLIMITED : config.maxCalls;
        emit RateLimitRegistered(msg.sender, id, config);
    }

    /// @dev See StandalonePolicy.
    function _statusOf(bytes32 id, address account) internal view override returns (uint8) {
        return _limits[id][account].status;
    }

    /// @dev See StandalonePolicy.
    function _markRevoked(bytes32 id) internal override {
        _limits[id][msg.sender].status = STATUS_REVOKED;
        emit RateLimitRevoked(msg.sender, id);
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATION
    //////////////////////////////////////////////////////////////*/

    /// @notice Counts the operation's calls against the window its time claim falls in and against
    /// the lifetime limit. Reverts with the limit that would be passed; returns the window's bounds
    /// (no range without a window). The claim is needed only when a window is set.
    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp)
        external
        payable
        override
        returns (uint256)
    {
        Limit memory limit = _limits[id][msg.sender];
        if (limit.status != STATUS_ACTIVE) revert PolicyNotActive(id, _storedStatus(limit.status));
        uint256 calls = _countCalls(userOp.callData);
        uint48 validAfter;
        uint48 validUntil = ValidationDataLib.FOREVER;
        if (limit.window != 0) {
            uint32 index = PeriodLib.indexOf(ClaimLib.require_(userOp.signature), limit.start, limit.window);
            limit.callsInWindow =
                RateLimitLib.countInWindow(limit.callsPerWindow, limit.windowIndex, limit.callsInWindow, index, calls);
            limit.windowIndex = index;
            (validAfter, validUntil) = PeriodLib.bounds(index, limit.start, limit.window);
        }
        limit.callsLeft = RateLimitLib.countLifetime(limit.callsLeft, calls);
        _limits[id][msg.sender] = limit;
        emit RateLimitUsed(msg.sender, id, userOp.nonce, calls, limit.windowIndex, limit.callsInWindow, limit.callsLeft);
        return ValidationDataLib.pack(validAfter, validUntil);
    }

    /// @dev Number of calls Kernel will make; refuses the calls no limit could hold.
    function _countCalls(bytes calldata callData) private view returns (uint256 count) {
        (bool batch, bytes calldata execution) = ExecutionLib.decode(callData);
        if (!batch) {
            (address target,, bytes calldata data) = ExecutionLib.single(execution);
            CallRuleLib.checkNotForbidden(target, ExecutionLib.selectorOf(data), msg.sender, address(this));
            return 1;
        }
        uint256 cursor;
        (count, cursor) = ExecutionLib.batchLength(execution);
        for (uint256 i; i < count; ++i) {
            address target;
            bytes calldata data;
            (target,, data, cursor) = ExecutionLib.batchAt(execution, i, cursor);
            CallRuleLib.checkNotForbidden(target, ExecutionLib.selectorOf(data), msg.sender, address(this));
        }
        ExecutionLib.batchEnd(execution, cursor);
    }

    /// @notice ERC-1271: always refused (1). A signature can commit the account to calls (permits,
    /// orders) that no call count would see; a session that must sign uses SessionPolicy.
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
        Limit memory limit = _limits[id][account];
        if (limit.status != STATUS_ACTIVE) return _storedStatus(limit.status);
        if (limit.callsLeft == 0) return SessionStatus.Exhausted;
        if (limit.window != 0 && block.timestamp < limit.start) return SessionStatus.Pending;
        return SessionStatus.Active;
    }

    /// @inheritdoc IRateLimitPolicy
    function getConfig(address account, bytes32 id) external view override returns (RateLimitConfig memory) {
        Limit memory limit = _limits[id][account];
        return RateLimitConfig({
            start: limit.start,
            window: limit.window,
            callsPerWindow: limit.callsPerWindow,
            maxCalls: limit.maxCalls
        });
    }

    /// @inheritdoc IRateLimitPolicy
    function getRemaining(address account, bytes32 id) external view override returns (RateLimitRemaining memory r) {
        Limit memory limit = _limits[id][account];
        r.callsLeft = limit.callsLeft;
        if (limit.window == 0) {
            r.callsLeftInWindow = type(uint16).max;
            return r;
        }
        uint48 nowTs = uint48(block.timestamp);
        uint32 index = nowTs < limit.start ? 0 : PeriodLib.indexOf(nowTs, limit.start, limit.window);
        r.callsLeftInWindow = limit.callsPerWindow - (index == limit.windowIndex ? limit.callsInWindow : 0);
        (, r.windowEndsAt) = PeriodLib.bounds(index, limit.start, limit.window);
    }
}
