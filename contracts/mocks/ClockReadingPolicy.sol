// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {SIG_VALIDATION_SUCCESS} from "../interfaces/IERC7579Module.sol";
import {StatelessMockPolicy} from "./StatelessMockPolicy.sol";

/// @notice Test policy that breaks ERC-7562 on purpose: it reads the clock and writes a slot that is
/// not associated with the account. A bundler must refuse it (OP-011, STO-033).
contract ClockReadingPolicy is StatelessMockPolicy {
    uint256 public lastSeen;

    function checkUserOpPolicy(bytes32, PackedUserOperation calldata) external payable override returns (uint256) {
        lastSeen = block.timestamp;
        return SIG_VALIDATION_SUCCESS;
    }

    function checkSignaturePolicy(bytes32, address, bytes32, bytes calldata) external pure override returns (uint256) {
        return SIG_VALIDATION_SUCCESS;
    }
}
