// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @title Probe
/// @notice Test contract for comb's EVM dev-chain conformance suite and
///         benchmark. Each function exercises one thing the chain's JSON-RPC
///         must get right: logs and topics, custom-error and Error(string)
///         revert data, storage reads, and block-context opcodes.
/// @dev Storage layout (relied on by eth_getStorageAt tests):
///      slot 0: `count`
///      slot 1: `values` mapping; values[key] lives at
///              keccak256(abi.encode(key, uint256(1)))
contract Probe {
    uint256 public count;
    mapping(uint256 => uint256) public values;

    event Stored(address indexed who, uint256 indexed key, uint256 value);
    event Pinged(uint256 n);

    error TooBig(uint256 got, uint256 max);

    uint256 private constant MAX_VALUE = 1000;

    constructor() {
        // So that the deployment receipt carries a log.
        emit Pinged(0);
    }

    function store(uint256 key, uint256 value) external {
        if (value > MAX_VALUE) {
            revert TooBig(value, MAX_VALUE);
        }
        values[key] = value;
        count += 1;
        emit Stored(msg.sender, key, value);
    }

    function ping(uint256 n) external {
        count += 1;
        emit Pinged(n);
    }

    function failPlain() external pure {
        revert("plain failure");
    }

    function random() external view returns (uint256) {
        return block.prevrandao;
    }

    function blockInfo()
        external
        view
        returns (uint256 number, uint256 timestamp, uint256 basefee, uint256 chainid)
    {
        return (block.number, block.timestamp, block.basefee, block.chainid);
    }
}
