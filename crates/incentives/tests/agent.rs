//! The decision core (spec §5.9) over hand-made chain views: the full sequence, every rail,
//! the test-only lie and a restart between commit and reveal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use comb_chain::round::{is_commit_last_block, phase_of, round_of, round_start, Phase};
use comb_incentives::{
    Action, Agent, AgentConfig, AgentState, ChainView, CommitStage, Health, SampleRecord,
    StakeView, StateFile,
};
use comb_primitives::{B256, U256};
use comb_sampling::wrap_commit;

const OVERLAY: B256 = B256::repeat_byte(0x0a);
const NONCE: B256 = B256::repeat_byte(0x77);
const ANCHOR: B256 = B256::repeat_byte(0x42);

fn healthy() -> Health {
    Health {
        synced: true,
        healthy: true,
        paused: false,
        storage_radius: 2,
    }
}

/// The chain at `block` of a staked, unfrozen node that is selected to play.
fn view(block: u64) -> ChainView {
    ChainView {
        block,
        round: round_of(block),
        phase: phase_of(block),
        last_commit_block: is_commit_last_block(block),
        anchor: Some(ANCHOR),
        seed: B256::repeat_byte(0x99),
        current_claim_round: 0,
        stake: Some(StakeView {
            overlay: OVERLAY,
            height: 1,
            last_updated_block: 1,
            effective_stake: U256::from(10u8),
        }),
        participating: Some(true),
        is_winner: None,
        committed: false,
        revealed: false,
    }
}

fn claim_block(round: u64) -> u64 {
    round_start(round) + 80
}

fn record(round: u64) -> SampleRecord {
    SampleRecord {
        round,
        anchor: ANCHOR,
        depth: 3,
        hash: B256::repeat_byte(0xab),
        items: Vec::new(),
    }
}

fn actions(agent: &mut Agent, view: &ChainView, health: &Health) -> Vec<Action> {
    agent
        .step(view, health, NONCE)
        .into_iter()
        .filter_map(|decision| decision.action)
        .collect()
}

fn agent() -> Agent {
    Agent::new(AgentConfig::new(OVERLAY), AgentState::default())
}

/// An agent holding a sample for round 5.
fn sampled_agent() -> Agent {
    let mut agent = agent();
    let acts = actions(&mut agent, &view(claim_block(4)), &healthy());
    assert_eq!(
        acts,
        vec![Action::Sample {
            round: 5,
            anchor: ANCHOR,
            depth: 3,
            radius: 2
        }]
    );
    agent.sampled(record(5), Duration::from_millis(1500));
    agent
}

#[test]
fn plays_a_full_round_sample_commit_reveal_claim() {
    let mut agent = sampled_agent();
    // Sampling twice is not needed.
    assert!(actions(&mut agent, &view(claim_block(4) + 1), &healthy()).is_empty());

    let commit_block = round_start(5) + 3;
    let expected = wrap_commit(&OVERLAY, 3, &B256::repeat_byte(0xab), &NONCE);
    assert_eq!(
        actions(&mut agent, &view(commit_block), &healthy()),
        vec![Action::Commit {
            round: 5,
            obfuscated_hash: expected
        }]
    );
    agent.committed(5);
    let mut v = view(commit_block + 1);
    v.committed = true;
    assert!(actions(&mut agent, &v, &healthy()).is_empty());

    let mut v = view(round_start(5) + 40);
    v.committed = true;
    assert_eq!(
        actions(&mut agent, &v, &healthy()),
        vec![Action::Reveal {
            round: 5,
            depth: 3,
            hash: B256::repeat_byte(0xab),
            nonce: NONCE
        }]
    );
    agent.revealed(5);

    let mut v = view(claim_block(5));
    v.committed = true;
    v.revealed = true;
    v.is_winner = Some(true);
    let acts = actions(&mut agent, &v, &healthy());
    assert_eq!(acts[0], Action::Claim { round: 5 });
    // The same step samples for round 6.
    assert!(matches!(acts[1], Action::Sample { round: 6, .. }));
    agent.claimed(5, U256::from(1234u32));
    let status = agent.status();
    assert_eq!(status.last_won_round, 5);
    assert_eq!(status.last_played_round, 5);
    assert_eq!(status.last_selected_round, 6);
    assert_eq!(status.reward, U256::from(1234u32));
    assert_eq!(status.last_sample_duration_seconds, 1.5);
    let json = serde_json::to_value(&status).unwrap();
    for key in [
        "isFrozen",
        "isFullySynced",
        "isHealthy",
        "phase",
        "round",
        "block",
        "lastWonRound",
        "lastPlayedRound",
        "lastFrozenRound",
        "lastSelectedRound",
        "lastSampleDurationSeconds",
        "reward",
        "fees",
    ] {
        assert!(json.get(key).is_some(), "{key} missing in {json}");
    }
}

