//! Pullsync (`/swarm/pullsync/1.4.0/cursors` and `…/pullsync`): nodes of a neighbourhood
//! copy each other's reserves.
//!
//! Every `pullsync_interval`, and when a peer connects, a full node takes its storage depth
//! `d` and, for each connected peer at proximity `≥ d`, asks for the peer's cursors
//! (`Syn` → `Ack{Cursors, Epoch}`: the last bin id of each bin). Chunks the node must hold
//! (`PO(self, chunk) ≥ d`) sit in the peer's bins `≥ d` (the peer is itself at proximity
//! `≥ d`), so for each such bin with new entries it asks `Get{Bin, Start}`, receives
//! `Offer{Topmost, Chunks[{Address, BatchID, StampHash}]}` (at most 250), answers
//! `Want{BitVector}` for the addresses it lacks, and reads one `Delivery{Address, Data,
//! Stamp}` per wanted chunk, in offer order. Each delivery must be wanted, a valid chunk
//! and carry a valid stamp, or the peer is penalised and the range abandoned; valid chunks
//! go into the reserve. The next `Start` of that (peer, bin) is `Topmost + 1`.
//!
//! **Server timing, as Bee's** (`pullsync.go` `collectAddrs`, audit Y-6): a `Get` beyond
//! the bin's last entry is held until a chunk with bin id `≥ Start` enters the reserve (Bee's
//! live puller asks for `cursor + 1` and expects exactly that; an empty answer would make it
//! loop without pause); from the first such chunk the offer keeps collecting until it holds
//! [`MAX_PAGE`] chunks or [`PAGE_TIMEOUT`] passed without a new one. The wait ends early when
//! the peer ends or resets the stream, or the node shuts down. comb's one difference: a `Get`
//! for entries that already exist is answered at once with them (Bee also waits its page
//! timeout after the last of them); the puller sees the same offers, sooner.
//!
//! **Client:** comb's puller asks only for `Start ≤ cursor`. A bin that times out (a Bee
//! server holds a `Get` whose range was evicted after the cursors were taken, audit Y-7) is
//! "nothing now": the puller moves on to the next bin instead of abandoning the peer.
//!
//! Other choices: intervals live in memory (a restart re-offers everything, `has` filters
//! it); a chunk the server lost after offering it is sent as an empty `Delivery`, which the
//! puller skips (as Bee's); "lacks" means `has(address)` is false, whatever the batch.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use comb_primitives::{B256, MAX_BINS};
use futures::io::{AsyncRead, AsyncWrite};
use tokio::sync::{watch, Notify};

use crate::bitvector;
use crate::peers::{PeerEvent, PeerManager};
use crate::protocols::{PULLSYNC, PULLSYNC_CURSORS};
use crate::storage::{LocalStore, StampValidator};
use crate::validation;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Chunks per offer (Bee `DefaultMaxPage`).
pub const MAX_PAGE: usize = 250;
/// How long a held offer keeps collecting after its last new chunk (Bee `pageTimeout`).
pub const PAGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// How often a held `Get` looks at the pull index when the store gives no update signal
/// ([`crate::LocalStore::reserve_updates`]).
pub const PULL_POLL: std::time::Duration = std::time::Duration::from_millis(500);
/// Offers fetched per (peer, bin) in one round, so one bin cannot starve the others.
const MAX_PAGES_PER_ROUND: usize = 16;
/// The most cursors a peer may send.
const MAX_CURSORS: usize = 256;

/// What the last complete pullsync round did: Bee's "sync rate" as counts. A round that
/// stored no new chunk and failed with no peer means the reserve has caught up with the
/// neighbourhood (the storage-incentive agent's "synced" rail, spec `storage-incentives.md`
/// §5.9).
#[derive(Debug, Default)]
pub(crate) struct SyncStats {
    rounds: AtomicU64,
    last_round_chunks: AtomicU64,
    last_round_failures: AtomicU64,
    last_round_peers: AtomicU64,
    last_round_micros: AtomicU64,
}

