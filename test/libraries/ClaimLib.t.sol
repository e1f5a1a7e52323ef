// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ClaimLib} from "../../contracts/libraries/ClaimLib.sol";

contract ClaimLibHarness {
    function read(bytes calldata slice) external pure returns (bool present, uint48 time) {
        return ClaimLib.read(slice);
    }

    function require_(bytes calldata slice) external pure returns (uint48) {
        return ClaimLib.require_(slice);
    }
}

/// The claim slice is empty (no claim) or exactly 6 bytes big-endian; nothing else is read.
contract ClaimLibTest is Test {
    ClaimLibHarness internal lib;

    function setUp() public {
        lib = new ClaimLibHarness();
    }

    /*//////////////////////////////////////////////////////////////
                                  READ
    //////////////////////////////////////////////////////////////*/

    function test_read_emptySliceHasNoClaim() public view {
        (bool present, uint48 time) = lib.read("");
        assertFalse(present);
        assertEq(time, 0);
    }

    function test_read_bigEndian() public view {
        (bool present, uint48 time) = lib.read(hex"0102030405a6");
        assertTrue(present);
        assertEq(time, 0x0102030405a6);
        // A claim of zero is a claim, not a missing one.
        (present, time) = lib.read(hex"000000000000");
        assertTrue(present);
        assertEq(time, 0);
    }

    function testFuzz_read_sixBytes(uint48 claim) public view {
        (bool present, uint48 time) = lib.read(abi.encodePacked(claim));
        assertTrue(present);
        assertEq(time, claim);
    }

    function test_read_refusesFiveAndSevenBytes() public {
        vm.expectRevert(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, 5));
        lib.read(hex"0102030405");
        vm.expectRevert(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, 7));
        lib.read(hex"01020304050607");
        // A uint48 ABI-encoded as a word is not a claim either.
        vm.expectRevert(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, 32));
        lib.read(abi.encode(uint48(1)));
    }

    function testFuzz_read_refusesEveryOtherLength(bytes calldata slice) public {
        vm.assume(slice.length != 0 && slice.length != 6);
        vm.expectRevert(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, slice.length));
        lib.read(slice);
    }

    /*//////////////////////////////////////////////////////////////
                                REQUIRE
    //////////////////////////////////////////////////////////////*/

    function test_require_refusesAMissingClaim() public {
        vm.expectRevert(ClaimLib.MissingClaim.selector);
        lib.require_("");
    }

    function testFuzz_require_returnsTheClaim(uint48 claim) public view {
        assertEq(lib.require_(abi.encodePacked(claim)), claim);
    }

    function testFuzz_require_refusesMalformedSlices(bytes calldata slice) public {
        vm.assume(slice.length != 0 && slice.length != 6);
        vm.expectRevert(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, slice.length));
        lib.require_(slice);
    }
}