#[test]
fn a_loser_does_not_claim() {
    let mut agent = sampled_agent();
    actions(&mut agent, &view(round_start(5)), &healthy());
    agent.committed(5);
    let mut v = view(round_start(5) + 40);
    v.committed = true;
    actions(&mut agent, &v, &healthy());
    agent.revealed(5);
    let mut v = view(claim_block(5));
    v.participating = Some(false);
    v.is_winner = Some(false);
    assert!(actions(&mut agent, &v, &healthy()).is_empty());
    assert_eq!(
        agent.state().commit.as_ref().unwrap().stage,
        CommitStage::Done
    );
}

#[test]
fn no_sample_when_not_selected_unstaked_frozen_unsynced_unhealthy_or_paused() {
    let cases: Vec<(&str, ChainView, Health)> = vec![
        (
            "not selected",
            {
                let mut v = view(claim_block(4));
                v.participating = Some(false);
                v
            },
            healthy(),
        ),
        (
            "participation unknown",
            {
                let mut v = view(claim_block(4));
                v.participating = None;
                v
            },
            healthy(),
        ),
        (
            "unstaked",
            {
                let mut v = view(claim_block(4));
                v.stake = None;
                v
            },
            healthy(),
        ),
        (
            "frozen",
            {
                let mut v = view(claim_block(4));
                v.stake.as_mut().unwrap().last_updated_block = claim_block(4) + 1000;
                v
            },
            healthy(),
        ),
        (
            "unsynced",
            view(claim_block(4)),
            Health {
                synced: false,
                ..healthy()
            },
        ),
        (
            "unhealthy",
            view(claim_block(4)),
            Health {
                healthy: false,
                ..healthy()
            },
        ),
        (
            "paused",
            view(claim_block(4)),
            Health {
                paused: true,
                ..healthy()
            },
        ),
    ];
    for (name, v, health) in cases {
        let mut agent = agent();
        assert!(actions(&mut agent, &v, &health).is_empty(), "{name}");
    }
}

#[test]
fn no_commit_when_unsynced_unhealthy_frozen_paused_or_too_late() {
    let block = round_start(5) + 5;
    let cases: Vec<(&str, ChainView, Health)> = vec![
        (
            "unsynced",
            view(block),
            Health {
                synced: false,
                ..healthy()
            },
        ),
        (
            "unhealthy",
            view(block),
            Health {
                healthy: false,
                ..healthy()
            },
        ),
        (
            "paused",
            view(block),
            Health {
                paused: true,
                ..healthy()
            },
        ),
        (
            "frozen",
            {
                let mut v = view(block);
                v.stake.as_mut().unwrap().last_updated_block = block + 1;
                v
            },
            healthy(),
        ),
        ("last commit block", view(round_start(5) + 37), healthy()),
    ];
    for (name, v, health) in cases {
        let mut agent = sampled_agent();
        assert!(actions(&mut agent, &v, &health).is_empty(), "{name}");
        // The sample stays for a later block of the phase.
        assert!(agent.state().sample.is_some(), "{name}");
        assert!(agent.state().commit.is_none(), "{name}");
    }
    // And once the rail lifts, it commits.
    let mut agent = sampled_agent();
    actions(
        &mut agent,
        &view(block),
        &Health {
            synced: false,
            ..healthy()
        },
    );
    assert_eq!(actions(&mut agent, &view(block + 1), &healthy()).len(), 1);
}

#[test]
fn paused_after_commit_still_reveals_and_claims_but_starts_nothing_new() {
    let paused = Health {
        paused: true,
        ..healthy()
    };
    let mut agent = sampled_agent();
    actions(&mut agent, &view(round_start(5)), &healthy());
    agent.committed(5);
    let mut v = view(round_start(5) + 40);
    v.committed = true;
    assert!(matches!(
        actions(&mut agent, &v, &paused)[..],
        [Action::Reveal { round: 5, .. }]
    ));
    agent.revealed(5);
    let mut v = view(claim_block(5));
    v.committed = true;
    v.revealed = true;
    v.is_winner = Some(true);
    // Claims, but does not sample for round 6.
    assert_eq!(
        actions(&mut agent, &v, &paused),
        vec![Action::Claim { round: 5 }]
    );
}

#[test]
fn a_failed_commit_is_retried_with_the_same_sample() {
    let mut agent = sampled_agent();
    assert_eq!(
        actions(&mut agent, &view(round_start(5)), &healthy()).len(),
        1
    );
    agent.commit_failed(5);
    assert!(agent.state().commit.is_none());
    assert!(matches!(
        actions(&mut agent, &view(round_start(5) + 1), &healthy())[..],
        [Action::Commit { round: 5, .. }]
    ));
}

