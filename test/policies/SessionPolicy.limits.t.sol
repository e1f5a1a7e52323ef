// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {ISessionPolicy} from "../../contracts/interfaces/ISessionPolicy.sol";
import {RateLimitLib} from "../../contracts/libraries/RateLimitLib.sol";
import {SpendLib} from "../../contracts/libraries/SpendLib.sol";
import {SessionConfig, NATIVE_TOKEN} from "../../contracts/types/SessionTypes.sol";
import {Execution, SessionPolicyFixture} from "./SessionPolicyFixture.sol";

/// Spending caps, periodic allowances, rate windows and the lifetime call count through
/// `checkUserOpPolicy`: every limit reached exactly, then exceeded by one unit.
contract SessionPolicyLimitsTest is SessionPolicyFixture {
    uint32 internal constant HOUR = 3600;

    function _perTransactionError(address token, uint256 amount, uint256 cap) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(SpendLib.PerTransactionCapExceeded.selector, token, amount, cap);
    }

    function _totalError(address token, uint256 amount, uint256 remaining) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, token, amount, remaining);
    }

    function _periodError(address token, uint256 amount, uint256 remaining, uint32 period)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(SpendLib.PeriodAllowanceExceeded.selector, token, amount, remaining, period);
    }

    /// Checks a USDC transfer claimed at `claim` and returns its validation data.
    function _pay(uint256 amount, uint48 claim) internal returns (uint256) {
        return _check(_op(_transfer(USDC, amount), claim));
    }

    /*//////////////////////////////////////////////////////////////
                          PER-TRANSACTION CAP
    //////////////////////////////////////////////////////////////*/

    function test_perTransaction_reachedExactlyThenExceededByOne() public {
        _install(_usdcConfig());
        _pay(100, START);
        _expectRefusal(_perTransactionError(USDC, 101, 100), _op(_transfer(USDC, 101), START));
        // A batch adds up its calls: 60 + 41 is one unit over.
        _expectRefusal(
            _perTransactionError(USDC, 101, 100), _op(_batch(_transferCall(USDC, 60), _transferCall(USDC, 41)), START)
        );
        _check(_op(_batch(_transferCall(USDC, 60), _transferCall(USDC, 40)), START));
    }

    /// A named amount whose token is read from the calldata meets the same cap.
    function test_perTransaction_appliesToNamedAmounts() public {
        SessionConfig memory c = _usdcConfig();
        _addCall(c, _swapPermission());
        _install(c);
        _check(_op(_swap(USDC, 100, ACCOUNT), START));
        _expectRefusal(_perTransactionError(USDC, 101, 100), _op(_swap(USDC, 101, ACCOUNT), START));
        // Mixed in one batch with a transfer of the same token.
        bytes memory mixed = _batch(
            _transferCall(USDC, 50), Execution(ROUTER, 0, abi.encodeWithSelector(SWAP, USDC, 51, ACCOUNT, 1))
        );
        _expectRefusal(_perTransactionError(USDC, 101, 100), _op(mixed, START));
    }

    function test_perTransaction_nativeValue() public {
        _install(_nativeConfig(1 ether, 0));
        _check(_op(_single(PAYEE, 1 ether, ""), START));
        _expectRefusal(_perTransactionError(NATIVE_TOKEN, 1 ether + 1, 1 ether), _op(_single(PAYEE, 1 ether + 1, ""), START));
    }

    function testFuzz_perTransaction(uint256 amount) public {
        _install(_usdcConfig());
        if (amount > 100) {
            _expectRefusal(_perTransactionError(USDC, amount, 100), _op(_transfer(USDC, amount), START));
        } else {
            _pay(amount, START);
            assertEq(_remainingTotal(0), 1_000 - amount);
        }
    }

    /*//////////////////////////////////////////////////////////////
                               TOTAL CAP
    //////////////////////////////////////////////////////////////*/

    function test_total_reachedExactlyThenExceededByOne() public {
        SessionConfig memory c = _usdcConfig();
        c.tokens[0] = _limit(USDC, 0, 250, 0, 0);
        _install(c);
        _pay(249, START);
        _expectRefusal(_totalError(USDC, 2, 1), _op(_transfer(USDC, 2), START));
        _pay(1, START);
        assertEq(_remainingTotal(0), 0);
        _expectRefusal(_totalError(USDC, 1, 0), _op(_transfer(USDC, 1), START));
        // A new day does not lift the lifetime total.
        vm.warp(START + 5 * DAY);
        _expectRefusal(_totalError(USDC, 1, 0), _op(_transfer(USDC, 1), START + 5 * DAY));
        // Zero amounts still pass.
        _pay(0, START + 5 * DAY);
    }

    function test_total_spansPeriods() public {
        _install(_usdcConfig()); // 100 per op, 300 a day, 1,000 in total
        for (uint256 day; day < 4; ++day) {
            (uint48 first,) = _day(day);
            for (uint256 i; i < 3; ++i) {
                if (day == 3 && i == 1) break;
                _pay(100, first);
            }
        }
        assertEq(_remainingTotal(0), 0);
        (uint48 day4,) = _day(4);
        _expectRefusal(_totalError(USDC, 1, 0), _op(_transfer(USDC, 1), day4));
    }

    function test_total_nativeValueAcrossABatch() public {
        _install(_nativeConfig(0, 3 ether));
        Execution[] memory calls = new Execution[](3);
        calls[0] = Execution(PAYEE, 1 ether, "");
        calls[1] = Execution(PAYEE, 1 ether, "");
        calls[2] = Execution(PAYEE, 1 ether + 1, "");
        _expectRefusal(_totalError(NATIVE_TOKEN, 3 ether + 1, 3 ether), _op(_batch(calls), START));
        calls[2].value = 1 ether;
        _check(_op(_batch(calls), START));
        assertEq(_remainingTotal(0), 0);
    }

    /*//////////////////////////////////////////////////////////////
                           PERIOD ALLOWANCE
    //////////////////////////////////////////////////////////////*/

    function test_period_reachedExactlyThenExceededByOne() public {
        _install(_usdcConfig()); // 300 a day
        (uint48 first, uint48 last) = _day(0);
        assertEq(_pay(100, first), _range(first, last));
        _pay(100, first + 10);
        _pay(99, last);
        _expectRefusal(_periodError(USDC, 2, 1, 0), _op(_transfer(USDC, 2), last));
        _pay(1, last);
        _expectRefusal(_periodError(USDC, 1, 0, 0), _op(_transfer(USDC, 1), first));
    }

    function test_period_refillsTheNextPeriodWithoutCarryingTheRest() public {
        _install(_usdcConfig());
        _pay(100, START); // 200 left on day 0, not carried over
        (uint48 first, uint48 last) = _day(1);
        vm.warp(first);
        assertEq(_pay(100, first), _range(first, last), "the claimed day's bounds");
        assertEq(_remainingInPeriod(0), 200);
        _pay(100, first);
        _pay(100, first);
        _expectRefusal(_periodError(USDC, 1, 0, 1), _op(_transfer(USDC, 1), first));
        // Skipping days: the allowance is the same, never a sum of idle days.
        (first, last) = _day(9);
        vm.warp(first);
        _expectRefusal(_perTransactionError(USDC, 101, 100), _op(_transfer(USDC, 101), first));
        _pay(100, first);
        assertEq(_remainingInPeriod(0), 200);
    }

    function test_period_refusesAnEarlierPeriod() public {
        _install(_usdcConfig());
        (uint48 day2,) = _day(2);
        (, uint48 lastOfDay1) = _day(1);
        _pay(1, day2);
        _expectRefusal(
            abi.encodeWithSelector(SpendLib.PeriodInPast.selector, USDC, uint32(1), uint32(2)),
            _op(_transfer(USDC, 1), lastOfDay1)
        );
    }

    /// Periods count from validAfter, not from midnight or the first spend.
    function test_period_anchoredAtValidAfter() public {
        SessionConfig memory c = _usdcConfig();
        c.validAfter = START + 777;
        c.validUntil = 0;
        _install(c);
        uint48 first = START + 777 + 3 * DAY;
        assertEq(_pay(1, first + DAY - 1), _range(first, first + DAY - 1));
        assertEq(policy.getSession(ACCOUNT, ID).tokens[0].periodIndex, 0, "the view follows the clock, not claims");
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    function test_sessionUsed_reportsWhatRemains() public {
        SessionConfig memory c = _usdcConfig();
        c.window = HOUR;
        c.callsPerWindow = 3;
        c.maxCalls = 10;
        _install(c);
        (uint48 first,) = _day(2);
        PackedUserOperation memory op = _op(_transfer(USDC, 70), first);
        op.nonce = 0xabc << 64;
        vm.expectEmit(true, true, true, true, address(policy));
        emit ISessionPolicy.SessionUsed(ACCOUNT, ID, USDC, 0xabc << 64, 70, 2, 930, 230, 1, 9, type(uint256).max);
        _check(op);
    }

    function test_sessionUsed_oneEventPerTokenSpent() public {
        SessionConfig memory c = _usdcConfig();
        _addCall(c, _permission(WETH, TRANSFER));
        _addToken(c, _limit(WETH, 0, 0, 0, 0)); // listed, but no cap
        _install(c);
        Execution[] memory calls = new Execution[](3);
        calls[0] = _transferCall(WETH, 5);
        calls[1] = _transferCall(USDC, 0); // zero: no event for USDC
        calls[2] = _transferCall(WETH, 6);
        vm.expectEmit(true, true, true, true, address(policy));
        emit ISessionPolicy.SessionUsed(
            ACCOUNT, ID, WETH, 0, 11, 0, type(uint256).max, type(uint256).max, 0, type(uint32).max, type(uint256).max
        );
        _check(_op(_batch(calls), START));

        calls[1] = _transferCall(USDC, 7);
        vm.expectEmit(true, true, true, true, address(policy));
        emit ISessionPolicy.SessionUsed(ACCOUNT, ID, USDC, 0, 7, 0, 993, 293, 0, type(uint32).max, type(uint256).max);
        vm.expectEmit(true, true, true, true, address(policy));
        emit ISessionPolicy.SessionUsed(
            ACCOUNT, ID, WETH, 0, 11, 0, type(uint256).max, type(uint256).max, 0, type(uint32).max, type(uint256).max
        );
        _check(_op(_batch(calls), START));
    }

    /// A refused operation leaves every counter as it was.
    function test_refusalChangesNothing() public {
        SessionConfig memory c = _usdcConfig();
        c.window = HOUR;
        c.callsPerWindow = 3;
        c.maxCalls = 10;
        _install(c);
        _pay(100, START);
        bytes32 before = _snapshotHash(ACCOUNT, ID);
        _expectRefusal(_perTransactionError(USDC, 101, 100), _op(_transfer(USDC, 101), START));
        assertEq(_snapshotHash(ACCOUNT, ID), before);
    }

    /*//////////////////////////////////////////////////////////////
                              RATE WINDOW
    //////////////////////////////////////////////////////////////*/

    function _rateConfig(uint16 callsPerWindow, uint32 maxCalls) internal pure returns (SessionConfig memory c) {
        c = _usdcConfig();
        c.tokens[0] = _limit(USDC, 0, 0, 0, 0);
        c.window = HOUR;
        c.callsPerWindow = callsPerWindow;
        c.maxCalls = maxCalls;
    }

    function test_window_reachedExactlyThenExceededByOne() public {
        _install(_rateConfig(2, 0));
        assertEq(_pay(1, START), _range(START, START + HOUR - 1));
        _pay(1, START + HOUR - 1);
        _expectRefusal(
            abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, uint32(0), uint16(2), uint16(2), 1),
            _op(_transfer(USDC, 1), START + 5)
        );
        // The next window starts from zero.
        assertEq(_pay(1, START + HOUR), _range(START + HOUR, START + 2 * HOUR - 1));
        vm.warp(START + HOUR);
        assertEq(policy.getSession(ACCOUNT, ID).callsLeftInWindow, 1);
    }

    function test_window_batchCountsEachCall() public {
        _install(_rateConfig(2, 0));
        Execution[] memory three = new Execution[](3);
        for (uint256 i; i < 3; ++i) three[i] = _transferCall(USDC, 1);
        _expectRefusal(
            abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, uint32(0), uint16(2), uint16(0), 3),
            _op(_batch(three), START)
        );
        _check(_op(_batch(_transferCall(USDC, 1), _transferCall(USDC, 1)), START));
        _expectRefusal(
            abi.encodeWithSelector(RateLimitLib.RateLimitExceeded.selector, uint32(0), uint16(2), uint16(2), 1),
            _op(_transfer(USDC, 1), START)
        );
    }

    function test_window_refusesAnEarlierWindow() public {
        _install(_rateConfig(2, 0));
        _pay(1, START + 2 * HOUR);
        _expectRefusal(
            abi.encodeWithSelector(RateLimitLib.WindowInPast.selector, uint32(1), uint32(2)),
            _op(_transfer(USDC, 1), START + 2 * HOUR - 1)
        );
    }

    /// With a window and a period, the operation is valid only in their overlap.
    function test_window_andPeriodIntersect() public {
        SessionConfig memory c = _usdcConfig();
        c.window = 5 * HOUR; // windows cross day boundaries: 24 h is not a multiple of 5 h
        c.callsPerWindow = 10;
        _install(c);
        // Window 4 runs from hour 20 to hour 25; day 0 ends at hour 24.
        uint48 claim = START + 22 * HOUR;
        assertEq(_pay(1, claim), _range(START + 20 * HOUR, START + DAY - 1));
        claim = START + DAY + 10;
        assertEq(_pay(1, claim), _range(START + DAY, START + 25 * HOUR - 1));
    }

    /*//////////////////////////////////////////////////////////////
                             LIFETIME CALLS
    //////////////////////////////////////////////////////////////*/

    function test_maxCalls_reachedExactlyThenExceededByOne() public {
        _install(_rateConfig(100, 3));
        _pay(1, START);
        _pay(1, START + HOUR);
        _pay(1, START + 9 * DAY);
        assertEq(policy.getSession(ACCOUNT, ID).callsLeft, 0);
        _expectRefusal(
            abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, uint32(0), 1),
            _op(_transfer(USDC, 1), START + 10 * DAY)
        );
    }

    function test_maxCalls_batchCountsEachCall() public {
        _install(_rateConfig(100, 3));
        _check(_op(_batch(_transferCall(USDC, 1), _transferCall(USDC, 1)), START));
        _expectRefusal(
            abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, uint32(1), 2),
            _op(_batch(_transferCall(USDC, 1), _transferCall(USDC, 1)), START)
        );
        _pay(1, START);
    }

    /// The lifetime count needs no claim: a session without windows or periods takes none.
    function test_maxCalls_withoutAClaim() public {
        SessionConfig memory c = _usdcConfig();
        c.tokens[0] = _limit(USDC, 0, 0, 0, 0);
        c.maxCalls = 1;
        _install(c);
        _check(_opWithoutClaim(_transfer(USDC, 1)));
        _expectRefusal(
            abi.encodeWithSelector(RateLimitLib.CallLimitReached.selector, uint32(0), 1), _opWithoutClaim(_transfer(USDC, 1))
        );
    }
}
