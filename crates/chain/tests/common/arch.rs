//! Helpers for the staking-architecture scenarios: a game of several rounds over real
//! chunks where each node is honest, lies or does not show, and availability-challenge
//! material (a stamped chunk and its BMT proofs).
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;

use comb_chain::round::{round_start, PHASE_LENGTH};
use comb_chain::{Call, Receipt};
use comb_postage::{bucket_of, Batch, Stamp, StampIndex};
use comb_primitives::bmt::{BmtTree, PlainHasher};
use comb_primitives::chunk::split_span;
use comb_primitives::{Address, Chunk, Signer, B256, U256};
use comb_sampling::{make_inclusion_proofs, wrap_commit, PostageProof};

use super::game::{sample, stored_chunks, StoredChunk};
use super::Harness;

/// How a node plays a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Play {
    /// Commits and reveals the truth.
    Honest,
    /// Commits and reveals another hash.
    Lie,
    /// Commits and does not reveal.
    NoShow,
}

/// A harness with a stamped reserve that every node claims to store.
pub struct Game {
    pub h: Harness,
    pub chunks: Vec<StoredChunk>,
    pub batches: HashMap<B256, Batch>,
}

impl Game {
    /// `buyer` buys a batch and stamps the reserve.
    pub fn new(mut h: Harness, buyer: &Signer) -> Self {
        let (chunks, batches) = stored_chunks(&mut h, buyer);
        Self { h, chunks, batches }
    }

    /// Stakes `amount` for `node` with an overlay nonce of its index.
    pub fn stake(&mut self, node: &Signer, amount: U256) {
        self.h
            .send(
                node,
                Call::ManageStake {
                    nonce: B256::repeat_byte(node.address()[19]),
                    amount,
                    height: 0,
                },
            )
            .unwrap();
    }

    pub fn overlay(&self, node: &Signer) -> B256 {
        self.h
            .ledger
            .state()
            .staking
            .stake(&node.address())
            .unwrap()
            .overlay
    }

    /// Plays `round` (commit, reveal, claim) with `plan`; the winner claims. Returns the
    /// winner's address and the claim receipt.
    pub fn play(&mut self, round: u64, plan: &[(&Signer, Play)]) -> (Address, Receipt) {
        self.h.advance_to(round_start(round));
        let anchor1 = self
            .h
            .ledger
            .state()
            .redistribution
            .current_round_anchor(self.h.block())
            .unwrap();
        let sample = sample(anchor1, &self.chunks, &self.batches);
        let truth = sample.reserve_commitment().unwrap();
        let lie = B256::repeat_byte(0xee);
        let nonce = B256::repeat_byte(7);
        for (node, play) in plan {
            let hash = if *play == Play::Lie { lie } else { truth };
            let overlay = self.overlay(node);
            self.h
                .send(
                    node,
                    Call::Commit {
                        obfuscated_hash: wrap_commit(&overlay, 0, &hash, &nonce),
                        round,
                    },
                )
                .unwrap_or_else(|e| panic!("commit of {} in round {round}: {e}", node.address()));
        }
        self.h.advance_to(round_start(round) + PHASE_LENGTH);
        for (node, play) in plan {
            if *play == Play::NoShow {
                continue;
            }
            let hash = if *play == Play::Lie { lie } else { truth };
            self.h
                .send(
                    node,
                    Call::Reveal {
                        depth: 0,
                        hash,
                        reveal_nonce: nonce,
                    },
                )
                .unwrap();
        }
        let claim_block = round_start(round) + 2 * PHASE_LENGTH;
        self.h.advance_to(claim_block);
        let selection = self
            .h
            .ledger
            .state()
            .redistribution
            .selection()
            .unwrap()
            .unwrap();
        assert_eq!(selection.truth_hash, truth, "the truth won the draw");
        let winner = plan
            .iter()
            .find(|(node, _)| node.address() == selection.winner.owner)
            .map(|(node, _)| (*node).clone())
            .unwrap();
        let anchor2 = self
            .h
            .ledger
            .state()
            .redistribution
            .current_round_anchor(claim_block)
            .unwrap();
        let proofs =
            make_inclusion_proofs(&sample, anchor1.as_slice(), anchor2.as_slice()).unwrap();
        let receipt = self
            .h
            .send(
                &winner,
                Call::Claim {
                    proofs: Box::new(proofs),
                },
            )
            .unwrap();
        (winner.address(), receipt)
    }
}

/// Buys a batch of depth 17 for `owner` with nonce `nonce`; returns its id.
pub fn buy_batch(h: &mut Harness, owner: &Signer, nonce: u8) -> B256 {
    let receipt = h
        .send(
            owner,
            Call::CreateBatch {
                owner: owner.address(),
                initial_balance_per_chunk: U256::from(1_000_000_000u64),
                depth: 17,
                bucket_depth: 16,
                nonce: B256::repeat_byte(nonce),
                immutable: false,
            },
        )
        .unwrap();
    match receipt.outcome {
        comb_chain::Outcome::BatchId(id) => id,
        other => panic!("unexpected outcome {other:?}"),
    }
}

/// A content chunk stamped by `owner` with batch `batch_id` (bucket depth 16).
pub struct StampedChunk {
    pub chunk: Chunk,
    pub stamp: PostageProof,
    pub tree: BmtTree,
}

pub fn stamped_chunk(owner: &Signer, batch_id: B256, text: &str) -> StampedChunk {
    let chunk = Chunk::content(text.as_bytes()).unwrap();
    let address = *chunk.address();
    let index = StampIndex {
        bucket: bucket_of(&address, 16),
        position: 0,
    };
    let stamp = Stamp::sign(owner, &address, batch_id, index, 1_000).unwrap();
    let (span, payload) = split_span(chunk.data()).unwrap();
    let tree = BmtTree::build(&PlainHasher, &span, payload).unwrap();
    assert_eq!(B256::from(tree.address()), address);
    StampedChunk {
        chunk,
        stamp: PostageProof::from(&stamp),
        tree,
    }
}

/// The answer to a challenge on `chunk` for segment `segment`.
pub fn answer(chunk: &StampedChunk, segment: u8) -> comb_chain::challenge::SegmentProof {
    let proof = chunk.tree.proof(usize::from(segment)).unwrap();
    comb_chain::challenge::SegmentProof {
        segment: B256::from(proof.segment),
        sisters: proof.sisters.map(B256::from),
        span: u64::from_le_bytes(proof.span),
        soc: None,
    }
}
