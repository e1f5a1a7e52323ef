// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {SIG_VALIDATION_FAILED} from "../interfaces/IERC7579Module.sol";
import {IExpiryPolicy} from "../interfaces/IExpiryPolicy.sol";
import {IStandalonePolicy} from "../interfaces/IStandalonePolicy.sol";
import {StandalonePolicy} from "./StandalonePolicy.sol";
import {ValidationDataLib} from "../libraries/ValidationDataLib.sol";
import {SessionStatus} from "../types/SessionTypes.sol";
import {ExpiryConfig} from "../types/PolicyTypes.sol";

/// @title ExpiryPolicy
/// @notice Kernel v3 policy (ERC-7579 type 5): a permission may be used from `validAfter` to
/// `validUntil`, both inclusive. It looks at no call, so it never stands alone: combine it with
/// CallScopePolicy, which also stops a session from re-registering this policy through the account.
/// @dev ERC-7562: the range goes back as validation data and the EntryPoint enforces it; validation
/// never reads the clock. State is one word per `id => account`, rewritten by every registration.
contract ExpiryPolicy is StandalonePolicy, IExpiryPolicy {
    struct Expiry {
        uint8 status;
        uint48 validAfter;
        uint48 validUntil;
    }

    mapping(bytes32 id => mapping(address account => Expiry)) private _expiries;

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// @dev Install data is `bytes32 id ‖ abi.encode(ExpiryConfig)`. Registering again replaces the range.
    function _register(bytes32 id, bytes calldata data) internal override returns (uint8 previous) {
        ExpiryConfig memory config = abi.decode(data, (ExpiryConfig));
        if (config.validAfter == 0 && config.validUntil == 0) revert InvalidPolicyConfig("no time limit");
        if (config.validUntil != 0 && config.validUntil <= config.validAfter) {
            revert InvalidPolicyConfig("validUntil is not after validAfter");
        }
        Expiry storage expiry = _expiries[id][msg.sender];
        previous = expiry.status;
        expiry.status = STATUS_ACTIVE;
        expiry.validAfter = config.validAfter;
        expiry.validUntil = config.validUntil;
        emit ExpiryRegistered(msg.sender, id, config);
    }

    /// @dev See StandalonePolicy.
    function _statusOf(bytes32 id, address account) internal view override returns (uint8) {
        return _expiries[id][account].status;
    }

    /// @dev See StandalonePolicy.
    function _markRevoked(bytes32 id) internal override {
        _expiries[id][msg.sender].status = STATUS_REVOKED;
        emit ExpiryRevoked(msg.sender, id);
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATION
    //////////////////////////////////////////////////////////////*/

    /// @notice Returns the permission's range as validation data; the EntryPoint refuses the
    /// operation (AA22) outside it. Reverts when the permission is not active. Reads no signature.
    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp)
        external
        payable
        override
        returns (uint256)
    {
        Expiry memory expiry = _expiries[id][msg.sender];
        if (expiry.status != STATUS_ACTIVE) revert PolicyNotActive(id, _storedStatus(expiry.status));
        emit ExpiryUsed(msg.sender, id, userOp.nonce);
        return ValidationDataLib.pack(expiry.validAfter, ValidationDataLib.until(expiry.validUntil));
    }

    /// @notice ERC-1271: the permission's range when it is active, 1 (refused) otherwise. A
    /// signature carries no call, so time is all this policy can judge; whether the session may
    /// sign at all is for the permission's other policies (Leash's other standalone policies
    /// always refuse, SessionPolicy lists the verifying contracts).
    function checkSignaturePolicy(bytes32 id, address, bytes32, bytes calldata)
        external
        view
        override
        returns (uint256)
    {
        Expiry memory expiry = _expiries[id][msg.sender];
        if (expiry.status != STATUS_ACTIVE) return SIG_VALIDATION_FAILED;
        return ValidationDataLib.pack(expiry.validAfter, ValidationDataLib.until(expiry.validUntil));
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStandalonePolicy
    function getStatus(address account, bytes32 id) external view override returns (SessionStatus) {
        Expiry memory expiry = _expiries[id][account];
        if (expiry.status != STATUS_ACTIVE) return _storedStatus(expiry.status);
        if (expiry.validUntil != 0 && block.timestamp > expiry.validUntil) return SessionStatus.Expired;
        if (block.timestamp < expiry.validAfter) return SessionStatus.Pending;
        return SessionStatus.Active;
    }

    /// @inheritdoc IExpiryPolicy
    function getConfig(address account, bytes32 id) external view override returns (ExpiryConfig memory) {
        Expiry memory expiry = _expiries[id][account];
        return ExpiryConfig({validAfter: expiry.validAfter, validUntil: expiry.validUntil});
    }
}
