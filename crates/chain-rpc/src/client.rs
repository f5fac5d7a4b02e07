//! The async client of the chain's JSON-RPC, and [`ChainBackend`], the trait the node uses
//! to reach the chain.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use comb_chain::{
    Block, BlockHeader, Call, ChainError, GenesisConfig, Receipt, SignedTransaction, Transaction,
};
use comb_primitives::{Address, Signer, B256, U256};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::jsonrpc::{parse_quantity, ErrorObject, Request, EXECUTION_ERROR};
use crate::types::{
    BatchInfo, ChequebookInfo, EventRecord, PostageInfo, PriceInfo, RedistributionInfo, StakeInfo,
};
use crate::RpcError;

/// The default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the node needs from the chain. [`ChainClient`] implements it over RPC; tests may
/// implement it in-process.
///
/// Views answer for the pending block (Ethereum's `"pending"` tag): see [`crate::views`].
pub trait ChainBackend: Send + Sync {
    /// The chain id.
    fn chain_id(&self) -> impl Future<Output = Result<u64, RpcError>> + Send;
    /// The head's number (the last sealed block).
    fn block_number(&self) -> impl Future<Output = Result<u64, RpcError>> + Send;
    /// Signs `call` with the signer's next nonce and submits it; a revert is
    /// [`RpcError::Reverted`].
    fn send(
        &self,
        signer: &Signer,
        call: Call,
    ) -> impl Future<Output = Result<Receipt, RpcError>> + Send;
    /// An account's BZZ balance in PLUR.
    fn balance(&self, account: Address) -> impl Future<Output = Result<U256, RpcError>> + Send;
    /// A postage batch, `None` if it does not exist.
    fn batch(&self, id: B256) -> impl Future<Output = Result<Option<BatchInfo>, RpcError>> + Send;
    /// The postage contract's figures.
    fn postage(&self) -> impl Future<Output = Result<PostageInfo, RpcError>> + Send;
    /// The price oracle.
    fn price(&self) -> impl Future<Output = Result<PriceInfo, RpcError>> + Send;
    /// A node's stake.
    fn stake(&self, owner: Address) -> impl Future<Output = Result<StakeInfo, RpcError>> + Send;
    /// The redistribution game's state.
    fn redistribution(&self) -> impl Future<Output = Result<RedistributionInfo, RpcError>> + Send;
    /// `isParticipatingInUpcomingRound(owner, depth)`; a contract revert (`WrongPhase`,
    /// `NotStaked`, …) is [`RpcError::CallReverted`].
    fn is_participating(
        &self,
        owner: Address,
        depth: u8,
    ) -> impl Future<Output = Result<bool, RpcError>> + Send;
    /// `isWinner(overlay)`; a contract revert is [`RpcError::CallReverted`].
    fn is_winner(&self, overlay: B256) -> impl Future<Output = Result<bool, RpcError>> + Send;
    /// A chequebook, `None` if the factory deployed none at `address`.
    fn chequebook(
        &self,
        address: Address,
    ) -> impl Future<Output = Result<Option<ChequebookInfo>, RpcError>> + Send;
    /// The events of the sealed blocks `from..=to`.
    fn events(
        &self,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<EventRecord>, RpcError>> + Send;
}

/// A JSON-RPC client of the chain.
#[derive(Debug)]
pub struct ChainClient {
    http: reqwest::Client,
    url: String,
    next_id: AtomicU64,
    chain_id: OnceLock<u64>,
    /// Held from reading the nonce to the receipt, so that tasks sharing the client (the
    /// incentive agent, API handlers) never sign two transactions with one nonce.
    send_lock: tokio::sync::Mutex<()>,
}

impl ChainClient {
    /// A client of the server at `url` (e.g. `http://127.0.0.1:8545`) with the default
    /// timeout.
    pub fn new(url: impl Into<String>) -> Result<Self, RpcError> {
        Self::with_timeout(url, DEFAULT_TIMEOUT)
    }

