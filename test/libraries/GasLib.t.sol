// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {GasLib} from "../../contracts/libraries/GasLib.sol";

contract GasLibHarness {
    function maxCost(PackedUserOperation calldata op) external pure returns (uint256) {
        return GasLib.maxCost(op);
    }

    function check(PackedUserOperation calldata op, address paymaster, uint256 fees)
        external
        pure
        returns (uint256 word, uint256 feeLeft)
    {
        return GasLib.check(op, paymaster, fees);
    }

    function paymasterOf(bytes calldata pmd) external pure returns (bool, address) {
        return GasLib.paymasterOf(pmd);
    }
}

/// What a session's operations may cost: the most possible cost of one operation, the cap, the
/// budget and the paymaster rule.
contract GasLibTest is Test {
    address internal constant PAYMASTER = address(0x9A7);
    GasLibHarness internal lib;

    function setUp() public {
        lib = new GasLibHarness();
    }

    function _op(uint256 verification, uint256 call, uint256 preVerification, uint256 maxFee)
        internal
        pure
        returns (PackedUserOperation memory op)
    {
        op.accountGasLimits = bytes32((verification << 128) | call);
        op.preVerificationGas = preVerification;
        op.gasFees = bytes32((uint256(7) << 128) | maxFee);
    }

    function _sponsored(PackedUserOperation memory op, address paymaster, uint128 verification, uint128 postOp)
        internal
        pure
        returns (PackedUserOperation memory)
    {
        op.paymasterAndData = abi.encodePacked(paymaster, verification, postOp, hex"c0ffee");
        return op;
    }

    function test_maxCost_isEveryGasLimitTimesMaxFeePerGas() public view {
        assertEq(lib.maxCost(_op(100, 200, 300, 5)), 3_000);
        // The paymaster's limits count too; maxPriorityFeePerGas does not.
        assertEq(lib.maxCost(_sponsored(_op(100, 200, 300, 5), PAYMASTER, 1_000, 2_000)), 18_000);
    }

    function testFuzz_maxCost_saturates(uint128 v, uint128 c, uint256 pvg, uint128 fee) public view {
        uint256 exact;
        unchecked {
            uint256 gas = uint256(v) + c + pvg;
            if (gas < pvg) gas = type(uint256).max;
            exact = fee == 0 ? 0 : gas * fee / fee != gas ? type(uint256).max : gas * fee;
        }
        assertEq(lib.maxCost(_op(v, c, pvg, fee)), exact);
    }

    function test_paymasterOf() public view {
        (bool used, address paymaster) = lib.paymasterOf("");
        assertFalse(used);
        (used, paymaster) = lib.paymasterOf(abi.encodePacked(PAYMASTER, uint256(1)));
        assertTrue(used);
        assertEq(paymaster, PAYMASTER);
        (used, paymaster) = lib.paymasterOf(hex"01");
        assertTrue(used, "a stub of a paymaster is still one");
        assertEq(paymaster, address(0));
    }

    function test_check_capAndBudget() public {
        uint256 fees = GasLib.initial(1_000, 2_500);
        (uint256 word, uint256 left) = lib.check(_op(0, 0, 1_000, 1), address(0), fees);
        assertEq(left, 1_500);
        (word, left) = lib.check(_op(0, 0, 1_000, 1), address(0), word);
        assertEq(left, 500);
        vm.expectRevert(abi.encodeWithSelector(GasLib.FeeBudgetExceeded.selector, 501, 500));
        lib.check(_op(0, 0, 501, 1), address(0), word);
        vm.expectRevert(abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, 1_001, 1_000));
        lib.check(_op(0, 0, 1_001, 1), address(0), fees);
    }

    function test_check_withoutABudgetTheWordDoesNotChange() public view {
        uint256 fees = GasLib.initial(1_000, 0);
        (uint256 word, uint256 left) = lib.check(_op(0, 0, 1_000, 1), address(0), fees);
        assertEq(word, fees);
        assertEq(left, type(uint256).max);
    }

    function test_check_paymasterRules() public {
        PackedUserOperation memory op = _op(10, 10, 10, 1e18);
        // Only the paymaster bounds gas: it must be used, then any fee passes.
        vm.expectRevert(abi.encodeWithSelector(GasLib.PaymasterRequired.selector, PAYMASTER));
        lib.check(op, PAYMASTER, GasLib.NONE);
        lib.check(_sponsored(op, PAYMASTER, 1, 1), PAYMASTER, GasLib.NONE);
        // Another paymaster, or one where none is allowed.
        vm.expectRevert(abi.encodeWithSelector(GasLib.PaymasterNotAllowed.selector, address(0xBAD)));
        lib.check(_sponsored(op, address(0xBAD), 1, 1), PAYMASTER, GasLib.NONE);
        vm.expectRevert(abi.encodeWithSelector(GasLib.PaymasterNotAllowed.selector, PAYMASTER));
        lib.check(_sponsored(op, PAYMASTER, 1, 1), address(0), GasLib.initial(1, 0));
    }

    /// Whatever an operation states, it passes only within the cap and the budget, and the budget
    /// goes down by exactly its most possible cost.
    function testFuzz_check_neverPassesABound(uint96 cap, uint96 budget, uint64 v, uint64 c, uint64 pvg, uint64 fee) public {
        cap = uint96(bound(cap, 0, type(uint96).max - 1));
        budget = uint96(bound(budget, 0, type(uint96).max - 1));
        vm.assume(cap != 0 || budget != 0);
        PackedUserOperation memory op = _op(v, c, pvg, fee);
        uint256 cost = (uint256(v) + c + pvg) * fee;
        uint256 fees = GasLib.initial(cap, budget);
        try lib.check(op, address(0), fees) returns (uint256 word, uint256 left) {
            if (cap != 0) assertLe(cost, cap, "within the cap");
            if (budget != 0) {
                assertLe(cost, budget, "within the budget");
                assertEq(left, budget - cost, "budget counted");
                assertEq(GasLib.remaining(word), left);
            }
        } catch (bytes memory reason) {
            assertTrue(
                (cap != 0 && cost > cap && bytes4(reason) == GasLib.FeeCapExceeded.selector)
                    || (budget != 0 && cost > budget && bytes4(reason) == GasLib.FeeBudgetExceeded.selector),
                "refused only over a bound"
            );
        }
    }

    function test_invalidReason() public pure {
        assertEq(GasLib.invalidReason(0, 0, address(0)), "gas is unbounded: set maxFeePerOperation, maxFeeTotal or a paymaster");
        assertEq(GasLib.invalidReason(1, 0, address(0)), "");
        assertEq(GasLib.invalidReason(0, 1, address(0)), "");
        assertEq(GasLib.invalidReason(0, 0, PAYMASTER), "");
        assertEq(GasLib.invalidReason(2, 1, address(0)), "maxFeePerOperation exceeds maxFeeTotal");
        assertEq(GasLib.invalidReason(type(uint96).max, 0, address(0)), "fee limit above 2^96 - 2");
        assertEq(GasLib.invalidReason(0, type(uint96).max, address(0)), "fee limit above 2^96 - 2");
    }
}