impl SyncStats {
    fn record(&self, peers: u64, chunks: u64, failures: u64, took: std::time::Duration) {
        self.last_round_micros.store(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
        self.last_round_peers.store(peers, Ordering::SeqCst);
        self.last_round_chunks.store(chunks, Ordering::SeqCst);
        self.last_round_failures.store(failures, Ordering::SeqCst);
        self.rounds.fetch_add(1, Ordering::SeqCst);
    }

    /// Chunks per second the last round stored (Bee's "pullsync rate" in status
    /// snapshots); 0 before the first round.
    pub(crate) fn rate(&self) -> f64 {
        let micros = self.last_round_micros.load(Ordering::SeqCst);
        if micros == 0 {
            return 0.0;
        }
        self.last_round_chunks.load(Ordering::SeqCst) as f64 * 1e6 / micros as f64
    }

    /// A snapshot for the node.
    pub(crate) fn status(&self) -> SyncStatus {
        SyncStatus {
            rounds: self.rounds.load(Ordering::SeqCst),
            last_round_peers: self.last_round_peers.load(Ordering::SeqCst),
            last_round_chunks: self.last_round_chunks.load(Ordering::SeqCst),
            last_round_failures: self.last_round_failures.load(Ordering::SeqCst),
        }
    }
}

/// The pullsync progress of a node: how many rounds ran, and what the last one did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// Complete pullsync rounds since start.
    pub rounds: u64,
    /// Neighbourhood peers the last round pulled from.
    pub last_round_peers: u64,
    /// New chunks the last round stored.
    pub last_round_chunks: u64,
    /// Peers the last round failed to sync with.
    pub last_round_failures: u64,
}

impl SyncStatus {
    /// Whether the reserve has caught up: a round ran with at least one peer, stored
    /// nothing new and failed with no peer (Bee: sync rate 0).
    pub fn caught_up(&self) -> bool {
        self.rounds > 0
            && self.last_round_peers > 0
            && self.last_round_chunks == 0
            && self.last_round_failures == 0
    }
}

/// Where the puller is with each peer.
#[derive(Default)]
struct Cursors {
    /// The next bin id to ask each (peer, bin) for.
    intervals: HashMap<(B256, u8), u64>,
    /// Each peer's reserve epoch as last seen.
    epochs: HashMap<B256, u64>,
}

/// The client side of pullsync: what it uses (peers, store, validator) and what it keeps
/// (cursors per peer and bin, the round statistics, the trigger).
pub(crate) struct Puller {
    peers: Arc<PeerManager>,
    store: Arc<dyn LocalStore>,
    validator: Arc<dyn StampValidator>,
    cursors: Mutex<Cursors>,
    stats: SyncStats,
    trigger: Notify,
}

impl Puller {
    /// A puller over `peers` storing into `store`.
    pub fn new(
        peers: Arc<PeerManager>,
        store: Arc<dyn LocalStore>,
        validator: Arc<dyn StampValidator>,
    ) -> Self {
        Self {
            peers,
            store,
            validator,
            cursors: Mutex::new(Cursors::default()),
            stats: SyncStats::default(),
            trigger: Notify::new(),
        }
    }

    fn cursors(&self) -> MutexGuard<'_, Cursors> {
        self.cursors.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a round now instead of at the next interval.
    pub fn trigger(&self) {
        self.trigger.notify_one();
    }

    /// What the rounds so far did.
    pub fn status(&self) -> SyncStatus {
        self.stats.status()
    }

    /// Chunks per second the last round stored.
    pub fn rate(&self) -> f64 {
        self.stats.rate()
    }

    fn depth(&self) -> u8 {
        self.peers.depth_within(self.store.storage_radius())
    }
}

