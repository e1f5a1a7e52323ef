// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ExecutionLib} from "../../contracts/libraries/ExecutionLib.sol";

/// ERC-7579 `Execution`, as Kernel encodes a batch: `abi.encode(Execution[])`.
struct Call {
    address target;
    uint256 value;
    bytes callData;
}

contract ExecutionLibHarness {
    function decode(bytes calldata callData) external pure returns (bool batch, bytes memory execution) {
        return ExecutionLib.decode(callData);
    }

    function single(bytes calldata execution) external pure returns (address, uint256, bytes memory) {
        return ExecutionLib.single(execution);
    }

    function batchLength(bytes calldata execution) external pure returns (uint256 count, uint256 cursor) {
        return ExecutionLib.batchLength(execution);
    }

    function batchAt(bytes calldata execution, uint256 index, uint256 cursor)
        external
        pure
        returns (address, uint256, bytes memory, uint256)
    {
        return ExecutionLib.batchAt(execution, index, cursor);
    }

    function batchEnd(bytes calldata execution, uint256 cursor) external pure {
        ExecutionLib.batchEnd(execution, cursor);
    }

    function selectorOf(bytes calldata data) external pure returns (bytes4) {
        return ExecutionLib.selectorOf(data);
    }

    /// Every call of an operation, read the way SessionPolicy reads them.
    function calls(bytes calldata callData) external pure returns (bool batch, Call[] memory out) {
        bytes calldata execution;
        (batch, execution) = ExecutionLib.decode(callData);
        if (!batch) {
            (address target, uint256 value, bytes calldata data) = ExecutionLib.single(execution);
            out = new Call[](1);
            out[0] = Call(target, value, data);
            return (batch, out);
        }
        uint256 count;
        uint256 cursor;
        (count, cursor) = ExecutionLib.batchLength(execution);
        out = new Call[](count);
        for (uint256 i; i < count; ++i) {
            address target;
            uint256 value;
            bytes calldata data;
            (target, value, data, cursor) = ExecutionLib.batchAt(execution, i, cursor);
            out[i] = Call(target, value, data);
        }
        ExecutionLib.batchEnd(execution, cursor);
    }

    /// The same calldata read by Solidity's own ABI decoder, which follows offsets wherever they
    /// point (Kernel's decoder is looser still): what the account would execute.
    function abiCalls(bytes calldata callData) external view returns (bool batch, Call[] memory out) {
        (bytes32 mode, bytes memory execution) = abi.decode(callData[4:], (bytes32, bytes));
        batch = mode[0] == 0x01;
        if (batch) return (batch, abi.decode(execution, (Call[])));
        out = new Call[](1);
        out[0] = this.splitPacked(execution);
    }

    function splitPacked(bytes calldata execution) external pure returns (Call memory) {
        return Call(address(bytes20(execution[0:20])), uint256(bytes32(execution[20:52])), execution[52:]);
    }
}

