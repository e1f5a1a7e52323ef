// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {CallRuleLib} from "../../contracts/libraries/CallRuleLib.sol";
import {CallPermission, NO_ARG} from "../../contracts/types/SessionTypes.sol";

contract CallRuleLibHarness {
    function encode(CallRuleLib.Rule calldata rule) external pure returns (uint256) {
        return CallRuleLib.encode(rule);
    }

    function decode(uint256 word) external pure returns (CallRuleLib.Rule memory) {
        return CallRuleLib.decode(word);
    }

    function arg(bytes calldata data, address target, uint8 index) external pure returns (bytes32) {
        return CallRuleLib.arg(data, target, index);
    }

    function addressArg(bytes calldata data, address target, uint8 index) external pure returns (address) {
        return CallRuleLib.addressArg(data, target, index);
    }

    function erc20AmountArg(bytes4 selector) external pure returns (uint8) {
        return CallRuleLib.erc20AmountArg(selector);
    }

    function checkArguments(
        CallRuleLib.Rule calldata rule,
        bytes32 equalValue,
        address account,
        address target,
        bytes4 selector,
        bytes calldata data
    ) external pure {
        CallRuleLib.checkArguments(rule, equalValue, account, target, selector, data);
    }

    function invalidReason(CallPermission calldata permission, address account, address policy)
        external
        pure
        returns (string memory)
    {
        return CallRuleLib.invalidReason(permission, account, policy);
    }
}

