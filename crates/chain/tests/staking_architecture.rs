//! The staking architecture through the public transaction interface
//! (`staking-architecture.md`): provider bonds, user-staking discounts, availability
//! challenges and the penalty ladder, performance scores and payout scaling, user rewards,
//! governance; every failing transaction leaves the state root unchanged.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use comb_chain::accounts::{COMPENSATION_POOL, POSTAGE_STAMP, USER_REWARD_POOL};
use comb_chain::events::Event;
use comb_chain::governance::ProposalAction;
use comb_chain::params::Param;
use comb_chain::round::{round_of, round_start, ROUND_LENGTH};
use comb_chain::{Call, ChainError, Outcome};
use comb_primitives::{Signer, B256, U256};
use common::arch::{answer, buy_batch, stamped_chunk, Game, Play};
use common::{bzz, signer, Harness};

const PER_CHUNK: u64 = 1_000_000_000;
/// A depth-17 batch at `PER_CHUNK`.
fn batch_cost() -> U256 {
    U256::from(PER_CHUNK) << 17
}

fn stake_of(h: &Harness, who: &Signer) -> U256 {
    h.ledger
        .state()
        .staking
        .stake(&who.address())
        .map_or(U256::ZERO, |s| s.potential_stake)
}

fn score(h: &Harness, who: &Signer) -> u64 {
    let a = &h.ledger.state().architecture;
    a.scores.score(&a.params, &who.address())
}

fn pool(h: &Harness) -> U256 {
    h.balance(&COMPENSATION_POOL)
}

/// `pct_bp` of `amount`.
fn bp(amount: U256, pct_bp: u64) -> U256 {
    amount * U256::from(pct_bp) / U256::from(10_000u64)
}

fn commit_now(h: &mut Harness, who: &Signer) -> Result<comb_chain::Receipt, ChainError> {
    let round = round_of(h.block());
    h.send(
        who,
        Call::Commit {
            obfuscated_hash: B256::repeat_byte(9),
            round,
        },
    )
}

#[test]
fn a_provider_stake_is_its_performance_bond() {
    let mut h = Harness::new(2, bzz(1_000), |_| {});
    let provider = signer(0);
    h.send(
        &provider,
        Call::ManageStake {
            nonce: B256::ZERO,
            amount: bzz(100),
            height: 0,
        },
    )
    .unwrap();
    assert_eq!(stake_of(&h, &provider), bzz(100));
    assert_eq!(score(&h, &provider), 10_000);
    let standing = h
        .ledger
        .state()
        .architecture
        .ladder
        .standing(&provider.address());
    assert!(standing.offences.is_empty() && !standing.excluded);
    h.ledger.state().check_conservation().unwrap();
}

#[test]
fn a_silver_staker_pays_ten_percent_less_and_the_batch_holds_full_value() {
    let mut h = Harness::new(3, bzz(5_000), |_| {});
    let user = signer(0);
    let donor = signer(1);
    let plain = signer(2);
    h.send(
        &donor,
        Call::Transfer {
            to: COMPENSATION_POOL,
            amount: bzz(10),
        },
    )
    .unwrap();
    h.send(
        &user,
        Call::StakeUser {
            amount: bzz(1_000),
            lock_blocks: 0,
        },
    )
    .unwrap();
    let user_before = h.balance(&user.address());
    let postage_before = h.balance(&POSTAGE_STAMP);
    let id = buy_batch(&mut h, &user, 1);
    let discount = bp(batch_cost(), 1_000);
    assert_eq!(
        user_before - h.balance(&user.address()),
        batch_cost() - discount
    );
    assert_eq!(h.balance(&POSTAGE_STAMP) - postage_before, batch_cost());
    assert_eq!(pool(&h), bzz(10) - discount);
    // The batch is credited the full balance per chunk: the same as a plain buyer's.
    let plain_id = buy_batch(&mut h, &plain, 1);
    let state = h.ledger.state();
    assert_eq!(
        state.postage.batch(&id).unwrap().normalised_balance,
        state.postage.batch(&plain_id).unwrap().normalised_balance
    );
    // A top-up is discounted too.
    let before = h.balance(&user.address());
    h.send(
        &user,
        Call::TopUp {
            batch_id: id,
            topup_per_chunk: U256::from(PER_CHUNK),
        },
    )
    .unwrap();
    assert_eq!(
        before - h.balance(&user.address()),
        batch_cost() - bp(batch_cost(), 1_000)
    );
    h.ledger.state().check_conservation().unwrap();
}

