//! Building blocks of a redistribution round over real chunks: a stamped reserve, its
//! sample, and a round played honestly up to the claim phase.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;

use comb_chain::round::{round_start, PHASE_LENGTH};
use comb_chain::staking::MIN_STAKE;
use comb_chain::Call;
use comb_postage::{Batch, MemoryStampItems, StampIssuer, Stamper};
use comb_primitives::soc::{ChunkType, SingleOwnerChunk};
use comb_primitives::{keccak256, Chunk, Signer, B256, U256};
use comb_sampling::{wrap_commit, Sample, SampleBuilder, SampleRules};

use super::{bzz, signer, Harness};

/// A chunk in a node's reserve, with its type and stamp.
pub type StoredChunk = (Chunk, ChunkType, comb_postage::Stamp);

/// The round the scenarios play (stakes need two rounds to mature).
pub const ROUND: u64 = 3;

/// Chunks stamped with a real batch: CACs and SOCs.
pub fn stored_chunks(
    harness: &mut Harness,
    buyer: &Signer,
) -> (Vec<StoredChunk>, HashMap<B256, Batch>) {
    let receipt = harness
        .send(
            buyer,
            Call::CreateBatch {
                owner: buyer.address(),
                initial_balance_per_chunk: U256::from(1_000_000_000u64),
                depth: 17,
                bucket_depth: 16,
                nonce: B256::repeat_byte(1),
                immutable: false,
            },
        )
        .unwrap();
    let batch_id = match receipt.outcome {
        comb_chain::Outcome::BatchId(id) => id,
        other => panic!("unexpected outcome {other:?}"),
    };
    let record = harness
        .ledger
        .state()
        .postage
        .batch(&batch_id)
        .unwrap()
        .clone();
    let batch = Batch {
        id: batch_id,
        owner: record.owner,
        depth: record.depth,
        bucket_depth: record.bucket_depth,
        immutable: record.immutable,
        value: record.normalised_balance,
        start_block: record.last_updated_block,
    };
    let mut stamper = Stamper::new(
        &batch,
        StampIssuer::new(&batch).unwrap(),
        MemoryStampItems::default(),
        buyer.clone(),
    )
    .unwrap();
    let mut chunks = Vec::new();
    for i in 0..40u32 {
        let cac = Chunk::content(format!("chunk number {i} of the reserve").as_bytes()).unwrap();
        let (chunk, kind) = if i % 3 == 0 {
            let soc =
                SingleOwnerChunk::sign(buyer, B256::from(keccak256(i.to_be_bytes())), cac).unwrap();
            (soc.to_chunk(), ChunkType::SingleOwner)
        } else {
            (cac, ChunkType::Content)
        };
        let stamp = stamper
            .stamp(chunk.address(), chunk.address(), 1_000 + u64::from(i))
            .unwrap();
        chunks.push((chunk, kind, stamp));
    }
    (chunks, HashMap::from([(batch_id, batch)]))
}

pub fn sample(anchor: B256, chunks: &[StoredChunk], batches: &HashMap<B256, Batch>) -> Sample {
    let mut builder = SampleBuilder::new(SampleRules {
        anchor: anchor.to_vec(),
        committed_depth: 0,
        consensus_time_ns: u64::MAX,
        min_batch_value: U256::ZERO,
    });
    for (chunk, kind, stamp) in chunks {
        builder.offer(chunk, *kind, stamp, batches);
    }
    let sample = builder.finish();
    assert!(sample.is_full());
    sample
}

/// Runs a round up to the claim phase with every node honest, returning what a claim needs.
pub struct ClaimSetup {
    pub h: Harness,
    pub nodes: Vec<Signer>,
    pub sample: Sample,
    pub anchor1: B256,
    pub anchor2: B256,
}

pub fn honest_round(sample_max_value: U256) -> ClaimSetup {
    let mut h = Harness::new(4, bzz(100), |config| {
        config.redistribution.sample_max_value = sample_max_value
    });
    let nodes: Vec<Signer> = (0..3).map(signer).collect();
    let buyer = signer(3);
    let (chunks, batches) = stored_chunks(&mut h, &buyer);
    for (i, node) in nodes.iter().enumerate() {
        h.send(
            node,
            Call::ManageStake {
                nonce: B256::repeat_byte(i as u8),
                amount: U256::from(MIN_STAKE),
                height: 0,
            },
        )
        .unwrap();
    }
    h.advance_to(round_start(ROUND));
    let anchor1 = h
        .ledger
        .state()
        .redistribution
        .current_round_anchor(h.block())
        .unwrap();
    let sample = sample(anchor1, &chunks, &batches);
    let hash = sample.reserve_commitment().unwrap();
    for node in &nodes {
        let overlay = h
            .ledger
            .state()
            .staking
            .stake(&node.address())
            .unwrap()
            .overlay;
        h.send(
            node,
            Call::Commit {
                obfuscated_hash: wrap_commit(&overlay, 0, &hash, &B256::ZERO),
                round: ROUND,
            },
        )
        .unwrap();
    }
    h.advance_to(round_start(ROUND) + PHASE_LENGTH);
    for node in &nodes {
        h.send(
            node,
            Call::Reveal {
                depth: 0,
                hash,
                reveal_nonce: B256::ZERO,
            },
        )
        .unwrap();
    }
    h.advance_to(round_start(ROUND) + 2 * PHASE_LENGTH);
    let anchor2 = h.ledger.state().redistribution.seed();
    ClaimSetup {
        h,
        nodes,
        sample,
        anchor1,
        anchor2,
    }
}
