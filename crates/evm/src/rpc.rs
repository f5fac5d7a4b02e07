//! Standard Ethereum JSON-RPC over HTTP for the dev chain, and the block producer.
//!
//! Methods (`../shared/spec/evm-interface.md` §1.5 lists what Bee uses):
//! - Bee's: `web3_clientVersion`, `eth_chainId`, `eth_blockNumber`, `eth_getBlockByNumber`,
//!   `eth_getBalance`, `eth_call`, `eth_getCode`, `eth_estimateGas`, `eth_getLogs`,
//!   `eth_getTransactionCount` (at a block or `pending`), `eth_sendRawTransaction`,
//!   `eth_maxPriorityFeePerGas`, `eth_getTransactionByHash`, `eth_getTransactionReceipt`;
//! - also: `eth_gasPrice`, `eth_feeHistory`, `net_version`, `eth_getBlockByHash`,
//!   `eth_getStorageAt`;
//! - for tests: `evm_mine`, `anvil_mine`, `evm_increaseTime`, `evm_snapshot`, `evm_revert`,
//!   `anvil_setBalance`.
//!
//! Encoding is alloy's RPC types, so blocks, transactions, receipts and logs carry every
//! field go-ethereum's decoders require. Batches are answered as batches.
//!
//! **Mining.** [`Mining::Interval`] seals a block every interval, empty or not (Bee needs
//! blocks to keep coming); [`Mining::Auto`] seals a block for each admitted transaction
//! before `eth_sendRawTransaction` answers, as anvil without `--block-time`. `evm_mine`
//! seals one at any time.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy_consensus::transaction::Recovered;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use alloy_rpc_types_eth::{
    Block as RpcBlock, BlockTransactions, FeeHistory, Filter, Header as RpcHeader,
    Transaction as RpcTransaction, TransactionReceipt, TransactionRequest,
};
use axum::extract::State as AxumState;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::chain::{receipt_envelope, rpc_log, Block, EvmChain, MinedTx, SUGGESTED_TIP};
use crate::error::{INVALID_REQUEST, PARSE_ERROR};
use crate::store::Store;
use crate::EvmError;

/// What `web3_clientVersion` answers.
pub const CLIENT_VERSION: &str = concat!("comb/v", env!("CARGO_PKG_VERSION"), "/evm");

/// When blocks are sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mining {
    /// A block every interval.
    Interval(Duration),
    /// A block for every admitted transaction.
    Auto,
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The chain behind the server, shared with the block producer, with its store.
///
/// Every write holds the chain's lock while it persists, so the store sees writes in the
/// chain's order. A storage failure stops the node: later writes are refused with
/// [`EvmError::Stopped`] (what is on disk stays a consistent earlier chain), reads go on.
#[derive(Debug, Clone)]
pub struct Node {
    chain: Arc<Mutex<EvmChain>>,
    store: Option<Arc<Store>>,
    stopped: Arc<Mutex<Option<String>>>,
    mining: Mining,
}

impl Node {
    /// A node serving `chain` from memory only.
    pub fn new(chain: EvmChain, mining: Mining) -> Self {
        Self {
            chain: Arc::new(Mutex::new(chain)),
            store: None,
            stopped: Arc::new(Mutex::new(None)),
            mining,
        }
    }

    /// A node serving `chain`, persisting every write to `store`.
    pub fn persistent(chain: EvmChain, store: Store, mining: Mining) -> Self {
        Self {
            store: Some(Arc::new(store)),
            ..Self::new(chain, mining)
        }
    }

    /// The chain, locked. The lock is not reentrant: take the guard once per statement
    /// (`node.chain().balance(a, node.chain().head_number())` waits for ever).
    pub fn chain(&self) -> MutexGuard<'_, EvmChain> {
        // Every write path completes or changes nothing in memory before it can panic, so a
        // poisoned lock still guards a whole chain.
        self.chain
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn running(&self) -> Result<(), EvmError> {
        let stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        match &*stopped {
            Some(reason) => Err(EvmError::Stopped(reason.clone())),
            None => Ok(()),
        }
    }

