// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Fixed-length periods counted from an anchor: index k covers
/// [anchor + k·length, anchor + (k+1)·length − 1], both ends inclusive as the EntryPoint reads them,
/// so no second belongs to two periods.
library PeriodLib {
    /// @dev The claimed time lies before the first period.
    error ClaimBeforeStart(uint48 claim, uint48 anchor);
    /// @dev The claimed time is so far out that its index does not fit 32 bits.
    error ClaimTooFar(uint48 claim);

    function indexOf(uint48 time, uint48 anchor, uint32 length) internal pure returns (uint32) {
        if (time < anchor) revert ClaimBeforeStart(time, anchor);
        uint256 index = (uint256(time) - anchor) / length;
        if (index > type(uint32).max) revert ClaimTooFar(time);
        return uint32(index);
    }

    /// @notice First and last second of period `index` (the last clamped to the uint48 range).
    function bounds(uint32 index, uint48 anchor, uint32 length) internal pure returns (uint48 start, uint48 end) {
        uint256 s = uint256(anchor) + uint256(index) * length;
        uint256 e = s + length - 1;
        start = s > type(uint48).max ? type(uint48).max : uint48(s);
        end = e > type(uint48).max ? type(uint48).max : uint48(e);
    }
}
