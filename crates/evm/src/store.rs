//! Persistence of the EVM dev chain in redb (`evm.redb` in the data directory).
//!
//! **Tables.**
//! - `meta`: the genesis (JSON) and the `evm_increaseTime` offset;
//! - `blocks`: number → the sealed block with its transactions and outcomes (JSON);
//! - `accounts`: (block, address) → the account after that block (empty value: none);
//! - `storage`: (block, address, slot) → the slot's value after that block;
//! - `codes`: code hash → code;
//! - `pool`: transaction hash → (arrival order, EIP-2718 bytes) of each transaction pending
//!   when the last block was sealed;
//!
//! and beside it `pool.log`, an append-only file of the transactions admitted since (a
//! record: `u32le` length ‖ `u64le` arrival order ‖ EIP-2718 bytes).
//!
//! State rows are keyed by block first, so `evm_revert` is a range deletion and loading
//! reads history in order.
//!
//! **Atomicity and durability.** Every redb write is one transaction with redb's default
//! durability (durable when `commit` returns):
//! - an admitted transaction is written to `pool.log` (one `write`, no `fsync`) before
//!   `eth_sendRawTransaction` answers: it survives the process being killed at any moment,
//!   and a power loss once the next block is sealed;
//! - a block, its state writes and the whole pool it leaves are one commit, after which
//!   `pool.log` is emptied; so after a kill the store holds either the old head with every
//!   pending transaction or the new head with what it left pending (a log that was not yet
//!   emptied only repeats transactions the block took, which re-admission refuses).
//!
//! **Recovery.** [`Store::open`] reads everything back, rebuilds the chain with
//! [`EvmChain::restore`] (which refuses a state whose root is not the head's) and re-admits
//! the pool in arrival order. Snapshots (`evm_snapshot`) are not kept across restarts.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use alloy_consensus::TxEnvelope;
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, B256, U256};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use revm::bytecode::Bytecode;

use crate::chain::{Block, EvmChain};
use crate::genesis::Genesis;
use crate::state::{Account, Write};
use crate::EvmError;

/// The database file inside the data directory.
pub const DB_FILE: &str = "evm.redb";
/// The log of transactions admitted since the last block, beside the database.
pub const POOL_LOG: &str = "pool.log";

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const ACCOUNTS: TableDefinition<(u64, [u8; 20]), &[u8]> = TableDefinition::new("accounts");
const STORAGE: TableDefinition<(u64, [u8; 20], [u8; 32]), [u8; 32]> =
    TableDefinition::new("storage");
const CODES: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("codes");
const POOL: TableDefinition<[u8; 32], (u64, &[u8])> = TableDefinition::new("pool");

const KEY_GENESIS: &str = "genesis";
const KEY_TIME_OFFSET: &str = "timeOffset";
/// The head's state root when it is not the head header's (after `anvil_setBalance`).
const KEY_HEAD_ROOT: &str = "headStateRoot";

fn storage_error(error: impl std::fmt::Display) -> EvmError {
    EvmError::Storage(error.to_string())
}

/// An account as stored: nonce (8 bytes, big-endian) ‖ balance (32) ‖ code hash (32); empty
/// for an account that does not exist.
fn encode_account(account: &Option<Account>) -> Vec<u8> {
    match account {
        None => Vec::new(),
        Some(account) => {
            let mut bytes = Vec::with_capacity(72);
            bytes.extend_from_slice(&account.nonce.to_be_bytes());
            bytes.extend_from_slice(&account.balance.to_be_bytes::<32>());
            bytes.extend_from_slice(account.code_hash.as_slice());
            bytes
        }
    }
}

fn decode_account(bytes: &[u8]) -> Result<Option<Account>, EvmError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    if bytes.len() != 72 {
        return Err(EvmError::Corrupt(format!(
            "an account of {} bytes",
            bytes.len()
        )));
    }
    let mut nonce = [0u8; 8];
    nonce.copy_from_slice(&bytes[..8]);
    Ok(Some(Account {
        nonce: u64::from_be_bytes(nonce),
        balance: U256::from_be_slice(&bytes[8..40]),
        code_hash: B256::from_slice(&bytes[40..72]),
    }))
}