    /// Persists with `write`; a failure stops the node.
    fn persist(&self, write: impl FnOnce(&Store) -> Result<(), EvmError>) -> Result<(), EvmError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        write(store).inspect_err(|error| {
            tracing::error!(%error, "the chain's store failed; no more writes are accepted");
            *self.stopped.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.to_string());
        })
    }

    /// Seals a block now (the producer's tick, `evm_mine`); the new head's number.
    pub fn mine(&self, timestamp: Option<u64>) -> Result<u64, EvmError> {
        let mut chain = self.chain();
        self.mine_locked(&mut chain, timestamp)
    }

    fn mine_locked(&self, chain: &mut EvmChain, timestamp: Option<u64>) -> Result<u64, EvmError> {
        self.running()?;
        let parent = chain.head().header.timestamp;
        if let Some(asked) = timestamp.filter(|asked| *asked <= parent) {
            // Bee estimates block numbers from timestamps: they strictly increase here.
            return Err(EvmError::InvalidParams(format!(
                "timestamp {asked} is not after the previous block's {parent}"
            )));
        }
        let timestamp = timestamp.unwrap_or_else(|| chain.next_timestamp(unix_now()));
        let number = chain.mine(timestamp);
        let writes = chain.take_journal();
        self.persist(|store| store.commit_block(chain, writes))?;
        Ok(number)
    }

    /// Admits a raw transaction, persisted before this returns; with [`Mining::Auto`] it is
    /// mined too.
    pub fn send_raw(&self, raw: &[u8]) -> Result<B256, EvmError> {
        let mut chain = self.chain();
        self.running()?;
        let admitted = chain.send_raw(raw)?;
        if let Some(pending) = chain.pending_tx(&admitted.hash).cloned() {
            self.persist(|store| store.add_pending(pending.seq, &pending.tx))?;
        }
        tracing::debug!(hash = %admitted.hash, "transaction admitted");
        if self.mining == Mining::Auto {
            self.mine_locked(&mut chain, None)?;
        }
        Ok(admitted.hash)
    }

    /// `evm_revert`, persisted (the store is rewritten from the reverted chain).
    pub fn revert(&self, id: u64) -> Result<bool, EvmError> {
        let mut chain = self.chain();
        self.running()?;
        if !chain.revert(id) {
            return Ok(false);
        }
        self.persist(|store| store.rewrite(&mut chain))?;
        Ok(true)
    }

    /// `evm_increaseTime`, persisted; the total offset.
    pub fn increase_time(&self, seconds: u64) -> Result<u64, EvmError> {
        let mut chain = self.chain();
        self.running()?;
        let offset = chain.increase_time(seconds);
        self.persist(|store| store.set_time_offset(offset))?;
        Ok(offset)
    }

    /// `anvil_setBalance`, persisted with the head state root it leaves.
    pub fn set_balance(&self, address: Address, balance: U256) -> Result<(), EvmError> {
        let mut chain = self.chain();
        self.running()?;
        chain.set_balance(address, balance);
        let writes = chain.take_journal();
        let root = chain.head_state_root();
        self.persist(|store| store.commit_writes(writes, root))
    }

    /// Answers one JSON-RPC request object.
    pub fn answer(&self, request: &Value) -> Value {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let Some(method) = request.get("method").and_then(Value::as_str) else {
            return error_response(id, INVALID_REQUEST, "invalid request: no method", None);
        };
        let params = request
            .get("params")
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        let params = match params {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            _ => {
                return error_response(
                    id,
                    crate::error::INVALID_PARAMS,
                    "invalid params: expected an array",
                    None,
                )
            }
        };
        match self.dispatch(method, &params) {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err(error) => {
                tracing::debug!(method, %error, "refused");
                let data = error.data().map(|d| Value::String(d.to_string()));
                error_response(id, error.code(), &error.to_string(), data)
            }
        }
    }

    fn dispatch(&self, method: &str, params: &[Value]) -> Result<Value, EvmError> {
        let p = Params(params);
        Ok(match method {
            "web3_clientVersion" => json!(CLIENT_VERSION),
            "eth_chainId" => to_json(U64::from(self.chain().chain_id())),
            "net_version" => json!(self.chain().chain_id().to_string()),
            "eth_blockNumber" => to_json(U64::from(self.chain().head_number())),
            "eth_gasPrice" => {
                let base = self.chain().next_base_fee();
                to_json(U256::from(u128::from(base).saturating_add(SUGGESTED_TIP)))
            }
            "eth_maxPriorityFeePerGas" => to_json(U256::from(SUGGESTED_TIP)),
            "eth_feeHistory" => self.fee_history(&p)?,
            "eth_getBalance" => {
                let chain = self.chain();
                let at = chain.resolve_id(p.block(1)?)?;
                to_json(chain.balance(p.get::<Address>(0)?, at))
            }
            "eth_getTransactionCount" => {
                let chain = self.chain();
                let address = p.get::<Address>(0)?;
                let id = p.block(1)?;
                if id == BlockId::Number(BlockNumberOrTag::Pending) {
                    to_json(U64::from(chain.pending_nonce(address)))
                } else {
                    let at = chain.resolve_id(id)?;
                    to_json(U64::from(chain.nonce(address, at)))
                }
            }
            "eth_getCode" => {
                let chain = self.chain();
                let at = chain.resolve_id(p.block(1)?)?;
                to_json(chain.code(p.get::<Address>(0)?, at))
            }
            "eth_getStorageAt" => {
                let chain = self.chain();
                let at = chain.resolve_id(p.block(2)?)?;
                let slot = p.get::<U256>(1)?;
                to_json(B256::from(chain.storage(p.get::<Address>(0)?, slot, at)))
            }
            "eth_getBlockByNumber" => {
                let chain = self.chain();
                let tag = p.get::<BlockNumberOrTag>(0)?;
                let full = p.opt::<bool>(1)?.unwrap_or(false);
                match chain.resolve(tag) {
                    Ok(number) => chain
                        .block(number)
                        .map_or(Value::Null, |b| rpc_block(b, full)),
                    Err(EvmError::BlockNotFound) => Value::Null,
                    Err(other) => return Err(other),
                }
            }
            "eth_getBlockByHash" => {
                let chain = self.chain();
                let full = p.opt::<bool>(1)?.unwrap_or(false);
                chain
                    .block_by_hash(&p.get::<B256>(0)?)
                    .map_or(Value::Null, |b| rpc_block(b, full))
            }
            "eth_getTransactionByHash" => {
                let chain = self.chain();
                let hash = p.get::<B256>(0)?;
                if let Some((block, tx)) = chain.mined_tx(&hash) {
                    to_json(rpc_transaction(Some(block), tx))
                } else if let Some(pending) = chain.pending_tx(&hash) {
                    to_json(RpcTransaction {
                        inner: Recovered::new_unchecked(pending.tx.clone(), pending.sender),
                        block_hash: None,
                        block_number: None,
                        transaction_index: None,
                        // As anvil: a pending transaction shows its fee cap as `gasPrice`.
                        effective_gas_price: Some(alloy_consensus::Transaction::max_fee_per_gas(
                            &pending.tx,
                        )),
                        block_timestamp: None,
                    })
                } else {
                    Value::Null
                }
            }
            "eth_getTransactionReceipt" => {
                let chain = self.chain();
                chain
                    .mined_tx(&p.get::<B256>(0)?)
                    .map_or(Value::Null, |(block, tx)| receipt_json(block, tx))
            }
            "eth_call" => {
                let chain = self.chain();
                let request = p.get::<TransactionRequest>(0)?;
                let at = chain.resolve_call(p.block(1)?)?;
                to_json(chain.call(&request, at)?.output)
            }
            "eth_estimateGas" => {
                let chain = self.chain();
                let request = p.get::<TransactionRequest>(0)?;
                let at = chain.resolve_call(p.block(1)?)?;
                to_json(U64::from(chain.estimate_gas(&request, at)?))
            }
            "eth_sendRawTransaction" => to_json(self.send_raw(&p.get::<Bytes>(0)?)?),
            "eth_getLogs" => to_json(self.chain().logs(&p.get::<Filter>(0)?)?),
            "anvil_mine" => {
                // anvil's: `count` blocks (default 1), each `interval` seconds after the last.
                let count = mine_count(p.opt::<U64>(0)?.map_or(1, |c| c.to::<u64>()))?;
                let interval = p.opt::<U64>(1)?.map(|i| i.to::<u64>().max(1));
                let mut chain = self.chain();
                for _ in 0..count {
                    let timestamp = interval
                        .map(|seconds| chain.head().header.timestamp.saturating_add(seconds));
                    self.mine_locked(&mut chain, timestamp)?;
                }
                Value::Null
            }
            "evm_mine" => {
                // `[]`, `[timestamp]` or `[{timestamp, blocks}]`, as anvil takes them.
                let (timestamp, blocks) = match params.first() {
                    Some(Value::Object(options)) => {
                        let field = |name: &str| -> Result<Option<u64>, EvmError> {
                            options
                                .get(name)
                                .filter(|v| !v.is_null())
                                .map(|v| {
                                    serde_json::from_value::<U64>(v.clone()).map(|q| q.to::<u64>())
                                })
                                .transpose()
                                .map_err(|e| {
                                    EvmError::InvalidParams(format!("evm_mine {name}: {e}"))
                                })
                        };
                        (
                            field("timestamp")?,
                            mine_count(field("blocks")?.unwrap_or(1))?,
                        )
                    }
                    _ => (p.opt::<U64>(0)?.map(|t| t.to::<u64>()), 1),
                };
                // The first block at `timestamp`, any further ones a second apart.
                self.mine(timestamp)?;
                for _ in 1..blocks {
                    self.mine(None)?;
                }
                json!("0x0")
            }
            "evm_increaseTime" => {
                let seconds = p
                    .get::<U64>(0)
                    .or_else(|_| p.get::<u64>(0).map(U64::from))?;
                // The total offset as a JSON number, as anvil answers.
                json!(self.increase_time(seconds.to::<u64>())?)
            }
            "evm_snapshot" => to_json(U64::from(self.chain().snapshot())),
            "evm_revert" => json!(self.revert(p.get::<U64>(0)?.to::<u64>())?),
            "anvil_setBalance" => {
                self.set_balance(p.get::<Address>(0)?, p.get::<U256>(1)?)?;
                Value::Null
            }
            other => return Err(EvmError::MethodNotFound(other.to_string())),
        })
    }

    fn fee_history(&self, p: &Params<'_>) -> Result<Value, EvmError> {
        let chain = self.chain();
        let count = p
            .get::<U64>(0)
            .or_else(|_| p.get::<u64>(0).map(U64::from))?
            .to::<u64>();
        let newest = chain.resolve(p.get::<BlockNumberOrTag>(1)?)?;
        let percentiles = p.opt::<Vec<f64>>(2)?;
        let count = count.clamp(1, 1024).min(newest.saturating_add(1));
        let oldest = newest.saturating_add(1).saturating_sub(count);
        let mut history = FeeHistory {
            oldest_block: oldest,
            ..FeeHistory::default()
        };
        let mut rewards = Vec::new();
        for number in oldest..=newest {
            let block = chain.block(number).ok_or(EvmError::BlockNotFound)?;
            let header = &block.header;
            let base = header.base_fee_per_gas.unwrap_or_default();
            history.base_fee_per_gas.push(u128::from(base));
            history
                .gas_used_ratio
                .push(header.gas_used as f64 / header.gas_limit as f64);
            history.base_fee_per_blob_gas.push(1);
            history.blob_gas_used_ratio.push(0.0);
            if let Some(percentiles) = &percentiles {
                rewards.push(block_rewards(block, u128::from(base), percentiles));
            }
        }
        let next = if newest == chain.head_number() {
            chain.next_base_fee()
        } else {
            chain
                .block(newest.saturating_add(1))
                .and_then(|b| b.header.base_fee_per_gas)
                .unwrap_or_default()
        };
        history.base_fee_per_gas.push(u128::from(next));
        history.base_fee_per_blob_gas.push(1);
        if percentiles.is_some() {
            history.reward = Some(rewards);
        }
        Ok(to_json(history))
    }
}

