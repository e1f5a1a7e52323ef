// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {PolicyTestBase} from "./PolicyTestBase.sol";
import {SpendLimitPolicy} from "../../contracts/policies/SpendLimitPolicy.sol";
import {ISpendLimitPolicy} from "../../contracts/interfaces/ISpendLimitPolicy.sol";
import {IStandalonePolicy} from "../../contracts/interfaces/IStandalonePolicy.sol";
import {CallRuleLib} from "../../contracts/libraries/CallRuleLib.sol";
import {ClaimLib} from "../../contracts/libraries/ClaimLib.sol";
import {ExecutionLib} from "../../contracts/libraries/ExecutionLib.sol";
import {GasLib} from "../../contracts/libraries/GasLib.sol";
import {PeriodLib} from "../../contracts/libraries/PeriodLib.sol";
import {SpendLib} from "../../contracts/libraries/SpendLib.sol";
import {AmountRule, SpendLimitConfig} from "../../contracts/types/PolicyTypes.sol";
import {SessionStatus, TokenLimit, TokenRemaining, NATIVE_TOKEN, MAX_AMOUNT} from "../../contracts/types/SessionTypes.sol";

contract SpendLimitPolicyTest is PolicyTestBase {
    SpendLimitPolicy internal policy;
    address internal constant USDC = address(0x05DC);
    address internal constant DAI = address(0xDA1);
    address internal constant UNLIMITED_TOKEN = address(0x0DD);
    address internal constant ROUTER = address(0x2047);
    address internal constant VAULT = address(0x7A17);
    address internal constant FRIEND = address(0xF21E);
    uint32 internal constant DAY = 1 days;
    uint256 internal constant PER_TX = 100;
    uint256 internal constant PER_PERIOD = 300;
    uint256 internal constant TOTAL = 1000;
    uint256 internal constant DAI_TOTAL = 250;
    uint256 internal constant NATIVE_TOTAL = 5 ether;

    bytes4 internal constant TRANSFER = 0xa9059cbb;
    bytes4 internal constant TRANSFER_FROM = 0x23b872dd;
    bytes4 internal constant APPROVE = 0x095ea7b3;
    bytes4 internal constant INCREASE_ALLOWANCE = 0x39509351;
    bytes4 internal constant BURN = bytes4(keccak256("burn(uint256)"));
    bytes4 internal constant SWAP = bytes4(keccak256("swap(address,uint256,address)"));
    bytes4 internal constant DEPOSIT = bytes4(keccak256("deposit(uint256,address)"));

    /// Fee cap of the test permission: far above what operations without gas fields can cost.
    uint128 internal constant FEE_CAP = 1 ether;

    function setUp() public {
        policy = new SpendLimitPolicy();
        _register(_config());
    }

    /// USDC: 100 per operation, 300 a day, 1000 in all. Native: 5 ether in all. DAI: 250 in all.
    /// Rules: a router's swap counts amountIn in its tokenIn; a vault's deposit and USDC's burn in USDC.
    function _config() internal pure returns (SpendLimitConfig memory config) {
        config.start = T0;
        config.maxFeePerOperation = FEE_CAP;
        config.tokens = new TokenLimit[](3);
        config.tokens[0] = TokenLimit(USDC, PER_TX, TOTAL, PER_PERIOD, DAY);
        config.tokens[1] = TokenLimit(NATIVE_TOKEN, 0, NATIVE_TOTAL, 0, 0);
        config.tokens[2] = TokenLimit(DAI, 0, DAI_TOTAL, 0, 0);
        config.rules = new AmountRule[](3);
        config.rules[0] = AmountRule(ROUTER, SWAP, 1, 0, address(0));
        config.rules[1] = AmountRule(VAULT, DEPOSIT, 0, NO_ARG, USDC);
        config.rules[2] = AmountRule(USDC, BURN, 0, NO_ARG, USDC);
    }

    function _register(SpendLimitConfig memory config) internal {
        vm.prank(account);
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
    }

    function _checkOp(bytes memory callData, bytes memory slice) internal returns (uint256) {
        PackedUserOperation memory op = _op(callData, slice);
        vm.prank(account);
        return policy.checkUserOpPolicy(ID, op);
    }

    function _at(bytes memory callData, uint48 time) internal returns (uint256) {
        return _checkOp(callData, _claim(time));
    }

    function _send(address token, uint256 amount) internal pure returns (bytes memory) {
        return _single(token, 0, abi.encodeWithSelector(TRANSFER, FRIEND, amount));
    }

    function _remaining(uint256 i) internal view returns (TokenRemaining memory) {
        return policy.getRemaining(account, ID)[i];
    }

    function _expectConfig(bytes4 selector, uint256 index, string memory reason) internal {
        vm.expectRevert(abi.encodeWithSelector(selector, index, reason));
    }

    /*//////////////////////////////////////////////////////////////
                           PER-OPERATION CAP
    //////////////////////////////////////////////////////////////*/

    function test_perTransactionCapReachedExactlyThenExceededByOne() public {
        _at(_send(USDC, PER_TX), T0);
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PerTransactionCapExceeded.selector, USDC, PER_TX + 1, PER_TX));
        _at(_send(USDC, PER_TX + 1), T0);
    }

    /// The cap applies to the sum over a batch.
    function test_aBatchAddsUpAgainstThePerTransactionCap() public {
        bytes memory sixty = abi.encodeWithSelector(TRANSFER, FRIEND, 60);
        _at(_batch(_calls(_call(USDC, 0, sixty), _call(USDC, 0, abi.encodeWithSelector(APPROVE, ROUTER, 40)))), T0);
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PerTransactionCapExceeded.selector, USDC, PER_TX + 1, PER_TX));
        _at(_batch(_calls(_call(USDC, 0, sixty), _call(USDC, 0, abi.encodeWithSelector(APPROVE, ROUTER, 41)))), T0);
    }

    /// Two huge amounts in one batch saturate instead of overflowing: the cap error, not a panic.
    function test_aBatchSumSaturates() public {
        bytes memory huge = abi.encodeWithSelector(TRANSFER, FRIEND, 1 << 255);
        vm.expectRevert(
            abi.encodeWithSelector(SpendLib.PerTransactionCapExceeded.selector, USDC, type(uint256).max, PER_TX)
        );
        _at(_batch(_calls(_call(USDC, 0, huge), _call(USDC, 0, huge))), T0);
    }

    /*//////////////////////////////////////////////////////////////
                                PERIODS
    //////////////////////////////////////////////////////////////*/

    function test_periodAllowanceReachedExactlyThenExceededByOne() public {
        for (uint256 i; i < PER_PERIOD / PER_TX; ++i) {
            (uint48 validAfter, uint48 validUntil) = _range(_at(_send(USDC, PER_TX), T0 + 100));
            assertEq(validAfter, T0);
            assertEq(validUntil, T0 + DAY - 1);
        }
        assertEq(_remaining(0).remainingInPeriod, 0);
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PeriodAllowanceExceeded.selector, USDC, 1, 0, 0));
        _at(_send(USDC, 1), T0 + DAY - 1);
    }

    function test_aNewPeriodRefillsWithoutOwnerAction() public {
        _at(_send(USDC, PER_TX), T0);
        _at(_send(USDC, PER_TX), T0);
        _at(_send(USDC, PER_TX), T0);
        (uint48 validAfter, uint48 validUntil) = _range(_at(_send(USDC, PER_TX), T0 + DAY));
        assertEq(validAfter, T0 + DAY);
        assertEq(validUntil, T0 + 2 * DAY - 1);
        vm.warp(T0 + DAY + 1);
        TokenRemaining memory r = _remaining(0);
        assertEq(r.periodIndex, 1);
        assertEq(r.remainingInPeriod, PER_PERIOD - PER_TX);
        assertEq(r.refillsAt, T0 + 2 * DAY);
        assertEq(r.remainingTotal, TOTAL - 4 * PER_TX);
    }

    function test_refusesAClaimInAnOlderPeriod() public {
        _at(_send(USDC, 1), T0 + DAY);
        vm.expectRevert(abi.encodeWithSelector(SpendLib.PeriodInPast.selector, USDC, 0, 1));
        _at(_send(USDC, 1), T0 + DAY - 1);
    }

    /// The claim is read only when a token with a period spends.
    function test_aClaimIsNeededOnlyForTokensWithAPeriod() public {
        assertEq(_checkOp(_send(DAI, 1), ""), uint256(type(uint48).max) << 160, "no range without a period");
        vm.expectRevert(ClaimLib.MissingClaim.selector);
        _checkOp(_send(USDC, 1), "");
        vm.expectRevert(abi.encodeWithSelector(ClaimLib.MalformedClaim.selector, 7));
        _checkOp(_send(USDC, 1), hex"00000000000001");
        vm.expectRevert(abi.encodeWithSelector(PeriodLib.ClaimBeforeStart.selector, T0 - 1, T0));
        _at(_send(USDC, 1), T0 - 1);
    }

    /*//////////////////////////////////////////////////////////////
                                 TOTALS
    //////////////////////////////////////////////////////////////*/

    function test_totalReachedExactlyThenExceededByOne() public {
        _checkOp(_send(DAI, DAI_TOTAL - 50), "");
        _checkOp(_send(DAI, 50), "");
        assertEq(_remaining(2).remainingTotal, 0);
        vm.expectRevert(abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, DAI, 1, 0));
        _checkOp(_send(DAI, 1), "");
    }

    /// USDC's lifetime total holds across periods: 10 × 100 over four days, then one more unit fails.
    function test_totalHoldsAcrossPeriods() public {
        for (uint48 day; day < 4; ++day) {
            for (uint256 i; i < 3 && (day * 3 + i) < TOTAL / PER_TX; ++i) {
                _at(_send(USDC, PER_TX), T0 + day * DAY);
            }
        }
        assertEq(_remaining(0).remainingTotal, 0);
        vm.expectRevert(abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, USDC, 1, 0));
        _at(_send(USDC, 1), T0 + 5 * DAY);
    }

    function test_nativeValueCountsAcrossTheBatch() public {
        _checkOp(_batch(_calls(_call(FRIEND, 2 ether, ""), _call(ROUTER, 3 ether, hex"d0e30db0"))), "");
        assertEq(_remaining(1).remainingTotal, 0);
        vm.expectRevert(abi.encodeWithSelector(SpendLib.TotalCapExceeded.selector, NATIVE_TOKEN, 1, 0));
        _checkOp(_single(FRIEND, 1, ""), "");
    }

    function test_valueWithoutANativeLimitIsRefused() public {
        SpendLimitConfig memory config = _config();
        config.tokens[1].token = address(0x5555);
        _register(config);
        vm.expectRevert(abi.encodeWithSelector(ISpendLimitPolicy.TokenNotLimited.selector, NATIVE_TOKEN));
        _checkOp(_single(FRIEND, 1, ""), "");
    }

    /*//////////////////////////////////////////////////////////////
                          WHAT COUNTS AS SPENDING
    //////////////////////////////////////////////////////////////*/

    function test_everyErc20SpendingFunctionCountsItsAmount() public {
        _checkOp(_single(DAI, 0, abi.encodeWithSelector(TRANSFER_FROM, account, FRIEND, 10)), "");
        _checkOp(_single(DAI, 0, abi.encodeWithSelector(APPROVE, ROUTER, 20)), "");
        _checkOp(_single(DAI, 0, abi.encodeWithSelector(INCREASE_ALLOWANCE, ROUTER, 30)), "");
        _checkOp(_send(DAI, 40), "");
        assertEq(_remaining(2).remainingTotal, DAI_TOTAL - 100);
        // approve(spender, 0) withdraws an approval: it counts nothing.
        _checkOp(_single(DAI, 0, abi.encodeWithSelector(APPROVE, ROUTER, 0)), "");
        assertEq(_remaining(2).remainingTotal, DAI_TOTAL - 100);
    }

    /// Any other function of a limited token is refused unless a rule names its amount.
    function test_aLimitedTokensOtherFunctionsNeedARule() public {
        bytes4 send777 = bytes4(keccak256("send(address,uint256,bytes)"));
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, DAI, send777));
        _checkOp(_single(DAI, 0, abi.encodeWithSelector(send777, FRIEND, 1, "")), "");
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, DAI, bytes4(0)));
        _checkOp(_single(DAI, 0, ""), "");
        // USDC's burn has a rule: it counts.
        _at(_single(USDC, 0, abi.encodeWithSelector(BURN, 70)), T0);
        assertEq(_remaining(0).remainingTotal, TOTAL - 70);
    }

    function test_amountRulesCountInTheirToken() public {
        _at(_single(ROUTER, 0, abi.encodeWithSelector(SWAP, USDC, 60, account)), T0);
        _at(_single(VAULT, 0, abi.encodeWithSelector(DEPOSIT, 40, account)), T0);
        assertEq(_remaining(0).remainingInPeriod, PER_PERIOD - 100);
        _checkOp(_single(ROUTER, 0, abi.encodeWithSelector(SWAP, DAI, 25, account)), "");
        assertEq(_remaining(2).remainingTotal, DAI_TOTAL - 25);
        vm.expectRevert(abi.encodeWithSelector(ISpendLimitPolicy.TokenNotLimited.selector, UNLIMITED_TOKEN));
        _checkOp(_single(ROUTER, 0, abi.encodeWithSelector(SWAP, UNLIMITED_TOKEN, 1, account)), "");
        bytes memory dirty = abi.encodeWithSelector(SWAP, (uint256(1) << 160) | uint160(USDC), 1, account);
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, ROUTER, SWAP, 0));
        _checkOp(_single(ROUTER, 0, dirty), "");
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.MalformedArgument.selector, VAULT, DEPOSIT, 0));
        _checkOp(_single(VAULT, 0, abi.encodePacked(DEPOSIT)), "");
    }

    /// Not a scope policy: calls that spend nothing it can see pass, uncounted.
    function test_callsSpendingNothingVisiblePass() public {
        vm.expectEmit(address(policy));
        emit ISpendLimitPolicy.SpendLimitUsed(account, ID, address(0), nonce + 1, 0, 0, type(uint256).max, type(uint256).max);
        _checkOp(_send(UNLIMITED_TOKEN, 1e30), "");
        _checkOp(_single(VAULT, 0, abi.encodeWithSelector(bytes4(0x12345678), 1e30)), "");
        assertEq(_remaining(0).remainingTotal, TOTAL);
    }

    function test_refusesModesAndCallsThatEscapeCounting() public {
        bytes memory execution = abi.encodePacked(USDC, uint256(0), abi.encodeWithSelector(TRANSFER, FRIEND, 1));
        bytes32 delegatecall = bytes32(bytes1(0xff));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, delegatecall));
        _at(_withMode(delegatecall, execution), T0);
        bytes32 tryBatch = bytes32(bytes2(0x0101));
        vm.expectRevert(abi.encodeWithSelector(ExecutionLib.UnsupportedExecMode.selector, tryBatch));
        _at(_withMode(tryBatch, abi.encode(_repeat(_call(FRIEND, 0, ""), 1))), T0);
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, account));
        _at(_single(account, 0, _send(USDC, 1)), T0);
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.ForbiddenTarget.selector, address(policy)));
        _at(_single(address(policy), 0, abi.encodeWithSelector(bytes4(0x6d61fe70), "")), T0);
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, ROUTER, bytes4(0x6d61fe70)));
        _at(_single(ROUTER, 0, abi.encodeWithSelector(bytes4(0x6d61fe70), "")), T0);
    }

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    function test_refusesInvalidTokenLimits() public {
        bytes4 e = ISpendLimitPolicy.InvalidTokenLimit.selector;
        SpendLimitConfig memory config = _config();
        vm.startPrank(account);
        config.tokens[2] = TokenLimit(address(0), 0, 1, 0, 0);
        _expectConfig(e, 2, "token is the zero address");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.tokens[2] = TokenLimit(DAI, 0, MAX_AMOUNT + 1, 0, 0);
        _expectConfig(e, 2, "limit above 2^96 - 2 (0 = unlimited)");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.tokens[2] = TokenLimit(DAI, 0, 0, 10, 0);
        _expectConfig(e, 2, "perPeriod and period must be set together");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.tokens[2] = TokenLimit(DAI, 0, 0, 10, 3599);
        _expectConfig(e, 2, "period shorter than 1 hour");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.tokens[2] = TokenLimit(DAI, 11, 10, 0, 0);
        _expectConfig(e, 2, "perTransaction exceeds total");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.tokens[2] = TokenLimit(DAI, 11, 0, 10, 3600);
        _expectConfig(e, 2, "perTransaction exceeds perPeriod");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.tokens[2] = TokenLimit(USDC, 0, 1, 0, 0);
        _expectConfig(e, 2, "duplicate token");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        // The boundaries are accepted: the largest amount, the shortest period.
        config.tokens[2] = TokenLimit(DAI, MAX_AMOUNT, MAX_AMOUNT, MAX_AMOUNT, 3600);
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        vm.stopPrank();
        assertEq(policy.getConfig(account, ID).tokens[2].total, MAX_AMOUNT);
    }

    function test_refusesInvalidAmountRules() public {
        bytes4 e = ISpendLimitPolicy.InvalidAmountRule.selector;
        SpendLimitConfig memory config = _config();
        vm.startPrank(account);
        config.rules[2] = AmountRule(VAULT, BURN, NO_ARG, NO_ARG, USDC);
        _expectConfig(e, 2, "no amount argument");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(DAI, TRANSFER, 1, NO_ARG, DAI);
        _expectConfig(e, 2, "ERC-20 spending functions count their own amount");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(VAULT, BURN, 0, NO_ARG, UNLIMITED_TOKEN);
        _expectConfig(e, 2, "amountToken has no limit");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(VAULT, BURN, 0, 1, USDC);
        _expectConfig(e, 2, "amountToken needs amountArg and no tokenArg");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(VAULT, DEPOSIT, 1, NO_ARG, USDC);
        _expectConfig(e, 2, "duplicate target and selector");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(account, BURN, 0, NO_ARG, USDC);
        _expectConfig(e, 2, "target is the account itself");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(address(policy), BURN, 0, NO_ARG, USDC);
        _expectConfig(e, 2, "target is the policy");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(VAULT, bytes4(0x6d61fe70), 0, NO_ARG, USDC);
        _expectConfig(e, 2, "module install/uninstall functions are never allowed");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(VAULT, bytes4(0), 0, NO_ARG, USDC);
        _expectConfig(e, 2, "a plain transfer has no arguments");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        config.rules[2] = AmountRule(VAULT, BURN, 1, 1, address(0));
        _expectConfig(e, 2, "tokenArg and amountArg are the same word");
        policy.onInstall(abi.encodePacked(ID, abi.encode(config)));
        vm.stopPrank();
    }

    /// `tokens` capped tokens and `rules` rules counting in the first of them.
    function _sized(uint256 tokens, uint256 rules) internal pure returns (SpendLimitConfig memory config) {
        config.maxFeePerOperation = FEE_CAP;
        config.tokens = new TokenLimit[](tokens);
        for (uint256 i; i < tokens; ++i) config.tokens[i] = TokenLimit(address(uint160(0x1000 + i)), 0, 1, 0, 0);
        config.rules = new AmountRule[](rules);
        for (uint256 i; i < rules; ++i) config.rules[i] = AmountRule(address(uint160(0x2000 + i)), BURN, 0, NO_ARG, address(0x1000));
    }

    function test_refusesEmptyAndOversizedConfigs() public {
        vm.startPrank(account);
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "no token limit"));
        policy.onInstall(abi.encodePacked(ID, abi.encode(_sized(0, 0))));
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "too many token limits"));
        policy.onInstall(abi.encodePacked(ID, abi.encode(_sized(9, 0))));
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.InvalidPolicyConfig.selector, "too many amount rules"));
        policy.onInstall(abi.encodePacked(ID, abi.encode(_sized(8, 33))));
        // Exactly the maxima are accepted.
        policy.onInstall(abi.encodePacked(ID, abi.encode(_sized(8, 32))));
        vm.stopPrank();
        SpendLimitConfig memory stored = policy.getConfig(account, ID);
        assertEq(stored.tokens.length, 8);
        assertEq(stored.rules.length, 32);
    }

    function test_configRoundTripsAndEmits() public {
        vm.expectEmit(address(policy));
        emit ISpendLimitPolicy.SpendLimitRegistered(account, ID, _config());
        _register(_config());
        assertEq(abi.encode(policy.getConfig(account, ID)), abi.encode(_config()));
        assertTrue(policy.isModuleType(5));
        assertTrue(policy.isInitialized(account));
    }

    /*//////////////////////////////////////////////////////////////
                                  GAS
    //////////////////////////////////////////////////////////////*/

    function _gassed(uint256 preVerificationGas, uint256 maxFee) internal returns (PackedUserOperation memory op) {
        op = _op(_send(DAI, 1), "");
        op.preVerificationGas = preVerificationGas;
        op.gasFees = bytes32(maxFee);
    }

    function _checkGassed(PackedUserOperation memory op) internal returns (uint256) {
        vm.prank(account);
        return policy.checkUserOpPolicy(ID, op);
    }

    function test_gas_unboundedRegistrationIsRefused() public {
        SpendLimitConfig memory config = _config();
        config.maxFeePerOperation = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                IStandalonePolicy.InvalidPolicyConfig.selector, "gas is unbounded: set maxFeePerOperation, maxFeeTotal or a paymaster"
            )
        );
        _register(config);
    }

    /// The drain: a huge preVerificationGas and fee, the account paying the prefund.
    function test_gas_capAndBudgetApplyToEveryOperation() public {
        vm.expectRevert(abi.encodeWithSelector(GasLib.FeeCapExceeded.selector, 1e7 * 1e12, FEE_CAP));
        _checkGassed(_gassed(1e7, 1e12));

        SpendLimitConfig memory config = _config();
        config.maxFeePerOperation = 0;
        config.maxFeeTotal = 1_000;
        _register(config);
        assertEq(policy.getFeeLeft(account, ID), 1_000);
        _checkGassed(_gassed(600, 1));
        assertEq(policy.getFeeLeft(account, ID), 400);
        vm.expectRevert(abi.encodeWithSelector(GasLib.FeeBudgetExceeded.selector, 401, 400));
        _checkGassed(_gassed(401, 1));
        _checkGassed(_gassed(400, 1));
        assertEq(policy.getFeeLeft(account, ID), 0);
        assertEq(policy.getConfig(account, ID).maxFeeTotal, 1_000);
    }

    function test_gas_paymasterOnlyAsConfigured() public {
        PackedUserOperation memory op = _gassed(1e7, 1e12);
        op.paymasterAndData = abi.encodePacked(address(0x9A7), uint128(1), uint128(1));
        vm.expectRevert(abi.encodeWithSelector(GasLib.PaymasterNotAllowed.selector, address(0x9A7)));
        _checkGassed(op);

        SpendLimitConfig memory config = _config();
        config.maxFeePerOperation = 0;
        config.paymaster = address(0x9A7);
        _register(config);
        _checkGassed(op);
        op.paymasterAndData = "";
        vm.expectRevert(abi.encodeWithSelector(GasLib.PaymasterRequired.selector, address(0x9A7)));
        _checkGassed(op);
        assertEq(policy.getFeeLeft(account, ID), type(uint256).max);
    }

    /*//////////////////////////////////////////////////////////////
                      REVOCATION AND RE-REGISTRATION
    //////////////////////////////////////////////////////////////*/

    function test_revocationRefusesAndReRegistrationStartsFromNothingSpent() public {
        _checkOp(_send(DAI, DAI_TOTAL), "");
        vm.expectEmit(address(policy));
        emit ISpendLimitPolicy.SpendLimitRevoked(account, ID);
        vm.prank(account);
        policy.revoke(ID);
        assertFalse(policy.isInitialized(account));
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Revoked));
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, ID, SessionStatus.Revoked));
        _checkOp(_send(DAI, 1), "");

        // Registered again without rules: the full allowance is back and the old rules are gone.
        SpendLimitConfig memory config = _config();
        config.rules = new AmountRule[](0);
        _register(config);
        _checkOp(_send(DAI, DAI_TOTAL), "");
        vm.expectRevert(abi.encodeWithSelector(CallRuleLib.CallNotAllowed.selector, USDC, BURN));
        _at(_single(USDC, 0, abi.encodeWithSelector(BURN, 1)), T0);
        _checkOp(_single(VAULT, 0, abi.encodeWithSelector(DEPOSIT, 500, account)), "");
        assertEq(_remaining(0).remainingTotal, TOTAL, "the vault rule is gone: nothing counted");
    }

    function test_uninstallRevokesAndUnknownIsRefused() public {
        vm.prank(account);
        policy.onUninstall(abi.encodePacked(ID));
        vm.prank(account);
        policy.onUninstall(abi.encodePacked(ID));
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, ID, SessionStatus.Revoked));
        vm.prank(account);
        policy.revoke(ID);
        PackedUserOperation memory op = _op(_send(DAI, 1), "");
        vm.expectRevert(abi.encodeWithSelector(IStandalonePolicy.PolicyNotActive.selector, ID, SessionStatus.Unknown));
        vm.prank(makeAddr("stranger"));
        policy.checkUserOpPolicy(ID, op);
    }

    /*//////////////////////////////////////////////////////////////
                          SIGNATURES AND VIEWS
    //////////////////////////////////////////////////////////////*/

    function test_signaturesAreAlwaysRefused() public {
        vm.prank(account);
        assertEq(policy.checkSignaturePolicy(ID, USDC, keccak256("permit"), ""), 1);
    }

    function test_eventsAndStatus() public {
        vm.expectEmit(address(policy));
        emit ISpendLimitPolicy.SpendLimitUsed(account, ID, USDC, nonce + 1, 50, 0, TOTAL - 50, PER_PERIOD - 50);
        vm.expectEmit(address(policy));
        emit ISpendLimitPolicy.SpendLimitUsed(account, ID, NATIVE_TOKEN, nonce + 1, 1, 0, NATIVE_TOTAL - 1, type(uint256).max);
        _at(_batch(_calls(_call(USDC, 0, abi.encodeWithSelector(TRANSFER, FRIEND, 50)), _call(FRIEND, 1, ""))), T0);

        // Exhausted only when every token has a total and none of it remains.
        SpendLimitConfig memory config;
        config.maxFeePerOperation = FEE_CAP;
        config.tokens = new TokenLimit[](1);
        config.tokens[0] = TokenLimit(DAI, 0, 5, 0, 0);
        _register(config);
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Active));
        _checkOp(_send(DAI, 5), "");
        assertEq(uint8(policy.getStatus(account, ID)), uint8(SessionStatus.Exhausted));
        TokenRemaining memory r = _remaining(0);
        assertEq(r.perTransaction, type(uint256).max);
        assertEq(r.remainingInPeriod, type(uint256).max);
    }

    /*//////////////////////////////////////////////////////////////
                                  FUZZ
    //////////////////////////////////////////////////////////////*/

    /// Random USDC spends at random, non-decreasing times: the policy accepts exactly what a direct
    /// model of the three limits accepts.
    function testFuzz_acceptsExactlyWhatTheLimitsAllow(uint256 seed) public {
        uint48 time = T0;
        uint256 lastPeriod;
        uint256 inPeriod;
        uint256 total;
        for (uint256 step; step < 16; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            time += uint48(r % (DAY / 2));
            uint256 amount = (r >> 64) % (PER_TX + 20);
            uint256 period = (time - T0) / DAY;
            uint256 spentInPeriod = period == lastPeriod ? inPeriod : 0;
            bool allowed = amount <= PER_TX && spentInPeriod + amount <= PER_PERIOD && total + amount <= TOTAL;

            PackedUserOperation memory op = _op(_send(USDC, amount), _claim(time));
            vm.prank(account);
            try policy.checkUserOpPolicy(ID, op) returns (uint256) {
                assertTrue(allowed, "accepted over a limit");
                if (amount != 0) {
                    lastPeriod = period;
                    inPeriod = spentInPeriod + amount;
                    total += amount;
                }
            } catch {
                assertFalse(allowed, "refused within the limits");
            }
            assertLe(inPeriod, PER_PERIOD);
            assertEq(_remaining(0).remainingTotal, TOTAL - total);
        }
    }
}
