//! comb's EVM dev chain side by side with anvil 1.7.1, in one run, on loopback, with the same
//! workload sent as raw transactions over JSON-RPC:
//! - `erc20_transfers`: 1,000 ERC-20 `transfer`s (TestToken), then mined;
//! - `event_calls`: 1,000 `Probe.store` calls, each emitting an event, then mined;
//! - `get_logs_10000_blocks`: one `eth_getLogs` over 10,000 blocks holding 100 events.
//!
//! Both engines run with mining off during the sends (anvil `--no-mining`; comb's producer
//! idle) and `evm_mine` seals blocks until the last transaction has its receipt, so a sample
//! is admission plus execution plus sealing, not a block interval. comb runs in memory, as
//! anvil does; `comb-persistent` adds redb (every admitted transaction durable before its
//! hash is returned, every block a commit).
//!
//! Needs anvil: `COMB_ANVIL`, or `anvil` on the PATH (`.ci/run` installs it); without it the
//! anvil rows are skipped. Run: `cargo bench -p comb-evm --bench evm_vs_anvil`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, Bytes, TxKind, U256};
use comb_evm::genesis::dev_signer;
use comb_evm::sign::{raw, sign_eip1559, Eip1559};
use comb_evm::{EvmChain, Genesis, Mining, Node, OpenWith, Server, Store};
use comb_primitives::Signer;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

const TXS: u64 = 1_000;

struct Rpc {
    url: String,
    client: reqwest::Client,
}

impl Rpc {
    async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response: Value = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method}: {response}"),
        }
    }

    async fn receipt(&self, hash: &Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let receipt = self.call("eth_getTransactionReceipt", json!([hash])).await;
            if !receipt.is_null() {
                return receipt;
            }
            assert!(Instant::now() < deadline, "no receipt for {hash}");
            self.call("evm_mine", json!([])).await;
        }
    }
}

struct Sender {
    signer: Signer,
    nonce: u64,
}

impl Sender {
    fn sign(&mut self, to: Option<Address>, input: Bytes, gas: u64) -> String {
        let tx = Eip1559 {
            chain_id: 1337,
            nonce: self.nonce,
            gas_limit: gas,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: to.map_or(TxKind::Create, TxKind::Call),
            value: U256::ZERO,
            input,
            ..Eip1559::default()
        };
        self.nonce += 1;
        format!(
            "0x{}",
            hex::encode(raw(&sign_eip1559(&self.signer, tx).unwrap()))
        )
    }
}

fn artifact(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/out")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn calldata(artifact: &Value, signature: &str, words: &[U256]) -> Bytes {
    let mut data = hex::decode(artifact["methodIdentifiers"][signature].as_str().unwrap()).unwrap();
    for word in words {
        data.extend_from_slice(&word.to_be_bytes::<32>());
    }
    Bytes::from(data)
}

/// One engine with the deployed contracts.
struct Engine {
    name: &'static str,
    rpc: Rpc,
    sender: Sender,
    token: Address,
    probe: Address,
    _anvil: Option<Anvil>,
    _server: Option<Server>,
    _dir: Option<tempfile::TempDir>,
}

struct Anvil(Child);

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn anvil_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("COMB_ANVIL") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("anvil"))
        .find(|p| p.is_file())
}

async fn deploy(rpc: &Rpc, sender: &mut Sender, code: Vec<u8>) -> Address {
    let hash = rpc
        .call(
            "eth_sendRawTransaction",
            json!([sender.sign(None, code.into(), 3_000_000)]),
        )
        .await;
    let receipt = rpc.receipt(&hash).await;
    serde_json::from_value(receipt["contractAddress"].clone()).unwrap()
}

impl Engine {
    async fn setup(
        name: &'static str,
        rpc: Rpc,
        anvil: Option<Anvil>,
        server: Option<Server>,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        let signer = dev_signer(0).unwrap();
        let address = signer.address();
        rpc.call(
            "anvil_setBalance",
            json!([address, U256::from(10u128.pow(24))]),
        )
        .await;
        let nonce = u64::from_str_radix(
            rpc.call("eth_getTransactionCount", json!([address, "pending"]))
                .await
                .as_str()
                .unwrap()
                .trim_start_matches("0x"),
            16,
        )
        .unwrap();
        let mut sender = Sender { signer, nonce };
        let token_artifact = artifact("TestToken");
        let mut code = bytes(&token_artifact["bytecode"]);
        code.extend_from_slice(&U256::from(10u128.pow(30)).to_be_bytes::<32>());
        let token = deploy(&rpc, &mut sender, code).await;
        let probe = deploy(&rpc, &mut sender, bytes(&artifact("Probe")["bytecode"])).await;
        Self {
            name,
            rpc,
            sender,
            token,
            probe,
            _anvil: anvil,
            _server: server,
            _dir: dir,
        }
    }