/// The tips at `percentiles` of a block's gas, as geth computes them: transactions sorted by
/// tip, each weighted by its gas used.
fn block_rewards(block: &Block, base_fee: u128, percentiles: &[f64]) -> Vec<u128> {
    let mut tips: Vec<(u128, u64)> = block
        .transactions
        .iter()
        .map(|t| (t.effective_gas_price.saturating_sub(base_fee), t.gas_used))
        .collect();
    if tips.is_empty() {
        return vec![0; percentiles.len()];
    }
    tips.sort_unstable();
    let total: u64 = tips.iter().map(|(_, gas)| *gas).sum();
    percentiles
        .iter()
        .map(|percentile| {
            let threshold = (total as f64 * percentile / 100.0) as u64;
            let mut sum = 0u64;
            for (tip, gas) in &tips {
                sum = sum.saturating_add(*gas);
                if sum >= threshold {
                    return *tip;
                }
            }
            tips.last().map_or(0, |(tip, _)| *tip)
        })
        .collect()
}

struct Params<'a>(&'a [Value]);

impl Params<'_> {
    fn get<T: DeserializeOwned>(&self, index: usize) -> Result<T, EvmError> {
        let value = self.0.get(index).ok_or_else(|| {
            EvmError::InvalidParams(format!("missing value for required argument {index}"))
        })?;
        serde_json::from_value(value.clone())
            .map_err(|e| EvmError::InvalidParams(format!("argument {index}: {e}")))
    }

    fn opt<T: DeserializeOwned>(&self, index: usize) -> Result<Option<T>, EvmError> {
        match self.0.get(index) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.get(index).map(Some),
        }
    }

    /// A block id argument; `latest` when absent, as geth.
    fn block(&self, index: usize) -> Result<BlockId, EvmError> {
        Ok(self
            .opt::<BlockId>(index)?
            .unwrap_or(BlockId::Number(BlockNumberOrTag::Latest)))
    }
}

fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn error_response(id: Value, code: i64, message: &str, data: Option<Value>) -> Value {
    let mut error = json!({"code": code, "message": message});
    if let (Some(data), Some(object)) = (data, error.as_object_mut()) {
        object.insert("data".into(), data);
    }
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}

/// A block as `eth_getBlockBy*` answers it.
pub fn rpc_block(block: &Block, full: bool) -> Value {
    let transactions = if full {
        BlockTransactions::Full(
            block
                .transactions
                .iter()
                .map(|t| rpc_transaction(Some(block), t))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(block.transactions.iter().map(|t| *t.tx.tx_hash()).collect())
    };
    to_json(RpcBlock {
        header: RpcHeader {
            hash: block.hash,
            inner: block.header.clone(),
            total_difficulty: Some(U256::ZERO),
            size: Some(U256::from(block.size)),
        },
        uncles: Vec::new(),
        transactions,
        withdrawals: Some(Default::default()),
    })
}

/// A mined transaction as `eth_getTransactionByHash` answers it.
pub fn rpc_transaction(block: Option<&Block>, tx: &MinedTx) -> RpcTransaction {
    RpcTransaction {
        inner: Recovered::new_unchecked(tx.tx.clone(), tx.sender),
        block_hash: block.map(|b| b.hash),
        block_number: block.map(|b| b.header.number),
        transaction_index: Some(tx.index),
        effective_gas_price: Some(tx.effective_gas_price),
        block_timestamp: block.map(|b| b.header.timestamp),
    }
}

/// A receipt as `eth_getTransactionReceipt` answers it: alloy's receipt with the block's
/// `blockTimestamp` (anvil adds it).
pub fn receipt_json(block: &Block, tx: &MinedTx) -> Value {
    let mut value = to_json(rpc_receipt(block, tx));
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "blockTimestamp".into(),
            to_json(U64::from(block.header.timestamp)),
        );
    }
    value
}

