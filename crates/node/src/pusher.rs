//! The pusher: drains the persistent push queue of deferred uploads (Bee's pusher over its
//! upload store).
//!
//! A deferred upload (`swarm-deferred-upload: true`, Bee's default) answers once every chunk
//! is stamped, stored here and written to the [`PushQueue`]; this task then pushes the
//! queued chunks, at most [`PUSH_CONCURRENCY`] at a time ([`PUSH_CONCURRENCY_DURING_UPLOADS`]
//! while a deferred upload is still being stored), oldest first. A chunk leaves the
//! queue only when a valid receipt came back, and its upload's tag counts it `sent` and
//! `synced` then. A push that fails stays queued and is tried again on the next pass, after a
//! pause that grows from [`RETRY_MIN`] to [`RETRY_MAX`] while nothing gets through. Since the
//! queue is on disk, a node that crashed or restarted pushes what was left.
//!
//! Tags live in memory ([`crate::tags`]): after a restart the queue is still drained, but no
//! tag counts the chunks of uploads from before it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use comb_postage::Stamp;
use comb_primitives::Chunk;
use comb_store::{PreparedStamps, PushQueue, QueuedPush, StoreError};
use futures_util::StreamExt;
use tokio::sync::{watch, Notify};

use crate::node::Node;
use crate::tags::Tag;

/// Pushes in flight at once.
pub const PUSH_CONCURRENCY: usize = 256;
/// Pushes in flight at once while a deferred upload is still being stored: uploads come
/// first, so that the client's answer is not slowed by the pushes of what it already sent
/// (every push costs the node and its peers key recoveries, signatures and durable writes,
/// and the queue's removals wait for the one writer the upload's commits hold). One push at
/// a time keeps the queue moving; it catches up at full speed once the uploads are in.
/// Measured on the 4-node devnet bench (256 MiB deferred, windows of 512): 8 in flight
/// 24–27 MB/s; 1 in flight (windows of 4) 42–46 MB/s.
pub const PUSH_CONCURRENCY_DURING_UPLOADS: usize = 1;
/// Queue entries read per pass.
const WINDOW: usize = 512;
/// First pause after a pass in which pushes failed.
pub const RETRY_MIN: Duration = Duration::from_millis(200);
/// Longest pause between passes while pushes keep failing.
pub const RETRY_MAX: Duration = Duration::from_secs(5);
/// How often an idle pusher looks at the queue without being woken.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// The handle uploads use to queue chunks and wake the pusher.
#[derive(Debug, Clone)]
pub struct PushQueueHandle {
    queue: PushQueue,
    wake: Arc<Notify>,
    uploads: Arc<AtomicUsize>,
}

/// Marks a deferred upload as running while it lives (see
/// [`PUSH_CONCURRENCY_DURING_UPLOADS`]).
#[derive(Debug)]
pub struct UploadRunning(Arc<AtomicUsize>);

