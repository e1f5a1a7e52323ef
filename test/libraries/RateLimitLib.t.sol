// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {RateLimitLib} from "../../contracts/libraries/RateLimitLib.sol";

contract RateLimitLibHarness {
    function countInWindow(uint16 limit, uint32 lastIndex, uint16 lastCount, uint32 index, uint256 calls)
        external
        pure
        returns (uint16)
    {
        return RateLimitLib.countInWindow(limit, lastIndex, lastCount, index, calls);
    }

    function countLifetime(uint32 callsLeft, uint256 calls) external pure returns (uint32) {
        return RateLimitLib.countLifetime(callsLeft, calls);
    }
}

contract RateLimitLibTest is Test {
    uint32 internal constant UNLIMITED = type(uint32).max;

    RateLimitLibHarness internal lib;

    function setUp() public {
        lib = new RateLimitLibHarness();
    }

    /*//////////////////////////////////////////////////////////////
                                 WINDOW
    //////////////////////////////////////////////////////////////*/

    function test_countInWindow_addsUpWithinAWindow() public view {
        assertEq(lib.countInWindow(5, 3, 0, 3, 1), 1);
        assertEq(lib.countInWindow(5, 3, 1, 3, 2), 3);
        // A batch counts each of its calls.
        assertEq(lib.countInWindow(5, 0, 0, 0, 4), 4);
    }

    function test_countInWindow_reachesTheLimitExactly() public view {
        assertEq(lib.countInWindow(3, 7, 2, 7, 1), 3);
        assertEq(lib.countInWindow(3, 7, 0, 7, 3), 3);
    }

    function test_countInWindow_refusesOneCallOverTheLimit() public {
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, uint32(7), uint16(3), uint16(3), 1));
        lib.countInWindow(3, 7, 3, 7, 1);
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, uint32(7), uint16(3), uint16(2), 2));
        lib.countInWindow(3, 7, 2, 7, 2);
        // A batch larger than a whole window's limit never fits, even in a fresh window.
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, uint32(8), uint16(3), uint16(0), 4));
        lib.countInWindow(3, 7, 3, 8, 4);
    }

    function test_countInWindow_aLaterWindowStartsFromZero() public view {
        // The last window was full; the next one and any later one start empty.
        assertEq(lib.countInWindow(3, 7, 3, 8, 3), 3);
        assertEq(lib.countInWindow(3, 7, 3, 1000, 1), 1);
        assertEq(lib.countInWindow(3, 0, 3, type(uint32).max, 2), 2);
    }

    function test_countInWindow_refusesAnEarlierWindow() public {
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.WindowInPast.selector, uint32(6), uint32(7)));
        lib.countInWindow(3, 7, 0, 6, 1);
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.WindowInPast.selector, uint32(0), type(uint32).max));
        lib.countInWindow(3, type(uint32).max, 0, 0, 0);
    }

    /// The count matches a plain model: refused exactly when it would pass the limit.
    function testFuzz_countInWindow_matchesModel(
        uint16 limit,
        uint32 lastIndex,
        uint16 lastCount,
        uint32 index,
        uint256 calls
    ) public {
        lastCount = uint16(bound(lastCount, 0, limit));
        // Batches are bounded by calldata size; stay clear of uint256 overflow.
        calls = bound(calls, 0, uint256(type(uint16).max) * 2);
        if (index < lastIndex) {
            vm.expectRevert(abi.encodeWithSelector(RateLimitLib.WindowInPast.selector, index, lastIndex));
            lib.countInWindow(limit, lastIndex, lastCount, index, calls);
            return;
        }
        uint256 used = index == lastIndex ? lastCount : 0;
        if (used + calls > limit) {
            vm.expectRevert(
                abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, index, limit, uint16(used), calls)
            );
            lib.countInWindow(limit, lastIndex, lastCount, index, calls);
            return;
        }
        assertEq(lib.countInWindow(limit, lastIndex, lastCount, index, calls), used + calls);
    }

    /// Whatever sequence of windows and batches is asked, no window ever counts more than the limit.
    function testFuzz_countInWindow_neverPassesTheLimit(uint16 limit, uint256 seed) public view {
        limit = uint16(bound(limit, 1, 20));
        uint32 lastIndex;
        uint16 lastCount;
        uint256 inWindow;
        for (uint256 step; step < 24; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint32 index = lastIndex + uint32(r % 3 == 0 ? 1 : 0);
            uint256 calls = (r >> 8) % 4;
            try lib.countInWindow(limit, lastIndex, lastCount, index, calls) returns (uint16 count) {
                inWindow = index == lastIndex ? inWindow + calls : calls;
                assertEq(count, inWindow, "count is the calls accepted in this window");
                assertLe(count, limit, "never above the limit");
                (lastIndex, lastCount) = (index, count);
            } catch {
                uint256 used = index == lastIndex ? inWindow : 0;
                assertGt(used + calls, limit, "refused only when over the limit");
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                                LIFETIME
    //////////////////////////////////////////////////////////////*/

    function test_countLifetime_unlimitedNeverCounts() public view {
        assertEq(lib.countLifetime(UNLIMITED, 1), UNLIMITED);
        assertEq(lib.countLifetime(UNLIMITED, type(uint256).max), UNLIMITED);
    }

    function test_countLifetime_reachesZeroExactly() public view {
        assertEq(lib.countLifetime(3, 1), 2);
        assertEq(lib.countLifetime(3, 3), 0);
        assertEq(lib.countLifetime(0, 0), 0);
    }

    function test_countLifetime_refusesOneCallOverTheLimit() public {
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, uint32(3), 4));
        lib.countLifetime(3, 4);
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, uint32(0), 1));
        lib.countLifetime(0, 1);
        vm.expectRevert(abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, UNLIMITED - 1, uint256(UNLIMITED)));
        lib.countLifetime(UNLIMITED - 1, UNLIMITED);
    }

    function testFuzz_countLifetime_matchesModel(uint32 callsLeft, uint256 calls) public {
        if (callsLeft == UNLIMITED) {
            assertEq(lib.countLifetime(callsLeft, calls), UNLIMITED);
        } else if (calls > callsLeft) {
            vm.expectRevert(abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, callsLeft, calls));
            lib.countLifetime(callsLeft, calls);
        } else {
            assertEq(lib.countLifetime(callsLeft, calls), callsLeft - calls);
        }
    }
}
