//! One JSON-RPC conformance suite, run against comb's chain and against anvil 1.7.1: the same
//! calls with the same expectations, then the answers of both compared field by field where
//! Ethereum clients (Bee's go-ethereum among them) depend on their shape.
//!
//! Needs anvil (`.ci/run` installs `@foundry-rs/anvil-linux-amd64@1.7.1` from npm; or set
//! `COMB_ANVIL`). Both engines automine (a block per transaction).

#![allow(clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use alloy_primitives::{Address, U256};
use comb_evm::genesis::dev_signer;
use comb_evm::Mining;
use common::*;
use serde_json::{json, Value};

/// Keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

/// What the suite saw that must agree between the engines.
#[derive(Debug, Default)]
struct Observed {
    /// (what, keys of the JSON object).
    shapes: Vec<(&'static str, BTreeSet<String>)>,
    /// (what, error code, data).
    errors: Vec<(&'static str, i64, Option<String>)>,
    /// (what, a value both must answer the same).
    values: Vec<(&'static str, Value)>,
}

impl Observed {
    fn shape(&mut self, what: &'static str, value: &Value) {
        self.shapes.push((what, keys(value)));
    }

    fn error(&mut self, what: &'static str, error: &Value) {
        let code = error["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("{what}: no code in {error}"));
        let data = error
            .get("data")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.errors.push((what, code, data));
    }
}

const GETH_HEADER_FIELDS: [&str; 13] = [
    "parentHash",
    "sha3Uncles",
    "stateRoot",
    "transactionsRoot",
    "receiptsRoot",
    "logsBloom",
    "difficulty",
    "number",
    "gasLimit",
    "gasUsed",
    "timestamp",
    "extraData",
    "miner",
];

/// The suite: everything it checks holds on both engines.
async fn suite(rpc: &Rpc) -> Observed {
    let mut seen = Observed::default();
    let probe = Artifact::load("Probe");
    let signer = dev_signer(0).expect("dev key");
    let mut wallet = Wallet::new(signer, 1337);
    fund(rpc, wallet.address).await;

    // Identity.
    assert_eq!(
        rpc.call("eth_chainId", json!([])).await,
        json!("0x539"),
        "{}",
        rpc.name
    );
    assert_eq!(
        rpc.call("net_version", json!([])).await,
        json!("1337"),
        "{}",
        rpc.name
    );
    assert!(rpc.call("web3_clientVersion", json!([])).await.is_string());

    // The latest header has what go-ethereum's decoder requires, and EIP-1559's base fee.
    let head = rpc
        .call("eth_getBlockByNumber", json!(["latest", false]))
        .await;
    for field in GETH_HEADER_FIELDS
        .iter()
        .chain(&["baseFeePerGas", "hash", "mixHash"])
    {
        assert!(
            head.get(*field).is_some(),
            "{}: header without {field}: {head}",
            rpc.name
        );
    }
    seen.shape("block", &head);
    let base_fee = quantity(&head["baseFeePerGas"]);
    assert!(base_fee > 0);
    let tip = rpc.u64("eth_maxPriorityFeePerGas", json!([])).await;
    assert!(tip > 0);
    let gas_price = rpc.u64("eth_gasPrice", json!([])).await;
    assert!(
        gas_price >= quantity(&head["baseFeePerGas"]) * 7 / 8,
        "{}: gas price {gas_price} under the base fee",
        rpc.name
    );

    // Deploy the probe: a type-2 receipt with the constructor's log.
    let start = rpc.u64("eth_blockNumber", json!([])).await;
    let receipt = wallet
        .send_mined(
            rpc,
            &Tx {
                input: probe.bytecode(),
                ..Tx::default()
            },
        )
        .await;
    seen.shape("receipt", &receipt);
    assert_eq!(receipt["status"], json!("0x1"), "{}: {receipt}", rpc.name);
    assert_eq!(receipt["type"], json!("0x2"));
    assert_eq!(receipt["to"], Value::Null);
    let contract: Address =
        serde_json::from_value(receipt["contractAddress"].clone()).expect("contract address");
    // CREATE's address: keccak256(rlp([sender, nonce]))[12..].
    assert_eq!(contract, wallet.address.create(0), "{}", rpc.name);
    let logs = receipt["logs"].as_array().expect("logs");
    assert_eq!(logs.len(), 1);
    seen.shape("log", &logs[0]);
    let pinged = format!(
        "0x{}",
        hex::encode(alloy_primitives::keccak256("Pinged(uint256)"))
    );
    assert_eq!(logs[0]["topics"], json!([pinged]));
    let deployed_in = quantity(&receipt["blockNumber"]);
    assert!(deployed_in > start);

    // The transaction as mined, with its signature fields.
    let tx = rpc
        .call(
            "eth_getTransactionByHash",
            json!([receipt["transactionHash"]]),
        )
        .await;
    seen.shape("transaction", &tx);
    for field in [
        "from",
        "r",
        "s",
        "v",
        "yParity",
        "blockHash",
        "blockNumber",
        "transactionIndex",
        "maxFeePerGas",
        "maxPriorityFeePerGas",
        "chainId",
        "input",
        "nonce",
        "gas",
        "type",
    ] {
        assert!(
            tx.get(field).is_some(),
            "{}: transaction without {field}: {tx}",
            rpc.name
        );
    }
    assert_eq!(tx["from"], json!(wallet.address));
    let full = rpc
        .call(
            "eth_getBlockByNumber",
            json!([receipt["blockNumber"], true]),
        )
        .await;
    assert_eq!(full["transactions"][0]["hash"], receipt["transactionHash"]);
    seen.shape("block with transactions", &full);
    let by_hash = rpc
        .call("eth_getBlockByHash", json!([receipt["blockHash"], false]))
        .await;
    assert_eq!(by_hash["hash"], receipt["blockHash"]);
    assert_eq!(by_hash["transactions"], json!([receipt["transactionHash"]]));

    // Code and storage, now and before.
    assert_eq!(
        rpc.call("eth_getCode", json!([contract, "latest"])).await,
        json!(probe.deployed())
    );
    assert_eq!(
        rpc.call(
            "eth_getCode",
            json!([contract, format!("{:#x}", deployed_in - 1)])
        )
        .await,
        json!("0x")
    );

    // store(7, 42): an event with indexed topics, a storage write.
    let key = U256::from(7);
    let stored = wallet
        .send_mined(
            rpc,
            &Tx {
                to: Some(contract),
                input: probe.calldata("store(uint256,uint256)", &[key, U256::from(42)]),
                ..Tx::default()
            },
        )
        .await;
    assert_eq!(stored["status"], json!("0x1"));
    let stored_topic = format!(
        "0x{}",
        hex::encode(alloy_primitives::keccak256(
            "Stored(address,uint256,uint256)"
        ))
    );
    let log = &stored["logs"][0];
    assert_eq!(log["topics"][0], json!(stored_topic));
    assert_eq!(
        log["topics"][1],
        json!(format!("0x{:064x}", word(wallet.address)))
    );
    assert_eq!(log["topics"][2], json!(format!("0x{:064x}", 7)));
    assert_eq!(log["data"], json!(format!("0x{:064x}", 42)));
    assert_eq!(
        rpc.call("eth_getStorageAt", json!([contract, "0x0", "latest"]))
            .await,
        json!(format!("0x{:064x}", 1))
    );
    let value = rpc
        .call("eth_call", json!([{"from": wallet.address, "to": contract, "input": probe.calldata("values(uint256)", &[key])}, "latest"]))
        .await;
    assert_eq!(value, json!(format!("0x{:064x}", 42)));
    // Older go-ethereum clients send `data` instead of `input`.
    let value = rpc
        .call(
            "eth_call",
            json!([{"to": contract, "data": probe.calldata("values(uint256)", &[key])}]),
        )
        .await;
    assert_eq!(value, json!(format!("0x{:064x}", 42)));

    // eth_getLogs as Bee's postage listener asks: an address list and OR-ed topic0s.
    let filter = json!({"fromBlock": "0x0", "toBlock": "latest", "address": [contract], "topics": [[stored_topic, pinged]]});
    let found = rpc.call("eth_getLogs", json!([filter])).await;
    let found = found.as_array().expect("logs");
    assert_eq!(found.len(), 2, "{}: {found:?}", rpc.name);
    assert_eq!(found[0]["topics"][0], json!(pinged));
    assert_eq!(found[1]["topics"][0], json!(stored_topic));
    assert_eq!(found[1]["transactionHash"], stored["transactionHash"]);
    seen.shape("getLogs entry", &found[1]);
    let only_stored = rpc
        .call("eth_getLogs", json!([{"fromBlock": "0x0", "address": contract, "topics": [null, format!("0x{:064x}", word(wallet.address))]}]))
        .await;
    assert_eq!(only_stored.as_array().map(Vec::len), Some(1));
    let in_block = rpc
        .call("eth_getLogs", json!([{"blockHash": stored["blockHash"]}]))
        .await;
    assert_eq!(in_block.as_array().map(Vec::len), Some(1));
    let none = rpc
        .call(
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "address": [Address::repeat_byte(9)]}]),
        )
        .await;
    assert_eq!(none, json!([]));

    // Reverts: the revert data in the error's `data`, code 3, for eth_call and estimateGas.
    let too_big = probe.calldata("store(uint256,uint256)", &[U256::from(1), U256::from(1001)]);
    let expected_data = format!("0x6ad9cdfc{:064x}{:064x}", 1001, 1000);
    let error = rpc
        .error(
            "eth_call",
            json!([{"from": wallet.address, "to": contract, "input": too_big}, "latest"]),
        )
        .await;
    assert_eq!(error["code"], json!(3), "{}: {error}", rpc.name);
    assert_eq!(error["data"], json!(expected_data), "{}: {error}", rpc.name);
    seen.error("eth_call custom error", &error);
    let error = rpc
        .error(
            "eth_estimateGas",
            json!([{"from": wallet.address, "to": contract, "input": too_big}]),
        )
        .await;
    assert_eq!(error["data"], json!(expected_data), "{}: {error}", rpc.name);
    seen.error("eth_estimateGas custom error", &error);
    let error = rpc
        .error(
            "eth_call",
            json!([{"to": contract, "input": probe.calldata("failPlain()", &[])}]),
        )
        .await;
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("plain failure")),
        "{}: {error}",
        rpc.name
    );
    seen.error("eth_call Error(string)", &error);

    // Gas estimates: a plain transfer is 21,000; an estimate is enough to succeed.
    let transfer = rpc
        .u64(
            "eth_estimateGas",
            json!([{"from": wallet.address, "to": Address::repeat_byte(7), "value": "0x1"}]),
        )
        .await;
    assert_eq!(transfer, 21_000);
    let store_call = probe.calldata("store(uint256,uint256)", &[U256::from(8), U256::from(5)]);
    let estimate = rpc
        .u64(
            "eth_estimateGas",
            json!([{"from": wallet.address, "to": contract, "input": store_call}]),
        )
        .await;
    let mined = wallet
        .send_mined(
            rpc,
            &Tx {
                to: Some(contract),
                input: store_call,
                gas: estimate,
                ..Tx::default()
            },
        )
        .await;
    assert_eq!(
        mined["status"],
        json!("0x1"),
        "{}: estimate {estimate} was not enough",
        rpc.name
    );
    // The estimate is the least that works: one gas less and the same call fails.
    let short = rpc
        .raw(
            "eth_call",
            json!([{"from": wallet.address, "to": contract, "gas": format!("{:#x}", estimate - 1),
                    "input": probe.calldata("store(uint256,uint256)", &[U256::from(9), U256::from(5)])}]),
        )
        .await;
    assert!(
        short.get("error").is_some(),
        "{}: {} gas was enough: {short}",
        rpc.name,
        estimate - 1
    );
    // With a refund (a slot set back to zero) the estimate is above the gas used, and still
    // enough.
    let clear_call = probe.calldata("store(uint256,uint256)", &[U256::from(8), U256::ZERO]);
    let estimate = rpc
        .u64(
            "eth_estimateGas",
            json!([{"from": wallet.address, "to": contract, "input": clear_call}]),
        )
        .await;
    let cleared = wallet
        .send_mined(
            rpc,
            &Tx {
                to: Some(contract),
                input: clear_call,
                gas: estimate,
                ..Tx::default()
            },
        )
        .await;
    assert_eq!(
        cleared["status"],
        json!("0x1"),
        "{}: estimate {estimate} with a refund was not enough",
        rpc.name
    );
    assert!(
        quantity(&cleared["gasUsed"]) < estimate,
        "{}: a refund lowers the gas used below the limit",
        rpc.name
    );

    // A transaction that reverts on chain is mined with status 0 and uses gas.
    let reverted = wallet
        .send_mined(
            rpc,
            &Tx {
                to: Some(contract),
                input: too_big,
                gas: 100_000,
                ..Tx::default()
            },
        )
        .await;
    assert_eq!(reverted["status"], json!("0x0"));
    assert!(quantity(&reverted["gasUsed"]) > 21_000);

    // prevrandao and the block context of eth_call: the latest block's.
    let latest = rpc
        .call("eth_getBlockByNumber", json!(["latest", false]))
        .await;
    let random = rpc
        .call(
            "eth_call",
            json!([{"to": contract, "input": probe.calldata("random()", &[])}, "latest"]),
        )
        .await;
    seen.values
        .push(("random() = mixHash", json!(random == latest["mixHash"])));
    let info = rpc
        .call(
            "eth_call",
            json!([{"to": contract, "input": probe.calldata("blockInfo()", &[])}, "latest"]),
        )
        .await;
    let info = hex::decode(info.as_str().expect("hex").trim_start_matches("0x")).expect("hex");
    let number = U256::from_be_slice(&info[..32]).to::<u64>();
    let chain_id = U256::from_be_slice(&info[96..128]).to::<u64>();
    assert_eq!(chain_id, 1337);
    seen.values.push((
        "eth_call block number − head",
        json!(number as i64 - quantity(&latest["number"]) as i64),
    ));
    // At `pending`: the next block's number and base fee.
    let info = rpc
        .call(
            "eth_call",
            json!([{"to": contract, "input": probe.calldata("blockInfo()", &[])}, "pending"]),
        )
        .await;
    let info = hex::decode(info.as_str().expect("hex").trim_start_matches("0x")).expect("hex");
    let pending_number = U256::from_be_slice(&info[..32]).to::<u64>();
    let pending_base_fee = U256::from_be_slice(&info[64..96]).to::<u64>();
    assert_eq!(
        pending_number,
        quantity(&latest["number"]) + 1,
        "{}",
        rpc.name
    );
    let next_base_fee = rpc.call("eth_feeHistory", json!([1, "latest", []])).await;
    assert_eq!(
        json!(format!("{pending_base_fee:#x}")),
        next_base_fee["baseFeePerGas"][1],
        "{}",
        rpc.name
    );

    // Unknown things.
    assert_eq!(
        rpc.call("eth_getBlockByNumber", json!(["0xffffff", false]))
            .await,
        Value::Null
    );
    assert_eq!(
        rpc.call(
            "eth_getTransactionByHash",
            json!([format!("0x{}", "ab".repeat(32))])
        )
        .await,
        Value::Null
    );
    assert_eq!(
        rpc.call(
            "eth_getTransactionReceipt",
            json!([format!("0x{}", "ab".repeat(32))])
        )
        .await,
        Value::Null
    );
    let error = rpc.error("eth_foo", json!([])).await;
    assert_eq!(error["code"], json!(-32601));
    let error = rpc.error("eth_getBalance", json!(["nothex"])).await;
    assert_eq!(error["code"], json!(-32602), "{}: {error}", rpc.name);

    // Fee history: oldest block, one more base fee than blocks, rewards per percentile.
    let history = rpc
        .call("eth_feeHistory", json!([4, "latest", [25, 75]]))
        .await;
    assert_eq!(history["baseFeePerGas"].as_array().map(Vec::len), Some(5));
    assert_eq!(history["gasUsedRatio"].as_array().map(Vec::len), Some(4));
    assert_eq!(history["reward"].as_array().map(Vec::len), Some(4));
    seen.shape("feeHistory", &history);

    // A batch is answered as a batch.
    let batch = rpc
        .post(&json!([
            {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": []}
        ]))
        .await;
    assert_eq!(batch.as_array().map(Vec::len), Some(2));

    bad_transactions(rpc, &mut wallet, &mut seen).await;
    nonces_and_snapshots(rpc, &mut wallet, &mut seen).await;
    seen
}

