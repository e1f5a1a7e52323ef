// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockERC20} from "./MockERC20.sol";

/// @notice Test-only router shaped like Uniswap v3's `exactInputSingle` (a static struct, so every
/// field is one calldata word a policy can address). Swaps 1:1: pulls `amountIn` of `tokenIn` from
/// the caller and mints as much `tokenOut` (a MockERC20) to `recipient`.
contract MockSwapRouter {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
    }

    /// @dev The 1:1 output is below the caller's minimum.
    error TooLittleReceived(uint256 amountOut, uint256 amountOutMinimum);
    /// @dev `tokenIn.transferFrom` returned false.
    error TransferInFailed();

    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut) {
        amountOut = params.amountIn;
        if (amountOut < params.amountOutMinimum) revert TooLittleReceived(amountOut, params.amountOutMinimum);
        if (!IERC20(params.tokenIn).transferFrom(msg.sender, address(this), params.amountIn)) revert TransferInFailed();
        MockERC20(params.tokenOut).mint(params.recipient, amountOut);
    }
}
