// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IStakeManager} from "@account-abstraction/contracts/interfaces/IStakeManager.sol";
import {StakeManager} from "@account-abstraction/contracts/core/StakeManager.sol";
import {FactoryStaker} from "../../contracts/factory/FactoryStaker.sol";

/// @dev The EntryPoint's stake bookkeeping, as it is (v0.7's StakeManager), without the rest.
contract StakeManagerHarness is StakeManager {}

/// @dev A stand-in account: records the init call and the value it was created with.
contract Created {
    bytes public initData;

    constructor() payable {}

    fallback() external {
        initData = msg.data;
    }
}

/// @dev Shaped like Kernel's factory: CREATE2 with keccak(data ‖ salt), idempotent, init call after.
contract KernelFactoryLike {
    function createAccount(bytes calldata data, bytes32 salt) external payable returns (address account) {
        bytes32 actual = keccak256(abi.encodePacked(data, salt));
        account = getAddress(data, salt);
        if (account.code.length != 0) return account;
        account = address(new Created{salt: actual, value: msg.value}());
        // As Kernel's factory does: the account called with `data` as it is (its initialize).
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = account.call(data);
        require(ok, "init");
    }

    function getAddress(bytes calldata data, bytes32 salt) public view returns (address) {
        bytes32 actual = keccak256(abi.encodePacked(data, salt));
        bytes32 hash = keccak256(abi.encodePacked(bytes1(0xff), address(this), actual, keccak256(type(Created).creationCode)));
        return address(uint160(uint256(hash)));
    }
}

contract FactoryStakerTest is Test {
    FactoryStaker internal staker;
    KernelFactoryLike internal factory;
    StakeManagerHarness internal entryPoint;
    address internal constant OWNER = address(0x0A11CE);
    address internal constant STRANGER = address(0xBAD);
    uint32 internal constant DELAY = 1 days;

    function setUp() public {
        staker = new FactoryStaker(OWNER);
        factory = new KernelFactoryLike();
        entryPoint = new StakeManagerHarness();
        vm.deal(OWNER, 10 ether);
        vm.deal(STRANGER, 10 ether);
    }

    function _approve(address which, bool approval) internal {
        vm.prank(OWNER);
        staker.approveFactory(which, approval);
    }

    function test_onlyApprovedFactoriesDeploy() public {
        bytes memory data = hex"c0ffee";
        vm.expectRevert(abi.encodeWithSelector(FactoryStaker.FactoryNotApproved.selector, address(factory)));
        staker.deployWithFactory(address(factory), data, bytes32(0));

        vm.expectEmit(address(staker));
        emit FactoryStaker.FactoryApproval(address(factory), true);
        _approve(address(factory), true);
        assertTrue(staker.approved(address(factory)));
        address account = staker.deployWithFactory(address(factory), data, bytes32(0));
        assertGt(account.code.length, 0);
        assertEq(Created(payable(account)).initData(), data);

        // Another factory, approved or not for this one, stays refused; withdrawing approval refuses again.
        KernelFactoryLike other = new KernelFactoryLike();
        vm.expectRevert(abi.encodeWithSelector(FactoryStaker.FactoryNotApproved.selector, address(other)));
        staker.deployWithFactory(address(other), data, bytes32(0));
        _approve(address(factory), false);
        vm.expectRevert(abi.encodeWithSelector(FactoryStaker.FactoryNotApproved.selector, address(factory)));
        staker.deployWithFactory(address(factory), data, bytes32(uint256(1)));
    }

    function testFuzz_deploysWhereTheFactoryAloneWould(bytes calldata data, bytes32 salt, uint96 value) public {
        _approve(address(factory), true);
        address expected = factory.getAddress(data, salt);
        uint256 snapshot = vm.snapshotState();
        address direct = factory.createAccount(data, salt);
        vm.revertToState(snapshot);

        vm.deal(address(this), value);
        address account = staker.deployWithFactory{value: value}(address(factory), data, salt);
        assertEq(account, expected);
        assertEq(account, direct);
        assertEq(account.balance, value, "the value reaches the account");
        assertEq(address(staker).balance, 0, "nothing stays with the staker");
        // Deploying again finds the same account.
        assertEq(staker.deployWithFactory(address(factory), data, salt), expected);
    }

    function test_adminIsOwnerOnly() public {
        vm.startPrank(STRANGER);
        bytes memory notOwner = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER);
        vm.expectRevert(notOwner);
        staker.approveFactory(address(factory), true);
        vm.expectRevert(notOwner);
        staker.stake{value: 1 ether}(IStakeManager(address(entryPoint)), DELAY);
        vm.expectRevert(notOwner);
        staker.unlockStake(IStakeManager(address(entryPoint)));
        vm.expectRevert(notOwner);
        staker.withdrawStake(IStakeManager(address(entryPoint)), payable(STRANGER));
        vm.expectRevert(notOwner);
        staker.transferOwnership(STRANGER);
        vm.expectRevert(notOwner);
        staker.renounceOwnership();
        vm.stopPrank();
        assertFalse(staker.approved(address(factory)));
        assertEq(entryPoint.getDepositInfo(address(staker)).stake, 0);
    }

    function test_ownershipMovesInTwoStepsAndIsNeverRenounced() public {
        vm.prank(OWNER);
        vm.expectRevert(FactoryStaker.RenounceDisabled.selector);
        staker.renounceOwnership();

        vm.prank(OWNER);
        staker.transferOwnership(STRANGER);
        assertEq(staker.owner(), OWNER, "not moved until accepted");
        vm.prank(address(0xCAFE));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(0xCAFE)));
        staker.acceptOwnership();
        vm.prank(STRANGER);
        staker.acceptOwnership();
        assertEq(staker.owner(), STRANGER);
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, OWNER));
        staker.approveFactory(address(factory), true);
    }

    function test_stakesUnlocksAndWithdrawsThroughTheEntryPoint() public {
        IStakeManager ep = IStakeManager(address(entryPoint));
        vm.prank(OWNER);
        staker.stake{value: 1 ether}(ep, DELAY);
        IStakeManager.DepositInfo memory info = entryPoint.getDepositInfo(address(staker));
        assertTrue(info.staked);
        assertEq(info.stake, 1 ether);
        assertEq(info.unstakeDelaySec, DELAY);
        assertEq(info.withdrawTime, 0);

        // Adding to it keeps the delay; a shorter delay is refused by the EntryPoint.
        vm.prank(OWNER);
        staker.stake{value: 0.5 ether}(ep, DELAY);
        assertEq(entryPoint.getDepositInfo(address(staker)).stake, 1.5 ether);
        vm.prank(OWNER);
        vm.expectRevert("cannot decrease unstake time");
        staker.stake{value: 1}(ep, DELAY - 1);

        vm.prank(OWNER);
        vm.expectRevert("must call unlockStake() first");
        staker.withdrawStake(ep, payable(OWNER));

        vm.prank(OWNER);
        staker.unlockStake(ep);
        info = entryPoint.getDepositInfo(address(staker));
        assertFalse(info.staked, "unstaked from the unlock on");
        assertEq(info.withdrawTime, block.timestamp + DELAY);

        vm.warp(block.timestamp + DELAY - 1);
        vm.prank(OWNER);
        vm.expectRevert("Stake withdrawal is not due");
        staker.withdrawStake(ep, payable(address(0xD00D)));
        vm.warp(block.timestamp + 1);
        vm.prank(OWNER);
        staker.withdrawStake(ep, payable(address(0xD00D)));
        assertEq(address(0xD00D).balance, 1.5 ether);
        assertEq(entryPoint.getDepositInfo(address(staker)).stake, 0);
    }
}