#[test]
fn an_empty_pool_gives_no_discount() {
    let mut h = Harness::new(1, bzz(5_000), |_| {});
    let user = signer(0);
    h.send(
        &user,
        Call::StakeUser {
            amount: bzz(1_000),
            lock_blocks: 0,
        },
    )
    .unwrap();
    assert_eq!(pool(&h), U256::ZERO);
    let before = h.balance(&user.address());
    buy_batch(&mut h, &user, 1);
    assert_eq!(before - h.balance(&user.address()), batch_cost());
}

/// A provider that revealed depth 0 (so every chunk is in its area) and a challenger
/// holding a batch with a stamped chunk.
struct ChallengeSetup {
    game: Game,
    provider: Signer,
    challenger: Signer,
    batch: B256,
}

fn challenge_setup() -> ChallengeSetup {
    let h = Harness::new(4, bzz(20_000), |config| {
        config.redistribution.sample_max_value = U256::MAX;
    });
    let provider = signer(0);
    let challenger = signer(1);
    let mut game = Game::new(h, &signer(3));
    game.stake(&provider, bzz(100));
    game.play(3, &[(&provider, Play::Honest)]);
    let batch = buy_batch(&mut game.h, &challenger, 2);
    ChallengeSetup {
        game,
        provider,
        challenger,
        batch,
    }
}

fn open_challenge(s: &mut ChallengeSetup, text: &str) -> (u64, common::arch::StampedChunk) {
    let chunk = stamped_chunk(&s.challenger, s.batch, text);
    let receipt = s
        .game
        .h
        .send(
            &s.challenger,
            Call::OpenChallenge {
                provider: s.provider.address(),
                chunk_address: *chunk.chunk.address(),
                stamp: chunk.stamp,
            },
        )
        .unwrap();
    let Outcome::Id(id) = receipt.outcome else {
        panic!("no id")
    };
    (id, chunk)
}

/// Lets a challenge's window pass and settles it; returns the challenger's gain.
fn fail_challenge(s: &mut ChallengeSetup, text: &str) -> U256 {
    let before = s.game.h.balance(&s.challenger.address());
    let (id, _) = open_challenge(s, text);
    let opened = s.game.h.block();
    s.game.h.advance_to(opened + 38);
    let anyone = signer(2);
    s.game.h.expect_revert(
        &anyone,
        Call::SettleChallenge { id },
        ChainError::ChallengeWindowOpen,
    );
    s.game.h.advance_to(opened + 39);
    s.game
        .h
        .send(&anyone, Call::SettleChallenge { id })
        .unwrap();
    s.game.h.balance(&s.challenger.address()) - before
}

#[test]
fn an_honest_answer_earns_the_bond_and_a_wrong_proof_reverts() {
    let mut s = challenge_setup();
    let bond = bzz(1);
    let provider_before = s.game.h.balance(&s.provider.address());
    let (id, chunk) = open_challenge(&mut s, "the challenged chunk");
    // The segment is drawn when the next block opens.
    let h = &mut s.game.h;
    h.expect_revert(
        &s.provider,
        Call::AnswerChallenge {
            id,
            proof: Box::new(answer(&chunk, 0)),
        },
        ChainError::ChallengeSegmentNotDrawn,
    );
    h.advance_to(h.block() + 1);
    let segment = h
        .ledger
        .state()
        .architecture
        .challenges
        .challenge(id)
        .unwrap()
        .segment
        .unwrap();
    let mut forged = answer(&chunk, segment);
    forged.segment.0[0] ^= 1;
    h.expect_revert(
        &s.provider,
        Call::AnswerChallenge {
            id,
            proof: Box::new(forged),
        },
        ChainError::ChallengeProofInvalid,
    );
    h.expect_revert(
        &s.challenger,
        Call::AnswerChallenge {
            id,
            proof: Box::new(answer(&chunk, segment)),
        },
        ChainError::Unauthorized(s.challenger.address()),
    );
    h.send(
        &s.provider,
        Call::AnswerChallenge {
            id,
            proof: Box::new(answer(&chunk, segment)),
        },
    )
    .unwrap();
    assert_eq!(h.balance(&s.provider.address()), provider_before + bond);
    assert_eq!(stake_of(h, &s.provider), bzz(100));
    assert_eq!(score(h, &s.provider), 10_000);
    h.expect_revert(
        &s.provider,
        Call::SettleChallenge { id },
        ChainError::UnknownChallenge(id),
    );
    h.ledger.state().check_conservation().unwrap();
}

