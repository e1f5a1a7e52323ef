// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {
    ISigner,
    MODULE_TYPE_SIGNER,
    ERC1271_MAGIC_VALUE,
    ERC1271_INVALID,
    SIG_VALIDATION_FAILED
} from "../interfaces/IERC7579Module.sol";
import {EcdsaLib} from "../libraries/EcdsaLib.sol";
import {ValidationDataLib} from "../libraries/ValidationDataLib.sol";

/// @title SessionKeySigner
/// @notice ERC-7579 signer (type 6) of a Kernel v3 permission: the session key, an ECDSA key held by a
/// device or an automation backend. The permission's policies decide what the key may do.
/// Every user operation carries a deadline the session key signs with it, returned as validUntil:
/// an operation held back by whoever saw it (a bundler, a relay, a mempool) dies at its deadline,
/// whatever its calls are, and the policies' time claim can only name a period the operation
/// really executes in before then (validation data of policies and signer are intersected).
/// @dev Storage is `id => account => key`, the account being the last key, so that validation only
/// touches slots associated with the account (ERC-7562). Install data is `bytes32 id ‖ address key`.
contract SessionKeySigner is ISigner {
    /// @dev The install data is not `bytes32 permissionId ‖ 20-byte non-zero key`.
    error InvalidInstallData();
    /// @dev The permission id already has a session key on this account; uninstall it first.
    error AlreadyInstalled(address account, bytes32 id);

    event SessionKeyRegistered(address indexed account, bytes32 indexed id, address indexed sessionKey);
    event SessionKeyRemoved(address indexed account, bytes32 indexed id, address indexed sessionKey);

    mapping(bytes32 id => mapping(address account => address key)) public sessionKeyOf;
    /// @dev How many permissions of each account use this signer, for `isInitialized`.
    mapping(address account => uint256 count) public installedCount;

    function onInstall(bytes calldata data) external payable override {
        if (data.length != 52) revert InvalidInstallData();
        bytes32 id = bytes32(data[0:32]);
        address key = address(bytes20(data[32:52]));
        if (key == address(0)) revert InvalidInstallData();
        if (sessionKeyOf[id][msg.sender] != address(0)) revert AlreadyInstalled(msg.sender, id);
        sessionKeyOf[id][msg.sender] = key;
        ++installedCount[msg.sender];
        emit SessionKeyRegistered(msg.sender, id, key);
    }

    function onUninstall(bytes calldata data) external payable override {
        if (data.length < 32) revert InvalidInstallData();
        bytes32 id = bytes32(data[0:32]);
        address key = sessionKeyOf[id][msg.sender];
        if (key == address(0)) return;
        delete sessionKeyOf[id][msg.sender];
        --installedCount[msg.sender];
        emit SessionKeyRemoved(msg.sender, id, key);
    }

    function isModuleType(uint256 moduleTypeId) external pure override returns (bool) {
        return moduleTypeId == MODULE_TYPE_SIGNER;
    }

    function isInitialized(address smartAccount) external view override returns (bool) {
        return installedCount[smartAccount] != 0;
    }

    /// @notice Accepts the op when the permission's session key signed `operationDigest(userOpHash,
    /// deadline)`; the op is then valid until that deadline. The signer's part of the signature is
    /// `deadline (6 bytes, unix seconds) ‖ ECDSA signature (65)`, raw or EIP-191.
    function checkUserOpSignature(bytes32 id, PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        payable
        override
        returns (uint256)
    {
        bytes calldata signature = userOp.signature;
        if (signature.length != 71) return SIG_VALIDATION_FAILED;
        uint48 deadline = uint48(bytes6(signature[0:6]));
        if (deadline == 0) return SIG_VALIDATION_FAILED;
        if (!EcdsaLib.isSignedBy(sessionKeyOf[id][msg.sender], operationDigest(userOpHash, deadline), signature[6:])) {
            return SIG_VALIDATION_FAILED;
        }
        return ValidationDataLib.pack(0, deadline);
    }

    /// @notice What the session key signs for an operation: its hash bound to its deadline.
    function operationDigest(bytes32 userOpHash, uint48 deadline) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(userOpHash, deadline));
    }

    /// @notice ERC-1271 check of a session key's signature; the permission's policies decide whether
    /// the session may sign at all.
    function checkSignature(bytes32 id, address, bytes32 hash, bytes calldata signature)
        external
        view
        override
        returns (bytes4)
    {
        return EcdsaLib.isSignedBy(sessionKeyOf[id][msg.sender], hash, signature) ? ERC1271_MAGIC_VALUE : ERC1271_INVALID;
    }
}