/// A receipt as alloy types it. `blobGasPrice` is the dev chain's constant blob base fee, 1
/// (no blobs are ever sold), as anvil reports it.
pub fn rpc_receipt(block: &Block, tx: &MinedTx) -> TransactionReceipt {
    let logs = tx
        .logs
        .iter()
        .enumerate()
        .map(|(offset, log)| rpc_log(block, tx, offset, log))
        .collect();
    TransactionReceipt {
        inner: receipt_envelope(
            alloy_consensus::Typed2718::ty(&tx.tx)
                .try_into()
                .unwrap_or_default(),
            tx.receipt_body(logs),
        ),
        transaction_hash: *tx.tx.tx_hash(),
        transaction_index: Some(tx.index),
        block_hash: Some(block.hash),
        block_number: Some(block.header.number),
        gas_used: tx.gas_used,
        effective_gas_price: tx.effective_gas_price,
        blob_gas_used: None,
        blob_gas_price: Some(1),
        from: tx.sender,
        to: alloy_consensus::Transaction::to(&tx.tx),
        contract_address: tx.contract_address,
    }
}

/// Most blocks one `evm_mine` or `anvil_mine` call seals: the chain stays locked meanwhile.
pub const MAX_MINE_COUNT: u64 = 10_000;

fn mine_count(count: u64) -> Result<u64, EvmError> {
    if count > MAX_MINE_COUNT {
        return Err(EvmError::InvalidParams(format!(
            "at most {MAX_MINE_COUNT} blocks per call, not {count}"
        )));
    }
    Ok(count)
}

