// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {
    IValidator,
    MODULE_TYPE_VALIDATOR,
    ERC1271_MAGIC_VALUE,
    ERC1271_INVALID,
    SIG_VALIDATION_FAILED,
    SIG_VALIDATION_SUCCESS
} from "../interfaces/IERC7579Module.sol";
import {EcdsaLib} from "../libraries/EcdsaLib.sol";

/// @title OwnerValidator
/// @notice ERC-7579 validator (type 1) that lets one ECDSA key own a smart account: the account's
/// root ("sudo") validator, which approves and revokes sessions.
/// @dev Storage is keyed by the account only, as ERC-7562 requires of validation-time reads.
/// Install data is the owner's 20-byte address, as ZeroDev's ECDSA validator takes it.
contract OwnerValidator is IValidator {
    /// @dev The install data is not exactly a 20-byte, non-zero owner address.
    error InvalidOwner();
    /// @dev The account already has an owner here; uninstall first.
    error AlreadyInitialized(address account);

    event OwnerRegistered(address indexed account, address indexed owner);
    event OwnerRemoved(address indexed account);

    mapping(address account => address owner) public ownerOf;

    /// @notice Registers `data` (20 bytes) as the owner of the calling account.
    function onInstall(bytes calldata data) external payable override {
        if (ownerOf[msg.sender] != address(0)) revert AlreadyInitialized(msg.sender);
        if (data.length != 20) revert InvalidOwner();
        address owner = address(bytes20(data));
        if (owner == address(0)) revert InvalidOwner();
        ownerOf[msg.sender] = owner;
        emit OwnerRegistered(msg.sender, owner);
    }

    /// @notice Forgets the calling account's owner.
    function onUninstall(bytes calldata) external payable override {
        delete ownerOf[msg.sender];
        emit OwnerRemoved(msg.sender);
    }

    function isModuleType(uint256 moduleTypeId) external pure override returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    function isInitialized(address smartAccount) external view override returns (bool) {
        return ownerOf[smartAccount] != address(0);
    }

    /// @notice Accepts the op when its signature is the owner's over `userOpHash`.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        payable
        override
        returns (uint256)
    {
        return EcdsaLib.isSignedBy(ownerOf[msg.sender], userOpHash, userOp.signature)
            ? SIG_VALIDATION_SUCCESS
            : SIG_VALIDATION_FAILED;
    }

    /// @notice ERC-1271 check for the calling account; Kernel has already bound `hash` to the account.
    function isValidSignatureWithSender(address, bytes32 hash, bytes calldata signature)
        external
        view
        override
        returns (bytes4)
    {
        return EcdsaLib.isSignedBy(ownerOf[msg.sender], hash, signature) ? ERC1271_MAGIC_VALUE : ERC1271_INVALID;
    }
}
