// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {PolicyTestBase} from "./PolicyTestBase.sol";
import {CallScopePolicy} from "../../contracts/policies/CallScopePolicy.sol";
import {ICallScopePolicy} from "../../contracts/interfaces/ICallScopePolicy.sol";
import {IStandalonePolicy} from "../../contracts/interfaces/IStandalonePolicy.sol";
import {CallRuleLib} from "../../contracts/libraries/CallRuleLib.sol";
import {ExecutionLib} from "../../contracts/libraries/ExecutionLib.sol";
import {AllowedCall, CallScopeConfig} from "../../contracts/types/PolicyTypes.sol";
import {SessionStatus} from "../../contracts/types/SessionTypes.sol";

contract CallScopePolicyTest is PolicyTestBase {
    CallScopePolicy internal policy;
    address internal constant TOKEN = address(0x70CE);
    address internal constant ROUTER = address(0x2047);
    address internal constant FRIEND = address(0xF21E);
    bytes4 internal constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    bytes4 internal constant APPROVE = 0x095ea7b3;
    bytes4 internal constant SWAP = bytes4(keccak256("swap(address,uint256,address)"));

    function setUp() public {
        policy = new CallScopePolicy();
        _register(ID, _config());
    }

    /// transfer only to FRIEND; swap only paying out to the account (value allowed); plain sends to FRIEND.
    function _config() internal pure returns (CallScopeConfig memory config) {
        config.calls = new AllowedCall[](3);
        config.calls[0] = AllowedCall(TOKEN, TRANSFER, false, NO_ARG, 0, bytes32(uint256(uint160(FRIEND))));
        config.calls[1] = AllowedCall(ROUTER, SWAP, true, 2, NO_ARG, 0);
        config.calls[2] = AllowedCall(FRIEND, bytes4(0), true, NO_ARG, NO_ARG, 0);
    }

    function _register(bytes32 id, CallScopeConfig memory config) internal {
        vm.prank(account);
        policy.onInstall(abi.encodePacked(id, abi.encode(config)));
    }

    function _check(bytes memory callData) internal returns (uint256) {
        PackedUserOperation memory op = _op(callData, "");
        vm.prank(account);
        return policy.checkUserOpPolicy(ID, op);
    }

    function _transfer(address to) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(TRANSFER, to, 100);
    }

    function _swap(address recipient) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(SWAP, TOKEN, 100, recipient);
    }

    function _expectRegistration(uint256 index, string memory reason) internal {
        vm.expectRevert(abi.encodeWithSelector(ICallScopePolicy.InvalidCallPermission.selector, index, reason));
    }

    /// `n` transfer permissions on distinct targets.
    function _transfers(uint256 n) internal pure returns (CallScopeConfig memory config) {
        config.calls = new AllowedCall[](n);
        for (uint256 i; i < n; ++i) {
            config.calls[i] = AllowedCall(address(uint160(0x1000 + i)), TRANSFER, false, NO_ARG, NO_ARG, 0);
        }
    }

    function _one(AllowedCall memory entry) internal pure returns (CallScopeConfig memory config) {
        config.calls = new AllowedCall[](1);
        config.calls[0] = entry;
    }

    /*//////////////////////////////////////////////////////////////
                                ALLOWED
    //////////////////////////////////////////////////////////////*/

    function test_allowsListedCallsAloneAndInABatch() public {
        assertEq(_check(_single(TOKEN, 0, _transfer(FRIEND))), 0, "no time range");
        _check(_single(ROUTER, 1 ether, _swap(account)));
        _check(_single(FRIEND, 5, ""));
        vm.expectEmit(address(policy));
        emit ICallScopePolicy.CallScopeUsed(account, ID, nonce + 1, 2);
        _check(_batch(_calls(_call(TOKEN, 0, _transfer(FRIEND)), _call(ROUTER, 0, _swap(account)))));
    }

    /*//////////////////////////////////////////////////////////////
                                REFUSED
    //////////////////////////////////////////////////////////////*/

    function test_refusesAnUnlistedFunctionOrTarget() public {
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, TOKEN, APPROVE));
        _check(_single(TOKEN, 0, abi.encodeWithSelector(APPROVE, FRIEND, 1)));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, address(0x70CF), TRANSFER));
        _check(_single(address(0x70CF), 0, _transfer(FRIEND)));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, ROUTER, bytes4(0)));
        _check(_single(ROUTER, 1, ""));
    }

    function test_aBatchIsRefusedWholeForOneBadCall() public {
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, TOKEN, APPROVE));
        _check(_batch(_calls(_call(TOKEN, 0, _transfer(FRIEND)), _call(TOKEN, 0, abi.encodeWithSelector(APPROVE, FRIEND, 1)))));
    }

    function test_refusesValueWhereNotAllowed() public {
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ValueNotAllowed.selector, TOKEN, TRANSFER, 1));
        _check(_single(TOKEN, 1, _transfer(FRIEND)));
    }

    function test_enforcesArgumentConditions() public {
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentMismatch.selector, TOKEN, TRANSFER, 0));
        _check(_single(TOKEN, 0, _transfer(address(0xBAD))));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentNotAccount.selector, ROUTER, SWAP, 2));
        _check(_single(ROUTER, 0, _swap(FRIEND)));
        // An address word with dirty upper bits is not the account, even if its low bits are.
        bytes memory dirty = abi.encodeWithSelector(SWAP, TOKEN, 100, (uint256(1) << 160) | uint160(account));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, ROUTER, SWAP, 2));
        _check(_single(ROUTER, 0, dirty));
        // Too short to hold the argument.
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, ROUTER, SWAP, 2));
        _check(_single(ROUTER, 0, abi.encodeWithSelector(SWAP, TOKEN, 100)));
    }

    /// A plain-transfer permission (selector 0) is for empty calldata only.
    function test_plainTransferPermissionRefusesCalldataStartingWithZeroBytes() public {
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, FRIEND, bytes4(0)));
        _check(_single(FRIEND, 1, abi.encodePacked(bytes4(0), uint256(42))));
    }

    function test_refusesTheAccountAndThePolicyAsTargets() public {
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, account));
        _check(_single(account, 0, abi.encodeWithSelector(EXECUTE, MODE_SINGLE, "")));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, address(policy)));
        _check(_single(address(policy), 0, abi.encodeWithSelector(IStandalonePolicy.revoke.selector, ID)));
    }

    function test_decodesStrictly() public {
        bytes memory execution = abi.encodePacked(TOKEN, uint256(0), _transfer(FRIEND));
        bytes32 delegatecall = bytes32(bytes1(0xff));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, delegatecall));
        _check(_withMode(delegatecall, execution));
        bytes32 trySingle = bytes32(bytes2(0x0001));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, trySingle));
        _check(_withMode(trySingle, execution));
        vm.expectRevert(ExecutionLib.EmptyBatch.selector);
        _check(_batch(new Execution[](0)));
        // The batch's element offset moved one word: Kernel would read other calls than a loose decoder.
        bytes memory batch = abi.encode(_repeat(_call(TOKEN, 0, _transfer(FRIEND)), 1));
        bytes memory shifted = abi.encodePacked(uint256(0x20), uint256(1), uint256(0x40), uint256(0), _slice(batch, 96));
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        _check(_withMode(MODE_BATCH, shifted));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedFunction.selector, bytes4(0xdeadbeef)));
        _check(abi.encodeWithSelector(bytes4(0xdeadbeef), MODE_SINGLE, execution));
    }

    function _slice(bytes memory data, uint256 from) internal pure returns (bytes memory out) {
        out = new bytes(data.length - from);
        for (uint256 i; i < out.length; ++i) out[i] = data[from + i];
    }

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    function test_refusesPermissionsThatMayNeverBeGiven() public {
        vm.startPrank(account);
        _expectRegistration(0, "target is the zero address");
        policy.onInstall(abi.encodePacked(ID, abi.encode(_one(AllowedCall(address(0), TRANSFER, false, NO_ARG, NO_ARG, 0)))));
        _expectRegistration(0, "target is the account itself");
        policy.onInstall(abi.encodePacked(ID, abi.encode(_one(AllowedCall(account, EXECUTE, false, NO_ARG, NO_ARG, 0)))));
        _expectRegistration(0, "target is the policy");
        policy.onInstall(abi.encodePacked(ID, abi.encode(_one(AllowedCall(address(policy), APPROVE, false, NO_ARG, NO_ARG, 0)))));
        _expectRegistration(0, "target is the EntryPoint");
        policy.onInstall(abi.encodePacked(ID, abi.encode(_one(AllowedCall(ENTRY_POINT, bytes4(0x205c2878), false, NO_ARG, NO_ARG, 0)))));
        _expectRegistration(0, "module install/uninstall functions are never allowed");
        policy.onInstall(abi.encodePacked(ID, abi.encode(_one(AllowedCall(ROUTER, bytes4(0x6d61fe70), false, NO_ARG, NO_ARG, 0)))));
        _expectRegistration(0, "module install/uninstall functions are never allowed");
        policy.onInstall(abi.encodePacked(ID, abi.encode(_one(AllowedCall(ROUTER, bytes4(0x8a91b0e3), false, NO_ARG, NO_ARG, 0)))));
        _expectRegistration(0, "a plain transfer permission must allow value");
        policy.onInstall(abi.encodePacked(ID, abi.encode(_one(AllowedCall(FRIEND, bytes4(0), false, NO_ARG, NO_ARG, 0)))));
        _expectRegistration(0, "a plain transfer has no arguments");
        policy.onInstall(abi.encodePacked(ID, abi.encode(_one(AllowedCall(FRIEND, bytes4(0), true, 0, NO_ARG, 0)))));
        vm.stopPrank();
    }

    function test_refusesEmptyDuplicateAndOversizedLists() public {
        CallScopeConfig memory config;
        vm.startPrank(account);
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "no call permission"));
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config = _config();
        config.calls[2] = config.calls[0];
        _expectRegistration(2, "duplicate target and selector");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "too many call permissions"));
        policy.onInstall(abi.encodePacked(ID, abi.encode(_transfers(33))));
        // Exactly the maximum is accepted.
        config = _transfers(32);
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        vm.stopPrank();
        assertEq(policy.getConfig(account, ID).calls.length, 32);
        assertTrue(policy.isAllowed(account, ID, address(0x101f), TRANSFER));
    }

    function test_configRoundTripsAndEmits() public {
        vm.expectEmit(address(policy));
        emit ICallScopePolicy.CallScopeRegistered(account, bytes32("b"), _config());
        _register(bytes32("b"), _config());
        CallScopeConfig memory config = policy.getConfig(account, bytes32("b"));
        assertEq(abi.encode(config), abi.encode(_config()));
        assertTrue(policy.isAllowed(account, ID, ROUTER, SWAP));
        assertFalse(policy.isAllowed(account, ID, ROUTER, TRANSFER));
        assertFalse(policy.isAllowed(makeAddr("stranger"), ID, ROUTER, SWAP));
    }

    /*//////////////////////////////////////////////////////////////
                      REVOCATION AND RE-REGISTRATION
    //////////////////////////////////////////////////////////////*/

    function test_revocationRefusesEveryCall() public {
        vm.expectEmit(address(policy));
        emit ICallScopePolicy.CallScopeRevoked(account, ID);
        vm.prank(account);
        policy.revoke(ID);
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, ID, SessionStatus.Revoked));
        _check(_single(TOKEN, 0, _transfer(FRIEND)));
        assertFalse(policy.isAllowed(account, ID, TOKEN, TRANSFER));
        assertFalse(policy.isInitialized(account));
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Revoked));
        // Every rule is withdrawn, yet the list still reads as registered.
        assertEq(keccak256(abi.encode(policy.getConfig(account, ID))), keccak256(abi.encode(_config())), "list kept");
        // Registered again, the same list works again; a revocation of another id touches nothing.
        _register(ID, _config());
        _check(_single(ROUTER, 1 ether, _swap(account)));
        _register(bytes32("other"), _config());
        vm.prank(account);
        policy.revoke(bytes32("other"));
        _check(_single(ROUTER, 1 ether, _swap(account)));
    }

    /// A new registration of the same id forgets the old list entirely.
    function test_reRegistrationReplacesTheList() public {
        _register(ID, _one(AllowedCall(TOKEN, APPROVE, false, NO_ARG, NO_ARG, 0)));
        _check(_single(TOKEN, 0, abi.encodeWithSelector(APPROVE, FRIEND, 1)));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, TOKEN, TRANSFER));
        _check(_single(TOKEN, 0, _transfer(FRIEND)));
        assertEq(policy.getConfig(account, ID).calls.length, 1);
        // Uninstall, then register again: active once more with the new list.
        vm.prank(account);
        policy.onUninstall(abi.encodePacked(ID));
        assertFalse(policy.isInitialized(account));
        _register(ID, _config());
        _check(_single(TOKEN, 0, _transfer(FRIEND)));
        assertTrue(policy.isInitialized(account));
    }

    function test_unknownPermissionIsRefused() public {
        PackedUserOperation memory op = _op(_single(TOKEN, 0, _transfer(FRIEND)), "");
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, bytes32("x"), SessionStatus.Unknown));
        vm.prank(account);
        policy.checkUserOpPolicy(bytes32("x"), op);
        assertEq(uint8(policy.getStatus(account, bytes32("x"))), uint8(SessionStatus.Unknown));
    }

    function test_signaturesAreAlwaysRefused() public {
        vm.prank(account);
        assertEq(policy.checkSignaturePolicy(ID, TOKEN, keccak256("permit"), ""), 1);
        assertTrue(policy.isModuleType(5));
    }

    /*//////////////////////////////////////////////////////////////
                                  FUZZ
    //////////////////////////////////////////////////////////////*/

    /// Any (target, selector) not on the list is refused, whatever its arguments and value; so is
    /// calldata starting with four zero bytes, even to the plain-transfer target.
    function testFuzz_onlyListedPairsPass(address target, bytes4 selector, uint256 value, bytes32 word) public {
        vm.assume(target != account && target != address(policy));
        vm.assume(!(target == TOKEN && selector == TRANSFER) && !(target == ROUTER && selector == SWAP));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, target, selector));
        _check(_single(target, value, abi.encodePacked(selector, word)));
    }

    /// The fixed argument passes only with exactly its value.
    function testFuzz_equalArgumentMustMatchExactly(address to) public {
        if (to == FRIEND) {
            _check(_single(TOKEN, 0, _transfer(to)));
        } else {
            vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentMismatch.selector, TOKEN, TRANSFER, 0));
            _check(_single(TOKEN, 0, _transfer(to)));
        }
    }
}
