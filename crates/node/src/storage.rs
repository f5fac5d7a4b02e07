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
        let (reply, answer) = sync_channel(1);
        let request = WriteRequest {
            chunk: chunk.clone(),
            stamp: *stamp,
            kind,
            reply,
        };
        self.writer
            .lock()
            .map_err(|_| "store writer poisoned".to_string())?
            .clone()
            .send(request)
            .map_err(|_| "store writer stopped".to_string())?;
        let written = answer
            .recv()
            .map_err(|_| "store writer stopped".to_string())?;
        if written.is_ok() {
            self.reserve_changed();
        }
        written
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
