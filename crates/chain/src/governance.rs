//! Governance (`staking-architecture.md` § Governance): user stakers propose parameter
//! changes and provider exclusions or reinstatements, vote with their governance weight,
//! and anyone executes a proposal after the voting period and a timelock.
//!
//! - `Propose` escrows a deposit (100 BZZ); it is returned when the proposal reached quorum
//!   and otherwise forfeited to the compensation pool.
//! - `Vote` counts the voter's governance weight **at the time of the vote** (the weight is
//!   fixed while locked, and a stake cannot move to another account within a voting period
//!   because unbonding alone takes a week); each account votes once per proposal.
//! - Quorum is measured against the total governance weight **at the time of the proposal**
//!   (a snapshot, so later stakes cannot dilute a running vote); a proposal passes with
//!   quorum and more weight for than against.
//! - `Execute` after `voting_end + timelock` finalises: returns or forfeits the deposit,
//!   and, when quorum was reached, pays the participation bonus (1 % of the user-reward
//!   pool) to the voters pro rata to their vote weight **at execution**; a passed
//!   proposal's action takes effect in the same transaction.

use std::collections::BTreeMap;

use comb_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::accounts::{COMPENSATION_POOL, GOVERNANCE};
use crate::env::{Env, Events};
use crate::events::Event;
use crate::params::{apply_bp, ArchitectureParams, Param, BASIS_POINTS};
use crate::pools::RewardPool;
use crate::token::Token;
use crate::user_staking::UserStaking;
use crate::ChainError;

/// What a proposal does when it passes (`staking-architecture.md` § Governance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "action",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ProposalAction {
    /// Sets a named parameter.
    SetParameter {
        /// The parameter.
        param: Param,
        /// Its new value.
        value: U256,
    },
    /// Security breach: slashes `slash_bp` (up to 10 000 = 100 %) of the provider's stake
    /// and excludes it.
    ExcludeProvider {
        /// The provider (stake owner).
        owner: Address,
        /// Slash in basis points.
        slash_bp: u64,
    },
    /// Lifts a provider's exclusion.
    ReinstateProvider {
        /// The provider (stake owner).
        owner: Address,
    },
}

/// A proposal being voted on or waiting for execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// Who proposed and paid the deposit.
    pub proposer: Address,
    /// What it does.
    pub action: ProposalAction,
    /// The escrowed deposit.
    pub deposit: U256,
    /// Votes are accepted while the block is below this.
    pub voting_end: u64,
    /// The total governance weight when proposed (the quorum base).
    pub total_weight: U256,
    /// Weight for.
    pub yes: U256,
    /// Weight against.
    pub no: U256,
    /// Each voter's `(support, weight)`.
    pub votes: BTreeMap<Address, (bool, U256)>,
}

/// What `Execute` decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether quorum was reached.
    pub quorum: bool,
    /// Whether the proposal passed; its action must then be applied.
    pub passed: bool,
    /// The action.
    pub action: ProposalAction,
}

/// Open proposals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Governance {
    next_id: u64,
    proposals: BTreeMap<u64, Proposal>,
}

impl Governance {
    /// Every proposal not yet executed, by id.
    pub fn proposals(&self) -> &BTreeMap<u64, Proposal> {
        &self.proposals
    }

    /// Proposal `id`, until executed.
    pub fn proposal(&self, id: u64) -> Option<&Proposal> {
        self.proposals.get(&id)
    }

    /// Sum of escrowed deposits (equals the governance account's balance).
    pub fn total_deposits(&self) -> U256 {
        self.proposals
            .values()
            .fold(U256::ZERO, |sum, p| sum.saturating_add(p.deposit))
    }

