// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {ISessionPolicy} from "../../contracts/interfaces/ISessionPolicy.sol";
import {CallRuleLib} from "../../contracts/libraries/CallRuleLib.sol";
import {ExecutionLib} from "../../contracts/libraries/ExecutionLib.sol";
import {SpendLib} from "../../contracts/libraries/SpendLib.sol";
import {CallPermission, SessionConfig, NATIVE_TOKEN} from "../../contracts/types/SessionTypes.sol";
import {Execution, SessionPolicyFixture} from "./SessionPolicyFixture.sol";

/// Call scope through `checkUserOpPolicy`: which calls pass, which are refused and why, and
/// what each call counts as spending.
contract SessionPolicyScopeTest is SessionPolicyFixture {
    bytes4 internal constant SET_OPERATOR = bytes4(keccak256("setOperator(address,bool)"));
    bytes4 internal constant WITHDRAW_TO = bytes4(keccak256("withdrawTo(address,uint256)"));

    // Token indices in `_scopeConfig`.
    uint256 internal constant USDC_I = 0;
    uint256 internal constant WETH_I = 1;
    uint256 internal constant NATIVE_I = 2;

    /// USDC (ERC-20 spending functions), swaps on ROUTER (any limited token in, ETH allowed),
    /// deposits of WETH into VAULT, setOperator(account, true) on VAULT, ETH and DAI to anyone.
    function _scopeConfig() internal pure returns (SessionConfig memory c) {
        c = _config();
        _addCall(c, _permission(USDC, TRANSFER));
        _addCall(c, _permission(USDC, TRANSFER_FROM));
        _addCall(c, _permission(USDC, APPROVE));
        _addCall(c, _permission(USDC, INCREASE_ALLOWANCE));
        CallPermission memory swap = _swapPermission();
        swap.allowValue = true;
        _addCall(c, swap);
        CallPermission memory deposit = _depositPermission(WETH);
        deposit.accountArg = 1;
        _addCall(c, deposit);
        CallPermission memory operator = _permission(VAULT, SET_OPERATOR);
        operator.accountArg = 0;
        operator.equalArg = 1;
        operator.equalValue = bytes32(uint256(1));
        _addCall(c, operator);
        _addCall(c, _valuePermission(PAYEE, bytes4(0)));
        _addCall(c, _permission(DAI, TRANSFER));
        _addToken(c, _limit(USDC, 0, 1_000, 0, 0));
        _addToken(c, _limit(WETH, 0, 1_000, 0, 0));
        _addToken(c, _limit(NATIVE_TOKEN, 0, 1_000, 0, 0));
    }

    function setUp() public override {
        super.setUp();
        _install(_scopeConfig());
    }

    function _refuse(bytes memory err, bytes memory callData) internal {
        _expectRefusal(err, _op(callData, START));
    }

    function _accept(bytes memory callData) internal {
        assertEq(_check(_op(callData, START)), _range(START, END));
    }

    function _spent(uint256 token) internal view returns (uint256) {
        return 1_000 - _remainingTotal(token);
    }

    /*//////////////////////////////////////////////////////////////
                            ACCOUNT FUNCTION
    //////////////////////////////////////////////////////////////*/

    function test_onlyExecuteIsAccepted() public {
        bytes memory executeUserOp = abi.encodeWithSignature("executeUserOp(bytes,bytes32)", "", bytes32(0));
        _refuse(abi.encodeWithSelector(ExecutionLib.UnsupportedFunction.selector, bytes4(executeUserOp)), executeUserOp);
        _refuse(abi.encodeWithSelector(ExecutionLib.MalformedCallData.selector), "");
    }

    function test_onlyDefaultSingleAndBatchModes() public {
        bytes memory execution = abi.encodePacked(PAYEE, uint256(1), "");
        bytes32 delegate = bytes32(uint256(0xff) << 248);
        bytes32 tryMode = bytes32(uint256(0x0001) << 240);
        _refuse(
            abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, delegate),
            abi.encodeWithSelector(EXECUTE, delegate, execution)
        );
        _refuse(
            abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, tryMode),
            abi.encodeWithSelector(EXECUTE, tryMode, execution)
        );
    }

    function test_refusesMalformedExecutions() public {
        _refuse(abi.encodeWithSelector(ExecutionLib.MalformedCallData.selector), bytes.concat(_transfer(USDC, 1), hex"00"));
        Execution[] memory none = new Execution[](0);
        _refuse(abi.encodeWithSelector(ExecutionLib.EmptyBatch.selector), _batch(none));
        // Calldata of one to three bytes has no selector.
        _refuse(abi.encodeWithSelector(ExecutionLib.MalformedCallData.selector), _single(PAYEE, 0, hex"a9"));
    }

    /*//////////////////////////////////////////////////////////////
                                TARGETS
    //////////////////////////////////////////////////////////////*/

    function test_refusesTheAccountAndThePolicyAsTargets() public {
        _refuse(abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, ACCOUNT), _single(ACCOUNT, 0, ""));
        _refuse(
            abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, address(policy)),
            _single(address(policy), 0, abi.encodeWithSelector(ISessionPolicy.revoke.selector, ID))
        );
        // Also as the second call of a batch.
        _refuse(
            abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, ACCOUNT),
            _batch(_transferCall(USDC, 1), Execution(ACCOUNT, 0, ""))
        );
    }

    function test_refusesCallsWithoutPermission() public {
        _refuse(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, WETH, TRANSFER), _transfer(WETH, 1));
        _refuse(
            abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, ROUTER, DEPOSIT),
            _single(ROUTER, 0, abi.encodeWithSelector(DEPOSIT, 1, ACCOUNT))
        );
        // A plain transfer to a contract that only has function permissions.
        _refuse(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, ROUTER, bytes4(0)), _single(ROUTER, 1, ""));
        // The EntryPoint can never be a permitted target: the deposit stays out of reach.
        _refuse(
            abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, ENTRY_POINT, WITHDRAW_TO),
            _single(ENTRY_POINT, 0, abi.encodeWithSelector(WITHDRAW_TO, PAYEE, 1))
        );
        // One call out of scope refuses the whole batch.
        _refuse(
            abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, WETH, TRANSFER),
            _batch(_transferCall(USDC, 1), _transferCall(WETH, 1))
        );
    }

    function test_valueOnlyWherePermitted() public {
        _refuse(
            abi.encodeWithSelector(CallRuleLib.ValueNotAllowed.selector, USDC, TRANSFER, 1),
            _single(USDC, 1, abi.encodeWithSelector(TRANSFER, PAYEE, 5))
        );
        _accept(_single(PAYEE, 7, ""));
        _accept(_single(ROUTER, 3, abi.encodeWithSelector(SWAP, NATIVE_TOKEN, 3, ACCOUNT, 1)));
        // Value and amount are both native here: 7 + 3 + 3.
        assertEq(_spent(NATIVE_I), 13);
    }

    /// Sending nothing to a plain-transfer target is a call like any other.
    function test_plainTransferOfZeroIsAccepted() public {
        _accept(_single(PAYEE, 0, ""));
        assertEq(_spent(NATIVE_I), 0);
    }

    /// A plain-transfer permission (selector 0x00000000: empty calldata) refuses calldata that starts
    /// with four zero bytes: otherwise the session could call the target's fallback, or a function
    /// whose selector is 0x00000000, with arbitrary arguments.
    function test_plainTransferPermissionRefusesCalldata() public {
        _refuse(
            abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, PAYEE, bytes4(0)),
            _single(PAYEE, 0, hex"00000000deadbeef")
        );
    }

    /*//////////////////////////////////////////////////////////////
                               ARGUMENTS
    //////////////////////////////////////////////////////////////*/

    function test_accountArgumentMustBeTheAccount() public {
        _accept(_swap(USDC, 10, ACCOUNT));
        _refuse(abi.encodeWithSelector(CallRuleLib.ArgumentNotAccount.selector, ROUTER, SWAP, uint8(2)), _swap(USDC, 10, PAYEE));
        _refuse(
            abi.encodeWithSelector(CallRuleLib.ArgumentNotAccount.selector, ROUTER, SWAP, uint8(2)),
            _swap(USDC, 10, OTHER_ACCOUNT)
        );
    }

    function test_equalArgumentMustMatch() public {
        _accept(_single(VAULT, 0, abi.encodeWithSelector(SET_OPERATOR, ACCOUNT, true)));
        _refuse(
            abi.encodeWithSelector(CallRuleLib.ArgumentMismatch.selector, VAULT, SET_OPERATOR, uint8(1)),
            _single(VAULT, 0, abi.encodeWithSelector(SET_OPERATOR, ACCOUNT, false))
        );
    }

    function test_refusesMissingOrDirtyArguments() public {
        // The recipient word is missing.
        _refuse(
            abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, ROUTER, SWAP, uint8(2)),
            _single(ROUTER, 0, abi.encodeWithSelector(SWAP, USDC, 10))
        );
        // The amount word is missing.
        _refuse(
            abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, USDC, TRANSFER, uint8(1)),
            _single(USDC, 0, abi.encodeWithSelector(TRANSFER, PAYEE))
        );
        // A token argument with dirty upper bits.
        _refuse(
            abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, ROUTER, SWAP, uint8(0)),
            _single(ROUTER, 0, abi.encodeWithSelector(SWAP, (uint256(1) << 160) | uint160(USDC), 10, ACCOUNT, 1))
        );
    }

    function test_tokenArgumentMustBeALimitedToken() public {
        _refuse(abi.encodeWithSelector(ISessionPolicy.TokenNotLimited.selector, DAI), _swap(DAI, 10, ACCOUNT));
        _refuse(abi.encodeWithSelector(ISessionPolicy.TokenNotLimited.selector, address(0)), _swap(address(0), 0, ACCOUNT));
    }

    /*//////////////////////////////////////////////////////////////
                                COUNTING
    //////////////////////////////////////////////////////////////*/

    function test_erc20SpendingFunctionsCountTheirAmount() public {
        _accept(_transfer(USDC, 11));
        _accept(_single(USDC, 0, abi.encodeWithSelector(APPROVE, ROUTER, 13)));
        _accept(_single(USDC, 0, abi.encodeWithSelector(INCREASE_ALLOWANCE, ROUTER, 17)));
        _accept(_single(USDC, 0, abi.encodeWithSelector(TRANSFER_FROM, ACCOUNT, PAYEE, 19)));
        assertEq(_spent(USDC_I), 11 + 13 + 17 + 19);
        assertEq(_spent(WETH_I), 0);
        assertEq(_spent(NATIVE_I), 0);
    }

    function test_namedAmountsCountInTheirToken() public {
        _accept(_swap(USDC, 5, ACCOUNT));
        _accept(_swap(WETH, 7, ACCOUNT));
        _accept(_single(VAULT, 0, abi.encodeWithSelector(DEPOSIT, 9, ACCOUNT)));
        assertEq(_spent(USDC_I), 5);
        assertEq(_spent(WETH_I), 7 + 9);
    }

    function test_tokensWithoutALimitAreNotCounted() public {
        vm.expectEmit(true, true, true, true, address(policy));
        emit ISessionPolicy.SessionUsed(
            ACCOUNT, ID, address(0), 0, 0, 0, type(uint256).max, type(uint256).max, 0, type(uint32).max, type(uint256).max
        );
        _accept(_transfer(DAI, 1e30));
        assertEq(_spent(USDC_I) + _spent(WETH_I) + _spent(NATIVE_I), 0);
    }

    function test_batchCountsEveryCall() public {
        Execution[] memory calls = new Execution[](5);
        calls[0] = _transferCall(USDC, 100);
        calls[1] = Execution(PAYEE, 20, "");
        calls[2] = Execution(ROUTER, 30, abi.encodeWithSelector(SWAP, WETH, 40, ACCOUNT, 1));
        calls[3] = Execution(USDC, 0, abi.encodeWithSelector(APPROVE, ROUTER, 50));
        calls[4] = Execution(DAI, 0, abi.encodeWithSelector(TRANSFER, PAYEE, 60));
        _accept(_batch(calls));
        assertEq(_spent(USDC_I), 150);
        assertEq(_spent(WETH_I), 40);
        assertEq(_spent(NATIVE_I), 50);
    }

    function test_hugeAmountIsRefusedByTheCap() public {
        _refuse(
            abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, USDC, type(uint256).max, 1_000),
            _transfer(USDC, type(uint256).max)
        );
    }

    /// A token's amounts add up saturating ("any cap is below"): a batch whose amounts pass
    /// 2^256 - 1 does not panic. For a listed token without caps that keeps a valid operation
    /// valid: two unlimited approvals in one batch.
    function test_batchAmountsSaturate() public {
        SessionConfig memory c = _config();
        _addCall(c, _permission(WETH, APPROVE));
        _addToken(c, _limit(WETH, 0, 0, 0, 0));
        _installAs(ACCOUNT, OTHER_ID, c);
        Execution[] memory calls = new Execution[](2);
        calls[0] = Execution(WETH, 0, abi.encodeWithSelector(APPROVE, ROUTER, type(uint256).max));
        calls[1] = Execution(WETH, 0, abi.encodeWithSelector(APPROVE, VAULT, type(uint256).max));
        assertEq(_checkAs(ACCOUNT, OTHER_ID, _op(_batch(calls), START)), _range(START, END));
    }

    /// The op's other fields (initCode, nonce) do not change the decision.
    function testFuzz_scopeIgnoresUnrelatedFields(uint256 nonce, bytes calldata initCode) public {
        PackedUserOperation memory op = _op(_transfer(USDC, 1), START);
        op.nonce = nonce;
        op.initCode = initCode;
        assertEq(_check(op), _range(START, END));
    }
}
