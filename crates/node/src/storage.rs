//! The store as the network sees it: [`comb_net::LocalStore`] over the reserve and the cache,
//! and stamp validation over the batch store.

use comb_net::{LocalStore, PullItem};
use comb_postage::Stamp;
use comb_primitives::proximity::proximity;
use comb_primitives::soc::chunk_type;
use comb_primitives::{Chunk, B256};
use comb_store::{Cache, Reserve};

/// The node's chunk storage: chunks within the storage radius go to the reserve, others to
/// the cache.
#[derive(Debug, Clone)]
pub struct NodeStore {
    reserve: Reserve,
    cache: Cache,
    overlay: B256,
}

impl NodeStore {
    /// Storage over a reserve and a cache for the node at `overlay`.
    pub fn new(reserve: Reserve, cache: Cache, overlay: B256) -> Self {
        Self {
            reserve,
            cache,
            overlay,
        }
    }

    /// Whether the node is responsible for `address` at its current storage radius.
    pub fn in_radius(&self, address: &B256) -> bool {
        let radius = self.reserve.storage_radius().unwrap_or(0);
        proximity(&address.0, &self.overlay.0) >= radius
    }

    /// The reserve.
    pub fn reserve(&self) -> &Reserve {
        &self.reserve
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Stores a validated chunk where it belongs (reserve within the radius, else cache).
    pub fn store(&self, chunk: &Chunk, stamp: &Stamp) -> Result<(), String> {
        let kind = chunk_type(chunk).map_err(|e| format!("invalid chunk: {e}"))?;
        if self.in_radius(chunk.address()) {
            self.reserve
                .put(chunk, stamp, kind)
                .map(|_| ())
                .map_err(|e| e.to_string())
        } else {
            self.cache
                .put(chunk, stamp)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }
}

impl LocalStore for NodeStore {
    fn get(&self, address: &B256) -> Option<(Chunk, Stamp)> {
        if let Ok(Some(found)) = self.reserve.get_with_stamp(address) {
            return Some(found);
        }
        self.cache.get(address).ok().flatten()
    }

    /// Within the radius only the reserve counts: a chunk the node is responsible for but
    /// holds only in its cache (e.g. after downloading it) must still be pulled into the
    /// reserve.
    fn has(&self, address: &B256) -> bool {
        if self.reserve.has(address).unwrap_or(false) {
            return true;
        }
        !self.in_radius(address) && self.cache.has(address).unwrap_or(false)
    }

    fn put(&self, chunk: Chunk, stamp: Stamp) -> Result<(), String> {
        self.store(&chunk, &stamp)
    }

    fn cache(&self, chunk: Chunk, stamp: Stamp) {
        // Best effort: a forwarder's cache miss costs nothing but a later retrieval.
        let _ = self.cache.put(&chunk, &stamp);
    }

    fn cursors(&self) -> Vec<u64> {
        self.reserve
            .bin_cursors()
            .map(|c| c.to_vec())
            .unwrap_or_else(|_| vec![0; 32])
    }

    fn pull(&self, bin: u8, from: u64, limit: usize) -> Vec<PullItem> {
        self.reserve
            .pull(bin, from, limit)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| {
                let stamp = self
                    .reserve
                    .stamp_of(&item.address, &item.batch_id)
                    .ok()
                    .flatten()?;
                Some(PullItem {
                    bin_id: item.bin_id,
                    address: item.address,
                    batch_id: item.batch_id,
                    stamp_hash: stamp.hash(),
                })
            })
            .collect()
    }

    fn storage_radius(&self) -> Option<u8> {
        self.reserve.storage_radius().ok()
    }
}