/// Answers a request body off the async workers: answering locks the chain and may execute
/// (a call, a gas estimate, a block), which must not stall the server and the producer.
async fn handle(AxumState(node): AxumState<Node>, body: axum::body::Bytes) -> Response {
    let answer = tokio::task::spawn_blocking(move || answer_body(&node, &body))
        .await
        .unwrap_or_else(|e| {
            error_response(
                Value::Null,
                crate::error::SERVER_ERROR,
                &format!("internal error: {e}"),
                None,
            )
        });
    ([(CONTENT_TYPE, "application/json")], answer.to_string()).into_response()
}

fn answer_body(node: &Node, body: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(body) {
        Err(e) => error_response(Value::Null, PARSE_ERROR, &format!("parse error: {e}"), None),
        Ok(Value::Array(requests)) if requests.is_empty() => {
            error_response(Value::Null, INVALID_REQUEST, "empty batch", None)
        }
        Ok(Value::Array(requests)) => {
            Value::Array(requests.iter().map(|r| node.answer(r)).collect())
        }
        Ok(request) => node.answer(&request),
    }
}

/// CORS as anvil answers it by default: any origin may call the chain, so a wallet or Bee's
/// dashboard in a browser can use a local devnet's JSON-RPC. The chain binds to loopback by
/// default; it holds no secrets (dev keys are public), and state changes need signed
/// transactions.
async fn allow_any_origin(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        axum::http::HeaderValue::from_static("*"),
    );
    headers.insert(
        axum::http::header::VARY,
        axum::http::HeaderValue::from_static(
            "origin, access-control-request-method, access-control-request-headers",
        ),
    );
    response
}

/// The answer to a CORS preflight: POST (and GET) with the headers the browser asks for.
async fn preflight(request_headers: axum::http::HeaderMap) -> Response {
    let asked = request_headers
        .get(axum::http::header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or(axum::http::HeaderValue::from_static("content-type"));
    (
        [
            (
                axum::http::header::ACCESS_CONTROL_ALLOW_METHODS,
                axum::http::HeaderValue::from_static("GET,POST"),
            ),
            (axum::http::header::ACCESS_CONTROL_ALLOW_HEADERS, asked),
        ],
        "",
    )
        .into_response()
}

/// A running dev chain: the JSON-RPC server and, with [`Mining::Interval`], the producer.
#[derive(Debug)]
pub struct Server {
    node: Node,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds `listen` and serves `node` on it.
    pub async fn start(node: Node, listen: SocketAddr) -> std::io::Result<Self> {
        let mining = node.mining;
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (shutdown, mut stop) = watch::channel(false);
        let app = Router::new()
            .route("/", post(handle).options(preflight))
            .layer(axum::middleware::map_response(allow_any_origin))
            .with_state(node.clone());
        let mut server_stop = stop.clone();
        let mut tasks = vec![tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|stopped| *stopped).await;
            });
            if let Err(error) = serve.await {
                tracing::warn!(%error, "the JSON-RPC server stopped");
            }
        })];
        if let Mining::Interval(every) = mining {
            let producer = node.clone();
            tasks.push(tokio::spawn(async move {
                let mut ticks = tokio::time::interval(every);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticks.tick().await;
                loop {
                    tokio::select! {
                        _ = ticks.tick() => {}
                        // `stop` changes only to `true` (or its sender is gone): stop either way.
                        _ = stop.changed() => break,
                    }
                    let node = producer.clone();
                    match tokio::task::spawn_blocking(move || node.mine(None)).await {
                        Ok(Ok(number)) => tracing::trace!(number, "block sealed"),
                        Ok(Err(error)) => tracing::warn!(%error, "no block sealed"),
                        Err(error) => tracing::error!(%error, "sealing a block failed"),
                    }
                }
            }));
        }
        Ok(Self {
            node,
            addr,
            shutdown,
            tasks,
        })
    }

    /// The address it serves on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The chain.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Stops serving and producing; requests in flight are answered.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
