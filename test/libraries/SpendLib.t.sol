// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {SpendLib} from "../../contracts/libraries/SpendLib.sol";

contract SpendLibHarness {
    function encode(SpendLib.State calldata state) external pure returns (uint256) {
        return SpendLib.encode(state);
    }

    function decode(uint256 word) external pure returns (SpendLib.State memory) {
        return SpendLib.decode(word);
    }

    function encodeLimits(SpendLib.Limits calldata limits) external pure returns (uint256) {
        return SpendLib.encode(limits);
    }

    function decodeLimits(uint256 word) external pure returns (SpendLib.Limits memory) {
        return SpendLib.decodeLimits(word);
    }

    function initial(uint256 total, uint256 perPeriod, uint32 period) external pure returns (SpendLib.State memory) {
        return SpendLib.initial(total, perPeriod, period);
    }

    function rollsOver(SpendLib.State calldata state, uint32 index) external pure returns (bool) {
        return SpendLib.rollsOver(state, index);
    }

    function spend(
        SpendLib.State calldata state,
        address token,
        uint256 amount,
        uint256 perTransaction,
        uint32 index,
        uint96 refill
    ) external pure returns (SpendLib.State memory after_) {
        after_ = state;
        SpendLib.spend(after_, token, amount, perTransaction, index, refill);
    }

    function remainingInPeriod(SpendLib.State calldata state, uint96 perPeriod, uint32 index)
        external
        pure
        returns (uint256)
    {
        return SpendLib.remainingInPeriod(state, perPeriod, index);
    }
}

