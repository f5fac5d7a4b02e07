//! The store's one error type.

use comb_postage::PostageError;
use comb_primitives::B256;
use thiserror::Error;

/// Why a store operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database failed (I/O, corruption detected by redb, a transaction that could not
    /// begin or commit). Nothing of the failed write transaction was committed.
    #[error("database: {0}")]
    Database(Box<redb::Error>),
    /// The stamp-index overwrite rule refused the chunk (spec §2.9, Bee
    /// `ErrOverwriteNewerChunk`): the slot `(batch, index)` (or the chunk's own item in the
    /// batch) holds a stamp whose timestamp is not older than the offered one. Nothing changed.
    #[error(
        "batch {batch} index {index:#018x} holds a stamp of {stored} ns, not older than the offered {offered} ns"
    )]
    OverwriteNewerChunk {
        /// The batch of the stamp.
        batch: B256,
        /// The stamp index as the contract's `uint64` (`bucket << 32 | position`).
        index: u64,
        /// Timestamp (ns) of the stamp already stored.
        stored: u64,
        /// Timestamp (ns) of the refused stamp.
        offered: u64,
    },
    /// A sampler worker thread panicked; its slice of the reserve was not sampled (spec §6).
    #[error("a reserve sampler thread panicked")]
    SamplerThread,
    /// The database was created for another overlay: the reserve's bins would be wrong.
    #[error("database belongs to overlay {stored}, opened for {given}")]
    OverlayMismatch {
        /// Overlay recorded in the database.
        stored: B256,
        /// Overlay the caller opened it with.
        given: B256,
    },
    /// A stored record does not decode: the database was written by something else or is
    /// damaged.
    #[error("corrupt record in {table}: {reason}")]
    Corrupt {
        /// The table holding the record.
        table: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A counter would overflow (a bin id, a reference count, a bucket counter).
    #[error("counter overflow: {0}")]
    Overflow(&'static str),
    /// Issuing or signing a stamp failed (spec §2.9), e.g. an immutable batch's full bucket.
    #[error("postage: {0}")]
    Postage(#[from] PostageError),
    /// A [`crate::PersistentStamper`] for this batch is already open: two issuers of one
    /// batch would hand out the same index twice.
    #[error("a stamper for batch {0} is already open")]
    StamperInUse(B256),
    /// A file-system operation around the database failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    pub(crate) fn corrupt(table: &'static str, reason: impl Into<String>) -> Self {
        Self::Corrupt {
            table,
            reason: reason.into(),
        }
    }
}

macro_rules! from_redb {
    ($($error:ty),* $(,)?) => {
        $(
            impl From<$error> for StoreError {
                fn from(error: $error) -> Self {
                    Self::Database(Box::new(error.into()))
                }
            }
        )*
    };
}

from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
);
