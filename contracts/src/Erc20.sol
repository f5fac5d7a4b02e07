// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @title Erc20
/// @notice The EIP-20 token logic the dev chain's tokens share (`DevBzz`, `TestToken`).
/// @dev Storage layout, which the dev genesis relies on (crates/evm/src/genesis.rs):
///      slot 0: `totalSupply`
///      slot 1: `balanceOf`; balanceOf[a] lives at keccak256(abi.encode(a, uint256(1)))
///      slot 2: `allowance`; allowance[o][s] at
///              keccak256(abi.encode(s, keccak256(abi.encode(o, uint256(2)))))
abstract contract Erc20 {
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error InsufficientBalance(uint256 available, uint256 required);
    error InsufficientAllowance(uint256 available, uint256 required);

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < value) {
            revert InsufficientAllowance(allowed, value);
        }
        unchecked {
            allowance[from][msg.sender] = allowed - value;
        }
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        uint256 available = balanceOf[from];
        if (available < value) {
            revert InsufficientBalance(available, value);
        }
        unchecked {
            // Cannot overflow: the sum of all balances is totalSupply.
            balanceOf[from] = available - value;
            balanceOf[to] += value;
        }
        emit Transfer(from, to, value);
    }
}
