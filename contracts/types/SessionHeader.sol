// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice SessionPolicy's header of one session: a single word, read and written by every
/// operation. Fields, low bits to high: status (8) | generation (16) | flags (8: bit 0 a fee cap or
/// budget, bit 1 a paymaster) | validAfter (48) | validUntil (48) | window (32) | callsPerWindow (16)
/// | windowIndex (32) | callsInWindow (16) | callsLeft (32). Read one field with its getter, or all
/// of them at once with `unpack`; `pack` and the setters return a new header.
type SessionHeader is uint256;

using SessionHeaderLib for SessionHeader global;

/// @notice A header's fields, for code that reads or changes several of them.
struct HeaderFields {
    uint8 status;
    /// @dev Bumped by every registration of the id: keys the session's sub-tables.
    uint16 generation;
    /// @dev A fee cap or a fee budget: the fees word is read by every operation.
    bool hasFees;
    bool hasPaymaster;
    uint48 validAfter;
    uint48 validUntil;
    uint32 window;
    uint16 callsPerWindow;
    uint32 windowIndex;
    uint16 callsInWindow;
    uint32 callsLeft;
}

library SessionHeaderLib {
    uint256 private constant GENERATION = 8;
    uint256 private constant FLAGS = 24;
    uint256 private constant VALID_AFTER = 32;
    uint256 private constant VALID_UNTIL = 80;
    uint256 private constant WINDOW = 128;
    uint256 private constant CALLS_PER_WINDOW = 160;
    uint256 private constant WINDOW_INDEX = 176;
    uint256 private constant CALLS_IN_WINDOW = 208;
    uint256 private constant CALLS_LEFT = 224;

    /*//////////////////////////////////////////////////////////////
                               ALL FIELDS
    //////////////////////////////////////////////////////////////*/

    function pack(HeaderFields memory f) internal pure returns (SessionHeader) {
        return SessionHeader.wrap(
            uint256(f.status) | (uint256(f.generation) << 8) | (f.hasFees ? 1 << 24 : 0) | (f.hasPaymaster ? 1 << 25 : 0)
                | (uint256(f.validAfter) << 32) | (uint256(f.validUntil) << 80) | (uint256(f.window) << 128)
                | (uint256(f.callsPerWindow) << 160) | (uint256(f.windowIndex) << 176)
                | (uint256(f.callsInWindow) << 208) | (uint256(f.callsLeft) << 224)
        );
    }

    function unpack(SessionHeader h) internal pure returns (HeaderFields memory f) {
        uint256 w = SessionHeader.unwrap(h);
        f.status = uint8(w);
        f.generation = uint16(w >> 8);
        f.hasFees = (w >> 24) & 1 != 0;
        f.hasPaymaster = (w >> 25) & 1 != 0;
        f.validAfter = uint48(w >> 32);
        f.validUntil = uint48(w >> 80);
        f.window = uint32(w >> 128);
        f.callsPerWindow = uint16(w >> 160);
        f.windowIndex = uint32(w >> 176);
        f.callsInWindow = uint16(w >> 208);
        f.callsLeft = uint32(w >> 224);
    }

    /*//////////////////////////////////////////////////////////////
                                GETTERS
    //////////////////////////////////////////////////////////////*/

    function status(SessionHeader h) internal pure returns (uint8) {
        return uint8(SessionHeader.unwrap(h));
    }

    function generation(SessionHeader h) internal pure returns (uint16) {
        return uint16(SessionHeader.unwrap(h) >> GENERATION);
    }

    function hasFees(SessionHeader h) internal pure returns (bool) {
        return (SessionHeader.unwrap(h) >> FLAGS) & 1 != 0;
    }

    function hasPaymaster(SessionHeader h) internal pure returns (bool) {
        return (SessionHeader.unwrap(h) >> (FLAGS + 1)) & 1 != 0;
    }

    function validAfter(SessionHeader h) internal pure returns (uint48) {
        return uint48(SessionHeader.unwrap(h) >> VALID_AFTER);
    }

    function validUntil(SessionHeader h) internal pure returns (uint48) {
        return uint48(SessionHeader.unwrap(h) >> VALID_UNTIL);
    }

    function window(SessionHeader h) internal pure returns (uint32) {
        return uint32(SessionHeader.unwrap(h) >> WINDOW);
    }

    function callsPerWindow(SessionHeader h) internal pure returns (uint16) {
        return uint16(SessionHeader.unwrap(h) >> CALLS_PER_WINDOW);
    }

    function windowIndex(SessionHeader h) internal pure returns (uint32) {
        return uint32(SessionHeader.unwrap(h) >> WINDOW_INDEX);
    }

    function callsInWindow(SessionHeader h) internal pure returns (uint16) {
        return uint16(SessionHeader.unwrap(h) >> CALLS_IN_WINDOW);
    }

    function callsLeft(SessionHeader h) internal pure returns (uint32) {
        return uint32(SessionHeader.unwrap(h) >> CALLS_LEFT);
    }

    /*//////////////////////////////////////////////////////////////
                                SETTERS
    //////////////////////////////////////////////////////////////*/

    /// @dev The fields an operation or a revocation changes; the others are set by `pack` only.
    function setStatus(SessionHeader h, uint8 value) internal pure returns (SessionHeader) {
        return SessionHeader.wrap((SessionHeader.unwrap(h) & ~uint256(0xff)) | uint256(value));
    }

    function setWindowIndex(SessionHeader h, uint32 value) internal pure returns (SessionHeader) {
        return SessionHeader.wrap((SessionHeader.unwrap(h) & ~(uint256(0xffffffff) << 176)) | (uint256(value) << 176));
    }

    function setCallsInWindow(SessionHeader h, uint16 value) internal pure returns (SessionHeader) {
        return SessionHeader.wrap((SessionHeader.unwrap(h) & ~(uint256(0xffff) << 208)) | (uint256(value) << 208));
    }

    function setCallsLeft(SessionHeader h, uint32 value) internal pure returns (SessionHeader) {
        return SessionHeader.wrap((SessionHeader.unwrap(h) & ~(uint256(0xffffffff) << 224)) | (uint256(value) << 224));
    }
}
