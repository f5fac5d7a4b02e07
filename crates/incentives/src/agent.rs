//! The agent's pure decision core (spec §5.9): a [`ChainView`] and the node's [`Health`] in,
//! [`Decision`]s out, and the results of the driver's actions fed back. No I/O, no clock,
//! no randomness: the driver passes a fresh nonce in and persists [`AgentState`] after every
//! step and every result.
//!
//! Rails: no sample or commit while paused, not synced, not healthy, frozen or unstaked; a
//! round already committed still reveals and claims when paused; nothing is committed at
//! the commit phase's last block (§5.1).

use std::time::Duration;

use comb_chain::round::Phase;
use comb_primitives::keccak::keccak256_concat;
use comb_primitives::{B256, U256};
use comb_sampling::wrap_commit;

use crate::state::{CommitRecord, CommitStage};
use crate::{Action, AgentState, ChainView, Decision, Health, SampleRecord, Status};

/// How the agent plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// The node's overlay (spec §1.8).
    pub overlay: B256,
    /// FOR TESTS ONLY: commit and reveal a reserve commitment that is not the sample's, so
    /// the ledger sees a reveal that disagrees with the truth and freezes the stake (§5.7).
    /// The commit and the reveal agree with each other, so the reveal itself is accepted.
    pub reveal_wrong_hash: bool,
}

impl AgentConfig {
    /// An honest agent for `overlay`.
    pub fn new(overlay: B256) -> Self {
        Self {
            overlay,
            reveal_wrong_hash: false,
        }
    }
}

/// The decision core.
#[derive(Debug, Clone)]
pub struct Agent {
    config: AgentConfig,
    state: AgentState,
    /// The round a sample is being taken for (not persisted: a restart samples again).
    sampling: Option<u64>,
    /// The last view and health seen, for [`Agent::status`].
    last: Option<(ChainView, Health)>,
}

impl Agent {
    /// An agent resuming from `state` (the empty state for a new node).
    pub fn new(config: AgentConfig, state: AgentState) -> Self {
        Self {
            config,
            state,
            sampling: None,
            last: None,
        }
    }

    /// The state to persist.
    pub fn state(&self) -> &AgentState {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// Decides what to do at this block. `fresh_nonce` is 32 random bytes, used as the
    /// reveal nonce if the agent commits now (§5.3). Actions are recorded in the state
    /// before they are returned (a commit's secret first of all): persist the state, then
    /// carry the actions out and report each result.
    pub fn step(&mut self, view: &ChainView, health: &Health, fresh_nonce: B256) -> Vec<Decision> {
        self.last = Some((view.clone(), *health));
        let mut decisions = Vec::new();
        if view.frozen() && self.state.history.last_frozen_round != view.round {
            self.state.history.last_frozen_round = view.round;
        }
        self.follow_chain(view);
        match view.phase {
            Phase::Commit => decisions.push(self.commit_phase(view, health, fresh_nonce)),
            Phase::Reveal => decisions.push(self.reveal_phase(view)),
            Phase::Claim => {
                decisions.push(self.claim_phase(view));
                decisions.push(self.sample_phase(view, health));
            }
        }
        decisions
    }

    /// Catches the record up with what the chain shows (after a crash mid-transaction, or
    /// when a round passed without the agent).
    fn follow_chain(&mut self, view: &ChainView) {
        let Some(commit) = self.state.commit.as_mut() else {
            return;
        };
        if commit.round < view.round {
            // The round is over; a pending claim can no longer happen.
            commit.stage = CommitStage::Done;
            return;
        }
        if commit.round != view.round {
            return;
        }
        if commit.stage == CommitStage::Committing && view.committed {
            commit.stage = CommitStage::Committed;
        }
        if matches!(
            commit.stage,
            CommitStage::Committed | CommitStage::Revealing
        ) && view.revealed
        {
            commit.stage = CommitStage::Revealed;
        }
    }

    /// Why the agent may not commit now, if it may not (spec §5.1, §5.3, §5.9).
    fn commit_refusal(view: &ChainView, health: &Health) -> Option<&'static str> {
        if health.paused {
            Some("paused")
        } else if !view.staked() {
            Some("not staked")
        } else if view.frozen() {
            Some("stake frozen")
        } else if !health.synced {
            Some("reserve not synced")
        } else if !health.healthy {
            Some("node not healthy")
        } else if view.last_commit_block {
            Some("last block of the commit phase, commits are refused")
        } else {
            None
        }
    }

