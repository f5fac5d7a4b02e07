//! A full redistribution round through the public transaction interface (spec §5): eight
//! staked nodes sample real chunks, commit, reveal and claim; the ledger verifies the
//! winner's proofs, freezes the liar and the no-show, pays the pot and moves the price.
#![allow(clippy::unwrap_used)]

mod common;

use comb_chain::oracle::CHANGE_RATE;
use comb_chain::round::{round_start, PHASE_LENGTH, ROUND_LENGTH};
use comb_chain::staking::MIN_STAKE;
use comb_chain::{Call, ChainError};
use comb_primitives::{Signer, B256, U256};
use comb_sampling::{make_inclusion_proofs, wrap_commit};
use common::game::{honest_round, sample, stored_chunks, ClaimSetup, ROUND};
use common::{bzz, signer, Harness};

const NODES: u8 = 8;
const BUYER: u8 = 8;
const LIAR: usize = 6;
const NO_SHOW: usize = 7;
const INITIAL_PRICE: u32 = 30_000;

#[test]
fn eight_nodes_play_a_full_round() {
    let mut h = Harness::new(NODES + 1, bzz(100), |config| {
        // A reserve of 40 chunks cannot meet mainnet's reserve-size estimate.
        config.redistribution.sample_max_value = U256::MAX;
        config.initial_price = INITIAL_PRICE;
    });
    let nodes: Vec<Signer> = (0..NODES).map(signer).collect();
    let buyer = signer(BUYER);
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
    let staked_at = h.block();

    // Commit phase of round 3.
    let commit_block = round_start(ROUND) + 1;
    h.advance_to(commit_block);
    assert!(commit_block > staked_at + 2 * ROUND_LENGTH);
    let anchor = h
        .ledger
        .state()
        .redistribution
        .current_round_anchor(commit_block)
        .unwrap();
    let sample = sample(anchor, &chunks, &batches);
    let truth = sample.reserve_commitment().unwrap();
    let lie = B256::repeat_byte(0xee);
    let overlays: Vec<B256> = nodes
        .iter()
        .map(|n| {
            h.ledger
                .state()
                .staking
                .stake(&n.address())
                .unwrap()
                .overlay
        })
        .collect();
    let reveal_nonce = |i: usize| B256::repeat_byte(100 + i as u8);
    for (i, node) in nodes.iter().enumerate() {
        let hash = if i == LIAR { lie } else { truth };
        h.send(
            node,
            Call::Commit {
                obfuscated_hash: wrap_commit(&overlays[i], 0, &hash, &reveal_nonce(i)),
                round: ROUND,
            },
        )
        .unwrap();
    }
    assert_eq!(
        h.ledger.state().redistribution.commits().len(),
        NODES as usize
    );

    // Reveal phase: all but the no-show reveal.
    h.advance_to(round_start(ROUND) + PHASE_LENGTH);
    for (i, node) in nodes.iter().enumerate().filter(|(i, _)| *i != NO_SHOW) {
        let hash = if i == LIAR { lie } else { truth };
        h.send(
            node,
            Call::Reveal {
                depth: 0,
                hash,
                reveal_nonce: reveal_nonce(i),
            },
        )
        .unwrap();
    }
    let reveal_anchor = h
        .ledger
        .state()
        .redistribution
        .current_reveal_round_anchor();
    assert_eq!(
        reveal_anchor, anchor,
        "the reveal round's anchor is the one the nodes sampled with"
    );

    // Claim phase.
    let claim_block = round_start(ROUND) + 2 * PHASE_LENGTH;
    h.advance_to(claim_block);
    let selection = h
        .ledger
        .state()
        .redistribution
        .selection()
        .unwrap()
        .unwrap();
    assert_eq!(
        selection.truth_hash, truth,
        "six honest stakes outweigh one liar in this draw"
    );
    assert_eq!(selection.redundancy, 6);
    let winner_index = overlays
        .iter()
        .position(|o| *o == selection.winner.overlay)
        .unwrap();
    assert!(winner_index != LIAR && winner_index != NO_SHOW);
    let winner = &nodes[winner_index];

    let anchor2 = h
        .ledger
        .state()
        .redistribution
        .current_round_anchor(claim_block)
        .unwrap();
    assert_eq!(anchor2, h.ledger.state().redistribution.seed());
    let proofs = make_inclusion_proofs(&sample, anchor.as_slice(), anchor2.as_slice()).unwrap();

    let mut expected_pot_state = h.ledger.state().clone();
    let pot = expected_pot_state
        .postage
        .total_pot(claim_block, &expected_pot_state.token)
        .unwrap();
    assert!(pot > U256::ZERO);
    let before = h.balance(&winner.address());
    let price_before = h.ledger.state().oracle.current_price_upscaled();

    h.send(
        winner,
        Call::Claim {
            proofs: Box::new(proofs),
        },
    )
    .unwrap();

    // The pot moved to the winner.
    assert_eq!(h.balance(&winner.address()), before + pot);
    assert_eq!(h.ledger.state().postage.pot(), U256::ZERO);
    // The price moved by the table: redundancy 6, then two unclaimed rounds at the maximum.
    let mut expected = price_before;
    for rate in [CHANGE_RATE[6], CHANGE_RATE[0], CHANGE_RATE[0]] {
        expected = ((u128::from(rate) * u128::from(expected)) >> 20) as u64;
    }
    assert_eq!(h.ledger.state().oracle.current_price_upscaled(), expected);
    assert_eq!(h.ledger.state().postage.last_price(), expected >> 10);
    // The liar is frozen 1 × 152 × 2^0 blocks, the no-show 2 × 152 × 2^0.
    let frozen_until = |i: usize| {
        h.ledger
            .state()
            .staking
            .stake(&nodes[i].address())
            .unwrap()
            .last_updated_block
    };
    assert_eq!(frozen_until(LIAR), claim_block + ROUND_LENGTH);
    assert_eq!(frozen_until(NO_SHOW), claim_block + 2 * ROUND_LENGTH);
    assert_eq!(frozen_until(winner_index), staked_at);
    // Frozen nodes have no effective stake and cannot commit.
    let price = h.ledger.state().oracle.current_price();
    assert_eq!(
        h.ledger.state().staking.node_effective_stake(
            &nodes[LIAR].address(),
            price,
            claim_block + 1
        ),
        U256::ZERO
    );
    h.ledger.state().check_conservation().unwrap();

    // The round is claimed once.
    let proofs = make_inclusion_proofs(&sample, anchor.as_slice(), anchor2.as_slice()).unwrap();
    h.expect_revert(
        winner,
        Call::Claim {
            proofs: Box::new(proofs),
        },
        ChainError::AlreadyClaimed,
    );
}

