//! The cache: chunks outside the node's responsibility (retrieved for a download or forwarded
//! for a peer), kept in their own tables and bounded by a count.
//!
//! Eviction is **least recently stored first**: each put gives the chunk the next sequence
//! number (putting a cached chunk again refreshes it), and once the cache holds more than its
//! capacity the lowest sequence numbers go. Reads do not reorder, so a `get` stays a read
//! transaction. Each chunk is kept with the stamp it arrived under, so that it can be handed
//! on to peers; the cache is never sampled. A put is one durable write transaction like every
//! store write.

use std::sync::Arc;

use comb_postage::{Stamp, STAMP_SIZE};
use comb_primitives::{Chunk, B256};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};

use crate::tables::{CACHE_CHUNKS, CACHE_ORDER};
use crate::StoreError;

/// A bounded store of chunks the node is not responsible for.
#[derive(Debug, Clone)]
pub struct Cache {
    db: Arc<Database>,
    capacity: u64,
}

impl Cache {
    /// Opens the cache tables in `db`, holding at most `capacity` chunks.
    pub fn open(db: Arc<Database>, capacity: u64) -> Result<Self, StoreError> {
        let txn = db.begin_write()?;
        {
            txn.open_table(CACHE_CHUNKS)?;
            txn.open_table(CACHE_ORDER)?;
        }
        txn.commit()?;
        Ok(Self { db, capacity })
    }

    /// The most chunks the cache keeps.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Stores `chunk` with its stamp (or refreshes it) and evicts the least recently stored
    /// chunks beyond the capacity. Returns how many were evicted.
    pub fn put(&self, chunk: &Chunk, stamp: &Stamp) -> Result<u64, StoreError> {
        self.put_many(std::slice::from_ref(&(chunk.clone(), *stamp)))
    }

    /// Stores several chunks as [`Cache::put`] does, in one durable write transaction.
    pub fn put_many(&self, items: &[(Chunk, Stamp)]) -> Result<u64, StoreError> {
        let txn = self.db.begin_write()?;
        let evicted = {
            let mut chunks = txn.open_table(CACHE_CHUNKS)?;
            let mut order = txn.open_table(CACHE_ORDER)?;
            for (chunk, stamp) in items {
                let address = &chunk.address().0;
                put_in(&mut chunks, &mut order, address, chunk, stamp)?;
            }
            let mut evicted = 0u64;
            while order.len()? > self.capacity {
                let oldest = order.pop_first()?.map(|(_, address)| *address.value());
                let Some(oldest) = oldest else { break };
                chunks.remove(&oldest)?;
                evicted = evicted.saturating_add(1);
            }
            evicted
        };
        txn.commit()?;
        Ok(evicted)
    }

    /// The cached chunk at `address` with its stamp.
    pub fn get(&self, address: &B256) -> Result<Option<(Chunk, Stamp)>, StoreError> {
        let txn = self.db.begin_read()?;
        let chunks = txn.open_table(CACHE_CHUNKS)?;
        let Some(value) = chunks.get(&address.0)? else {
            return Ok(None);
        };
        let value = value.value();
        let stamp = value
            .get(8..8 + STAMP_SIZE)
            .ok_or_else(|| StoreError::corrupt("cache_chunks", "short value"))?;
        let stamp = Stamp::from_bytes(stamp)?;
        let data = value.get(8 + STAMP_SIZE..).unwrap_or_default().to_vec();
        Ok(Some((Chunk::new_unchecked(*address, data), stamp)))
    }

    /// Whether the chunk at `address` is cached.
    pub fn has(&self, address: &B256) -> Result<bool, StoreError> {
        let txn = self.db.begin_read()?;
        let chunks = txn.open_table(CACHE_CHUNKS)?;
        Ok(chunks.get(&address.0)?.is_some())
    }

    /// Removes the chunk at `address`; returns whether it was cached.
    pub fn remove(&self, address: &B256) -> Result<bool, StoreError> {
        let txn = self.db.begin_write()?;
        let removed = {
            let mut chunks = txn.open_table(CACHE_CHUNKS)?;
            let mut order = txn.open_table(CACHE_ORDER)?;
            let previous = chunks.remove(&address.0)?.map(|v| sequence_of(v.value()));
            if let Some(previous) = previous {
                order.remove(previous)?;
            }
            previous.is_some()
        };
        txn.commit()?;
        Ok(removed)
    }

    /// Chunks in the cache.
    pub fn len(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(CACHE_ORDER)?.len()?)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}

/// The sequence number in front of a cached chunk's data.
fn sequence_of(value: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    if let Some(prefix) = value.get(..8) {
        bytes.copy_from_slice(prefix);
    }
    u64::from_be_bytes(bytes)
}

/// One chunk of [`Cache::put_many`] inside its transaction.
fn put_in(
    chunks: &mut redb::Table<'_, &'static [u8; 32], &'static [u8]>,
    order: &mut redb::Table<'_, u64, &'static [u8; 32]>,
    address: &[u8; 32],
    chunk: &Chunk,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    // A chunk already cached keeps its data (a padded copy of a payload has the same
    // address as the unpadded one; the first valid copy stays) and is refreshed.
    let previous = chunks
        .get(address)?
        .map(|v| (sequence_of(v.value()), v.value().to_vec()));
    if let Some((previous, _)) = &previous {
        order.remove(*previous)?;
    }
    let sequence = match order.last()? {
        Some((last, _)) => last
            .value()
            .checked_add(1)
            .ok_or(StoreError::Overflow("cache sequence"))?,
        None => 0,
    };
    let mut value = Vec::with_capacity((8 + STAMP_SIZE).saturating_add(chunk.data().len()));
    value.extend_from_slice(&sequence.to_be_bytes());
    match &previous {
        Some((_, kept)) => value.extend_from_slice(kept.get(8..).unwrap_or_default()),
        None => {
            value.extend_from_slice(&stamp.to_bytes());
            value.extend_from_slice(chunk.data());
        }
    }
    chunks.insert(address, value.as_slice())?;
    order.insert(sequence, address)?;
    Ok(())
}
