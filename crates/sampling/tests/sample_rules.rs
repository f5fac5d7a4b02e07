//! The sample's ordering and tie rule (spec §6.3) and the eligibility filters (§6.1).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use comb_postage::{bucket_of, Batch, Stamp, StampIndex};
use comb_primitives::proximity::proximity;
use comb_primitives::soc::{ChunkType, SingleOwnerChunk};
use comb_primitives::{Chunk, Signer, B256, U256};
use comb_sampling::{Offer, Sample, SampleBuilder, SampleItem, SampleRules, SAMPLE_SIZE};
use proptest::prelude::*;

fn owner() -> Signer {
    Signer::from_bytes(&[7; 32]).unwrap()
}

fn batch(id: u8, value: u64) -> Batch {
    Batch {
        id: B256::repeat_byte(id),
        owner: owner().address(),
        depth: 20,
        bucket_depth: 16,
        immutable: false,
        value: U256::from(value),
        start_block: 0,
    }
}

fn stamp_for(chunk: &Chunk, batch_id: u8, position: u32, timestamp: u64) -> Stamp {
    let index = StampIndex {
        bucket: bucket_of(chunk.address(), 16),
        position,
    };
    Stamp::sign(
        &owner(),
        chunk.address(),
        B256::repeat_byte(batch_id),
        index,
        timestamp,
    )
    .unwrap()
}

fn item(transformed: u8, chunk: Chunk, kind: ChunkType) -> SampleItem {
    let stamp = stamp_for(&chunk, 1, 0, 0);
    SampleItem {
        transformed_address: B256::repeat_byte(transformed),
        chunk,
        kind,
        stamp,
    }
}

fn cac(n: u32) -> Chunk {
    Chunk::content(&n.to_le_bytes()).unwrap()
}

#[test]
fn keeps_the_sixteen_smallest_in_order() {
    let mut sample = Sample::new();
    for n in (0..40u8).rev() {
        sample.insert(item(
            n.wrapping_mul(37),
            cac(u32::from(n)),
            ChunkType::Content,
        ));
    }
    let kept: Vec<u8> = sample
        .items()
        .iter()
        .map(|i| i.transformed_address[0])
        .collect();
    let mut expected: Vec<u8> = (0..40u8).map(|n| n.wrapping_mul(37)).collect();
    expected.sort_unstable();
    expected.truncate(SAMPLE_SIZE);
    assert_eq!(kept, expected);
}

#[test]
fn an_equal_transformed_address_prefers_the_cac() {
    let soc = SingleOwnerChunk::sign(&owner(), B256::ZERO, cac(1))
        .unwrap()
        .to_chunk();
    let plain = cac(2);

    // SOC first, then a CAC with the same transformed address: the CAC replaces it.
    let mut sample = Sample::new();
    sample.insert(item(5, soc.clone(), ChunkType::SingleOwner));
    sample.insert(item(5, plain.clone(), ChunkType::Content));
    assert_eq!(sample.items().len(), 1);
    assert_eq!(sample.items()[0].chunk, plain);

    // CAC first, then a SOC: the CAC stays.
    let mut sample = Sample::new();
    sample.insert(item(5, plain.clone(), ChunkType::Content));
    sample.insert(item(5, soc, ChunkType::SingleOwner));
    assert_eq!(sample.items()[0].chunk, plain);
}

#[test]
fn a_full_sample_rejects_larger_items() {
    let mut sample = Sample::new();
    for n in 0..16u8 {
        sample.insert(item(n, cac(u32::from(n)), ChunkType::Content));
    }
    assert!(sample.would_accept(&B256::repeat_byte(15)));
    assert!(!sample.would_accept(&B256::repeat_byte(16)));
    sample.insert(item(200, cac(99), ChunkType::Content));
    assert_eq!(sample.items().len(), 16);
    assert_eq!(
        sample.items()[15].transformed_address,
        B256::repeat_byte(15)
    );
}

fn rules(min_value: u64, consensus: u64, depth: u8) -> SampleRules {
    SampleRules {
        anchor: vec![0u8; 32],
        committed_depth: depth,
        consensus_time_ns: consensus,
        min_batch_value: U256::from(min_value),
    }
}