#[test]
fn challenges_check_stamp_owner_and_area() {
    let mut s = challenge_setup();
    let chunk = stamped_chunk(&s.challenger, s.batch, "a chunk");
    let stranger = signer(2);
    let h = &mut s.game.h;
    // Only the batch owner can challenge with its stamp.
    h.expect_revert(
        &stranger,
        Call::OpenChallenge {
            provider: s.provider.address(),
            chunk_address: *chunk.chunk.address(),
            stamp: chunk.stamp,
        },
        ChainError::NotBatchOwner,
    );
    // A stamp for another chunk does not verify.
    h.expect_revert(
        &s.challenger,
        Call::OpenChallenge {
            provider: s.provider.address(),
            chunk_address: B256::repeat_byte(0x55),
            stamp: chunk.stamp,
        },
        ChainError::InvalidChallengeStamp,
    );
    // A provider that never revealed has no area yet.
    h.expect_revert(
        &s.challenger,
        Call::OpenChallenge {
            provider: signer(3).address(),
            chunk_address: *chunk.chunk.address(),
            stamp: chunk.stamp,
        },
        ChainError::NotStaked,
    );
}

#[test]
fn failed_challenges_climb_the_ladder_to_suspension() {
    let mut s = challenge_setup();
    let bond = bzz(1);
    let pool_before = pool(&s.game.h);

    // 1st: 5 % of 100 BZZ; the challenger gets its bond back plus 2 × bond.
    let gain = fail_challenge(&mut s, "first");
    assert_eq!(gain, bond * U256::from(2u8));
    assert_eq!(stake_of(&s.game.h, &s.provider), bzz(95));
    assert_eq!(
        pool(&s.game.h) - pool_before,
        bzz(5) - bond * U256::from(2u8)
    );
    assert_eq!(score(&s.game.h, &s.provider), 7_000);

    // 2nd in the window: 10 %.
    fail_challenge(&mut s, "second");
    let after_second = bzz(95) - bp(bzz(95), 1_000);
    assert_eq!(stake_of(&s.game.h, &s.provider), after_second);

    // 3rd: 20 % and a suspension of 4 rounds.
    fail_challenge(&mut s, "third");
    let after_third = after_second - bp(after_second, 2_000);
    assert_eq!(stake_of(&s.game.h, &s.provider), after_third);
    assert_eq!(score(&s.game.h, &s.provider), 1_000);
    let until = s
        .game
        .h
        .ledger
        .state()
        .architecture
        .ladder
        .standing(&s.provider.address())
        .suspended_until;
    assert_eq!(until, s.game.h.block() + 4 * ROUND_LENGTH);

    // Commits are refused while suspended, and accepted after.
    let next_round = round_of(s.game.h.block()) + 1;
    s.game.h.advance_to(round_start(next_round));
    let h = &mut s.game.h;
    let before = h.ledger.state().root().unwrap();
    assert_eq!(
        commit_now(h, &s.provider),
        Err(ChainError::ProviderSuspended { until })
    );
    assert_eq!(h.ledger.state().root().unwrap(), before);
    h.advance_to(round_start(round_of(until) + 1));
    commit_now(h, &s.provider).unwrap();
    h.ledger.state().check_conservation().unwrap();
}

