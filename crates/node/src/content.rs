//! Moving content in and out: the upload pipeline (split, stamp, store, push) and the
//! download side (a chunk source that reads the local store first and the network second).
//!
//! An upload runs three stages concurrently: the body arrives on the async side; the
//! splitter hashes on a blocking thread and hands chunks over in groups of [`GROUP`]; each
//! group is stamped in one durable write, stored in one durable write, then pushed to the
//! network with bounded concurrency. A chunk is acknowledged (the upload's answer) only after
//! it is on disk; pushes that fail leave it to pull sync.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use comb_filetree::{ChunkSink, ChunkSource, FileTreeError, Splitter};
use comb_net::{LocalStore, Network};
use comb_postage::Stamp;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, B256};
use comb_store::PersistentStamper;
use futures_util::{StreamExt, TryStreamExt};
use tokio::sync::mpsc;

use crate::storage::NodeStore;

/// Chunks stamped and stored per write transaction.
pub const GROUP: usize = 128;
/// Pushes in flight per upload.
pub const PUSH_CONCURRENCY: usize = 64;
/// Pause before failed pushes are tried once more.
pub const PUSH_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

/// Nanoseconds since the Unix epoch: a stamp's timestamp.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What the pipeline reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadReport {
    /// The root reference.
    pub reference: B256,
    /// Chunks stored and pushed.
    pub chunks: u64,
    /// Pushes that failed (the chunks are stored locally and will be synced).
    pub failed_pushes: u64,
}

/// A sink that hands chunks to the async side in groups.
struct GroupSink {
    group: Vec<Chunk>,
    out: mpsc::Sender<Vec<Chunk>>,
}

impl ChunkSink for GroupSink {
    type Error = FileTreeError;

    fn put(&mut self, chunk: Chunk) -> Result<(), FileTreeError> {
        self.group.push(chunk);
        if self.group.len() >= GROUP {
            let group = std::mem::take(&mut self.group);
            self.out
                .blocking_send(group)
                .map_err(|_| FileTreeError::Io(std::io::Error::other("upload cancelled")))?;
        }
        Ok(())
    }
}

/// Stamps a group of content chunks and stores them durably; returns them with their stamps.
pub fn stamp_and_store(
    stamper: &Mutex<PersistentStamper>,
    store: &NodeStore,
    chunks: Vec<Chunk>,
) -> Result<Vec<(Chunk, Stamp)>, String> {
    let keys: Vec<(B256, B256)> = chunks
        .iter()
        .map(|c| (*c.address(), *c.address()))
        .collect();
    let stamps = stamper
        .lock()
        .map_err(|_| "stamper poisoned".to_string())?
        .stamp_many(&keys, now_ns())
        .map_err(|e| e.to_string())?;
    let stamped: Vec<(Chunk, Stamp)> = chunks.into_iter().zip(stamps).collect();
    let (reserve, cached): (Vec<_>, Vec<_>) = stamped
        .iter()
        .cloned()
        .partition(|(chunk, _)| store.in_radius(chunk.address()));
    let items: Vec<(Chunk, Stamp, ChunkType)> = reserve
        .into_iter()
        .map(|(chunk, stamp)| (chunk, stamp, ChunkType::Content))
        .collect();
    for result in store
        .reserve()
        .put_many(&items)
        .map_err(|e| e.to_string())?
    {
        result.map_err(|e| e.to_string())?;
    }
    for (chunk, stamp) in cached {
        store
            .cache()
            .put(&chunk, &stamp)
            .map_err(|e| e.to_string())?;
    }
    Ok(stamped)
}

