//! The reserve: the chunks this node is responsible for, each stored under the stamps that
//! pay for it (spec §2.9, §6.1, §7).
//!
//! A *reserve item* is one (batch, chunk) pair with its stamp. A chunk stored under two
//! batches is two items and counts twice towards the size and the capacity (each stamp paid
//! for a slot); its data is stored once and reference-counted. The tables are listed in
//! the `tables` module (source).
//!
//! **Atomicity and durability.** Every write ([`Reserve::put`], [`Reserve::put_many`],
//! [`Reserve::remove`], the evictions of [`crate::evict`]) is one redb write transaction
//! committed with redb's default durability: when it returns `Ok`, the change is on disk
//! (principle 5: a chunk acknowledged is on disk). A failed or refused write commits
//! nothing. Readers see the last committed state.
//!
//! **Bins.** An item's bin is Bee's capped proximity order (§1.7) between the chunk address
//! and the node overlay, fixed when the database is created: [`Reserve::open`] refuses a
//! database that belongs to another overlay.

mod counters;
mod pull;
mod put;
pub(crate) mod read;
mod slices;
mod txn;

use std::sync::Arc;

use comb_postage::Stamp;
use comb_primitives::proximity::proximity;
use comb_primitives::soc::ChunkType;
use comb_primitives::{B256, MAX_PO};
use redb::{Database, ReadableDatabase, ReadableTable};

pub use pull::PullItem;
pub use put::PutOutcome;
pub(crate) use slices::{ChunksTable, ItemsTable, KeySlice};
pub(crate) use txn::ReserveTxn;

use crate::tables::{
    CHUNKS, CHUNK_REFS, ITEMS, PULL_INDEX, RESERVE_BATCHES, RESERVE_META, STAMP_INDEX,
};
use crate::StoreError;

/// Bee's default reserve capacity: 2^22 chunks, about 16 GiB of payload (spec §7
/// `DefaultReserveCapacity`).
pub const DEFAULT_CAPACITY: u64 = 1 << 22;

/// Number of reserve bins: proximity orders 0..=31 (spec §1.1 `MaxBins`).
pub const BINS: usize = comb_primitives::MAX_BINS;

pub(crate) const META_OVERLAY: &str = "overlay";
pub(crate) const META_RADIUS: &str = "radius";

/// One reserve item as stored (spec §2.9): a chunk under one batch's stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveItem {
    /// The chunk address.
    pub address: B256,
    /// The batch paying for it.
    pub batch_id: B256,
    /// Proximity order of the address to the node overlay (spec §1.7, capped at 31).
    pub bin: u8,
    /// Position in the bin's pull index (spec §7; monotonically increasing per bin).
    pub bin_id: u64,
    /// CAC or SOC.
    pub kind: ChunkType,
    /// The stamp the chunk is stored under.
    pub stamp: Stamp,
}

/// The reserve of one node over a shared redb database.
///
/// Cheap to clone: clones share the database. redb serialises write transactions, so
/// clones may be used from several threads.
#[derive(Debug, Clone)]
pub struct Reserve {
    db: Arc<Database>,
    overlay: B256,
    capacity: u64,
}

impl Reserve {
    /// Opens the reserve tables in `db` for the node `overlay`, creating them if needed, with
    /// `capacity` items (spec §7; [`DEFAULT_CAPACITY`] is Bee's). Fails with
    /// [`StoreError::OverlayMismatch`] if the database was created for another overlay.
    pub fn open(db: Arc<Database>, overlay: B256, capacity: u64) -> Result<Self, StoreError> {
        let txn = db.begin_write()?;
        {
            txn.open_table(CHUNKS)?;
            txn.open_table(CHUNK_REFS)?;
            txn.open_table(ITEMS)?;
            txn.open_table(STAMP_INDEX)?;
            txn.open_table(PULL_INDEX)?;
            txn.open_table(RESERVE_BATCHES)?;
            txn.open_table(crate::tables::ADDRESS_BATCHES)?;
            let mut meta = txn.open_table(RESERVE_META)?;
            let stored = meta.get(META_OVERLAY)?.map(|v| v.value().to_vec());
            match stored {
                Some(bytes) if bytes.as_slice() == overlay.as_slice() => {}
                Some(bytes) => {
                    let stored = B256::try_from(bytes.as_slice()).map_err(|_| {
                        StoreError::corrupt("reserve_meta", "overlay is not 32 bytes")
                    })?;
                    return Err(StoreError::OverlayMismatch {
                        stored,
                        given: overlay,
                    });
                }
                None => {
                    meta.insert(META_OVERLAY, overlay.as_slice())?;
                }
            }
        }
        txn.commit()?;
        Ok(Self {
            db,
            overlay,
            capacity,
        })
    }

    /// The node overlay the bins are measured from.
    pub fn overlay(&self) -> &B256 {
        &self.overlay
    }

    /// The capacity in reserve items (spec §7).
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The bin of `address`: Bee's capped proximity order to the overlay (spec §1.7, §6.1).
    pub fn bin_of(&self, address: &B256) -> u8 {
        proximity(&address.0, &self.overlay.0)
    }

    /// The persisted storage radius (spec §7); 0 for a new reserve.
    pub fn storage_radius(&self) -> Result<u8, StoreError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(RESERVE_META)?;
        let radius = meta.get(META_RADIUS)?.map(|v| v.value().to_vec());
        match radius.as_deref() {
            None => Ok(0),
            Some([radius]) => Ok(*radius),
            Some(_) => Err(StoreError::corrupt(
                "reserve_meta",
                "radius is not one byte",
            )),
        }
    }

    /// Sets and persists the storage radius, capped at 31 (spec §7; Bee's PO never exceeds
    /// 31, so a radius of 31 already excludes every bin but the last).
    pub fn set_storage_radius(&self, radius: u8) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut meta = txn.open_table(RESERVE_META)?;
            meta.insert(META_RADIUS, [radius.min(MAX_PO)].as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Removes the chunk's item under `batch` from every index; the chunk data goes too when
    /// no other batch refers to it. Returns whether the item existed.
    pub fn remove(&self, address: &B256, batch: &B256) -> Result<bool, StoreError> {
        let bin = self.bin_of(address);
        let txn = self.db.begin_write()?;
        let removed = {
            let mut reserve = ReserveTxn::open(&txn)?;
            let removed = reserve.remove_item(batch, bin, address)?;
            reserve.finish()?;
            removed
        };
        if removed {
            txn.commit()?;
        } else {
            txn.abort()?;
        }
        Ok(removed)
    }

    pub(crate) fn db(&self) -> &Database {
        &self.db
    }
}