/// Every kind of bad transaction: refused, and the sender's nonce and balance unchanged.
async fn bad_transactions(rpc: &Rpc, wallet: &mut Wallet, seen: &mut Observed) {
    let nonce = rpc.nonce(wallet.address, "latest").await;
    let balance = rpc.balance(wallet.address).await;
    let to = Some(Address::repeat_byte(0x11));
    let transfer = Tx {
        to,
        value: U256::from(1),
        gas: 21_000,
        ..Tx::default()
    };
    let broke = Wallet::random(1337);
    let cases: Vec<(&'static str, String)> = vec![
        ("malformed raw transaction", "0x1234".to_string()),
        ("empty raw transaction", "0x".to_string()),
        ("wrong chain id", wallet.sign_with(&transfer, nonce, 1)),
        (
            "nonce too low",
            wallet.sign_with(&transfer, nonce - 1, 1337),
        ),
        ("insufficient funds", broke.sign_with(&transfer, 0, 1337)),
        (
            "intrinsic gas too low",
            wallet.sign_with(
                &Tx {
                    gas: 20_000,
                    ..transfer.clone()
                },
                nonce,
                1337,
            ),
        ),
        (
            "fee cap below base fee",
            wallet.sign_with(
                &Tx {
                    max_fee: 1,
                    tip: 1,
                    ..transfer.clone()
                },
                nonce,
                1337,
            ),
        ),
        (
            "tip above fee cap",
            wallet.sign_with(
                &Tx {
                    max_fee: 2_000_000_000,
                    tip: 3_000_000_000,
                    ..transfer.clone()
                },
                nonce,
                1337,
            ),
        ),
        (
            "gas above the block gas limit",
            wallet.sign_with(
                &Tx {
                    gas: 40_000_000,
                    ..transfer.clone()
                },
                nonce,
                1337,
            ),
        ),
    ];
    for (what, raw) in cases {
        let error = rpc.error("eth_sendRawTransaction", json!([raw])).await;
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}: {what}: {error}",
            rpc.name
        );
        seen.error(what, &error);
    }
    // The same transaction twice.
    let raw = wallet.sign(&transfer);
    rpc.call("eth_sendRawTransaction", json!([raw])).await;
    let error = rpc.error("eth_sendRawTransaction", json!([raw])).await;
    seen.error("the same transaction twice", &error);
    // Nothing but that one transfer changed the sender.
    assert_eq!(
        rpc.nonce(wallet.address, "latest").await,
        nonce + 1,
        "{}",
        rpc.name
    );
    let after = rpc.balance(wallet.address).await;
    assert!(
        after < balance && balance - after < U256::from(21_000u64 * 10_000_000_000 + 1),
        "{}",
        rpc.name
    );
    assert_eq!(rpc.balance(broke.address).await, U256::ZERO);
    // A legacy EIP-155 transaction is fine.
    let legacy = wallet.sign_legacy(&transfer, wallet.nonce, Some(1337));
    wallet.nonce += 1;
    let hash = rpc.call("eth_sendRawTransaction", json!([legacy])).await;
    let receipt = rpc.receipt(hash.as_str().expect("hash")).await;
    assert_eq!(receipt["type"], json!("0x0"));
    assert_eq!(receipt["status"], json!("0x1"));
}

