//! User staking (`staking-architecture.md` § User staking): users lock BZZ for premium
//! services. A stake has a lock end; after it, unbonding starts, and the stake can be
//! withdrawn an unbonding period later. The stake's size gives a postage-discount tier; the
//! stake times a lock multiplier is its governance weight, which also shares the
//! user-reward pool.
//!
//! **Weight.** The lock multiplier is taken from the lock remaining at the last
//! `StakeUser` (`lock_end − block`), and the weight stays fixed until the staker's next
//! transaction: that keeps reward sharing O(1). Unbonding drops the weight to 0 and ends
//! the discount.

use std::collections::BTreeMap;

use comb_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::accounts::USER_STAKING;
use crate::env::{Env, Events};
use crate::events::Event;
use crate::params::{apply_bp, ArchitectureParams};
use crate::pools::RewardPool;
use crate::token::Token;
use crate::ChainError;

/// One user's stake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserStake {
    /// PLUR staked.
    pub amount: U256,
    /// Block from which unbonding may start.
    pub lock_end: u64,
    /// Block from which the stake may be withdrawn; 0 while not unbonding.
    pub unbonding_end: u64,
    /// Governance weight: `amount × lock multiplier`.
    pub weight: U256,
    /// The reward accumulator's value for this weight at the last settlement.
    pub reward_debt: U256,
    /// Reward-pool shares credited and not yet redeemed.
    pub shares: U256,
}

impl UserStake {
    /// Whether unbonding has started.
    pub fn is_unbonding(&self) -> bool {
        self.unbonding_end != 0
    }
}

/// All user stakes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserStaking {
    stakes: BTreeMap<Address, UserStake>,
    total_staked: U256,
    total_weight: U256,
}

/// The lock multiplier in basis points for `lock_blocks` of remaining lock
/// (`staking-architecture.md` § User staking: <30 d ×0, 30 d ×1, 180 d ×1.5, 365 d ×2).
pub fn lock_multiplier(params: &ArchitectureParams, lock_blocks: u64) -> u64 {
    if lock_blocks >= params.lock_tier3_blocks {
        params.lock_tier3_multiplier
    } else if lock_blocks >= params.lock_tier2_blocks {
        params.lock_tier2_multiplier
    } else if lock_blocks >= params.lock_tier1_blocks {
        params.lock_tier1_multiplier
    } else {
        0
    }
}

impl UserStaking {
    /// The stake of `owner`.
    pub fn stake(&self, owner: &Address) -> Option<&UserStake> {
        self.stakes.get(owner)
    }

    /// Sum of all user stakes (equals the user-staking account's balance).
    pub fn total_staked(&self) -> U256 {
        self.total_staked
    }

    /// Sum of all governance weights.
    pub fn total_weight(&self) -> U256 {
        self.total_weight
    }

    /// The governance weight of `owner` (`staking-architecture.md` § User staking).
    pub fn weight(&self, owner: &Address) -> U256 {
        self.stakes.get(owner).map_or(U256::ZERO, |s| s.weight)
    }

    /// The postage discount of `owner` in basis points by tier (bronze / silver / gold);
    /// 0 without a stake or while unbonding.
    pub fn discount_bp(&self, params: &ArchitectureParams, owner: &Address) -> u64 {
        let Some(stake) = self.stakes.get(owner).filter(|s| !s.is_unbonding()) else {
            return 0;
        };
        if stake.amount >= params.gold_minimum {
            params.gold_discount
        } else if stake.amount >= params.silver_minimum {
            params.silver_discount
        } else if stake.amount >= params.bronze_minimum {
            params.bronze_discount
        } else {
            0
        }
    }

    /// Rewards of `owner` claimable now, in PLUR.
    pub fn claimable(&self, pool: &RewardPool, owner: &Address) -> Result<U256, ChainError> {
        let Some(stake) = self.stakes.get(owner) else {
            return Ok(U256::ZERO);
        };
        let shares = stake
            .shares
            .checked_add(pool.accrued(stake.weight, stake.reward_debt)?)
            .ok_or(ChainError::Arithmetic)?;
        pool.value_of(shares)
    }

    fn settle(stake: &mut UserStake, pool: &RewardPool) -> Result<(), ChainError> {
        stake.shares = stake
            .shares
            .checked_add(pool.accrued(stake.weight, stake.reward_debt)?)
            .ok_or(ChainError::Arithmetic)?;
        stake.reward_debt = pool.debt_for(stake.weight)?;
        Ok(())
    }

    fn set_weight(
        &mut self,
        stake: &mut UserStake,
        pool: &RewardPool,
        weight: U256,
    ) -> Result<(), ChainError> {
        self.total_weight = self
            .total_weight
            .checked_sub(stake.weight)
            .and_then(|w| w.checked_add(weight))
            .ok_or(ChainError::Arithmetic)?;
        stake.weight = weight;
        stake.reward_debt = pool.debt_for(weight)?;
        Ok(())
    }

