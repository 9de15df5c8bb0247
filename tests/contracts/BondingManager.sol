// SPDX-License-Identifier: MIT
// Test double of Livepeer's BondingManager, reduced to what ticket
// redemption needs: the size of the active transcoder pool (the divisor of a
// sender's reserve, docs/protocol-notes.md §7) and whether an address is an
// active transcoder (only an active one may claim from a reserve). Both are
// set by the Controller owner; the deployed contract derives them from
// bonded stake.
pragma solidity 0.8.37;

import "./Managed.sol";

contract BondingManager is Managed {
    constructor(address _controller) Managed(_controller) {}

    uint256 private poolSize;
    mapping(address => bool) private active;

    function getTranscoderPoolSize() external view returns (uint256) {
        return poolSize;
    }

    function isActiveTranscoder(address _transcoder) external view returns (bool) {
        return active[_transcoder];
    }

    // ---- test controls -----------------------------------------------------
    function setTranscoderPoolSize(uint256 _size) external onlyControllerOwner {
        poolSize = _size;
    }

    function setActiveTranscoder(address _transcoder, bool _active) external onlyControllerOwner {
        active[_transcoder] = _active;
    }
}
