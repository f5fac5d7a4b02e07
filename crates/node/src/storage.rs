//! The store as the network sees it: [`comb_net::LocalStore`] over the reserve and the cache,
//! and stamp validation over the batch store.
//!
//! Reserve writes arriving from the network go through a **group commit**: one writer thread
//! takes every put that is waiting, writes them in one durable transaction, and only then
//! answers each caller. A pushsync receipt still means "on disk", but concurrent pushes share
//! one fsync instead of paying one each.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use comb_net::{LocalStore, PullItem, StoreStatus};
use comb_postage::Stamp;
use comb_primitives::proximity::proximity;
use comb_primitives::soc::{chunk_type, ChunkType};
use comb_primitives::{Chunk, B256};
use comb_store::{BatchStore, Cache, Pins, PushQueue, Reserve};

/// Most puts committed together.
const GROUP_COMMIT_MAX: usize = 512;

type Reply = SyncSender<Result<(), String>>;

/// One put waiting for the writer.
struct WriteRequest {
    chunk: Chunk,
    stamp: Stamp,
    kind: ChunkType,
    reply: Reply,
}

/// The node's chunk storage: chunks within the storage radius go to the reserve, others to
/// the cache.
#[derive(Debug, Clone)]
pub struct NodeStore {
    reserve: Reserve,
    cache: Cache,
    pins: Pins,
    uploads: Option<PushQueue>,
    overlay: B256,
    writer: Arc<Mutex<SyncSender<WriteRequest>>>,
    cacher: Arc<Mutex<SyncSender<(Chunk, Stamp)>>>,
    /// Bumped whenever chunks enter the reserve (pullsync's held `Get`s wait on it).
    updates: Arc<tokio::sync::watch::Sender<u64>>,
    /// The batch store, for the status snapshot's commitment and last block.
    batches: Option<BatchStore>,
}

/// Cache writes waiting for the background cacher; beyond this they are dropped.
const CACHE_QUEUE: usize = 1024;

fn run_writer(reserve: Reserve, requests: Receiver<WriteRequest>) {
    while let Ok(first) = requests.recv() {
        let mut group = vec![first];
        while group.len() < GROUP_COMMIT_MAX {
            match requests.try_recv() {
                Ok(more) => group.push(more),
                Err(_) => break,
            }
        }
        let items: Vec<(Chunk, Stamp, ChunkType)> = group
            .iter()
            .map(|r| (r.chunk.clone(), r.stamp, r.kind))
            .collect();
        match reserve.put_many(&items) {
            Ok(results) => {
                for (request, result) in group.into_iter().zip(results) {
                    let _ = request
                        .reply
                        .send(result.map(|_| ()).map_err(|e| e.to_string()));
                }
            }
            Err(error) => {
                for request in group {
                    let _ = request.reply.send(Err(error.to_string()));
                }
            }
        }
    }
}

impl std::fmt::Debug for WriteRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WriteRequest({})", self.chunk.address())
    }
}

impl NodeStore {
    /// Storage over a reserve, a cache and the pins for the node at `overlay`; starts the
    /// writer thread, which ends when the last clone is dropped.
    pub fn new(reserve: Reserve, cache: Cache, pins: Pins, overlay: B256) -> Self {
        let (sender, requests) = sync_channel(GROUP_COMMIT_MAX);
        let writer_reserve = reserve.clone();
        std::thread::spawn(move || run_writer(writer_reserve, requests));
        let (cacher, cache_requests) = sync_channel::<(Chunk, Stamp)>(CACHE_QUEUE);
        let background_cache = cache.clone();
        std::thread::spawn(move || {
            // Whatever waits is written in one transaction.
            while let Ok(first) = cache_requests.recv() {
                let mut group = vec![first];
                while group.len() < GROUP_COMMIT_MAX {
                    match cache_requests.try_recv() {
                        Ok(more) => group.push(more),
                        Err(_) => break,
                    }
                }
                let _ = background_cache.put_many(&group);
            }
        });
        Self {
            reserve,
            cache,
            pins,
            uploads: None,
            overlay,
            writer: Arc::new(Mutex::new(sender)),
            cacher: Arc::new(Mutex::new(cacher)),
            updates: Arc::new(tokio::sync::watch::Sender::new(0)),
            batches: None,
        }
    }

