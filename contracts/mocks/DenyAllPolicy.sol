// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {SIG_VALIDATION_FAILED} from "../interfaces/IERC7579Module.sol";
import {StatelessMockPolicy} from "./StatelessMockPolicy.sol";

/// @notice Test policy that refuses every user operation and signature by returning a failed
/// validation (Kernel then reverts with `PolicyFailed(index)`).
contract DenyAllPolicy is StatelessMockPolicy {
    function checkUserOpPolicy(bytes32, PackedUserOperation calldata) external payable override returns (uint256) {
        return SIG_VALIDATION_FAILED;
    }

    function checkSignaturePolicy(bytes32, address, bytes32, bytes calldata) external pure override returns (uint256) {
        return SIG_VALIDATION_FAILED;
    }
}
