//! The penalty ladder (`staking-architecture.md` § Penalty ladder): offences of each kind
//! are counted over a sliding window of blocks; the n-th offence of a kind in the window
//! decides the slash and, for failed availability challenges, a suspension. A security
//! breach (decided by governance) slashes up to 100 % and excludes the provider until
//! governance reinstates it. Slashed stake pays the affected user's compensation first and
//! the remainder into the compensation pool.
//!
//! Bee's freezes for non-reveals and disagreeing reveals stay where Bee puts them
//! ([`crate::redistribution`]); the ladder adds the slashes on top.

use std::collections::BTreeMap;

use comb_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::accounts::{COMPENSATION_POOL, STAKE_REGISTRY};
use crate::env::Events;
use crate::events::Event;
use crate::params::{apply_bp, ArchitectureParams, BASIS_POINTS};
use crate::round::ROUND_LENGTH;
use crate::staking::StakeRegistry;
use crate::token::Token;
use crate::ChainError;

/// The kinds of offence the ladder counts (`staking-architecture.md` § Penalty ladder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Offence {
    /// Committed but did not reveal.
    NonReveal,
    /// Revealed a hash or depth other than the truth.
    DisagreeingReveal,
    /// Did not answer an availability challenge in time.
    FailedChallenge,
    /// A security breach decided by governance.
    SecurityBreach,
}

/// One provider's standing: recent offences, suspension and exclusion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// `(offence, block)` of the offences still inside the window, oldest first.
    pub offences: Vec<(Offence, u64)>,
    /// Commits are refused while the block is below this.
    pub suspended_until: u64,
    /// Excluded by governance; only governance lifts it.
    pub excluded: bool,
}

/// Who the slashed stake compensates first, and how much at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compensation {
    /// The affected user.
    pub to: Address,
    /// The most it receives from the slashed stake.
    pub amount: U256,
}

/// What one application of the ladder did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Penalty {
    /// The offence's number in the window (1 = first).
    pub nth: u64,
    /// PLUR taken from the provider's stake.
    pub slashed: U256,
    /// PLUR of it paid to the affected user.
    pub compensated: U256,
}

/// The ladder's state: standings of providers that ever offended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ladder {
    standings: BTreeMap<Address, Standing>,
}

/// The slash in basis points for the `nth` offence of `offence` in the window.
fn slash_bp(params: &ArchitectureParams, offence: Offence, nth: u64) -> u64 {
    match (offence, nth) {
        (Offence::NonReveal, 0 | 1) | (Offence::DisagreeingReveal, 0 | 1) => 0,
        (Offence::NonReveal, 2) => params.non_reveal_slash_second,
        (Offence::NonReveal, _) => params.non_reveal_slash_third,
        (Offence::DisagreeingReveal, 2) => params.disagree_slash_second,
        (Offence::DisagreeingReveal, _) => params.disagree_slash_third,
        (Offence::FailedChallenge, 0 | 1) => params.challenge_slash_first,
        (Offence::FailedChallenge, 2) => params.challenge_slash_second,
        (Offence::FailedChallenge, _) => params.challenge_slash_third,
        (Offence::SecurityBreach, _) => 0,
    }
}

impl Ladder {
    /// The standing of `owner` (default: no offences).
    pub fn standing(&self, owner: &Address) -> Standing {
        self.standings.get(owner).cloned().unwrap_or_default()
    }

    /// Offences of `offence` by `owner` counted in the window ending at `block`.
    pub fn count_in_window(
        &self,
        params: &ArchitectureParams,
        owner: &Address,
        offence: Offence,
        block: u64,
    ) -> u64 {
        self.standings.get(owner).map_or(0, |s| {
            s.offences
                .iter()
                .filter(|(kind, at)| {
                    *kind == offence && block.saturating_sub(*at) < params.penalty_window_blocks
                })
                .count() as u64
        })
    }

    /// Whether `owner` may commit at `block`: refused while suspended or excluded
    /// (`staking-architecture.md` § Penalty ladder).
    pub fn check_may_commit(&self, owner: &Address, block: u64) -> Result<(), ChainError> {
        let Some(standing) = self.standings.get(owner) else {
            return Ok(());
        };
        if standing.excluded {
            return Err(ChainError::ProviderExcluded);
        }
        if block < standing.suspended_until {
            return Err(ChainError::ProviderSuspended {
                until: standing.suspended_until,
            });
        }
        Ok(())
    }

    /// Whether `owner` is excluded.
    pub fn is_excluded(&self, owner: &Address) -> bool {
        self.standings.get(owner).is_some_and(|s| s.excluded)
    }

