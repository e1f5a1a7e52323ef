// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test-only price feed shaped like Chainlink's AggregatorV3Interface: each `setAnswer`
/// opens a new round stamped with the block's time, so a test can move the market (a stop-loss
/// firing) or let the feed go stale (no round for a while).
contract MockPriceFeed {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    // Chainlink's names: AggregatorV3Interface reads decimals(), version() and the event below as they are.
    // solhint-disable-next-line immutable-vars-naming
    uint8 public immutable decimals;
    string public description;
    // solhint-disable-next-line const-name-snakecase
    uint256 public constant version = 4;
    uint80 public latestRound;
    mapping(uint80 roundId => Round) internal rounds;

    // solhint-disable-next-line gas-indexed-events
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// @dev No round with this id was ever opened.
    error NoDataPresent();

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        setAnswer(initialAnswer);
    }

    /// @notice Opens a new round with `answer`, updated now; anyone may call it.
    function setAnswer(int256 answer) public {
        uint80 id = ++latestRound;
        rounds[id] = Round(answer, block.timestamp, block.timestamp);
        emit AnswerUpdated(answer, id, block.timestamp);
    }

    function getRoundData(uint80 roundId) public view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = rounds[roundId];
        if (r.updatedAt == 0) revert NoDataPresent();
        return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(latestRound);
    }
}
