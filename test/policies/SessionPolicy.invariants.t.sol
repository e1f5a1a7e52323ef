// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {ISessionPolicyModule} from "./ISessionPolicyModule.sol";
import {
    CallPermission,
    TokenLimit,
    SessionConfig,
    SessionSnapshot,
    SessionStatus,
    TokenRemaining,
    NATIVE_TOKEN,
    NO_ARG
} from "../../contracts/types/SessionTypes.sol";
import {Execution} from "./SessionPolicyFixture.sol";

/// Drives SessionPolicy the way Kernel and the EntryPoint do, for two accounts with two session ids
/// each, and keeps a model ("ghost") of everything it accepted since each session's registration.
/// @dev An operation counts as accepted only if `checkUserOpPolicy` did not revert AND the current
/// time lies in the range it returned, as the EntryPoint requires; otherwise `checkAsEntryPoint`
/// reverts, undoing what the policy wrote, as a failed validation undoes it on chain.
contract SessionPolicyHandler is Test {
    uint256 public constant SESSIONS = 4;
    uint256 public constant TOKENS = 3;

    address internal constant USDC = address(0x05DC);
    address internal constant WETH = address(0x0E7E);
    address internal constant ROUTER = address(0x0707E5);
    address internal constant PAYEE = address(0x0FEE);
    bytes4 internal constant EXECUTE = 0xe9ae5c53;
    bytes4 internal constant TRANSFER = 0xa9059cbb;
    bytes4 internal constant APPROVE = 0x095ea7b3;
    bytes4 internal constant SWAP = bytes4(keccak256("swap(address,uint256,address,uint256)"));

    struct Caps {
        uint256 perTransaction;
        uint256 total;
        uint256 perPeriod;
        uint32 period;
    }

    /// What the model knows of one session since its last registration.
    struct Ghost {
        bool active;
        uint48 validAfter;
        uint48 validUntil;
        uint32 window;
        uint16 callsPerWindow;
        uint32 maxCalls;
        uint256 calls;
        uint256 windowIndex;
        uint256 callsInWindow;
        Caps[TOKENS] caps;
        uint256[TOKENS] spentTotal;
        uint256[TOKENS] periodIndex;
        uint256[TOKENS] spentInPeriod;
    }

    /// Accepted operations that broke a limit: every field must stay zero.
    struct Violations {
        uint256 spentOverTotal;
        uint256 spentOverPeriod;
        uint256 operationOverPerTransaction;
        uint256 callsOverWindow;
        uint256 callsOverMax;
        uint256 acceptedOutsideValidity;
        uint256 acceptedWhileInactive;
        uint256 otherSessionChanged;
        uint256 refusedOperationChangedState;
    }

    struct Tally {
        uint256 accepted;
        uint256 refusedByPolicy;
        uint256 refusedByTime;
        uint256 registrations;
        uint256 revocations;
    }

    error OutsideTimeRange(uint256 validationData, uint256 time);

    ISessionPolicyModule public immutable policy;
    /// Real time only moves forward; each call starts from it (the runner may reset the block).
    uint256 public currentTime;
    Violations public violations;
    Tally public tally;
    mapping(uint256 session => Ghost) internal _ghosts;

    constructor(ISessionPolicyModule policy_) {
        policy = policy_;
        currentTime = 1_700_000_000;
        vm.warp(currentTime);
        for (uint256 s; s < SESSIONS; ++s) _register(s, uint256(keccak256(abi.encode("initial", s))));
    }

    modifier atCurrentTime() {
        vm.warp(currentTime);
        _;
    }

    /*//////////////////////////////////////////////////////////////
                             SESSIONS AND TIME
    //////////////////////////////////////////////////////////////*/

    function accountOf(uint256 s) public pure returns (address) {
        return s < 2 ? address(0xA11CE) : address(0xB0B);
    }

    function idOf(uint256 s) public pure returns (bytes32) {
        return s % 2 == 0 ? bytes32(bytes4(0x5e551001)) : bytes32(bytes4(0x5e551002));
    }

    function tokenOf(uint256 k) public pure returns (address) {
        return k == 0 ? USDC : k == 1 ? WETH : NATIVE_TOKEN;
    }

    function ghost(uint256 s) external view returns (Ghost memory) {
        return _ghosts[s];
    }

    function warp(uint256 dt) external atCurrentTime {
        // Mostly minutes to hours; now and then days, past periods and session ends.
        currentTime += dt % 8 == 0 ? _bound(dt, 0, 3 days) : _bound(dt, 0, 2 hours);
        vm.warp(currentTime);
    }

    /// Revokes the session (directly or by uninstall) or registers it again with new limits.
    function revokeOrRegister(uint256 s, uint256 seed) external atCurrentTime {
        s %= SESSIONS;
        if (seed % 6 != 0) {
            _register(s, seed);
            return;
        }
        vm.prank(accountOf(s));
        if (seed % 12 == 0 && _ghosts[s].active) policy.revoke(idOf(s));
        else policy.onUninstall(abi.encodePacked(idOf(s)));
        if (_ghosts[s].active) ++tally.revocations;
        _ghosts[s].active = false;
    }

    function _register(uint256 s, uint256 seed) internal {
        (SessionConfig memory config, Caps[TOKENS] memory caps) = _randomConfig(seed);
        vm.prank(accountOf(s));
        policy.onInstall(abi.encodePacked(idOf(s), abi.encode(config)));

        delete _ghosts[s];
        Ghost storage g = _ghosts[s];
        g.active = true;
        g.validAfter = config.validAfter;
        g.validUntil = config.validUntil;
        g.window = config.window;
        g.callsPerWindow = config.callsPerWindow;
        g.maxCalls = config.maxCalls;
        for (uint256 k; k < TOKENS; ++k) g.caps[k] = caps[k];
        ++tally.registrations;
    }

    function _randomConfig(uint256 seed) internal view returns (SessionConfig memory c, Caps[TOKENS] memory caps) {
        uint48 time = uint48(currentTime);
        // Mostly started already; now and then starting within minutes.
        c.validAfter = seed % 8 == 0 ? time + uint48((seed >> 8) % 10 minutes) : time - uint48((seed >> 8) % 2 days);
        c.validUntil = (seed >> 40) % 3 == 0 ? 0 : c.validAfter + 2 days + uint48((seed >> 48) % 18 days);
        if ((seed >> 80) % 3 != 0) {
            c.window = uint32(1 hours + (seed >> 88) % 5 hours);
            c.callsPerWindow = uint16(1 + (seed >> 104) % 4);
        }
        if ((seed >> 112) % 2 != 0) c.maxCalls = uint32(2 + (seed >> 120) % 11);
        // Operations here carry no gas fields: any cap passes them (the gas tests are elsewhere).
        c.maxFeePerOperation = 1 ether;
        c.signatureSenders = new address[](0);

        c.tokens = new TokenLimit[](TOKENS);
        for (uint256 k; k < TOKENS; ++k) {
            uint256 r = uint256(keccak256(abi.encode(seed, k)));
            // Small caps, reached within a few operations. perTransaction <= 30 <= perPeriod and
            // <= 40 <= total: always a valid registration.
            if (r % 3 != 0) caps[k].perTransaction = 5 + (r >> 8) % 26;
            if ((r >> 16) % 3 != 0) caps[k].total = 40 + (r >> 24) % 81;
            if ((r >> 40) % 2 == 0) {
                caps[k].perPeriod = 30 + (r >> 48) % 31;
                caps[k].period = uint32(1 hours + (r >> 64) % 12 hours);
            }
            c.tokens[k] = TokenLimit(
                tokenOf(k), caps[k].perTransaction, caps[k].total, caps[k].perPeriod, caps[k].period
            );
        }

        c.calls = new CallPermission[](5);
        c.calls[0] = _permission(USDC, TRANSFER);
        c.calls[1] = _permission(USDC, APPROVE);
        c.calls[2] = _permission(WETH, TRANSFER);
        c.calls[3] = _permission(ROUTER, SWAP);
        c.calls[3].allowValue = true;
        c.calls[3].tokenArg = 0;
        c.calls[3].amountArg = 1;
        c.calls[3].accountArg = 2;
        c.calls[4] = _permission(PAYEE, bytes4(0));
        c.calls[4].allowValue = true;
    }

    function _permission(address target, bytes4 selector) internal pure returns (CallPermission memory p) {
        p.target = target;
        p.selector = selector;
        p.amountArg = NO_ARG;
        p.tokenArg = NO_ARG;
        p.accountArg = NO_ARG;
        p.equalArg = NO_ARG;
    }

    /*//////////////////////////////////////////////////////////////
                               OPERATIONS
    //////////////////////////////////////////////////////////////*/

    /// One operation of session `s` (single call or a batch of up to three), at a claimed time.
    function operate(uint256 s, uint256 seed, uint256 dt) external atCurrentTime {
        s %= SESSIONS;
        currentTime += _bound(dt, 0, 30 minutes);
        vm.warp(currentTime);

        (bytes memory callData, uint256[TOKENS] memory amounts, uint256 calls) = _randomCallData(s, seed);
        PackedUserOperation memory op;
        op.sender = accountOf(s);
        op.nonce = tally.accepted;
        op.callData = callData;
        op.signature = _randomClaim(s, seed >> 128);

        bytes32[SESSIONS] memory before = _snapshots();
        try this.checkAsEntryPoint(accountOf(s), idOf(s), op) {
            ++tally.accepted;
            _record(s, amounts, calls);
        } catch (bytes memory reason) {
            if (bytes4(reason) == OutsideTimeRange.selector) ++tally.refusedByTime;
            else ++tally.refusedByPolicy;
            if (_snapshot(s) != before[s]) ++violations.refusedOperationChangedState;
        }
        for (uint256 other; other < SESSIONS; ++other) {
            if (other != s && _snapshot(other) != before[other]) ++violations.otherSessionChanged;
        }
    }

    /// The account's validation as the EntryPoint runs it: the policy's check, then the time range.
    function checkAsEntryPoint(address account, bytes32 id, PackedUserOperation calldata op) external {
        vm.prank(account);
        uint256 data = policy.checkUserOpPolicy(id, op);
        uint256 validUntil = uint48(data >> 160);
        if (validUntil == 0) validUntil = type(uint48).max;
        bool inRange = block.timestamp >= uint48(data >> 208) && block.timestamp <= validUntil;
        if (uint160(data) != 0 || !inRange) revert OutsideTimeRange(data, block.timestamp);
    }

    function _randomCallData(uint256 s, uint256 seed)
        internal
        view
        returns (bytes memory callData, uint256[TOKENS] memory amounts, uint256 n)
    {
        bool batch = seed % 3 == 0;
        n = batch ? 1 + (seed >> 2) % 3 : 1;
        Execution[] memory calls = new Execution[](n);
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 kind = r % 5;
            if (kind < 3) {
                // USDC transfer, USDC approve, WETH transfer.
                uint256 k = kind == 2 ? 1 : 0;
                uint256 amount = _amount(s, k, r >> 8);
                bytes4 selector = kind == 1 ? APPROVE : TRANSFER;
                calls[i] = Execution(tokenOf(k), 0, abi.encodeWithSelector(selector, PAYEE, amount));
                amounts[k] += amount;
            } else if (kind == 3) {
                calls[i] = _randomSwap(s, r, amounts);
            } else {
                uint256 value = _amount(s, 2, r >> 8);
                calls[i] = Execution(PAYEE, value, "");
                amounts[2] += value;
            }
        }
        if (batch) {
            callData = abi.encodeWithSelector(EXECUTE, bytes32(uint256(1) << 248), abi.encode(calls));
        } else {
            callData = abi.encodeWithSelector(
                EXECUTE, bytes32(0), abi.encodePacked(calls[0].target, calls[0].value, calls[0].callData)
            );
        }
    }

    /// A router swap of a random token, sometimes with ETH attached; adds what it spends to `amounts`.
    function _randomSwap(uint256 s, uint256 r, uint256[TOKENS] memory amounts)
        internal
        view
        returns (Execution memory call)
    {
        uint256 k = (r >> 8) % TOKENS;
        uint256 amount = _amount(s, k, r >> 16);
        uint256 value = (r >> 96) % 4 == 0 ? _amount(s, 2, r >> 104) : 0;
        call = Execution(ROUTER, value, abi.encodeWithSelector(SWAP, tokenOf(k), amount, accountOf(s), 1));
        amounts[k] += amount;
        amounts[2] += value;
    }

    /// Amounts around the caps: exactly what is left, one unit more, or anything below 25.
    function _amount(uint256 s, uint256 k, uint256 r) internal view returns (uint256) {
        Ghost storage g = _ghosts[s];
        Caps storage caps = g.caps[k];
        uint256 choice = r % 8;
        uint256 plusOne = (r >> 3) % 2;
        if (choice == 0) return (r >> 8) % 4;
        if (choice == 1 && caps.perTransaction != 0) return caps.perTransaction + plusOne;
        if (choice == 2 && caps.total != 0) return _left(caps.total, g.spentTotal[k]) + plusOne;
        if (choice == 3 && caps.period != 0) {
            bool samePeriod = _indexNow(g.validAfter, caps.period) == g.periodIndex[k];
            return (samePeriod ? _left(caps.perPeriod, g.spentInPeriod[k]) : caps.perPeriod) + plusOne;
        }
        return (r >> 8) % 25;
    }

    /// Mostly the current time; sometimes a little off, anywhere in the session, or no claim.
    function _randomClaim(uint256 s, uint256 r) internal view returns (bytes memory) {
        uint256 choice = r % 20;
        uint256 offset = (r >> 8) % 600;
        uint256 claim = currentTime;
        if (choice == 14 || choice == 15) claim = currentTime + offset;
        if (choice == 16 || choice == 17) claim = currentTime > offset ? currentTime - offset : 0;
        if (choice == 18) claim = uint256(_ghosts[s].validAfter) + (r >> 16) % 20 days;
        if (choice == 19) return "";
        return abi.encodePacked(uint48(claim));
    }

    /*//////////////////////////////////////////////////////////////
                                 MODEL
    //////////////////////////////////////////////////////////////*/

    /// Counts an accepted operation in the model and notes any limit it broke.
    function _record(uint256 s, uint256[TOKENS] memory amounts, uint256 calls) internal {
        Ghost storage g = _ghosts[s];
        if (!g.active) ++violations.acceptedWhileInactive;
        if (block.timestamp < g.validAfter || (g.validUntil != 0 && block.timestamp > g.validUntil)) {
            ++violations.acceptedOutsideValidity;
        }
        g.calls += calls;
        if (g.maxCalls != 0 && g.calls > g.maxCalls) ++violations.callsOverMax;
        if (g.window != 0) {
            uint256 index = _indexNow(g.validAfter, g.window);
            if (index != g.windowIndex) (g.windowIndex, g.callsInWindow) = (index, 0);
            g.callsInWindow += calls;
            if (g.callsInWindow > g.callsPerWindow) ++violations.callsOverWindow;
        }
        for (uint256 k; k < TOKENS; ++k) {
            uint256 amount = amounts[k];
            if (amount == 0) continue;
            Caps storage caps = g.caps[k];
            if (caps.perTransaction != 0 && amount > caps.perTransaction) ++violations.operationOverPerTransaction;
            g.spentTotal[k] += amount;
            if (caps.total != 0 && g.spentTotal[k] > caps.total) ++violations.spentOverTotal;
            if (caps.period != 0) {
                uint256 index = _indexNow(g.validAfter, caps.period);
                if (index != g.periodIndex[k]) (g.periodIndex[k], g.spentInPeriod[k]) = (index, 0);
                g.spentInPeriod[k] += amount;
                if (g.spentInPeriod[k] > caps.perPeriod) ++violations.spentOverPeriod;
            }
        }
    }

    /// Index of the period of `length` seconds holding the current time (0 before the start).
    function _indexNow(uint48 anchor, uint32 length) internal view returns (uint256) {
        return block.timestamp < anchor ? 0 : (block.timestamp - anchor) / length;
    }

    function _left(uint256 cap, uint256 spent) internal pure returns (uint256) {
        return spent >= cap ? 0 : cap - spent;
    }

    function _snapshot(uint256 s) internal view returns (bytes32) {
        return keccak256(abi.encode(policy.getSession(accountOf(s), idOf(s))));
    }

    function _snapshots() internal view returns (bytes32[SESSIONS] memory hashes) {
        for (uint256 s; s < SESSIONS; ++s) hashes[s] = _snapshot(s);
    }
}