#[test]
fn forged_proofs_revert_with_their_named_error() {
    let ClaimSetup {
        mut h,
        nodes,
        sample,
        anchor1,
        anchor2,
    } = honest_round(U256::MAX);
    let proofs = make_inclusion_proofs(&sample, anchor1.as_slice(), anchor2.as_slice()).unwrap();

    let mut forged = proofs.clone();
    forged[2].proof_segments[3] = B256::repeat_byte(9);
    h.expect_revert(
        &nodes[0],
        Call::Claim {
            proofs: Box::new(forged),
        },
        ChainError::InclusionProofFailed(1),
    );

    let mut forged = proofs.clone();
    forged[0].proof_segments2[5] = B256::repeat_byte(9);
    h.expect_revert(
        &nodes[0],
        Call::Claim {
            proofs: Box::new(forged),
        },
        ChainError::InclusionProofFailed(3),
    );

    let mut forged = proofs.clone();
    forged[1].postage_proof.time_stamp += 1;
    h.expect_revert(
        &nodes[0],
        Call::Claim {
            proofs: Box::new(forged),
        },
        ChainError::SigRecoveryFailed,
    );

    let mut forged = proofs.clone();
    forged[1].postage_proof.index ^= 1 << 40;
    h.expect_revert(
        &nodes[0],
        Call::Claim {
            proofs: Box::new(forged),
        },
        ChainError::BucketDiffers,
    );

    let mut forged = proofs.clone();
    forged[1].postage_proof.postage_id = B256::repeat_byte(7);
    h.expect_revert(
        &nodes[0],
        Call::Claim {
            proofs: Box::new(forged),
        },
        ChainError::BatchDoesNotExist,
    );

    // Witnesses swapped: the first two out of order.
    let mut swapped = proofs.clone();
    swapped.swap(0, 1);
    assert!(h
        .send(
            &nodes[0],
            Call::Claim {
                proofs: Box::new(swapped)
            }
        )
        .is_err());

    // The genuine proofs pass afterwards: nothing above changed the state.
    h.send(
        &nodes[0],
        Call::Claim {
            proofs: Box::new(proofs),
        },
    )
    .unwrap();
}

#[test]
fn a_small_reserve_fails_the_mainnet_reserve_estimate() {
    let ClaimSetup {
        mut h,
        nodes,
        sample,
        anchor1,
        anchor2,
    } = honest_round(comb_chain::redistribution::default_sample_max_value());
    let proofs = make_inclusion_proofs(&sample, anchor1.as_slice(), anchor2.as_slice()).unwrap();
    h.expect_revert(
        &nodes[0],
        Call::Claim {
            proofs: Box::new(proofs),
        },
        ChainError::ReserveCheckFailed,
    );
}

