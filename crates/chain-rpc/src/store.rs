//! Persistence of the dev chain in a redb database (`chain.redb` in the data directory).
//!
//! **Tables.**
//! * `blocks`: block number → the sealed [`Block`] as JSON (block 0 is the genesis header).
//! * `meta`: the genesis configuration, the latest state snapshot, the head header and the
//!   pending block's timestamp, each as JSON under its own key.
//! * `pending_transactions`: position in the pending block → the signed transaction as JSON.
//!
//! **Atomicity and durability.** Every write is one redb write transaction committed with
//! redb's default durability (`Immediate`: durable when `commit` returns).
//! * [`Store::append_pending`] persists one transaction accepted into the pending block; the
//!   caller acknowledges the transaction only after it returns.
//! * [`Store::commit_block`] writes the sealed block, the state after it, the new head and the
//!   next pending timestamp, and clears the pending table, all in one write transaction: after
//!   a crash the store holds either the old head with all its pending transactions or the new
//!   head with none.
//!
//! **Recovery.** [`Store::open`] loads the configuration, state and head, refuses to start if
//! `state.root() != head.state_root`, rebuilds the ledger with [`Ledger::restore`] at the
//! persisted pending timestamp, and re-submits the persisted pending transactions in order.
//! The pending block's number, timestamp and prevrandao are those it had before the restart,
//! so the transactions replay to the same receipts and no acknowledged transaction is lost.

use std::path::{Path, PathBuf};

use comb_chain::{Block, BlockHeader, GenesisConfig, Ledger, SignedTransaction, State};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::RpcError;

/// Memory redb may use to cache the chain database's pages.
pub const CHAIN_PAGE_CACHE_BYTES: usize = 64 << 20;

/// The database file inside the data directory.
pub const DB_FILE: &str = "chain.redb";

const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const PENDING: TableDefinition<u64, &[u8]> = TableDefinition::new("pending_transactions");

const KEY_GENESIS: &str = "genesis";
const KEY_STATE: &str = "state";
const KEY_HEAD: &str = "head";
const KEY_PENDING_TIMESTAMP: &str = "pendingTimestamp";

/// Which genesis configuration [`Store::open`] uses.
#[derive(Debug, Clone)]
pub enum Genesis {
    /// Resume the stored chain; a store without one is an error ([`RpcError::NoGenesis`]).
    Stored,
    /// Exactly this configuration: creates the chain if the store holds none, and must equal
    /// the stored one otherwise ([`RpcError::GenesisMismatch`]).
    Exactly(GenesisConfig),
    /// Resume the stored chain if there is one, else create one with this configuration.
    OrCreate(GenesisConfig),
}

/// What [`Store::open`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// Whether the chain was created now (false: resumed).
    pub created: bool,
    /// How many pending transactions were replayed into the pending block.
    pub replayed: usize,
}

/// The chain's database.
#[derive(Debug)]
pub struct Store {
    db: Database,
    path: PathBuf,
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, RpcError> {
    Ok(serde_json::to_vec(value)?)
}

fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, RpcError> {
    serde_json::from_slice(bytes).map_err(|e| RpcError::Corrupt(format!("{what}: {e}")))
}

impl Store {
    /// Whether `dir` holds a chain database file (it may still be empty).
    pub fn exists(dir: &Path) -> bool {
        dir.join(DB_FILE).is_file()
    }