/// Random sequences of operations (single and batch, amounts around the caps, native value,
/// approvals, claims right and wrong), time jumps, revocations and re-registrations over two
/// accounts with two sessions each. Only operations the EntryPoint would accept count.
contract SessionPolicyInvariantTest is Test {
    ISessionPolicyModule internal policy;
    SessionPolicyHandler internal handler;

    function setUp() public {
        policy = ISessionPolicyModule(deployCode("SessionPolicy.sol:SessionPolicy"));
        handler = new SessionPolicyHandler(policy);
        targetContract(address(handler));
        // Operations three times as often as time jumps or lifecycle changes.
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = SessionPolicyHandler.operate.selector;
        selectors[1] = SessionPolicyHandler.operate.selector;
        selectors[2] = SessionPolicyHandler.operate.selector;
        selectors[3] = SessionPolicyHandler.warp.selector;
        selectors[4] = SessionPolicyHandler.revokeOrRegister.selector;
        targetSelector(StdInvariant.FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// No accepted operation ever passed a limit: per-operation, lifetime and per-period spending,
    /// calls per window and over the lifetime, the validity range, revocation.
    function invariant_acceptedOperationsStayWithinEveryLimit() public view {
        (
            uint256 spentOverTotal,
            uint256 spentOverPeriod,
            uint256 operationOverPerTransaction,
            uint256 callsOverWindow,
            uint256 callsOverMax,
            uint256 acceptedOutsideValidity,
            uint256 acceptedWhileInactive,,
        ) = handler.violations();
        assertEq(spentOverTotal, 0, "total spent over the total cap");
        assertEq(spentOverPeriod, 0, "spent in a period over perPeriod");
        assertEq(operationOverPerTransaction, 0, "one operation over perTransaction");
        assertEq(callsOverWindow, 0, "calls in a window over callsPerWindow");
        assertEq(callsOverMax, 0, "calls over maxCalls");
        assertEq(acceptedOutsideValidity, 0, "accepted outside [validAfter, validUntil]");
        assertEq(acceptedWhileInactive, 0, "accepted after revocation");

        for (uint256 s; s < handler.SESSIONS(); ++s) {
            SessionPolicyHandler.Ghost memory g = handler.ghost(s);
            for (uint256 k; k < handler.TOKENS(); ++k) {
                if (g.caps[k].total != 0) assertLe(g.spentTotal[k], g.caps[k].total, "total cap");
                if (g.caps[k].period != 0) assertLe(g.spentInPeriod[k], g.caps[k].perPeriod, "period allowance");
            }
            if (g.maxCalls != 0) assertLe(g.calls, g.maxCalls, "maxCalls");
            if (g.window != 0) assertLe(g.callsInWindow, g.callsPerWindow, "callsPerWindow");
        }
    }

    /// An operation of one session never changes another session's state (of the same account or
    /// another), and a refused operation changes nothing at all.
    function invariant_sessionsAreIsolated() public view {
        (,,,,,,, uint256 otherSessionChanged, uint256 refusedOperationChangedState) = handler.violations();
        assertEq(otherSessionChanged, 0, "an operation changed another session");
        assertEq(refusedOperationChangedState, 0, "a refused operation changed state");
    }

    /// getSession reports exactly the caps minus what the model saw accepted, at the current time.
    function invariant_viewsMatchTheModel() public {
        vm.warp(handler.currentTime());
        for (uint256 s; s < handler.SESSIONS(); ++s) {
            SessionPolicyHandler.Ghost memory g = handler.ghost(s);
            SessionSnapshot memory snap = policy.getSession(handler.accountOf(s), handler.idOf(s));
            if (!g.active) assertEq(uint8(snap.status), uint8(SessionStatus.Revoked), "revoked");
            else assertTrue(snap.status != SessionStatus.Revoked && snap.status != SessionStatus.Unknown, "registered");
            assertEq(snap.validAfter, g.validAfter, "validAfter");
            assertEq(snap.validUntil, g.validUntil, "validUntil");
            assertEq(snap.callsLeft, g.maxCalls == 0 ? type(uint32).max : g.maxCalls - g.calls, "callsLeft");
            if (g.window == 0) {
                assertEq(snap.callsLeftInWindow, type(uint16).max, "no window");
            } else {
                uint256 used = _indexNow(g.validAfter, g.window) == g.windowIndex ? g.callsInWindow : 0;
                assertEq(snap.callsLeftInWindow, g.callsPerWindow - used, "callsLeftInWindow");
            }
            assertEq(snap.tokens.length, handler.TOKENS(), "tokens");
            for (uint256 k; k < handler.TOKENS(); ++k) _assertToken(snap.tokens[k], g, k);
        }
    }

    function _assertToken(TokenRemaining memory t, SessionPolicyHandler.Ghost memory g, uint256 k) internal view {
        SessionPolicyHandler.Caps memory caps = g.caps[k];
        assertEq(t.token, handler.tokenOf(k), "token");
        assertEq(t.perTransaction, caps.perTransaction == 0 ? type(uint256).max : caps.perTransaction, "perTransaction");
        assertEq(t.remainingTotal, caps.total == 0 ? type(uint256).max : caps.total - g.spentTotal[k], "remainingTotal");
        if (caps.period == 0) {
            assertEq(t.remainingInPeriod, type(uint256).max, "no period");
        } else {
            uint256 index = _indexNow(g.validAfter, caps.period);
            uint256 spent = index == g.periodIndex[k] ? g.spentInPeriod[k] : 0;
            assertEq(t.periodIndex, index, "periodIndex");
            assertEq(t.remainingInPeriod, caps.perPeriod - spent, "remainingInPeriod");
        }
    }

    function _indexNow(uint48 anchor, uint32 length) internal view returns (uint256) {
        return block.timestamp < anchor ? 0 : (block.timestamp - anchor) / length;
    }

    /// The handler reaches every outcome: without acceptances and both kinds of refusal (by the
    /// policy, by the time range), the invariants above would prove little.
    function test_handlerExercisesEveryOutcome() public {
        for (uint256 step; step < 400; ++step) {
            uint256 r = uint256(keccak256(abi.encode("step", step)));
            uint256 action = r % 10;
            if (action < 7) handler.operate(r >> 8, r >> 16, r >> 64);
            else if (action < 9) handler.warp(r >> 8);
            else handler.revokeOrRegister(r >> 8, r >> 16);
        }
        (uint256 accepted, uint256 refusedByPolicy, uint256 refusedByTime, uint256 registrations, uint256 revocations) =
            handler.tally();
        assertGt(accepted, 50, "accepted");
        assertGt(refusedByPolicy, 20, "refused by the policy");
        assertGt(refusedByTime, 5, "refused by the time range");
        assertGt(registrations, 4, "re-registrations");
        assertGt(revocations, 0, "revocations");
        invariant_acceptedOperationsStayWithinEveryLimit();
        invariant_sessionsAreIsolated();
        invariant_viewsMatchTheModel();
    }
}
