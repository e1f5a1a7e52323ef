// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {ISessionPolicy} from "../../contracts/interfaces/ISessionPolicy.sol";
import {CallRuleLib} from "../../contracts/libraries/CallRuleLib.sol";
import {
    CallPermission,
    SessionConfig,
    SessionSnapshot,
    SessionStatus,
    TokenRemaining,
    NATIVE_TOKEN,
    PERMIT2
} from "../../contracts/types/SessionTypes.sol";
import {SessionPolicyFixture} from "./SessionPolicyFixture.sol";

/// Views, revocation, re-registration, isolation between accounts and ids, and ERC-1271.
contract SessionPolicyLifecycleTest is SessionPolicyFixture {
    /// Every kind of call permission and limit, in the form getConfig returns it.
    function _fullConfig() internal pure returns (SessionConfig memory c) {
        c = _usdcConfig();
        c.window = 3600;
        c.callsPerWindow = 5;
        c.maxCalls = 50;
        c.maxFeePerOperation = 1 ether;
        c.paymaster = address(0x9A7);
        _addSender(c, address(0x5160));
        _addSender(c, address(0x5161));
        _addCall(c, _swapPermission());
        _addCall(c, _depositPermission(WETH));
        _addCall(c, _valuePermission(PAYEE, bytes4(0)));
        CallPermission memory pinned = _permission(VAULT, bytes4(keccak256("setOperator(address,bool)")));
        pinned.accountArg = 0;
        pinned.equalArg = 1;
        pinned.equalValue = bytes32(uint256(1));
        _addCall(c, pinned);
        _addToken(c, _limit(WETH, 0, 5 ether, 0, 0));
        _addToken(c, _limit(NATIVE_TOKEN, 0.1 ether, 0, 1 ether, 7 * DAY));
    }

    /*//////////////////////////////////////////////////////////////
                                 CONFIG
    //////////////////////////////////////////////////////////////*/

    function test_getConfig_returnsTheRegisteredConfig() public {
        _install(_fullConfig());
        assertEq(keccak256(abi.encode(policy.getConfig(ACCOUNT, ID))), keccak256(abi.encode(_fullConfig())));
    }

    function test_getConfig_emptyWhenNeverRegistered() public view {
        SessionConfig memory empty;
        assertEq(keccak256(abi.encode(policy.getConfig(ACCOUNT, ID))), keccak256(abi.encode(empty)));
    }

    /// A field the policy would ignore is refused at registration rather than silently dropped:
    /// amountToken on a permission whose amount is not fixed.
    function test_register_refusesAmountTokenThatWouldBeIgnored() public {
        SessionConfig memory c = _usdcConfig();
        c.calls[0].amountToken = WETH; // transfer on a limited token counts in the token itself
        vm.prank(ACCOUNT);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISessionPolicy.InvalidCallPermission.selector, 0, "amountToken needs amountArg and no tokenArg"
            )
        );
        policy.onInstall(abi.encodePacked(ID, abi.encode(c)));
    }

    /*//////////////////////////////////////////////////////////////
                                SNAPSHOT
    //////////////////////////////////////////////////////////////*/

    function test_getSession_initialSnapshot() public {
        _install(_fullConfig());
        SessionSnapshot memory s = policy.getSession(ACCOUNT, ID);
        assertEq(uint8(s.status), uint8(SessionStatus.Active));
        assertEq(s.validAfter, START);
        assertEq(s.validUntil, END);
        assertEq(s.callsLeftInWindow, 5);
        assertEq(s.windowEndsAt, START + 3600 - 1);
        assertEq(s.callsLeft, 50);
        assertEq(s.tokens.length, 3);
        _assertToken(s.tokens[0], TokenRemaining(USDC, 100, 1_000, 300, 0, START + DAY));
        _assertToken(s.tokens[1], TokenRemaining(WETH, type(uint256).max, 5 ether, type(uint256).max, 0, 0));
        _assertToken(
            s.tokens[2], TokenRemaining(NATIVE_TOKEN, 0.1 ether, type(uint256).max, 1 ether, 0, START + 7 * DAY)
        );
    }

    function test_getSession_unknownSession() public view {
        SessionSnapshot memory s = policy.getSession(ACCOUNT, ID);
        assertEq(uint8(s.status), uint8(SessionStatus.Unknown));
        assertEq(s.callsLeft, 0);
        assertEq(s.callsLeftInWindow, type(uint16).max);
        assertEq(s.tokens.length, 0);
    }

    function test_getSession_unlimitedSession() public {
        SessionConfig memory c = _config();
        c.validUntil = 0;
        _addCall(c, _permission(ROUTER, SWAP));
        _install(c);
        SessionSnapshot memory s = policy.getSession(ACCOUNT, ID);
        // No token limit at all: never exhausted by spending.
        assertEq(uint8(s.status), uint8(SessionStatus.Active));
        assertEq(s.validUntil, 0);
        assertEq(s.callsLeft, type(uint32).max);
        assertEq(s.callsLeftInWindow, type(uint16).max);
        assertEq(s.windowEndsAt, 0);
    }

    function test_getSession_followsSpendingAndTime() public {
        SessionConfig memory c = _usdcConfig();
        c.window = 3600;
        c.callsPerWindow = 5;
        _install(c);
        vm.warp(START + DAY + 10);
        _check(_op(_transfer(USDC, 80), START + DAY + 10));

        SessionSnapshot memory s = policy.getSession(ACCOUNT, ID);
        _assertToken(s.tokens[0], TokenRemaining(USDC, 100, 920, 220, 1, START + 2 * DAY));
        assertEq(s.callsLeftInWindow, 4);
        assertEq(s.windowEndsAt, START + DAY + 3600 - 1);

        // The next window and the next day refill in the view, before any operation.
        vm.warp(START + DAY + 3600);
        s = policy.getSession(ACCOUNT, ID);
        assertEq(s.callsLeftInWindow, 5);
        assertEq(s.windowEndsAt, START + DAY + 2 * 3600 - 1);
        assertEq(s.tokens[0].remainingInPeriod, 220);
        vm.warp(START + 2 * DAY);
        s = policy.getSession(ACCOUNT, ID);
        _assertToken(s.tokens[0], TokenRemaining(USDC, 100, 920, 300, 2, START + 3 * DAY));
    }

    function test_getSession_beforeTheStartShowsTheFirstPeriod() public {
        _install(_usdcConfig());
        vm.warp(START - 1);
        SessionSnapshot memory s = policy.getSession(ACCOUNT, ID);
        assertEq(uint8(s.status), uint8(SessionStatus.Pending));
        _assertToken(s.tokens[0], TokenRemaining(USDC, 100, 1_000, 300, 0, START + DAY));
    }

    /// A period that would end past the last uint48 second refills "at" that second.
    function test_getSession_lastPeriodOfTimeRefillsAtItsEnd() public {
        SessionConfig memory c = _usdcConfig();
        c.validAfter = type(uint48).max - 30;
        c.validUntil = 0;
        c.tokens[0] = _limit(USDC, 0, 0, 10, 3600);
        _install(c);
        SessionSnapshot memory s = policy.getSession(ACCOUNT, ID);
        assertEq(s.tokens[0].refillsAt, type(uint48).max);
        assertEq(s.tokens[0].remainingInPeriod, 10);
    }

    function _assertToken(TokenRemaining memory a, TokenRemaining memory b) internal pure {
        assertEq(a.token, b.token, "token");
        assertEq(a.perTransaction, b.perTransaction, "perTransaction");
        assertEq(a.remainingTotal, b.remainingTotal, "remainingTotal");
        assertEq(a.remainingInPeriod, b.remainingInPeriod, "remainingInPeriod");
        assertEq(a.periodIndex, b.periodIndex, "periodIndex");
        assertEq(a.refillsAt, b.refillsAt, "refillsAt");
    }

    /*//////////////////////////////////////////////////////////////
                                 STATUS
    //////////////////////////////////////////////////////////////*/

    function test_getStatus_followsTheClock() public {
        _assertStatus(SessionStatus.Unknown);
        _install(_usdcConfig());
        vm.warp(START - 1);
        _assertStatus(SessionStatus.Pending);
        vm.warp(START);
        _assertStatus(SessionStatus.Active);
        vm.warp(END);
        _assertStatus(SessionStatus.Active);
        vm.warp(END + 1);
        _assertStatus(SessionStatus.Expired);
    }

    function test_getStatus_exhaustedByCalls() public {
        SessionConfig memory c = _usdcConfig();
        c.maxCalls = 2;
        _install(c);
        _check(_op(_transfer(USDC, 1), START));
        _assertStatus(SessionStatus.Active);
        _check(_op(_transfer(USDC, 1), START));
        _assertStatus(SessionStatus.Exhausted);
        // Expiry and revocation take precedence.
        vm.warp(END + 1);
        _assertStatus(SessionStatus.Expired);
        vm.prank(ACCOUNT);
        policy.revoke(ID);
        _assertStatus(SessionStatus.Revoked);
    }

    function test_getStatus_exhaustedWhenEveryCapIsSpent() public {
        SessionConfig memory c = _config();
        _addCall(c, _permission(USDC, TRANSFER));
        _addCall(c, _permission(WETH, TRANSFER));
        _addToken(c, _limit(USDC, 0, 10, 0, 0));
        _addToken(c, _limit(WETH, 0, 20, 0, 0));
        _install(c);
        _check(_op(_transfer(USDC, 10), START));
        _assertStatus(SessionStatus.Active);
        _check(_op(_transfer(WETH, 20), START));
        _assertStatus(SessionStatus.Exhausted);
    }

    function test_getStatus_notExhaustedWhileATokenIsUnlimited() public {
        SessionConfig memory c = _config();
        _addCall(c, _permission(USDC, TRANSFER));
        _addToken(c, _limit(USDC, 0, 10, 0, 0));
        _addToken(c, _limit(WETH, 5, 0, 0, 0));
        _install(c);
        _check(_op(_transfer(USDC, 10), START));
        _assertStatus(SessionStatus.Active);
    }

    /*//////////////////////////////////////////////////////////////
                               REVOCATION
    //////////////////////////////////////////////////////////////*/

    function test_revoke_refusesEveryLaterOperation() public {
        _install(_usdcConfig());
        vm.expectEmit(true, true, false, false, address(policy));
        emit ISessionPolicy.SessionRevoked(ACCOUNT, ID);
        vm.prank(ACCOUNT);
        policy.revoke(ID);

        _assertStatus(SessionStatus.Revoked);
        assertFalse(policy.isInitialized(ACCOUNT));
        _expectRefusal(
            abi.encodeWithSelector(ISessionPolicy.SessionNotActive.selector, ID, SessionStatus.Revoked),
            _op(_transfer(USDC, 1), START)
        );
    }

    function test_revoke_refusesAnInactiveSession() public {
        vm.expectRevert(abi.encodeWithSelector(ISessionPolicy.SessionNotActive.selector, ID, SessionStatus.Unknown));
        vm.prank(ACCOUNT);
        policy.revoke(ID);

        _install(_usdcConfig());
        vm.prank(ACCOUNT);
        policy.revoke(ID);
        vm.expectRevert(abi.encodeWithSelector(ISessionPolicy.SessionNotActive.selector, ID, SessionStatus.Revoked));
        vm.prank(ACCOUNT);
        policy.revoke(ID);
    }

    function test_checkUserOpPolicy_refusesAnUnknownSession() public {
        _expectRefusal(
            abi.encodeWithSelector(ISessionPolicy.SessionNotActive.selector, ID, SessionStatus.Unknown),
            _op(_transfer(USDC, 1), START)
        );
    }

    function test_onUninstall_revokesOnceAndIsIdempotent() public {
        _install(_usdcConfig());
        vm.expectEmit(true, true, false, false, address(policy));
        emit ISessionPolicy.SessionRevoked(ACCOUNT, ID);
        vm.prank(ACCOUNT);
        policy.onUninstall(abi.encodePacked(ID, hex"c0ffee"));
        _assertStatus(SessionStatus.Revoked);

        // Kernel may uninstall again, or an id never installed: nothing happens, nothing is emitted.
        vm.recordLogs();
        vm.prank(ACCOUNT);
        policy.onUninstall(abi.encodePacked(ID));
        vm.prank(ACCOUNT);
        policy.onUninstall(abi.encodePacked(OTHER_ID));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 0);
        assertEq(_status(ACCOUNT, OTHER_ID), uint8(SessionStatus.Unknown));
    }

    function test_isInitialized_countsActiveSessions() public {
        _installAs(ACCOUNT, ID, _usdcConfig());
        _installAs(ACCOUNT, OTHER_ID, _usdcConfig());
        // Re-registering an active session does not count it twice.
        _installAs(ACCOUNT, ID, _usdcConfig());
        vm.prank(ACCOUNT);
        policy.revoke(ID);
        assertTrue(policy.isInitialized(ACCOUNT));
        vm.prank(ACCOUNT);
        policy.onUninstall(abi.encodePacked(OTHER_ID));
        assertFalse(policy.isInitialized(ACCOUNT));
        // A revoked id registered again is active again.
        _installAs(ACCOUNT, ID, _usdcConfig());
        assertTrue(policy.isInitialized(ACCOUNT));
    }

    /*//////////////////////////////////////////////////////////////
                            RE-REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// Spend, count and rate-limit a session, then register the id again: nothing carries over.
    function _useThenReRegister(bool revokeFirst) internal {
        SessionConfig memory c = _usdcConfig();
        c.window = 3600;
        c.callsPerWindow = 2;
        c.maxCalls = 3;
        _addSender(c, address(0x5160));
        _install(c);
        _check(_op(_transfer(USDC, 100), START));
        _check(_op(_transfer(USDC, 100), START));
        if (revokeFirst) {
            vm.prank(ACCOUNT);
            policy.revoke(ID);
        }

        // Same limits: everything starts from the top.
        _install(c);
        SessionSnapshot memory s = policy.getSession(ACCOUNT, ID);
        assertEq(uint8(s.status), uint8(SessionStatus.Active));
        assertEq(s.callsLeft, 3);
        assertEq(s.callsLeftInWindow, 2);
        assertEq(s.tokens[0].remainingTotal, 1_000);
        assertEq(s.tokens[0].remainingInPeriod, 300);
        _check(_op(_transfer(USDC, 100), START));
        _check(_op(_transfer(USDC, 100), START));

        // Other limits: the old permissions, token limits and signature senders are gone.
        SessionConfig memory other = _config();
        _addCall(other, _permission(WETH, TRANSFER));
        _addToken(other, _limit(WETH, 0, 7, 0, 0));
        _install(other);
        assertEq(policy.getSession(ACCOUNT, ID).tokens.length, 1);
        assertEq(keccak256(abi.encode(policy.getConfig(ACCOUNT, ID))), keccak256(abi.encode(other)));
        _expectRefusal(
            abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, USDC, TRANSFER), _op(_transfer(USDC, 1), START)
        );
        vm.prank(ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0x5160), bytes32(0), ""), 1);
        _check(_op(_transfer(WETH, 7), START));
    }

    function test_reRegistration_afterRevocationStartsClean() public {
        _useThenReRegister(true);
    }

    function test_reRegistration_whileActiveStartsClean() public {
        _useThenReRegister(false);
    }

    /*//////////////////////////////////////////////////////////////
                               ISOLATION
    //////////////////////////////////////////////////////////////*/

    function test_isolation_sameIdOnAnotherAccount() public {
        _installAs(ACCOUNT, ID, _usdcConfig());
        // The other account never registered ID: its check is refused, whatever ACCOUNT did.
        vm.expectRevert(abi.encodeWithSelector(ISessionPolicy.SessionNotActive.selector, ID, SessionStatus.Unknown));
        _checkAs(OTHER_ACCOUNT, ID, _op(_transfer(USDC, 1), START));

        _installAs(OTHER_ACCOUNT, ID, _usdcConfig());
        bytes32 other = _snapshotHash(OTHER_ACCOUNT, ID);
        _checkAs(ACCOUNT, ID, _op(_transfer(USDC, 100), START));
        assertEq(_snapshotHash(OTHER_ACCOUNT, ID), other, "spending does not cross accounts");
        vm.prank(ACCOUNT);
        policy.revoke(ID);
        assertEq(_snapshotHash(OTHER_ACCOUNT, ID), other, "revocation does not cross accounts");
        _checkAs(OTHER_ACCOUNT, ID, _op(_transfer(USDC, 100), START));
        assertEq(policy.getSession(OTHER_ACCOUNT, ID).tokens[0].remainingTotal, 900);
    }

    function test_isolation_betweenIdsOfOneAccount() public {
        _installAs(ACCOUNT, ID, _usdcConfig());
        _installAs(ACCOUNT, OTHER_ID, _usdcConfig());
        bytes32 other = _snapshotHash(ACCOUNT, OTHER_ID);
        _checkAs(ACCOUNT, ID, _op(_transfer(USDC, 100), START));
        assertEq(_remainingTotal(0), 900);
        assertEq(_snapshotHash(ACCOUNT, OTHER_ID), other, "spending does not cross ids");
        vm.prank(ACCOUNT);
        policy.revoke(ID);
        assertEq(_snapshotHash(ACCOUNT, OTHER_ID), other, "revocation does not cross ids");
        _installAs(ACCOUNT, ID, _usdcConfig());
        assertEq(_snapshotHash(ACCOUNT, OTHER_ID), other, "re-registration does not cross ids");
    }

    /*//////////////////////////////////////////////////////////////
                                ERC-1271
    //////////////////////////////////////////////////////////////*/

    function test_checkSignaturePolicy_onlyListedSendersWithinValidity() public {
        SessionConfig memory c = _usdcConfig();
        _addSender(c, address(0x5160));
        _install(c);
        vm.startPrank(ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0x5160), keccak256("m"), ""), _range(START, END));
        assertEq(policy.checkSignaturePolicy(ID, address(0x5161), keccak256("m"), ""), 1, "not listed");
        assertEq(policy.checkSignaturePolicy(ID, USDC, keccak256("m"), ""), 1, "a limited token");
        assertEq(policy.checkSignaturePolicy(OTHER_ID, address(0x5160), keccak256("m"), ""), 1, "another id");
        vm.stopPrank();
        vm.prank(OTHER_ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0x5160), keccak256("m"), ""), 1, "another account");
    }

    function testFuzz_checkSignaturePolicy_ignoresHashAndSignature(bytes32 hash, bytes calldata sig) public {
        SessionConfig memory c = _usdcConfig();
        c.validUntil = 0;
        _addSender(c, address(0x5160));
        _install(c);
        vm.prank(ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0x5160), hash, sig), _range(START, type(uint48).max));
    }

    /// Permit2 verifies signatures that move any token the account ever approved to it: a session
    /// listing it could spend, uncounted, what its caps protect.
    function test_signatureSenders_permit2IsRefused() public {
        SessionConfig memory c = _usdcConfig();
        _addSender(c, address(0x5160));
        _addSender(c, PERMIT2);
        _expectInstallRevert(
            abi.encodeWithSelector(ISessionPolicy.InvalidSessionConfig.selector, "Permit2 cannot be a signature sender"), c
        );
        assertEq(PERMIT2, 0x000000000022D473030F116dDEE9F6B43aC78BA3);
    }

    function test_checkSignaturePolicy_noSendersSignsNothing() public {
        _install(_usdcConfig());
        vm.prank(ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0x5160), keccak256("m"), ""), 1);
        vm.prank(ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0), keccak256("m"), ""), 1);
    }

    function test_checkSignaturePolicy_refusedWhenRevokedOrOutOfCalls() public {
        SessionConfig memory c = _usdcConfig();
        c.maxCalls = 1;
        _addSender(c, address(0x5160));
        _install(c);
        _check(_op(_transfer(USDC, 1), START));
        vm.prank(ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0x5160), keccak256("m"), ""), 1, "no calls left");

        c.maxCalls = 0;
        _install(c);
        vm.prank(ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0x5160), keccak256("m"), ""), _range(START, END));
        vm.prank(ACCOUNT);
        policy.revoke(ID);
        vm.prank(ACCOUNT);
        assertEq(policy.checkSignaturePolicy(ID, address(0x5160), keccak256("m"), ""), 1, "revoked");
    }
}
