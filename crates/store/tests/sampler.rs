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
