// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MAX_AMOUNT} from "../types/SessionTypes.sol";

/// @notice What a session's operations may cost in gas fees: a paymaster the owner named, a cap per
/// operation and a budget over the session's life. Without a bound, one operation signed by a leaked
/// key, with huge gas fields and fee, moves the account's coin to whoever submits it (the
/// EntryPoint pays the beneficiary from the account's prefund). So a session always has one.
/// @dev Validation knows an operation's most possible cost, not what it will pay: both the cap
/// and the budget count `(every gas limit + preVerificationGas) × maxFeePerGas`, the prefund the
/// EntryPoint asks for. What is really paid is lower (unused gas is refunded to the account's
/// deposit). The cap and the budget apply whoever pays: a token paymaster charges the account too.
library GasLib {
    /// @dev "No budget" in the fee-left counter.
    uint96 internal constant UNLIMITED = type(uint96).max;
    /// @dev The Fees word of a session with neither a cap nor a budget.
    uint256 internal constant NONE = uint256(UNLIMITED) << 96;

    /// @dev The operation names a paymaster other than the session's (or the session names none).
    error PaymasterNotAllowed(address paymaster);
    /// @dev The session bounds gas only through its paymaster, and the operation uses none.
    error PaymasterRequired(address paymaster);
    /// @dev The operation could cost more than the session's cap per operation.
    error FeeCapExceeded(uint256 maxCost, uint256 cap);
    /// @dev The operation could cost more than what remains of the session's fee budget.
    error FeeBudgetExceeded(uint256 maxCost, uint256 remaining);

    /// @notice The gas bounds of a session; one storage word: cap (96) | feeLeft (96), low to high.
    struct Fees {
        /// @dev Most one operation may cost; 0 = no cap.
        uint96 cap;
        /// @dev What remains of the lifetime budget; UNLIMITED = no budget.
        uint96 feeLeft;
    }

    function encode(Fees memory f) internal pure returns (uint256) {
        return uint256(f.cap) | (uint256(f.feeLeft) << 96);
    }

    function decode(uint256 word) internal pure returns (Fees memory f) {
        f.cap = uint96(word);
        f.feeLeft = uint96(word >> 96);
    }

    /// @notice The initial word for a cap and a budget as registered (0 = off for each).
    function initial(uint256 maxFeePerOperation, uint256 maxFeeTotal) internal pure returns (uint256) {
        return encode(Fees({cap: uint96(maxFeePerOperation), feeLeft: maxFeeTotal == 0 ? UNLIMITED : uint96(maxFeeTotal)}));
    }

    /// @notice Whether these gas bounds may be registered.
    /// @return reason empty when they may; otherwise what is wrong.
    function invalidReason(uint256 maxFeePerOperation, uint256 maxFeeTotal, address paymaster)
        internal
        pure
        returns (string memory reason)
    {
        if (maxFeePerOperation == 0 && maxFeeTotal == 0 && paymaster == address(0)) {
            return "gas is unbounded: set maxFeePerOperation, maxFeeTotal or a paymaster";
        }
        if (maxFeePerOperation > MAX_AMOUNT || maxFeeTotal > MAX_AMOUNT) return "fee limit above 2^96 - 2";
        if (maxFeeTotal != 0 && maxFeePerOperation > maxFeeTotal) return "maxFeePerOperation exceeds maxFeeTotal";
        return "";
    }

    /// @notice The most `userOp` can cost: its prefund, every gas limit times maxFeePerGas. Saturating,
    /// so absurd gas fields end in a cap error rather than an arithmetic panic.
    function maxCost(PackedUserOperation calldata userOp) internal pure returns (uint256) {
        uint256 limits = uint256(uint128(uint256(userOp.accountGasLimits >> 128))) + uint128(uint256(userOp.accountGasLimits));
        bytes calldata pmd = userOp.paymasterAndData;
        // EntryPoint v0.7: paymaster ‖ verificationGasLimit (16) ‖ postOpGasLimit (16) ‖ data.
        if (pmd.length >= 52) limits += uint128(bytes16(pmd[20:36])) + uint256(uint128(bytes16(pmd[36:52])));
        return Math.saturatingMul(Math.saturatingAdd(limits, userOp.preVerificationGas), uint128(uint256(userOp.gasFees)));
    }

    /// @notice The paymaster an operation names, and whether it names one.
    function paymasterOf(bytes calldata paymasterAndData) internal pure returns (bool used, address paymaster) {
        if (paymasterAndData.length == 0) return (false, address(0));
        // Shorter than an address: the EntryPoint refuses it too; treat it as an unknown paymaster.
        if (paymasterAndData.length < 20) return (true, address(0));
        return (true, address(bytes20(paymasterAndData[0:20])));
    }

    /// @notice Checks `userOp` against the session's paymaster and its fee bounds, and counts its
    /// most possible cost against the budget.
    /// @param allowed The session's paymaster (0 = none). @param fees The session's Fees word.
    /// @return word The Fees word after the operation. @return feeLeft What remains of the budget
    /// (type(uint256).max without one).
    function check(PackedUserOperation calldata userOp, address allowed, uint256 fees)
        internal
        pure
        returns (uint256 word, uint256 feeLeft)
    {
        (bool used, address paymaster) = paymasterOf(userOp.paymasterAndData);
        if (used && (paymaster == address(0) || paymaster != allowed)) revert PaymasterNotAllowed(paymaster);
        Fees memory f = decode(fees);
        bool budget = f.feeLeft != UNLIMITED;
        if (f.cap == 0 && !budget) {
            // Bounded only by the paymaster (registration refuses a session without any bound).
            if (!used) revert PaymasterRequired(allowed);
            return (fees, type(uint256).max);
        }
        uint256 cost = maxCost(userOp);
        if (f.cap != 0 && cost > f.cap) revert FeeCapExceeded(cost, f.cap);
        if (!budget) return (fees, type(uint256).max);
        if (cost > f.feeLeft) revert FeeBudgetExceeded(cost, f.feeLeft);
        f.feeLeft -= uint96(cost);
        return (encode(f), f.feeLeft);
    }

    /// @notice The budget left as views and events show it: type(uint256).max without one.
    function remaining(uint256 fees) internal pure returns (uint256) {
        uint96 left = decode(fees).feeLeft;
        return left == UNLIMITED ? type(uint256).max : left;
    }
}