#[test]
fn phase_and_round_rules_revert_with_named_errors() {
    let mut h = Harness::new(3, bzz(100), |_| {});
    let node = signer(0);
    let other = signer(1);
    let hash = B256::repeat_byte(5);
    h.expect_revert(
        &node,
        Call::Commit {
            obfuscated_hash: hash,
            round: 0,
        },
        ChainError::NotStaked,
    );
    h.send(
        &node,
        Call::ManageStake {
            nonce: B256::ZERO,
            amount: U256::from(MIN_STAKE),
            height: 0,
        },
    )
    .unwrap();
    h.send(
        &other,
        Call::ManageStake {
            nonce: B256::ZERO,
            amount: U256::from(MIN_STAKE),
            height: 0,
        },
    )
    .unwrap();
    h.advance_to(round_start(1) + 1);
    h.expect_revert(
        &node,
        Call::Commit {
            obfuscated_hash: hash,
            round: 1,
        },
        ChainError::MustStake2Rounds,
    );

    h.advance_to(round_start(ROUND) + 1);
    h.expect_revert(
        &node,
        Call::Commit {
            obfuscated_hash: hash,
            round: ROUND - 1,
        },
        ChainError::CommitRoundOver,
    );
    h.expect_revert(
        &node,
        Call::Commit {
            obfuscated_hash: hash,
            round: ROUND + 1,
        },
        ChainError::CommitRoundNotStarted,
    );
    h.expect_revert(
        &node,
        Call::Reveal {
            depth: 0,
            hash,
            reveal_nonce: B256::ZERO,
        },
        ChainError::NoCommitsReceived,
    );
    let overlay = h
        .ledger
        .state()
        .staking
        .stake(&node.address())
        .unwrap()
        .overlay;
    h.send(
        &node,
        Call::Commit {
            obfuscated_hash: wrap_commit(&overlay, 0, &hash, &B256::ZERO),
            round: ROUND,
        },
    )
    .unwrap();
    h.expect_revert(
        &node,
        Call::Commit {
            obfuscated_hash: hash,
            round: ROUND,
        },
        ChainError::AlreadyCommitted,
    );
    h.expect_revert(
        &node,
        Call::Reveal {
            depth: 0,
            hash,
            reveal_nonce: B256::ZERO,
        },
        ChainError::NotRevealPhase,
    );

    // Block 37 of the round refuses commits.
    h.advance_to(round_start(ROUND) + PHASE_LENGTH - 1);
    h.expect_revert(
        &other,
        Call::Commit {
            obfuscated_hash: hash,
            round: ROUND,
        },
        ChainError::PhaseLastBlock,
    );

    h.advance_to(round_start(ROUND) + PHASE_LENGTH);
    h.expect_revert(
        &other,
        Call::Commit {
            obfuscated_hash: hash,
            round: ROUND,
        },
        ChainError::NotCommitPhase,
    );
    // A reveal that matches no commit.
    h.expect_revert(
        &other,
        Call::Reveal {
            depth: 0,
            hash,
            reveal_nonce: B256::ZERO,
        },
        ChainError::NoMatchingCommit,
    );
    h.expect_revert(
        &node,
        Call::Reveal {
            depth: 0,
            hash,
            reveal_nonce: B256::repeat_byte(1),
        },
        ChainError::NoMatchingCommit,
    );
    h.expect_revert(
        &node,
        Call::Claim {
            proofs: Box::new(dummy_proofs()),
        },
        ChainError::NotClaimPhase,
    );
    h.send(
        &node,
        Call::Reveal {
            depth: 0,
            hash,
            reveal_nonce: B256::ZERO,
        },
    )
    .unwrap();
    h.expect_revert(
        &node,
        Call::Reveal {
            depth: 0,
            hash,
            reveal_nonce: B256::ZERO,
        },
        ChainError::AlreadyRevealed,
    );
    assert_eq!(
        h.ledger
            .state()
            .redistribution
            .current_round_anchor(h.block()),
        Err(ChainError::FirstRevealDone)
    );

    // A claim in the next round, whose reveals never happened.
    h.advance_to(round_start(ROUND + 1) + 2 * PHASE_LENGTH);
    h.expect_revert(
        &node,
        Call::Claim {
            proofs: Box::new(dummy_proofs()),
        },
        ChainError::NoReveals,
    );
}

fn dummy_proofs() -> [comb_sampling::ClaimProof; 3] {
    let proof = comb_sampling::ClaimProof {
        proof_segments: [B256::ZERO; 7],
        prove_segment: B256::ZERO,
        proof_segments2: [B256::ZERO; 7],
        prove_segment2: B256::ZERO,
        chunk_span: 0,
        proof_segments3: [B256::ZERO; 7],
        postage_proof: comb_sampling::PostageProof {
            signature: comb_primitives::Signature([27; 65]),
            postage_id: B256::ZERO,
            index: 0,
            time_stamp: 0,
        },
        soc_proof: None,
    };
    [proof.clone(), proof.clone(), proof]
}
