// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockERC20} from "./MockERC20.sol";

/// @notice Test-only router shaped like Uniswap v3's `exactInputSingle` (a static struct, so every
/// field is one calldata word a policy can address). Pulls `amountIn` of `tokenIn` from the caller
/// and mints `tokenOut` (a MockERC20) to `recipient` at the pair's rate, 1:1 in base units until
/// one is set. Quotes what a swap would give, so that callers can set a minimum output.
contract MockSwapRouter {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
    }

    /// @dev Base units of tokenOut per base unit of tokenIn, scaled by 1e18; 0 = 1:1.
    mapping(address tokenIn => mapping(address tokenOut => uint256)) public rate;

    event RateSet(address indexed tokenIn, address indexed tokenOut, uint256 indexed rate);

    /// @dev The output is below the caller's minimum.
    error TooLittleReceived(uint256 amountOut, uint256 amountOutMinimum);
    /// @dev `tokenIn.transferFrom` returned false.
    error TransferInFailed();

    /// @notice Sets the pair's rate (a test moving the market); anyone may call it.
    function setRate(address tokenIn, address tokenOut, uint256 newRate) external {
        rate[tokenIn][tokenOut] = newRate;
        emit RateSet(tokenIn, tokenOut, newRate);
    }

    /// @notice What `exactInputSingle` would give for `amountIn` now.
    function quoteExactInputSingle(address tokenIn, address tokenOut, uint256 amountIn) public view returns (uint256) {
        uint256 r = rate[tokenIn][tokenOut];
        return r == 0 ? amountIn : amountIn * r / 1e18;
    }

    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut) {
        amountOut = quoteExactInputSingle(params.tokenIn, params.tokenOut, params.amountIn);
        if (amountOut < params.amountOutMinimum) revert TooLittleReceived(amountOut, params.amountOutMinimum);
        if (!IERC20(params.tokenIn).transferFrom(msg.sender, address(this), params.amountIn)) revert TransferInFailed();
        MockERC20(params.tokenOut).mint(params.recipient, amountOut);
    }
}