    /// `stake_user(amount, lock_blocks)`: adds `amount` to the sender's stake; the lock end
    /// becomes the later of the current one and `block + lock_blocks`.
    #[allow(clippy::too_many_arguments)]
    pub fn stake_user(
        &mut self,
        env: &Env,
        params: &ArchitectureParams,
        token: &mut Token,
        pool: &RewardPool,
        events: &mut Events,
        amount: U256,
        lock_blocks: u64,
    ) -> Result<(), ChainError> {
        let mut stake = self.stakes.get(&env.sender).cloned().unwrap_or_default();
        if stake.is_unbonding() {
            return Err(ChainError::UserUnbonding);
        }
        if amount.is_zero() && stake.amount.is_zero() {
            return Err(ChainError::ZeroAmount);
        }
        Self::settle(&mut stake, pool)?;
        token.transfer(&env.sender, &USER_STAKING, amount)?;
        stake.amount = stake
            .amount
            .checked_add(amount)
            .ok_or(ChainError::Arithmetic)?;
        self.total_staked = self
            .total_staked
            .checked_add(amount)
            .ok_or(ChainError::Arithmetic)?;
        stake.lock_end = stake.lock_end.max(env.block.saturating_add(lock_blocks));
        let multiplier = lock_multiplier(params, stake.lock_end.saturating_sub(env.block));
        let weight = apply_bp(stake.amount, multiplier)?;
        self.set_weight(&mut stake, pool, weight)?;
        events.push(Event::UserStaked {
            owner: env.sender,
            amount: stake.amount,
            lock_end: stake.lock_end,
            weight,
        });
        self.stakes.insert(env.sender, stake);
        Ok(())
    }

    /// `unbond_user()`: after the lock end, starts the unbonding period; the weight drops
    /// to 0.
    pub fn unbond_user(
        &mut self,
        env: &Env,
        params: &ArchitectureParams,
        pool: &RewardPool,
        events: &mut Events,
    ) -> Result<u64, ChainError> {
        let mut stake = self.existing_stake(&env.sender)?;
        if stake.is_unbonding() {
            return Err(ChainError::UserUnbonding);
        }
        if env.block < stake.lock_end {
            return Err(ChainError::UserStakeLocked {
                until: stake.lock_end,
            });
        }
        Self::settle(&mut stake, pool)?;
        self.set_weight(&mut stake, pool, U256::ZERO)?;
        stake.unbonding_end = env
            .block
            .saturating_add(params.user_unbonding_blocks)
            .max(1);
        events.push(Event::UserUnbonding {
            owner: env.sender,
            withdrawable_from: stake.unbonding_end,
        });
        let end = stake.unbonding_end;
        self.stakes.insert(env.sender, stake);
        Ok(end)
    }

    /// A copy of `owner`'s stake to change, or `NoUserStake`.
    fn existing_stake(&self, owner: &Address) -> Result<UserStake, ChainError> {
        self.stakes
            .get(owner)
            .cloned()
            .ok_or(ChainError::NoUserStake)
    }

    /// `withdraw_user()`: after the unbonding period, pays the stake and any unclaimed
    /// rewards back and removes the stake.
    pub fn withdraw_user(
        &mut self,
        env: &Env,
        token: &mut Token,
        pool: &mut RewardPool,
        events: &mut Events,
    ) -> Result<U256, ChainError> {
        let mut stake = self.existing_stake(&env.sender)?;
        if !stake.is_unbonding() {
            return Err(ChainError::UserNotUnbonding);
        }
        if env.block < stake.unbonding_end {
            return Err(ChainError::UnbondingNotOver {
                until: stake.unbonding_end,
            });
        }
        Self::settle(&mut stake, pool)?;
        let rewards = pool.redeem(token, &env.sender, stake.shares)?;
        token.transfer(&USER_STAKING, &env.sender, stake.amount)?;
        self.total_staked = self
            .total_staked
            .checked_sub(stake.amount)
            .ok_or(ChainError::Arithmetic)?;
        self.total_weight = self
            .total_weight
            .checked_sub(stake.weight)
            .ok_or(ChainError::Arithmetic)?;
        self.stakes.remove(&env.sender);
        events.push(Event::UserWithdrawn {
            owner: env.sender,
            amount: stake.amount,
            rewards,
        });
        Ok(stake.amount)
    }

    /// `claim_user_rewards()`: pays the sender's share of the user-reward pool.
    pub fn claim_rewards(
        &mut self,
        env: &Env,
        token: &mut Token,
        pool: &mut RewardPool,
        events: &mut Events,
    ) -> Result<U256, ChainError> {
        let mut stake = self.existing_stake(&env.sender)?;
        Self::settle(&mut stake, pool)?;
        let amount = pool.redeem(token, &env.sender, stake.shares)?;
        stake.shares = U256::ZERO;
        self.stakes.insert(env.sender, stake);
        events.push(Event::UserRewardsClaimed {
            owner: env.sender,
            amount,
        });
        Ok(amount)
    }
}
