//! An in-memory [`LocalStore`] for tests and examples: a reserve indexed by bin with
//! monotonically growing bin ids, plus a cache that `get` also consults.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use comb_postage::Stamp;
use comb_primitives::proximity::proximity;
use comb_primitives::{Chunk, B256, MAX_BINS};

use crate::storage::{LocalStore, PullItem};

#[derive(Default)]
struct Inner {
    reserve: HashMap<B256, (Chunk, Stamp)>,
    cache: HashMap<B256, (Chunk, Stamp)>,
    bins: Vec<Vec<PullItem>>,
}

/// A chunk store in memory.
pub struct MemoryStore {
    base: B256,
    radius: Option<u8>,
    inner: Mutex<Inner>,
    updates: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryStore({}, {} chunks)", self.base, self.len())
    }
}

impl MemoryStore {
    /// An empty store for the node with overlay `base`.
    pub fn new(base: B256) -> Self {
        Self {
            base,
            radius: None,
            inner: Mutex::new(Inner {
                bins: vec![Vec::new(); MAX_BINS],
                ..Inner::default()
            }),
            updates: tokio::sync::watch::Sender::new(0),
        }
    }

    /// The same store reporting a fixed storage radius.
    pub fn with_radius(mut self, radius: u8) -> Self {
        self.radius = Some(radius);
        self
    }

    /// Chunks in the reserve.
    pub fn len(&self) -> usize {
        self.lock().reserve.len()
    }

    /// Whether the reserve is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the reserve (not the cache) holds `address`.
    pub fn in_reserve(&self, address: &B256) -> bool {
        self.lock().reserve.contains_key(address)
    }

    /// The addresses in the reserve.
    pub fn addresses(&self) -> Vec<B256> {
        self.lock().reserve.keys().copied().collect()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl LocalStore for MemoryStore {
    fn get(&self, address: &B256) -> Option<(Chunk, Stamp)> {
        let inner = self.lock();
        inner
            .reserve
            .get(address)
            .or_else(|| inner.cache.get(address))
            .cloned()
    }

    fn has(&self, address: &B256) -> bool {
        let inner = self.lock();
        inner.reserve.contains_key(address) || inner.cache.contains_key(address)
    }

    fn put(&self, chunk: Chunk, stamp: Stamp) -> Result<(), String> {
        let address = *chunk.address();
        let mut inner = self.lock();
        if inner.reserve.contains_key(&address) {
            return Ok(());
        }
        let bin = usize::from(proximity(&self.base.0, &address.0));
        let items = inner
            .bins
            .get_mut(bin)
            .ok_or_else(|| "bin out of range".to_string())?;
        let bin_id = items.last().map_or(1, |last| last.bin_id.saturating_add(1));
        items.push(PullItem {
            bin_id,
            address,
            batch_id: stamp.batch_id,
            stamp_hash: stamp.hash(),
        });
        inner.cache.remove(&address);
        inner.reserve.insert(address, (chunk, stamp));
        drop(inner);
        self.updates.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }

    /// Sizes and radius from memory; no batches and no chain.
    fn status(&self) -> crate::storage::StoreStatus {
        let radius = self.radius.unwrap_or(0);
        let inner = self.lock();
        let within = inner
            .reserve
            .keys()
            .filter(|address| proximity(&self.base.0, &address.0) >= radius)
            .count() as u64;
        crate::storage::StoreStatus {
            reserve_size: inner.reserve.len() as u64,
            reserve_size_within_radius: within,
            storage_radius: radius,
            committed_depth: radius,
            batch_commitment: 0,
            last_synced_block: 0,
        }
    }

    fn reserve_updates(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        Some(self.updates.subscribe())
    }

    fn cache(&self, chunk: Chunk, stamp: Stamp) {
        let address = *chunk.address();
        let mut inner = self.lock();
        if !inner.reserve.contains_key(&address) {
            inner.cache.insert(address, (chunk, stamp));
        }
    }

    fn cursors(&self) -> Vec<u64> {
        self.lock()
            .bins
            .iter()
            .map(|items| items.last().map_or(0, |last| last.bin_id))
            .collect()
    }

    fn pull(&self, bin: u8, from: u64, limit: usize) -> Vec<PullItem> {
        let inner = self.lock();
        inner
            .bins
            .get(usize::from(bin))
            .map(|items| {
                items
                    .iter()
                    .filter(|item| item.bin_id >= from)
                    .take(limit)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn storage_radius(&self) -> Option<u8> {
        self.radius
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comb_postage::StampIndex;
    use comb_primitives::Signer;

    fn stamped(payload: &[u8]) -> (Chunk, Stamp) {
        let chunk = Chunk::content(payload).unwrap();
        let stamp = Stamp::sign(
            &Signer::random(),
            chunk.address(),
            B256::repeat_byte(1),
            StampIndex {
                bucket: 0,
                position: 0,
            },
            1,
        )
        .unwrap();
        (chunk, stamp)
    }

    #[test]
    fn bins_cursors_and_pull() {
        let store = MemoryStore::new(B256::ZERO);
        let mut bins = Vec::new();
        for i in 0..20u8 {
            let (chunk, stamp) = stamped(&[i]);
            bins.push(proximity(&[0u8; 32], &chunk.address().0));
            store.put(chunk.clone(), stamp).unwrap();
            store.put(chunk, stamp).unwrap(); // idempotent
        }
        assert_eq!(store.len(), 20);
        let cursors = store.cursors();
        assert_eq!(cursors.len(), MAX_BINS);
        assert_eq!(cursors.iter().sum::<u64>(), 20);
        let bin = bins[0];
        let all = store.pull(bin, 1, 100);
        assert_eq!(all.len() as u64, cursors[usize::from(bin)]);
        assert!(all.windows(2).all(|w| w[0].bin_id < w[1].bin_id));
        let later = store.pull(bin, 2, 100);
        assert_eq!(later.len(), all.len() - 1);
        assert_eq!(store.pull(bin, 1, 1).len(), 1);
    }

    #[test]
    fn cache_is_readable_but_not_in_the_reserve() {
        let store = MemoryStore::new(B256::ZERO);
        let (chunk, stamp) = stamped(b"cached");
        store.cache(chunk.clone(), stamp);
        assert!(store.has(chunk.address()));
        assert!(!store.in_reserve(chunk.address()));
        assert_eq!(store.get(chunk.address()).unwrap().0, chunk);
        assert!(store.is_empty());
    }
}