contract CallRuleLibTest is Test {
    address internal constant ACCOUNT = address(0xAC);
    address internal constant POLICY = address(0x9011C7);
    address internal constant TARGET = address(0x7A);
    bytes4 internal constant SWAP = bytes4(keccak256("swap(address,uint256,address)"));
    /// Bits of a word the rule uses: flags 0-2, then 5 argument bytes and a 96-bit cap (bits 8-143).
    uint256 internal constant RULE_BITS = 0x7 | (((uint256(1) << 136) - 1) << 8);

    CallRuleLibHarness internal lib;

    function setUp() public {
        lib = new CallRuleLibHarness();
    }

    function _rule(uint8 accountArg, uint8 equalArg) internal pure returns (CallRuleLib.Rule memory rule) {
        rule.allowed = true;
        rule.amountArg = NO_ARG;
        rule.tokenArg = NO_ARG;
        rule.tokenIndex = CallRuleLib.NO_TOKEN;
        rule.accountArg = accountArg;
        rule.equalArg = equalArg;
    }

    function _permission(address target, bytes4 selector) internal pure returns (CallPermission memory p) {
        p.target = target;
        p.selector = selector;
        p.amountArg = NO_ARG;
        p.tokenArg = NO_ARG;
        p.accountArg = NO_ARG;
        p.equalArg = NO_ARG;
    }

    /*//////////////////////////////////////////////////////////////
                                 CODEC
    //////////////////////////////////////////////////////////////*/

    function test_encode_layout() public view {
        CallRuleLib.Rule memory r;
        assertEq(lib.encode(r), 0);
        r.allowed = true;
        assertEq(lib.encode(r), 1);
        r = CallRuleLib.Rule(false, true, false, 0, 0, 0, 0, 0, 0);
        assertEq(lib.encode(r), 2);
        r = CallRuleLib.Rule(false, false, true, 0, 0, 0, 0, 0, 0);
        assertEq(lib.encode(r), 4);
        r = CallRuleLib.Rule(false, false, false, 0x11, 0x22, 0x33, 0x44, 0x55, 0);
        assertEq(lib.encode(r), 0x5544332211 << 8);
        r = CallRuleLib.Rule(false, false, false, 0, 0, 0, 0, 0, type(uint96).max);
        assertEq(lib.encode(r), uint256(type(uint96).max) << 48);
    }

    function test_decode_zeroWordIsNotAllowed() public view {
        // An unregistered (target, selector) reads as a zero word: refused.
        assertFalse(lib.decode(0).allowed);
    }

    function testFuzz_rule_roundTrips(
        bool allowed,
        bool allowValue,
        bool targetIsToken,
        uint8 amountArg,
        uint8 tokenArg,
        uint8 tokenIndex,
        uint8 accountArg,
        uint8 equalArg,
        uint96 perTransaction
    ) public view {
        CallRuleLib.Rule memory r = CallRuleLib.Rule(
            allowed, allowValue, targetIsToken, amountArg, tokenArg, tokenIndex, accountArg, equalArg, perTransaction
        );
        CallRuleLib.Rule memory d = lib.decode(lib.encode(r));
        assertEq(d.allowed, allowed, "allowed");
        assertEq(d.allowValue, allowValue, "allowValue");
        assertEq(d.targetIsToken, targetIsToken, "targetIsToken");
        assertEq(d.amountArg, amountArg, "amountArg");
        assertEq(d.tokenArg, tokenArg, "tokenArg");
        assertEq(d.tokenIndex, tokenIndex, "tokenIndex");
        assertEq(d.accountArg, accountArg, "accountArg");
        assertEq(d.equalArg, equalArg, "equalArg");
        assertEq(d.perTransaction, perTransaction, "perTransaction");
    }

    function testFuzz_word_roundTripsOnTheRuleBits(uint256 word) public view {
        assertEq(lib.encode(lib.decode(word)), word & RULE_BITS);
    }

    /// A policy's own bits (POLICY_BITS and above) are never written by encode nor read by decode.
    function testFuzz_policyBits_areLeftToThePolicy(uint256 word, uint256 own) public view {
        uint256 mask = type(uint256).max << CallRuleLib.POLICY_BITS;
        assertEq(RULE_BITS & mask, 0, "the rule's bits end below");
        assertEq(lib.encode(lib.decode(word)) & mask, 0, "encode writes none");
        assertEq(keccak256(abi.encode(lib.decode((word & ~mask) | (own & mask)))), keccak256(abi.encode(lib.decode(word & ~mask))), "decode reads none");
    }

    /*//////////////////////////////////////////////////////////////
                               ARGUMENTS
    //////////////////////////////////////////////////////////////*/

    function test_arg_readsWordsAfterTheSelector() public view {
        bytes memory data = abi.encodeWithSelector(CallRuleLib.TRANSFER, address(0xB0B), 123);
        assertEq(lib.arg(data, TARGET, 0), bytes32(uint256(0xB0B)));
        assertEq(lib.arg(data, TARGET, 1), bytes32(uint256(123)));
        assertEq(lib.addressArg(data, TARGET, 0), address(0xB0B));
    }

    function test_arg_refusesAMissingWord() public {
        bytes memory data = abi.encodeWithSelector(CallRuleLib.TRANSFER, address(0xB0B), 123);
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, CallRuleLib.TRANSFER, uint8(2)));
        lib.arg(data, TARGET, 2);
        // One byte short of the last word.
        bytes memory cut = new bytes(data.length - 1);
        for (uint256 i; i < cut.length; ++i) cut[i] = data[i];
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, CallRuleLib.TRANSFER, uint8(1)));
        lib.arg(cut, TARGET, 1);
        // Calldata shorter than a selector reports the bytes it has, zero-padded.
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, bytes4(0xa9000000), uint8(0)));
        lib.arg(hex"a9", TARGET, 0);
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, bytes4(0), NO_ARG));
        lib.arg("", TARGET, NO_ARG);
    }

    function testFuzz_arg_readsExactlyWhenTheWordIsThere(bytes calldata data, uint8 index) public {
        index = uint8(bound(index, 0, 8));
        uint256 end = 4 + 32 * uint256(index) + 32;
        if (data.length < end) {
            vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, bytes4(data), index));
            lib.arg(data, TARGET, index);
        } else {
            assertEq(lib.arg(data, TARGET, index), bytes32(data[end - 32:end]));
        }
    }

    function testFuzz_addressArg_refusesDirtyUpperBits(uint256 word) public {
        bytes memory data = abi.encodeWithSelector(SWAP, word);
        if (word >> 160 != 0) {
            vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, SWAP, uint8(0)));
            lib.addressArg(data, TARGET, 0);
        } else {
            assertEq(lib.addressArg(data, TARGET, 0), address(uint160(word)));
        }
    }

    function test_addressArg_refusesAMissingWord() public {
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, SWAP, uint8(0)));
        lib.addressArg(abi.encodePacked(SWAP), TARGET, 0);
    }

    /*//////////////////////////////////////////////////////////////
                          ERC-20 SPENDING CALLS
    //////////////////////////////////////////////////////////////*/

    function test_erc20AmountArg_knownSelectors() public view {
        assertEq(CallRuleLib.TRANSFER, bytes4(keccak256("transfer(address,uint256)")));
        assertEq(CallRuleLib.TRANSFER_FROM, bytes4(keccak256("transferFrom(address,address,uint256)")));
        assertEq(CallRuleLib.APPROVE, bytes4(keccak256("approve(address,uint256)")));
        assertEq(CallRuleLib.INCREASE_ALLOWANCE, bytes4(keccak256("increaseAllowance(address,uint256)")));
        assertEq(CallRuleLib.ON_INSTALL, bytes4(keccak256("onInstall(bytes)")));
        assertEq(CallRuleLib.ON_UNINSTALL, bytes4(keccak256("onUninstall(bytes)")));
        assertEq(lib.erc20AmountArg(CallRuleLib.TRANSFER), 1);
        assertEq(lib.erc20AmountArg(CallRuleLib.APPROVE), 1);
        assertEq(lib.erc20AmountArg(CallRuleLib.INCREASE_ALLOWANCE), 1);
        assertEq(lib.erc20AmountArg(CallRuleLib.TRANSFER_FROM), 2);
    }

    function testFuzz_erc20AmountArg_noOtherSelector(bytes4 selector) public view {
        vm.assume(selector != CallRuleLib.TRANSFER && selector != CallRuleLib.TRANSFER_FROM);
        vm.assume(selector != CallRuleLib.APPROVE && selector != CallRuleLib.INCREASE_ALLOWANCE);
        assertEq(lib.erc20AmountArg(selector), NO_ARG);
    }

    /*//////////////////////////////////////////////////////////////
                            ARGUMENT CHECKS
    //////////////////////////////////////////////////////////////*/

    function test_checkArguments_noConditionAcceptsAnything() public view {
        lib.checkArguments(_rule(NO_ARG, NO_ARG), bytes32(0), ACCOUNT, TARGET, SWAP, "");
    }

    function test_checkArguments_accountArgument() public {
        bytes memory toAccount = abi.encodeWithSelector(SWAP, address(1), 5, ACCOUNT);
        lib.checkArguments(_rule(2, NO_ARG), bytes32(0), ACCOUNT, TARGET, SWAP, toAccount);

        bytes memory toOther = abi.encodeWithSelector(SWAP, address(1), 5, address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentNotAccount.selector, TARGET, SWAP, uint8(2)));
        lib.checkArguments(_rule(2, NO_ARG), bytes32(0), ACCOUNT, TARGET, SWAP, toOther);

        // The account with dirty upper bits is not the account.
        bytes memory dirty = abi.encodeWithSelector(SWAP, address(1), 5, (uint256(1) << 160) | uint160(ACCOUNT));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, SWAP, uint8(2)));
        lib.checkArguments(_rule(2, NO_ARG), bytes32(0), ACCOUNT, TARGET, SWAP, dirty);

        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, SWAP, uint8(3)));
        lib.checkArguments(_rule(3, NO_ARG), bytes32(0), ACCOUNT, TARGET, SWAP, toAccount);
    }

    function test_checkArguments_equalArgument() public {
        bytes32 fixedValue = bytes32(uint256(5));
        bytes memory data = abi.encodeWithSelector(SWAP, address(1), 5, ACCOUNT);
        lib.checkArguments(_rule(NO_ARG, 1), fixedValue, ACCOUNT, TARGET, SWAP, data);

        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentMismatch.selector, TARGET, SWAP, uint8(1)));
        lib.checkArguments(_rule(NO_ARG, 1), bytes32(uint256(6)), ACCOUNT, TARGET, SWAP, data);

        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, TARGET, SWAP, uint8(3)));
        lib.checkArguments(_rule(NO_ARG, 3), fixedValue, ACCOUNT, TARGET, SWAP, data);
    }

    function test_checkArguments_bothConditionsAccountFirst() public {
        bytes memory data = abi.encodeWithSelector(SWAP, address(1), 5, address(0xBAD));
        lib.checkArguments(_rule(0, 1), bytes32(uint256(5)), address(1), TARGET, SWAP, data);
        // Both fail: the account condition is reported.
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentNotAccount.selector, TARGET, SWAP, uint8(2)));
        lib.checkArguments(_rule(2, 1), bytes32(uint256(6)), ACCOUNT, TARGET, SWAP, data);
    }

    /// The reported selector is the one passed in, not re-read from the calldata.
    function test_checkArguments_reportsTheGivenSelector() public {
        bytes memory data = abi.encodeWithSelector(SWAP, address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentNotAccount.selector, TARGET, bytes4(0x12345678), uint8(0)));
        lib.checkArguments(_rule(0, NO_ARG), bytes32(0), ACCOUNT, TARGET, bytes4(0x12345678), data);
    }

    function testFuzz_checkArguments_matchesModel(address recipient, bytes32 value, bytes32 expected) public {
        bytes memory data = abi.encodeWithSelector(SWAP, recipient, value);
        if (recipient != ACCOUNT) {
            vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentNotAccount.selector, TARGET, SWAP, uint8(0)));
        } else if (value != expected) {
            vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ArgumentMismatch.selector, TARGET, SWAP, uint8(1)));
        }
        lib.checkArguments(_rule(0, 1), expected, ACCOUNT, TARGET, SWAP, data);
    }

    /*//////////////////////////////////////////////////////////////
                        REGISTRATION REFUSALS
    //////////////////////////////////////////////////////////////*/

    function _reason(CallPermission memory p) internal view returns (string memory) {
        return lib.invalidReason(p, ACCOUNT, POLICY);
    }

    function test_invalidReason_targets() public view {
        assertEq(_reason(_permission(address(0), SWAP)), "target is the zero address");
        assertEq(_reason(_permission(ACCOUNT, SWAP)), "target is the account itself");
        assertEq(_reason(_permission(POLICY, SWAP)), "target is the policy");
    }

    function test_invalidReason_moduleLifecycle() public view {
        string memory expected = "module install/uninstall functions are never allowed";
        assertEq(_reason(_permission(TARGET, CallRuleLib.ON_INSTALL)), expected);
        assertEq(_reason(_permission(TARGET, CallRuleLib.ON_UNINSTALL)), expected);
    }

    function test_invalidReason_plainTransfer() public view {
        CallPermission memory p = _permission(TARGET, bytes4(0));
        assertEq(_reason(p), "a plain transfer permission must allow value");
        p.allowValue = true;
        assertEq(_reason(p), "");
        string memory noArgs = "a plain transfer has no arguments";
        p.amountArg = 0;
        assertEq(_reason(p), noArgs);
        p.amountArg = NO_ARG;
        p.accountArg = 0;
        assertEq(_reason(p), noArgs);
        p.accountArg = NO_ARG;
        p.equalArg = 0;
        assertEq(_reason(p), noArgs);
        // A tokenArg alone is caught by the next rule.
        p.equalArg = NO_ARG;
        p.tokenArg = 0;
        assertEq(_reason(p), "tokenArg without amountArg");
    }

    function test_invalidReason_tokenArgument() public view {
        CallPermission memory p = _permission(TARGET, SWAP);
        p.tokenArg = 0;
        assertEq(_reason(p), "tokenArg without amountArg");
        p.amountArg = 0;
        assertEq(_reason(p), "tokenArg and amountArg are the same word");
        p.amountArg = 1;
        assertEq(_reason(p), "");
    }

    function test_invalidReason_firstProblemWins() public view {
        CallPermission memory p = _permission(address(0), CallRuleLib.ON_INSTALL);
        p.tokenArg = 0;
        assertEq(_reason(p), "target is the zero address");
        p.target = TARGET;
        assertEq(_reason(p), "module install/uninstall functions are never allowed");
    }

    /// Any permission that is not one of the refused shapes is accepted.
    function testFuzz_invalidReason_acceptsWellFormedPermissions(
        address target,
        bytes4 selector,
        bool allowValue,
        uint8 amountArg,
        uint8 tokenArg,
        uint8 accountArg,
        uint8 equalArg
    ) public view {
        vm.assume(target != address(0) && target != ACCOUNT && target != POLICY);
        vm.assume(selector != CallRuleLib.ON_INSTALL && selector != CallRuleLib.ON_UNINSTALL);
        CallPermission memory p = _permission(target, selector);
        p.allowValue = allowValue;
        if (selector == bytes4(0)) {
            p.allowValue = true;
        } else {
            p.amountArg = amountArg;
            p.accountArg = accountArg;
            p.equalArg = equalArg;
            if (amountArg != NO_ARG && tokenArg != amountArg) p.tokenArg = tokenArg;
        }
        assertEq(_reason(p), "");
    }
}
