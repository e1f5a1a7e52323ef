// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test, stdError} from "forge-std/Test.sol";
import {PeriodLib} from "../../contracts/libraries/PeriodLib.sol";

contract PeriodLibHarness {
    function indexOf(uint48 time, uint48 anchor, uint32 length) external pure returns (uint32) {
        return PeriodLib.indexOf(time, anchor, length);
    }

    function bounds(uint32 index, uint48 anchor, uint32 length) external pure returns (uint48 start, uint48 end) {
        return PeriodLib.bounds(index, anchor, length);
    }
}

/// Periods partition time from the anchor on: every second belongs to exactly one period, whose
/// bounds (both inclusive, as the EntryPoint reads them) contain it.
contract PeriodLibTest is Test {
    uint48 internal constant MAX48 = type(uint48).max;

    PeriodLibHarness internal lib;

    function setUp() public {
        lib = new PeriodLibHarness();
    }

    /*//////////////////////////////////////////////////////////////
                                 INDEX
    //////////////////////////////////////////////////////////////*/

    function test_indexOf_countsFromTheAnchor() public view {
        assertEq(lib.indexOf(1000, 1000, 60), 0);
        assertEq(lib.indexOf(1059, 1000, 60), 0);
        assertEq(lib.indexOf(1060, 1000, 60), 1);
        assertEq(lib.indexOf(1000 + 60 * 7 + 59, 1000, 60), 7);
        assertEq(lib.indexOf(0, 0, 1), 0);
    }

    function test_indexOf_refusesATimeBeforeTheAnchor() public {
        vm.expectRevert(abi.encodeWithSelector(PeriodLib.ClaimBeforeStart.selector, uint48(999), uint48(1000)));
        lib.indexOf(999, 1000, 60);
        vm.expectRevert(abi.encodeWithSelector(PeriodLib.ClaimBeforeStart.selector, uint48(0), MAX48));
        lib.indexOf(0, MAX48, 60);
    }

    function testFuzz_indexOf_refusesEveryTimeBeforeTheAnchor(uint48 time, uint48 anchor, uint32 length) public {
        vm.assume(length != 0);
        anchor = uint48(bound(anchor, 1, MAX48));
        time = uint48(bound(time, 0, anchor - 1));
        vm.expectRevert(abi.encodeWithSelector(PeriodLib.ClaimBeforeStart.selector, time, anchor));
        lib.indexOf(time, anchor, length);
    }

    function test_indexOf_lastIndexThatFitsAndTheFirstThatDoesNot() public {
        uint48 last = uint48(type(uint32).max);
        assertEq(lib.indexOf(last, 0, 1), type(uint32).max);
        vm.expectRevert(abi.encodeWithSelector(PeriodLib.ClaimTooFar.selector, last + 1));
        lib.indexOf(last + 1, 0, 1);
        // With the shortest period a session may use (60 s) the far future is still reachable.
        uint48 far = uint48(uint256(60) << 32);
        vm.expectRevert(abi.encodeWithSelector(PeriodLib.ClaimTooFar.selector, far));
        lib.indexOf(far, 0, 60);
        assertEq(lib.indexOf(far - 1, 0, 60), type(uint32).max);
    }

    function testFuzz_indexOf_refusesIndicesOver32Bits(uint48 time, uint48 anchor, uint32 length) public {
        length = uint32(bound(length, 1, 65_535));
        uint256 firstTooFar = uint256(anchor) + (uint256(type(uint32).max) + 1) * length;
        vm.assume(firstTooFar <= MAX48);
        time = uint48(bound(time, firstTooFar, MAX48));
        vm.expectRevert(abi.encodeWithSelector(PeriodLib.ClaimTooFar.selector, time));
        lib.indexOf(time, anchor, length);
    }

    /// A zero length is a division by zero: callers (the policy) refuse periods under 60 s.
    function test_indexOf_zeroLengthPanics() public {
        vm.expectRevert(stdError.divisionError);
        lib.indexOf(10, 0, 0);
    }

    /*//////////////////////////////////////////////////////////////
                                 BOUNDS
    //////////////////////////////////////////////////////////////*/

    function test_bounds_firstPeriods() public view {
        (uint48 start, uint48 end) = lib.bounds(0, 1000, 60);
        assertEq(start, 1000);
        assertEq(end, 1059);
        (start, end) = lib.bounds(1, 1000, 60);
        assertEq(start, 1060);
        assertEq(end, 1119);
        (start, end) = lib.bounds(0, 0, 1);
        assertEq(start, 0);
        assertEq(end, 0);
    }

    function test_bounds_clampToTheUint48Range() public view {
        // The period holding the last uint48 second ends there, not after it.
        (uint48 start, uint48 end) = lib.bounds(0, MAX48 - 10, 60);
        assertEq(start, MAX48 - 10);
        assertEq(end, MAX48);
        // A period starting beyond the range collapses onto its last second.
        (start, end) = lib.bounds(type(uint32).max, MAX48, type(uint32).max);
        assertEq(start, MAX48);
        assertEq(end, MAX48);
        (start, end) = lib.bounds(1, MAX48, 1);
        assertEq(start, MAX48);
        assertEq(end, MAX48);
    }

    /*//////////////////////////////////////////////////////////////
                          PARTITION PROPERTIES
    //////////////////////////////////////////////////////////////*/

    /// The period a time falls in contains it, with both ends inclusive.
    function testFuzz_timeLiesWithinItsPeriod(uint48 time, uint48 anchor, uint32 length) public view {
        length = uint32(bound(length, 1, type(uint32).max));
        time = _timeWithIndexBelow(time, anchor, length, uint256(type(uint32).max) + 1);

        uint32 index = lib.indexOf(time, anchor, length);
        (uint48 start, uint48 end) = lib.bounds(index, anchor, length);
        assertLe(start, time, "start <= time");
        assertGe(end, time, "time <= end");
        assertEq(uint256(start), uint256(anchor) + uint256(index) * length, "start is where the index says");
        assertEq(uint256(end), _min(uint256(start) + length - 1, MAX48), "length seconds, clamped");
    }

    /// No second belongs to two periods: the neighbours of a time's period exclude it.
    function testFuzz_noSecondInTwoPeriods(uint48 time, uint48 anchor, uint32 length) public view {
        length = uint32(bound(length, 1, type(uint32).max));
        time = _timeWithIndexBelow(time, anchor, length, type(uint32).max);

        uint32 index = lib.indexOf(time, anchor, length);
        if (index > 0) {
            (, uint48 previousEnd) = lib.bounds(index - 1, anchor, length);
            assertLt(previousEnd, time, "the previous period ends before");
        }
        (uint48 nextStart,) = lib.bounds(index + 1, anchor, length);
        if (uint256(anchor) + uint256(index + 1) * length <= MAX48) assertGt(nextStart, time, "the next starts after");
        else assertEq(nextStart, MAX48, "a next period beyond the range is clamped");
    }

    /// Consecutive periods touch: each starts the second after the previous one ends.
    function testFuzz_periodsAreContiguous(uint32 index, uint48 anchor, uint32 length) public view {
        length = uint32(bound(length, 1, type(uint32).max));
        anchor = uint48(bound(anchor, 0, uint256(MAX48) + 1 - 2 * uint256(length)));
        // Both periods lie inside the uint48 range: anchor + (index + 2)·length − 1 <= MAX48.
        uint256 maxIndex = (uint256(MAX48) + 1 - anchor) / length - 2;
        index = uint32(bound(index, 0, _min(maxIndex, type(uint32).max - 1)));

        (uint48 start, uint48 end) = lib.bounds(index, anchor, length);
        (uint48 nextStart,) = lib.bounds(index + 1, anchor, length);
        assertEq(uint256(nextStart), uint256(end) + 1);
        assertEq(uint256(end) - start + 1, length);
    }

    /// Both bounds map back to their own index, and the second after the end to the next one.
    function testFuzz_boundsMapBackToTheirIndex(uint32 index, uint48 anchor, uint32 length) public view {
        length = uint32(bound(length, 1, type(uint32).max));
        anchor = uint48(bound(anchor, 0, MAX48 - length));
        // anchor + (index + 1)·length <= MAX48, so end + 1 is still a uint48.
        uint256 maxIndex = (uint256(MAX48) - anchor) / length - 1;
        index = uint32(bound(index, 0, _min(maxIndex, type(uint32).max - 1)));

        (uint48 start, uint48 end) = lib.bounds(index, anchor, length);
        assertEq(lib.indexOf(start, anchor, length), index, "start");
        assertEq(lib.indexOf(end, anchor, length), index, "end");
        assertEq(lib.indexOf(end + 1, anchor, length), index + 1, "end + 1");
        if (start > anchor) assertEq(lib.indexOf(start - 1, anchor, length), index - 1, "start - 1");
    }

    /// A time at or after `anchor` whose period index is below `indexLimit`.
    function _timeWithIndexBelow(uint48 time, uint48 anchor, uint32 length, uint256 indexLimit)
        private
        pure
        returns (uint48)
    {
        uint256 last = _min(uint256(anchor) + indexLimit * length - 1, MAX48);
        return uint48(bound(time, anchor, last));
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
