// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallPermission, NO_ARG} from "../types/SessionTypes.sol";

/// @notice Call scope: which (target, selector) pairs a session may call, what their arguments must
/// be, and which word of their calldata is an amount to count as spending.
library CallRuleLib {
    /// @dev "No token" in `tokenIndex`.
    uint8 internal constant NO_TOKEN = type(uint8).max;

    /// @dev ERC-20 functions that move or commit the account's tokens; their amount always counts.
    bytes4 internal constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    bytes4 internal constant TRANSFER_FROM = 0x23b872dd; // transferFrom(address,address,uint256)
    bytes4 internal constant APPROVE = 0x095ea7b3; // approve(address,uint256)
    bytes4 internal constant INCREASE_ALLOWANCE = 0x39509351; // increaseAllowance(address,uint256)
    /// @dev ERC-7579 module lifecycle: never callable by a session (it could reset or re-key modules).
    bytes4 internal constant ON_INSTALL = 0x6d61fe70; // onInstall(bytes)
    bytes4 internal constant ON_UNINSTALL = 0x8a91b0e3; // onUninstall(bytes)

    /// @notice Where a rule's own bits end: a policy may keep its own in the bits above (SessionPolicy:
    /// the session's gas bounds); `decode` ignores them.
    uint256 internal constant POLICY_BITS = 144;

    /// @notice A call permission as stored: one word, keyed by (target, selector).
    /// flags (8: bit 0 allowed, bit 1 allowValue, bit 2 targetIsToken) | amountArg | tokenArg | tokenIndex | accountArg |
    /// equalArg (8 each) | perTransaction (96), low to high.
    struct Rule {
        bool allowed;
        bool allowValue;
        /// @dev The call is an ERC-20 spending function of a limited token: the amount counts in the target.
        bool targetIsToken;
        uint8 amountArg;
        uint8 tokenArg;
        /// @dev Index of the token the amount counts in when it is fixed (tokenArg is NO_ARG).
        uint8 tokenIndex;
        uint8 accountArg;
        uint8 equalArg;
        /// @dev That token's per-transaction cap, copied here at registration so that a check
        /// need not read the token's limits (0 = off).
        uint96 perTransaction;
    }

    /// @dev The session may not call this function of this contract.
    error CallNotAllowed(address target, bytes4 selector);
    /// @dev The call carries native value but its permission does not allow value.
    error ValueNotAllowed(address target, bytes4 selector, uint256 value);
    /// @dev The call targets the account itself or the policy.
    error ForbiddenTarget(address target);
    /// @dev Argument `index` must be the account itself.
    error ArgumentNotAccount(address target, bytes4 selector, uint8 index);
    /// @dev Argument `index` differs from the value the permission fixes.
    error ArgumentMismatch(address target, bytes4 selector, uint8 index);
    /// @dev The calldata has no argument `index`, or it is not a clean address where one is expected.
    error MalformedArgument(address target, bytes4 selector, uint8 index);

    function encode(Rule memory r) internal pure returns (uint256) {
        return (r.allowed ? 1 : 0) | (r.allowValue ? 2 : 0) | (r.targetIsToken ? 4 : 0) | (uint256(r.amountArg) << 8) | (uint256(r.tokenArg) << 16)
            | (uint256(r.tokenIndex) << 24) | (uint256(r.accountArg) << 32) | (uint256(r.equalArg) << 40)
            | (uint256(r.perTransaction) << 48);
    }

    function decode(uint256 word) internal pure returns (Rule memory r) {
        r.allowed = word & 1 != 0;
        r.allowValue = word & 2 != 0;
        r.targetIsToken = word & 4 != 0;
        r.amountArg = uint8(word >> 8);
        r.tokenArg = uint8(word >> 16);
        r.tokenIndex = uint8(word >> 24);
        r.accountArg = uint8(word >> 32);
        r.equalArg = uint8(word >> 40);
        r.perTransaction = uint96(word >> 48);
    }

    /// @notice Word `index` of a call's arguments.
    function arg(bytes calldata data, address target, uint8 index) internal pure returns (bytes32) {
        uint256 start = 4 + 32 * uint256(index);
        if (data.length < start + 32) revert MalformedArgument(target, bytes4(data), index);
        return bytes32(data[start:start + 32]);
    }

    /// @notice Argument `index` read as an address (its upper 96 bits must be zero).
    function addressArg(bytes calldata data, address target, uint8 index) internal pure returns (address) {
        uint256 word = uint256(arg(data, target, index));
        if (word >> 160 != 0) revert MalformedArgument(target, bytes4(data), index);
        return address(uint160(word));
    }

    /// @notice The argument word holding the amount of an ERC-20 spending function, or NO_ARG.
    function erc20AmountArg(bytes4 selector) internal pure returns (uint8) {
        if (selector == TRANSFER || selector == APPROVE || selector == INCREASE_ALLOWANCE) return 1;
        if (selector == TRANSFER_FROM) return 2;
        return NO_ARG;
    }

    /// @notice Checks the argument conditions of `rule` for a call made by `account`.
    function checkArguments(
        Rule memory rule,
        bytes32 equalValue,
        address account,
        address target,
        bytes4 selector,
        bytes calldata data
    ) internal pure {
        if (rule.accountArg != NO_ARG && addressArg(data, target, rule.accountArg) != account) {
            revert ArgumentNotAccount(target, selector, rule.accountArg);
        }
        if (rule.equalArg != NO_ARG && arg(data, target, rule.equalArg) != equalValue) {
            revert ArgumentMismatch(target, selector, rule.equalArg);
        }
    }

    /// @notice Refuses a call that no permission may ever allow: to the account itself (its nested
    /// calls would escape every check), to the policy checking it, or to a module lifecycle function
    /// of any contract (it could re-register a module of the account with other limits).
    function checkNotForbidden(address target, bytes4 selector, address account, address policy) internal pure {
        if (target == account || target == policy) revert ForbiddenTarget(target);
        if (selector == ON_INSTALL || selector == ON_UNINSTALL) revert CallNotAllowed(target, selector);
    }

    /// @notice Whether `permission` may be registered at all, whatever the limits (fail closed).
    /// @return reason empty when it may; otherwise what is wrong.
    function invalidReason(CallPermission memory permission, address account, address policy)
        internal
        pure
        returns (string memory reason)
    {
        if (permission.target == address(0)) return "target is the zero address";
        if (permission.target == account) return "target is the account itself";
        if (permission.target == policy) return "target is the policy";
        if (permission.selector == ON_INSTALL || permission.selector == ON_UNINSTALL) {
            return "module install/uninstall functions are never allowed";
        }
        if (permission.selector == bytes4(0) && !permission.allowValue) {
            return "a plain transfer permission must allow value";
        }
        if (permission.selector == bytes4(0) && (permission.amountArg != NO_ARG || permission.accountArg != NO_ARG
                || permission.equalArg != NO_ARG)) return "a plain transfer has no arguments";
        if (permission.tokenArg != NO_ARG && permission.amountArg == NO_ARG) return "tokenArg without amountArg";
        // amountToken only means something with amountArg and without tokenArg: refuse it elsewhere,
        // so that no owner believes an amount is counted when it is not.
        if (permission.amountToken != address(0) && (permission.amountArg == NO_ARG || permission.tokenArg != NO_ARG)) {
            return "amountToken needs amountArg and no tokenArg";
        }
        if (permission.tokenArg != NO_ARG && permission.tokenArg == permission.amountArg) {
            return "tokenArg and amountArg are the same word";
        }
        return "";
    }
}