    /// Reports the batch store's commitment and last processed block in status snapshots.
    pub fn with_batches(mut self, batches: BatchStore) -> Self {
        self.batches = Some(batches);
        self
    }

    /// Tells pullsync that chunks entered the reserve: call after every reserve write that
    /// does not go through [`LocalStore::put`] or [`Self::store`].
    pub fn reserve_changed(&self) {
        self.updates.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Serves the chunks of deferred uploads from `queue` until they are receipted (Bee's
    /// upload store).
    pub fn with_upload_queue(mut self, queue: PushQueue) -> Self {
        self.uploads = Some(queue);
        self
    }

    /// Whether the chunk is here in any form: reserve, cache, pins or an upload waiting
    /// for its push.
    pub fn holds(&self, address: &B256) -> bool {
        self.reserve.has(address).unwrap_or(false)
            || self.cache.has(address).unwrap_or(false)
            || self
                .uploads
                .as_ref()
                .is_some_and(|q| q.contains(address).unwrap_or(false))
            || self.pins.get(address).ok().flatten().is_some()
    }

    /// Puts one chunk into the reserve through the group commit; returns once it is durable.
    fn put_reserve(&self, chunk: &Chunk, stamp: &Stamp, kind: ChunkType) -> Result<(), String> {
        self.put_reserve_many(vec![(chunk.clone(), *stamp, kind)])
            .pop()
            .unwrap_or_else(|| Err("store writer gave no answer".to_string()))
    }

    /// Hands every chunk to the group-commit writer before waiting for the first answer, so
    /// that they share its transactions; returns once each is durable, one result each.
    fn put_reserve_many(&self, items: Vec<(Chunk, Stamp, ChunkType)>) -> Vec<Result<(), String>> {
        let count = items.len();
        let writer = match self.writer.lock() {
            Ok(writer) => writer.clone(),
            Err(_) => return vec![Err("store writer poisoned".to_string()); count],
        };
        let mut answers = Vec::with_capacity(count);
        for (chunk, stamp, kind) in items {
            let (reply, answer) = sync_channel(1);
            let request = WriteRequest {
                chunk,
                stamp,
                kind,
                reply,
            };
            answers.push(writer.send(request).map(|()| answer));
        }
        let results: Vec<Result<(), String>> = answers
            .into_iter()
            .map(|sent| {
                sent.map_err(|_| "store writer stopped".to_string())?
                    .recv()
                    .map_err(|_| "store writer stopped".to_string())?
            })
            .collect();
        if results.iter().any(Result::is_ok) {
            self.reserve_changed();
        }
        results
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

    /// The pinned chunks.
    pub fn pins(&self) -> &Pins {
        &self.pins
    }

    /// Stores a validated chunk where it belongs (reserve within the radius, else cache).
    pub fn store(&self, chunk: &Chunk, stamp: &Stamp) -> Result<(), String> {
        let kind = chunk_type(chunk).map_err(|e| format!("invalid chunk: {e}"))?;
        if self.in_radius(chunk.address()) {
            self.put_reserve(chunk, stamp, kind)
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
        if let Ok(Some(found)) = self.cache.get(address) {
            return Some(found);
        }
        if let Some(found) = self.pins.get(address).ok().flatten() {
            return Some(found);
        }
        self.uploads.as_ref()?.get(address).ok().flatten()
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

    /// [`Self::store`] for many chunks: the reserve's share goes through the group-commit
    /// writer together, the cache's share in one transaction.
    fn put_many(&self, items: Vec<(Chunk, Stamp)>) -> Vec<Result<(), String>> {
        let mut results: Vec<Option<Result<(), String>>> = vec![None; items.len()];
        let mut reserve = Vec::new();
        let mut reserve_at = Vec::new();
        let mut cache = Vec::new();
        let mut cache_at = Vec::new();
        for (at, (chunk, stamp)) in items.into_iter().enumerate() {
            match chunk_type(&chunk) {
                Err(e) => results[at] = Some(Err(format!("invalid chunk: {e}"))),
                Ok(kind) if self.in_radius(chunk.address()) => {
                    reserve.push((chunk, stamp, kind));
                    reserve_at.push(at);
                }
                Ok(_) => {
                    cache.push((chunk, stamp));
                    cache_at.push(at);
                }
            }
        }
        for (at, result) in reserve_at.into_iter().zip(self.put_reserve_many(reserve)) {
            results[at] = Some(result);
        }
        if !cache.is_empty() {
            let cached = self
                .cache
                .put_many(&cache)
                .map(|_| ())
                .map_err(|e| e.to_string());
            for at in cache_at {
                results[at] = Some(cached.clone());
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("chunk not stored".to_string())))
            .collect()
    }

    /// Best effort and off the caller's path: a background thread writes it, and when it
    /// falls behind the chunk is not cached (a miss costs only a later retrieval).
    fn cache(&self, chunk: Chunk, stamp: Stamp) {
        if let Ok(cacher) = self.cacher.lock() {
            let _ = cacher.try_send((chunk, stamp));
        }
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

    fn reserve_updates(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        Some(self.updates.subscribe())
    }

    /// The reserve's sizes and radius; with the batch store, the commitment (the sum of
    /// `2^depth` over its batches) and its last processed block. comb does not double its
    /// reserve, so the committed depth is the radius.
    fn status(&self) -> StoreStatus {
        let radius = self.reserve.storage_radius().unwrap_or(0);
        let (batch_commitment, last_synced_block) = match &self.batches {
            Some(batches) => (
                batches
                    .batches_by_value()
                    .unwrap_or_default()
                    .iter()
                    .fold(0u64, |sum, batch| {
                        sum.saturating_add(
                            1u64.checked_shl(u32::from(batch.depth)).unwrap_or(u64::MAX),
                        )
                    }),
                batches.chain_state().map(|state| state.block).unwrap_or(0),
            ),
            None => (0, 0),
        };
        StoreStatus {
            reserve_size: self.reserve.size().unwrap_or(0),
            reserve_size_within_radius: self.reserve.size_within_radius().unwrap_or(0),
            storage_radius: radius,
            committed_depth: radius,
            batch_commitment,
            last_synced_block,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use comb_postage::StampIndex;
    use comb_primitives::Signature;
    use comb_store::{Store, StoreConfig};

    fn stamp(position: u32) -> Stamp {
        let mut signature = [7u8; 65];
        signature[64] = 27;
        Stamp {
            batch_id: B256::repeat_byte(0xba),
            index: StampIndex {
                bucket: 0,
                position,
            },
            timestamp: u64::from(position),
            signature: Signature::from_slice(&signature).unwrap(),
        }
    }

    /// `put_many` keeps the order of its answers, sends the chunks within the radius to the
    /// reserve (in the writer's shared commits) and the others to the cache, and tells
    /// pullsync that the reserve grew.
    #[test]
    fn put_many_splits_between_reserve_and_cache_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let overlay = B256::ZERO;
        let store =
            Store::open(&dir.path().join("store.redb"), &StoreConfig::new(overlay)).unwrap();
        store.reserve.set_storage_radius(1).unwrap();
        let local = NodeStore::new(
            store.reserve.clone(),
            store.cache.clone(),
            store.pins.clone(),
            overlay,
        );
        let updates = local.reserve_updates().unwrap();
        let chunks: Vec<Chunk> = (0..64u32)
            .map(|n| Chunk::content(&n.to_be_bytes()).unwrap())
            .collect();
        let items: Vec<(Chunk, Stamp)> = chunks
            .iter()
            .enumerate()
            .map(|(n, chunk)| (chunk.clone(), stamp(u32::try_from(n).unwrap())))
            .collect();
        let results = local.put_many(items);
        assert_eq!(results.len(), chunks.len());
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let (mut near, mut far) = (0, 0);
        for chunk in &chunks {
            let address = chunk.address();
            if local.in_radius(address) {
                near += 1;
                assert!(store.reserve.has(address).unwrap());
                assert!(!store.cache.has(address).unwrap());
            } else {
                far += 1;
                assert!(store.cache.has(address).unwrap());
                assert!(!store.reserve.has(address).unwrap());
            }
        }
        assert!(
            near > 0 && far > 0,
            "{near} within the radius, {far} outside"
        );
        assert!(updates.has_changed().unwrap());
    }
}
