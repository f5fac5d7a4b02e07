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
use crate::tags::Tag;

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

/// A sink that hands chunks to the async side in groups; what an upload's producer (a
/// splitter, a manifest save) writes its chunks into.
pub struct GroupSink {
    group: Vec<Chunk>,
    out: mpsc::Sender<Vec<Chunk>>,
    tag: Option<Arc<Tag>>,
}

impl ChunkSink for GroupSink {
    type Error = FileTreeError;

    fn put(&mut self, chunk: Chunk) -> Result<(), FileTreeError> {
        if let Some(tag) = &self.tag {
            Tag::add(&tag.split, 1);
        }
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

/// A blocking [`std::io::Read`] over pieces of a body arriving on a channel, for producers
/// that parse a stream (a tar archive) on a blocking thread.
pub struct ChannelReader {
    pieces: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.pieces.blocking_recv() {
                Some(piece) => self.current = piece,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Starts moving a body stream into a [`ChannelReader`]; the returned future must be
/// polled (joined with the pipeline) for the reader to see data.
pub fn body_reader(
    body: impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin,
) -> (
    impl std::future::Future<Output = Result<(), String>> + Send,
    ChannelReader,
) {
    let (piece_tx, piece_rx) = mpsc::channel::<Bytes>(16);
    let feed = async move {
        let mut body = body;
        while let Some(piece) = body.try_next().await.map_err(|e| e.to_string())? {
            if piece_tx.send(piece).await.is_err() {
                break;
            }
        }
        Ok::<(), String>(())
    };
    (
        feed,
        ChannelReader {
            pieces: piece_rx,
            current: Bytes::new(),
        },
    )
}

/// Stamps a group of chunks of one `kind` (the producer knows it; re-deriving it would hash
/// every chunk again) and stores them durably; returns them with their stamps.
pub fn stamp_and_store(
    stamper: &Mutex<PersistentStamper>,
    store: &NodeStore,
    chunks: Vec<Chunk>,
    kind: ChunkType,
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
        .map(|(chunk, stamp)| (chunk, stamp, kind))
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

/// Where an upload's chunks go: stamped with this batch, stored here, pushed there, counted
/// on the tag.
#[derive(Clone)]
pub struct Pipeline {
    /// The batch's stamper.
    pub stamper: Arc<Mutex<PersistentStamper>>,
    /// Local storage.
    pub store: Arc<NodeStore>,
    /// The network to push to.
    pub network: Network,
    /// The upload's tag, if it is followed.
    pub tag: Option<Arc<Tag>>,
    /// What the producer writes: content-addressed chunks, or a single-owner chunk.
    pub kind: ChunkType,
}

impl Pipeline {
    /// Runs `produce` on a blocking thread, writing chunks into a [`GroupSink`]; groups are
    /// stamped and stored in order and pushed in the background, at most
    /// [`PUSH_CONCURRENCY`] at a time. Returns the root `produce` returns, once every chunk
    /// is stored and its push has been tried.
    pub async fn run<F>(self, produce: F) -> Result<UploadReport, String>
    where
        F: FnOnce(&mut GroupSink) -> Result<B256, String> + Send + 'static,
    {
        let (group_tx, mut group_rx) = mpsc::channel::<Vec<Chunk>>(4);
        let tag = self.tag.clone();
        let producer = tokio::task::spawn_blocking(move || {
            let mut sink = GroupSink {
                group: Vec::with_capacity(GROUP),
                out: group_tx,
                tag,
            };
            let root = produce(&mut sink)?;
            let rest = std::mem::take(&mut sink.group);
            if !rest.is_empty() {
                sink.out
                    .blocking_send(rest)
                    .map_err(|_| "upload cancelled".to_string())?;
            }
            Ok::<B256, String>(root)
        });

        let Pipeline {
            stamper,
            store,
            network,
            tag,
            kind,
        } = self;
        let storer = async move {
            let permits = Arc::new(tokio::sync::Semaphore::new(PUSH_CONCURRENCY));
            let mut pushes = tokio::task::JoinSet::new();
            let mut chunks = 0u64;
            while let Some(group) = group_rx.recv().await {
                let stamper = Arc::clone(&stamper);
                let store = Arc::clone(&store);
                let stamped = tokio::task::spawn_blocking(move || {
                    stamp_and_store(&stamper, &store, group, kind)
                })
                .await
                .map_err(|e| e.to_string())??;
                chunks = chunks.saturating_add(stamped.len() as u64);
                if let Some(tag) = &tag {
                    Tag::add(&tag.stored, stamped.len() as u64);
                }
                for (chunk, stamp) in stamped {
                    let permit = Arc::clone(&permits)
                        .acquire_owned()
                        .await
                        .map_err(|e| e.to_string())?;
                    let network = network.clone();
                    let tag = tag.clone();
                    pushes.spawn(async move {
                        let pushed = network.push(chunk.clone(), stamp).await.is_ok();
                        drop(permit);
                        if let Some(tag) = &tag {
                            Tag::add(&tag.sent, 1);
                            if pushed {
                                Tag::add(&tag.synced, 1);
                            }
                        }
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
            // Storers that had not yet seen a new batch refuse its stamps: try once more
            // after a pause; what still fails is on disk here and reaches its neighbourhood
            // by pull sync.
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
            if let Some(tag) = &tag {
                Tag::add(&tag.synced, retried.iter().filter(|p| **p).count() as u64);
            }
            let failed = retried.iter().filter(|pushed| !**pushed).count() as u64;
            Ok::<(u64, u64), String>((chunks, failed))
        };

        let (produced, stored) = tokio::join!(producer, storer);
        let reference = produced.map_err(|e| e.to_string())??;
        let (chunks, failed_pushes) = stored?;
        Ok(UploadReport {
            reference,
            chunks,
            failed_pushes,
        })
    }
}

/// Splits everything `reader` yields into a chunk tree written to `sink`; returns the root.
pub fn split_reader_into(
    reader: &mut impl std::io::Read,
    sink: &mut GroupSink,
) -> Result<B256, String> {
    let mut splitter = Splitter::new(sink);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buffer).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        splitter.write(&buffer[..n]).map_err(|e| e.to_string())?;
    }
    splitter.finish().map_err(|e| e.to_string())
}

/// Runs the upload pipeline over a body stream (the bytes of one file).
pub async fn upload(
    body: impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin,
    pipeline: Pipeline,
) -> Result<UploadReport, String> {
    let (feed, mut reader) = body_reader(body);
    let (fed, report) = tokio::join!(
        feed,
        pipeline.run(move |sink| split_reader_into(&mut reader, sink))
    );
    fed?;
    report
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

/// Writes joined bytes into a channel, blocking when the reader is slow.
pub struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl ChannelWriter {
    /// A writer into `sender`.
    pub fn new(sender: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>) -> Self {
        Self { sender }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sender
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::other("download cancelled"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A response body stream over a channel of pieces.
pub fn receiver_stream(
    mut receiver: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> comb_api::DataStream {
    Box::pin(futures_util::stream::poll_fn(move |cx| {
        receiver.poll_recv(cx)
    }))
}
