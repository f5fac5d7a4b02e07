//! Helpers shared by the agent's chain tests: signers, a genesis, a stamped reserve of
//! real chunks and staked nodes, and a sampler over that reserve.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use comb_chain::staking::MIN_STAKE;
use comb_chain::{Call, GenesisConfig, Outcome, Receipt};
use comb_incentives::{Health, IncentivesError, SampleRequest, Sampler};
use comb_postage::{Batch, MemoryStampItems, Stamp, StampIssuer, Stamper};
use comb_primitives::soc::{ChunkType, SingleOwnerChunk};
use comb_primitives::{keccak256, Address, Chunk, Signer, B256, U256};
use comb_sampling::{Sample, SampleBuilder};

/// Every node holds the same reserve: these chunks.
#[derive(Clone)]
pub struct MemorySampler {
    pub chunks: Arc<Vec<(Chunk, ChunkType, Stamp)>>,
    pub batches: Arc<HashMap<B256, Batch>>,
}

impl Sampler for MemorySampler {
    async fn sample(&self, request: SampleRequest) -> Result<Sample, IncentivesError> {
        let mut builder = SampleBuilder::new(request.rules);
        for (chunk, kind, stamp) in self.chunks.iter() {
            builder.offer(chunk, *kind, stamp, self.batches.as_ref());
        }
        Ok(builder.finish())
    }
}

pub fn signer(i: u8) -> Signer {
    let mut key = [0x11u8; 32];
    key[31] = i.wrapping_add(1);
    Signer::from_bytes(&key).unwrap()
}

pub fn bzz(n: u64) -> U256 {
    U256::from(n) * U256::from(10_000_000_000_000_000u64)
}

/// A genesis funding `nodes` stakers and one batch buyer (signer `nodes`).
pub fn genesis(nodes: u8) -> GenesisConfig {
    let allocations: BTreeMap<Address, U256> = (0..=nodes)
        .map(|i| {
            let most = U256::from(MIN_STAKE) * U256::from(100_000u64);
            (signer(i).address(), bzz(100) + most)
        })
        .collect();
    let mut config = GenesisConfig {
        allocations,
        randomness_seed: B256::repeat_byte(0x42),
        ..GenesisConfig::default()
    };
    // 40 chunks cannot pass the reserve-size estimate (§5.8 step 6).
    config.redistribution.sample_max_value = U256::MAX;
    config
}

/// Buys a batch, stamps 40 chunks (CACs and SOCs) with it and stakes one node per entry of
/// `stakes` (that many times the minimum): the nodes and a sampler over the chunks.
/// `send` submits a call; `batch_of` reads a batch's record from the chain.
pub fn populate(
    stakes: &[u64],
    send: &mut dyn FnMut(&Signer, Call) -> Receipt,
    batch_of: &dyn Fn(&B256) -> Batch,
) -> (Vec<Signer>, MemorySampler) {
    let nodes = stakes.len() as u8;
    let buyer = signer(nodes);
    let receipt = send(
        &buyer,
        Call::CreateBatch {
            owner: buyer.address(),
            initial_balance_per_chunk: U256::from(1_000_000_000u64),
            depth: 17,
            bucket_depth: 16,
            nonce: B256::repeat_byte(1),
            immutable: false,
        },
    );
    let Outcome::BatchId(batch_id) = receipt.outcome else {
        panic!("no batch id: {:?}", receipt.outcome);
    };
    let batch = batch_of(&batch_id);
    let mut stamper = Stamper::new(
        &batch,
        StampIssuer::new(&batch).unwrap(),
        MemoryStampItems::default(),
        buyer.clone(),
    )
    .unwrap();
    let mut chunks = Vec::new();
    for i in 0..40u32 {
        let cac = Chunk::content(format!("agent test chunk {i}").as_bytes()).unwrap();
        let (chunk, kind) = if i % 3 == 0 {
            let soc = SingleOwnerChunk::sign(&buyer, B256::from(keccak256(i.to_be_bytes())), cac)
                .unwrap();
            (soc.to_chunk(), ChunkType::SingleOwner)
        } else {
            (cac, ChunkType::Content)
        };
        let stamp = stamper
            .stamp(chunk.address(), chunk.address(), 1_000 + u64::from(i))
            .unwrap();
        chunks.push((chunk, kind, stamp));
    }
    let stakers: Vec<Signer> = (0..nodes).map(signer).collect();
    for (i, node) in stakers.iter().enumerate() {
        send(
            node,
            Call::ManageStake {
                nonce: B256::repeat_byte(i as u8),
                amount: U256::from(MIN_STAKE) * U256::from(stakes[i]),
                height: 0,
            },
        );
    }
    let sampler = MemorySampler {
        chunks: Arc::new(chunks),
        batches: Arc::new(HashMap::from([(batch_id, batch)])),
    };
    (stakers, sampler)
}

/// A batch record of the ledger as the node's batch store keeps it.
pub fn batch_from(id: B256, record: &comb_chain::postage::BatchRecord) -> Batch {
    Batch {
        id,
        owner: record.owner,
        depth: record.depth,
        bucket_depth: record.bucket_depth,
        immutable: record.immutable,
        value: record.normalised_balance,
        start_block: record.last_updated_block,
    }
}

/// A synced, healthy, unpaused node at radius 0.
pub fn health() -> Health {
    Health {
        synced: true,
        healthy: true,
        paused: false,
        storage_radius: 0,
    }
}
