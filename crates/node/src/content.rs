//! Moving content in and out: the upload pipeline (split, stamp, store, push) and the
//! download side (a chunk source that reads the local store first and the network second).
//!
//! An upload runs three stages concurrently: the body arrives on the async side; the
//! splitter hashes on a blocking thread and hands chunks over in groups of [`GROUP`]; each
//! group is stamped in one durable write and stored in another (group n+1 is stamped while
//! group n is stored). In Bee's deferred mode (the default) "stored" means written to the
//! on-disk push queue, which (like Bee's upload store) holds and serves the chunks until the
//! pusher ([`crate::pusher`]) has them receipted; they reach this node's reserve only as
//! any other chunk does. In direct mode the group goes to the reserve (or the cache) and
//! every chunk is pushed; the upload answers only once each has a receipt.

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
use futures_util::TryStreamExt;
use tokio::sync::mpsc;

use crate::error::NodeError;
use crate::pusher::PushQueueHandle;
use crate::storage::NodeStore;
use crate::tags::Tag;

/// Chunks stamped and stored per write transaction.
pub const GROUP: usize = 1024;
/// Pushes in flight per direct upload.
pub const PUSH_CONCURRENCY: usize = 256;
/// Pause before a failed push of a direct upload is tried again (times the round).
pub const PUSH_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(250);
/// Rounds of pushes a direct upload makes for one chunk before it gives up on it.
pub const DIRECT_PUSH_ROUNDS: u32 = 6;

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
    /// Chunks stored (deferred: queued; direct: stored and receipted).
    pub chunks: u64,
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

/// The `(address, identity)` pairs a stamper takes for content chunks (the identity of a
/// chunk the pipeline produces is its address; a SOC's address is its identity too).
fn stamp_keys(chunks: &[Chunk]) -> Vec<(B256, B256)> {
    chunks
        .iter()
        .map(|c| (*c.address(), *c.address()))
        .collect()
}

/// Stamps a group of chunks in one durable write of the issuer (spec §2.9: an index is
/// never handed out twice, even across a crash).
pub fn stamp_group(
    stamper: &Mutex<PersistentStamper>,
    chunks: Vec<Chunk>,
) -> Result<Vec<(Chunk, Stamp)>, NodeError> {
    let keys = stamp_keys(&chunks);
    let stamps = stamper
        .lock()
        .map_err(|_| NodeError::Io("stamper poisoned".to_string()))?
        .stamp_many(&keys, now_ns())?;
    Ok(chunks.into_iter().zip(stamps).collect())
}

/// Stores stamped chunks of one `kind` (the producer knows it; re-deriving it would hash
/// every chunk again) durably: those within the node's radius in the reserve, the others in
/// the cache, each set in one write.
pub fn store_group(
    store: &NodeStore,
    stamped: &[(Chunk, Stamp)],
    kind: ChunkType,
) -> Result<(), NodeError> {
    let (reserve, cached): (Vec<_>, Vec<_>) = stamped
        .iter()
        .cloned()
        .partition(|(chunk, _)| store.in_radius(chunk.address()));
    let items: Vec<(Chunk, Stamp, ChunkType)> = reserve
        .into_iter()
        .map(|(chunk, stamp)| (chunk, stamp, kind))
        .collect();
    let written = store.reserve().put_many(&items);
    if !items.is_empty() {
        store.reserve_changed();
    }
    for result in written? {
        result?;
    }
    if !cached.is_empty() {
        store.cache().put_many(&cached)?;
    }
    Ok(())
}

type Stamped = Vec<(Chunk, Stamp)>;

/// Waits for a deferred group's commit and counts it; if it failed, every prepared group
/// not yet recorded is forgotten by the stamper (their indexes never became durable).
async fn finish_recording(
    recording: tokio::task::JoinHandle<Result<u64, NodeError>>,
    stamper: &Mutex<PersistentStamper>,
    tag: &Option<Arc<Tag>>,
    chunks: &mut u64,
) -> Result<(), NodeError> {
    let recorded = recording
        .await
        .map_err(|e| NodeError::Io(e.to_string()))
        .and_then(|recorded| recorded);
    match recorded {
        Ok(count) => {
            *chunks = chunks.saturating_add(count);
            if let Some(tag) = tag {
                Tag::add(&tag.stored, count);
            }
            Ok(())
        }
        Err(error) => {
            if let Ok(mut stamper) = stamper.lock() {
                stamper.abandon_pending();
            }
            Err(error)
        }
    }
}