    /// Sends `txs` and mines until the last one has a receipt; asserts all succeeded.
    async fn run(&self, txs: Vec<String>) {
        let mut last = Value::Null;
        for raw in txs {
            last = self.rpc.call("eth_sendRawTransaction", json!([raw])).await;
        }
        let receipt = self.rpc.receipt(&last).await;
        assert_eq!(receipt["status"], json!("0x1"), "{}: {receipt}", self.name);
    }
}

async fn comb(persistent: bool) -> Engine {
    let genesis = Genesis::dev(comb_evm::rpc::unix_now()).unwrap();
    // The producer idles for the run: blocks come from evm_mine, as with anvil --no-mining.
    let mining = Mining::Interval(Duration::from_secs(3_600));
    let (node, dir) = if persistent {
        let dir = tempfile::tempdir().unwrap();
        let (store, chain, _) = Store::open(dir.path(), OpenWith::OrCreate(genesis)).unwrap();
        (Node::persistent(chain, store, mining), Some(dir))
    } else {
        (Node::new(EvmChain::new(genesis).unwrap(), mining), None)
    };
    let server = Server::start(node, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let rpc = Rpc {
        url: server.url(),
        client: reqwest::Client::new(),
    };
    let name = if persistent {
        "comb-persistent"
    } else {
        "comb"
    };
    Engine::setup(name, rpc, None, Some(server), dir).await
}

async fn anvil() -> Option<Engine> {
    let binary = anvil_binary()?;
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--chain-id",
            "1337",
            "--no-mining",
            "--silent",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let anvil = Anvil(child);
    let rpc = Rpc {
        url: format!("http://127.0.0.1:{port}/"),
        client: reqwest::Client::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
        if rpc.client.post(&rpc.url).json(&body).send().await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "anvil did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some(Engine::setup("anvil", rpc, Some(anvil), None, None).await)
}

/// A group of samples of [`TXS`] transactions on every engine: `call(engine, i)` gives the
/// contract and call data of transaction `i`. Signing is outside the timed part.
fn transaction_group(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    engines: &mut [Engine],
    name: &str,
    call: impl Fn(&Engine, u64) -> (Address, Bytes),
) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10).throughput(Throughput::Elements(TXS));
    for engine in engines.iter_mut() {
        group.bench_function(engine.name, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let txs: Vec<String> = (0..TXS)
                        .map(|i| {
                            let (to, data) = call(engine, i);
                            engine.sender.sign(Some(to), data, 100_000)
                        })
                        .collect();
                    let start = Instant::now();
                    runtime.block_on(engine.run(txs));
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut engines = vec![runtime.block_on(comb(false)), runtime.block_on(comb(true))];
    match runtime.block_on(anvil()) {
        Some(anvil) => engines.push(anvil),
        None => eprintln!("anvil not found (COMB_ANVIL or PATH): its rows are skipped"),
    }

    let token_artifact = artifact("TestToken");
    transaction_group(c, &runtime, &mut engines, "erc20_transfers", |engine, i| {
        let to = Address::with_last_byte((i % 200) as u8 + 1);
        let data = calldata(
            &token_artifact,
            "transfer(address,uint256)",
            &[U256::from_be_slice(to.as_slice()), U256::from(1)],
        );
        (engine.token, data)
    });
    let probe_artifact = artifact("Probe");
    transaction_group(c, &runtime, &mut engines, "event_calls", |engine, i| {
        let data = calldata(
            &probe_artifact,
            "store(uint256,uint256)",
            &[U256::from(i), U256::from(i % 1000)],
        );
        (engine.probe, data)
    });

    // 10,000 blocks with 100 events among them, then one query over all of them.
    for engine in &mut engines {
        runtime.block_on(async {
            for round in 0..100u64 {
                let data = calldata(&probe_artifact, "ping(uint256)", &[U256::from(round)]);
                let raw = engine.sender.sign(Some(engine.probe), data, 100_000);
                engine
                    .rpc
                    .call("eth_sendRawTransaction", json!([raw]))
                    .await;
                engine.rpc.call("anvil_mine", json!(["0x64"])).await;
            }
        });
    }
    let pinged = format!(
        "0x{}",
        hex::encode(alloy_primitives::keccak256("Pinged(uint256)"))
    );
    let mut group = c.benchmark_group("get_logs_10000_blocks");
    group.sample_size(20);
    for engine in &engines {
        let filter = json!([{"fromBlock": "0x0", "toBlock": "latest", "address": [engine.probe], "topics": [[pinged]]}]);
        group.bench_function(engine.name, |b| {
            b.iter(|| {
                let logs = runtime.block_on(engine.rpc.call("eth_getLogs", filter.clone()));
                assert!(logs.as_array().unwrap().len() >= 100, "{}", engine.name);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
