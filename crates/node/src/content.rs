//! Moving content in and out: the upload pipeline (split, stamp, store, push) and the
//! download side (a chunk source that reads the local store first and the network second).
//!
//! An upload runs three stages concurrently: the body arrives on the async side; the
//! splitter hashes on a blocking thread and hands chunks over in groups of [`GROUP`]; each
//! group is stamped in one durable write, stored in one durable write, then pushed to the
//! network with bounded concurrency. A chunk is acknowledged (the upload's answer) only after
//! it is on disk; pushes that fail leave it to pull sync.

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
pub const PUSH_CONCURRENCY: usize = 16;

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

    let storer = async move {
        let mut chunks = 0u64;
        let mut failed = 0u64;
        while let Some(group) = group_rx.recv().await {
            let stamper = Arc::clone(&stamper);
            let store = Arc::clone(&store);
            let stamped =
                tokio::task::spawn_blocking(move || stamp_and_store(&stamper, &store, group))
                    .await
                    .map_err(|e| e.to_string())??;
            chunks = chunks.saturating_add(stamped.len() as u64);
            let results: Vec<bool> = futures_util::stream::iter(stamped)
                .map(|(chunk, stamp)| {
                    let network = network.clone();
                    async move { network.push(chunk, stamp).await.is_ok() }
                })
                .buffer_unordered(PUSH_CONCURRENCY)
                .collect()
                .await;
            failed = failed.saturating_add(results.iter().filter(|ok| !**ok).count() as u64);
        }
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

/// A chunk source for the joiner: the local store first, then the network. Runs on a
/// blocking thread and waits for retrievals on the runtime.
pub struct NetworkSource {
    /// The local store.
    pub store: Arc<NodeStore>,
    /// The network.
    pub network: Network,
    /// The runtime the network runs on.
    pub runtime: tokio::runtime::Handle,
}

impl ChunkSource for NetworkSource {
    type Error = FileTreeError;

    fn get(&self, address: &B256) -> Result<Chunk, FileTreeError> {
        if let Some((chunk, _)) = LocalStore::get(self.store.as_ref(), address) {
            return Ok(chunk);
        }
        let (chunk, stamp) = self
            .runtime
            .block_on(self.network.retrieve(*address))
            .map_err(|_| FileTreeError::MissingChunk(*address))?;
        LocalStore::cache(self.store.as_ref(), chunk.clone(), stamp);
        Ok(chunk)
    }
}