/// Strict decoding of Kernel `execute` calldata: exactly what an encoder produces, nothing else.
contract ExecutionLibTest is Test {
    bytes32 internal constant SINGLE = bytes32(0);
    bytes32 internal constant BATCH = bytes32(uint256(1) << 248);
    bytes4 internal constant TRANSFER = 0xa9059cbb;

    ExecutionLibHarness internal lib;

    function setUp() public {
        lib = new ExecutionLibHarness();
    }

    /*//////////////////////////////////////////////////////////////
                                ENCODERS
    //////////////////////////////////////////////////////////////*/

    function _single(address target, uint256 value, bytes memory data) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ExecutionLib.EXECUTE, SINGLE, abi.encodePacked(target, value, data));
    }

    function _batch(Call[] memory calls) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ExecutionLib.EXECUTE, BATCH, abi.encode(calls));
    }

    function _wrap(bytes32 mode, bytes memory execution) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ExecutionLib.EXECUTE, mode, execution);
    }

    /// `n` pseudo-random calls: any target, value and calldata length (0 to 100 bytes).
    function _randomCalls(uint256 seed, uint256 n) internal pure returns (Call[] memory calls) {
        calls = new Call[](n);
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            bytes memory data = new bytes((r >> 96) % 101);
            for (uint256 j; j < data.length; ++j) data[j] = bytes1(uint8(uint256(keccak256(abi.encode(r, j)))));
            calls[i] = Call(address(uint160(r)), r % 3 == 0 ? 0 : r >> 192, data);
        }
    }

    function _twoTransfers() internal pure returns (Call[] memory calls) {
        calls = new Call[](2);
        calls[0] = Call(address(0x70CE), 0, abi.encodeWithSelector(TRANSFER, address(0xB0B), 5));
        calls[1] = Call(address(0xB0B), 1 ether, "");
    }

    /*//////////////////////////////////////////////////////////////
                              BYTE HELPERS
    //////////////////////////////////////////////////////////////*/

    function _word(bytes memory b, uint256 at) internal pure returns (uint256 w) {
        for (uint256 i; i < 32; ++i) w = (w << 8) | uint8(b[at + i]);
    }

    function _withWord(bytes memory b, uint256 at, uint256 word) internal pure returns (bytes memory out) {
        out = bytes.concat(b);
        for (uint256 i; i < 32; ++i) out[at + i] = bytes1(uint8(word >> (8 * (31 - i))));
    }

    function _slice(bytes memory b, uint256 from, uint256 to) internal pure returns (bytes memory out) {
        out = new bytes(to - from);
        for (uint256 i; i < out.length; ++i) out[i] = b[from + i];
    }

    function _assertCalls(Call[] memory a, Call[] memory b) internal pure {
        assertEq(a.length, b.length, "count");
        for (uint256 i; i < a.length; ++i) {
            assertEq(a[i].target, b[i].target, "target");
            assertEq(a[i].value, b[i].value, "value");
            assertEq(a[i].callData, b[i].callData, "calldata");
        }
    }

    function _expectMalformed(bytes memory callData) internal {
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        lib.calls(callData);
    }

    /*//////////////////////////////////////////////////////////////
                          CANONICAL ENCODINGS
    //////////////////////////////////////////////////////////////*/

    function test_single_decodesTargetValueAndData() public view {
        bytes memory data = abi.encodeWithSelector(TRANSFER, address(0xB0B), 5);
        (bool batch, Call[] memory calls) = lib.calls(_single(address(0x70CE), 7, data));
        assertFalse(batch);
        assertEq(calls.length, 1);
        assertEq(calls[0].target, address(0x70CE));
        assertEq(calls[0].value, 7);
        assertEq(calls[0].callData, data);

        (bool b, bytes memory execution) = lib.decode(_single(address(0x70CE), 7, data));
        assertFalse(b);
        assertEq(execution, abi.encodePacked(address(0x70CE), uint256(7), data));
    }

    function test_single_plainTransferHasEmptyCalldata() public view {
        (, Call[] memory calls) = lib.calls(_single(address(0xB0B), 1 ether, ""));
        assertEq(calls[0].callData.length, 0);
        assertEq(calls[0].value, 1 ether);
    }

    function test_batch_decodesEveryCall() public view {
        (bool batch, Call[] memory calls) = lib.calls(_batch(_twoTransfers()));
        assertTrue(batch);
        _assertCalls(calls, _twoTransfers());
    }

    function testFuzz_single_decodesWhatEncodePackedProduces(address target, uint256 value, bytes calldata data)
        public
        view
    {
        (bool batch, Call[] memory calls) = lib.calls(_single(target, value, data));
        assertFalse(batch);
        Call[] memory expected = new Call[](1);
        expected[0] = Call(target, value, data);
        _assertCalls(calls, expected);
    }

    function testFuzz_batch_decodesWhatAbiEncodeProduces(uint256 seed, uint8 n) public view {
        Call[] memory calls = _randomCalls(seed, bound(n, 1, 6));
        (bool batch, Call[] memory decoded) = lib.calls(_batch(calls));
        assertTrue(batch);
        _assertCalls(decoded, calls);
    }

    /*//////////////////////////////////////////////////////////////
                        FUNCTION AND MODE CHECKS
    //////////////////////////////////////////////////////////////*/

    function test_decode_refusesCalldataShorterThanASelector() public {
        _expectMalformed("");
        _expectMalformed(hex"e9ae5c");
    }

    function test_decode_refusesOtherFunctions() public {
        bytes memory data = abi.encodeWithSignature("executeUserOp(bytes,bytes32)", "", bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedFunction.selector, bytes4(data)));
        lib.calls(data);
        // Kernel's executeFromExecutor and a raw 4-byte call.
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedFunction.selector, bytes4(0xd691c964)));
        lib.calls(hex"d691c964");
    }

    function testFuzz_decode_refusesEveryOtherSelector(bytes4 selector, bytes calldata rest) public {
        vm.assume(selector != ExecutionLib.EXECUTE);
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedFunction.selector, selector));
        lib.calls(abi.encodePacked(selector, rest));
    }

    function test_decode_refusesExecuteWithoutItsHead() public {
        _expectMalformed(abi.encodePacked(ExecutionLib.EXECUTE));
        // One byte short of mode, offset and length.
        _expectMalformed(_slice(_single(address(1), 0, ""), 0, 99));
    }

    function test_decode_refusesOtherCallTypes() public {
        bytes32[4] memory modes = [
            bytes32(uint256(0xff) << 248), // delegatecall
            bytes32(uint256(0xfe) << 248), // static call
            bytes32(uint256(0x02) << 248), // unassigned
            bytes32(uint256(0x80) << 248)
        ];
        for (uint256 i; i < modes.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, modes[i]));
            lib.calls(_wrap(modes[i], abi.encodePacked(address(1), uint256(0))));
        }
    }

    function test_decode_refusesTryModeAndAnySelectorOrPayload() public {
        bytes32[5] memory modes = [
            bytes32(uint256(0x0001) << 240), // single, try
            bytes32(uint256(0x0101) << 240), // batch, try
            bytes32(uint256(1) << 208), // unused bytes 2-5
            bytes32(uint256(0x01) << 248) | bytes32(uint256(0xdeadbeef) << 176), // mode selector (bytes 6-9)
            bytes32(uint256(1)) // last payload byte
        ];
        for (uint256 i; i < modes.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, modes[i]));
            lib.calls(_wrap(modes[i], abi.encode(_twoTransfers())));
        }
    }

    function testFuzz_decode_refusesEveryOtherMode(bytes32 mode) public {
        vm.assume(mode != SINGLE && mode != BATCH);
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, mode));
        lib.calls(_wrap(mode, abi.encode(_twoTransfers())));
    }

    /*//////////////////////////////////////////////////////////////
                            OUTER ENCODING
    //////////////////////////////////////////////////////////////*/

    function test_decode_refusesAnotherExecutionOffset() public {
        bytes memory data = _single(address(0x70CE), 0, abi.encodeWithSelector(TRANSFER, address(0xB0B), 5));
        _expectMalformed(_withWord(data, 36, 0x20));
        _expectMalformed(_withWord(data, 36, 0x41));
        // Offset 0x60 with a gap word: Solidity's decoder would follow it; the strict one does not.
        bytes memory gapped = bytes.concat(_slice(data, 0, 36), bytes32(uint256(0x60)), bytes32(0), _slice(data, 68, data.length));
        (, Call[] memory followed) = lib.abiCalls(gapped);
        assertEq(followed[0].target, address(0x70CE), "the ABI decoder accepts the gap");
        _expectMalformed(gapped);
    }

    function test_decode_refusesAWrongLength() public {
        bytes memory data = _batch(_twoTransfers());
        uint256 length = _word(data, 68);
        _expectMalformed(_withWord(data, 68, length + 32));
        _expectMalformed(_withWord(data, 68, length - 32));
        _expectMalformed(_withWord(data, 68, type(uint256).max));
        _expectMalformed(_withWord(data, 68, data.length));
    }

    function test_decode_refusesTrailingAndTruncatedBytes() public {
        bytes memory data = _single(address(0x70CE), 0, abi.encodeWithSelector(TRANSFER, address(0xB0B), 5));
        _expectMalformed(bytes.concat(data, hex"00"));
        _expectMalformed(bytes.concat(data, bytes32(0)));
        _expectMalformed(_slice(data, 0, data.length - 1));
        // Dropping only the zero padding is still truncation.
        _expectMalformed(_slice(data, 0, data.length - 28));
    }

    /// The execution's length word stopping short of its bytes (into the padding), and padding
    /// that is not zero: other encodings of a call, refused.
    function test_decode_refusesDirtyPaddingAndALengthIntoIt() public {
        // 20 + 32 + 68 = 120 bytes of execution, padded to 128.
        bytes memory data = _single(address(0x70CE), 0, abi.encodeWithSelector(TRANSFER, address(0xB0B), 5));
        assertEq(_word(data, 68), 120);
        lib.calls(data);
        bytes memory dirty = bytes.concat(data);
        dirty[data.length - 1] = 0x01;
        _expectMalformed(dirty);
        // A length of 119: the call's last byte (5) becomes padding, and it is not zero.
        _expectMalformed(_withWord(data, 68, 119));
        // With a zero there instead, 119 bytes are a canonical encoding of a 119-byte execution.
        bytes memory zero = _single(address(0x70CE), 0, abi.encodeWithSelector(TRANSFER, address(0xB0B), 0x500));
        (, Call[] memory shorter) = lib.calls(_withWord(zero, 68, 119));
        assertEq(shorter[0].callData.length, 67);
    }

    function test_batch_refusesDirtyPaddingAndALengthIntoIt() public {
        bytes memory e = abi.encode(_twoTransfers());
        // Element 0's data: 68 bytes at ELEMENT0_AT + 128, padded to 96.
        bytes memory dirty = bytes.concat(e);
        dirty[ELEMENT0_AT + 128 + 68] = 0x01;
        _expectMalformed(_wrap(BATCH, dirty));
        _expectMalformed(_batchWith(ELEMENT0_AT + 96, 67));
        _expectMalformed(_batchWith(ELEMENT0_AT + 96, 65));
    }

    function testFuzz_decode_refusesAnyChangeOfLength(uint256 seed, uint8 n, bool batch, uint16 cut, bytes calldata extra)
        public
    {
        Call[] memory calls = _randomCalls(seed, bound(n, 1, 4));
        bytes memory data = batch ? _batch(calls) : _single(calls[0].target, calls[0].value, calls[0].callData);
        if (extra.length != 0) {
            _expectMalformed(bytes.concat(data, extra));
        } else {
            _expectMalformed(_slice(data, 0, data.length - bound(cut, 1, data.length)));
        }
    }

    function test_single_refusesAnExecutionShorterThanTargetAndValue() public {
        _expectMalformed(_wrap(SINGLE, abi.encodePacked(address(1), uint248(0))));
        _expectMalformed(_wrap(SINGLE, ""));
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        lib.single(new bytes(51));
        (address target, uint256 value, bytes memory data) = lib.single(new bytes(52));
        assertEq(target, address(0));
        assertEq(value, 0);
        assertEq(data.length, 0);
    }

    /*//////////////////////////////////////////////////////////////
                            BATCH ENCODING
    //////////////////////////////////////////////////////////////*/

    // Byte positions inside the execution data of `_twoTransfers()`: array offset, count,
    // two element offsets, then element 0 (transfer, 68 bytes of calldata) and element 1.
    uint256 internal constant COUNT_AT = 32;
    uint256 internal constant OFFSET0_AT = 64;
    uint256 internal constant OFFSET1_AT = 96;
    uint256 internal constant ELEMENT0_AT = 128;
    uint256 internal constant ELEMENT1_AT = ELEMENT0_AT + 128 + 96;

    function _batchWith(uint256 at, uint256 word) internal pure returns (bytes memory) {
        return _wrap(BATCH, _withWord(abi.encode(_twoTransfers()), at, word));
    }

    function test_batch_layoutIsWhatTheseTestsAssume() public pure {
        bytes memory e = abi.encode(_twoTransfers());
        assertEq(_word(e, 0), 0x20);
        assertEq(_word(e, COUNT_AT), 2);
        assertEq(_word(e, OFFSET0_AT), ELEMENT0_AT - 64);
        assertEq(_word(e, OFFSET1_AT), ELEMENT1_AT - 64);
        assertEq(_word(e, ELEMENT1_AT), uint160(address(0xB0B)));
        assertEq(e.length, ELEMENT1_AT + 128);
    }

    function test_batch_refusesAnotherArrayOffset() public {
        _expectMalformed(_batchWith(0, 0x40));
        _expectMalformed(_batchWith(0, 0));
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        lib.batchLength(new bytes(63));
    }

    function test_batch_refusesAnEmptyBatch() public {
        Call[] memory none = new Call[](0);
        vm.expectRevert(ExecutionLib.EmptyBatch.selector);
        lib.calls(_batch(none));
        // A zero count with elements after it is empty too.
        vm.expectRevert(ExecutionLib.EmptyBatch.selector);
        lib.calls(_batchWith(COUNT_AT, 0));
    }

    function test_batch_refusesACountTheDataCannotHold() public {
        _expectMalformed(_batchWith(COUNT_AT, 3));
        _expectMalformed(_batchWith(COUNT_AT, type(uint256).max));
        // 160 bytes is the smallest element with its offset: a count of exactly length / 160 passes
        // the size check and fails on the layout, one more fails the size check.
        bytes memory e = abi.encode(_twoTransfers());
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        lib.batchLength(_withWord(e, COUNT_AT, e.length / 160 + 1));
        (uint256 count, uint256 cursor) = lib.batchLength(_withWord(e, COUNT_AT, e.length / 160));
        assertEq(count, e.length / 160);
        assertEq(cursor, 64 + 32 * count);
    }

    function test_batch_refusesElementOffsetsThatDoNotPointAtTheNextElement() public {
        _expectMalformed(_batchWith(OFFSET0_AT, ELEMENT0_AT - 64 + 32));
        _expectMalformed(_batchWith(OFFSET1_AT, ELEMENT1_AT - 64 - 32));
        _expectMalformed(_batchWith(OFFSET1_AT, ELEMENT0_AT - 64));
    }

    /// Offsets in swapped order: the ABI decoder runs the calls in the other order.
    function test_batch_refusesSwappedOffsets() public {
        Call[] memory two = new Call[](2);
        two[0] = Call(address(0xA), 0, "");
        two[1] = Call(address(0xB), 0, "");
        bytes memory e = abi.encode(two);
        // Both elements are 128 bytes: swapping the offsets swaps the calls for a loose decoder.
        bytes memory swapped = _withWord(_withWord(e, OFFSET0_AT, _word(e, OFFSET1_AT)), OFFSET1_AT, _word(e, OFFSET0_AT));
        (, Call[] memory loose) = lib.abiCalls(_wrap(BATCH, swapped));
        assertEq(loose[0].target, address(0xB), "the ABI decoder follows the offsets");
        _expectMalformed(_wrap(BATCH, swapped));
    }

    function test_batch_refusesDirtyTargetBits() public {
        // Kernel's decoder would call the low 160 bits; a strict reader refuses the word.
        _expectMalformed(_batchWith(ELEMENT0_AT, (uint256(1) << 160) | uint160(address(0x70CE))));
        _expectMalformed(_batchWith(ELEMENT1_AT, (uint256(0xff) << 248) | uint160(address(0xB0B))));
    }

    function test_batch_refusesAnotherCalldataOffset() public {
        _expectMalformed(_batchWith(ELEMENT0_AT + 64, 0x80));
        _expectMalformed(_batchWith(ELEMENT1_AT + 64, 0x40));
    }

    function test_batch_refusesWrongCalldataLengths() public {
        // Element 0 holds 68 bytes in 96: 69 to 96 would still fit its slot, but then element 1
        // starts elsewhere; longer ones overrun the data.
        _expectMalformed(_batchWith(ELEMENT0_AT + 96, 97));
        _expectMalformed(_batchWith(ELEMENT0_AT + 96, 32));
        _expectMalformed(_batchWith(ELEMENT0_AT + 96, type(uint256).max));
        // The last element's length reaching past the end.
        _expectMalformed(_batchWith(ELEMENT1_AT + 96, 1));
        bytes memory e = abi.encode(_twoTransfers());
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        lib.batchAt(_withWord(e, ELEMENT1_AT + 96, e.length + 1), 1, ELEMENT1_AT);
    }

    function test_batch_refusesTrailingAndTruncatedElements() public {
        bytes memory e = abi.encode(_twoTransfers());
        _expectMalformed(_wrap(BATCH, bytes.concat(e, bytes32(0))));
        _expectMalformed(_wrap(BATCH, _slice(e, 0, e.length - 32)));
        // An element cut inside its head.
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        lib.batchAt(_slice(e, 0, ELEMENT1_AT + 127), 1, ELEMENT1_AT);
        vm.expectRevert(ExecutionLib.MalformedCallData.selector);
        lib.batchEnd(e, e.length - 32);
        lib.batchEnd(e, e.length);
    }

    function test_batchAt_returnsTheNextCursor() public view {
        bytes memory e = abi.encode(_twoTransfers());
        (uint256 count, uint256 cursor) = lib.batchLength(e);
        assertEq(count, 2);
        assertEq(cursor, ELEMENT0_AT);
        (address target, uint256 value, bytes memory data, uint256 next) = lib.batchAt(e, 0, cursor);
        assertEq(target, address(0x70CE));
        assertEq(value, 0);
        assertEq(data, abi.encodeWithSelector(TRANSFER, address(0xB0B), 5));
        assertEq(next, ELEMENT1_AT);
        (target, value, data, next) = lib.batchAt(e, 1, next);
        assertEq(target, address(0xB0B));
        assertEq(value, 1 ether);
        assertEq(data.length, 0);
        assertEq(next, e.length);
    }

    /*//////////////////////////////////////////////////////////////
                     ANY MUTATION: CANONICAL OR REFUSED
    //////////////////////////////////////////////////////////////*/

    /// Flip any byte of a valid operation: either it is refused, or it is again exactly the
    /// canonical encoding of what was decoded, byte for byte (padding included), and Solidity's ABI
    /// decoder reads the same calls from it.
    function testFuzz_anyByteChangeIsRefusedOrCanonical(uint256 seed, uint8 n, bool batch, uint256 at, uint8 flip)
        public
        view
    {
        Call[] memory calls = _randomCalls(seed, bound(n, 1, 4));
        bytes memory data = batch ? _batch(calls) : _single(calls[0].target, calls[0].value, calls[0].callData);
        at = bound(at, 0, data.length - 1);
        data[at] = data[at] ^ bytes1(uint8(bound(flip, 1, 255)));

        try lib.calls(data) returns (bool decodedBatch, Call[] memory decoded) {
            bytes memory canonical = decodedBatch
                ? _batch(decoded)
                : _single(decoded[0].target, decoded[0].value, decoded[0].callData);
            assertEq(data, canonical, "accepted bytes are the canonical encoding");
            (bool abiBatch, Call[] memory read) = lib.abiCalls(data);
            assertEq(abiBatch, decodedBatch, "same mode");
            _assertCalls(read, decoded);
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            assertTrue(
                selector == ExecutionLib.MalformedCallData.selector || selector == ExecutionLib.UnsupportedExecMode.selector
                    || selector == ExecutionLib.UnsupportedFunction.selector || selector == ExecutionLib.EmptyBatch.selector,
                "refused with a decoding error"
            );
        }
    }

    /*//////////////////////////////////////////////////////////////
                                SELECTOR
    //////////////////////////////////////////////////////////////*/

    function test_selectorOf() public {
        assertEq(lib.selectorOf(""), bytes4(0), "plain transfer");
        assertEq(lib.selectorOf(hex"a9059cbb"), TRANSFER);
        assertEq(lib.selectorOf(abi.encodeWithSelector(TRANSFER, address(1), 2)), TRANSFER);
        for (uint256 len = 1; len < 4; ++len) {
            vm.expectRevert(ExecutionLib.MalformedCallData.selector);
            lib.selectorOf(new bytes(len));
        }
    }

    function testFuzz_selectorOf(bytes calldata data) public {
        if (data.length != 0 && data.length < 4) {
            vm.expectRevert(ExecutionLib.MalformedCallData.selector);
            lib.selectorOf(data);
        } else {
            assertEq(lib.selectorOf(data), bytes4(data));
        }
    }
}
