// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {ISessionPolicyModule} from "./ISessionPolicyModule.sol";
import {
    CallPermission,
    TokenLimit,
    SessionConfig,
    SessionStatus,
    NATIVE_TOKEN,
    NO_ARG
} from "../../contracts/types/SessionTypes.sol";

/// ERC-7579 `Execution`: one call of a batch, as Kernel encodes it.
struct Execution {
    address target;
    uint256 value;
    bytes callData;
}

/// Shared set-up of the SessionPolicy tests: the policy, accounts, ids, tokens and builders for
/// configurations and user operations. Every check is called the way Kernel calls it: from the
/// account, with the user operation's signature replaced by this policy's slice (the time claim).
abstract contract SessionPolicyFixture is Test {
    bytes4 internal constant EXECUTE = 0xe9ae5c53;
    bytes32 internal constant MODE_SINGLE = bytes32(0);
    bytes32 internal constant MODE_BATCH = bytes32(uint256(1) << 248);

    bytes4 internal constant TRANSFER = 0xa9059cbb;
    bytes4 internal constant TRANSFER_FROM = 0x23b872dd;
    bytes4 internal constant APPROVE = 0x095ea7b3;
    bytes4 internal constant INCREASE_ALLOWANCE = 0x39509351;
    /// swap(address tokenIn, uint256 amountIn, address recipient, uint256 minOut)
    bytes4 internal constant SWAP = bytes4(keccak256("swap(address,uint256,address,uint256)"));
    /// deposit(uint256 amount, address receiver): an amount counted in a fixed token.
    bytes4 internal constant DEPOSIT = bytes4(keccak256("deposit(uint256,address)"));

    address internal constant ACCOUNT = address(0xA11CE);
    address internal constant OTHER_ACCOUNT = address(0xB0B);
    /// Kernel passes the 4-byte permission id left-aligned.
    bytes32 internal constant ID = bytes32(bytes4(0x5e551001));
    bytes32 internal constant OTHER_ID = bytes32(bytes4(0x5e551002));

    address internal constant USDC = address(0x05DC);
    address internal constant WETH = address(0x0E7E);
    address internal constant DAI = address(0x0DA1);
    address internal constant ROUTER = address(0x0707E5);
    address internal constant VAULT = address(0x0FA017);
    address internal constant PAYEE = address(0x0FEE);
    address internal constant ENTRY_POINT = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;

    uint48 internal constant START = 1_700_000_000;
    uint48 internal constant END = START + 30 days;
    uint32 internal constant DAY = 1 days;

    ISessionPolicyModule internal policy;

    function setUp() public virtual {
        policy = ISessionPolicyModule(deployCode("SessionPolicy.sol:SessionPolicy"));
        vm.warp(START);
    }

    /*//////////////////////////////////////////////////////////////
                             CONFIGURATIONS
    //////////////////////////////////////////////////////////////*/

    /// Fee cap of test sessions: far above what the fixture's operations (no gas fields) can cost.
    uint128 internal constant FEE_CAP = 1 ether;

    /// Valid from START to END, no call permission, no limit yet; gas capped at FEE_CAP.
    function _config() internal pure returns (SessionConfig memory c) {
        c.validAfter = START;
        c.validUntil = END;
        c.maxFeePerOperation = FEE_CAP;
        c.signatureSenders = new address[](0);
        c.calls = new CallPermission[](0);
        c.tokens = new TokenLimit[](0);
    }

    /// USDC transfers and approvals: 100 per operation, 1,000 in total, 300 a day.
    function _usdcConfig() internal pure returns (SessionConfig memory c) {
        c = _config();
        _addCall(c, _permission(USDC, TRANSFER));
        _addCall(c, _permission(USDC, APPROVE));
        _addToken(c, _limit(USDC, 100, 1_000, 300, DAY));
    }

    function _permission(address target, bytes4 selector) internal pure returns (CallPermission memory p) {
        p.target = target;
        p.selector = selector;
        p.amountArg = NO_ARG;
        p.tokenArg = NO_ARG;
        p.accountArg = NO_ARG;
        p.equalArg = NO_ARG;
    }

    function _valuePermission(address target, bytes4 selector) internal pure returns (CallPermission memory p) {
        p = _permission(target, selector);
        p.allowValue = true;
    }

    /// swap(tokenIn, amountIn, recipient, minOut) on ROUTER: amountIn counted in tokenIn, recipient the account.
    function _swapPermission() internal pure returns (CallPermission memory p) {
        p = _permission(ROUTER, SWAP);
        p.tokenArg = 0;
        p.amountArg = 1;
        p.accountArg = 2;
    }

    /// deposit(amount, receiver) on VAULT: amount counted in `token`.
    function _depositPermission(address token) internal pure returns (CallPermission memory p) {
        p = _permission(VAULT, DEPOSIT);
        p.amountArg = 0;
        p.amountToken = token;
    }

    function _limit(address token, uint256 perTransaction, uint256 total, uint256 perPeriod, uint32 period)
        internal
        pure
        returns (TokenLimit memory)
    {
        return TokenLimit(token, perTransaction, total, perPeriod, period);
    }

    function _addCall(SessionConfig memory c, CallPermission memory p) internal pure {
        CallPermission[] memory calls = new CallPermission[](c.calls.length + 1);
        for (uint256 i; i < c.calls.length; ++i) calls[i] = c.calls[i];
        calls[c.calls.length] = p;
        c.calls = calls;
    }

    function _addToken(SessionConfig memory c, TokenLimit memory t) internal pure {
        TokenLimit[] memory tokens = new TokenLimit[](c.tokens.length + 1);
        for (uint256 i; i < c.tokens.length; ++i) tokens[i] = c.tokens[i];
        tokens[c.tokens.length] = t;
        c.tokens = tokens;
    }

    function _addSender(SessionConfig memory c, address sender) internal pure {
        address[] memory senders = new address[](c.signatureSenders.length + 1);
        for (uint256 i; i < c.signatureSenders.length; ++i) senders[i] = c.signatureSenders[i];
        senders[c.signatureSenders.length] = sender;
        c.signatureSenders = senders;
    }

    function _installData(bytes32 id, SessionConfig memory c) internal pure returns (bytes memory) {
        return abi.encodePacked(id, abi.encode(c));
    }

    function _install(SessionConfig memory c) internal {
        _installAs(ACCOUNT, ID, c);
    }

    function _installAs(address account, bytes32 id, SessionConfig memory c) internal {
        vm.prank(account);
        policy.onInstall(_installData(id, c));
    }

    function _expectInstallRevert(bytes memory err, SessionConfig memory c) internal {
        vm.expectRevert(err);
        _install(c);
    }

    /*//////////////////////////////////////////////////////////////
                            USER OPERATIONS
    //////////////////////////////////////////////////////////////*/

    function _single(address target, uint256 value, bytes memory data) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(EXECUTE, MODE_SINGLE, abi.encodePacked(target, value, data));
    }

    function _batch(Execution[] memory calls) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(EXECUTE, MODE_BATCH, abi.encode(calls));
    }

    function _batch(Execution memory a, Execution memory b) internal pure returns (bytes memory) {
        Execution[] memory calls = new Execution[](2);
        calls[0] = a;
        calls[1] = b;
        return _batch(calls);
    }

    function _transferCall(address token, uint256 amount) internal pure returns (Execution memory) {
        return Execution(token, 0, abi.encodeWithSelector(TRANSFER, PAYEE, amount));
    }

    function _transfer(address token, uint256 amount) internal pure returns (bytes memory) {
        return _single(token, 0, abi.encodeWithSelector(TRANSFER, PAYEE, amount));
    }

    function _swap(address tokenIn, uint256 amountIn, address recipient) internal pure returns (bytes memory) {
        return _single(ROUTER, 0, abi.encodeWithSelector(SWAP, tokenIn, amountIn, recipient, 1));
    }

    /// A user operation as the policy sees it: signature = the 6-byte time claim.
    function _op(bytes memory callData, uint48 claim) internal pure returns (PackedUserOperation memory op) {
        op.sender = ACCOUNT;
        op.callData = callData;
        op.signature = abi.encodePacked(claim);
    }

    function _opWithoutClaim(bytes memory callData) internal pure returns (PackedUserOperation memory op) {
        op.sender = ACCOUNT;
        op.callData = callData;
    }

    function _check(PackedUserOperation memory op) internal returns (uint256) {
        return _checkAs(ACCOUNT, ID, op);
    }

    function _checkAs(address account, bytes32 id, PackedUserOperation memory op) internal returns (uint256) {
        vm.prank(account);
        return policy.checkUserOpPolicy(id, op);
    }

    function _expectRefusal(bytes memory err, PackedUserOperation memory op) internal {
        vm.expectRevert(err);
        _checkAs(ACCOUNT, ID, op);
    }

    /// Validation data for a success valid from `validAfter` to `validUntil`, both inclusive.
    function _range(uint48 validAfter, uint48 validUntil) internal pure returns (uint256) {
        return (uint256(validAfter) << 208) | (uint256(validUntil) << 160);
    }

    /// First and last second of day `index` of a session starting at START.
    function _day(uint256 index) internal pure returns (uint48 first, uint48 last) {
        first = uint48(START + index * DAY);
        last = uint48(first + DAY - 1);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    function _status(address account, bytes32 id) internal view returns (uint8) {
        return uint8(policy.getStatus(account, id));
    }

    function _assertStatus(SessionStatus expected) internal view {
        assertEq(_status(ACCOUNT, ID), uint8(expected), "status");
    }

    function _snapshotHash(address account, bytes32 id) internal view returns (bytes32) {
        return keccak256(abi.encode(policy.getSession(account, id)));
    }

    function _remainingTotal(uint256 token) internal view returns (uint256) {
        return policy.getSession(ACCOUNT, ID).tokens[token].remainingTotal;
    }

    function _remainingInPeriod(uint256 token) internal view returns (uint256) {
        return policy.getSession(ACCOUNT, ID).tokens[token].remainingInPeriod;
    }

    /// Where `native` would be spent: a limit for the native coin, plain transfers to PAYEE.
    function _nativeConfig(uint256 perTransaction, uint256 total) internal pure returns (SessionConfig memory c) {
        c = _config();
        _addCall(c, _valuePermission(PAYEE, bytes4(0)));
        _addToken(c, _limit(NATIVE_TOKEN, perTransaction, total, 0, 0));
    }
}