#[test]
fn non_reveal_and_disagreement_ladders_slash_and_scores_follow() {
    let h = Harness::new(6, bzz(20_000), |config| {
        config.redistribution.sample_max_value = U256::MAX;
    });
    let honest: Vec<Signer> = (0..3).map(signer).collect();
    let liar = signer(3);
    let no_show = signer(4);
    let mut game = Game::new(h, &signer(5));
    for node in &honest {
        game.stake(node, bzz(5_000));
    }
    game.stake(&liar, bzz(100));
    game.stake(&no_show, bzz(100));
    let plan = |extra: &[(&Signer, Play)]| -> Vec<(Signer, Play)> {
        honest
            .iter()
            .map(|n| (n.clone(), Play::Honest))
            .chain(extra.iter().map(|(n, p)| ((*n).clone(), *p)))
            .collect()
    };
    let play = |game: &mut Game, round: u64, extra: &[(&Signer, Play)]| {
        let owned = plan(extra);
        let refs: Vec<(&Signer, Play)> = owned.iter().map(|(n, p)| (n, *p)).collect();
        game.play(round, &refs)
    };

    // Round 3: first offences — warnings with Bee's freezes, no slash.
    play(
        &mut game,
        3,
        &[(&liar, Play::Lie), (&no_show, Play::NoShow)],
    );
    assert_eq!(stake_of(&game.h, &liar), bzz(100));
    assert_eq!(stake_of(&game.h, &no_show), bzz(100));
    assert_eq!(score(&game.h, &liar), 8_500);
    assert_eq!(score(&game.h, &no_show), 9_000);
    assert_eq!(score(&game.h, &honest[0]), 10_000);
    // Frozen (Bee): the liar cannot commit in the next rounds.
    game.h.advance_to(round_start(4));
    game.h.expect_revert(
        &liar,
        Call::Commit {
            obfuscated_hash: B256::ZERO,
            round: 4,
        },
        ChainError::MustStake2Rounds,
    );

    // Round 7: the liar's 2nd disagreement: 1 %.
    let pool0 = pool(&game.h);
    play(&mut game, 7, &[(&liar, Play::Lie)]);
    assert_eq!(stake_of(&game.h, &liar), bzz(99));
    assert_eq!(pool(&game.h) - pool0, bzz(1));

    // Round 8: the no-show's 2nd non-reveal: 0.5 %.
    play(&mut game, 8, &[(&no_show, Play::NoShow)]);
    assert_eq!(stake_of(&game.h, &no_show), bzz(100) - bp(bzz(100), 50));

    // Round 11: the liar's 3rd: 3 %; round 13: the no-show's 3rd: 2 %.
    play(&mut game, 11, &[(&liar, Play::Lie)]);
    assert_eq!(stake_of(&game.h, &liar), bzz(99) - bp(bzz(99), 300));
    assert_eq!(score(&game.h, &liar), 5_500);
    play(&mut game, 13, &[(&no_show, Play::NoShow)]);
    let after_second = bzz(100) - bp(bzz(100), 50);
    assert_eq!(
        stake_of(&game.h, &no_show),
        after_second - bp(after_second, 200)
    );
    assert_eq!(score(&game.h, &no_show), 7_000);
    // Restoration: an agreeing reveal raises the score again.
    play(&mut game, 18, &[(&no_show, Play::Honest)]);
    assert_eq!(score(&game.h, &no_show), 7_200);
    game.h.ledger.state().check_conservation().unwrap();
}

#[test]
fn the_payout_scales_with_the_score_and_the_rest_stays_in_the_pot() {
    let h = Harness::new(3, bzz(20_000), |config| {
        config.redistribution.sample_max_value = U256::MAX;
    });
    let steady = signer(0);
    let shaky = signer(1);
    let mut game = Game::new(h, &signer(2));
    game.stake(&steady, bzz(1_000));
    game.stake(&shaky, bzz(100));

    // Score 10 000: the whole pot, as in Bee.
    let (winner, receipt) = game.play(3, &[(&steady, Play::Honest), (&shaky, Play::NoShow)]);
    assert_eq!(winner, steady.address());
    let shared = receipt
        .events
        .iter()
        .find_map(|e| match e {
            Event::PotShared {
                payout, withheld, ..
            } => Some((*payout, *withheld)),
            _ => None,
        })
        .unwrap();
    assert_eq!(shared.1, U256::ZERO);
    assert_eq!(game.h.ledger.state().postage.pot(), U256::ZERO);
    assert_eq!(score(&game.h, &shaky), 9_000);

    // The shaky node plays alone and wins with 9 200: 0.5 + 0.5 × 0.92 = 96 %.
    let before = game.h.balance(&shaky.address());
    let (winner, _) = game.play(8, &[(&shaky, Play::Honest)]);
    assert_eq!(winner, shaky.address());
    assert_eq!(score(&game.h, &shaky), 9_200);
    // The pot at claim time is what was paid plus what stayed.
    let paid = game.h.balance(&shaky.address()) - before;
    let withheld = game.h.ledger.state().postage.pot();
    let pot = paid + withheld;
    assert!(pot > U256::ZERO);
    assert_eq!(paid, bp(pot, 9_600));
    assert_eq!(withheld, pot - bp(pot, 9_600));
    game.h.ledger.state().check_conservation().unwrap();
}