/// The puller: a round every `interval`, at every trigger and whenever a peer connects,
/// until shutdown. `None` or a light node: never (the node still serves pullsync).
pub(crate) async fn run(
    puller: Arc<Puller>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<PeerEvent>,
    interval: Option<Duration>,
    full_node: bool,
) {
    let Some(interval) = interval else {
        return;
    };
    if !full_node {
        return;
    }
    let mut shutdown = puller.peers.shutdown_signal();
    // One ticker for the whole run: disconnections in between do not push a round back.
    let mut rounds = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    rounds.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = rounds.tick() => {}
            _ = puller.trigger.notified() => {}
            event = events.recv() => match event {
                Some(PeerEvent::Connected(_)) => {}
                Some(PeerEvent::Disconnected { .. }) => continue,
                None => return,
            },
            _ = shutdown.changed() => return,
        }
        if puller.peers.is_shut_down() {
            return;
        }
        sync_round(&puller).await;
        // The next round waits a whole interval after this one ended.
        rounds.reset();
    }
}

/// Syncs once from every neighbourhood peer.
pub(crate) async fn sync_round(puller: &Arc<Puller>) {
    let started = std::time::Instant::now();
    let depth = puller.depth();
    let peers = puller.peers.state().topology.neighbours(depth);
    let peer_count = peers.len() as u64;
    let syncs = peers.into_iter().map(|peer| {
        let puller = Arc::clone(puller);
        async move {
            match sync_peer(&puller, peer, depth).await {
                Ok(stored) => Ok(stored),
                Err(error) => {
                    tracing::debug!(%peer, %error, "pullsync failed");
                    puller.peers.penalize_if_misbehaved(&peer, &error);
                    Err(())
                }
            }
        }
    });
    let results = futures::future::join_all(syncs).await;
    let stored = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .fold(0u64, |sum, n| sum.saturating_add(*n));
    let failures = results.iter().filter(|r| r.is_err()).count() as u64;
    puller
        .stats
        .record(peer_count, stored, failures, started.elapsed());
}

/// Syncs every bin from `depth` up from `peer`; returns how many new chunks it stored.
async fn sync_peer(puller: &Puller, peer: B256, depth: u8) -> Result<u64, NetError> {
    let mut stored = 0u64;
    let (cursors, epoch) = {
        let mut stream = puller.peers.open(&peer, PULLSYNC_CURSORS).await?;
        get_cursors(&mut stream).await?
    };
    {
        let mut state = puller.cursors();
        if state.epochs.insert(peer, epoch) != Some(epoch) {
            state.intervals.retain(|(p, _), _| *p != peer);
        }
    }
    for bin in depth..MAX_BINS as u8 {
        let cursor = cursors.get(usize::from(bin)).copied().unwrap_or(0);
        for _ in 0..MAX_PAGES_PER_ROUND {
            let start = puller
                .cursors()
                .intervals
                .get(&(peer, bin))
                .copied()
                .unwrap_or(1)
                .max(1);
            if start > cursor {
                break;
            }
            let synced = async {
                let mut stream = puller.peers.open(&peer, PULLSYNC).await?;
                sync_range(
                    &mut stream,
                    puller.store.as_ref(),
                    puller.validator.as_ref(),
                    bin,
                    start,
                )
                .await
            };
            match synced.await {
                Ok(Some((topmost, new))) => {
                    stored = stored.saturating_add(new);
                    puller
                        .cursors()
                        .intervals
                        .insert((peer, bin), topmost.saturating_add(1));
                }
                Ok(None) => break,
                // Held by the server (its range went since the cursors were taken): nothing
                // from this bin now; the other bins still sync.
                Err(NetError::Timeout(what)) => {
                    tracing::debug!(%peer, bin, what, "pullsync: no offer in time");
                    break;
                }
                Err(error) => return Err(error),
            }
        }
    }
    Ok(stored)
}

/// The cursors client over any stream (headers already exchanged): the peer's cursor per
/// bin and its reserve epoch.
pub(crate) async fn get_cursors<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
) -> Result<(Vec<u64>, u64), NetError> {
    stream.send(&pb::PullSyn {}).await?;
    let ack: pb::PullAck = stream.recv().await?;
    let _ = stream.close().await;
    if ack.cursors.len() > MAX_CURSORS {
        return Err(NetError::Malformed(format!(
            "{} cursors",
            ack.cursors.len()
        )));
    }
    Ok((ack.cursors, ack.epoch))
}