/// Bee's two upload modes (header `swarm-deferred-upload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushMode {
    /// Answer once every chunk is stamped, stored here and queued on disk; the pusher
    /// ([`crate::pusher`]) pushes in the background. Bee's default.
    Deferred,
    /// Answer only when every chunk has a valid receipt from a storer in its neighbourhood.
    Direct,
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
    /// The push queue deferred chunks go to (and direct ones that found no receipt).
    pub queue: PushQueueHandle,
    /// The upload's tag, if it is followed.
    pub tag: Option<Arc<Tag>>,
    /// What the producer writes: content-addressed chunks, or a single-owner chunk.
    pub kind: ChunkType,
    /// Deferred or direct.
    pub mode: PushMode,
    /// Counts the chunks each finished upload stored (`comb_upload_chunks_total`).
    pub counter: Option<prometheus_client::metrics::counter::Counter>,
    /// Whether this node keeps a reserve. A full node with no peer at all is the closest
    /// node to every chunk: a direct upload's chunks in its radius are stored in its own
    /// reserve and count as synced, as Bee's pushsync answers `ErrWantSelf` (a light node
    /// with no peer still fails with [`NodeError::NotReceipted`]).
    pub full_node: bool,
}

/// Pushes one chunk until it is receipted, trying again after [`PUSH_RETRY_DELAY`] (a storer
/// that has not yet seen a new batch refuses its stamps) for [`DIRECT_PUSH_ROUNDS`] rounds.
pub(crate) async fn push_receipted(network: &Network, chunk: &Chunk, stamp: Stamp) -> bool {
    for round in 0..DIRECT_PUSH_ROUNDS {
        if round > 0 {
            tokio::time::sleep(PUSH_RETRY_DELAY * round).await;
        }
        if network.push(chunk.clone(), stamp).await.is_ok() {
            return true;
        }
    }
    false
}

