// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

import "./Erc20.sol";

/// @title TestToken
/// @notice Minimal EIP-20 token for comb's EVM dev-chain conformance suite
///         and benchmark. The whole supply is minted to the deployer.
contract TestToken is Erc20 {
    string public constant name = "comb test token";
    string public constant symbol = "CTT";
    uint8 public constant decimals = 18;

    constructor(uint256 supply) {
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }
}
