// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice ERC-4337 validation data: `aggregator (20) | validUntil (6) | validAfter (6)`, low to high.
/// Policies return a time range instead of reading the clock (ERC-7562 forbids TIMESTAMP in validation).
library ValidationDataLib {
    /// @dev "No expiry" as the EntryPoint reads it.
    uint48 internal constant FOREVER = type(uint48).max;

    /// @notice A successful validation valid from `validAfter` to `validUntil` (inclusive).
    function pack(uint48 validAfter, uint48 validUntil) internal pure returns (uint256) {
        return (uint256(validUntil) << 160) | (uint256(validAfter) << 208);
    }

    /// @notice `validUntil` with 0 read as "no expiry".
    function until(uint48 validUntil) internal pure returns (uint48) {
        return validUntil == 0 ? FOREVER : validUntil;
    }
}
