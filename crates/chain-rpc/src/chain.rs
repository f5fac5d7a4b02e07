//! The running chain: the ledger behind a lock, with every write persisted before it is
//! acknowledged.
//!
//! Methods here block (they wait for the lock and for the store's durable commits); async
//! callers run them with `tokio::task::spawn_blocking`.
//!
//! **Failure.** If persisting a write fails, the in-memory ledger may be ahead of the store
//! (a transaction applied but not persisted, or a block sealed but not written). The chain
//! then stops: every later write and view fails with [`RpcError::Stopped`], nothing that was
//! not persisted is ever sealed or acknowledged, and a restart resumes from the store.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use comb_chain::{Block, BlockHeader, GenesisConfig, Ledger, Receipt, SignedTransaction};
use comb_primitives::Address;

use crate::store::{Genesis, Opened, Store};
use crate::RpcError;

struct Inner {
    ledger: Ledger,
    stopped: Option<String>,
}

/// The ledger and its store.
pub struct Chain {
    inner: Mutex<Inner>,
    store: Store,
    config: GenesisConfig,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Chain {
    /// Opens the chain stored in `dir` (see [`Store::open`]).
    pub fn open(dir: &Path, genesis: Genesis) -> Result<(Self, Opened), RpcError> {
        let (store, ledger, opened) = Store::open(dir, genesis)?;
        Ok((Self::new(store, ledger), opened))
    }

    /// Wraps a store and the ledger [`Store::open`] returned with it.
    pub fn new(store: Store, ledger: Ledger) -> Self {
        let config = ledger.config().clone();
        Self {
            inner: Mutex::new(Inner {
                ledger,
                stopped: None,
            }),
            store,
            config,
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, RpcError> {
        let inner = self
            .inner
            .lock()
            .map_err(|_| RpcError::Stopped("a thread panicked holding the ledger".into()))?;
        match &inner.stopped {
            Some(reason) => Err(RpcError::Stopped(reason.clone())),
            None => Ok(inner),
        }
    }

    /// The genesis configuration.
    pub fn config(&self) -> &GenesisConfig {
        &self.config
    }

    /// The store (sealed blocks are read from it directly).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Applies a transaction to the pending block and persists it before returning its
    /// receipt. A revert is `Err(RpcError::Reverted)` and changes nothing.
    pub fn submit(&self, transaction: SignedTransaction) -> Result<Receipt, RpcError> {
        let mut inner = self.lock()?;
        let receipt = inner
            .ledger
            .submit(transaction.clone())
            .map_err(RpcError::Reverted)?;
        if let Err(error) = self.store.append_pending(&transaction) {
            inner.stopped = Some(error.to_string());
            return Err(error);
        }
        Ok(receipt)
    }

    /// Seals the pending block, persists it and opens the next one at `timestamp` (raised to
    /// the pending block's timestamp if the clock went back, so timestamps never decrease).
    /// Returns the sealed block's header.
    pub fn seal(&self, timestamp: u64) -> Result<BlockHeader, RpcError> {
        let mut inner = self.lock()?;
        let next_timestamp = timestamp.max(inner.ledger.pending_env(Address::ZERO).timestamp);
        let block = match inner.ledger.seal(next_timestamp) {
            Ok(block) => block,
            Err(error) => {
                // The ledger refused to seal: nothing changed, but it will refuse again.
                inner.stopped = Some(error.to_string());
                return Err(RpcError::Ledger(error));
            }
        };
        if let Err(error) = self
            .store
            .commit_block(&block, inner.ledger.state(), next_timestamp)
        {
            inner.stopped = Some(error.to_string());
            return Err(error);
        }
        Ok(block.header)
    }

    /// Runs `f` on the ledger: the state including the pending block's transactions.
    pub fn view<R>(&self, f: impl FnOnce(&Ledger) -> R) -> Result<R, RpcError> {
        let inner = self.lock()?;
        Ok(f(&inner.ledger))
    }

    /// The last sealed block's header.
    pub fn head(&self) -> Result<BlockHeader, RpcError> {
        self.view(|ledger| ledger.head().clone())
    }

    /// The sealed block `number`, if any.
    pub fn block(&self, number: u64) -> Result<Option<Block>, RpcError> {
        self.store.block(number)
    }
}
