// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {PolicyTestBase} from "./PolicyTestBase.sol";
import {RateLimitPolicy} from "../../contracts/policies/RateLimitPolicy.sol";
import {IRateLimitPolicy} from "../../contracts/interfaces/IRateLimitPolicy.sol";
import {IStandalonePolicy} from "../../contracts/interfaces/IStandalonePolicy.sol";
import {CallRuleLib} from "../../contracts/libraries/CallRuleLib.sol";
import {ClaimLib} from "../../contracts/libraries/ClaimLib.sol";
import {ExecutionLib} from "../../contracts/libraries/ExecutionLib.sol";
import {PeriodLib} from "../../contracts/libraries/PeriodLib.sol";
import {RateLimitLib} from "../../contracts/libraries/RateLimitLib.sol";
import {RateLimitConfig, RateLimitRemaining} from "../../contracts/types/PolicyTypes.sol";
import {SessionStatus} from "../../contracts/types/SessionTypes.sol";

contract RateLimitPolicyTest is PolicyTestBase {
    RateLimitPolicy internal policy;
    uint32 internal constant WINDOW = 1 hours;
    uint16 internal constant PER_WINDOW = 3;
    uint32 internal constant MAX_CALLS = 5;
    address internal constant TARGET = address(0xBEEF);

    function setUp() public {
        policy = new RateLimitPolicy();
        _register(RateLimitConfig({start: T0, window: WINDOW, callsPerWindow: PER_WINDOW, maxCalls: MAX_CALLS}));
    }

    function _register(RateLimitConfig memory config) internal {
        vm.prank(account);
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
    }

    function _checkOp(bytes memory callData, bytes memory slice) internal returns (uint256) {
        PackedUserOperation memory op = _op(callData, slice);
        vm.prank(account);
        return policy.checkUserOpPolicy(ID, op);
    }

    /// One call at `time`.
    function _one(uint48 time) internal returns (uint256) {
        return _checkOp(_single(TARGET, 0, hex"12345678"), _claim(time));
    }

    /// A batch of `n` calls at `time`.
    function _many(uint256 n, uint48 time) internal returns (uint256) {
        return _checkOp(_batch(_repeat(_call(TARGET, 0, hex"12345678"), n)), _claim(time));
    }

    function _expectConfigError(string memory reason) internal {
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, reason));
    }

    /*//////////////////////////////////////////////////////////////
                                WINDOWS
    //////////////////////////////////////////////////////////////*/

    function test_windowLimitReachedExactlyThenExceededByOne() public {
        for (uint256 i; i < PER_WINDOW; ++i) {
            (uint48 validAfter, uint48 validUntil) = _range(_one(T0 + 10));
            assertEq(validAfter, T0, "window 0 starts at start");
            assertEq(validUntil, T0 + WINDOW - 1, "and ends one second before window 1");
        }
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, 0, PER_WINDOW, PER_WINDOW, 1));
        _one(T0 + WINDOW - 1);
    }

    function test_eachCallOfABatchCounts() public {
        _many(PER_WINDOW, T0);
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, 0, PER_WINDOW, PER_WINDOW, 1));
        _one(T0);
    }

    function test_aBatchOneOverTheWindowLimitIsRefusedWhole() public {
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, 0, PER_WINDOW, 0, PER_WINDOW + 1));
        _many(PER_WINDOW + 1, T0);
        assertEq(policy.getRemaining(account, ID).callsLeft, MAX_CALLS, "the refused batch counted nothing");
    }

    function test_aNewWindowStartsFromZeroAndReturnsItsBounds() public {
        _many(PER_WINDOW, T0);
        (uint48 validAfter, uint48 validUntil) = _range(_one(T0 + WINDOW));
        assertEq(validAfter, T0 + WINDOW);
        assertEq(validUntil, T0 + 2 * WINDOW - 1);
        _one(T0 + WINDOW + 5);
    }

    /// Idle windows never add up: after ten idle windows, still only callsPerWindow.
    function test_idleWindowsDoNotAccumulate() public {
        _register(RateLimitConfig({start: T0, window: WINDOW, callsPerWindow: PER_WINDOW, maxCalls: 0}));
        uint48 later = T0 + 10 * WINDOW;
        _many(PER_WINDOW, later);
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, 10, PER_WINDOW, PER_WINDOW, 1));
        _one(later);
    }

    /// Fixed windows: up to 2 × callsPerWindow within two seconds across a boundary (documented).
    function test_fixedWindowsAllowTwiceTheLimitAcrossABoundary() public {
        _register(RateLimitConfig({start: T0, window: WINDOW, callsPerWindow: PER_WINDOW, maxCalls: 0}));
        _many(PER_WINDOW, T0 + WINDOW - 1);
        _many(PER_WINDOW, T0 + WINDOW);
        assertEq(policy.getRemaining(account, ID).callsLeft, type(uint32).max);
    }

    function test_refusesAClaimInAnOlderWindow() public {
        _one(T0 + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.WindowInPast.selector, 0, 1));
        _one(T0 + WINDOW - 1);
    }

    /*//////////////////////////////////////////////////////////////
                                LIFETIME
    //////////////////////////////////////////////////////////////*/

    function test_lifetimeLimitReachedExactlyThenExceededByOne() public {
        _many(PER_WINDOW, T0);
        _many(2, T0 + WINDOW);
        assertEq(policy.getRemaining(account, ID).callsLeft, 0);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Exhausted));
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, 0, 1));
        _one(T0 + 2 * WINDOW);
    }

    function test_aBatchOverTheLifetimeLeftIsRefused() public {
        _many(PER_WINDOW, T0);
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, 2, 3));
        _many(3, T0 + WINDOW);
    }

    /// Without a window no claim is read and no time range is returned.
    function test_lifetimeOnlyNeedsNoClaim() public {
        _register(RateLimitConfig({start: 0, window: 0, callsPerWindow: 0, maxCalls: 2}));
        assertEq(_checkOp(_single(TARGET, 0, ""), ""), (uint256(type(uint48).max) << 160));
        _checkOp(_single(TARGET, 0, ""), "");
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, 0, 1));
        _checkOp(_single(TARGET, 0, ""), "");
    }

    /*//////////////////////////////////////////////////////////////
                                 CLAIMS
    //////////////////////////////////////////////////////////////*/

    function test_refusesAMissingMalformedOrEarlyClaim() public {
        vm.expectRevert(ClaimLib.MissingClaim.selector);
        _checkOp(_single(TARGET, 0, ""), "");
        vm.expectRevert(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, 5));
        _checkOp(_single(TARGET, 0, ""), hex"0000000001");
        vm.expectRevert(abi.encodeWithSelector(PeriodLib.ClaimBeforeStart.selector, T0 - 1, T0));
        _one(T0 - 1);
    }

    /*//////////////////////////////////////////////////////////////
                          CALLS THAT ESCAPE COUNT
    //////////////////////////////////////////////////////////////*/

    function test_refusesCallsToTheAccountThePolicyAndLifecycleFunctions() public {
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, account));
        _checkOp(_single(account, 0, hex"e9ae5c53"), _claim(T0));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, address(policy)));
        _checkOp(_batch(_calls(_call(TARGET, 0, ""), _call(address(policy), 0, hex"12345678"))), _claim(T0));
        bytes memory reinstall = abi.encodeWithSelector(bytes4(0x6d61fe70), hex"");
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, TARGET, bytes4(0x6d61fe70)));
        _checkOp(_single(TARGET, 0, reinstall), _claim(T0));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, TARGET, bytes4(0x8a91b0e3)));
        _checkOp(_single(TARGET, 0, hex"8a91b0e3"), _claim(T0));
    }

    function test_refusesModesItCannotCount() public {
        bytes memory execution = abi.encodePacked(TARGET, uint256(0), hex"12345678");
        bytes32 delegatecall = bytes32(bytes1(0xff));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, delegatecall));
        _checkOp(_withMode(delegatecall, execution), _claim(T0));
        bytes32 tryBatch = bytes32(bytes2(0x0101));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, tryBatch));
        _checkOp(_withMode(tryBatch, abi.encode(_repeat(_call(TARGET, 0, ""), 2))), _claim(T0));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedFunction.selector, bytes4(0x8dd7712f)));
        _checkOp(abi.encodeWithSelector(bytes4(0x8dd7712f), bytes32(0)), _claim(T0));
        vm.expectRevert(ExecutionLib.EmptyBatch.selector);
        _checkOp(_batch(new Execution[](0)), _claim(T0));
        // A batch with a trailing word: Kernel would still run it, so it must not be counted loosely.
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        _checkOp(_withMode(MODE_BATCH, abi.encodePacked(abi.encode(_repeat(_call(TARGET, 0, ""), 1)), bytes32(0))), _claim(T0));
    }

    /*//////////////////////////////////////////////////////////////
                      REGISTRATION AND REVOCATION
    //////////////////////////////////////////////////////////////*/

    function test_refusesInvalidConfigs() public {
        vm.startPrank(account);
        _expectConfigError("no limit");
        policy.onInstall(abi.encodePacked(ID, abi.encode(RateLimitConfig(T0, 0, 0, 0))));
        _expectConfigError("window and callsPerWindow must be set together");
        policy.onInstall(abi.encodePacked(ID, abi.encode(RateLimitConfig(T0, WINDOW, 0, 0))));
        _expectConfigError("window and callsPerWindow must be set together");
        policy.onInstall(abi.encodePacked(ID, abi.encode(RateLimitConfig(T0, 0, 1, 0))));
        _expectConfigError("window shorter than 1 hour");
        policy.onInstall(abi.encodePacked(ID, abi.encode(RateLimitConfig(T0, 3599, 1, 0))));
        _expectConfigError("maxCalls too large (0 = unlimited)");
        policy.onInstall(abi.encodePacked(ID, abi.encode(RateLimitConfig(T0, 0, 0, type(uint32).max))));
        _expectConfigError("missing permission id");
        policy.onInstall(hex"00");
        // The boundaries themselves are accepted.
        policy.onInstall(abi.encodePacked(ID, abi.encode(RateLimitConfig(T0, 3600, 1, type(uint32).max - 1))));
        vm.stopPrank();
        RateLimitConfig memory config = policy.getConfig(account, ID);
        assertEq(config.window, 3600);
        assertEq(config.maxCalls, type(uint32).max - 1);
    }

    function test_revocationRefusesAndReRegistrationStartsFromZero() public {
        _many(PER_WINDOW, T0);
        vm.expectEmit(address(policy));
        emit IRateLimitPolicy.RateLimitRevoked(account, ID);
        vm.prank(account);
        policy.revoke(ID);
        assertFalse(policy.isInitialized(account));
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, ID, SessionStatus.Revoked));
        _one(T0 + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, ID, SessionStatus.Revoked));
        vm.prank(account);
        policy.revoke(ID);

        _register(RateLimitConfig({start: T0, window: WINDOW, callsPerWindow: PER_WINDOW, maxCalls: MAX_CALLS}));
        assertTrue(policy.isInitialized(account));
        // Window 0 again has all its calls, even though they were used before the revocation.
        _many(PER_WINDOW, T0);
        assertEq(policy.getRemaining(account, ID).callsLeft, MAX_CALLS - PER_WINDOW);
    }

    function test_reRegistrationWhileActiveResetsCounters() public {
        _many(PER_WINDOW, T0 + WINDOW);
        _register(RateLimitConfig({start: T0, window: WINDOW, callsPerWindow: PER_WINDOW, maxCalls: MAX_CALLS}));
        // The window index is reset too: an earlier window is usable again.
        _many(PER_WINDOW, T0);
        vm.prank(account);
        policy.onUninstall(abi.encodePacked(ID));
        assertFalse(policy.isInitialized(account), "re-registration counted the permission once");
    }

    function test_unknownPermissionIsRefused() public {
        PackedUserOperation memory op = _op(_single(TARGET, 0, ""), _claim(T0));
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, ID, SessionStatus.Unknown));
        vm.prank(makeAddr("stranger"));
        policy.checkUserOpPolicy(ID, op);
    }

    /*//////////////////////////////////////////////////////////////
                          SIGNATURES AND VIEWS
    //////////////////////////////////////////////////////////////*/

    function test_signaturesAreAlwaysRefused() public {
        vm.prank(account);
        assertEq(policy.checkSignaturePolicy(ID, address(0xC0FFEE), keccak256("m"), _claim(T0)), 1);
    }

    function test_viewsAndEvents() public {
        vm.warp(T0 - 1);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Pending));
        vm.warp(T0 + 30);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Active));
        vm.expectEmit(address(policy));
        emit IRateLimitPolicy.RateLimitUsed(account, ID, nonce + 1, 2, 0, 2, MAX_CALLS - 2);
        _many(2, T0 + 20);
        RateLimitRemaining memory r = policy.getRemaining(account, ID);
        assertEq(r.callsLeftInWindow, PER_WINDOW - 2);
        assertEq(r.windowEndsAt, T0 + WINDOW - 1);
        assertEq(r.callsLeft, MAX_CALLS - 2);
        vm.warp(T0 + WINDOW);
        r = policy.getRemaining(account, ID);
        assertEq(r.callsLeftInWindow, PER_WINDOW, "a new window is full");
        assertEq(r.windowEndsAt, T0 + 2 * WINDOW - 1);
    }

    /*//////////////////////////////////////////////////////////////
                                  FUZZ
    //////////////////////////////////////////////////////////////*/

    /// Random batches at random, non-decreasing times: the policy accepts exactly what a direct
    /// model of the limits accepts, so no window ever holds more than its limit and the lifetime
    /// total never passes maxCalls.
    function testFuzz_acceptsExactlyWhatTheLimitsAllow(uint256 seed) public {
        uint48 time = T0;
        uint32 lastWindow;
        uint256 inWindow;
        uint256 used;
        for (uint256 step; step < 12; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            time += uint48(r % (WINDOW / 2));
            uint256 calls = 1 + (r >> 32) % 3;
            uint32 window = uint32((time - T0) / WINDOW);
            uint256 usedInWindow = window == lastWindow ? inWindow : 0;
            bool allowed = usedInWindow + calls <= PER_WINDOW && used + calls <= MAX_CALLS;

            PackedUserOperation memory op = _op(_batch(_repeat(_call(TARGET, 0, ""), calls)), _claim(time));
            vm.prank(account);
            try policy.checkUserOpPolicy(ID, op) returns (uint256 data) {
                assertTrue(allowed, "accepted over a limit");
                (uint48 validAfter, uint48 validUntil) = _range(data);
                assertTrue(time >= validAfter && time <= validUntil, "the claim lies in the returned window");
                lastWindow = window;
                inWindow = usedInWindow + calls;
                used += calls;
            } catch {
                assertFalse(allowed, "refused within the limits");
            }
            assertLe(inWindow, PER_WINDOW);
            assertEq(policy.getRemaining(account, ID).callsLeft, MAX_CALLS - used);
        }
    }
}
