// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SessionKeySigner} from "../../contracts/signers/SessionKeySigner.sol";

contract SessionKeySignerTest is Test {
    SessionKeySigner internal signer;

    function setUp() public {
        signer = new SessionKeySigner();
    }

    function _install(address account, bytes32 id, address key) internal {
        vm.prank(account);
        signer.onInstall(abi.encodePacked(id, key));
    }

    function _op(address account, bytes memory signature) internal pure returns (PackedUserOperation memory op) {
        op.sender = account;
        op.signature = signature;
    }

    uint48 internal constant DEADLINE = 1_700_000_180;

    function _sign(uint256 pk, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, MessageHashUtils.toEthSignedMessageHash(hash));
        return abi.encodePacked(r, s, v);
    }

    /// A user operation's signer part: the deadline, then the key's signature of the hash bound to it.
    function _signOp(uint256 pk, bytes32 userOpHash, uint48 deadline) internal view returns (bytes memory) {
        return abi.encodePacked(deadline, _sign(pk, signer.operationDigest(userOpHash, deadline)));
    }

    /// Validation data of a success valid until `deadline`.
    function _until(uint48 deadline) internal pure returns (uint256) {
        return uint256(deadline) << 160;
    }

    function _keyPk(uint256 seed) internal pure returns (uint256) {
        return bound(seed, 1, 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140);
    }

    function testFuzz_acceptsOnlyTheInstalledKeyOfTheCallingAccount(
        uint256 keySeed,
        uint256 otherSeed,
        address account,
        address otherAccount,
        bytes32 id,
        bytes32 otherId,
        bytes32 hash
    ) public {
        uint256 pk = _keyPk(keySeed);
        uint256 otherPk = _keyPk(otherSeed);
        vm.assume(pk != otherPk && account != otherAccount && id != otherId);
        _install(account, id, vm.addr(pk));

        vm.startPrank(account);
        assertEq(
            signer.checkUserOpSignature(id, _op(account, _signOp(pk, hash, DEADLINE)), hash), _until(DEADLINE), "session key accepted"
        );
        assertEq(signer.checkUserOpSignature(id, _op(account, _signOp(otherPk, hash, DEADLINE)), hash), 1, "other key refused");
        assertEq(signer.checkUserOpSignature(otherId, _op(account, _signOp(pk, hash, DEADLINE)), hash), 1, "other permission refused");
        assertEq(signer.checkSignature(id, address(0), hash, _sign(pk, hash)), bytes4(0x1626ba7e));
        vm.stopPrank();

        // The same key and id, asked from another account, does not validate.
        vm.prank(otherAccount);
        assertEq(
            signer.checkUserOpSignature(id, _op(otherAccount, _signOp(pk, hash, DEADLINE)), hash), 1, "other account refused"
        );
    }

    /// The deadline is part of what the key signs: moving it (to keep a held operation alive)
    /// breaks the signature; a signature of the bare hash, without a deadline, is refused.
    function testFuzz_theDeadlineIsSigned(uint256 keySeed, bytes32 hash, uint48 deadline, uint48 other) public {
        uint256 pk = _keyPk(keySeed);
        vm.assume(deadline != 0 && other != deadline);
        _install(address(this), bytes32("p"), vm.addr(pk));
        bytes memory signed = _signOp(pk, hash, deadline);
        assertEq(signer.checkUserOpSignature(bytes32("p"), _op(address(this), signed), hash), _until(deadline));
        // The same signature behind another deadline.
        bytes memory moved = bytes.concat(abi.encodePacked(other), _slice(signed, 6));
        assertEq(signer.checkUserOpSignature(bytes32("p"), _op(address(this), moved), hash), 1, "moved deadline refused");
        // The operation hash alone, as a signer without deadlines would sign it.
        assertEq(signer.checkUserOpSignature(bytes32("p"), _op(address(this), _sign(pk, hash)), hash), 1, "no deadline refused");
        assertEq(
            signer.checkUserOpSignature(bytes32("p"), _op(address(this), abi.encodePacked(deadline, _sign(pk, hash))), hash),
            1,
            "the bare hash behind a deadline refused"
        );
    }

    function test_zeroDeadlineIsRefused() public {
        uint256 pk = 0xA11CE;
        _install(address(this), bytes32("p"), vm.addr(pk));
        bytes32 hash = keccak256("op");
        assertEq(signer.checkUserOpSignature(bytes32("p"), _op(address(this), _signOp(pk, hash, 0)), hash), 1);
    }

    function testFuzz_refusesMalformedSignatures(uint256 keySeed, bytes32 hash, bytes calldata junk) public {
        uint256 pk = _keyPk(keySeed);
        _install(address(this), bytes32("p"), vm.addr(pk));
        vm.assume(junk.length != 71);
        assertEq(signer.checkUserOpSignature(bytes32("p"), _op(address(this), junk), hash), 1);
    }

    function _slice(bytes memory b, uint256 from) internal pure returns (bytes memory out) {
        out = new bytes(b.length - from);
        for (uint256 i; i < out.length; ++i) out[i] = b[from + i];
    }

    function test_uninstallClearsTheKeySoTheIdCanBeReused() public {
        uint256 pk = 0xA11CE;
        _install(address(this), bytes32("p"), vm.addr(pk));
        assertTrue(signer.isInitialized(address(this)));
        signer.onUninstall(abi.encodePacked(bytes32("p")));
        assertFalse(signer.isInitialized(address(this)));
        bytes32 hash = keccak256("op");
        assertEq(signer.checkUserOpSignature(bytes32("p"), _op(address(this), _signOp(pk, hash, DEADLINE)), hash), 1);
        _install(address(this), bytes32("p"), vm.addr(0xB0B));
        assertEq(signer.sessionKeyOf(bytes32("p"), address(this)), vm.addr(0xB0B));
    }

    function test_refusesBadInstallData() public {
        vm.expectRevert(SessionKeySigner.InvalidInstallData.selector);
        signer.onInstall(abi.encodePacked(bytes32("p")));
        vm.expectRevert(SessionKeySigner.InvalidInstallData.selector);
        signer.onInstall(abi.encodePacked(bytes32("p"), address(0)));
        _install(address(this), bytes32("p"), address(1));
        vm.expectRevert(abi.encodeWithSelector(SessionKeySigner.AlreadyInstalled.selector, address(this), bytes32("p")));
        signer.onInstall(abi.encodePacked(bytes32("p"), address(2)));
    }
}

