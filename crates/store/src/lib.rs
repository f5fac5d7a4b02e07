//! comb's chunk store on disk (redb), spec `storage-incentives.md` §2.6, §2.9, §6 and §7.
//!
//! * [`Reserve`] — the chunks the node is responsible for, under their stamps, with the
//!   stamp-index overwrite rule (§2.9), bins relative to the overlay, the pull index and the
//!   storage radius; [`evict`] (capacity eviction by batch value, expiry purges) and
//!   [`radius`] (radius decrease, the reserve radius formula) act on it (§7).
//! * [`Cache`] — chunks outside the node's responsibility, bounded by count.
//! * [`BatchStore`] — the mirror of the chain's postage state (§2.6), fed [`BatchEvent`]s.
//! * [`PushQueue`] — chunks of deferred uploads stored here and not yet receipted.
//! * [`Issuers`] — the node's own batches' stamp issuers, persisted so that a restart never
//!   reuses an index (§2.9).
//! * [`sample_reserve_parallel`] — the reserve sampler (§6) on several threads, equal to the
//!   sequential [`sample_reserve`].
//!
//! All parts share one redb [`Database`] ([`open_database`], or [`Store::open`] for all of
//! them at once). Every write is one redb write transaction with redb's default durability:
//! when it returns `Ok`, it is on disk; when it fails, nothing of it is. The table layout is
//! documented in the `tables` module source.
#![warn(clippy::arithmetic_side_effects)]

pub mod batchstore;
pub mod cache;
mod codec;
mod error;
pub mod evict;
pub mod issuers;
pub mod pins;
pub mod pushqueue;
pub mod radius;
pub mod reserve;
pub mod sampler;
mod tables;

use std::path::Path;
use std::sync::Arc;

use comb_primitives::B256;
pub use redb::{Database, WriteTransaction};

pub use batchstore::{BatchEvent, BatchStore, ChainState, EventOutcome, IgnoreReason};
pub use cache::Cache;
pub use error::StoreError;
pub use evict::Unreserve;
pub use issuers::{Issuers, PersistentStamper, PreparedStamps};
pub use pins::{PinCheck, Pins};
pub use pushqueue::{PushQueue, QueuedPush};
pub use radius::reserve_radius;
pub use reserve::{PullItem, PutOutcome, Reserve, ReserveItem, BINS, DEFAULT_CAPACITY};
pub use sampler::{
    default_sampler_threads, sample_reserve, sample_reserve_in_slices, sample_reserve_parallel,
};

/// Default number of chunks the cache keeps (an operational choice, not from the spec).
pub const DEFAULT_CACHE_CAPACITY: u64 = 1 << 20;

/// Memory redb may use to cache the store's pages. redb's default is 1 GiB per database;
/// reads are dominated by chunk data that the OS page cache holds anyway, so comb keeps the
/// node's own cache small (an operational choice, not from the spec).
pub const PAGE_CACHE_BYTES: usize = 128 << 20;

/// Opens (or creates) the store's redb database file at `path`, creating its directory.
pub fn open_database(path: &Path) -> Result<Arc<Database>, StoreError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let db = redb::Builder::new()
        .set_cache_size(PAGE_CACHE_BYTES)
        .create(path)?;
    Ok(Arc::new(db))
}

/// How to open a [`Store`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The node overlay: reserve bins are proximity orders to it (spec §1.7).
    pub overlay: B256,
    /// Reserve capacity in items (spec §7; [`DEFAULT_CAPACITY`] is Bee's 2^22).
    pub reserve_capacity: u64,
    /// Cache capacity in chunks.
    pub cache_capacity: u64,
}

impl StoreConfig {
    /// Bee's defaults for `overlay`.
    pub fn new(overlay: B256) -> Self {
        Self {
            overlay,
            reserve_capacity: DEFAULT_CAPACITY,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
        }
    }
}

/// Every part of the store over one database.
#[derive(Debug, Clone)]
pub struct Store {
    /// The reserve (spec §2.9, §7).
    pub reserve: Reserve,
    /// The cache.
    pub cache: Cache,
    /// The batch store (spec §2.6).
    pub batches: BatchStore,
    /// The node's stamp issuers (spec §2.9).
    pub issuers: Issuers,
    /// Pinned content, never evicted.
    pub pins: Pins,
    /// Chunks of deferred uploads still to be pushed.
    pub push_queue: PushQueue,
}

impl Store {
    /// Opens (or creates) the database at `path` and every part of the store in it.
    pub fn open(path: &Path, config: &StoreConfig) -> Result<Self, StoreError> {
        let db = open_database(path)?;
        Ok(Self {
            reserve: Reserve::open(Arc::clone(&db), config.overlay, config.reserve_capacity)?,
            cache: Cache::open(Arc::clone(&db), config.cache_capacity)?,
            batches: BatchStore::open(Arc::clone(&db))?,
            issuers: Issuers::open(Arc::clone(&db))?,
            pins: Pins::open(Arc::clone(&db))?,
            push_queue: PushQueue::open(db)?,
        })
    }
}
