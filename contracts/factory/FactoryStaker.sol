// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStakeManager} from "@account-abstraction/contracts/interfaces/IStakeManager.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @notice The one call of ZeroDev's KernelFactory (v3) that the staker makes.
interface IKernelFactory {
    function createAccount(bytes calldata data, bytes32 salt) external payable returns (address);
}

/// @title FactoryStaker
/// @notice A staked front for Kernel v3 factories: the `factory` of an account's ERC-4337 initCode.
/// Bundlers apply ERC-7562 to the deployment of an account in its first operation, and an unstaked
/// factory may not touch storage associated with the new account in other contracts (STO-022);
/// Kernel's initialize writes the root validator's storage of the account (OwnerValidator.ownerOf),
/// so a plain, unstaked KernelFactory's first operation is refused. This contract holds the stake
/// in the EntryPoint and calls an approved factory, so the deploying entity is staked.
/// @dev Same calls and selectors as Kernel's meta factory (`deployWithFactory`, `approveFactory`,
/// `stake`, `unlockStake`, `withdrawStake`), so the ZeroDev SDK builds initCode for it as it does
/// for that one. The account's address is the factory's alone: CREATE2 from the factory, which this
/// contract neither changes nor sees. The owner approves factories and manages the stake; nothing
/// else is owner-gated, and the owner cannot touch accounts.
contract FactoryStaker is Ownable2Step {
    /// @dev `factory` is not approved here: the call would deploy through a factory nobody vetted.
    error FactoryNotApproved(address factory);
    /// @dev Renouncing would leave the stake locked in the EntryPoint for good.
    error RenounceDisabled();

    event FactoryApproval(address indexed factory, bool indexed approved);

    /// @notice Factories this staker deploys through.
    mapping(address factory => bool) public approved;

    /// @param initialOwner Approves factories and manages the stake (two-step transfer).
    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @notice Deploys (or finds) the account `factory.createAccount(createData, salt)` gives,
    /// forwarding any value; returns its address.
    function deployWithFactory(address factory, bytes calldata createData, bytes32 salt)
        external
        payable
        returns (address)
    {
        if (!approved[factory]) revert FactoryNotApproved(factory);
        return IKernelFactory(factory).createAccount{value: msg.value}(createData, salt);
    }

    /// @notice Approves `factory` (or withdraws its approval): only approved factories deploy.
    function approveFactory(address factory, bool approval) external onlyOwner {
        approved[factory] = approval;
        emit FactoryApproval(factory, approval);
    }

    /// @notice Adds the value sent to this contract's stake in `entryPoint`, with `unstakeDelay` seconds.
    function stake(IStakeManager entryPoint, uint32 unstakeDelay) external payable onlyOwner {
        entryPoint.addStake{value: msg.value}(unstakeDelay);
    }

    /// @notice Starts the unstake delay; the staker counts as unstaked from now on.
    function unlockStake(IStakeManager entryPoint) external onlyOwner {
        entryPoint.unlockStake();
    }

    /// @notice After the delay, sends the whole stake to `recipient`.
    function withdrawStake(IStakeManager entryPoint, address payable recipient) external onlyOwner {
        entryPoint.withdrawStake(recipient);
    }

    /// @notice Refused: ownership only moves to a new owner who accepts it.
    function renounceOwnership() public view override onlyOwner {
        revert RenounceDisabled();
    }
}
