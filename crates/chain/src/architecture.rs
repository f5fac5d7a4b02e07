//! The staking architecture's state in one value (`staking-architecture.md`), and its
//! hooks into the redistribution claim: each commit's outcome moves the provider's score
//! and, for offences, climbs the penalty ladder; the winner's payout is scaled by its score,
//! a share of the pot goes to the user-reward pool, and the withheld rest stays in the pot.

use comb_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::accounts::USER_REWARD_POOL;
use crate::challenge::Challenges;
use crate::env::{Env, Events};
use crate::events::Event;
use crate::governance::Governance;
use crate::ladder::{Ladder, Offence};
use crate::params::{apply_bp, ArchitectureParams};
use crate::pools::RewardPool;
use crate::postage::PostageStamp;
use crate::redistribution::{ClaimHooks, CommitOutcome, Reveal};
use crate::score::{ScoreEvent, Scores};
use crate::staking::StakeRegistry;
use crate::token::Token;
use crate::user_staking::UserStaking;
use crate::ChainError;

/// Everything the staking architecture keeps (`staking-architecture.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Architecture {
    /// Parameters (governance may change them).
    pub params: ArchitectureParams,
    /// Provider performance scores.
    pub scores: Scores,
    /// The penalty ladder: offences, suspensions, exclusions.
    pub ladder: Ladder,
    /// Availability challenges.
    pub challenges: Challenges,
    /// User stakes.
    pub users: UserStaking,
    /// The user-reward pool's books.
    pub rewards: RewardPool,
    /// Governance proposals.
    pub governance: Governance,
}

impl Architecture {
    /// A fresh architecture with `params`.
    pub fn new(params: ArchitectureParams) -> Self {
        Self {
            params,
            ..Self::default()
        }
    }
}

impl ClaimHooks for Architecture {
    /// § Provider performance score and § Penalty ladder: an agreeing reveal raises the
    /// score; a non-reveal always, and a disagreeing reveal when Bee's random factor froze
    /// it, climbs the ladder (1st: Bee's freeze only, 2nd and later: freeze and slash); a
    /// disagreeing reveal lowers the score either way.
    fn on_commit(
        &mut self,
        env: &Env,
        staking: &mut StakeRegistry,
        token: &mut Token,
        events: &mut Events,
        owner: Address,
        outcome: CommitOutcome,
    ) -> Result<(), ChainError> {
        let (score_event, offence) = match outcome {
            CommitOutcome::Agreed => (ScoreEvent::AgreeingReveal, None),
            CommitOutcome::Disagreed { frozen } => (
                ScoreEvent::DisagreeingReveal,
                frozen.then_some(Offence::DisagreeingReveal),
            ),
            CommitOutcome::NotRevealed => (ScoreEvent::NonReveal, Some(Offence::NonReveal)),
        };
        self.scores.record(&self.params, events, owner, score_event);
        if let Some(offence) = offence {
            self.ladder.punish(
                &self.params,
                env.block,
                staking,
                token,
                events,
                owner,
                offence,
                None,
            )?;
        }
        Ok(())
    }

    /// § Provider performance score, § User staking: of the pot, the user-reward share
    /// (5 %) goes to the user-reward pool while some user stake has governance weight
    /// (otherwise no one could claim it, and it stays with the pot); the winner receives
    /// the rest × `0.5 + 0.5 × score / 10 000`, using its score after this round's update;
    /// what is withheld stays in the pot for the next round. With score 10 000 and no
    /// user weight this is Bee's payout exactly.
    fn pay_winner(
        &mut self,
        env: &Env,
        postage: &mut PostageStamp,
        token: &mut Token,
        events: &mut Events,
        winner: &Reveal,
    ) -> Result<(), ChainError> {
        let pot = postage.total_pot(env.block, token)?;
        let total_weight = self.users.total_weight();
        let user_rewards = if total_weight.is_zero() {
            U256::ZERO
        } else {
            apply_bp(pot, self.params.user_reward_share)?
        };
        let rest = pot
            .checked_sub(user_rewards)
            .ok_or(ChainError::Arithmetic)?;
        let payout = self.scores.payout(&self.params, &winner.owner, rest)?;
        if !user_rewards.is_zero() {
            postage.withdraw_part(env.block, token, events, USER_REWARD_POOL, user_rewards)?;
            self.rewards.credit(user_rewards, total_weight)?;
        }
        postage.withdraw_part(env.block, token, events, winner.owner, payout)?;
        events.push(Event::PotShared {
            winner: winner.owner,
            payout,
            user_rewards,
            withheld: rest.saturating_sub(payout),
        });
        Ok(())
    }
}