#[test]
fn user_rewards_from_a_claimed_pot_are_shared_by_weight() {
    let h = Harness::new(5, bzz(20_000), |config| {
        config.redistribution.sample_max_value = U256::MAX;
        config.staking_architecture.voting_period = 10;
        config.staking_architecture.timelock = 2;
    });
    let node = signer(0);
    let long = signer(1);
    let short = signer(2);
    let unlocked = signer(3);
    let mut game = Game::new(h, &signer(4));
    game.stake(&node, bzz(100));
    let day = comb_chain::params::BLOCKS_PER_DAY;
    // 100 BZZ × 2 (365 days) = 200 × 1 (30 days) = 200; the unlocked stake weighs nothing.
    for (who, amount, lock) in [
        (&long, bzz(100), 365 * day),
        (&short, bzz(200), 30 * day),
        (&unlocked, bzz(500), 0),
    ] {
        game.h
            .send(
                who,
                Call::StakeUser {
                    amount,
                    lock_blocks: lock,
                },
            )
            .unwrap();
    }
    let users = &game.h.ledger.state().architecture.users;
    assert_eq!(users.weight(&long.address()), bzz(200));
    assert_eq!(users.weight(&short.address()), bzz(200));
    assert_eq!(users.weight(&unlocked.address()), U256::ZERO);

    let before = game.h.balance(&node.address());
    let (_, receipt) = game.play(3, &[(&node, Play::Honest)]);
    let (payout, user_rewards) = receipt
        .events
        .iter()
        .find_map(|e| match e {
            Event::PotShared {
                payout,
                user_rewards,
                ..
            } => Some((*payout, *user_rewards)),
            _ => None,
        })
        .unwrap();
    let pot = payout + user_rewards;
    assert_eq!(user_rewards, bp(pot, 500));
    assert_eq!(game.h.balance(&node.address()) - before, payout);
    assert_eq!(game.h.balance(&USER_REWARD_POOL), user_rewards);

    // Both weighted stakers vote on a proposal that reaches quorum: they share the
    // participation bonus, 1 % of the pool, by weight, and every staker's unclaimed
    // rewards shrink by that 1 %.
    let id = match game
        .h
        .send(
            &long,
            Call::Propose {
                action: ProposalAction::SetParameter {
                    param: Param::GoldDiscount,
                    value: U256::from(2_500u64),
                },
            },
        )
        .unwrap()
        .outcome
    {
        Outcome::Id(id) => id,
        other => panic!("unexpected {other:?}"),
    };
    game.h
        .send(&long, Call::Vote { id, support: true })
        .unwrap();
    game.h
        .send(&short, Call::Vote { id, support: false })
        .unwrap();
    game.h.advance_to(game.h.block() + 12);
    let (long_before, short_before) = (
        game.h.balance(&long.address()),
        game.h.balance(&short.address()),
    );
    let receipt = game.h.send(&node, Call::Execute { id }).unwrap();
    assert!(receipt.events.contains(&Event::ProposalExecuted {
        id,
        quorum: true,
        passed: false
    }));
    let bonus = bp(user_rewards, 100);
    // The proposer's deposit came back with its half of the bonus.
    assert_eq!(
        game.h.balance(&long.address()) - long_before,
        bzz(100) + bonus / U256::from(2u8)
    );
    assert_eq!(
        game.h.balance(&short.address()) - short_before,
        bonus / U256::from(2u8)
    );
    assert_eq!(
        game.h.ledger.state().architecture.params.gold_discount,
        2_000
    );

    let mut claimed = Vec::new();
    for who in [&long, &short, &unlocked] {
        let before = game.h.balance(&who.address());
        game.h.send(who, Call::ClaimUserRewards).unwrap();
        claimed.push(game.h.balance(&who.address()) - before);
    }
    let half = (user_rewards - bonus) / U256::from(2u8);
    assert!(half - claimed[0] <= U256::from(1u8));
    assert!(half - claimed[1] <= U256::from(1u8));
    assert_eq!(claimed[2], U256::ZERO);
    game.h
        .expect_revert(&node, Call::ClaimUserRewards, ChainError::NoUserStake);
    game.h.ledger.state().check_conservation().unwrap();
}