impl Pipeline {
    /// Runs `produce` on a blocking thread, writing chunks into a [`GroupSink`]; groups are
    /// stamped and stored in order. Deferred: each stored group is queued for the pusher.
    /// Direct: each chunk is pushed (at most [`PUSH_CONCURRENCY`] at a time) and the upload
    /// fails with [`NodeError::NotReceipted`] if any chunk found no receipt (those chunks are
    /// queued for the pusher all the same). Returns the root `produce` returns.
    ///
    /// A failure to stamp or store is reported as itself (an over-issued batch, a full
    /// disk), never as the producer's consequent "cancelled"; a producer failure with the
    /// store side fine is the client's input ([`NodeError::InvalidInput`]).
    pub async fn run<F>(self, produce: F) -> Result<UploadReport, NodeError>
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
            queue,
            tag,
            kind,
            mode,
            counter,
            full_node,
        } = self;
        let tag_uid = tag.as_ref().map_or(0, |t| t.uid);
        let running = (mode == PushMode::Deferred).then(|| queue.upload_running());
        let storer = async move {
            let _running = running;
            let permits = Arc::new(tokio::sync::Semaphore::new(PUSH_CONCURRENCY));
            let mut pushes = tokio::task::JoinSet::new();
            let mut chunks = 0u64;
            // Two stages over blocking threads: group n+1 is stamped while group n is
            // being stored (both are durable writes; overlapping them hides one fsync).
            let mut storing: Option<tokio::task::JoinHandle<Result<Stamped, NodeError>>> = None;
            let mut recording: Option<tokio::task::JoinHandle<Result<u64, NodeError>>> = None;
            let mut next = group_rx.recv().await;
            loop {
                if mode == PushMode::Deferred {
                    // Bee's upload store: the queue holds the chunks (and serves them here)
                    // until they are receipted. Group n+1 is stamped (indexes and
                    // signatures) while group n's stamps and queue entries are committed,
                    // together, in one transaction.
                    let Some(group) = next.take() else {
                        if let Some(previous) = recording.take() {
                            finish_recording(previous, &stamper, &tag, &mut chunks).await?;
                        }
                        break;
                    };
                    let preparing = Arc::clone(&stamper);
                    let prepared = tokio::task::spawn_blocking(move || {
                        let keys = stamp_keys(&group);
                        let prepared = preparing
                            .lock()
                            .map_err(|_| NodeError::Io("stamper poisoned".to_string()))?
                            .prepare(&keys, now_ns())?;
                        Ok::<_, NodeError>((group, prepared))
                    })
                    .await
                    .map_err(|e| NodeError::Io(e.to_string()))
                    .and_then(|prepared| prepared);
                    // The previous group's commit ends first, also when this group failed:
                    // nothing is left running behind the answer.
                    if let Some(previous) = recording.take() {
                        finish_recording(previous, &stamper, &tag, &mut chunks).await?;
                    }
                    let (group, prepared) = prepared?;
                    let queue = queue.clone();
                    let recorder = Arc::clone(&stamper);
                    recording = Some(tokio::task::spawn_blocking(move || {
                        let recorded = queue.record_and_enqueue(tag_uid, group, &prepared)?;
                        // A failure is handled by `finish_recording`, after the next group
                        // was prepared.
                        if let Ok(mut stamper) = recorder.lock() {
                            stamper.recorded(&prepared);
                        }
                        Ok::<_, NodeError>(recorded.len() as u64)
                    }));
                    next = group_rx.recv().await;
                    continue;
                }
                let stamped = match next.take() {
                    Some(group) => {
                        let stamper = Arc::clone(&stamper);
                        Some(
                            tokio::task::spawn_blocking(move || stamp_group(&stamper, group))
                                .await
                                .map_err(|e| NodeError::Io(e.to_string()))??,
                        )
                    }
                    None => None,
                };
                if let Some(previous) = storing.take() {
                    let stored = previous.await.map_err(|e| NodeError::Io(e.to_string()))??;
                    chunks = chunks.saturating_add(stored.len() as u64);
                    if let Some(tag) = &tag {
                        Tag::add(&tag.stored, stored.len() as u64);
                    }
                    if mode == PushMode::Direct {
                        for (chunk, stamp) in stored {
                            if full_node
                                && network.peers().is_empty()
                                && store.in_radius(chunk.address())
                            {
                                // Stored in this node's reserve by `store_group`, and no
                                // node is closer: this node is the storer.
                                if let Some(tag) = &tag {
                                    Tag::add(&tag.sent, 1);
                                    Tag::add(&tag.synced, 1);
                                }
                                continue;
                            }
                            let permit = Arc::clone(&permits)
                                .acquire_owned()
                                .await
                                .map_err(|e| NodeError::Io(e.to_string()))?;
                            let network = network.clone();
                            let tag = tag.clone();
                            pushes.spawn(async move {
                                let pushed = push_receipted(&network, &chunk, stamp).await;
                                drop(permit);
                                // Counted once, when receipted: a chunk that fails here is
                                // queued and counted by the pusher when it gets through.
                                if let (Some(tag), true) = (&tag, pushed) {
                                    Tag::add(&tag.sent, 1);
                                    Tag::add(&tag.synced, 1);
                                }
                                (!pushed).then_some((chunk, stamp))
                            });
                        }
                    }
                }
                let Some(stamped) = stamped else {
                    break;
                };
                let store = Arc::clone(&store);
                storing = Some(tokio::task::spawn_blocking(move || {
                    store_group(&store, &stamped, kind)?;
                    Ok::<_, NodeError>(stamped)
                }));
                next = group_rx.recv().await;
            }
            let mut unpushed = Vec::new();
            while let Some(result) = pushes.join_next().await {
                if let Ok(Some(failed)) = result {
                    unpushed.push(failed);
                }
            }
            let failed = unpushed.len() as u64;
            if !unpushed.is_empty() {
                // Not lost: stored here, and the pusher keeps trying.
                tokio::task::spawn_blocking(move || queue.enqueue(tag_uid, &unpushed))
                    .await
                    .map_err(|e| NodeError::Io(e.to_string()))??;
            }
            Ok::<(u64, u64), NodeError>((chunks, failed))
        };

        let (produced, stored) = tokio::join!(producer, storer);
        let (chunks, failed_pushes) = stored?;
        if let Some(counter) = &counter {
            counter.inc_by(chunks);
        }
        let reference = produced
            .map_err(|e| NodeError::Io(e.to_string()))?
            .map_err(NodeError::InvalidInput)?;
        if failed_pushes > 0 {
            return Err(NodeError::NotReceipted {
                failed: failed_pushes,
                total: chunks,
            });
        }
        Ok(UploadReport { reference, chunks })
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
) -> Result<UploadReport, NodeError> {
    let (feed, mut reader) = body_reader(body);
    let (fed, report) = tokio::join!(
        feed,
        pipeline.run(move |sink| split_reader_into(&mut reader, sink))
    );
    let report = report?;
    fed.map_err(NodeError::Body)?;
    Ok(report)
}

