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
//! comb's choices where Bee differs or is not established: the server answers at once with
//! what it has (an empty offer when nothing is new) instead of waiting for new chunks;
//! intervals live in memory (a restart re-offers everything, `has` filters it); a chunk the
//! server lost after offering it is sent as an empty `Delivery`, which the puller skips;
//! "lacks" means `has(address)` is false, whatever the batch.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use comb_primitives::{B256, MAX_BINS};
use libp2p::swarm::Stream;

use crate::bitvector;
use crate::node::Node;
use crate::protocols::{PULLSYNC, PULLSYNC_CURSORS};
use crate::pushsync::penalize_if_misbehaved;
use crate::validation;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Chunks per offer (Bee `DefaultMaxPage`).
pub const MAX_PAGE: usize = 250;
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
}

impl SyncStats {
    fn record(&self, peers: u64, chunks: u64, failures: u64) {
        self.last_round_peers.store(peers, Ordering::SeqCst);
        self.last_round_chunks.store(chunks, Ordering::SeqCst);
        self.last_round_failures.store(failures, Ordering::SeqCst);
        self.rounds.fetch_add(1, Ordering::SeqCst);
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

/// The puller: runs until shutdown.
pub(crate) async fn run(node: Arc<Node>) {
    let Some(interval) = node.config.pullsync_interval else {
        return;
    };
    if !node.config.full_node {
        return;
    }
    let mut shutdown = node.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = node.pull_trigger.notified() => {}
            _ = shutdown.changed() => return,
        }
        if node.is_shut_down() {
            return;
        }
        sync_round(&node).await;
    }
}

/// Syncs once from every neighbourhood peer.
pub(crate) async fn sync_round(node: &Arc<Node>) {
    let depth = node.depth();
    let peers = node.state().topology.neighbours(depth);
    let peer_count = peers.len() as u64;
    let syncs = peers.into_iter().map(|peer| {
        let node = Arc::clone(node);
        async move {
            match sync_peer(&node, peer, depth).await {
                Ok(stored) => Ok(stored),
                Err(error) => {
                    tracing::debug!(%peer, %error, "pullsync failed");
                    penalize_if_misbehaved(&node, &peer, &error);
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
    node.sync_stats.record(peer_count, stored, failures);
}

/// Syncs every bin from `depth` up from `peer`; returns how many new chunks it stored.
async fn sync_peer(node: &Arc<Node>, peer: B256, depth: u8) -> Result<u64, NetError> {
    let mut stored = 0u64;
    let (cursors, epoch) = get_cursors(node, &peer).await?;
    {
        let mut state = node.state();
        if state.epochs.insert(peer, epoch) != Some(epoch) {
            state.intervals.retain(|(p, _), _| *p != peer);
        }
    }
    for bin in depth..MAX_BINS as u8 {
        let cursor = cursors.get(usize::from(bin)).copied().unwrap_or(0);
        for _ in 0..MAX_PAGES_PER_ROUND {
            let start = node
                .state()
                .intervals
                .get(&(peer, bin))
                .copied()
                .unwrap_or(1)
                .max(1);
            if start > cursor {
                break;
            }
            match sync_range(node, &peer, bin, start).await? {
                Some((topmost, new)) => {
                    stored = stored.saturating_add(new);
                    node.state()
                        .intervals
                        .insert((peer, bin), topmost.saturating_add(1));
                }
                None => break,
            }
        }
    }
    Ok(stored)
}

async fn get_cursors(node: &Node, peer: &B256) -> Result<(Vec<u64>, u64), NetError> {
    let mut stream = node.open(peer, PULLSYNC_CURSORS).await?;
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
async fn sync_range(
    node: &Node,
    peer: &B256,
    bin: u8,
    start: u64,
) -> Result<Option<(u64, u64)>, NetError> {
    let mut stream = node.open(peer, PULLSYNC).await?;
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
        let want = !node.store.has(&address);
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
    let mut stored = 0u64;
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
        let stamp = validation::valid_stamp(node.validator.as_ref(), &chunk, &delivery.stamp)?;
        // A durable write waits for disk: keep it off the async workers.
        crate::storage::off_runtime(|| node.store.put(chunk, stamp)).map_err(NetError::Store)?;
        stored = stored.saturating_add(1);
    }
    let _ = stream.close().await;
    Ok(Some((offer.topmost, stored)))
}

/// Serves the cursors.
pub(crate) async fn handle_cursors(
    node: &Arc<Node>,
    mut stream: MessageStream<Stream>,
) -> Result<(), NetError> {
    let _syn: pb::PullSyn = stream.recv().await?;
    stream
        .send(&pb::PullAck {
            cursors: node.store.cursors(),
            epoch: node.store.epoch(),
        })
        .await?;
    let _ = stream.close().await;
    Ok(())
}

/// Serves one range.
pub(crate) async fn handle_range(
    node: &Arc<Node>,
    mut stream: MessageStream<Stream>,
) -> Result<(), NetError> {
    let get: pb::Get = stream.recv().await?;
    let bin = u8::try_from(get.bin)
        .ok()
        .filter(|bin| usize::from(*bin) < MAX_BINS)
        .ok_or_else(|| NetError::Malformed(format!("bin {}", get.bin)))?;
    let items = node.store.pull(bin, get.start.max(1), MAX_PAGE);
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
    if items.is_empty() {
        let _ = stream.close().await;
        return Ok(());
    }
    let want: pb::Want = stream.recv().await?;
    let wanted = bitvector::decode(&want.bit_vector, items.len())
        .ok_or_else(|| NetError::Malformed("bit vector too short".into()))?;
    for (item, _) in items.iter().zip(wanted).filter(|(_, wanted)| *wanted) {
        let delivery = match node.store.get(&item.address) {
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
