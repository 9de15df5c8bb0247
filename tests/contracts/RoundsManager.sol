// SPDX-License-Identifier: MIT
// Test double of Livepeer's RoundsManager. The deployed contract derives the
// current round from the (L1) block number and the round length; here the
// Controller owner moves rounds explicitly (advanceRound / setCurrentRound)
// so that tests decide when a round starts. initializeRound() is open to
// anyone, as on the real contract, and records the hash of the previous
// block as the round's block hash.
pragma solidity 0.8.37;

import "./Managed.sol";

contract RoundsManager is Managed {
    constructor(address _controller) Managed(_controller) {}

    uint256 private round;
    uint256 public lastInitializedRound;
    mapping(uint256 => bytes32) private roundBlockHash;

    event NewRound(uint256 indexed round, bytes32 blockHash);

    // ---- what libticket reads -------------------------------------------
    function currentRound() public view returns (uint256) {
        return round;
    }

    function currentRoundInitialized() public view returns (bool) {
        return lastInitializedRound == round;
    }

    function blockHashForRound(uint256 _round) external view returns (bytes32) {
        return roundBlockHash[_round];
    }

    function blockNum() external view returns (uint256) {
        return block.number;
    }

    function blockHash(uint256 _block) external view returns (bytes32) {
        require(_block < block.number, "can only retrieve past block hashes");
        require(block.number < 256 || _block >= block.number - 256, "can only retrieve hashes for last 256 blocks");
        return blockhash(_block);
    }

    // ---- round progression ------------------------------------------------
    function initializeRound() external {
        require(!currentRoundInitialized(), "round already initialized");
        require(block.number > 0, "no previous block");
        bytes32 hash = blockhash(block.number - 1);
        lastInitializedRound = round;
        roundBlockHash[round] = hash;
        emit NewRound(round, hash);
    }

    // ---- test controls (the deployed contract has no such functions) -------
    function advanceRound() external onlyControllerOwner {
        round += 1;
    }

    function setCurrentRound(uint256 _round) external onlyControllerOwner {
        require(_round >= round, "rounds only move forward");
        round = _round;
    }
}
