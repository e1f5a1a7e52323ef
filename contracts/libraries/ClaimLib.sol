// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The time claim a session key puts in a policy's own signature slice: a uint48 timestamp,
/// 6 bytes big-endian. The policy derives period and window indices from it and returns their
/// bounds as validation data, so the EntryPoint rejects a claim that is not the current time's.
/// @dev The slice is not covered by the userOpHash: whoever holds a signed operation may re-aim
/// its claim at a later period, where that period's limits apply (see docs/policies).
library ClaimLib {
    /// @dev The slice is neither empty nor exactly 6 bytes.
    error MalformedClaim(uint256 length);
    /// @dev The session counts periods or windows but the operation carries no time claim.
    error MissingClaim();

    /// @return present Whether a claim is there. @return time The claimed timestamp.
    function read(bytes calldata slice) internal pure returns (bool present, uint48 time) {
        if (slice.length == 0) return (false, 0);
        if (slice.length != 6) revert MalformedClaim(slice.length);
        return (true, uint48(bytes6(slice)));
    }

    function require_(bytes calldata slice) internal pure returns (uint48 time) {
        bool present;
        (present, time) = read(slice);
        if (!present) revert MissingClaim();
    }
}
