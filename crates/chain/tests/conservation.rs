//! Property test: random sequences of valid and invalid transactions never break
//! conservation (balances + pot + stakes + chequebooks + user stakes + challenge bonds +
//! pools + proposal deposits = supply, each contract account holds exactly its books) and
//! never panic; a failed transaction leaves the state root unchanged. The staking
//! architecture's calls run with short periods (voting, timelock, unbonding, lock tiers)
//! so that proposals, votes, executions, unbonding and withdrawals also succeed.
#![allow(clippy::unwrap_used)]

mod common;

use comb_chain::accounts::{COMPENSATION_POOL, USER_REWARD_POOL};
use comb_chain::challenge::SegmentProof;
use comb_chain::chequebook::Chequebooks;
use comb_chain::governance::ProposalAction;
use comb_chain::params::Param;
use comb_chain::staking::MIN_STAKE;
use comb_chain::Call;
use comb_postage::{batch_id, bucket_of, Stamp, StampIndex};
use comb_primitives::cheque::Cheque;
use comb_primitives::{B256, U256};
use comb_sampling::PostageProof;
use common::{bzz, signer, Harness};
use proptest::prelude::*;

const ACTORS: u8 = 4;

#[derive(Debug, Clone)]
enum Action {
    Advance(u64),
    Send(u8, Call),
    /// Actor `from` cashes a cheque of `amount` from `issuer`'s chequebook (salt 0).
    Cheque {
        issuer: u8,
        beneficiary: u8,
        amount: u64,
        wrong_chain: bool,
    },
}

fn amount() -> impl Strategy<Value = U256> {
    prop_oneof![
        Just(U256::ZERO),
        (0u64..2_000_000_000).prop_map(U256::from),
        Just(U256::from(MIN_STAKE)),
        (1u64..50).prop_map(bzz),
        Just(U256::MAX),
    ]
}

fn small_b256() -> impl Strategy<Value = B256> {
    (0u8..3).prop_map(B256::repeat_byte)
}

fn call() -> impl Strategy<Value = Call> {
    let actor = 0u8..ACTORS;
    prop_oneof![
        (actor.clone(), amount()).prop_map(|(to, amount)| Call::Transfer {
            to: signer(to).address(),
            amount
        }),
        (
            actor.clone(),
            amount(),
            15u8..22,
            14u8..19,
            small_b256(),
            any::<bool>()
        )
            .prop_map(|(owner, balance, depth, bucket_depth, nonce, immutable)| {
                Call::CreateBatch {
                    owner: signer(owner).address(),
                    initial_balance_per_chunk: balance,
                    depth,
                    bucket_depth,
                    nonce,
                    immutable,
                }
            }),
        (small_b256(), amount()).prop_map(|(batch_id, topup_per_chunk)| Call::TopUp {
            batch_id,
            topup_per_chunk
        }),
        (small_b256(), 15u8..24).prop_map(|(batch_id, new_depth)| Call::IncreaseDepth {
            batch_id,
            new_depth
        }),
        (0u64..4).prop_map(|limit| Call::ExpireLimited { limit }),
        (small_b256(), amount(), 0u8..2).prop_map(|(nonce, amount, height)| Call::ManageStake {
            nonce,
            amount,
            height
        }),
        Just(Call::WithdrawFromStake),
        (small_b256(), 0u64..6).prop_map(|(obfuscated_hash, round)| Call::Commit {
            obfuscated_hash,
            round
        }),
        (0u8..3, small_b256()).prop_map(|(depth, hash)| Call::Reveal {
            depth,
            hash,
            reveal_nonce: B256::ZERO
        }),
        (actor.clone(), small_b256()).prop_map(|(issuer, salt)| Call::DeployChequebook {
            issuer: signer(issuer).address(),
            salt
        }),
        (actor.clone(), amount()).prop_map(|(issuer, amount)| Call::Transfer {
            to: Chequebooks::chequebook_address(&signer(issuer).address(), &B256::ZERO),
            amount,
        }),
        (actor, amount()).prop_map(|(issuer, amount)| Call::WithdrawChequebook {
            chequebook: Chequebooks::chequebook_address(&signer(issuer).address(), &B256::ZERO),
            amount,
        }),
    ]
}

fn proposal_action() -> impl Strategy<Value = ProposalAction> {
    let params = prop_oneof![
        Just(Param::BronzeDiscount),
        Just(Param::Quorum),
        Just(Param::ChallengeBond),
        Just(Param::TargetRedundancy),
        Just(Param::MinimumStake),
        Just(Param::UserRewardShare),
    ];
    prop_oneof![
        (params, 0u64..12_000).prop_map(|(param, value)| ProposalAction::SetParameter {
            param,
            value: U256::from(value)
        }),
        (0u8..ACTORS, 0u64..12_000).prop_map(|(owner, slash_bp)| {
            ProposalAction::ExcludeProvider {
                owner: signer(owner).address(),
                slash_bp,
            }
        }),
        (0u8..ACTORS).prop_map(|owner| ProposalAction::ReinstateProvider {
            owner: signer(owner).address()
        }),
    ]
}