/// Retrievals in flight per download.
pub const RETRIEVE_CONCURRENCY: usize = 32;
/// How long a download keeps asking the network for one chunk of a file (past the root)
/// before it gives up and aborts the response. Every round asks every connected peer
/// (closest first, the uploader included); between rounds the download waits, so that a
/// peer that refused for bandwidth accounting is settled with meanwhile and a chunk still
/// on its way to its neighbourhood arrives.
pub const RETRIEVE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);
/// First pause between two rounds of asking for a chunk.
const RETRIEVE_PAUSE_MIN: std::time::Duration = std::time::Duration::from_millis(100);
/// Longest pause between two rounds of asking for a chunk.
const RETRIEVE_PAUSE_MAX: std::time::Duration = std::time::Duration::from_secs(2);

type Prefetch = tokio::task::JoinHandle<Option<Chunk>>;

/// A chunk source for the joiner: the local store first, then the network, asked again
/// until [`RETRIEVE_DEADLINE`]. Runs on a blocking thread and waits for retrievals on the
/// runtime. When it hands out an
/// intermediate chunk it starts retrieving all of its children at once (at most
/// [`RETRIEVE_CONCURRENCY`] in flight), so a download is not one round trip per chunk.
pub struct NetworkSource {
    deadline: std::time::Duration,
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
            deadline: RETRIEVE_DEADLINE,
            store,
            network,
            runtime,
            prefetched: Mutex::new(HashMap::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(RETRIEVE_CONCURRENCY)),
        }
    }

    /// The same source asking each peer round once: a chunk nobody has now is missing at
    /// once. For questions about the present (`GET /stewardship`), not for downloads.
    pub fn asking_once(mut self) -> Self {
        self.deadline = std::time::Duration::ZERO;
        self
    }

    fn retrieve(&self, address: B256) -> Prefetch {
        let wait = self.deadline;
        let store = Arc::clone(&self.store);
        let network = self.network.clone();
        let permits = Arc::clone(&self.permits);
        self.runtime.spawn(async move {
            let _permit = permits.acquire_owned().await.ok()?;
            let deadline = tokio::time::Instant::now() + wait;
            let mut pause = RETRIEVE_PAUSE_MIN;
            loop {
                match network.retrieve(address).await {
                    Ok((chunk, stamp)) => {
                        // Cached only with its stamp (a Bee peer sends none).
                        if let Some(stamp) = stamp {
                            LocalStore::cache(store.as_ref(), chunk.clone(), stamp);
                        }
                        return Some(chunk);
                    }
                    Err(error) => {
                        // With no peer at all there is no one to wait for.
                        if tokio::time::Instant::now() + pause >= deadline
                            || network.peers().is_empty()
                        {
                            tracing::debug!(%address, %error, "chunk not found, giving up");
                            return None;
                        }
                        tracing::debug!(%address, %error, "chunk not found yet, asking again");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(RETRIEVE_PAUSE_MAX);
                    }
                }
            }
        })
    }

    /// Starts retrieving the children of an intermediate chunk that are not local.
    fn prefetch_children(&self, chunk: &Chunk) {
        let children = comb_filetree::child_references(chunk);
        if children.is_empty() {
            return;
        }
        let Ok(mut prefetched) = self.prefetched.lock() else {
            return;
        };
        for child in children {
            if !prefetched.contains_key(&child) && !self.store.holds(&child) {
                prefetched.insert(child, self.retrieve(child));
            }
        }
    }
}

/// A download that ends (finished, failed, or its client went away) stops the retrievals it
/// started ahead.
impl Drop for NetworkSource {
    fn drop(&mut self) {
        if let Ok(mut prefetched) = self.prefetched.lock() {
            for (_, pending) in prefetched.drain() {
                pending.abort();
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
            (pending, Some((chunk, _))) => {
                if let Some(pending) = pending {
                    pending.abort();
                }
                Some(chunk)
            }
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