    fn commit_phase(&mut self, view: &ChainView, health: &Health, nonce: B256) -> Decision {
        if let Some(commit) = self.state.commit.as_ref().filter(|c| c.round == view.round) {
            // A commit recorded but not seen on chain: the process stopped while sending it.
            // Send it again, same secret (the chain refuses a second commit of the overlay).
            if commit.stage != CommitStage::Committing || view.committed {
                return Decision::skip(format!(
                    "round {}: commit already {:?}",
                    view.round, commit.stage
                ));
            }
            if let Some(why) = Self::commit_refusal(view, health) {
                return Decision::skip(format!("round {}: no commit: {why}", view.round));
            }
            return Decision::act(
                Action::Commit {
                    round: view.round,
                    obfuscated_hash: commit.obfuscated_hash,
                },
                format!("round {}: sending the recorded commit again", view.round),
            );
        }
        let Some(sample) = self.state.sample.as_ref().filter(|s| s.round == view.round) else {
            return Decision::skip(format!("round {}: no sample to commit", view.round));
        };
        let refusal = Self::commit_refusal(view, health).or(if view.committed {
            Some("the overlay already committed in this round without a record here")
        } else {
            None
        });
        if let Some(why) = refusal {
            return Decision::skip(format!("round {}: no commit: {why}", view.round));
        }
        let hash = if self.config.reveal_wrong_hash {
            B256::from(keccak256_concat(&[
                sample.hash.as_slice(),
                b"comb test: wrong reserve commitment",
            ]))
        } else {
            sample.hash
        };
        let obfuscated_hash = wrap_commit(&self.config.overlay, sample.depth, &hash, &nonce);
        let record = CommitRecord {
            round: view.round,
            depth: sample.depth,
            hash,
            nonce,
            obfuscated_hash,
            stage: CommitStage::Committing,
            sample: sample.clone(),
        };
        self.state.commit = Some(record);
        self.state.sample = None;
        Decision::act(
            Action::Commit {
                round: view.round,
                obfuscated_hash,
            },
            format!(
                "round {}: committing the sampled reserve commitment",
                view.round
            ),
        )
    }

    fn reveal_phase(&mut self, view: &ChainView) -> Decision {
        let Some(commit) = self.state.commit.as_mut().filter(|c| c.round == view.round) else {
            return Decision::skip(format!("round {}: nothing committed", view.round));
        };
        match commit.stage {
            // Revealing at a step means the process stopped while sending it: send again.
            CommitStage::Committed | CommitStage::Revealing => {
                commit.stage = CommitStage::Revealing;
                Decision::act(
                    Action::Reveal {
                        round: commit.round,
                        depth: commit.depth,
                        hash: commit.hash,
                        nonce: commit.nonce,
                    },
                    format!("round {}: revealing the commit", view.round),
                )
            }
            CommitStage::Committing => {
                // The commit never landed (the chain does not show it).
                commit.stage = CommitStage::Done;
                Decision::skip(format!("round {}: the commit did not land", view.round))
            }
            stage => Decision::skip(format!("round {}: commit {stage:?}", view.round)),
        }
    }

    fn claim_phase(&mut self, view: &ChainView) -> Decision {
        let Some(commit) = self.state.commit.as_mut().filter(|c| c.round == view.round) else {
            return Decision::skip(format!("round {}: did not play", view.round));
        };
        match commit.stage {
            // Claiming at a step means the process stopped while sending it: ask again.
            CommitStage::Revealed | CommitStage::Claiming => {}
            CommitStage::Committed | CommitStage::Committing | CommitStage::Revealing => {
                commit.stage = CommitStage::Done;
                return Decision::skip(format!("round {}: the reveal did not land", view.round));
            }
            stage => return Decision::skip(format!("round {}: commit {stage:?}", view.round)),
        }
        if view.current_claim_round >= view.round {
            commit.stage = CommitStage::Done;
            return Decision::skip(format!("round {}: already claimed", view.round));
        }
        match view.is_winner {
            Some(true) => {
                commit.stage = CommitStage::Claiming;
                Decision::act(
                    Action::Claim { round: view.round },
                    format!("round {}: won, claiming", view.round),
                )
            }
            Some(false) => {
                commit.stage = CommitStage::Done;
                Decision::skip(format!("round {}: not the winner", view.round))
            }
            None => {
                commit.stage = CommitStage::Revealed;
                Decision::skip(format!("round {}: winner not known yet", view.round))
            }
        }
    }