impl Drop for UploadRunning {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PushQueueHandle {
    /// A handle over the node's queue.
    pub fn new(queue: PushQueue) -> Self {
        Self {
            queue,
            wake: Arc::new(Notify::new()),
            uploads: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Counts a deferred upload as running until the returned guard is dropped.
    pub fn upload_running(&self) -> UploadRunning {
        self.uploads.fetch_add(1, Ordering::SeqCst);
        UploadRunning(Arc::clone(&self.uploads))
    }

    /// How many pushes may be in flight now.
    fn concurrency(&self) -> usize {
        if self.uploads.load(Ordering::SeqCst) > 0 {
            PUSH_CONCURRENCY_DURING_UPLOADS
        } else {
            PUSH_CONCURRENCY
        }
    }

    /// Queues stamped chunks of the upload counted by tag `tag` (0: none) durably, then
    /// wakes the pusher. Blocking: call off the async workers.
    pub fn enqueue(&self, tag: u64, stamped: &[(Chunk, Stamp)]) -> Result<(), StoreError> {
        self.enqueue_with(tag, stamped, |_| Ok(()))
    }

    /// Queues `chunks` of the upload counted by tag `tag` (0: none) with their prepared
    /// stamps, recording the stamps' indexes in the same durable transaction (the stamper
    /// must be over the queue's database, as the node's are), then wakes the pusher.
    /// Returns the stamped chunks. Blocking: call off the async workers.
    pub fn record_and_enqueue(
        &self,
        tag: u64,
        chunks: Vec<Chunk>,
        prepared: &PreparedStamps,
    ) -> Result<Vec<(Chunk, Stamp)>, StoreError> {
        let stamped: Vec<(Chunk, Stamp)> = chunks
            .into_iter()
            .zip(prepared.stamps.iter().copied())
            .collect();
        self.enqueue_with(tag, &stamped, |txn| prepared.record_in(txn))?;
        Ok(stamped)
    }

    /// Queues `stamped` after `first` wrote what belongs with it, in one durable
    /// transaction, then wakes the pusher.
    fn enqueue_with(
        &self,
        tag: u64,
        stamped: &[(Chunk, Stamp)],
        first: impl FnOnce(&comb_store::WriteTransaction) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let items: Vec<(u64, Chunk, Stamp)> = stamped
            .iter()
            .map(|(chunk, stamp)| (tag, chunk.clone(), *stamp))
            .collect();
        self.queue.push_many_with(&items, first)?;
        self.wake.notify_one();
        Ok(())
    }

    /// Chunks waiting for a receipt.
    pub fn pending(&self) -> u64 {
        self.queue.len().unwrap_or(0)
    }
}

/// Runs the pusher until `shutdown` turns true.
pub async fn run(node: Arc<Node>, mut shutdown: watch::Receiver<bool>) {
    let handle = node.push_queue.clone();
    let mut pause = RETRY_MIN;
    let mut cursor = 0u64;
    let mut failed_in_sweep = false;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let queue = handle.queue.clone();
        let concurrency = handle.concurrency();
        let window_len = WINDOW.min(concurrency.saturating_mul(4));
        let window = tokio::task::spawn_blocking(move || queue.range(cursor, window_len))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let Some(last) = window.last().map(|entry| entry.sequence) else {
            // The end of the queue: start the next sweep from its head, after a pause if
            // something failed in this one, else when woken.
            cursor = 0;
            let wait = if failed_in_sweep {
                let wait = pause;
                pause = (pause * 2).min(RETRY_MAX);
                wait
            } else {
                IDLE_POLL
            };
            failed_in_sweep = false;
            tokio::select! {
                _ = handle.wake.notified(), if wait == IDLE_POLL => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
            continue;
        };
        cursor = last.saturating_add(1);
        let results: Vec<(QueuedPush, bool)> = futures_util::stream::iter(window)
            .map(|entry| {
                let network = node.network.clone();
                async move {
                    let pushed = network.push(entry.chunk.clone(), entry.stamp).await.is_ok();
                    (entry, pushed)
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut done = Vec::new();
        let mut receipted_tags = Vec::new();
        for (entry, pushed) in results {
            if !pushed {
                failed_in_sweep = true;
                continue;
            }
            done.push(entry.sequence);
            receipted_tags.push(entry.tag);
        }
        if done.is_empty() {
            continue;
        }
        pause = RETRY_MIN;
        let queue = handle.queue.clone();
        // Out of the queue first, then counted: a tag that says `synced` never has chunks
        // of its upload still queued.
        let removed = tokio::task::spawn_blocking(move || queue.remove_many(&done)).await;
        if !matches!(removed, Ok(Ok(()))) {
            tracing::warn!(
                "push queue: could not remove receipted chunks; they will be pushed again"
            );
            continue;
        }
        for uid in receipted_tags {
            if let Some(tag) = (uid != 0).then(|| node.tags.get(uid)).flatten() {
                Tag::add(&tag.sent, 1);
                Tag::add(&tag.synced, 1);
            }
        }
    }
}