/// Runs the upload pipeline over a body stream.
pub async fn upload(
    body: impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin,
    stamper: Arc<Mutex<PersistentStamper>>,
    store: Arc<NodeStore>,
    network: Network,
) -> Result<UploadReport, String> {
    let (piece_tx, mut piece_rx) = mpsc::channel::<Bytes>(16);
    let (group_tx, mut group_rx) = mpsc::channel::<Vec<Chunk>>(4);

    let reader = async move {
        let mut body = body;
        while let Some(piece) = body.try_next().await.map_err(|e| e.to_string())? {
            if piece_tx.send(piece).await.is_err() {
                break;
            }
        }
        Ok::<(), String>(())
    };

    let splitter = tokio::task::spawn_blocking(move || {
        let mut sink = GroupSink {
            group: Vec::with_capacity(GROUP),
            out: group_tx,
        };
        let mut splitter = Splitter::new(&mut sink);
        while let Some(piece) = piece_rx.blocking_recv() {
            splitter.write(&piece).map_err(|e| e.to_string())?;
        }
        let root = splitter.finish().map_err(|e| e.to_string())?;
        let rest = std::mem::take(&mut sink.group);
        if !rest.is_empty() {
            sink.out
                .blocking_send(rest)
                .map_err(|_| "upload cancelled".to_string())?;
        }
        Ok::<B256, String>(root)
    });

    // Groups are stamped and stored in order; their pushes run in the background, at most
    // PUSH_CONCURRENCY at a time, while the next groups are stored.
    let storer = async move {
        let permits = Arc::new(tokio::sync::Semaphore::new(PUSH_CONCURRENCY));
        let mut pushes = tokio::task::JoinSet::new();
        let mut chunks = 0u64;
        while let Some(group) = group_rx.recv().await {
            let stamper = Arc::clone(&stamper);
            let store = Arc::clone(&store);
            let stamped =
                tokio::task::spawn_blocking(move || stamp_and_store(&stamper, &store, group))
                    .await
                    .map_err(|e| e.to_string())??;
            chunks = chunks.saturating_add(stamped.len() as u64);
            for (chunk, stamp) in stamped {
                let permit = Arc::clone(&permits)
                    .acquire_owned()
                    .await
                    .map_err(|e| e.to_string())?;
                let network = network.clone();
                pushes.spawn(async move {
                    let pushed = network.push(chunk.clone(), stamp).await.is_ok();
                    drop(permit);
                    (!pushed).then_some((chunk, stamp))
                });
            }
        }
        let mut unpushed = Vec::new();
        while let Some(result) = pushes.join_next().await {
            if let Ok(Some(failed)) = result {
                unpushed.push(failed);
            }
        }
        // Storers that had not yet seen a new batch refuse its stamps: try once more after a
        // pause; what still fails is on disk here and reaches its neighbourhood by pull sync.
        if !unpushed.is_empty() {
            tokio::time::sleep(PUSH_RETRY_DELAY).await;
        }
        let retried: Vec<bool> = futures_util::stream::iter(unpushed)
            .map(|(chunk, stamp)| {
                let network = network.clone();
                async move { network.push(chunk, stamp).await.is_ok() }
            })
            .buffer_unordered(PUSH_CONCURRENCY)
            .collect()
            .await;
        let failed = retried.iter().filter(|pushed| !**pushed).count() as u64;
        Ok::<(u64, u64), String>((chunks, failed))
    };

    let (read, split, stored) = tokio::join!(reader, splitter, storer);
    read?;
    let reference = split.map_err(|e| e.to_string())??;
    let (chunks, failed_pushes) = stored?;
    Ok(UploadReport {
        reference,
        chunks,
        failed_pushes,
    })
}

/// Retrievals in flight per download.
pub const RETRIEVE_CONCURRENCY: usize = 32;

type Prefetch = tokio::task::JoinHandle<Option<Chunk>>;

/// A chunk source for the joiner: the local store first, then the network. Runs on a
/// blocking thread and waits for retrievals on the runtime. When it hands out an
/// intermediate chunk it starts retrieving all of its children at once (at most
/// [`RETRIEVE_CONCURRENCY`] in flight), so a download is not one round trip per chunk.
pub struct NetworkSource {
    store: Arc<NodeStore>,
    network: Network,
    runtime: tokio::runtime::Handle,
    prefetched: Mutex<HashMap<B256, Prefetch>>,
    permits: Arc<tokio::sync::Semaphore>,
}

impl NetworkSource {
    /// A source over the local store and the network, waiting on `runtime`.
    pub fn new(store: Arc<NodeStore>, network: Network, runtime: tokio::runtime::Handle) -> Self {
        Self {
            store,
            network,
            runtime,
            prefetched: Mutex::new(HashMap::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(RETRIEVE_CONCURRENCY)),
        }
    }

    fn retrieve(&self, address: B256) -> Prefetch {
        let store = Arc::clone(&self.store);
        let network = self.network.clone();
        let permits = Arc::clone(&self.permits);
        self.runtime.spawn(async move {
            let _permit = permits.acquire_owned().await.ok()?;
            let (chunk, stamp) = network.retrieve(address).await.ok()?;
            LocalStore::cache(store.as_ref(), chunk.clone(), stamp);
            Some(chunk)
        })
    }

    /// Starts retrieving the children of an intermediate chunk that are not local.
    fn prefetch_children(&self, chunk: &Chunk) {
        if chunk.span() <= comb_primitives::CHUNK_SIZE as u64 {
            return;
        }
        let Ok(mut prefetched) = self.prefetched.lock() else {
            return;
        };
        for reference in chunk.payload().chunks_exact(32) {
            let child = B256::from_slice(reference);
            if !prefetched.contains_key(&child) && !LocalStore::has(self.store.as_ref(), &child) {
                prefetched.insert(child, self.retrieve(child));
            }
        }
    }
}

impl ChunkSource for NetworkSource {
    type Error = FileTreeError;

    fn get(&self, address: &B256) -> Result<Chunk, FileTreeError> {
        let pending = self
            .prefetched
            .lock()
            .ok()
            .and_then(|mut p| p.remove(address));
        let chunk = match (pending, LocalStore::get(self.store.as_ref(), address)) {
            (_, Some((chunk, _))) => Some(chunk),
            (Some(pending), None) => self.runtime.block_on(pending).ok().flatten(),
            (None, None) => self
                .runtime
                .block_on(self.retrieve(*address))
                .ok()
                .flatten(),
        }
        .ok_or(FileTreeError::MissingChunk(*address))?;
        self.prefetch_children(&chunk);
        Ok(chunk)
    }
}
