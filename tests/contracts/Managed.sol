// SPDX-License-Identifier: MIT
// Base of the contracts the Controller registers: they know the Controller,
// and its owner alone may use their parameters and test controls.
pragma solidity 0.8.37;

import "./Interfaces.sol";

abstract contract Managed {
    IController public controller;

    modifier onlyControllerOwner() {
        require(msg.sender == controller.owner(), "caller must be Controller owner");
        _;
    }

    constructor(address _controller) {
        controller = IController(_controller);
    }
}
