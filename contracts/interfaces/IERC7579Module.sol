// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// @dev ERC-7579 module type ids, as Kernel v3 numbers them.
uint256 constant MODULE_TYPE_VALIDATOR = 1;
uint256 constant MODULE_TYPE_POLICY = 5;
uint256 constant MODULE_TYPE_SIGNER = 6;

/// @dev ERC-1271 answers.
bytes4 constant ERC1271_MAGIC_VALUE = 0x1626ba7e;
bytes4 constant ERC1271_INVALID = 0xffffffff;

/// @dev ERC-4337 validation data for a failed check (aggregator = 1, no time range).
uint256 constant SIG_VALIDATION_FAILED = 1;
uint256 constant SIG_VALIDATION_SUCCESS = 0;

/// @notice Lifecycle every ERC-7579 module shares. Kernel calls these from the account.
interface IModule {
    /// @notice Called by the account when the module is installed for it.
    function onInstall(bytes calldata data) external payable;

    /// @notice Called by the account when the module is removed from it.
    function onUninstall(bytes calldata data) external payable;

    /// @notice Whether the module is of the given ERC-7579 type.
    function isModuleType(uint256 moduleTypeId) external view returns (bool);

    /// @notice Whether the module holds any installation for `smartAccount`.
    function isInitialized(address smartAccount) external view returns (bool);
}

/// @notice A validator (type 1): validates whole user operations and ERC-1271 signatures.
interface IValidator is IModule {
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        payable
        returns (uint256 validationData);

    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4);
}

/// @notice A policy (type 5) of a Kernel v3 permission. `id` is the permission id, left-aligned.
interface IPolicy is IModule {
    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp)
        external
        payable
        returns (uint256 validationData);

    function checkSignaturePolicy(bytes32 id, address sender, bytes32 hash, bytes calldata signature)
        external
        view
        returns (uint256 validationData);
}

/// @notice The signer (type 6) of a Kernel v3 permission. `id` is the permission id, left-aligned.
interface ISigner is IModule {
    function checkUserOpSignature(bytes32 id, PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        payable
        returns (uint256 validationData);

    function checkSignature(bytes32 id, address sender, bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4);
}