/// A stamp signed by actor `owner` for `chunk` in its batch of nonce `nonce` (bucket
/// depth 16): valid whenever that batch exists with that bucket depth.
fn stamp_of(owner: u8, chunk: B256, nonce: B256) -> PostageProof {
    let id = batch_id(&signer(owner).address(), &nonce);
    let index = StampIndex {
        bucket: bucket_of(&chunk, 16),
        position: 0,
    };
    PostageProof::from(&Stamp::sign(&signer(owner), &chunk, id, index, 1).unwrap())
}

/// Calls of the staking architecture (`staking-architecture.md`).
fn architecture_call(from: u8) -> impl Strategy<Value = Call> {
    let actor = 0u8..ACTORS;
    prop_oneof![
        (amount(), 0u64..40).prop_map(|(amount, lock_blocks)| Call::StakeUser {
            amount,
            lock_blocks
        }),
        Just(Call::UnbondUser),
        Just(Call::WithdrawUser),
        Just(Call::ClaimUserRewards),
        proposal_action().prop_map(|action| Call::Propose { action }),
        (0u64..3, any::<bool>()).prop_map(|(id, support)| Call::Vote { id, support }),
        (0u64..3).prop_map(|id| Call::Execute { id }),
        (actor.clone(), small_b256(), small_b256()).prop_map(move |(provider, chunk, nonce)| {
            Call::OpenChallenge {
                provider: signer(provider).address(),
                chunk_address: chunk,
                stamp: stamp_of(from, chunk, nonce),
            }
        }),
        (0u64..2, small_b256()).prop_map(|(id, segment)| Call::AnswerChallenge {
            id,
            proof: Box::new(SegmentProof {
                segment,
                sisters: [segment; 7],
                span: 4096,
                soc: None,
            }),
        }),
        (0u64..2).prop_map(|id| Call::SettleChallenge { id }),
    ]
}

fn transfer_to_pools() -> impl Strategy<Value = Call> {
    (any::<bool>(), amount()).prop_map(|(reward_pool, amount)| Call::Transfer {
        to: if reward_pool {
            USER_REWARD_POOL
        } else {
            COMPENSATION_POOL
        },
        amount,
    })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        1 => (1u64..400).prop_map(Action::Advance),
        6 => (0u8..ACTORS, call()).prop_map(|(from, call)| Action::Send(from, call)),
        4 => (0u8..ACTORS).prop_flat_map(|from| architecture_call(from).prop_map(move |call| Action::Send(from, call))),
        1 => (0u8..ACTORS, transfer_to_pools()).prop_map(|(from, call)| Action::Send(from, call)),
        1 => (0u8..ACTORS, 0u8..ACTORS, 0u64..5_000_000_000, any::<bool>())
            .prop_map(|(issuer, beneficiary, amount, wrong_chain)| Action::Cheque { issuer, beneficiary, amount, wrong_chain }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn conservation_holds_and_failures_change_nothing(actions in proptest::collection::vec(action(), 1..60)) {
        let mut h = Harness::new(ACTORS, bzz(1_000), |config| {
            let p = &mut config.staking_architecture;
            p.voting_period = 30;
            p.timelock = 5;
            p.user_unbonding_blocks = 20;
            p.lock_tier1_blocks = 10;
            p.lock_tier2_blocks = 20;
            p.lock_tier3_blocks = 30;
            p.bronze_minimum = bzz(1);
        });
        let supply = h.ledger.state().token.total_supply();
        for action in actions {
            match action {
                Action::Advance(blocks) => {
                    let target = h.block() + blocks;
                    h.advance_to(target);
                }
                Action::Send(from, call) => {
                    let before = h.ledger.state().clone();
                    if h.send(&signer(from), call).is_err() {
                        prop_assert_eq!(h.ledger.state(), &before);
                    }
                }
                Action::Cheque { issuer, beneficiary, amount, wrong_chain } => {
                    let chain_id = h.ledger.config().chain_id + u64::from(wrong_chain);
                    let chequebook = Chequebooks::chequebook_address(&signer(issuer).address(), &B256::ZERO);
                    let cheque = Cheque {
                        chequebook,
                        beneficiary: signer(beneficiary).address(),
                        cumulative_payout: U256::from(amount),
                    };
                    let signed = cheque.sign(&signer(issuer), chain_id).unwrap();
                    let before = h.ledger.state().clone();
                    let result = h.send(&signer(beneficiary), Call::CashCheque {
                        chequebook,
                        recipient: signer(beneficiary).address(),
                        cumulative_payout: U256::from(amount),
                        signature: signed.signature,
                    });
                    if result.is_err() {
                        prop_assert_eq!(h.ledger.state(), &before);
                    }
                    // A wrong-chain signature fails unless the issuer cashes its own cheque,
                    // which the contract does not check (swap.md §4.2 step 1).
                    let issuer_cashes = before
                        .chequebooks
                        .get(&chequebook)
                        .is_some_and(|book| book.issuer == signer(beneficiary).address());
                    if wrong_chain && !issuer_cashes {
                        prop_assert!(result.is_err());
                    }
                }
            }
            let state = h.ledger.state();
            prop_assert_eq!(state.token.total_supply(), supply);
            if let Err(violation) = state.check_conservation() {
                prop_assert!(false, "{}", violation);
            }
        }
    }
}