/// Syncs one offer of `bin` from `start`; returns the offer's topmost bin id and how many
/// new chunks it stored, or `None` for an empty offer.
/// The range client over any stream (headers already exchanged); chunks it wants are
/// checked (address, content, stamp) and stored into `store`.
pub(crate) async fn sync_range<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
    store: &dyn LocalStore,
    validator: &dyn StampValidator,
    bin: u8,
    start: u64,
) -> Result<Option<(u64, u64)>, NetError> {
    stream
        .send(&pb::Get {
            bin: i32::from(bin),
            start,
        })
        .await?;
    let offer: pb::Offer = stream.recv().await?;
    if offer.chunks.is_empty() {
        let _ = stream.close().await;
        return Ok(None);
    }
    if offer.chunks.len() > MAX_PAGE {
        return Err(NetError::Malformed(format!(
            "offer of {} chunks",
            offer.chunks.len()
        )));
    }
    if offer.topmost < start {
        return Err(NetError::Malformed(
            "offer's topmost is before the start".into(),
        ));
    }
    let mut wanted = Vec::with_capacity(offer.chunks.len());
    let mut expected = HashSet::new();
    for offered in &offer.chunks {
        let address = validation::address(&offered.address)?;
        validation::address(&offered.batch_id)?;
        let want = !store.has(&address);
        if want {
            expected.insert(address);
        }
        wanted.push(want);
    }
    stream
        .send(&pb::Want {
            bit_vector: bitvector::encode(&wanted),
        })
        .await?;
    let mut delivered = Vec::with_capacity(expected.len());
    for _ in 0..wanted.iter().filter(|w| **w).count() {
        let delivery: pb::PullDelivery = stream.recv().await?;
        if delivery.address.is_empty() {
            continue;
        }
        let address = validation::address(&delivery.address)?;
        if !expected.remove(&address) {
            return Err(NetError::Malformed("unsolicited chunk".into()));
        }
        let chunk = validation::chunk(address, delivery.data)?;
        let stamp = validation::valid_stamp(validator, &chunk, &delivery.stamp)?;
        delivered.push((chunk, stamp));
    }
    let _ = stream.close().await;
    // The whole offer in one call: a durable store commits it together. A durable write
    // waits for disk: keep it off the async workers.
    let results = crate::storage::off_runtime(|| store.put_many(delivered));
    let mut stored = 0u64;
    let mut failed = None;
    for result in results {
        match result {
            Ok(()) => stored = stored.saturating_add(1),
            Err(error) => failed = failed.or(Some(error)),
        }
    }
    // The cursor must not move past a chunk that was not stored.
    if let Some(error) = failed {
        return Err(NetError::Store(error));
    }
    Ok(Some((offer.topmost, stored)))
}

/// Waits for what a live `Get` asks for (see the module docs): the first entry of `bin`
/// from `start`, then more until the page is full or [`PAGE_TIMEOUT`] passed without a new
/// one. `None` when the peer ended the stream or the node shuts down first.
async fn hold<S>(
    store: &dyn LocalStore,
    mut shutdown: watch::Receiver<bool>,
    stream: &mut MessageStream<S>,
    bin: u8,
    start: u64,
) -> Option<Vec<crate::PullItem>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut updates = store.reserve_updates();
    if *shutdown.borrow() {
        return None;
    }
    let mut items = Vec::new();
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let more = store.pull(bin, start, MAX_PAGE);
        if more.len() > items.len() {
            items = more;
            deadline = Some(tokio::time::Instant::now() + PAGE_TIMEOUT);
        }
        if items.len() >= MAX_PAGE {
            return Some(items);
        }
        let page_over = async {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = next_update(&mut updates) => {}
            () = page_over => return Some(items),
            () = stream.peer_done() => return None,
            _ = shutdown.changed() => return None,
        }
    }
}