    /// Applies the ladder for one `offence` of `owner` at `block`: counts it in the window,
    /// slashes the rung's share of the deposited stake, suspends from the 3rd failed
    /// challenge, and routes the slashed tokens (compensation first, the rest to the pool).
    #[allow(clippy::too_many_arguments)]
    pub fn punish(
        &mut self,
        params: &ArchitectureParams,
        block: u64,
        staking: &mut StakeRegistry,
        token: &mut Token,
        events: &mut Events,
        owner: Address,
        offence: Offence,
        compensation: Option<Compensation>,
    ) -> Result<Penalty, ChainError> {
        let window = params.penalty_window_blocks;
        let standing = self.standings.entry(owner).or_default();
        standing
            .offences
            .retain(|(_, at)| block.saturating_sub(*at) < window);
        standing.offences.push((offence, block));
        let nth = standing
            .offences
            .iter()
            .filter(|(kind, _)| *kind == offence)
            .count() as u64;
        let mut suspended_until = None;
        if offence == Offence::FailedChallenge && nth >= 3 {
            let until = block.saturating_add(params.suspension_rounds.saturating_mul(ROUND_LENGTH));
            standing.suspended_until = standing.suspended_until.max(until);
            suspended_until = Some(standing.suspended_until);
        }
        let bp = slash_bp(params, offence, nth);
        let penalty = self.slash(staking, token, events, owner, bp, compensation)?;
        events.push(Event::ProviderPenalised {
            owner,
            offence,
            nth,
            slashed: penalty.0,
            suspended_until,
        });
        Ok(Penalty {
            nth,
            slashed: penalty.0,
            compensated: penalty.1,
        })
    }

    /// A security breach decided by governance: slashes `slash_bp` (up to 100 %) of the
    /// stake into the compensation pool and excludes the provider.
    pub fn exclude(
        &mut self,
        block: u64,
        staking: &mut StakeRegistry,
        token: &mut Token,
        events: &mut Events,
        owner: Address,
        slash_bp: u64,
    ) -> Result<U256, ChainError> {
        let standing = self.standings.entry(owner).or_default();
        standing.offences.push((Offence::SecurityBreach, block));
        standing.excluded = true;
        let (slashed, _) = self.slash(
            staking,
            token,
            events,
            owner,
            slash_bp.min(BASIS_POINTS),
            None,
        )?;
        events.push(Event::ProviderExcluded { owner, slashed });
        Ok(slashed)
    }

    /// Lifts an exclusion (governance only, `staking-architecture.md` § Penalty ladder).
    pub fn reinstate(&mut self, events: &mut Events, owner: Address) {
        if let Some(standing) = self.standings.get_mut(&owner) {
            standing.excluded = false;
        }
        events.push(Event::ProviderReinstated { owner });
    }

    /// Slashes `bp` of the deposited stake of `owner`, pays the compensation first and the
    /// rest into the compensation pool; returns `(slashed, compensated)`.
    fn slash(
        &self,
        staking: &mut StakeRegistry,
        token: &mut Token,
        events: &mut Events,
        owner: Address,
        bp: u64,
        compensation: Option<Compensation>,
    ) -> Result<(U256, U256), ChainError> {
        let deposited = staking
            .stake(&owner)
            .map_or(U256::ZERO, |s| s.potential_stake);
        let amount = apply_bp(deposited, bp)?;
        let slashed = staking.penalise(events, &owner, amount);
        let mut compensated = U256::ZERO;
        if let Some(c) = compensation {
            compensated = c.amount.min(slashed);
            token.transfer(&STAKE_REGISTRY, &c.to, compensated)?;
            if !compensated.is_zero() {
                events.push(Event::Compensated {
                    to: c.to,
                    amount: compensated,
                });
            }
        }
        let rest = slashed
            .checked_sub(compensated)
            .ok_or(ChainError::Arithmetic)?;
        token.transfer(&STAKE_REGISTRY, &COMPENSATION_POOL, rest)?;
        Ok((slashed, compensated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;
    use crate::staking::MIN_STAKE;
    use comb_primitives::B256;

    /// § Penalty ladder: offences older than the window no longer count, so a provider
    /// that stays clean for 30 days of blocks is back on the first rung.
    #[test]
    fn offences_slide_out_of_the_window() {
        let owner = Address::repeat_byte(1);
        let stake = U256::from(MIN_STAKE) * U256::from(10u8);
        let mut token = Token::with_allocation(&BTreeMap::from([(owner, stake)])).unwrap();
        let mut staking = StakeRegistry::new(0);
        let mut events = Vec::new();
        let env = Env {
            block: 1,
            timestamp: 0,
            prevrandao: B256::ZERO,
            sender: owner,
        };
        staking
            .manage_stake(&env, &mut token, &mut events, 24_000, B256::ZERO, stake, 0)
            .unwrap();
        let params = ArchitectureParams::default();
        let window = params.penalty_window_blocks;
        let mut ladder = Ladder::default();
        let mut punish = |ladder: &mut Ladder, block: u64| {
            ladder
                .punish(
                    &params,
                    block,
                    &mut staking,
                    &mut token,
                    &mut events,
                    owner,
                    Offence::FailedChallenge,
                    None,
                )
                .unwrap()
        };
        assert_eq!(punish(&mut ladder, 10).nth, 1);
        assert_eq!(punish(&mut ladder, 20).nth, 2);
        // The first offence leaves the window at block 10 + window.
        assert_eq!(punish(&mut ladder, 10 + window).nth, 2);
        assert_eq!(punish(&mut ladder, 30 + 2 * window).nth, 1);
        assert_eq!(
            ladder.count_in_window(&params, &owner, Offence::FailedChallenge, 30 + 2 * window),
            1
        );
        assert_eq!(ladder.standing(&owner).suspended_until, 0);
    }
}