    /// A client whose requests time out after `timeout`.
    pub fn with_timeout(url: impl Into<String>, timeout: Duration) -> Result<Self, RpcError> {
        let http = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Self {
            http,
            url: url.into(),
            next_id: AtomicU64::new(1),
            chain_id: OnceLock::new(),
            send_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Calls `method` with positional `params` and decodes the result. A JSON-RPC error is
    /// [`RpcError::Rpc`], except a revert (code 3 with a [`ChainError`] as data), which is
    /// [`RpcError::CallReverted`].
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<T, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let request = Request {
            jsonrpc: "2.0".into(),
            id: Value::from(id),
            method: method.into(),
            params,
        };
        let response: Value = self
            .http
            .post(&self.url)
            .json(&request)
            .send()
            .await?
            .json()
            .await?;
        let Value::Object(mut response) = response else {
            return Err(RpcError::InvalidResponse("not a JSON object".into()));
        };
        if let Some(error) = response.remove("error") {
            let error: ErrorObject = serde_json::from_value(error)
                .map_err(|e| RpcError::InvalidResponse(format!("malformed error: {e}")))?;
            if error.code == EXECUTION_ERROR {
                if let Some(chain_error) = error
                    .data
                    .clone()
                    .and_then(|d| serde_json::from_value::<ChainError>(d).ok())
                {
                    return Err(RpcError::CallReverted(chain_error));
                }
            }
            return Err(RpcError::Rpc {
                code: error.code,
                message: error.message,
                data: error.data,
            });
        }
        let result = response
            .remove("result")
            .ok_or_else(|| RpcError::InvalidResponse("neither result nor error".into()))?;
        serde_json::from_value(result)
            .map_err(|e| RpcError::InvalidResponse(format!("{method}: unexpected result: {e}")))
    }

    async fn quantity(&self, method: &str) -> Result<u64, RpcError> {
        let value: Value = self.call(method, json!([])).await?;
        parse_quantity(&value)
            .ok_or_else(|| RpcError::InvalidResponse(format!("{method}: not a quantity: {value}")))
    }

    /// `eth_chainId`.
    pub async fn chain_id(&self) -> Result<u64, RpcError> {
        if let Some(id) = self.chain_id.get() {
            return Ok(*id);
        }
        let id = self.quantity("eth_chainId").await?;
        Ok(*self.chain_id.get_or_init(|| id))
    }

    /// `eth_blockNumber`: the head's number.
    pub async fn block_number(&self) -> Result<u64, RpcError> {
        self.quantity("eth_blockNumber").await
    }

    /// `comb_genesis`.
    pub async fn genesis(&self) -> Result<GenesisConfig, RpcError> {
        self.call("comb_genesis", json!([])).await
    }

    /// `comb_head`: the head's header.
    pub async fn head(&self) -> Result<BlockHeader, RpcError> {
        self.call("comb_head", json!([])).await
    }

    /// `comb_sendTransaction`: submits a signed transaction; a revert is
    /// [`RpcError::Reverted`].
    pub async fn send_transaction(
        &self,
        transaction: &SignedTransaction,
    ) -> Result<Receipt, RpcError> {
        self.call("comb_sendTransaction", json!([transaction]))
            .await
            .map_err(|e| match e {
                RpcError::CallReverted(e) => RpcError::Reverted(e),
                other => other,
            })
    }

    /// Signs `call` with the signer's next nonce (`comb_nonce`) for this chain and submits
    /// it. Sends through one client are serialised.
    pub async fn send(&self, signer: &Signer, call: Call) -> Result<Receipt, RpcError> {
        let _one_at_a_time = self.send_lock.lock().await;
        let chain_id = self.chain_id().await?;
        let nonce = self.nonce(signer.address()).await?;
        let transaction = Transaction {
            chain_id,
            nonce,
            call,
        }
        .sign(signer)
        .map_err(RpcError::Signing)?;
        // Logged with the transaction it concerns: its hash, the call, sender and nonce.
        let hash = transaction.hash().ok();
        let name = serde_json::to_value(&transaction.transaction.call)
            .ok()
            .and_then(|v| v.get("call").and_then(|c| c.as_str()).map(str::to_string))
            .unwrap_or_default();
        let from = signer.address();
        match self.send_transaction(&transaction).await {
            Ok(receipt) => {
                tracing::debug!(tx = ?hash, call = %name, %from, nonce, block = receipt.block_number, "transaction mined");
                Ok(receipt)
            }
            Err(error) => {
                tracing::warn!(tx = ?hash, call = %name, %from, nonce, %error, "transaction failed");
                Err(error)
            }
        }
    }

    /// `comb_nonce`: the account's next nonce (pending block included).
    pub async fn nonce(&self, account: Address) -> Result<u64, RpcError> {
        self.call("comb_nonce", json!([account])).await
    }

    /// `comb_balance`: BZZ in PLUR.
    pub async fn balance(&self, account: Address) -> Result<U256, RpcError> {
        let text: String = self.call("comb_balance", json!([account])).await?;
        U256::from_str_radix(&text, 10)
            .map_err(|e| RpcError::InvalidResponse(format!("comb_balance: {e}")))
    }

    /// `comb_getBlock`: a sealed block, `None` if not sealed (yet).
    pub async fn block(&self, number: u64) -> Result<Option<Block>, RpcError> {
        self.call("comb_getBlock", json!([number])).await
    }

    /// `comb_getEvents`: the events of the sealed blocks `from..=to`.
    pub async fn events(&self, from: u64, to: u64) -> Result<Vec<EventRecord>, RpcError> {
        self.call("comb_getEvents", json!([from, to])).await
    }

    /// `comb_batch`.
    pub async fn batch(&self, id: B256) -> Result<Option<BatchInfo>, RpcError> {
        self.call("comb_batch", json!([id])).await
    }

    /// `comb_batches`.
    pub async fn batches(&self) -> Result<Vec<BatchInfo>, RpcError> {
        self.call("comb_batches", json!([])).await
    }

    /// `comb_postage`.
    pub async fn postage(&self) -> Result<PostageInfo, RpcError> {
        self.call("comb_postage", json!([])).await
    }

    /// `comb_price`.
    pub async fn price(&self) -> Result<PriceInfo, RpcError> {
        self.call("comb_price", json!([])).await
    }

    /// `comb_stake`.
    pub async fn stake(&self, owner: Address) -> Result<StakeInfo, RpcError> {
        self.call("comb_stake", json!([owner])).await
    }

    /// `comb_redistribution`.
    pub async fn redistribution(&self) -> Result<RedistributionInfo, RpcError> {
        self.call("comb_redistribution", json!([])).await
    }

    /// `comb_isParticipating`.
    pub async fn is_participating(&self, owner: Address, depth: u8) -> Result<bool, RpcError> {
        self.call("comb_isParticipating", json!([owner, depth]))
            .await
    }

    /// `comb_isWinner`.
    pub async fn is_winner(&self, overlay: B256) -> Result<bool, RpcError> {
        self.call("comb_isWinner", json!([overlay])).await
    }

    /// `comb_architecture`: the staking architecture's whole state (scores, penalty ladder,
    /// open availability challenges, user stakes, reward pool, governance and parameters;
    /// `staking-architecture.md`) at the head.
    pub async fn architecture(&self) -> Result<comb_chain::architecture::Architecture, RpcError> {
        self.call("comb_architecture", json!([])).await
    }

    /// `comb_chequebook`.
    pub async fn chequebook(&self, address: Address) -> Result<Option<ChequebookInfo>, RpcError> {
        self.call("comb_chequebook", json!([address])).await
    }
}

impl ChainBackend for ChainClient {
    async fn chain_id(&self) -> Result<u64, RpcError> {
        ChainClient::chain_id(self).await
    }

