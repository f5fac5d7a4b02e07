//! The reserve sample: the 16 smallest transformed addresses (spec §6.3) and the reserve
//! commitment hash over them (§6.4).

use comb_postage::Stamp;
use comb_primitives::soc::{ChunkType, SingleOwnerChunk};
use comb_primitives::{Chunk, B256};

use crate::{SamplingError, SAMPLE_SIZE};

/// One sampled chunk: everything a claim proof needs about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleItem {
    /// The chunk's transformed address under the round's anchor.
    pub transformed_address: B256,
    /// The chunk (a SOC's address is the SOC address).
    pub chunk: Chunk,
    /// CAC or SOC.
    pub kind: ChunkType,
    /// The stamp the chunk is stored under.
    pub stamp: Stamp,
}

/// Up to 16 items, ascending by transformed address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sample {
    items: Vec<SampleItem>,
}

impl Sample {
    /// An empty sample.
    pub fn new() -> Self {
        Self::default()
    }

    /// The items, ascending by transformed address.
    pub fn items(&self) -> &[SampleItem] {
        &self.items
    }

    /// Whether the sample has all 16 items (only then can the node claim, spec §6.4).
    pub fn is_full(&self) -> bool {
        self.items.len() >= SAMPLE_SIZE
    }

    /// Whether an item with this transformed address could enter the sample now. Stamps
    /// are validated only for such candidates (spec §6.1 step 5).
    pub fn would_accept(&self, transformed: &B256) -> bool {
        !self.is_full()
            || self
                .items
                .last()
                .is_some_and(|last| transformed <= &last.transformed_address)
    }

    /// Inserts an item by Bee's rule (spec §6.3): before the first larger item, truncating
    /// to 16; on an equal transformed address the existing item is replaced only when the
    /// new chunk does not parse as a SOC (so a CAC is preferred); appended while not full.
    pub fn insert(&mut self, item: SampleItem) {
        for (position, existing) in self.items.iter().enumerate() {
            if item.transformed_address < existing.transformed_address {
                self.items.insert(position, item);
                self.items.truncate(SAMPLE_SIZE);
                return;
            }
            if item.transformed_address == existing.transformed_address {
                if SingleOwnerChunk::parse(item.chunk.data()).is_err() {
                    if let Some(slot) = self.items.get_mut(position) {
                        *slot = item;
                    }
                }
                return;
            }
        }
        if !self.is_full() {
            self.items.push(item);
        }
    }

    /// Merges `later`, the sample of chunks offered *after* this sample's chunks, into this
    /// one. Each of `later`'s items is inserted by Bee's rule ([`Sample::insert`]), so merging
    /// the samples of consecutive slices of the reserve, in slice order, gives exactly the
    /// sample of offering the whole reserve in that order (spec §6.3): the 16 smallest are
    /// among each slice's 16 smallest, and the tie rule (the last non-SOC, else the first)
    /// composes across slices. This is what lets the sampler run slices in parallel.
    pub fn merge(&mut self, later: Sample) {
        for item in later.items {
            self.insert(item);
        }
    }

    /// The commitment content: `chunkAddress || transformedAddress` for each item in order.
    pub fn commitment_content(&self) -> Vec<u8> {
        self.items
            .iter()
            .flat_map(|item| {
                item.chunk
                    .address()
                    .iter()
                    .chain(item.transformed_address.iter())
                    .copied()
            })
            .collect()
    }

    /// The commitment chunk: the CAC over [`Sample::commitment_content`] (spec §6.4).
    pub fn commitment_chunk(&self) -> Result<Chunk, SamplingError> {
        Ok(Chunk::content(&self.commitment_content())?)
    }

    /// The reserve commitment hash: the address of [`Sample::commitment_chunk`].
    pub fn reserve_commitment(&self) -> Result<B256, SamplingError> {
        Ok(*self.commitment_chunk()?.address())
    }
}
