//! StoreSampler samples a comb-store reserve with the batch store's live batches, on
//! several threads, and gets the sequential sampler's sample (spec §6).
#![allow(clippy::unwrap_used)]

use std::num::NonZeroUsize;

use comb_incentives::{SampleRequest, Sampler, StoreSampler};
use comb_postage::{bucket_of, Batch, Stamp, StampIndex};
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, Signer, B256, U256};
use comb_sampling::SampleRules;
use comb_store::{sample_reserve, BatchEvent, Store, StoreConfig};

#[tokio::test]
async fn store_sampler_equals_the_sequential_sample() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        &dir.path().join("store.redb"),
        &StoreConfig::new(B256::repeat_byte(0x33)),
    )
    .unwrap();
    let owner = Signer::from_bytes(&[4u8; 32]).unwrap();
    let batch = Batch {
        id: B256::repeat_byte(9),
        owner: owner.address(),
        depth: 20,
        bucket_depth: 16,
        immutable: false,
        value: U256::from(1_000u64),
        start_block: 0,
    };
    store
        .batches
        .apply(&BatchEvent::Created(batch.clone()))
        .unwrap();
    let items: Vec<_> = (0..600u64)
        .map(|n| {
            let chunk = Chunk::content(&n.to_be_bytes().repeat(1 + (n % 50) as usize)).unwrap();
            let index = StampIndex {
                bucket: bucket_of(chunk.address(), 16),
                position: 0,
            };
            let stamp = Stamp::sign(&owner, chunk.address(), batch.id, index, 10 + n).unwrap();
            (chunk, stamp, ChunkType::Content)
        })
        .collect();
    store.reserve.put_many(&items).unwrap();

    let rules = SampleRules {
        anchor: vec![0x21; 32],
        committed_depth: 1,
        consensus_time_ns: 400,
        min_batch_value: U256::from(1u64),
    };
    let live = store.batches.live_batches().unwrap();
    let sequential = sample_reserve(&store.reserve, &rules, 0, &live).unwrap();
    assert!(sequential.is_full());
    let sampler = StoreSampler::new(
        store.reserve.clone(),
        store.batches.clone(),
        NonZeroUsize::new(2).unwrap(),
    );
    let sampled = sampler
        .sample(SampleRequest {
            round: 7,
            rules,
            radius: 0,
        })
        .await
        .unwrap();
    assert_eq!(sampled, sequential);
}