/// Which genesis [`Store::open`] uses.
#[derive(Debug, Clone)]
pub enum OpenWith {
    /// Resume the stored chain, or create one from this genesis when there is none.
    OrCreate(Genesis),
    /// Exactly this genesis: created if the store is empty, and it must equal the stored one.
    Exactly(Genesis),
}

/// What [`Store::open`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// The store held no chain; one was created.
    pub created: bool,
    /// Pending transactions re-admitted.
    pub pending: usize,
}

/// The chain's database.
#[derive(Debug)]
pub struct Store {
    db: Database,
    path: PathBuf,
    log: File,
}

impl Store {
    /// Opens (or creates) the store in `dir` and the chain in it.
    pub fn open(dir: &Path, with: OpenWith) -> Result<(Self, EvmChain, Opened), EvmError> {
        std::fs::create_dir_all(dir).map_err(storage_error)?;
        let path = dir.join(DB_FILE);
        let db = Database::create(&path).map_err(storage_error)?;
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(dir.join(POOL_LOG))
            .map_err(storage_error)?;
        let store = Self { db, path, log };
        store.create_tables()?;
        let stored: Option<Genesis> = store
            .meta(KEY_GENESIS)?
            .map(|bytes| serde_json::from_slice(&bytes))
            .transpose()
            .map_err(|e| EvmError::Corrupt(format!("genesis: {e}")))?;
        match (stored, with) {
            (None, OpenWith::OrCreate(genesis) | OpenWith::Exactly(genesis)) => {
                let mut chain = EvmChain::new(genesis.clone())?;
                store.initialize(&genesis, &mut chain)?;
                Ok((
                    store,
                    chain,
                    Opened {
                        created: true,
                        pending: 0,
                    },
                ))
            }
            (Some(stored), OpenWith::Exactly(given)) if stored != given => {
                Err(EvmError::GenesisMismatch)
            }
            (Some(stored), _) => {
                let (chain, pending) = store.load(stored)?;
                Ok((
                    store,
                    chain,
                    Opened {
                        created: false,
                        pending,
                    },
                ))
            }
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn create_tables(&self) -> Result<(), EvmError> {
        let tx = self.db.begin_write().map_err(storage_error)?;
        tx.open_table(META).map_err(storage_error)?;
        tx.open_table(BLOCKS).map_err(storage_error)?;
        tx.open_table(ACCOUNTS).map_err(storage_error)?;
        tx.open_table(STORAGE).map_err(storage_error)?;
        tx.open_table(CODES).map_err(storage_error)?;
        tx.open_table(POOL).map_err(storage_error)?;
        tx.commit().map_err(storage_error)
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, EvmError> {
        let tx = self.db.begin_read().map_err(storage_error)?;
        let table = tx.open_table(META).map_err(storage_error)?;
        Ok(table
            .get(key)
            .map_err(storage_error)?
            .map(|v| v.value().to_vec()))
    }

    fn initialize(&self, genesis: &Genesis, chain: &mut EvmChain) -> Result<(), EvmError> {
        let genesis_json = serde_json::to_vec(genesis).map_err(storage_error)?;
        let tx = self.db.begin_write().map_err(storage_error)?;
        {
            let mut meta = tx.open_table(META).map_err(storage_error)?;
            meta.insert(KEY_GENESIS, genesis_json.as_slice())
                .map_err(storage_error)?;
            meta.insert(KEY_TIME_OFFSET, 0u64.to_be_bytes().as_slice())
                .map_err(storage_error)?;
        }
        write_block(&tx, chain.head())?;
        write_state(&tx, chain.take_journal())?;
        tx.commit().map_err(storage_error)?;
        // A log left beside a database that is gone belongs to no chain.
        self.log.set_len(0).map_err(storage_error)
    }

    fn load(&self, genesis: Genesis) -> Result<(EvmChain, usize), EvmError> {
        let tx = self.db.begin_read().map_err(storage_error)?;
        let mut blocks = Vec::new();
        for entry in tx
            .open_table(BLOCKS)
            .map_err(storage_error)?
            .iter()
            .map_err(storage_error)?
        {
            let (_, value) = entry.map_err(storage_error)?;
            let block: Block = serde_json::from_slice(value.value())
                .map_err(|e| EvmError::Corrupt(format!("block: {e}")))?;
            blocks.push(block);
        }
        let mut writes = Vec::new();
        for entry in tx
            .open_table(CODES)
            .map_err(storage_error)?
            .iter()
            .map_err(storage_error)?
        {
            let (key, value) = entry.map_err(storage_error)?;
            writes.push(Write::Code(
                B256::from(key.value()),
                Bytecode::new_raw_checked(value.value().to_vec().into())
                    .map_err(|e| EvmError::Corrupt(format!("code: {e:?}")))?,
            ));
        }
        for entry in tx
            .open_table(ACCOUNTS)
            .map_err(storage_error)?
            .iter()
            .map_err(storage_error)?
        {
            let (key, value) = entry.map_err(storage_error)?;
            let (at, address) = key.value();
            writes.push(Write::Account(
                at,
                Address::from(address),
                decode_account(value.value())?,
            ));
        }
        for entry in tx
            .open_table(STORAGE)
            .map_err(storage_error)?
            .iter()
            .map_err(storage_error)?
        {
            let (key, value) = entry.map_err(storage_error)?;
            let (at, address, slot) = key.value();
            writes.push(Write::Storage(
                at,
                Address::from(address),
                U256::from_be_bytes(slot),
                U256::from_be_bytes(value.value()),
            ));
        }
        let mut pool = Vec::new();
        for entry in tx
            .open_table(POOL)
            .map_err(storage_error)?
            .iter()
            .map_err(storage_error)?
        {
            let (_, value) = entry.map_err(storage_error)?;
            let (seq, raw) = value.value();
            let envelope = TxEnvelope::decode_2718(&mut &raw[..])
                .map_err(|e| EvmError::Corrupt(format!("pending transaction: {e}")))?;
            pool.push((seq, envelope));
        }
        let mut known: std::collections::HashSet<B256> =
            pool.iter().map(|(_, tx)| *tx.tx_hash()).collect();
        for (seq, envelope) in self.read_log()? {
            if known.insert(*envelope.tx_hash()) {
                pool.push((seq, envelope));
            }
        }
        pool.sort_by_key(|(seq, _)| *seq);
        let head_root = tx
            .open_table(META)
            .map_err(storage_error)?
            .get(KEY_HEAD_ROOT)
            .map_err(storage_error)?
            .map(|v| B256::try_from(v.value()))
            .transpose()
            .map_err(|e| EvmError::Corrupt(format!("head state root: {e}")))?;
        let time_offset = tx
            .open_table(META)
            .map_err(storage_error)?
            .get(KEY_TIME_OFFSET)
            .map_err(storage_error)?
            .and_then(|v| <[u8; 8]>::try_from(v.value()).ok())
            .map_or(0, u64::from_be_bytes);
        drop(tx);
        let count = pool.len();
        let (chain, refused) =
            EvmChain::restore(genesis, blocks, writes, pool, time_offset, head_root)?;
        for (hash, error) in &refused {
            match error {
                // The block took it after the log was written: nothing is lost.
                EvmError::AlreadyKnown | EvmError::NonceTooLow { .. } => {
                    tracing::debug!(%hash, "a logged transaction was mined meanwhile")
                }
                _ => {
                    tracing::warn!(%hash, %error, "a stored pending transaction is no longer valid; dropped")
                }
            }
        }
        self.checkpoint_pool(&chain)?;
        Ok((chain, count.saturating_sub(refused.len())))
    }

    /// Persists a transaction just admitted: one record appended to `pool.log`. A
    /// transaction it replaced stays in the log; re-admission in arrival order replaces it
    /// again.
    pub fn add_pending(&self, seq: u64, tx: &TxEnvelope) -> Result<(), EvmError> {
        let raw = tx.encoded_2718();
        let length = u32::try_from(raw.len().saturating_add(8))
            .map_err(|_| EvmError::Storage("a transaction too large for the pool log".into()))?;
        let mut record = Vec::with_capacity(raw.len().saturating_add(12));
        record.extend_from_slice(&length.to_le_bytes());
        record.extend_from_slice(&seq.to_le_bytes());
        record.extend_from_slice(&raw);
        // One write of the whole record: a killed process leaves it whole or not at all.
        (&self.log).write_all(&record).map_err(storage_error)
    }

    /// The transactions in `pool.log`, in the order written; a torn last record is ignored.
    fn read_log(&self) -> Result<Vec<(u64, TxEnvelope)>, EvmError> {
        let mut bytes = Vec::new();
        (&self.log).read_to_end(&mut bytes).map_err(storage_error)?;
        let mut entries = Vec::new();
        let mut rest = bytes.as_slice();
        while let Some((head, body)) = rest.split_first_chunk::<4>() {
            let length = u32::from_le_bytes(*head) as usize;
            let Some((record, next)) = body.split_at_checked(length) else {
                break;
            };
            let Some((seq, raw)) = record.split_first_chunk::<8>() else {
                break;
            };
            let envelope = TxEnvelope::decode_2718(&mut &raw[..])
                .map_err(|e| EvmError::Corrupt(format!("pool log: {e}")))?;
            entries.push((u64::from_le_bytes(*seq), envelope));
            rest = next;
        }
        Ok(entries)
    }

    /// Stores the chain's whole pool in the `pool` table, durably, then empties the log.
    fn checkpoint_pool(&self, chain: &EvmChain) -> Result<(), EvmError> {
        let write = self.db.begin_write().map_err(storage_error)?;
        write_pool(&write, chain)?;
        write.commit().map_err(storage_error)?;
        self.log.set_len(0).map_err(storage_error)
    }

    /// Persists a sealed block: the block, the state writes and the whole pool it leaves,
    /// in one commit; then empties `pool.log`.
    pub fn commit_block(&self, chain: &EvmChain, writes: Vec<Write>) -> Result<(), EvmError> {
        let write = self.db.begin_write().map_err(storage_error)?;
        write_block(&write, chain.head())?;
        write_state(&write, writes)?;
        // A new head has its own root in its header.
        write
            .open_table(META)
            .map_err(storage_error)?
            .remove(KEY_HEAD_ROOT)
            .map_err(storage_error)?;
        write_pool(&write, chain)?;
        write.commit().map_err(storage_error)?;
        self.log.set_len(0).map_err(storage_error)
    }

    /// Persists state writes outside a block (`anvil_setBalance`) with the head's state
    /// root they leave.
    pub fn commit_writes(&self, writes: Vec<Write>, head_root: B256) -> Result<(), EvmError> {
        let write = self.db.begin_write().map_err(storage_error)?;
        write_state(&write, writes)?;
        write
            .open_table(META)
            .map_err(storage_error)?
            .insert(KEY_HEAD_ROOT, head_root.as_slice())
            .map_err(storage_error)?;
        write.commit().map_err(storage_error)
    }

    /// Persists the clock offset.
    pub fn set_time_offset(&self, offset: u64) -> Result<(), EvmError> {
        let write = self.db.begin_write().map_err(storage_error)?;
        write
            .open_table(META)
            .map_err(storage_error)?
            .insert(KEY_TIME_OFFSET, offset.to_be_bytes().as_slice())
            .map_err(storage_error)?;
        write.commit().map_err(storage_error)
    }

    /// Rewrites the store from the whole chain, in one commit (`evm_revert`, which may undo
    /// any kind of change).
    pub fn rewrite(&self, chain: &mut EvmChain) -> Result<(), EvmError> {
        let head_root = chain.head_state_root();
        let write = self.db.begin_write().map_err(storage_error)?;
        {
            write
                .open_table(BLOCKS)
                .map_err(storage_error)?
                .retain(|_, _| false)
                .map_err(storage_error)?;
            write
                .open_table(ACCOUNTS)
                .map_err(storage_error)?
                .retain(|_, _| false)
                .map_err(storage_error)?;
            write
                .open_table(STORAGE)
                .map_err(storage_error)?
                .retain(|_, _| false)
                .map_err(storage_error)?;
            write
                .open_table(CODES)
                .map_err(storage_error)?
                .retain(|_, _| false)
                .map_err(storage_error)?;
            let mut meta = write.open_table(META).map_err(storage_error)?;
            meta.insert(
                KEY_TIME_OFFSET,
                chain.time_offset().to_be_bytes().as_slice(),
            )
            .map_err(storage_error)?;
            if head_root == chain.head().header.state_root {
                meta.remove(KEY_HEAD_ROOT).map_err(storage_error)?;
            } else {
                meta.insert(KEY_HEAD_ROOT, head_root.as_slice())
                    .map_err(storage_error)?;
            }
        }
        for block in chain.blocks() {
            write_block(&write, block)?;
        }
        write_state(&write, chain.all_writes())?;
        write_pool(&write, chain)?;
        write.commit().map_err(storage_error)?;
        self.log.set_len(0).map_err(storage_error)
    }
}

/// Replaces the `pool` table by the chain's pool.
fn write_pool(tx: &redb::WriteTransaction, chain: &EvmChain) -> Result<(), EvmError> {
    let mut table = tx.open_table(POOL).map_err(storage_error)?;
    table.retain(|_, _| false).map_err(storage_error)?;
    for pending in chain.pool() {
        let raw = pending.tx.encoded_2718();
        table
            .insert(pending.tx.tx_hash().0, (pending.seq, raw.as_slice()))
            .map_err(storage_error)?;
    }
    Ok(())
}

fn write_block(tx: &redb::WriteTransaction, block: &Block) -> Result<(), EvmError> {
    let json = serde_json::to_vec(block).map_err(storage_error)?;
    tx.open_table(BLOCKS)
        .map_err(storage_error)?
        .insert(block.header.number, json.as_slice())
        .map_err(storage_error)?;
    Ok(())
}

fn write_state(tx: &redb::WriteTransaction, writes: Vec<Write>) -> Result<(), EvmError> {
    let mut accounts = tx.open_table(ACCOUNTS).map_err(storage_error)?;
    let mut storage = tx.open_table(STORAGE).map_err(storage_error)?;
    let mut codes = tx.open_table(CODES).map_err(storage_error)?;
    for write in writes {
        match write {
            Write::Account(at, address, account) => {
                accounts
                    .insert(
                        (at, address.into_array()),
                        encode_account(&account).as_slice(),
                    )
                    .map_err(storage_error)?;
            }
            Write::Storage(at, address, slot, value) => {
                storage
                    .insert(
                        (at, address.into_array(), slot.to_be_bytes::<32>()),
                        value.to_be_bytes::<32>(),
                    )
                    .map_err(storage_error)?;
            }
            Write::Code(hash, code) => {
                codes
                    .insert(hash.0, code.original_byte_slice())
                    .map_err(storage_error)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_encode_to_72_bytes_and_back_and_none_to_nothing() {
        let account = Account {
            nonce: 0x0102,
            balance: U256::from(7),
            code_hash: B256::repeat_byte(9),
        };
        let bytes = encode_account(&Some(account));
        assert_eq!(bytes.len(), 72);
        assert_eq!(&bytes[..8], &[0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(bytes[39], 7);
        assert_eq!(decode_account(&bytes).unwrap(), Some(account));
        assert_eq!(decode_account(&encode_account(&None)).unwrap(), None);
        assert!(decode_account(&[1, 2, 3]).is_err());
    }
}