    /// Opens (or creates) the chain in `dir` and returns the store and the ledger, with the
    /// persisted pending transactions replayed (see the module documentation).
    pub fn open(dir: &Path, genesis: Genesis) -> Result<(Self, Ledger, Opened), RpcError> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DB_FILE);
        // The ledger's state is small; redb's default 1 GiB page cache is far more than it
        // needs (an operational choice).
        let db = redb::Builder::new()
            .set_cache_size(CHAIN_PAGE_CACHE_BYTES)
            .create(&path)
            .map_err(RpcError::storage)?;
        let store = Self { db, path };
        store.create_tables()?;
        let stored: Option<GenesisConfig> = store.meta(KEY_GENESIS)?;
        match (stored, genesis) {
            (None, Genesis::Stored) => Err(RpcError::NoGenesis),
            (None, Genesis::Exactly(config) | Genesis::OrCreate(config)) => {
                let ledger = store.initialize(config)?;
                let opened = Opened {
                    created: true,
                    replayed: 0,
                };
                Ok((store, ledger, opened))
            }
            (Some(stored), Genesis::Exactly(config)) if stored != config => {
                Err(RpcError::GenesisMismatch)
            }
            (Some(stored), _) => {
                let (ledger, replayed) = store.restore(stored)?;
                let opened = Opened {
                    created: false,
                    replayed,
                };
                Ok((store, ledger, opened))
            }
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn create_tables(&self) -> Result<(), RpcError> {
        let txn = self.db.begin_write().map_err(RpcError::storage)?;
        {
            txn.open_table(BLOCKS).map_err(RpcError::storage)?;
            txn.open_table(META).map_err(RpcError::storage)?;
            txn.open_table(PENDING).map_err(RpcError::storage)?;
        }
        txn.commit().map_err(RpcError::storage)
    }

    fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, RpcError> {
        let txn = self.db.begin_read().map_err(RpcError::storage)?;
        let table = txn.open_table(META).map_err(RpcError::storage)?;
        let value = table.get(key).map_err(RpcError::storage)?;
        value.map(|v| decode(key, v.value())).transpose()
    }

    fn required_meta<T: DeserializeOwned>(&self, key: &str) -> Result<T, RpcError> {
        self.meta(key)?
            .ok_or_else(|| RpcError::Corrupt(format!("the store has a genesis but no {key}")))
    }

    /// Writes genesis: configuration, state, head, pending timestamp and block 0.
    fn initialize(&self, config: GenesisConfig) -> Result<Ledger, RpcError> {
        let ledger = Ledger::genesis(config.clone()).map_err(RpcError::Ledger)?;
        let head = ledger.head().clone();
        let block = Block {
            header: head.clone(),
            transactions: Vec::new(),
            receipts: Vec::new(),
        };
        let pending_timestamp = config.timestamp;
        let txn = self.db.begin_write().map_err(RpcError::storage)?;
        {
            let mut meta = txn.open_table(META).map_err(RpcError::storage)?;
            meta.insert(KEY_GENESIS, encode(&config)?.as_slice())
                .map_err(RpcError::storage)?;
            meta.insert(KEY_STATE, encode(ledger.state())?.as_slice())
                .map_err(RpcError::storage)?;
            meta.insert(KEY_HEAD, encode(&head)?.as_slice())
                .map_err(RpcError::storage)?;
            meta.insert(
                KEY_PENDING_TIMESTAMP,
                encode(&pending_timestamp)?.as_slice(),
            )
            .map_err(RpcError::storage)?;
            let mut blocks = txn.open_table(BLOCKS).map_err(RpcError::storage)?;
            blocks
                .insert(head.number, encode(&block)?.as_slice())
                .map_err(RpcError::storage)?;
        }
        txn.commit().map_err(RpcError::storage)?;
        Ok(ledger)
    }

    fn restore(&self, config: GenesisConfig) -> Result<(Ledger, usize), RpcError> {
        let state: State = self.required_meta(KEY_STATE)?;
        let head: BlockHeader = self.required_meta(KEY_HEAD)?;
        let pending_timestamp: u64 = self.required_meta(KEY_PENDING_TIMESTAMP)?;
        let root = state.root().map_err(RpcError::Ledger)?;
        if root != head.state_root {
            return Err(RpcError::Corrupt(format!(
                "the stored state's root {root} differs from the state root {} of head block {}",
                head.state_root, head.number
            )));
        }
        match self.block(head.number)? {
            Some(block) if block.header == head => {}
            _ => {
                return Err(RpcError::Corrupt(format!(
                    "block {} is missing or differs from the stored head",
                    head.number
                )))
            }
        }
        let mut ledger =
            Ledger::restore(config, state, head, pending_timestamp).map_err(RpcError::Ledger)?;
        let pending = self.pending_transactions()?;
        for (index, transaction) in pending.iter().enumerate() {
            ledger.submit(transaction.clone()).map_err(|e| {
                RpcError::Corrupt(format!("pending transaction {index} does not replay: {e}"))
            })?;
        }
        Ok((ledger, pending.len()))
    }

    /// Persists a transaction accepted into the pending block, after those persisted before
    /// it. Durable when this returns.
    pub fn append_pending(&self, transaction: &SignedTransaction) -> Result<(), RpcError> {
        let bytes = encode(transaction)?;
        let txn = self.db.begin_write().map_err(RpcError::storage)?;
        {
            let mut table = txn.open_table(PENDING).map_err(RpcError::storage)?;
            let next = match table.last().map_err(RpcError::storage)? {
                Some((key, _)) => key
                    .value()
                    .checked_add(1)
                    .ok_or_else(|| RpcError::Corrupt("pending table is full".into()))?,
                None => 0,
            };
            table
                .insert(next, bytes.as_slice())
                .map_err(RpcError::storage)?;
        }
        txn.commit().map_err(RpcError::storage)
    }

    /// Persists a sealed block with the state after it and the timestamp of the block opened
    /// after it, makes it the head, and clears the pending transactions: one write
    /// transaction.
    pub fn commit_block(
        &self,
        block: &Block,
        state: &State,
        pending_timestamp: u64,
    ) -> Result<(), RpcError> {
        let block_bytes = encode(block)?;
        let state_bytes = encode(state)?;
        let head_bytes = encode(&block.header)?;
        let timestamp_bytes = encode(&pending_timestamp)?;
        let txn = self.db.begin_write().map_err(RpcError::storage)?;
        {
            let mut blocks = txn.open_table(BLOCKS).map_err(RpcError::storage)?;
            blocks
                .insert(block.header.number, block_bytes.as_slice())
                .map_err(RpcError::storage)?;
            let mut meta = txn.open_table(META).map_err(RpcError::storage)?;
            meta.insert(KEY_STATE, state_bytes.as_slice())
                .map_err(RpcError::storage)?;
            meta.insert(KEY_HEAD, head_bytes.as_slice())
                .map_err(RpcError::storage)?;
            meta.insert(KEY_PENDING_TIMESTAMP, timestamp_bytes.as_slice())
                .map_err(RpcError::storage)?;
            let mut pending = txn.open_table(PENDING).map_err(RpcError::storage)?;
            pending.retain(|_, _| false).map_err(RpcError::storage)?;
        }
        txn.commit().map_err(RpcError::storage)
    }

    /// The sealed block `number`, if there is one.
    pub fn block(&self, number: u64) -> Result<Option<Block>, RpcError> {
        let txn = self.db.begin_read().map_err(RpcError::storage)?;
        let table = txn.open_table(BLOCKS).map_err(RpcError::storage)?;
        let value = table.get(number).map_err(RpcError::storage)?;
        value.map(|v| decode("block", v.value())).transpose()
    }

    /// The sealed blocks numbered `from..=to` that exist, in order.
    pub fn blocks(&self, from: u64, to: u64) -> Result<Vec<Block>, RpcError> {
        if from > to {
            return Ok(Vec::new());
        }
        let txn = self.db.begin_read().map_err(RpcError::storage)?;
        let table = txn.open_table(BLOCKS).map_err(RpcError::storage)?;
        let mut blocks = Vec::new();
        for entry in table.range(from..=to).map_err(RpcError::storage)? {
            let (_, value) = entry.map_err(RpcError::storage)?;
            blocks.push(decode("block", value.value())?);
        }
        Ok(blocks)
    }

    /// The persisted head header.
    pub fn head(&self) -> Result<BlockHeader, RpcError> {
        self.required_meta(KEY_HEAD)
    }

    /// The persisted state snapshot (the state after the head).
    pub fn state(&self) -> Result<State, RpcError> {
        self.required_meta(KEY_STATE)
    }

    /// The persisted transactions of the pending block, in order.
    pub fn pending_transactions(&self) -> Result<Vec<SignedTransaction>, RpcError> {
        let txn = self.db.begin_read().map_err(RpcError::storage)?;
        let table = txn.open_table(PENDING).map_err(RpcError::storage)?;
        let mut transactions = Vec::new();
        for entry in table.iter().map_err(RpcError::storage)? {
            let (_, value) = entry.map_err(RpcError::storage)?;
            transactions.push(decode("pending transaction", value.value())?);
        }
        Ok(transactions)
    }
}