contract SpendLibTest is Test {
    uint96 internal constant UNLIMITED = type(uint96).max;
    address internal constant TOKEN = address(0x70CE);

    SpendLibHarness internal lib;

    function setUp() public {
        lib = new SpendLibHarness();
    }

    function _state(uint96 total, uint96 inPeriod, uint32 index, uint32 period)
        internal
        pure
        returns (SpendLib.State memory)
    {
        return SpendLib.State({remainingTotal: total, remainingInPeriod: inPeriod, periodIndex: index, period: period});
    }

    function _assertState(SpendLib.State memory a, SpendLib.State memory b) internal pure {
        assertEq(a.remainingTotal, b.remainingTotal, "remainingTotal");
        assertEq(a.remainingInPeriod, b.remainingInPeriod, "remainingInPeriod");
        assertEq(a.periodIndex, b.periodIndex, "periodIndex");
        assertEq(a.period, b.period, "period");
    }

    /*//////////////////////////////////////////////////////////////
                                 CODECS
    //////////////////////////////////////////////////////////////*/

    function test_encode_layout() public view {
        assertEq(lib.encode(_state(1, 0, 0, 0)), 1);
        assertEq(lib.encode(_state(0, 1, 0, 0)), 1 << 96);
        assertEq(lib.encode(_state(0, 0, 1, 0)), 1 << 192);
        assertEq(lib.encode(_state(0, 0, 0, 1)), 1 << 224);
        assertEq(lib.encodeLimits(SpendLib.Limits({perTransaction: 1, perPeriod: 0})), 1);
        assertEq(lib.encodeLimits(SpendLib.Limits({perTransaction: 0, perPeriod: 1})), 1 << 96);
    }

    function testFuzz_state_roundTrips(uint96 total, uint96 inPeriod, uint32 index, uint32 period) public view {
        SpendLib.State memory state = _state(total, inPeriod, index, period);
        _assertState(lib.decode(lib.encode(state)), state);
    }

    /// The state fills its word exactly: every word is some state.
    function testFuzz_state_wordRoundTrips(uint256 word) public view {
        assertEq(lib.encode(lib.decode(word)), word);
    }

    function testFuzz_limits_roundTrip(uint96 perTransaction, uint96 perPeriod, uint256 word) public view {
        SpendLib.Limits memory limits = lib.decodeLimits(
            lib.encodeLimits(SpendLib.Limits({perTransaction: perTransaction, perPeriod: perPeriod}))
        );
        assertEq(limits.perTransaction, perTransaction);
        assertEq(limits.perPeriod, perPeriod);
        // The top 64 bits are not part of the limits.
        assertEq(lib.encodeLimits(lib.decodeLimits(word)), word & type(uint192).max);
    }

    /*//////////////////////////////////////////////////////////////
                             INITIAL STATE
    //////////////////////////////////////////////////////////////*/

    function test_initial_zeroTotalIsUnlimited() public view {
        _assertState(lib.initial(0, 0, 0), _state(UNLIMITED, 0, 0, 0));
        _assertState(lib.initial(0, 50, 3600), _state(UNLIMITED, 50, 0, 3600));
    }

    function testFuzz_initial_fullAllowances(uint96 total, uint96 perPeriod, uint32 period) public view {
        vm.assume(total != 0);
        _assertState(lib.initial(total, perPeriod, period), _state(total, perPeriod, 0, period));
    }

    /*//////////////////////////////////////////////////////////////
                               ROLLOVER
    //////////////////////////////////////////////////////////////*/

    function test_rollsOver() public view {
        assertFalse(lib.rollsOver(_state(1, 1, 5, 0), 9), "no period never rolls over");
        assertFalse(lib.rollsOver(_state(1, 1, 5, 60), 5), "same period");
        assertFalse(lib.rollsOver(_state(1, 1, 5, 60), 4), "earlier period");
        assertTrue(lib.rollsOver(_state(1, 1, 5, 60), 6), "next period");
        assertTrue(lib.rollsOver(_state(1, 1, 0, 60), type(uint32).max), "any later period");
    }

    function test_remainingInPeriod() public view {
        assertEq(lib.remainingInPeriod(_state(1, 7, 5, 0), 100, 9), type(uint256).max, "no period");
        assertEq(lib.remainingInPeriod(_state(1, 7, 5, 60), 100, 5), 7, "same period");
        assertEq(lib.remainingInPeriod(_state(1, 7, 5, 60), 100, 6), 100, "refilled");
        assertEq(lib.remainingInPeriod(_state(1, 7, 5, 60), 100, 4), 7, "an earlier period reads the current one");
    }

    /*//////////////////////////////////////////////////////////////
                          PER-TRANSACTION CAP
    //////////////////////////////////////////////////////////////*/

    function test_spend_perTransactionCapReachedExactly() public view {
        _assertState(lib.spend(_state(UNLIMITED, 0, 0, 0), TOKEN, 100, 100, 0, 0), _state(UNLIMITED, 0, 0, 0));
        _assertState(lib.spend(_state(500, 0, 0, 0), TOKEN, 100, 100, 0, 0), _state(400, 0, 0, 0));
    }

    function test_spend_perTransactionCapExceededByOne() public {
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PerTransactionCapExceeded.selector, TOKEN, 101, 100));
        lib.spend(_state(UNLIMITED, 0, 0, 0), TOKEN, 101, 100, 0, 0);
    }

    function test_spend_zeroPerTransactionCapIsOff() public view {
        _assertState(lib.spend(_state(UNLIMITED, 0, 0, 0), TOKEN, type(uint256).max, 0, 0, 0), _state(UNLIMITED, 0, 0, 0));
    }

    /// The per-transaction cap is checked first, whatever else would fail.
    function test_spend_perTransactionCapIsCheckedFirst() public {
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PerTransactionCapExceeded.selector, TOKEN, 11, 10));
        lib.spend(_state(5, 5, 3, 60), TOKEN, 11, 10, 2, 5);
    }

    /*//////////////////////////////////////////////////////////////
                           PERIOD ALLOWANCE
    //////////////////////////////////////////////////////////////*/

    function test_spend_periodAllowanceReachedExactly() public view {
        _assertState(lib.spend(_state(UNLIMITED, 30, 2, 60), TOKEN, 30, 0, 2, 50), _state(UNLIMITED, 0, 2, 60));
    }

    function test_spend_periodAllowanceExceededByOne() public {
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PeriodAllowanceExceeded.selector, TOKEN, 31, 30, uint32(2)));
        lib.spend(_state(UNLIMITED, 30, 2, 60), TOKEN, 31, 0, 2, 50);
    }

    function test_spend_rolloverRefills() public view {
        // An empty period 2 does not hold back period 3: it starts from the refill.
        _assertState(lib.spend(_state(UNLIMITED, 0, 2, 60), TOKEN, 50, 0, 3, 50), _state(UNLIMITED, 0, 3, 60));
        _assertState(lib.spend(_state(UNLIMITED, 0, 2, 60), TOKEN, 0, 0, 9, 50), _state(UNLIMITED, 50, 9, 60));
    }

    function test_spend_rolloverDoesNotCarryTheRest() public {
        // 30 left in period 2 do not add to period 3's 50.
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PeriodAllowanceExceeded.selector, TOKEN, 51, 50, uint32(3)));
        lib.spend(_state(UNLIMITED, 30, 2, 60), TOKEN, 51, 0, 3, 50);
    }

    function test_spend_refusesAnEarlierPeriod() public {
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PeriodInPast.selector, TOKEN, uint32(1), uint32(2)));
        lib.spend(_state(UNLIMITED, 30, 2, 60), TOKEN, 0, 0, 1, 50);
    }

    function test_spend_withoutPeriodIgnoresTheIndex() public view {
        _assertState(lib.spend(_state(100, 0, 0, 0), TOKEN, 40, 0, 77, 9), _state(60, 0, 0, 0));
        _assertState(lib.spend(_state(100, 0, 5, 0), TOKEN, 40, 0, 1, 9), _state(60, 0, 5, 0));
    }

    /*//////////////////////////////////////////////////////////////
                               TOTAL CAP
    //////////////////////////////////////////////////////////////*/

    function test_spend_totalReachedExactly() public view {
        _assertState(lib.spend(_state(100, 0, 0, 0), TOKEN, 100, 0, 0, 0), _state(0, 0, 0, 0));
        _assertState(lib.spend(_state(100, 500, 1, 60), TOKEN, 100, 0, 1, 500), _state(0, 400, 1, 60));
    }

    function test_spend_totalExceededByOne() public {
        vm.expectRevert(abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, TOKEN, 101, 100));
        lib.spend(_state(100, 0, 0, 0), TOKEN, 101, 0, 0, 0);
        // A fresh period's allowance does not lift the lifetime total.
        vm.expectRevert(abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, TOKEN, 11, 10));
        lib.spend(_state(10, 0, 1, 60), TOKEN, 11, 0, 2, 500);
    }

    function test_spend_nothingLeftRefusesOneUnit() public {
        vm.expectRevert(abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, TOKEN, 1, 0));
        lib.spend(_state(0, 0, 0, 0), TOKEN, 1, 0, 0, 0);
        _assertState(lib.spend(_state(0, 0, 0, 0), TOKEN, 0, 0, 0, 0), _state(0, 0, 0, 0));
    }

    function testFuzz_spend_unlimitedTotalNeverMoves(uint256 amount) public view {
        _assertState(lib.spend(_state(UNLIMITED, 0, 0, 0), TOKEN, amount, 0, 0, 0), _state(UNLIMITED, 0, 0, 0));
    }

    /*//////////////////////////////////////////////////////////////
                               PROPERTIES
    //////////////////////////////////////////////////////////////*/

    /// One spend against a plain model: the error is the first limit passed, and a success takes
    /// exactly `amount` from each limited counter (after any refill).
    function testFuzz_spend_matchesModel(
        uint96 total,
        uint96 inPeriod,
        uint32 lastIndex,
        uint32 period,
        uint256 amount,
        uint96 perTransaction,
        uint32 index,
        uint96 refill
    ) public {
        amount = bound(amount, 0, uint256(type(uint96).max) + 2);
        SpendLib.State memory state = _state(total, inPeriod, lastIndex, period);
        bytes memory err = _expectedError(state, amount, perTransaction, index, refill);
        if (err.length != 0) {
            vm.expectRevert(err);
            lib.spend(state, TOKEN, amount, perTransaction, index, refill);
            return;
        }
        SpendLib.State memory expected = _state(total, inPeriod, lastIndex, period);
        if (period != 0) {
            if (index > lastIndex) (expected.periodIndex, expected.remainingInPeriod) = (index, refill);
            expected.remainingInPeriod -= uint96(amount);
        }
        if (total != UNLIMITED) expected.remainingTotal -= uint96(amount);
        _assertState(lib.spend(state, TOKEN, amount, perTransaction, index, refill), expected);
    }

    /// A run of spends over periods with a refill: no counter ever goes below zero, a period never
    /// spends more than its allowance, and the lifetime spending never passes the total.
    function testFuzz_spend_sequenceNeverOverspends(uint96 total, uint96 perPeriod, uint96 perTx, uint256 seed)
        public
        view
    {
        Run memory run;
        run.total = uint96(bound(total, 1, 1_000));
        run.perPeriod = uint96(bound(perPeriod, 1, 400));
        run.perTx = uint96(bound(perTx, 0, run.perPeriod));
        run.state = lib.initial(run.total, run.perPeriod, 3600);
        for (uint256 step; step < 24; ++step) {
            _spendStep(run, uint256(keccak256(abi.encode(seed, step))));
        }
    }

    /// One run of spends: its limits, what it has spent, and the library's state.
    struct Run {
        uint96 total;
        uint96 perPeriod;
        uint96 perTx;
        uint256 spentTotal;
        uint256 spentInPeriod;
        SpendLib.State state;
    }

    function _spendStep(Run memory run, uint256 r) private view {
        uint32 index = run.state.periodIndex + uint32(r % 4 == 0 ? 1 : 0);
        uint256 amount = (r >> 8) % (uint256(run.perPeriod) + 2);
        try lib.spend(run.state, TOKEN, amount, run.perTx, index, run.perPeriod) returns (
            SpendLib.State memory next
        ) {
            if (index != run.state.periodIndex) run.spentInPeriod = 0;
            run.spentTotal += amount;
            run.spentInPeriod += amount;
            run.state = next;
            assertLe(run.spentInPeriod, run.perPeriod, "period allowance");
            assertLe(run.spentTotal, run.total, "total cap");
            if (run.perTx != 0) assertLe(amount, run.perTx, "per-transaction cap");
            assertEq(run.state.remainingTotal, run.total - run.spentTotal, "remaining total = cap - spent");
            assertEq(
                run.state.remainingInPeriod,
                run.perPeriod - run.spentInPeriod,
                "remaining in period = allowance - spent"
            );
        } catch {
            uint256 periodLeft = index != run.state.periodIndex ? run.perPeriod : run.state.remainingInPeriod;
            assertTrue(
                (run.perTx != 0 && amount > run.perTx) || amount > periodLeft || amount > run.state.remainingTotal,
                "refused only over a limit"
            );
        }
    }

    /// The error `spend` must raise for these inputs, or empty when it must succeed.
    function _expectedError(
        SpendLib.State memory s,
        uint256 amount,
        uint96 perTransaction,
        uint32 index,
        uint96 refill
    ) internal pure returns (bytes memory) {
        if (perTransaction != 0 && amount > perTransaction) {
            return abi.encodeWithSelector(SpendLib.PerTransactionCapExceeded.selector, TOKEN, amount, perTransaction);
        }
        if (s.period != 0) {
            if (index < s.periodIndex) {
                return abi.encodeWithSelector(SpendLib.PeriodInPast.selector, TOKEN, index, s.periodIndex);
            }
            uint96 left = index > s.periodIndex ? refill : s.remainingInPeriod;
            if (amount > left) {
                return abi.encodeWithSelector(SpendLib.PeriodAllowanceExceeded.selector, TOKEN, amount, left, index);
            }
        }
        if (s.remainingTotal != UNLIMITED && amount > s.remainingTotal) {
            return abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, TOKEN, amount, s.remainingTotal);
        }
        return "";
    }
}