#[test]
fn user_stakes_lock_unbond_and_withdraw() {
    let mut h = Harness::new(1, bzz(1_000), |config| {
        config.staking_architecture.user_unbonding_blocks = 50;
    });
    let user = signer(0);
    h.expect_revert(
        &user,
        Call::StakeUser {
            amount: U256::ZERO,
            lock_blocks: 10,
        },
        ChainError::ZeroAmount,
    );
    h.send(
        &user,
        Call::StakeUser {
            amount: bzz(100),
            lock_blocks: 20,
        },
    )
    .unwrap();
    let lock_end = h.block() + 20;
    h.expect_revert(
        &user,
        Call::UnbondUser,
        ChainError::UserStakeLocked { until: lock_end },
    );
    h.expect_revert(&user, Call::WithdrawUser, ChainError::UserNotUnbonding);
    h.advance_to(lock_end);
    h.send(&user, Call::UnbondUser).unwrap();
    let end = h.block() + 50;
    h.expect_revert(
        &user,
        Call::StakeUser {
            amount: bzz(1),
            lock_blocks: 0,
        },
        ChainError::UserUnbonding,
    );
    h.expect_revert(
        &user,
        Call::WithdrawUser,
        ChainError::UnbondingNotOver { until: end },
    );
    h.advance_to(end);
    h.send(&user, Call::WithdrawUser).unwrap();
    assert_eq!(h.balance(&user.address()), bzz(1_000));
    assert!(h
        .ledger
        .state()
        .architecture
        .users
        .stake(&user.address())
        .is_none());
    h.expect_revert(
        &user,
        Call::Transfer {
            to: USER_REWARD_POOL,
            amount: U256::from(1u8),
        },
        ChainError::BookKeptAccount(USER_REWARD_POOL),
    );
}

/// Governance with a short voting period and timelock so the test runs quickly.
fn governance_harness() -> Harness {
    Harness::new(5, bzz(20_000), |config| {
        config.staking_architecture.voting_period = 100;
        config.staking_architecture.timelock = 20;
    })
}