/// Random installs and uninstalls across accounts and ids.
contract SessionKeySignerHandler is Test {
    SessionKeySigner public immutable signer;
    address[3] public accounts = [address(0xA1), address(0xA2), address(0xA3)];
    bytes32[3] public ids = [bytes32("a"), bytes32("b"), bytes32("c")];
    mapping(address => uint256) public expectedCount;

    constructor(SessionKeySigner s) {
        signer = s;
    }

    function install(uint8 a, uint8 i, address key) external {
        address account = accounts[a % 3];
        bytes32 id = ids[i % 3];
        if (key == address(0) || signer.sessionKeyOf(id, account) != address(0)) return;
        vm.prank(account);
        signer.onInstall(abi.encodePacked(id, key));
        ++expectedCount[account];
    }

    function uninstall(uint8 a, uint8 i) external {
        address account = accounts[a % 3];
        bytes32 id = ids[i % 3];
        if (signer.sessionKeyOf(id, account) != address(0)) --expectedCount[account];
        vm.prank(account);
        signer.onUninstall(abi.encodePacked(id));
    }
}

contract SessionKeySignerInvariantTest is Test {
    SessionKeySigner internal signer;
    SessionKeySignerHandler internal handler;

    function setUp() public {
        signer = new SessionKeySigner();
        handler = new SessionKeySignerHandler(signer);
        targetContract(address(handler));
    }

    /// Every account's install count matches its installed keys, so isInitialized never lies.
    function invariant_installedCountMatchesKeys() public view {
        for (uint256 a = 0; a < 3; ++a) {
            address account = handler.accounts(a);
            uint256 keys;
            for (uint256 i = 0; i < 3; ++i) {
                if (signer.sessionKeyOf(handler.ids(i), account) != address(0)) ++keys;
            }
            assertEq(signer.installedCount(account), keys);
            assertEq(signer.installedCount(account), handler.expectedCount(account));
            assertEq(signer.isInitialized(account), keys != 0);
        }
    }
}
