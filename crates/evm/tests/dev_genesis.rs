//! The dev genesis as a wallet or Bee sees it: ten funded accounts with ether for gas and BZZ
//! in a token at mainnet BZZ's address, which answers Bee's calls (`balanceOf`, `transfer`,
//! `approve`) and emits EIP-20's events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy_primitives::{Address, Bytes, TxKind, U256};
use comb_evm::genesis::{dev_signer, DEV_ACCOUNTS, DEV_BZZ_ADDRESS, DEV_BZZ_PLUR};
use comb_evm::sign::{raw, sign_eip1559, Eip1559};
use comb_evm::{EvmChain, Genesis, Mining, Node};
use serde_json::{json, Value};

fn call(node: &Node, method: &str, params: Value) -> Value {
    let answer =
        node.answer(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
    assert!(answer.get("error").is_none(), "{method}: {answer}");
    answer["result"].clone()
}

/// Call data: a selector then 32-byte words (selectors as EIP-20 defines them).
fn calldata(selector: [u8; 4], words: &[U256]) -> Bytes {
    let mut data = selector.to_vec();
    for word in words {
        data.extend_from_slice(&word.to_be_bytes::<32>());
    }
    Bytes::from(data)
}

fn word(address: Address) -> U256 {
    U256::from_be_slice(address.as_slice())
}

fn view(node: &Node, data: Bytes) -> U256 {
    let out = call(
        node,
        "eth_call",
        json!([{"to": DEV_BZZ_ADDRESS, "input": data}, "latest"]),
    );
    U256::from_be_slice(&alloy_primitives::hex::decode(out.as_str().unwrap()).unwrap())
}

const BALANCE_OF: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];
const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
const TOTAL_SUPPLY: [u8; 4] = [0x18, 0x16, 0x0d, 0xdd];
const DECIMALS: [u8; 4] = [0x31, 0x3c, 0xe5, 0x67];

#[test]
fn dev_accounts_hold_bzz_that_moves_with_a_transfer() {
    let node = Node::new(
        EvmChain::new(Genesis::dev(1_000).unwrap()).unwrap(),
        Mining::Auto,
    );
    let each = U256::from(DEV_BZZ_PLUR);
    for index in 0..DEV_ACCOUNTS {
        let holder = dev_signer(index).unwrap().address();
        assert_eq!(
            view(&node, calldata(BALANCE_OF, &[word(holder)])),
            each,
            "dev account {index}"
        );
        assert!(!call(&node, "eth_getBalance", json!([holder, "latest"]))
            .as_str()
            .unwrap()
            .eq("0x0"));
    }
    assert_eq!(
        view(&node, calldata(TOTAL_SUPPLY, &[])),
        each * U256::from(DEV_ACCOUNTS)
    );
    assert_eq!(view(&node, calldata(DECIMALS, &[])), U256::from(16));

    let to = Address::repeat_byte(0x99);
    let amount = U256::from(5) * U256::from(10u64.pow(16));
    let tx = Eip1559 {
        chain_id: 1337,
        nonce: 0,
        gas_limit: 100_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(DEV_BZZ_ADDRESS),
        input: calldata(TRANSFER, &[word(to), amount]),
        ..Eip1559::default()
    };
    let signed = sign_eip1559(&dev_signer(0).unwrap(), tx).unwrap();
    let hash = node.send_raw(&raw(&signed)).unwrap();
    let receipt = call(&node, "eth_getTransactionReceipt", json!([hash]));
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    let transfer_topic = format!(
        "0x{}",
        alloy_primitives::hex::encode(alloy_primitives::keccak256(
            "Transfer(address,address,uint256)"
        ))
    );
    assert_eq!(receipt["logs"][0]["topics"][0], json!(transfer_topic));
    assert_eq!(receipt["logs"][0]["address"], json!(DEV_BZZ_ADDRESS));
    assert_eq!(view(&node, calldata(BALANCE_OF, &[word(to)])), amount);
    let sender = dev_signer(0).unwrap().address();
    assert_eq!(
        view(&node, calldata(BALANCE_OF, &[word(sender)])),
        each - amount
    );
    // Asking for more than one holds reverts with the token's custom error, in `data`.
    let too_much = node.answer(&json!({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [
        {"from": to, "to": DEV_BZZ_ADDRESS, "input": calldata(TRANSFER, &[word(sender), amount + U256::from(1)])}, "latest"]}));
    assert_eq!(too_much["error"]["code"], json!(3), "{too_much}");
    let data = too_much["error"]["data"].as_str().unwrap();
    // InsufficientBalance(uint256,uint256): the selector from the artifact's ABI name.
    let selector = &alloy_primitives::keccak256("InsufficientBalance(uint256,uint256)")[..4];
    assert!(
        data.starts_with(&format!("0x{}", alloy_primitives::hex::encode(selector))),
        "{data}"
    );
}
