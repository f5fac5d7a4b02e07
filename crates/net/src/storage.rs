//! The storage boundary: what the network layer needs from the node's chunk store and
//! batch store. The node crate implements these traits over the real store; [`crate::MemoryStore`]
//! implements [`LocalStore`] in memory for tests.

use comb_postage::{validate_stamp, BatchLookup, PostageError, Stamp};
use comb_primitives::{Chunk, B256};

/// One entry of the store's pull index: a chunk in a bin, in arrival order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullItem {
    /// The chunk's position in its bin; bin ids start at 1 and only grow.
    pub bin_id: u64,
    /// The chunk's address.
    pub address: B256,
    /// The batch that stamped it.
    pub batch_id: B256,
    /// `keccak256` of the stamp's 113 bytes ([`Stamp::hash`]).
    pub stamp_hash: B256,
}

/// What the node's store and chain knowledge say for a status [`Snapshot`](crate::wire::pb::Snapshot)
/// (Bee's `pkg/status`); the network adds the peer counts, the mode and the sync rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStatus {
    /// Chunks in the reserve.
    pub reserve_size: u64,
    /// Chunks in the reserve within the storage radius.
    pub reserve_size_within_radius: u64,
    /// The storage radius.
    pub storage_radius: u8,
    /// The depth committed to in the redistribution game.
    pub committed_depth: u8,
    /// Chunks all known batches commit to (the sum of `2^depth`).
    pub batch_commitment: u64,
    /// The last block the batch store has processed.
    pub last_synced_block: u64,
}

/// The node's chunk store as the network sees it. Bins are proximity orders of chunk
/// addresses to the node's own overlay. Methods are synchronous and should be quick; they run
/// on the network's tasks.
pub trait LocalStore: Send + Sync + 'static {
    /// The chunk and its stamp, from the reserve or the cache.
    fn get(&self, address: &B256) -> Option<(Chunk, Stamp)>;

    /// Whether the reserve (or cache) holds the chunk.
    fn has(&self, address: &B256) -> bool;

    /// Puts a validated chunk into the reserve (from pushsync or pullsync).
    fn put(&self, chunk: Chunk, stamp: Stamp) -> Result<(), String>;

    /// Puts several validated chunks, one result per chunk in order. Pullsync stores an
    /// offer's deliveries with one call, so a durable store can write them in one
    /// transaction (one fsync) instead of one each. Default: [`Self::put`] per chunk.
    fn put_many(&self, items: Vec<(Chunk, Stamp)>) -> Vec<Result<(), String>> {
        items
            .into_iter()
            .map(|(chunk, stamp)| self.put(chunk, stamp))
            .collect()
    }

    /// Offers a chunk that was forwarded through this node to the cache. Default: drop it.
    fn cache(&self, _chunk: Chunk, _stamp: Stamp) {}

    /// The last bin id of each of the 32 bins (0 for an empty bin).
    fn cursors(&self) -> Vec<u64>;

    /// Up to `limit` pull-index entries of `bin` with bin id `≥ from`, in bin-id order.
    fn pull(&self, bin: u8, from: u64, limit: usize) -> Vec<PullItem>;

    /// A receiver whose value changes whenever chunks enter the reserve (the pull index
    /// grows): the pullsync server waits on it to hold a `Get` that asks beyond the bin's
    /// last entry (audit Y-6). Default `None`: the server looks again every
    /// [`crate::pullsync::PULL_POLL`].
    fn reserve_updates(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }

    /// The store's part of the status snapshot peers ask for (`/swarm/status`).
    fn status(&self) -> StoreStatus;

    /// An id that changes when the reserve is reset, so that pullers start over. Default 0.
    fn epoch(&self) -> u64 {
        0
    }

    /// The reserve's storage radius, if the store tracks one. The network's storage depth is
    /// the smaller of this and the topology's neighbourhood depth. Default: none.
    fn storage_radius(&self) -> Option<u8> {
        None
    }
}

/// Validates postage stamps of incoming pushes and syncs.
pub trait StampValidator: Send + Sync + 'static {
    /// Whether `stamp` is a valid stamp for `chunk` (for a SOC, over the SOC address).
    /// The postage error says why: an unknown batch ([`PostageError::BatchNotFound`]) is
    /// usually chain lag on our side and is refused without blaming the sender; any other
    /// failure is the sender's misbehaviour.
    fn validate(&self, chunk: &Chunk, stamp: &Stamp) -> Result<(), PostageError>;
}

/// A [`StampValidator`] over a batch store: Bee's five-step check
/// ([`comb_postage::validate_stamp`]).
#[derive(Debug, Clone, Default)]
pub struct BatchValidator<B>(pub B);

impl<B: BatchLookup + Send + Sync + 'static> StampValidator for BatchValidator<B> {
    fn validate(&self, chunk: &Chunk, stamp: &Stamp) -> Result<(), PostageError> {
        validate_stamp(stamp, chunk.address(), &self.0).map(|_| ())
    }
}

/// Runs a blocking store call (a durable write) without stalling the async workers: on a
/// multi-threaded runtime the worker hands its other tasks over while it waits; elsewhere the
/// call simply runs.
pub(crate) fn off_runtime<T>(call: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(call),
        _ => call(),
    }
}
