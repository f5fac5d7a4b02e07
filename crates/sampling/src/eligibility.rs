//! Which reserve chunks may enter a sample (spec §6.1), applied one chunk at a time.
//!
//! The store iterates its reserve bins at or above the storage radius and offers each chunk
//! to a [`SampleBuilder`]. Cheap filters run first (proximity to the anchor, batch value);
//! the transformed address is computed next; only chunks that could enter the current top 16
//! pay for the stamp's signature recovery and the chunk's own validation.

use comb_postage::{validate_stamp, BatchLookup, Stamp};
use comb_primitives::proximity::proximity;
use comb_primitives::soc::{ChunkType, SingleOwnerChunk};
use comb_primitives::{Chunk, B256, U256};

use crate::sample::{Sample, SampleItem};
use crate::transform::{transformed_address, TransformHasher};

/// The round's sampling parameters (spec §5.9, §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRules {
    /// The round anchor (`currentRoundAnchor()` at sampling time); keys the transformed BMT.
    pub anchor: Vec<u8>,
    /// `storageRadius + doubling`: chunks must share this many leading bits with the anchor.
    pub committed_depth: u8,
    /// Stamps issued after this time (ns) are skipped: the first block of the previous round.
    pub consensus_time_ns: u64,
    /// Batches worth less than this per chunk would expire before the claim and are skipped.
    pub min_batch_value: U256,
}

/// What happened to an offered chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// The chunk is not within `committed_depth` of the anchor.
    OutOfDepth,
    /// The batch is unknown or worth less than the minimum batch value.
    BatchTooCheap,
    /// The transformed address is larger than the 16 already kept.
    NotCompetitive,
    /// The stamp is newer than the consensus time.
    StampTooNew,
    /// The stamp or the chunk failed validation.
    Invalid,
    /// The chunk entered the sample.
    Accepted,
}

/// Builds one round's sample from offered reserve chunks.
#[derive(Debug, Clone)]
pub struct SampleBuilder {
    rules: SampleRules,
    anchor32: [u8; 32],
    hasher: TransformHasher,
    sample: Sample,
    bound: Option<B256>,
}

impl SampleBuilder {
    /// A builder for one round. The anchor, zero-padded to 32 bytes, is also the point the
    /// proximity filter measures from.
    pub fn new(rules: SampleRules) -> Self {
        let mut anchor32 = [0u8; 32];
        for (slot, byte) in anchor32.iter_mut().zip(rules.anchor.iter()) {
            *slot = *byte;
        }
        let hasher = TransformHasher::new(&rules.anchor);
        Self {
            rules,
            anchor32,
            hasher,
            sample: Sample::new(),
            bound: None,
        }
    }

    /// Tells the builder that no transformed address above `bound` can enter the final
    /// sample (for example, another slice of the reserve already holds 16 items at or below
    /// it): such chunks are then [`Offer::NotCompetitive`] and skip the stamp check. A chunk
    /// equal to `bound` is still considered, so the tie rule (spec §6.3) is unaffected.
    pub fn prune_above(&mut self, bound: B256) {
        if self.bound.is_none_or(|current| bound < current) {
            self.bound = Some(bound);
        }
    }

    /// Offers one stored chunk with its stamp; `kind` is the type the store validated.
    pub fn offer(
        &mut self,
        chunk: &Chunk,
        kind: ChunkType,
        stamp: &Stamp,
        batches: &impl BatchLookup,
    ) -> Offer {
        if proximity(&chunk.address().0, &self.anchor32) < self.rules.committed_depth {
            return Offer::OutOfDepth;
        }
        match batches.batch(&stamp.batch_id) {
            Some(batch) if batch.value >= self.rules.min_batch_value => {}
            _ => return Offer::BatchTooCheap,
        }
        let Ok(transformed) = transformed_address(&self.hasher, chunk, kind) else {
            return Offer::Invalid;
        };
        if !self.sample.would_accept(&transformed)
            || self.bound.is_some_and(|bound| transformed > bound)
        {
            return Offer::NotCompetitive;
        }
        if stamp.timestamp > self.rules.consensus_time_ns {
            return Offer::StampTooNew;
        }
        if validate_stamp(stamp, chunk.address(), batches).is_err() {
            return Offer::Invalid;
        }
        let chunk_valid = match kind {
            ChunkType::Content => chunk.validate_content().is_ok(),
            ChunkType::SingleOwner => SingleOwnerChunk::from_chunk(chunk).is_ok(),
        };
        if !chunk_valid {
            return Offer::Invalid;
        }
        self.sample.insert(SampleItem {
            transformed_address: transformed,
            chunk: chunk.clone(),
            kind,
            stamp: *stamp,
        });
        Offer::Accepted
    }

    /// The sample so far.
    pub fn sample(&self) -> &Sample {
        &self.sample
    }

    /// The finished sample.
    pub fn finish(self) -> Sample {
        self.sample
    }
}
