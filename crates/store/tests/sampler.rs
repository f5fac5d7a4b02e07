//! The sampler over a stored reserve equals SampleBuilder fed the same chunks (spec §6).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use comb_postage::{Batch, Stamp, StampIndex};
use comb_primitives::proximity::proximity;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, Signer, B256, U256};
use comb_sampling::{SampleBuilder, SampleRules};
use comb_store::{sample_reserve, DEFAULT_CAPACITY};

fn batch(n: u8, owner: &Signer) -> Batch {
    Batch {
        id: B256::repeat_byte(n),
        owner: owner.address(),
        depth: 20,
        bucket_depth: 16,
        immutable: false,
        value: U256::from(1_000u64),
        start_block: 0,
    }
}

#[test]
fn sampling_the_stored_reserve_matches_sample_builder() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = B256::repeat_byte(0x00);
    let reserve = common::reserve(dir.path(), overlay, DEFAULT_CAPACITY);
    let owner = Signer::from_bytes(&[3u8; 32]).unwrap();
    let batches: HashMap<B256, Batch> = [batch(1, &owner), batch(2, &owner)]
        .into_iter()
        .map(|b| (b.id, b))
        .collect();

    let mut stored: Vec<(Chunk, Stamp)> = Vec::new();
    for n in 0..160u64 {
        let chunk = Chunk::content(&n.to_le_bytes().repeat(16)).unwrap();
        let batch_id = B256::repeat_byte(1 + (n % 2) as u8);
        let index = StampIndex {
            bucket: comb_postage::bucket_of(chunk.address(), 16),
            position: 0,
        };
        let stamp = Stamp::sign(&owner, chunk.address(), batch_id, index, 1_000 + n).unwrap();
        stored.push((chunk, stamp));
    }
    // One chunk under a second batch as well.
    let (twice, _) = stored[0].clone();
    let index = StampIndex {
        bucket: comb_postage::bucket_of(twice.address(), 16),
        position: 1,
    };
    let second = Stamp::sign(&owner, twice.address(), B256::repeat_byte(2), index, 5).unwrap();
    stored.push((twice, second));
    for (chunk, stamp) in &stored {
        reserve.put(chunk, stamp, ChunkType::Content).unwrap();
    }

    let rules = SampleRules {
        anchor: vec![0xa5; 32],
        committed_depth: 0,
        consensus_time_ns: u64::MAX,
        min_batch_value: U256::from(1u64),
    };
    for radius in [0u8, 1, 2] {
        let sampled = sample_reserve(&reserve, &rules, radius, &batches).unwrap();
        let mut direct = SampleBuilder::new(rules.clone());
        for (chunk, stamp) in &stored {
            if proximity(&chunk.address().0, &overlay.0) >= radius {
                direct.offer(chunk, ChunkType::Content, stamp, &batches);
            }
        }
        let direct = direct.finish();
        assert!(sampled.is_full(), "radius {radius}");
        assert_eq!(
            sampled.reserve_commitment().unwrap(),
            direct.reserve_commitment().unwrap(),
            "radius {radius}"
        );
        let addresses = |s: &comb_sampling::Sample| {
            s.items()
                .iter()
                .map(|i| *i.chunk.address())
                .collect::<Vec<_>>()
        };
        assert_eq!(addresses(&sampled), addresses(&direct));
    }
}

/// A reserve of random chunks (CACs and SOCs, some under two batches) over four batches.
fn random_reserve(
    dir: &std::path::Path,
    overlay: B256,
    count: u64,
) -> (comb_store::Reserve, HashMap<B256, Batch>) {
    use comb_primitives::keccak256;
    use comb_primitives::soc::SingleOwnerChunk;
    let reserve = common::reserve(dir, overlay, DEFAULT_CAPACITY);
    let owner = Signer::from_bytes(&[5u8; 32]).unwrap();
    let batches: HashMap<B256, Batch> = (1..=4u8)
        .map(|n| {
            let mut b = batch(n, &owner);
            b.depth = 22;
            (b.id, b)
        })
        .collect();
    let mut positions: HashMap<(B256, u32), u32> = HashMap::new();
    let mut stamp = |chunk: &Chunk, batch_id: B256, timestamp: u64| {
        let bucket = comb_postage::bucket_of(chunk.address(), 16);
        let position = positions.entry((batch_id, bucket)).or_insert(0);
        let index = StampIndex {
            bucket,
            position: *position,
        };
        *position += 1;
        Stamp::sign(&owner, chunk.address(), batch_id, index, timestamp).unwrap()
    };
    let mut group = Vec::new();
    for n in 0..count {
        let seed = keccak256(n.to_be_bytes());
        let cac = Chunk::content(&seed.repeat(1 + (n % 8) as usize)).unwrap();
        let (chunk, kind) = if n % 5 == 0 {
            let soc = SingleOwnerChunk::sign(&owner, B256::from(seed), cac).unwrap();
            (soc.to_chunk(), ChunkType::SingleOwner)
        } else {
            (cac, ChunkType::Content)
        };
        let batch_id = B256::repeat_byte(1 + (seed[0] % 4));
        // Stamps from 1 to 2000 ns: some are newer than the consensus time below.
        group.push((chunk.clone(), stamp(&chunk, batch_id, 1 + n % 2000), kind));
        if n % 7 == 0 {
            let other = B256::repeat_byte(1 + (seed[0].wrapping_add(1) % 4));
            group.push((chunk.clone(), stamp(&chunk, other, 1 + n % 1000), kind));
        }
        if group.len() >= 500 {
            reserve.put_many(&group).unwrap();
            group.clear();
        }
    }
    reserve.put_many(&group).unwrap();
    (reserve, batches)
}

#[test]
fn parallel_sample_equals_sequential_sample() {
    use std::num::NonZeroUsize;
    let dir = tempfile::tempdir().unwrap();
    let overlay = B256::repeat_byte(0x5a);
    let (reserve, mut batches) = random_reserve(dir.path(), overlay, 3000);
    // One batch too cheap to be sampled.
    batches.get_mut(&B256::repeat_byte(3)).unwrap().value = U256::from(1u64);
    for (anchor, committed_depth, radius, consensus) in [
        (0xa5u8, 0u8, 0u8, u64::MAX),
        (0x5a, 1, 1, 1500),
        (0x00, 2, 0, 800),
        (0x5b, 0, 3, u64::MAX),
    ] {
        let rules = SampleRules {
            anchor: vec![anchor; 32],
            committed_depth,
            consensus_time_ns: consensus,
            min_batch_value: U256::from(2u64),
        };
        let sequential = sample_reserve(&reserve, &rules, radius, &batches).unwrap();
        assert!(sequential.is_full(), "anchor {anchor:#x}");
        for threads in [1usize, 2, 3] {
            let threads = NonZeroUsize::new(threads).unwrap();
            for slice_items in [1u64, 7, 100, 1 << 20] {
                let parallel = comb_store::sample_reserve_in_slices(
                    &reserve,
                    &rules,
                    radius,
                    &batches,
                    threads,
                    slice_items,
                )
                .unwrap();
                assert_eq!(
                    parallel, sequential,
                    "{threads} threads, slices of {slice_items}"
                );
            }
            let parallel =
                comb_store::sample_reserve_parallel(&reserve, &rules, radius, &batches, threads)
                    .unwrap();
            assert_eq!(parallel, sequential);
        }
    }
}
