// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @notice Checks a 65-byte ECDSA signature over a hash, signed either raw (EIP-712 digests)
/// or as an EIP-191 personal message (what wallets produce for `signMessage({ raw })`).
/// @dev OpenZeppelin's recovery rejects malleable (high-s) signatures and never reverts here.
library EcdsaLib {
    function isSignedBy(address expected, bytes32 hash, bytes calldata signature) internal pure returns (bool) {
        if (expected == address(0) || signature.length != 65) return false;
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == expected) return true;
        (recovered, err,) = ECDSA.tryRecoverCalldata(MessageHashUtils.toEthSignedMessageHash(hash), signature);
        return err == ECDSA.RecoverError.NoError && recovered == expected;
    }
}
