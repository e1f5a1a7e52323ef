// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {
    ValidationData,
    _packValidationData,
    _parseValidationData
} from "@account-abstraction/contracts/core/Helpers.sol";
import {ValidationDataLib} from "../../contracts/libraries/ValidationDataLib.sol";

contract ValidationDataLibHarness {
    function pack(uint48 validAfter, uint48 validUntil) external pure returns (uint256) {
        return ValidationDataLib.pack(validAfter, validUntil);
    }

    function until(uint48 validUntil) external pure returns (uint48) {
        return ValidationDataLib.until(validUntil);
    }
}

/// The policy's answer must mean, to EntryPoint v0.7, exactly the time range it intends.
contract ValidationDataLibTest is Test {
    ValidationDataLibHarness internal lib;

    function setUp() public {
        lib = new ValidationDataLibHarness();
    }

    /*//////////////////////////////////////////////////////////////
                                  PACK
    //////////////////////////////////////////////////////////////*/

    function test_pack_layout() public view {
        // aggregator (160) | validUntil (48) | validAfter (48), low to high.
        assertEq(lib.pack(0, 0), 0);
        assertEq(lib.pack(1, 0), 1 << 208);
        assertEq(lib.pack(0, 1), 1 << 160);
        assertEq(lib.pack(type(uint48).max, type(uint48).max), type(uint256).max << 160);
        assertEq(lib.pack(0x0102030405, 0x0a0b0c0d0e), (uint256(0x0102030405) << 208) | (uint256(0x0a0b0c0d0e) << 160));
    }

    function testFuzz_pack_matchesEntryPointHelpers(uint48 validAfter, uint48 validUntil) public view {
        uint256 packed = lib.pack(validAfter, validUntil);
        assertEq(packed, _packValidationData(false, validUntil, validAfter), "same word as the EntryPoint's helper");

        ValidationData memory data = _parseValidationData(packed);
        assertEq(data.aggregator, address(0), "never an aggregator or a signature failure");
        assertEq(data.validAfter, validAfter, "validAfter");
        assertEq(data.validUntil, validUntil == 0 ? type(uint48).max : validUntil, "validUntil");
    }

    function testFuzz_pack_neverSetsTheLowBits(uint48 validAfter, uint48 validUntil) public view {
        assertEq(uint160(lib.pack(validAfter, validUntil)), 0);
    }

    /*//////////////////////////////////////////////////////////////
                                  UNTIL
    //////////////////////////////////////////////////////////////*/

    function test_until_readsZeroAsForever() public view {
        assertEq(lib.until(0), type(uint48).max);
        assertEq(ValidationDataLib.FOREVER, type(uint48).max);
    }

    function testFuzz_until_keepsEveryOtherValue(uint48 validUntil) public view {
        vm.assume(validUntil != 0);
        assertEq(lib.until(validUntil), validUntil);
    }

    /// `until` agrees with how the EntryPoint itself reads a zero validUntil.
    function testFuzz_until_agreesWithTheEntryPoint(uint48 validAfter, uint48 validUntil) public view {
        ValidationData memory raw = _parseValidationData(lib.pack(validAfter, validUntil));
        ValidationData memory normalised = _parseValidationData(lib.pack(validAfter, lib.until(validUntil)));
        assertEq(normalised.validUntil, raw.validUntil);
        assertEq(normalised.validAfter, raw.validAfter);
    }
}