#[test]
fn eligibility_filters_each_have_their_reason() {
    let batches = HashMap::from([
        (B256::repeat_byte(1), batch(1, 100)),
        (B256::repeat_byte(2), batch(2, 10)),
    ]);
    let chunk = cac(3);
    let good = stamp_for(&chunk, 1, 0, 50);

    let mut builder = SampleBuilder::new(rules(50, 100, 0));
    assert_eq!(
        builder.offer(&chunk, ChunkType::Content, &good, &batches),
        Offer::Accepted
    );

    // Too far from the anchor: find the chunk's proximity to the zero anchor and ask for more.
    let po = proximity(&chunk.address().0, &[0u8; 32]);
    let mut far = SampleBuilder::new(rules(50, 100, po + 1));
    assert_eq!(
        far.offer(&chunk, ChunkType::Content, &good, &batches),
        Offer::OutOfDepth
    );

    let mut builder = SampleBuilder::new(rules(50, 100, 0));
    let cheap = stamp_for(&chunk, 2, 0, 50);
    assert_eq!(
        builder.offer(&chunk, ChunkType::Content, &cheap, &batches),
        Offer::BatchTooCheap
    );
    let unknown = stamp_for(&chunk, 3, 0, 50);
    assert_eq!(
        builder.offer(&chunk, ChunkType::Content, &unknown, &batches),
        Offer::BatchTooCheap
    );
    let too_new = stamp_for(&chunk, 1, 0, 101);
    assert_eq!(
        builder.offer(&chunk, ChunkType::Content, &too_new, &batches),
        Offer::StampTooNew
    );
    let outside = stamp_for(&chunk, 1, 16, 50);
    assert_eq!(
        builder.offer(&chunk, ChunkType::Content, &outside, &batches),
        Offer::Invalid
    );
    // Corrupt data under a valid stamp: the stored chunk no longer hashes to its address.
    let mut data = chunk.data().to_vec();
    data[8] ^= 0xff;
    let corrupt = Chunk::new_unchecked(*chunk.address(), data);
    assert_eq!(
        builder.offer(&corrupt, ChunkType::Content, &good, &batches),
        Offer::Invalid
    );
    assert!(builder.sample().items().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Whatever the order chunks are offered in, the sample is the 16 smallest transformed
    /// addresses, ascending, and so is the commitment.
    #[test]
    fn sample_is_independent_of_offer_order(seed in any::<u64>(), count in 0usize..40) {
        let batches = HashMap::from([(B256::repeat_byte(1), batch(1, 100))]);
        let chunks: Vec<(Chunk, Stamp)> = (0..count as u32)
            .map(|n| {
                let chunk = cac(n.wrapping_mul(2_654_435_761).wrapping_add(seed as u32));
                let stamp = stamp_for(&chunk, 1, 0, 1);
                (chunk, stamp)
            })
            .collect();
        let build = |order: &mut dyn Iterator<Item = &(Chunk, Stamp)>| {
            let mut builder = SampleBuilder::new(rules(0, 10, 0));
            for (chunk, stamp) in order {
                builder.offer(chunk, ChunkType::Content, stamp, &batches);
            }
            builder.finish()
        };
        let forward = build(&mut chunks.iter());
        let backward = build(&mut chunks.iter().rev());
        prop_assert_eq!(forward.reserve_commitment().unwrap(), backward.reserve_commitment().unwrap());
        prop_assert_eq!(forward.items().len(), count.min(16));
        let addresses: Vec<B256> = forward.items().iter().map(|i| i.transformed_address).collect();
        let mut sorted = addresses.clone();
        sorted.sort_unstable();
        prop_assert_eq!(addresses, sorted);
    }
}

#[test]
fn prune_above_skips_larger_transformed_addresses_but_not_equal_ones() {
    use comb_sampling::{transformed_address, TransformHasher};
    let batches: HashMap<B256, Batch> = [(B256::repeat_byte(1), batch(1, 1_000))].into();
    let rules = rules(1, u64::MAX, 0);
    let hasher = TransformHasher::new(&rules.anchor);
    let mut chunks: Vec<(B256, Chunk)> = (0..6u32)
        .map(|n| {
            let chunk = cac(n);
            (
                transformed_address(&hasher, &chunk, ChunkType::Content).unwrap(),
                chunk,
            )
        })
        .collect();
    chunks.sort_by_key(|(transformed, _)| *transformed);
    let bound = chunks[2].0;
    let mut builder = SampleBuilder::new(rules);
    builder.prune_above(bound);
    // A looser bound later does not widen it.
    builder.prune_above(chunks[4].0);
    for (i, (_, chunk)) in chunks.iter().enumerate() {
        let stamp = stamp_for(chunk, 1, i as u32, 5);
        let offer = builder.offer(chunk, ChunkType::Content, &stamp, &batches);
        let expected = if i <= 2 {
            Offer::Accepted
        } else {
            Offer::NotCompetitive
        };
        assert_eq!(offer, expected, "chunk {i}");
    }
    assert_eq!(builder.sample().items().len(), 3);
}