    /// `propose(action)`: validates the action, escrows the deposit, opens the vote.
    #[allow(clippy::too_many_arguments)]
    pub fn propose(
        &mut self,
        env: &Env,
        params: &ArchitectureParams,
        users: &UserStaking,
        token: &mut Token,
        events: &mut Events,
        action: &ProposalAction,
    ) -> Result<u64, ChainError> {
        match action {
            ProposalAction::SetParameter { param, value } => params.validate(*param, *value)?,
            ProposalAction::ExcludeProvider { slash_bp, .. } if *slash_bp > BASIS_POINTS => {
                return Err(ChainError::InvalidParameter)
            }
            _ => {}
        }
        let deposit = params.proposal_deposit;
        token.transfer(&env.sender, &GOVERNANCE, deposit)?;
        let id = self.next_id;
        self.next_id = id.checked_add(1).ok_or(ChainError::Arithmetic)?;
        let voting_end = env.block.saturating_add(params.voting_period);
        self.proposals.insert(
            id,
            Proposal {
                proposer: env.sender,
                action: action.clone(),
                deposit,
                voting_end,
                total_weight: users.total_weight(),
                yes: U256::ZERO,
                no: U256::ZERO,
                votes: BTreeMap::new(),
            },
        );
        events.push(Event::Proposed {
            id,
            proposer: env.sender,
            action: action.clone(),
            voting_end,
        });
        Ok(id)
    }

    /// `vote(id, support)` with the sender's current governance weight, once.
    pub fn vote(
        &mut self,
        env: &Env,
        users: &UserStaking,
        events: &mut Events,
        id: u64,
        support: bool,
    ) -> Result<(), ChainError> {
        let proposal = self
            .proposals
            .get_mut(&id)
            .ok_or(ChainError::UnknownProposal(id))?;
        if env.block >= proposal.voting_end {
            return Err(ChainError::VotingClosed);
        }
        if proposal.votes.contains_key(&env.sender) {
            return Err(ChainError::AlreadyVoted);
        }
        let weight = users.weight(&env.sender);
        if weight.is_zero() {
            return Err(ChainError::NoVotingWeight);
        }
        let tally = if support {
            &mut proposal.yes
        } else {
            &mut proposal.no
        };
        *tally = tally.checked_add(weight).ok_or(ChainError::Arithmetic)?;
        proposal.votes.insert(env.sender, (support, weight));
        events.push(Event::Voted {
            id,
            voter: env.sender,
            support,
            weight,
        });
        Ok(())
    }

    /// `execute(id)` after the timelock: settles the deposit and the participation bonus
    /// and returns the decision; the caller applies a passed proposal's action.
    pub fn execute(
        &mut self,
        env: &Env,
        params: &ArchitectureParams,
        pool: &mut RewardPool,
        token: &mut Token,
        events: &mut Events,
        id: u64,
    ) -> Result<Decision, ChainError> {
        let proposal = self
            .proposals
            .get(&id)
            .cloned()
            .ok_or(ChainError::UnknownProposal(id))?;
        let executable_from = proposal.voting_end.saturating_add(params.timelock);
        if env.block < executable_from {
            return Err(ChainError::TimelockNotOver {
                until: executable_from,
            });
        }
        let cast = proposal
            .yes
            .checked_add(proposal.no)
            .ok_or(ChainError::Arithmetic)?;
        let needed = apply_bp(proposal.total_weight, params.quorum)?;
        let quorum = !proposal.total_weight.is_zero() && !cast.is_zero() && cast >= needed;
        let passed = quorum && proposal.yes > proposal.no;
        let deposit_to = if quorum {
            proposal.proposer
        } else {
            COMPENSATION_POOL
        };
        token.transfer(&GOVERNANCE, &deposit_to, proposal.deposit)?;
        if quorum {
            let bonus = apply_bp(pool.balance, params.participation_bonus)?;
            for (voter, (_, weight)) in &proposal.votes {
                let share = bonus
                    .checked_mul(*weight)
                    .ok_or(ChainError::Arithmetic)?
                    .wrapping_div(cast);
                pool.pay(token, voter, share)?;
            }
        }
        self.proposals.remove(&id);
        events.push(Event::ProposalExecuted { id, quorum, passed });
        Ok(Decision {
            quorum,
            passed,
            action: proposal.action,
        })
    }
}
