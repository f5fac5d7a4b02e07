//! Test support: a JSON-RPC client, transaction signing by hand from the EIP-1559 and
//! EIP-155 definitions, comb's chain and anvil started on loopback, and the test contracts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, B256, U256};
use comb_evm::{EvmChain, Genesis, Mining, Node, Server};
use comb_primitives::Signer;
use serde_json::{json, Value};

/// 10,000 ether.
pub const FUNDS: u128 = 10_000 * 1_000_000_000_000_000_000;

/// A JSON-RPC endpoint.
pub struct Rpc {
    pub url: String,
    pub name: &'static str,
    client: reqwest::Client,
}

impl Rpc {
    pub fn new(name: &'static str, url: String) -> Self {
        Self {
            url,
            name,
            client: reqwest::Client::new(),
        }
    }

    /// The whole response object of one call.
    pub async fn raw(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.post(&body).await
    }

    pub async fn post(&self, body: &Value) -> Value {
        let response = self
            .client
            .post(&self.url)
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {body}: {e}", self.name));
        response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{}: {body}: not JSON: {e}", self.name))
    }

    /// The result of a call that must succeed.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let response = self.raw(method, params.clone()).await;
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{}: {method} {params}: {response}", self.name),
        }
    }

    /// The error object of a call that must fail.
    pub async fn error(&self, method: &str, params: Value) -> Value {
        let response = self.raw(method, params.clone()).await;
        match response.get("error") {
            Some(error) => error.clone(),
            None => panic!(
                "{}: {method} {params}: expected an error, got {response}",
                self.name
            ),
        }
    }

    pub async fn u64(&self, method: &str, params: Value) -> u64 {
        quantity(&self.call(method, params).await)
    }

    pub async fn balance(&self, address: Address) -> U256 {
        let value = self
            .call("eth_getBalance", json!([address, "latest"]))
            .await;
        value
            .as_str()
            .and_then(|s| U256::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .unwrap_or_else(|| panic!("{value}"))
    }

    pub async fn nonce(&self, address: Address, block: &str) -> u64 {
        self.u64("eth_getTransactionCount", json!([address, block]))
            .await
    }

    /// The receipt of `hash`, polled until it exists (interval mining) or the deadline.
    pub async fn receipt(&self, hash: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let receipt = self.call("eth_getTransactionReceipt", json!([hash])).await;
            if !receipt.is_null() {
                return receipt;
            }
            assert!(
                Instant::now() < deadline,
                "{}: no receipt for {hash}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A hex quantity as u64.
pub fn quantity(value: &Value) -> u64 {
    value
        .as_str()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .unwrap_or_else(|| panic!("not a quantity: {value}"))
}

/// A key that signs transactions, with the nonce it will use next.
pub struct Wallet {
    pub signer: Signer,
    pub address: Address,
    pub nonce: u64,
    pub chain_id: u64,
}

/// What a transaction sends.
#[derive(Clone)]
pub struct Tx {
    pub to: Option<Address>,
    pub value: U256,
    pub input: Bytes,
    pub gas: u64,
    pub max_fee: u128,
    pub tip: u128,
}

impl Default for Tx {
    fn default() -> Self {
        Self {
            to: None,
            value: U256::ZERO,
            input: Bytes::new(),
            gas: 1_000_000,
            max_fee: 10_000_000_000,
            tip: 1_000_000_000,
        }
    }
}

fn signature(signer: &Signer, hash: B256) -> Signature {
    let bytes = signer.sign_prehash(&hash.0).expect("sign");
    let r = U256::from_be_slice(&bytes.0[..32]);
    let s = U256::from_be_slice(&bytes.0[32..64]);
    Signature::new(r, s, bytes.0[64] == 28)
}

impl Wallet {
    pub fn new(signer: Signer, chain_id: u64) -> Self {
        Self {
            address: signer.address(),
            signer,
            nonce: 0,
            chain_id,
        }
    }

    /// A random key with nothing.
    pub fn random(chain_id: u64) -> Self {
        Self::new(Signer::random(), chain_id)
    }

    /// Signs a type-2 transaction at `nonce` for `chain_id`.
    pub fn sign_with(&self, tx: &Tx, nonce: u64, chain_id: u64) -> String {
        let unsigned = TxEip1559 {
            chain_id,
            nonce,
            gas_limit: tx.gas,
            max_fee_per_gas: tx.max_fee,
            max_priority_fee_per_gas: tx.tip,
            to: tx.to.map_or(TxKind::Create, TxKind::Call),
            value: tx.value,
            access_list: Default::default(),
            input: tx.input.clone(),
        };
        let signature = signature(&self.signer, unsigned.signature_hash());
        let envelope = TxEnvelope::from(unsigned.into_signed(signature));
        format!("0x{}", hex::encode(envelope.encoded_2718()))
    }

    /// Signs a legacy transaction (EIP-155 when `chain_id` is given).
    pub fn sign_legacy(&self, tx: &Tx, nonce: u64, chain_id: Option<u64>) -> String {
        let unsigned = TxLegacy {
            chain_id,
            nonce,
            gas_price: tx.max_fee,
            gas_limit: tx.gas,
            to: tx.to.map_or(TxKind::Create, TxKind::Call),
            value: tx.value,
            input: tx.input.clone(),
        };
        let signature = signature(&self.signer, unsigned.signature_hash());
        let envelope = TxEnvelope::from(unsigned.into_signed(signature));
        format!("0x{}", hex::encode(envelope.encoded_2718()))
    }

    /// Signs the next transaction.
    pub fn sign(&mut self, tx: &Tx) -> String {
        let raw = self.sign_with(tx, self.nonce, self.chain_id);
        self.nonce += 1;
        raw
    }

    /// Sends the next transaction; its hash.
    pub async fn send(&mut self, rpc: &Rpc, tx: &Tx) -> String {
        let raw = self.sign(tx);
        let hash = rpc.call("eth_sendRawTransaction", json!([raw])).await;
        hash.as_str()
            .unwrap_or_else(|| panic!("{hash}"))
            .to_string()
    }

    /// Sends the next transaction and waits for its receipt.
    pub async fn send_mined(&mut self, rpc: &Rpc, tx: &Tx) -> Value {
        let hash = self.send(rpc, tx).await;
        rpc.receipt(&hash).await
    }
}

/// A compiled contract of `contracts/out/`.
pub struct Artifact {
    pub json: Value,
}

impl Artifact {
    pub fn load(name: &str) -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../contracts/out")
            .join(format!("{name}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self {
            json: serde_json::from_str(&text).expect("artifact JSON"),
        }
    }

    pub fn bytecode(&self) -> Bytes {
        hex_bytes(self.json["bytecode"].as_str().expect("bytecode"))
    }

    pub fn deployed(&self) -> Bytes {
        hex_bytes(
            self.json["deployedBytecode"]
                .as_str()
                .expect("deployedBytecode"),
        )
    }

    /// Call data: the selector of `signature` (from the artifact's method identifiers, as
    /// solc computed them) followed by 32-byte words.
    pub fn calldata(&self, signature: &str, words: &[U256]) -> Bytes {
        let selector = self.json["methodIdentifiers"][signature]
            .as_str()
            .unwrap_or_else(|| panic!("no method {signature}"));
        let mut data = hex::decode(selector).expect("selector");
        for word in words {
            data.extend_from_slice(&word.to_be_bytes::<32>());
        }
        Bytes::from(data)
    }
}

pub fn hex_bytes(text: &str) -> Bytes {
    Bytes::from(hex::decode(text.trim_start_matches("0x")).expect("hex"))
}

/// An address as a 32-byte word (call data, topics).
pub fn word(address: Address) -> U256 {
    U256::from_be_slice(address.as_slice())
}

/// comb's dev chain on loopback: the dev genesis, the given mining mode.
pub async fn start_comb(mining: Mining) -> Server {
    let genesis = Genesis::dev(comb_evm::rpc::unix_now()).expect("genesis");
    let chain = EvmChain::new(genesis).expect("chain");
    Server::start(
        Node::new(chain, mining),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .expect("start comb's chain")
}

/// anvil, killed when dropped.
pub struct Anvil {
    child: Child,
    pub url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The anvil binary: `COMB_ANVIL`, else `anvil` on the PATH. `.ci/run` installs
/// `@foundry-rs/anvil-linux-amd64@1.7.1` from npm and puts it on the PATH.
pub fn anvil_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("COMB_ANVIL") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("anvil"))
        .find(|candidate| candidate.is_file())
        .expect("anvil (npm @foundry-rs/anvil-linux-amd64@1.7.1) is needed; .ci/run installs it, or set COMB_ANVIL")
}

/// anvil on a free loopback port, chain 1337, answering before this returns.
pub async fn start_anvil(extra: &[&str]) -> Anvil {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(anvil_binary())
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--chain-id",
            "1337",
            "--silent",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start anvil");
    let anvil = Anvil {
        child,
        url: format!("http://127.0.0.1:{port}/"),
    };
    let rpc = Rpc::new("anvil", anvil.url.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
        if let Ok(response) = rpc.client.post(&rpc.url).json(&body).send().await {
            if response.status().is_success() {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "anvil did not answer on {}",
            anvil.url
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anvil
}

/// Funds `address` with 10,000 ether through `anvil_setBalance` (both engines serve it).
pub async fn fund(rpc: &Rpc, address: Address) {
    rpc.call("anvil_setBalance", json!([address, U256::from(FUNDS)]))
        .await;
}