fn propose(h: &mut Harness, who: &Signer, action: ProposalAction) -> u64 {
    match h.send(who, Call::Propose { action }).unwrap().outcome {
        Outcome::Id(id) => id,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn governance_changes_the_bronze_discount_after_quorum_and_timelock() {
    let mut h = governance_harness();
    let whale = signer(0);
    let bronze = signer(1);
    let donor = signer(2);
    let day = comb_chain::params::BLOCKS_PER_DAY;
    h.send(
        &whale,
        Call::StakeUser {
            amount: bzz(1_000),
            lock_blocks: 365 * day,
        },
    )
    .unwrap();
    h.send(
        &bronze,
        Call::StakeUser {
            amount: bzz(100),
            lock_blocks: 30 * day,
        },
    )
    .unwrap();
    h.send(
        &donor,
        Call::Transfer {
            to: COMPENSATION_POOL,
            amount: bzz(100),
        },
    )
    .unwrap();
    h.expect_revert(
        &whale,
        Call::Propose {
            action: ProposalAction::SetParameter {
                param: Param::BronzeDiscount,
                value: U256::from(10_001u64),
            },
        },
        ChainError::InvalidParameter,
    );
    let whale_before = h.balance(&whale.address());
    let id = propose(
        &mut h,
        &whale,
        ProposalAction::SetParameter {
            param: Param::BronzeDiscount,
            value: U256::from(1_500u64),
        },
    );
    assert_eq!(whale_before - h.balance(&whale.address()), bzz(100));
    h.send(&whale, Call::Vote { id, support: true }).unwrap();
    h.expect_revert(
        &whale,
        Call::Vote { id, support: false },
        ChainError::AlreadyVoted,
    );
    h.expect_revert(
        &donor,
        Call::Vote { id, support: true },
        ChainError::NoVotingWeight,
    );
    let voting_end = h
        .ledger
        .state()
        .architecture
        .governance
        .proposal(id)
        .unwrap()
        .voting_end;
    h.advance_to(voting_end);
    h.expect_revert(
        &bronze,
        Call::Vote { id, support: false },
        ChainError::VotingClosed,
    );
    h.expect_revert(
        &donor,
        Call::Execute { id },
        ChainError::TimelockNotOver {
            until: voting_end + 20,
        },
    );
    // Before execution the bronze discount is still 5 %.
    let before = h.balance(&bronze.address());
    buy_batch(&mut h, &bronze, 1);
    assert_eq!(
        before - h.balance(&bronze.address()),
        batch_cost() - bp(batch_cost(), 500)
    );
    h.advance_to(voting_end + 20);
    let receipt = h.send(&donor, Call::Execute { id }).unwrap();
    assert!(receipt.events.contains(&Event::ProposalExecuted {
        id,
        quorum: true,
        passed: true
    }));
    assert_eq!(h.ledger.state().architecture.params.bronze_discount, 1_500);
    // The deposit came back.
    assert_eq!(h.balance(&whale.address()), whale_before);
    // A batch bought afterwards gets the new discount.
    let before = h.balance(&bronze.address());
    buy_batch(&mut h, &bronze, 2);
    assert_eq!(
        before - h.balance(&bronze.address()),
        batch_cost() - bp(batch_cost(), 1_500)
    );
    h.expect_revert(
        &donor,
        Call::Execute { id },
        ChainError::UnknownProposal(id),
    );
    h.ledger.state().check_conservation().unwrap();
}

#[test]
fn a_proposal_without_quorum_changes_nothing_and_forfeits_its_deposit() {
    let mut h = governance_harness();
    let whale = signer(0);
    let minnow = signer(1);
    let day = comb_chain::params::BLOCKS_PER_DAY;
    h.send(
        &whale,
        Call::StakeUser {
            amount: bzz(1_000),
            lock_blocks: 365 * day,
        },
    )
    .unwrap();
    h.send(
        &minnow,
        Call::StakeUser {
            amount: bzz(100),
            lock_blocks: 30 * day,
        },
    )
    .unwrap();
    // 100 of 2 100 weight is below the 10 % quorum.
    let id = propose(
        &mut h,
        &minnow,
        ProposalAction::SetParameter {
            param: Param::TargetRedundancy,
            value: U256::from(2u8),
        },
    );
    h.send(&minnow, Call::Vote { id, support: true }).unwrap();
    h.advance_to(h.block() + 120);
    let pool_before = pool(&h);
    let receipt = h.send(&minnow, Call::Execute { id }).unwrap();
    assert!(receipt.events.contains(&Event::ProposalExecuted {
        id,
        quorum: false,
        passed: false
    }));
    assert_eq!(h.ledger.state().oracle.target_redundancy(), 4);
    assert_eq!(pool(&h) - pool_before, bzz(100));
    h.ledger.state().check_conservation().unwrap();
}

#[test]
fn governance_excludes_and_reinstates_a_provider() {
    let mut h = governance_harness();
    let voter = signer(0);
    let provider = signer(1);
    let day = comb_chain::params::BLOCKS_PER_DAY;
    h.send(
        &voter,
        Call::StakeUser {
            amount: bzz(1_000),
            lock_blocks: 30 * day,
        },
    )
    .unwrap();
    h.send(
        &provider,
        Call::ManageStake {
            nonce: B256::ZERO,
            amount: bzz(100),
            height: 0,
        },
    )
    .unwrap();
    let pass = |h: &mut Harness, action: ProposalAction| {
        let id = propose(h, &voter, action);
        h.send(&voter, Call::Vote { id, support: true }).unwrap();
        h.advance_to(h.block() + 120);
        h.send(&voter, Call::Execute { id }).unwrap();
    };
    let pool_before = pool(&h);
    pass(
        &mut h,
        ProposalAction::ExcludeProvider {
            owner: provider.address(),
            slash_bp: 5_000,
        },
    );
    assert_eq!(stake_of(&h, &provider), bzz(50));
    assert_eq!(pool(&h) - pool_before, bzz(50));
    let round = round_of(h.block()) + 1;
    h.advance_to(round_start(round).max(3 * ROUND_LENGTH));
    h.expect_revert(
        &provider,
        Call::Commit {
            obfuscated_hash: B256::ZERO,
            round: round_of(h.block()),
        },
        ChainError::ProviderExcluded,
    );
    pass(
        &mut h,
        ProposalAction::ReinstateProvider {
            owner: provider.address(),
        },
    );
    h.advance_to(round_start(round_of(h.block()) + 1));
    commit_now(&mut h, &provider).unwrap();
    h.ledger.state().check_conservation().unwrap();
}
