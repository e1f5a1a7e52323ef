// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {OwnerValidator} from "../../contracts/validators/OwnerValidator.sol";

contract OwnerValidatorTest is Test {
    OwnerValidator internal validator;
    uint256 internal constant SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;

    function setUp() public {
        validator = new OwnerValidator();
    }

    function _op(bytes memory signature) internal view returns (PackedUserOperation memory op) {
        op.sender = address(this);
        op.signature = signature;
    }

    function testFuzz_acceptsTheOwnerRawOrPersonalSignOnly(uint256 ownerSeed, uint256 otherSeed, bytes32 hash) public {
        uint256 pk = bound(ownerSeed, 1, SECP256K1_N - 1);
        uint256 other = bound(otherSeed, 1, SECP256K1_N - 1);
        vm.assume(pk != other);
        validator.onInstall(abi.encodePacked(vm.addr(pk)));

        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, MessageHashUtils.toEthSignedMessageHash(hash));
        assertEq(validator.validateUserOp(_op(abi.encodePacked(r, s, v)), hash), 0);
        (v, r, s) = vm.sign(pk, hash);
        assertEq(validator.isValidSignatureWithSender(address(0), hash, abi.encodePacked(r, s, v)), bytes4(0x1626ba7e));
        (v, r, s) = vm.sign(other, MessageHashUtils.toEthSignedMessageHash(hash));
        assertEq(validator.validateUserOp(_op(abi.encodePacked(r, s, v)), hash), 1);
    }

    function testFuzz_refusesMalleableHighS(uint256 ownerSeed, bytes32 hash) public {
        uint256 pk = bound(ownerSeed, 1, SECP256K1_N - 1);
        validator.onInstall(abi.encodePacked(vm.addr(pk)));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, MessageHashUtils.toEthSignedMessageHash(hash));
        // The same signature with s' = n - s and the other v recovers the same key; it must not pass.
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        assertEq(validator.validateUserOp(_op(abi.encodePacked(r, highS, flippedV)), hash), 1);
    }

    function test_anAccountWithoutOwnerValidatesNothing() public {
        bytes memory sig = new bytes(65);
        assertEq(validator.validateUserOp(_op(sig), bytes32(0)), 1);
    }

    function test_installAndUninstall() public {
        vm.expectRevert(OwnerValidator.InvalidOwner.selector);
        validator.onInstall(abi.encodePacked(address(0)));
        vm.expectRevert(OwnerValidator.InvalidOwner.selector);
        validator.onInstall(hex"1234");
        validator.onInstall(abi.encodePacked(address(0xB0B)));
        vm.expectRevert(abi.encodeWithSelector(OwnerValidator.AlreadyInitialized.selector, address(this)));
        validator.onInstall(abi.encodePacked(address(0xB0B)));
        assertTrue(validator.isInitialized(address(this)));
        validator.onUninstall("");
        assertFalse(validator.isInitialized(address(this)));
    }
}
