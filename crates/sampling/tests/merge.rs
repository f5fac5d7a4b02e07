//! Merging the samples of consecutive slices equals sampling the whole sequence (spec §6.3):
//! what lets the reserve sampler run slices in parallel.
#![allow(clippy::unwrap_used)]

use comb_postage::{Stamp, StampIndex};
use comb_primitives::crypto::Signature;
use comb_primitives::soc::{ChunkType, SingleOwnerChunk};
use comb_primitives::{Chunk, Signer, B256};
use comb_sampling::{Sample, SampleItem};
use proptest::prelude::*;

/// A stamp told apart from others by its timestamp, so the test sees which duplicate won.
fn stamp(timestamp: u64) -> Stamp {
    let mut signature = [1u8; 65];
    signature[64] = 27;
    Stamp {
        batch_id: B256::repeat_byte(1),
        index: StampIndex::from_u64(0),
        timestamp,
        signature: Signature(signature),
    }
}

/// Four CACs and four SOCs.
fn pool() -> Vec<(Chunk, ChunkType)> {
    let owner = Signer::from_bytes(&[9; 32]).unwrap();
    (0..8u8)
        .map(|i| {
            let cac = Chunk::content(&[i; 64]).unwrap();
            if i < 4 {
                (cac, ChunkType::Content)
            } else {
                let soc = SingleOwnerChunk::sign(&owner, B256::repeat_byte(i), cac).unwrap();
                (soc.to_chunk(), ChunkType::SingleOwner)
            }
        })
        .collect()
}

/// Items with transformed addresses drawn from few values, so that ties are common.
fn items(spec: &[(u8, usize)], pool: &[(Chunk, ChunkType)]) -> Vec<SampleItem> {
    spec.iter()
        .enumerate()
        .map(|(n, (ta, which))| {
            let (chunk, kind) = pool[*which % pool.len()].clone();
            SampleItem {
                transformed_address: B256::left_padding_from(&[*ta]),
                chunk,
                kind,
                stamp: stamp(n as u64),
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn merging_consecutive_slices_equals_one_pass(
        spec in prop::collection::vec((0u8..48, 0usize..8), 0..120),
        cuts in prop::collection::vec(0usize..120, 0..6),
    ) {
        let pool = pool();
        let all = items(&spec, &pool);
        let mut whole = Sample::new();
        for item in all.clone() {
            whole.insert(item);
        }
        let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(all.len())).collect();
        bounds.push(0);
        bounds.push(all.len());
        bounds.sort_unstable();
        let mut merged = Sample::new();
        for pair in bounds.windows(2) {
            let mut part = Sample::new();
            for item in all[pair[0]..pair[1]].iter().cloned() {
                part.insert(item);
            }
            merged.merge(part);
        }
        prop_assert_eq!(merged, whole);
    }
}

#[test]
fn merge_keeps_the_later_cac_on_a_tie() {
    let pool = pool();
    let first = items(&[(5, 0)], &pool);
    let second = items(&[(5, 1), (5, 4)], &pool);
    let mut a = Sample::new();
    a.insert(first[0].clone());
    let mut b = Sample::new();
    for item in second.clone() {
        b.insert(item);
    }
    a.merge(b);
    // The later CAC replaces the earlier one; the SOC after it does not.
    assert_eq!(a.items(), &second[..1]);
}
