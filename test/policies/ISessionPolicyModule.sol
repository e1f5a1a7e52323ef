// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPolicy} from "../../contracts/interfaces/IERC7579Module.sol";
import {ISessionPolicy} from "../../contracts/interfaces/ISessionPolicy.sol";

/// SessionPolicy as its callers see it. The tests deploy the compiled artifact (`deployCode`) and
/// call it through this interface, so they run the very bytecode that deploys and never compile
/// SessionPolicy themselves (it is built once, through the IR pipeline: hardhat.config.ts).
interface ISessionPolicyModule is IPolicy, ISessionPolicy {}
