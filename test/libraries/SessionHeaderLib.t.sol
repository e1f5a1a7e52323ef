// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {HeaderFields, SessionHeader, SessionHeaderLib} from "../../contracts/types/SessionHeader.sol";

contract SessionHeaderLibTest is Test {
    function _fields(uint256 seed) internal pure returns (HeaderFields memory f) {
        f.status = uint8(seed);
        f.generation = uint16(seed >> 8);
        f.hasFees = (seed >> 24) & 1 != 0;
        f.hasPaymaster = (seed >> 25) & 1 != 0;
        f.validAfter = uint48(seed >> 32);
        f.validUntil = uint48(seed >> 80);
        f.window = uint32(seed >> 128);
        f.callsPerWindow = uint16(seed >> 160);
        f.windowIndex = uint32(seed >> 176);
        f.callsInWindow = uint16(seed >> 208);
        f.callsLeft = uint32(seed >> 224);
    }

    function _assertEq(HeaderFields memory a, HeaderFields memory b) internal pure {
        assertEq(a.status, b.status, "status");
        assertEq(a.generation, b.generation, "generation");
        assertEq(a.hasFees, b.hasFees, "hasFees");
        assertEq(a.hasPaymaster, b.hasPaymaster, "hasPaymaster");
        assertEq(a.validAfter, b.validAfter, "validAfter");
        assertEq(a.validUntil, b.validUntil, "validUntil");
        assertEq(a.window, b.window, "window");
        assertEq(a.callsPerWindow, b.callsPerWindow, "callsPerWindow");
        assertEq(a.windowIndex, b.windowIndex, "windowIndex");
        assertEq(a.callsInWindow, b.callsInWindow, "callsInWindow");
        assertEq(a.callsLeft, b.callsLeft, "callsLeft");
    }

    function testFuzz_packThenUnpack_givesEveryField(uint256 seed) public pure {
        HeaderFields memory f = _fields(seed);
        _assertEq(SessionHeaderLib.pack(f).unpack(), f);
    }

    function testFuzz_getters_readWhatPackWrote(uint256 seed) public pure {
        HeaderFields memory f = _fields(seed);
        SessionHeader h = SessionHeaderLib.pack(f);
        assertEq(h.status(), f.status);
        assertEq(h.generation(), f.generation);
        assertEq(h.hasFees(), f.hasFees);
        assertEq(h.hasPaymaster(), f.hasPaymaster);
        assertEq(h.validAfter(), f.validAfter);
        assertEq(h.validUntil(), f.validUntil);
        assertEq(h.window(), f.window);
        assertEq(h.callsPerWindow(), f.callsPerWindow);
        assertEq(h.windowIndex(), f.windowIndex);
        assertEq(h.callsInWindow(), f.callsInWindow);
        assertEq(h.callsLeft(), f.callsLeft);
    }

    function testFuzz_eachSetter_changesItsFieldAlone(uint256 seed, uint8 status, uint32 index, uint16 inWindow, uint32 left)
        public
        pure
    {
        HeaderFields memory f = _fields(seed);
        SessionHeader h = SessionHeaderLib.pack(f);

        HeaderFields memory expected = _fields(seed);
        expected.status = status;
        _assertEq(h.setStatus(status).unpack(), expected);

        expected = _fields(seed);
        expected.windowIndex = index;
        _assertEq(h.setWindowIndex(index).unpack(), expected);

        expected = _fields(seed);
        expected.callsInWindow = inWindow;
        _assertEq(h.setCallsInWindow(inWindow).unpack(), expected);

        expected = _fields(seed);
        expected.callsLeft = left;
        _assertEq(h.setCallsLeft(left).unpack(), expected);
    }

    function test_layout_isTheDocumentedOne() public pure {
        HeaderFields memory f;
        f.status = 1;
        f.generation = 2;
        f.hasFees = true;
        f.validAfter = 3;
        f.callsLeft = 4;
        uint256 expected = 1 | (2 << 8) | (1 << 24) | (3 << 32) | (4 << 224);
        assertEq(SessionHeader.unwrap(SessionHeaderLib.pack(f)), expected);
        // A header packed from nothing is zero: an unregistered session.
        assertEq(SessionHeader.unwrap(SessionHeaderLib.pack(HeaderFields(0, 0, false, false, 0, 0, 0, 0, 0, 0, 0))), 0);
    }
}
