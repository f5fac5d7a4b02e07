//! Issuing stamps (spec §2.9, Bee `stampissuer.go` and `stamper.go`).
//!
//! [`StampIssuer`] holds a batch's bucket counters and hands out indices: the next free slot
//! of the chunk's bucket, an immutable batch's "bucket full" error, or a mutable batch's
//! wrap-around to slot 0. [`Stamper`] adds the owner's key and the per-batch item store, so
//! that stamping the same chunk again reuses its index and only refreshes the timestamp.

use std::collections::HashMap;

use comb_primitives::{Signer, B256};

use crate::batch::{bucket_upper_bound, Batch};
use crate::stamp::{bucket_of, Stamp, StampIndex};
use crate::PostageError;

/// A batch's bucket counters: how many slots of each bucket have been handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampIssuer {
    batch_id: B256,
    depth: u8,
    bucket_depth: u8,
    immutable: bool,
    buckets: Vec<u32>,
    max_bucket_count: u32,
}

impl StampIssuer {
    /// A fresh issuer for `batch` with every bucket empty.
    pub fn new(batch: &Batch) -> Result<Self, PostageError> {
        Self::from_counters(batch, None)
    }

    /// An issuer for `batch` restored from persisted counters (one per bucket); `None` starts
    /// empty. The counters must have `2^bucket_depth` entries.
    pub fn from_counters(batch: &Batch, counters: Option<Vec<u32>>) -> Result<Self, PostageError> {
        let invalid = PostageError::InvalidDepth {
            depth: batch.depth,
            bucket_depth: batch.bucket_depth,
        };
        // Positions are u32 in the stamp, so a bucket holds at most 2^32 slots.
        if batch.bucket_depth > 24 || bucket_upper_bound(batch.depth, batch.bucket_depth) == 0 {
            return Err(invalid);
        }
        if batch.depth.saturating_sub(batch.bucket_depth) > 32 {
            return Err(invalid);
        }
        let bucket_count = 1usize << batch.bucket_depth;
        let buckets = match counters {
            Some(counters) if counters.len() == bucket_count => counters,
            Some(_) => return Err(invalid),
            None => vec![0; bucket_count],
        };
        let max_bucket_count = buckets.iter().copied().max().unwrap_or(0);
        Ok(Self {
            batch_id: batch.id,
            depth: batch.depth,
            bucket_depth: batch.bucket_depth,
            immutable: batch.immutable,
            buckets,
            max_bucket_count,
        })
    }

    /// The batch this issuer stamps for.
    pub fn batch_id(&self) -> &B256 {
        &self.batch_id
    }

    /// Slots per bucket.
    pub fn bucket_upper_bound(&self) -> u64 {
        bucket_upper_bound(self.depth, self.bucket_depth)
    }

    /// The per-bucket counters, for persistence and Bee's `/stamps/{id}/buckets`.
    pub fn buckets(&self) -> &[u32] {
        &self.buckets
    }

    /// The fullest bucket's count: Bee reports it as the batch's `utilization`.
    pub fn utilization(&self) -> u32 {
        self.max_bucket_count
    }

    /// Whether any bucket is full: Bee then calls the batch "not usable" for immutable batches.
    pub fn is_full(&self) -> bool {
        u64::from(self.max_bucket_count) >= self.bucket_upper_bound()
    }

    /// After a depth increase (dilution) the buckets keep their counts but gain slots.
    pub fn set_depth(&mut self, depth: u8) {
        if depth > self.depth {
            self.depth = depth;
        }
    }

    /// Allocates the next index for a chunk with this address (spec §2.9).
    pub fn next_index(&mut self, chunk_address: &B256) -> Result<StampIndex, PostageError> {
        let bucket = bucket_of(chunk_address, self.bucket_depth);
        let upper_bound = self.bucket_upper_bound();
        let slot = self
            .buckets
            .get_mut(bucket as usize)
            .ok_or(PostageError::InvalidDepth {
                depth: self.depth,
                bucket_depth: self.bucket_depth,
            })?;
        if u64::from(*slot) >= upper_bound {
            if self.immutable {
                return Err(PostageError::BucketFull(bucket));
            }
            *slot = 0;
        }
        let position = *slot;
        *slot = slot.saturating_add(1);
        self.max_bucket_count = self.max_bucket_count.max(*slot);
        Ok(StampIndex { bucket, position })
    }
}

/// Where a stamper remembers which index each chunk got, keyed by the chunk's identity
/// address (the chunk address for a CAC, `H(socAddress || wrappedAddress)` for a SOC).
pub trait StampItemStore {
    /// The index a chunk was stamped with before, if any.
    fn get(&self, identity: &B256) -> Option<StampIndex>;
    /// Records the index a chunk was stamped with.
    fn put(&mut self, identity: B256, index: StampIndex);
}

/// An in-memory [`StampItemStore`], for tests and short-lived tools.
#[derive(Debug, Clone, Default)]
pub struct MemoryStampItems(HashMap<B256, StampIndex>);

impl StampItemStore for MemoryStampItems {
    fn get(&self, identity: &B256) -> Option<StampIndex> {
        self.0.get(identity).copied()
    }
    fn put(&mut self, identity: B256, index: StampIndex) {
        self.0.insert(identity, index);
    }
}

/// Stamps chunks for one batch: allocates or reuses the index and signs (Bee `stamper.Stamp`).
#[derive(Debug)]
pub struct Stamper<S: StampItemStore> {
    issuer: StampIssuer,
    items: S,
    signer: Signer,
}

impl<S: StampItemStore> Stamper<S> {
    /// A stamper for the issuer's batch, signing with `signer`, which must own `batch`.
    pub fn new(
        batch: &Batch,
        issuer: StampIssuer,
        items: S,
        signer: Signer,
    ) -> Result<Self, PostageError> {
        if signer.address() != batch.owner {
            return Err(PostageError::NotBatchOwner {
                signer: signer.address(),
                owner: batch.owner,
            });
        }
        Ok(Self {
            issuer,
            items,
            signer,
        })
    }

    /// Stamps the chunk at `address` with identity `identity` at `timestamp_ns`. A chunk
    /// stamped before keeps its index and only gets the new timestamp.
    pub fn stamp(
        &mut self,
        address: &B256,
        identity: &B256,
        timestamp_ns: u64,
    ) -> Result<Stamp, PostageError> {
        let index = match self.items.get(identity) {
            Some(index) => index,
            None => {
                let index = self.issuer.next_index(address)?;
                self.items.put(*identity, index);
                index
            }
        };
        Stamp::sign(
            &self.signer,
            address,
            *self.issuer.batch_id(),
            index,
            timestamp_ns,
        )
    }

    /// The bucket counters.
    pub fn issuer(&self) -> &StampIssuer {
        &self.issuer
    }
}
