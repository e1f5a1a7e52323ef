// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISessionPolicy} from "../../contracts/interfaces/ISessionPolicy.sol";
import {
    CallPermission,
    TokenLimit,
    SessionConfig,
    SessionStatus,
    NATIVE_TOKEN,
    MAX_AMOUNT,
    MAX_CALL_PERMISSIONS,
    MAX_TOKEN_LIMITS,
    MAX_SIGNATURE_SENDERS
} from "../../contracts/types/SessionTypes.sol";
import {SessionPolicyFixture} from "./SessionPolicyFixture.sol";

/// Registration: what `onInstall` accepts, and every configuration it refuses with its reason.
contract SessionPolicyTest is SessionPolicyFixture {
    function _sessionError(string memory reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ISessionPolicy.InvalidSessionConfig.selector, reason);
    }

    function _tokenError(uint256 index, string memory reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ISessionPolicy.InvalidTokenLimit.selector, index, reason);
    }

    function _callError(uint256 index, string memory reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ISessionPolicy.InvalidCallPermission.selector, index, reason);
    }

    /// `_usdcConfig` with one more call permission (index 2).
    function _withCall(CallPermission memory p) internal pure returns (SessionConfig memory c) {
        c = _usdcConfig();
        _addCall(c, p);
    }

    /// `_usdcConfig` with one more token limit (index 1).
    function _withToken(TokenLimit memory t) internal pure returns (SessionConfig memory c) {
        c = _usdcConfig();
        _addToken(c, t);
    }

    /*//////////////////////////////////////////////////////////////
                             MODULE BASICS
    //////////////////////////////////////////////////////////////*/

    /// What these tests run is what deploys: the policy they deploy is the compiled artifact's
    /// runtime code, byte for byte (both built through the IR pipeline, hardhat.config.ts).
    function test_testedCodeIsTheArtifact() public view {
        assertEq(address(policy).code, vm.getDeployedCode("SessionPolicy.sol:SessionPolicy"));
    }

    function test_isModuleType_onlyPolicy() public view {
        assertTrue(policy.isModuleType(5));
        assertFalse(policy.isModuleType(1));
        assertFalse(policy.isModuleType(6));
        assertFalse(policy.isModuleType(0));
    }

    function test_onInstall_registersAndEmitsTheConfig() public {
        SessionConfig memory c = _usdcConfig();
        assertFalse(policy.isInitialized(ACCOUNT));
        vm.expectEmit(true, true, false, true, address(policy));
        emit ISessionPolicy.SessionRegistered(ACCOUNT, ID, c);
        _install(c);
        assertEq(_status(ACCOUNT, ID), uint8(SessionStatus.Active));
        assertTrue(policy.isInitialized(ACCOUNT));
        assertFalse(policy.isInitialized(OTHER_ACCOUNT));
        assertEq(_status(ACCOUNT, OTHER_ID), uint8(SessionStatus.Unknown));
    }

    function test_onInstall_refusesDataWithoutPermissionId() public {
        vm.expectRevert(_sessionError("missing permission id"));
        policy.onInstall(new bytes(31));
        vm.expectRevert(_sessionError("missing permission id"));
        policy.onUninstall(new bytes(31));
    }

    function test_onInstall_refusesUndecodableConfig() public {
        // Solidity's ABI decoder reverts without data.
        vm.expectRevert(bytes(""));
        policy.onInstall(abi.encodePacked(ID, hex"1234"));
        vm.expectRevert(bytes(""));
        policy.onInstall(abi.encodePacked(ID));
    }

    /// A refused registration leaves nothing behind, and a refused re-registration keeps the old session.
    function test_onInstall_refusalChangesNothing() public {
        SessionConfig memory bad = _config();
        vm.expectRevert(_sessionError("no call permission"));
        _install(bad);
        assertEq(_status(ACCOUNT, ID), uint8(SessionStatus.Unknown));
        assertFalse(policy.isInitialized(ACCOUNT));

        _install(_usdcConfig());
        bytes32 before = _snapshotHash(ACCOUNT, ID);
        vm.expectRevert(_sessionError("no call permission"));
        _install(bad);
        assertEq(_snapshotHash(ACCOUNT, ID), before);
        assertEq(keccak256(abi.encode(policy.getConfig(ACCOUNT, ID))), keccak256(abi.encode(_usdcConfig())));
    }

    /*//////////////////////////////////////////////////////////////
                            SESSION REFUSALS
    //////////////////////////////////////////////////////////////*/

    function test_register_refusesNoCallPermission() public {
        _expectInstallRevert(_sessionError("no call permission"), _config());
    }

    function test_register_callPermissionCount() public {
        SessionConfig memory c = _config();
        for (uint160 i; i < MAX_CALL_PERMISSIONS; ++i) _addCall(c, _permission(address(0x1000 + i), SWAP));
        _install(c);
        _addCall(c, _permission(address(0x2000), SWAP));
        _expectInstallRevert(_sessionError("too many call permissions"), c);
    }

    function test_register_tokenLimitCount() public {
        SessionConfig memory c = _usdcConfig();
        c.tokens = new TokenLimit[](0);
        for (uint160 i; i < MAX_TOKEN_LIMITS; ++i) _addToken(c, _limit(address(0x1000 + i), 0, 5, 0, 0));
        _install(c);
        _addToken(c, _limit(address(0x2000), 0, 5, 0, 0));
        _expectInstallRevert(_sessionError("too many token limits"), c);
    }

    function test_register_signatureSenderCount() public {
        SessionConfig memory c = _usdcConfig();
        for (uint160 i; i < MAX_SIGNATURE_SENDERS; ++i) _addSender(c, address(0x1000 + i));
        _install(c);
        _addSender(c, address(0x2000));
        _expectInstallRevert(_sessionError("too many signature senders"), c);
    }

    function test_register_validity() public {
        SessionConfig memory c = _usdcConfig();
        c.validUntil = c.validAfter;
        _expectInstallRevert(_sessionError("validUntil is not after validAfter"), c);
        c.validUntil = c.validAfter - 1;
        _expectInstallRevert(_sessionError("validUntil is not after validAfter"), c);
        c.validUntil = c.validAfter + 1;
        _install(c);
        // No expiry, whatever the start.
        c.validUntil = 0;
        c.validAfter = type(uint48).max;
        _install(c);
    }

    function test_register_windowAndCallsPerWindowTogether() public {
        SessionConfig memory c = _usdcConfig();
        c.window = 3600;
        _expectInstallRevert(_sessionError("window and callsPerWindow must be set together"), c);
        c.window = 0;
        c.callsPerWindow = 3;
        _expectInstallRevert(_sessionError("window and callsPerWindow must be set together"), c);
        c.window = 3600;
        _install(c);
    }

    function test_register_shortestWindow() public {
        SessionConfig memory c = _usdcConfig();
        c.callsPerWindow = 1;
        c.window = 3599;
        _expectInstallRevert(_sessionError("window shorter than 1 hour"), c);
        c.window = 3600;
        _install(c);
    }

    function test_register_largestMaxCalls() public {
        SessionConfig memory c = _usdcConfig();
        c.maxCalls = type(uint32).max;
        _expectInstallRevert(_sessionError("maxCalls too large (0 = unlimited)"), c);
        c.maxCalls = type(uint32).max - 1;
        _install(c);
        assertEq(policy.getSession(ACCOUNT, ID).callsLeft, type(uint32).max - 1);
    }

    function test_register_refusesTheRegistrationAfterTheLast() public {
        _install(_usdcConfig());
        // TokenRegistry's two tables take slots 0 and 1, so _sessions is at slot 2: header word of
        // _sessions[ID][ACCOUNT].
        bytes32 slot = keccak256(abi.encode(ACCOUNT, keccak256(abi.encode(ID, uint256(2)))));
        uint256 header = uint256(vm.load(address(policy), slot));
        assertEq(header & 0xffffff, 1 | (1 << 8), "status 1, generation 1: the slot is the header");
        header = (header & ~(uint256(type(uint16).max) << 8)) | (uint256(type(uint16).max - 1) << 8);
        vm.store(address(policy), slot, bytes32(header));
        _install(_usdcConfig());
        _expectInstallRevert(_sessionError("too many registrations of this id"), _usdcConfig());
    }

    function test_register_signatureSenders() public {
        SessionConfig memory c = _usdcConfig();
        _addSender(c, address(0));
        _expectInstallRevert(_sessionError("a signature sender is zero or a limited token"), c);

        // A limited token could otherwise verify a permit signed by the session.
        c = _usdcConfig();
        _addSender(c, USDC);
        _expectInstallRevert(_sessionError("a signature sender is zero or a limited token"), c);

        c = _usdcConfig();
        _addSender(c, address(0x5160));
        _addSender(c, address(0x5160));
        _expectInstallRevert(_sessionError("duplicate signature sender"), c);
    }

    /*//////////////////////////////////////////////////////////////
                          TOKEN LIMIT REFUSALS
    //////////////////////////////////////////////////////////////*/

    function test_register_refusesTheZeroToken() public {
        _expectInstallRevert(_tokenError(1, "token is the zero address"), _withToken(_limit(address(0), 0, 5, 0, 0)));
    }

    function test_register_largestLimits() public {
        string memory reason = "limit above 2^96 - 2 (0 = unlimited)";
        _install(_withToken(_limit(DAI, MAX_AMOUNT, MAX_AMOUNT, MAX_AMOUNT, DAY)));
        _expectInstallRevert(_tokenError(1, reason), _withToken(_limit(DAI, MAX_AMOUNT + 1, 0, 0, 0)));
        _expectInstallRevert(_tokenError(1, reason), _withToken(_limit(DAI, 0, MAX_AMOUNT + 1, 0, 0)));
        _expectInstallRevert(_tokenError(1, reason), _withToken(_limit(DAI, 0, 0, MAX_AMOUNT + 1, DAY)));
        _expectInstallRevert(_tokenError(1, reason), _withToken(_limit(DAI, type(uint256).max, 0, 0, 0)));
    }

    function test_register_perPeriodAndPeriodTogether() public {
        string memory reason = "perPeriod and period must be set together";
        _expectInstallRevert(_tokenError(1, reason), _withToken(_limit(DAI, 0, 0, 10, 0)));
        _expectInstallRevert(_tokenError(1, reason), _withToken(_limit(DAI, 0, 0, 0, DAY)));
    }

    function test_register_shortestPeriod() public {
        _expectInstallRevert(_tokenError(1, "period shorter than 1 hour"), _withToken(_limit(DAI, 0, 0, 10, 3599)));
        _install(_withToken(_limit(DAI, 0, 0, 10, 3600)));
    }

    function test_register_perTransactionWithinTotalAndPerPeriod() public {
        _install(_withToken(_limit(DAI, 10, 10, 10, DAY)));
        _expectInstallRevert(_tokenError(1, "perTransaction exceeds total"), _withToken(_limit(DAI, 11, 10, 0, 0)));
        _expectInstallRevert(_tokenError(1, "perTransaction exceeds perPeriod"), _withToken(_limit(DAI, 11, 0, 10, DAY)));
        // Zero is "off", not a cap of zero.
        _install(_withToken(_limit(DAI, 11, 0, 0, 0)));
        _install(_withToken(_limit(DAI, 0, 10, 10, DAY)));
    }

    function test_register_refusesADuplicateToken() public {
        SessionConfig memory c = _usdcConfig();
        _addToken(c, _limit(USDC, 0, 5, 0, 0));
        _expectInstallRevert(_tokenError(1, "duplicate token"), c);
    }

    /*//////////////////////////////////////////////////////////////
                        CALL PERMISSION REFUSALS
    //////////////////////////////////////////////////////////////*/

    function test_register_refusesForbiddenTargets() public {
        _expectInstallRevert(_callError(2, "target is the zero address"), _withCall(_permission(address(0), SWAP)));
        _expectInstallRevert(_callError(2, "target is the account itself"), _withCall(_permission(ACCOUNT, SWAP)));
        _expectInstallRevert(_callError(2, "target is the policy"), _withCall(_permission(address(policy), SWAP)));
        _expectInstallRevert(_callError(2, "target is the EntryPoint"), _withCall(_permission(ENTRY_POINT, SWAP)));
    }

    function test_register_refusesModuleLifecycleFunctions() public {
        string memory reason = "module install/uninstall functions are never allowed";
        _expectInstallRevert(_callError(2, reason), _withCall(_permission(ROUTER, 0x6d61fe70)));
        _expectInstallRevert(_callError(2, reason), _withCall(_permission(ROUTER, 0x8a91b0e3)));
    }

    function test_register_plainTransferShape() public {
        _expectInstallRevert(
            _callError(2, "a plain transfer permission must allow value"), _withCall(_permission(PAYEE, bytes4(0)))
        );
        CallPermission memory p = _valuePermission(PAYEE, bytes4(0));
        p.accountArg = 0;
        _expectInstallRevert(_callError(2, "a plain transfer has no arguments"), _withCall(p));
    }

    function test_register_tokenArgNeedsItsOwnAmountArg() public {
        CallPermission memory p = _permission(ROUTER, SWAP);
        p.tokenArg = 0;
        _expectInstallRevert(_callError(2, "tokenArg without amountArg"), _withCall(p));
        p.amountArg = 0;
        _expectInstallRevert(_callError(2, "tokenArg and amountArg are the same word"), _withCall(p));
    }

    function test_register_refusesADuplicateTargetAndSelector() public {
        _expectInstallRevert(_callError(2, "duplicate target and selector"), _withCall(_permission(USDC, TRANSFER)));
    }

    function test_register_valueNeedsANativeLimit() public {
        _expectInstallRevert(
            _callError(2, "value allowed but no limit for the native token"), _withCall(_valuePermission(ROUTER, SWAP))
        );
        SessionConfig memory c = _withCall(_valuePermission(ROUTER, SWAP));
        _addToken(c, _limit(NATIVE_TOKEN, 0, 1 ether, 0, 0));
        _install(c);
    }

    function test_register_erc20SpendingFunctionsCountTheirOwnAmount() public {
        string memory reason = "ERC-20 spending functions count their own amount";
        bytes4[4] memory spending = [TRANSFER, TRANSFER_FROM, APPROVE, INCREASE_ALLOWANCE];
        for (uint256 i; i < spending.length; ++i) {
            SessionConfig memory c = _config();
            _addToken(c, _limit(USDC, 0, 1_000, 0, 0));
            CallPermission memory p = _permission(USDC, spending[i]);
            p.amountArg = 1;
            _addCall(c, p);
            _expectInstallRevert(_callError(0, reason), c);
            p.tokenArg = 0;
            _expectInstallRevert(_callError(0, reason), c);
        }
        // On a token without a limit the same functions are plain calls: nothing to count.
        SessionConfig memory unlimited = _config();
        CallPermission memory named = _permission(DAI, TRANSFER);
        named.amountArg = 1;
        named.amountToken = USDC;
        _addCall(unlimited, named);
        _addToken(unlimited, _limit(USDC, 0, 1_000, 0, 0));
        _install(unlimited);
    }

    function test_register_limitedTokenFunctionsMustNameTheirAmount() public {
        // e.g. an ERC-677 transferAndCall: it moves the token, so its amount must be counted.
        bytes4 transferAndCall = bytes4(keccak256("transferAndCall(address,uint256,bytes)"));
        _expectInstallRevert(
            _callError(2, "a limited token's function must name its amount argument"),
            _withCall(_permission(USDC, transferAndCall))
        );
        CallPermission memory p = _permission(USDC, transferAndCall);
        p.amountArg = 1;
        p.amountToken = USDC;
        _install(_withCall(p));
    }

    function test_register_fixedAmountTokenMustBeLimited() public {
        _expectInstallRevert(_callError(2, "amountToken has no limit"), _withCall(_depositPermission(DAI)));
        _expectInstallRevert(_callError(2, "amountToken has no limit"), _withCall(_depositPermission(address(0))));
        _install(_withCall(_depositPermission(USDC)));
    }

    /// Tokens are checked before calls, whatever their order in the config.
    function test_register_tokensAreCheckedBeforeCalls() public {
        SessionConfig memory c = _withCall(_permission(address(0), SWAP));
        _addToken(c, _limit(address(0), 0, 0, 0, 0));
        _expectInstallRevert(_tokenError(1, "token is the zero address"), c);
        // And the session-wide checks come first of all.
        c.validUntil = c.validAfter;
        _expectInstallRevert(_sessionError("validUntil is not after validAfter"), c);
    }
}