/// Resolves at the store's next reserve update, or after [`PULL_POLL`] without a signal.
async fn next_update(updates: &mut Option<tokio::sync::watch::Receiver<u64>>) {
    match updates {
        Some(receiver) => {
            if receiver.changed().await.is_err() {
                // The store dropped its sender: poll from now on.
                *updates = None;
            }
        }
        None => tokio::time::sleep(PULL_POLL).await,
    }
}

/// Serves the cursors.
pub(crate) async fn serve_cursors<S: AsyncRead + AsyncWrite + Unpin>(
    store: &dyn LocalStore,
    mut stream: MessageStream<S>,
) -> Result<(), NetError> {
    let _syn: pb::PullSyn = stream.recv().await?;
    stream
        .send(&pb::PullAck {
            cursors: store.cursors(),
            epoch: store.epoch(),
        })
        .await?;
    let _ = stream.close().await;
    Ok(())
}

/// Serves one range; a live `Get` is held until `shutdown` (see the module docs).
pub(crate) async fn serve_range<S>(
    store: &dyn LocalStore,
    shutdown: watch::Receiver<bool>,
    mut stream: MessageStream<S>,
) -> Result<(), NetError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let get: pb::Get = stream.recv().await?;
    let bin = u8::try_from(get.bin)
        .ok()
        .filter(|bin| usize::from(*bin) < MAX_BINS)
        .ok_or_else(|| NetError::Malformed(format!("bin {}", get.bin)))?;
    let start = get.start.max(1);
    let mut items = store.pull(bin, start, MAX_PAGE);
    if items.is_empty() {
        match hold(store, shutdown, &mut stream, bin, start).await {
            Some(held) => items = held,
            // The peer went away or the node is shutting down.
            None => return Ok(()),
        }
    }
    let offer = pb::Offer {
        topmost: items.last().map_or(0, |item| item.bin_id),
        chunks: items
            .iter()
            .map(|item| pb::OfferedChunk {
                address: item.address.to_vec(),
                batch_id: item.batch_id.to_vec(),
                stamp_hash: item.stamp_hash.to_vec(),
            })
            .collect(),
    };
    stream.send(&offer).await?;
    let want: pb::Want = stream.recv().await?;
    let wanted = bitvector::decode(&want.bit_vector, items.len())
        .ok_or_else(|| NetError::Malformed("bit vector too short".into()))?;
    for (item, _) in items.iter().zip(wanted).filter(|(_, wanted)| *wanted) {
        let delivery = match store.get(&item.address) {
            Some((chunk, stamp)) => pb::PullDelivery {
                address: item.address.to_vec(),
                data: chunk.into_data(),
                stamp: stamp.to_bytes().to_vec(),
            },
            None => pb::PullDelivery::default(),
        };
        stream.send(&delivery).await?;
    }
    let _ = stream.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The pullsync server as Bee's live puller meets it (audit Y-6), over an in-memory
    //! duplex stream. Bee's messages are encoded by hand from `pullsync.proto` (M-15, M-18)
    //! and the server's are read field by field (M-16, M-17, M-19).
    use super::*;
    use crate::node::Node;
    use crate::storage::LocalStore;
    use crate::test_support::{node, read_frame, varint, write_frame};
    use crate::MemoryStore;
    use comb_postage::Stamp;
    use comb_primitives::proximity::proximity;
    use comb_primitives::Chunk;
    use std::time::Duration;
    use tokio::io::DuplexStream;
    use tokio_util::compat::TokioAsyncReadCompatExt;

    fn stamped(n: u64) -> (Chunk, Stamp) {
        crate::test_support::stamped_chunk("pulled chunk", n)
    }

    /// Bee's `Get{int32 Bin = 1; uint64 Start = 2}`.
    fn bee_get(bin: u8, start: u8) -> Vec<u8> {
        vec![0x08, bin, 0x10, start]
    }

    fn serve(node: &Arc<Node>) -> (tokio::task::JoinHandle<Result<(), NetError>>, DuplexStream) {
        let (server, client) = tokio::io::duplex(64 * 1024);
        let node = Arc::clone(node);
        let task = tokio::spawn(async move {
            let stream = MessageStream::new(server.compat(), Duration::from_secs(5));
            serve_range(node.store.as_ref(), node.peers.shutdown_signal(), stream).await
        });
        (task, client)
    }

    async fn settle() {
        for _ in 0..200 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_live_get_is_held_until_a_chunk_arrives_then_offered_and_delivered() {
        let store = Arc::new(MemoryStore::new(B256::ZERO));
        let node = node(Arc::clone(&store));
        let (chunk, stamp) = stamped(1);
        let bin = proximity(&B256::ZERO.0, &chunk.address().0);
        let (task, mut bee) = serve(&node);
        write_frame(&mut bee, &bee_get(bin, 1)).await;
        settle().await;
        assert!(!task.is_finished(), "an empty bin must not be answered");
        store.put(chunk.clone(), stamp).unwrap();
        // Offer{uint64 Topmost = 1; repeated Chunk Chunks = 2}, Chunk{Address = 1,
        // BatchID = 2, StampHash = 3}.
        let offer = read_frame(&mut bee).await;
        let mut expected = vec![0x08, 1, 0x12, 3 * (2 + 32), 0x0a, 32];
        expected.extend_from_slice(chunk.address().as_slice());
        expected.extend_from_slice(&[0x12, 32]);
        expected.extend_from_slice(stamp.batch_id.as_slice());
        expected.extend_from_slice(&[0x1a, 32]);
        expected.extend_from_slice(stamp.hash().as_slice());
        assert_eq!(offer, expected);
        // Want{bytes BitVector = 1}: Bee's n/8+1 bytes, bit 0 set.
        write_frame(&mut bee, &[0x0a, 1, 0x01]).await;
        // Delivery{Address = 1, Data = 2, Stamp = 3}.
        let delivery = read_frame(&mut bee).await;
        let mut expected = vec![0x0a, 32];
        expected.extend_from_slice(chunk.address().as_slice());
        expected.push(0x12);
        varint(chunk.data().len() as u64, &mut expected);
        expected.extend_from_slice(chunk.data());
        expected.extend_from_slice(&[0x1a, 113]);
        expected.extend_from_slice(&stamp.to_bytes());
        assert_eq!(delivery, expected);
        task.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn an_existing_range_is_offered_at_once_and_a_held_get_ends_with_its_peer() {
        let store = Arc::new(MemoryStore::new(B256::ZERO));
        let node = node(Arc::clone(&store));
        let (chunk, stamp) = stamped(2);
        let bin = proximity(&B256::ZERO.0, &chunk.address().0);
        store.put(chunk.clone(), stamp).unwrap();
        let (task, mut bee) = serve(&node);
        write_frame(&mut bee, &bee_get(bin, 1)).await;
        let offer = read_frame(&mut bee).await;
        assert_eq!(&offer[..2], &[0x08, 1], "topmost is the chunk's bin id");
        // Nothing wanted: Bee sends an all-zero bit vector and the exchange ends.
        write_frame(&mut bee, &[0x0a, 1, 0x00]).await;
        task.await.unwrap().unwrap();

        // A Get beyond the last entry is held; when Bee goes away the handler ends.
        let (task, mut bee) = serve(&node);
        write_frame(&mut bee, &bee_get(bin, 2)).await;
        settle().await;
        assert!(!task.is_finished());
        drop(bee);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the held handler ends with its peer")
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn a_malformed_get_is_an_error_not_a_panic() {
        let store = Arc::new(MemoryStore::new(B256::ZERO));
        let node = node(store);
        // Bin 200 (field 1), beyond the 32 bins.
        let (task, mut bee) = serve(&node);
        write_frame(&mut bee, &[0x08, 0xc8, 0x01, 0x10, 1]).await;
        assert!(matches!(task.await.unwrap(), Err(NetError::Malformed(_))));
        // Garbage bytes.
        let (task, mut bee) = serve(&node);
        write_frame(&mut bee, &[0xff, 0xff, 0xff]).await;
        assert!(task.await.unwrap().is_err());
    }
}
