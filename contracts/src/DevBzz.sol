// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

import "./Erc20.sol";

/// @title DevBzz
/// @notice The BZZ token of comb's EVM dev chain: EIP-20 with BZZ's 16 decimals and the
///         functions Bee calls on it (`approve`, `balanceOf`, `transfer`), plus
///         `transferFrom` for contracts that take payment. It has no constructor: the dev
///         genesis places its runtime code and writes the dev accounts' balances and the
///         total supply straight into its storage (layout in `Erc20`). Minting and the cap
///         of mainnet's token come with the Bee-ABI contracts.
contract DevBzz is Erc20 {
    string public constant name = "Swarm Token (dev)";
    string public constant symbol = "BZZ";
    uint8 public constant decimals = 16;
}