/// Nonce gaps wait; snapshots revert blocks, state and clock; evm_mine and evm_increaseTime.
async fn nonces_and_snapshots(rpc: &Rpc, wallet: &mut Wallet, seen: &mut Observed) {
    let to = Some(Address::repeat_byte(0x12));
    let transfer = Tx {
        to,
        value: U256::from(1),
        gas: 21_000,
        ..Tx::default()
    };
    let nonce = wallet.nonce;
    // A gap: nonce + 1 first waits for nonce.
    let ahead = wallet.sign_with(&transfer, nonce + 1, 1337);
    let ahead_hash = rpc.call("eth_sendRawTransaction", json!([ahead])).await;
    assert_eq!(rpc.nonce(wallet.address, "latest").await, nonce);
    seen.values.push((
        "pending nonce with a gap",
        json!(rpc.nonce(wallet.address, "pending").await - nonce),
    ));
    let waiting = rpc
        .call("eth_getTransactionByHash", json!([ahead_hash]))
        .await;
    assert_eq!(
        waiting["blockNumber"],
        Value::Null,
        "{}: {waiting}",
        rpc.name
    );
    seen.shape("pending transaction", &waiting);
    let first = wallet.sign_with(&transfer, nonce, 1337);
    rpc.call("eth_sendRawTransaction", json!([first])).await;
    wallet.nonce = nonce + 2;
    let mined = rpc.receipt(ahead_hash.as_str().expect("hash")).await;
    assert_eq!(mined["status"], json!("0x1"));
    assert_eq!(rpc.nonce(wallet.address, "latest").await, nonce + 2);

    // Snapshot, change things, revert.
    let snapshot = rpc.call("evm_snapshot", json!([])).await;
    let head = rpc.u64("eth_blockNumber", json!([])).await;
    let balance = rpc.balance(wallet.address).await;
    wallet.send_mined(rpc, &transfer).await;
    assert_eq!(rpc.call("evm_mine", json!([])).await, json!("0x0"));
    assert_eq!(rpc.u64("eth_blockNumber", json!([])).await, head + 2);
    assert_eq!(rpc.call("evm_revert", json!([snapshot])).await, json!(true));
    assert_eq!(rpc.u64("eth_blockNumber", json!([])).await, head);
    assert_eq!(rpc.balance(wallet.address).await, balance);
    assert_eq!(rpc.nonce(wallet.address, "latest").await, nonce + 2);
    wallet.nonce = nonce + 2;
    assert_eq!(
        rpc.call("evm_revert", json!([snapshot])).await,
        json!(false),
        "{}: a snapshot is used once",
        rpc.name
    );

    // The clock: evm_increaseTime moves the next block's timestamp forward.
    // (Automined blocks may run ahead of the wall clock, a second per block at least.)
    let before = quantity(
        &rpc.call("eth_getBlockByNumber", json!(["latest", false]))
            .await["timestamp"],
    );
    let now = comb_evm::rpc::unix_now();
    rpc.call("evm_increaseTime", json!([1000])).await;
    rpc.call("evm_mine", json!([])).await;
    let after = quantity(
        &rpc.call("eth_getBlockByNumber", json!(["latest", false]))
            .await["timestamp"],
    );
    assert!(
        after > before && after >= now + 1000,
        "{}: {before} → {after} at {now}",
        rpc.name
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comb_chain_answers_as_anvil_does() {
    let comb = start_comb(Mining::Auto).await;
    let anvil = start_anvil(&[]).await;
    let on_comb = suite(&Rpc::new("comb", comb.url())).await;
    let on_anvil = suite(&Rpc::new("anvil", anvil.url.clone())).await;

    let mut differences = Vec::new();
    for ((what, comb_keys), (_, anvil_keys)) in on_comb.shapes.iter().zip(&on_anvil.shapes) {
        if comb_keys != anvil_keys {
            let only_comb: Vec<_> = comb_keys.difference(anvil_keys).collect();
            let only_anvil: Vec<_> = anvil_keys.difference(comb_keys).collect();
            differences.push(format!(
                "{what}: fields only comb's {only_comb:?}, only anvil's {only_anvil:?}"
            ));
        }
    }
    for (comb_error, anvil_error) in on_comb.errors.iter().zip(&on_anvil.errors) {
        if comb_error != anvil_error {
            differences.push(format!("error: comb {comb_error:?}, anvil {anvil_error:?}"));
        }
    }
    for (comb_value, anvil_value) in on_comb.values.iter().zip(&on_anvil.values) {
        if comb_value != anvil_value {
            differences.push(format!("value: comb {comb_value:?}, anvil {anvil_value:?}"));
        }
    }
    assert_eq!(on_comb.shapes.len(), on_anvil.shapes.len());
    assert_eq!(on_comb.errors.len(), on_anvil.errors.len());
    assert!(
        differences.is_empty(),
        "comb answers differently from anvil:\n{}",
        differences.join("\n")
    );

    // A deliberate difference: anvil mines a legacy transaction without EIP-155 replay
    // protection; comb refuses it as geth does over RPC (and as Gnosis Chain's nodes do), so
    // that a devnet never accepts what the real chain would not.
    let rpc = Rpc::new("comb", comb.url());
    let mut wallet = Wallet::new(dev_signer(1).expect("dev key"), 1337);
    let transfer = Tx {
        to: Some(Address::repeat_byte(3)),
        value: U256::from(1),
        gas: 21_000,
        ..Tx::default()
    };
    let error = rpc
        .error(
            "eth_sendRawTransaction",
            json!([wallet.sign_legacy(&transfer, 0, None)]),
        )
        .await;
    assert_eq!(error["code"], json!(-32000));
    assert_eq!(
        error["message"],
        json!("only replay-protected (EIP-155) transactions allowed over RPC")
    );
    assert_eq!(rpc.nonce(wallet.address, "pending").await, 0);
    wallet.send_mined(&rpc, &transfer).await;
    comb.stop().await;
}

/// Bad requests (comb only: Bee never sends them, and anvil answers some with other codes,
/// e.g. `-32600` for a body that is not JSON where JSON-RPC says `-32700`): a clear error,
/// and the chain unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_change_nothing() {
    let comb = start_comb(Mining::Auto).await;
    let rpc = Rpc::new("comb", comb.url());
    let head = rpc
        .call("eth_getBlockByNumber", json!(["latest", false]))
        .await;
    let client = reqwest::Client::new();
    let not_json: Value = client
        .post(comb.url())
        .body("{not json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(not_json["error"]["code"], json!(-32700), "{not_json}");
    let cases = [
        (json!({"jsonrpc": "2.0", "id": 1}), -32600),
        (json!([]), -32600),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": {"a": 1}}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": []}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": ["0x12", "latest"]}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": [Address::ZERO, "0xffffff"]}),
            -32000,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"to": Address::ZERO}, "0xffffff"]}),
            -32000,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [{"blockHash": format!("0x{}", "cd".repeat(32))}]}),
            -32000,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": ["0x02"]}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [42]}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "evm_mine", "params": ["0x1"]}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}),
            -32601,
        ),
    ];
    for (request, code) in cases {
        let response = rpc.post(&request).await;
        assert_eq!(
            response["error"]["code"],
            json!(code),
            "{request} → {response}"
        );
        assert!(
            response["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{response}"
        );
    }
    assert_eq!(
        rpc.call("eth_getBlockByNumber", json!(["latest", false]))
            .await,
        head,
        "a bad request changed the chain"
    );
    comb.stop().await;
}

