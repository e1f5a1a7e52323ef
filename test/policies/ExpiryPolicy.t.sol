// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {PolicyTestBase} from "./PolicyTestBase.sol";
import {ExpiryPolicy} from "../../contracts/policies/ExpiryPolicy.sol";
import {IExpiryPolicy} from "../../contracts/interfaces/IExpiryPolicy.sol";
import {IStandalonePolicy} from "../../contracts/interfaces/IStandalonePolicy.sol";
import {ExpiryConfig} from "../../contracts/types/PolicyTypes.sol";
import {SessionStatus} from "../../contracts/types/SessionTypes.sol";

contract ExpiryPolicyTest is PolicyTestBase {
    ExpiryPolicy internal policy;
    uint48 internal constant AFTER = T0;
    uint48 internal constant UNTIL = T0 + 1 days;

    function setUp() public {
        policy = new ExpiryPolicy();
    }

    function _register(bytes32 id, uint48 validAfter, uint48 validUntil) internal {
        vm.prank(account);
        policy.onInstall(abi.encodePacked(id, abi.encode(ExpiryConfig(validAfter, validUntil))));
    }

    function _check(bytes32 id) internal returns (uint256) {
        PackedUserOperation memory op = _op(_single(address(0xBEEF), 1, ""), "");
        vm.prank(account);
        return policy.checkUserOpPolicy(id, op);
    }

    function _expectNotActive(bytes32 id, SessionStatus status) internal {
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, id, status));
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATION
    //////////////////////////////////////////////////////////////*/

    function test_returnsItsRangeAsValidationData() public {
        _register(ID, AFTER, UNTIL);
        uint256 data = _check(ID);
        assertEq(data, (uint256(UNTIL) << 160) | (uint256(AFTER) << 208));
        (uint48 validAfter, uint48 validUntil) = _range(data);
        assertEq(validAfter, AFTER);
        assertEq(validUntil, UNTIL);
    }

    /// The EntryPoint reads both ends as inclusive: the last second is in, one more is out.
    function test_entryPointAcceptsTheRangeExactlyAndNotOneSecondMore() public {
        _register(ID, AFTER, UNTIL);
        uint256 data = _check(ID);
        assertTrue(_entryPointAccepts(data, AFTER));
        assertTrue(_entryPointAccepts(data, UNTIL));
        assertFalse(_entryPointAccepts(data, AFTER - 1));
        assertFalse(_entryPointAccepts(data, uint256(UNTIL) + 1));
    }

    function test_zeroValidUntilMeansNoExpiry() public {
        _register(ID, AFTER, 0);
        (uint48 validAfter, uint48 validUntil) = _range(_check(ID));
        assertEq(validAfter, AFTER);
        assertEq(validUntil, type(uint48).max);
    }

    /// Validation never reads the clock: far past the range, the policy still answers with the range.
    function test_neverReadsTheClock() public {
        _register(ID, AFTER, UNTIL);
        vm.warp(uint256(UNTIL) + 365 days);
        (, uint48 validUntil) = _range(_check(ID));
        assertEq(validUntil, UNTIL);
    }

    function test_emitsUseWithTheNonce() public {
        _register(ID, AFTER, UNTIL);
        vm.expectEmit(address(policy));
        emit IExpiryPolicy.ExpiryUsed(account, ID, nonce + 1);
        _check(ID);
    }

    function test_refusesAnUnknownPermission() public {
        _expectNotActive(ID, SessionStatus.Unknown);
        _check(ID);
    }

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    function test_registersAndEmits() public {
        vm.expectEmit(address(policy));
        emit IExpiryPolicy.ExpiryRegistered(account, ID, ExpiryConfig(AFTER, UNTIL));
        _register(ID, AFTER, UNTIL);
        ExpiryConfig memory config = policy.getConfig(account, ID);
        assertEq(config.validAfter, AFTER);
        assertEq(config.validUntil, UNTIL);
        assertTrue(policy.isInitialized(account));
        assertTrue(policy.isModuleType(5));
        assertFalse(policy.isModuleType(6));
    }

    function test_refusesConfigsWithoutAUsableRange() public {
        vm.startPrank(account);
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "no time limit"));
        policy.onInstall(abi.encodePacked(ID, abi.encode(ExpiryConfig(0, 0))));
        vm.expectRevert(
            abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "validUntil is not after validAfter")
        );
        policy.onInstall(abi.encodePacked(ID, abi.encode(ExpiryConfig(AFTER, AFTER))));
        vm.expectRevert(
            abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "validUntil is not after validAfter")
        );
        policy.onInstall(abi.encodePacked(ID, abi.encode(ExpiryConfig(AFTER, AFTER - 1))));
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "missing permission id"));
        policy.onInstall(hex"1234");
        vm.stopPrank();
        assertFalse(policy.isInitialized(account));
    }

    /// The shortest range accepted is two seconds; validAfter alone (a delayed start) is accepted.
    function test_acceptsTheShortestRangeAndADelayedStartAlone() public {
        _register(ID, AFTER, AFTER + 1);
        (uint48 validAfter, uint48 validUntil) = _range(_check(ID));
        assertEq(validUntil - validAfter, 1);
        _register(bytes32("other"), AFTER, 0);
        _register(bytes32("only-until"), 0, UNTIL);
        (validAfter, validUntil) = _range(_check(bytes32("only-until")));
        assertEq(validAfter, 0);
        assertEq(validUntil, UNTIL);
    }

    function test_reRegistrationReplacesTheRangeAndCountsOnce() public {
        _register(ID, AFTER, UNTIL);
        _register(ID, AFTER + 10, UNTIL + 10);
        (uint48 validAfter, uint48 validUntil) = _range(_check(ID));
        assertEq(validAfter, AFTER + 10);
        assertEq(validUntil, UNTIL + 10);
        vm.prank(account);
        policy.revoke(ID);
        assertFalse(policy.isInitialized(account), "one registration, one revocation");
    }

    /*//////////////////////////////////////////////////////////////
                               REVOCATION
    //////////////////////////////////////////////////////////////*/

    function test_revokeRefusesEveryLaterOperationAndSignature() public {
        _register(ID, AFTER, UNTIL);
        vm.expectEmit(address(policy));
        emit IExpiryPolicy.ExpiryRevoked(account, ID);
        vm.prank(account);
        policy.revoke(ID);
        _expectNotActive(ID, SessionStatus.Revoked);
        _check(ID);
        vm.prank(account);
        assertEq(policy.checkSignaturePolicy(ID, address(1), bytes32(0), ""), 1);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Revoked));
        assertFalse(policy.isInitialized(account));
        // Revoking twice is an error; an uninstall of a revoked permission is a no-op.
        _expectNotActive(ID, SessionStatus.Revoked);
        vm.prank(account);
        policy.revoke(ID);
        vm.recordLogs();
        vm.prank(account);
        policy.onUninstall(abi.encodePacked(ID));
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function test_uninstallRevokesAndReRegistrationRestores() public {
        _register(ID, AFTER, UNTIL);
        vm.prank(account);
        policy.onUninstall(abi.encodePacked(ID, hex"00"));
        _expectNotActive(ID, SessionStatus.Revoked);
        _check(ID);
        _register(ID, AFTER + 5, UNTIL);
        (uint48 validAfter,) = _range(_check(ID));
        assertEq(validAfter, AFTER + 5);
        assertTrue(policy.isInitialized(account));
    }

    function test_revokeOfAnUnknownPermissionReverts() public {
        _expectNotActive(ID, SessionStatus.Unknown);
        vm.prank(account);
        policy.revoke(ID);
    }

    /*//////////////////////////////////////////////////////////////
                          SIGNATURES AND VIEWS
    //////////////////////////////////////////////////////////////*/

    function test_signaturePolicyReturnsTheRange() public {
        _register(ID, AFTER, UNTIL);
        vm.prank(account);
        uint256 data = policy.checkSignaturePolicy(ID, address(0xC0FFEE), keccak256("m"), "");
        assertEq(data, (uint256(UNTIL) << 160) | (uint256(AFTER) << 208));
        vm.prank(account);
        assertEq(policy.checkSignaturePolicy(bytes32("unknown"), address(0xC0FFEE), keccak256("m"), ""), 1);
    }

    function test_statusAtEachBoundary() public {
        _register(ID, AFTER, UNTIL);
        vm.warp(AFTER - 1);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Pending));
        vm.warp(AFTER);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Active));
        vm.warp(UNTIL);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Active));
        vm.warp(uint256(UNTIL) + 1);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Expired));
        assertEq(uint8(policy.getStatus(account, bytes32("none"))), uint8(SessionStatus.Unknown));
    }

    /*//////////////////////////////////////////////////////////////
                                  FUZZ
    //////////////////////////////////////////////////////////////*/

    /// Any valid range comes back unchanged, only to the account and id that registered it.
    function testFuzz_rangeIsReturnedOnlyToItsAccountAndId(
        uint48 validAfter,
        uint48 validUntil,
        address other,
        bytes32 otherId,
        uint256 time
    ) public {
        vm.assume(validUntil == 0 || validUntil > validAfter);
        vm.assume(validAfter != 0 || validUntil != 0);
        vm.assume(other != account && otherId != ID);
        _register(ID, validAfter, validUntil);
        uint256 data = _check(ID);
        uint48 until = validUntil == 0 ? type(uint48).max : validUntil;
        assertEq(data, (uint256(until) << 160) | (uint256(validAfter) << 208));
        time = bound(time, 0, type(uint48).max);
        assertEq(_entryPointAccepts(data, time), time >= validAfter && time <= until);

        _expectNotActive(otherId, SessionStatus.Unknown);
        _check(otherId);
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, ID, SessionStatus.Unknown));
        policy.checkUserOpPolicy(ID, _op(_single(address(0xBEEF), 1, ""), ""));
    }
}