    fn sample_phase(&mut self, view: &ChainView, health: &Health) -> Decision {
        let Some(next) = view.round.checked_add(1) else {
            return Decision::skip("no next round");
        };
        if self.sampling == Some(next) {
            return Decision::skip(format!("round {next}: sampling in progress"));
        }
        if self.state.sample.as_ref().is_some_and(|s| s.round == next) {
            return Decision::skip(format!("round {next}: already sampled"));
        }
        let refusal = if health.paused {
            Some("paused")
        } else if !view.staked() {
            Some("not staked")
        } else if view.frozen() {
            Some("stake frozen")
        } else if view.participating != Some(true) {
            Some("not in the selected neighbourhood")
        } else if !health.synced {
            Some("reserve not synced")
        } else if !health.healthy {
            Some("node not healthy")
        } else {
            None
        };
        if let Some(why) = refusal {
            return Decision::skip(format!("round {next}: no sample: {why}"));
        }
        self.state.history.last_selected_round = next;
        let (Some(anchor), Some(stake)) = (view.anchor, view.stake.as_ref()) else {
            return Decision::skip(format!("round {next}: no anchor"));
        };
        self.sampling = Some(next);
        Decision::act(
            Action::Sample {
                round: next,
                anchor,
                depth: health.storage_radius.saturating_add(stake.height),
                radius: health.storage_radius,
            },
            format!("round {next}: selected, sampling the reserve"),
        )
    }

    /// The sample for `record.round` is ready; it took `took`.
    pub fn sampled(&mut self, record: SampleRecord, took: Duration) {
        if self.sampling == Some(record.round) {
            self.sampling = None;
        }
        self.state.history.last_sample_duration_seconds = took.as_secs_f64();
        self.state.sample = Some(record);
    }

    /// Sampling for `round` failed; the next claim-phase step may try again.
    pub fn sample_failed(&mut self, round: u64) {
        if self.sampling == Some(round) {
            self.sampling = None;
        }
    }

    /// The commit of `round` is on chain.
    pub fn committed(&mut self, round: u64) {
        if let Some(commit) = self.commit_of(round) {
            commit.stage = CommitStage::Committed;
        }
        self.state.history.last_played_round = round;
    }

    /// The commit of `round` was refused: forget it (the chain has no commit to reveal).
    pub fn commit_failed(&mut self, round: u64) {
        if let Some(commit) = self.state.commit.take() {
            if commit.round == round && commit.stage == CommitStage::Committing {
                // Keep the sample: a later step in the commit phase may try again.
                self.state.sample = Some(commit.sample);
            } else {
                self.state.commit = Some(commit);
            }
        }
    }

    /// The reveal of `round` is on chain.
    pub fn revealed(&mut self, round: u64) {
        if let Some(commit) = self.commit_of(round) {
            commit.stage = CommitStage::Revealed;
        }
    }

    /// The reveal of `round` was refused; the next reveal-phase step tries again.
    pub fn reveal_failed(&mut self, round: u64) {
        if let Some(commit) = self.commit_of(round) {
            if commit.stage == CommitStage::Revealing {
                commit.stage = CommitStage::Committed;
            }
        }
    }

    /// The claim of `round` succeeded and paid `reward`.
    pub fn claimed(&mut self, round: u64, reward: U256) {
        if let Some(commit) = self.commit_of(round) {
            commit.stage = CommitStage::Done;
        }
        self.state.history.last_won_round = round;
        self.state.history.reward = self.state.history.reward.saturating_add(reward);
    }

    /// The claim of `round` failed; the next claim-phase step asks again.
    pub fn claim_failed(&mut self, round: u64) {
        if let Some(commit) = self.commit_of(round) {
            if commit.stage == CommitStage::Claiming {
                commit.stage = CommitStage::Revealed;
            }
        }
    }

    fn commit_of(&mut self, round: u64) -> Option<&mut CommitRecord> {
        self.state.commit.as_mut().filter(|c| c.round == round)
    }

    /// Bee's `/redistributionstate` snapshot (spec §5.9), from the last step.
    pub fn status(&self) -> Status {
        let history = &self.state.history;
        let (view, health) = match &self.last {
            Some((view, health)) => (Some(view), Some(health)),
            None => (None, None),
        };
        Status {
            is_frozen: view.is_some_and(ChainView::frozen),
            is_fully_synced: health.is_some_and(|h| h.synced),
            is_healthy: health.is_some_and(|h| h.healthy),
            is_paused: health.is_some_and(|h| h.paused),
            phase: view.map_or(Phase::Commit, |v| v.phase),
            round: view.map_or(0, |v| v.round),
            block: view.map_or(0, |v| v.block),
            last_won_round: history.last_won_round,
            last_played_round: history.last_played_round,
            last_frozen_round: history.last_frozen_round,
            last_selected_round: history.last_selected_round,
            last_sample_duration_seconds: history.last_sample_duration_seconds,
            reward: history.reward,
            fees: history.fees,
        }
    }
}