/// Several transactions with events in one block: the same transactions root, receipts root,
/// logs bloom, gas used and log indexes on comb and on anvil (both with mining off, sealed by
/// `evm_mine`; the same signer and nonces, so the same transactions and contract address).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_of_several_transactions_has_anvils_roots() {
    let comb = start_comb(Mining::Interval(std::time::Duration::from_secs(3_600))).await;
    let anvil = start_anvil(&["--no-mining"]).await;
    let probe = Artifact::load("Probe");
    let mut blocks = Vec::new();
    for rpc in [
        Rpc::new("comb", comb.url()),
        Rpc::new("anvil", anvil.url.clone()),
    ] {
        let mut wallet = Wallet::new(dev_signer(2).expect("dev key"), 1337);
        fund(&rpc, wallet.address).await;
        let deploy = wallet
            .send(
                &rpc,
                &Tx {
                    input: probe.bytecode(),
                    gas: 500_000,
                    ..Tx::default()
                },
            )
            .await;
        rpc.call("evm_mine", json!([])).await;
        let receipt = rpc.receipt(&deploy).await;
        let contract: Address =
            serde_json::from_value(receipt["contractAddress"].clone()).expect("address");
        let mut hashes = Vec::new();
        for key in 1..=3u64 {
            let input = probe.calldata(
                "store(uint256,uint256)",
                &[U256::from(key), U256::from(key * 10)],
            );
            hashes.push(
                wallet
                    .send(
                        &rpc,
                        &Tx {
                            to: Some(contract),
                            input,
                            gas: 100_000,
                            ..Tx::default()
                        },
                    )
                    .await,
            );
        }
        // A plain transfer without logs between the calls' receipts and a reverting call.
        hashes.push(
            wallet
                .send(
                    &rpc,
                    &Tx {
                        to: Some(Address::repeat_byte(5)),
                        value: U256::from(1),
                        gas: 21_000,
                        ..Tx::default()
                    },
                )
                .await,
        );
        let too_big = probe.calldata("store(uint256,uint256)", &[U256::from(4), U256::from(5000)]);
        hashes.push(
            wallet
                .send(
                    &rpc,
                    &Tx {
                        to: Some(contract),
                        input: too_big,
                        gas: 100_000,
                        ..Tx::default()
                    },
                )
                .await,
        );
        rpc.call("evm_mine", json!([])).await;
        let last = rpc.receipt(hashes.last().expect("hash")).await;
        let block = rpc
            .call("eth_getBlockByNumber", json!([last["blockNumber"], false]))
            .await;
        assert_eq!(
            block["transactions"].as_array().map(Vec::len),
            Some(5),
            "{}: {block}",
            rpc.name
        );
        let mut receipts = Vec::new();
        for hash in &hashes {
            receipts.push(rpc.receipt(hash).await);
        }
        let log_indexes: Vec<Value> = receipts
            .iter()
            .flat_map(|r| r["logs"].as_array().cloned().unwrap_or_default())
            .map(|l| l["logIndex"].clone())
            .collect();
        assert_eq!(
            log_indexes,
            vec![json!("0x0"), json!("0x1"), json!("0x2")],
            "{}",
            rpc.name
        );
        let cumulative: Vec<u64> = receipts
            .iter()
            .map(|r| quantity(&r["cumulativeGasUsed"]))
            .collect();
        assert!(
            cumulative.windows(2).all(|w| w[0] < w[1]),
            "{}: {cumulative:?}",
            rpc.name
        );
        assert_eq!(receipts[4]["status"], json!("0x0"));
        blocks.push(block);
    }
    for field in [
        "transactionsRoot",
        "receiptsRoot",
        "logsBloom",
        "gasUsed",
        "transactions",
    ] {
        assert_eq!(
            blocks[0][field], blocks[1][field],
            "{field} differs from anvil's"
        );
    }
    comb.stop().await;
}

/// CORS as anvil answers it, so a wallet or Bee's dashboard in a browser can call a devnet:
/// the preflight allows POST with the asked headers, and answers carry
/// `access-control-allow-origin: *`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_may_call_the_chain_as_they_may_call_anvil() {
    let comb = start_comb(Mining::Auto).await;
    let anvil = start_anvil(&[]).await;
    let client = reqwest::Client::new();
    let mut seen = Vec::new();
    for url in [comb.url(), anvil.url.clone()] {
        let preflight = client
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .expect("preflight");
        let header = |name: &str| {
            preflight
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert!(
            preflight.status().is_success(),
            "{url}: {}",
            preflight.status()
        );
        assert!(
            header("access-control-allow-methods").contains("POST"),
            "{url}"
        );
        assert!(
            header("access-control-allow-headers").contains("content-type"),
            "{url}"
        );
        let answer = client
            .post(&url)
            .header("origin", "http://localhost:3000")
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}))
            .send()
            .await
            .expect("call");
        let origin = answer
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        seen.push((header("access-control-allow-origin"), origin));
    }
    assert_eq!(seen[0], seen[1], "comb's CORS headers differ from anvil's");
    assert_eq!(seen[0].1, "*");
    comb.stop().await;
}