    async fn block_number(&self) -> Result<u64, RpcError> {
        ChainClient::block_number(self).await
    }

    async fn send(&self, signer: &Signer, call: Call) -> Result<Receipt, RpcError> {
        ChainClient::send(self, signer, call).await
    }

    async fn balance(&self, account: Address) -> Result<U256, RpcError> {
        ChainClient::balance(self, account).await
    }

    async fn batch(&self, id: B256) -> Result<Option<BatchInfo>, RpcError> {
        ChainClient::batch(self, id).await
    }

    async fn postage(&self) -> Result<PostageInfo, RpcError> {
        ChainClient::postage(self).await
    }

    async fn price(&self) -> Result<PriceInfo, RpcError> {
        ChainClient::price(self).await
    }

    async fn stake(&self, owner: Address) -> Result<StakeInfo, RpcError> {
        ChainClient::stake(self, owner).await
    }

    async fn redistribution(&self) -> Result<RedistributionInfo, RpcError> {
        ChainClient::redistribution(self).await
    }

    async fn is_participating(&self, owner: Address, depth: u8) -> Result<bool, RpcError> {
        ChainClient::is_participating(self, owner, depth).await
    }

    async fn is_winner(&self, overlay: B256) -> Result<bool, RpcError> {
        ChainClient::is_winner(self, overlay).await
    }

    async fn chequebook(&self, address: Address) -> Result<Option<ChequebookInfo>, RpcError> {
        ChainClient::chequebook(self, address).await
    }

    async fn events(&self, from: u64, to: u64) -> Result<Vec<EventRecord>, RpcError> {
        ChainClient::events(self, from, to).await
    }
}