#[test]
fn the_test_lie_commits_and_reveals_the_same_wrong_hash() {
    let mut config = AgentConfig::new(OVERLAY);
    config.reveal_wrong_hash = true;
    let mut agent = Agent::new(config, AgentState::default());
    actions(&mut agent, &view(claim_block(4)), &healthy());
    agent.sampled(record(5), Duration::ZERO);
    let commit = actions(&mut agent, &view(round_start(5)), &healthy());
    agent.committed(5);
    let mut v = view(round_start(5) + 40);
    v.committed = true;
    let reveal = actions(&mut agent, &v, &healthy());
    let [Action::Commit {
        obfuscated_hash, ..
    }] = commit[..]
    else {
        panic!("no commit: {commit:?}");
    };
    let [Action::Reveal {
        hash, nonce, depth, ..
    }] = reveal[..]
    else {
        panic!("no reveal: {reveal:?}");
    };
    assert_ne!(
        hash,
        B256::repeat_byte(0xab),
        "the lie reveals the true hash"
    );
    assert_eq!(obfuscated_hash, wrap_commit(&OVERLAY, depth, &hash, &nonce));
}

#[test]
fn restarted_after_commit_the_agent_reveals() {
    let dir = tempfile::tempdir().unwrap();
    let file = StateFile::new(dir.path().join("agent.json"));
    let mut agent = sampled_agent();
    actions(&mut agent, &view(round_start(5)), &healthy());
    agent.committed(5);
    file.save(agent.state()).unwrap();
    drop(agent);

    let mut restarted = Agent::new(AgentConfig::new(OVERLAY), file.load().unwrap());
    let mut v = view(round_start(5) + 40);
    v.committed = true;
    assert_eq!(
        actions(&mut restarted, &v, &healthy()),
        vec![Action::Reveal {
            round: 5,
            depth: 3,
            hash: B256::repeat_byte(0xab),
            nonce: NONCE
        }]
    );
}

#[test]
fn killed_while_committing_the_chain_decides_whether_to_reveal() {
    let mut agent = sampled_agent();
    actions(&mut agent, &view(round_start(5)), &healthy());
    // Saved in the Committing stage: the process died before it heard back.
    let saved = agent.state().clone();
    assert_eq!(
        saved.commit.as_ref().unwrap().stage,
        CommitStage::Committing
    );

    // The commit landed: reveal.
    let mut landed = Agent::new(AgentConfig::new(OVERLAY), saved.clone());
    let mut v = view(round_start(5) + 40);
    v.committed = true;
    assert!(matches!(
        actions(&mut landed, &v, &healthy())[..],
        [Action::Reveal { .. }]
    ));
    // It did not: nothing to reveal.
    let mut lost = Agent::new(AgentConfig::new(OVERLAY), saved);
    assert!(actions(&mut lost, &view(round_start(5) + 40), &healthy()).is_empty());
}

#[test]
fn a_frozen_stake_is_recorded() {
    let mut agent = agent();
    let mut v = view(claim_block(7));
    v.stake.as_mut().unwrap().last_updated_block = claim_block(7) + 5000;
    agent.step(&v, &healthy(), NONCE);
    assert_eq!(agent.status().last_frozen_round, 7);
    assert!(agent.status().is_frozen);
    assert_eq!(agent.status().phase, Phase::Claim);
}

#[test]
fn killed_while_committing_in_the_commit_phase_sends_the_same_commit_again() {
    let mut agent = sampled_agent();
    let first = actions(&mut agent, &view(round_start(5)), &healthy());
    let mut restarted = Agent::new(AgentConfig::new(OVERLAY), agent.state().clone());
    // Another nonce is offered; the recorded secret is kept.
    let again: Vec<Action> = restarted
        .step(
            &view(round_start(5) + 2),
            &healthy(),
            B256::repeat_byte(0x01),
        )
        .into_iter()
        .filter_map(|d| d.action)
        .collect();
    assert_eq!(again, first);
    // Once the chain shows it, nothing more is sent.
    let mut v = view(round_start(5) + 3);
    v.committed = true;
    assert!(actions(&mut restarted, &v, &healthy()).is_empty());
}

#[test]
fn killed_while_revealing_reveals_again() {
    let mut agent = sampled_agent();
    actions(&mut agent, &view(round_start(5)), &healthy());
    agent.committed(5);
    let mut v = view(round_start(5) + 40);
    v.committed = true;
    let first = actions(&mut agent, &v, &healthy());
    // Saved in the Revealing stage, then the process died.
    let mut restarted = Agent::new(AgentConfig::new(OVERLAY), agent.state().clone());
    let mut v = view(round_start(5) + 41);
    v.committed = true;
    assert_eq!(actions(&mut restarted, &v, &healthy()), first);
    // The chain shows the reveal: nothing more.
    v.revealed = true;
    assert!(actions(&mut restarted, &v, &healthy()).is_empty());
}
