//! The crash test of `comb chain --evm`: SIGKILL the process while a client sends
//! transactions (mid-block) and while it idles (between blocks), restart it on the same data
//! directory, and check that it resumes at the same blocks with the same state roots and that
//! every transaction whose hash was returned is mined or still pending, then mined.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Child, Command};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use comb_evm::genesis::dev_signer;
use comb_evm::sign::{raw, sign_eip1559, Eip1559, TxKind};
use comb_primitives::{Address, U256};
use serde_json::{json, Value};

const DEADLINE: Duration = Duration::from_secs(30);
const READY: &str = "JSON-RPC listening on ";

/// A running `comb chain --evm`; killed (SIGKILL) when dropped.
struct EvmChain {
    child: Child,
    url: String,
    banner: Vec<String>,
    _lines: Receiver<String>,
}

impl EvmChain {
    fn start(data: &Path) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_comb"));
        command
            .args([
                "chain",
                "--evm",
                "--listen",
                "127.0.0.1:0",
                "--block-time",
                "200",
                "--data",
            ])
            .arg(data);
        let started = common::spawn_announcing(command, READY, DEADLINE);
        Self {
            child: started.child,
            url: started.announced,
            banner: started.banner,
            _lines: started.lines,
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response: Value = reqwest::blocking::Client::new()
            .post(&self.url)
            .timeout(Duration::from_secs(10))
            .json(&body)
            .send()
            .and_then(|r| r.json())
            .map_err(|e| e.to_string())?;
        match response.get("result") {
            Some(result) => Ok(result.clone()),
            None => Err(response.to_string()),
        }
    }

    fn call(&self, method: &str, params: Value) -> Value {
        self.rpc(method, params.clone())
            .unwrap_or_else(|e| panic!("{method} {params}: {e}"))
    }

    fn block(&self, tag: Value) -> Value {
        self.call("eth_getBlockByNumber", json!([tag, false]))
    }

    /// The latest block's number, hash and state root.
    fn latest(&self) -> (u64, Value, Value) {
        let head = self.block(json!("latest"));
        (
            quantity(&head["number"]),
            head["hash"].clone(),
            head["stateRoot"].clone(),
        )
    }

    fn head(&self) -> u64 {
        quantity(&self.call("eth_blockNumber", json!([])))
    }
}

impl Drop for EvmChain {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn transfer(nonce: u64) -> String {
    let signer = dev_signer(0).unwrap();
    let tx = Eip1559 {
        chain_id: 1337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(1),
        ..Eip1559::default()
    };
    format!(
        "0x{}",
        hex::encode(raw(&sign_eip1559(&signer, tx).unwrap()))
    )
}

/// Waits until `check` holds, polling.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The blocks `0..=head` must be the ones seen before the kill: same hash, same state root.
fn same_blocks(chain: &EvmChain, seen: &[(u64, Value, Value)]) {
    for (number, hash, root) in seen {
        let block = chain.block(json!(format!("{number:#x}")));
        assert_eq!(&block["hash"], hash, "block {number} after the restart");
        assert_eq!(
            &block["stateRoot"], root,
            "state root of block {number} after the restart"
        );
    }
}

#[test]
fn a_killed_evm_chain_resumes_with_every_acknowledged_transaction() {
    let data = tempfile::tempdir().unwrap();
    let chain = EvmChain::start(data.path());
    assert!(
        chain
            .banner
            .iter()
            .any(|l| l.starts_with("Created EVM chain 1337")),
        "{:?}",
        chain.banner
    );

    // Mid-block: send transfers as fast as they are acknowledged, over several blocks, and
    // kill the process right after an acknowledgement.
    let mut acknowledged = Vec::new();
    let mut seen = Vec::new();
    let start = chain.head();
    let mut nonce = 0;
    while chain.head() < start + 3 || acknowledged.len() < 20 {
        let hash = chain.call("eth_sendRawTransaction", json!([transfer(nonce)]));
        acknowledged.push(hash);
        nonce += 1;
    }
    seen.push(chain.latest());
    chain.kill();

    let chain = EvmChain::start(data.path());
    assert!(
        chain
            .banner
            .iter()
            .any(|l| l.starts_with("Resumed EVM chain 1337")),
        "{:?}",
        chain.banner
    );
    same_blocks(&chain, &seen);
    for hash in &acknowledged {
        assert!(
            !chain
                .call("eth_getTransactionByHash", json!([hash]))
                .is_null(),
            "{hash} was acknowledged and is lost"
        );
    }
    eventually("every acknowledged transaction mined", || {
        acknowledged.iter().all(|hash| {
            !chain
                .call("eth_getTransactionReceipt", json!([hash]))
                .is_null()
        })
    });
    assert_eq!(
        quantity(&chain.call(
            "eth_getTransactionCount",
            json!([dev_signer(0).unwrap().address(), "latest"])
        )),
        nonce
    );

    // Between blocks: idle, kill, and the chain resumes where it stood.
    let now = chain.head();
    eventually("two more blocks", || chain.head() >= now + 2);
    seen.push(chain.latest());
    chain.kill();
    let chain = EvmChain::start(data.path());
    same_blocks(&chain, &seen);
    let resumed_at = chain.head();
    eventually("blocks keep coming after the restart", || {
        chain.head() > resumed_at
    });
    // The timestamps stay whole seconds and strictly increase across both restarts.
    let mut previous = 0;
    for number in 0..=chain.head() {
        let timestamp = quantity(&chain.block(json!(format!("{number:#x}")))["timestamp"]);
        assert!(
            timestamp > previous || number == 0,
            "block {number}: {timestamp} after {previous}"
        );
        previous = timestamp;
    }
}
