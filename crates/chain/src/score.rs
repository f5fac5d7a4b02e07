//! Provider performance scores (`staking-architecture.md` § Provider performance score):
//! per stake owner, in basis points 0..=10 000, starting at the configured initial score,
//! raised by agreeing reveals and lowered by offences; the score scales the winner's payout.

use std::collections::BTreeMap;

use comb_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::env::Events;
use crate::events::Event;
use crate::params::{apply_bp, ArchitectureParams, BASIS_POINTS};
use crate::ChainError;

/// What moved a score (`staking-architecture.md` § Provider performance score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScoreEvent {
    /// A reveal that agreed with the round's truth.
    AgreeingReveal,
    /// A commit without a reveal.
    NonReveal,
    /// A reveal that disagreed with the truth.
    DisagreeingReveal,
    /// A failed availability challenge.
    FailedChallenge,
}

/// The scores of all providers that ever had one moved; others have the initial score.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scores {
    scores: BTreeMap<Address, u64>,
}

impl Scores {
    /// The score of `owner` in basis points (§ Provider performance score).
    pub fn score(&self, params: &ArchitectureParams, owner: &Address) -> u64 {
        self.scores
            .get(owner)
            .copied()
            .unwrap_or(params.score_initial)
            .min(BASIS_POINTS)
    }

    /// Applies `event` to the score of `owner`: +bonus capped at 10 000, or −penalty
    /// floored at 0. Emits `ScoreChanged`.
    pub fn record(
        &mut self,
        params: &ArchitectureParams,
        events: &mut Events,
        owner: Address,
        event: ScoreEvent,
    ) {
        let before = self.score(params, &owner);
        let after = match event {
            ScoreEvent::AgreeingReveal => before
                .saturating_add(params.score_agree_bonus)
                .min(BASIS_POINTS),
            ScoreEvent::NonReveal => before.saturating_sub(params.score_non_reveal_penalty),
            ScoreEvent::DisagreeingReveal => before.saturating_sub(params.score_disagree_penalty),
            ScoreEvent::FailedChallenge => {
                before.saturating_sub(params.score_failed_challenge_penalty)
            }
        };
        self.scores.insert(owner, after);
        events.push(Event::ScoreChanged {
            owner,
            reason: event,
            score: after,
        });
    }

    /// The winner's payout from a pot of `pot` (§ Provider performance score):
    /// `pot × (floor + (1 − floor) × score / 10 000)`, with the floor 0.5 by default.
    /// A score of 10 000 receives the whole pot.
    pub fn payout(
        &self,
        params: &ArchitectureParams,
        owner: &Address,
        pot: U256,
    ) -> Result<U256, ChainError> {
        let floor = params.payout_floor.min(BASIS_POINTS);
        let score = self.score(params, owner);
        // floor + (10 000 − floor) × score / 10 000, in basis points, kept exact by
        // multiplying out: pot × (floor × 10 000 + (10 000 − floor) × score) / 10 000².
        let numerator = floor
            .checked_mul(BASIS_POINTS)
            .and_then(|a| {
                BASIS_POINTS
                    .saturating_sub(floor)
                    .checked_mul(score)
                    .and_then(|b| a.checked_add(b))
            })
            .ok_or(ChainError::Arithmetic)?;
        let scaled = apply_bp(pot, numerator)?;
        Ok(scaled.wrapping_div(U256::from(BASIS_POINTS)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_moves_and_scales_the_payout() {
        let params = ArchitectureParams::default();
        let mut scores = Scores::default();
        let owner = Address::repeat_byte(1);
        let mut events = Vec::new();
        let pot = U256::from(1_000_000u64);
        assert_eq!(scores.payout(&params, &owner, pot).unwrap(), pot);
        scores.record(&params, &mut events, owner, ScoreEvent::AgreeingReveal);
        assert_eq!(scores.score(&params, &owner), 10_000);
        scores.record(&params, &mut events, owner, ScoreEvent::FailedChallenge);
        assert_eq!(scores.score(&params, &owner), 7_000);
        // 0.5 + 0.5 × 0.7 = 0.85
        assert_eq!(
            scores.payout(&params, &owner, pot).unwrap(),
            U256::from(850_000u64)
        );
        for _ in 0..5 {
            scores.record(&params, &mut events, owner, ScoreEvent::DisagreeingReveal);
        }
        assert_eq!(scores.score(&params, &owner), 0);
        assert_eq!(
            scores.payout(&params, &owner, pot).unwrap(),
            U256::from(500_000u64)
        );
    }
}
