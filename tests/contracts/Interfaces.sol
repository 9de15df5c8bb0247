// SPDX-License-Identifier: MIT
// What the test contracts read from each other (deployed Livepeer signatures).
pragma solidity 0.8.37;

interface IController {
    function owner() external view returns (address);

    function getContract(bytes32 _id) external view returns (address);
}

interface IRoundsManager {
    function currentRound() external view returns (uint256);

    function currentRoundInitialized() external view returns (bool);

    function blockHashForRound(uint256 _round) external view returns (bytes32);
}

interface IBondingManager {
    function getTranscoderPoolSize() external view returns (uint256);

    function isActiveTranscoder(address _transcoder) external view returns (bool);
}
