//! The compensation pool and the user-reward pool (`staking-architecture.md` § Penalty
//! ladder, § User staking). Both are ledger balances: token accounts
//! ([`COMPENSATION_POOL`], [`USER_REWARD_POOL`]) counted in conservation.
//!
//! The compensation pool is its token balance: slashed stake flows in, postage discounts
//! flow out. The user-reward pool also keeps books, so that rewards are shared pro rata to
//! governance weight in O(1) per transaction and the participation bonus can be paid out of
//! it without walking all stakers: a deposit mints pool *shares* at the pool's current
//! value per share and credits them to the stakers through a shares-per-weight
//! accumulator; a staker redeems its shares at the pool's value per share at claim time.
//! Paying the participation bonus lowers the pool's balance and so the value of every
//! share alike — "1 % of the pool" is 1 % of every staker's unclaimed rewards.

use comb_primitives::U256;
use serde::{Deserialize, Serialize};

use crate::accounts::{COMPENSATION_POOL, USER_REWARD_POOL};
use crate::token::Token;
use crate::ChainError;

/// Fixed-point scale of the shares-per-weight accumulator.
pub const ACCUMULATOR_SCALE: u128 = 1_000_000_000_000_000_000_000_000;

/// The compensation pool's balance.
pub fn compensation_pool(token: &Token) -> U256 {
    token.balance_of(&COMPENSATION_POOL)
}

/// The user-reward pool's books (`staking-architecture.md` § User staking).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RewardPool {
    /// PLUR held (equals the pool account's token balance).
    pub balance: U256,
    /// Shares outstanding, credited or not yet redeemed.
    pub total_shares: U256,
    /// Shares credited per unit of governance weight, × [`ACCUMULATOR_SCALE`].
    pub shares_per_weight: U256,
}

impl RewardPool {
    /// Books `amount` that the caller moved into the pool's account and credits it to
    /// `total_weight` of governance weight. Callers only credit while `total_weight` is
    /// non-zero (nothing is booked otherwise).
    pub fn credit(&mut self, amount: U256, total_weight: U256) -> Result<(), ChainError> {
        if amount.is_zero() || total_weight.is_zero() {
            return Ok(());
        }
        let minted = if self.total_shares.is_zero() || self.balance.is_zero() {
            amount
        } else {
            amount
                .checked_mul(self.total_shares)
                .ok_or(ChainError::Arithmetic)?
                .wrapping_div(self.balance)
        };
        self.total_shares = self
            .total_shares
            .checked_add(minted)
            .ok_or(ChainError::Arithmetic)?;
        self.balance = self
            .balance
            .checked_add(amount)
            .ok_or(ChainError::Arithmetic)?;
        let per_weight = minted
            .checked_mul(U256::from(ACCUMULATOR_SCALE))
            .ok_or(ChainError::Arithmetic)?
            .wrapping_div(total_weight);
        self.shares_per_weight = self
            .shares_per_weight
            .checked_add(per_weight)
            .ok_or(ChainError::Arithmetic)?;
        Ok(())
    }

    /// Shares accrued by `weight` since the accumulator stood at `debt` (both × scale).
    pub fn accrued(&self, weight: U256, debt: U256) -> Result<U256, ChainError> {
        Ok(self.debt_for(weight)?.saturating_sub(debt))
    }

    /// The accumulator debt of `weight` at the current accumulator.
    pub fn debt_for(&self, weight: U256) -> Result<U256, ChainError> {
        Ok(weight
            .checked_mul(self.shares_per_weight)
            .ok_or(ChainError::Arithmetic)?
            .wrapping_div(U256::from(ACCUMULATOR_SCALE)))
    }

    /// The PLUR value of `shares` now.
    pub fn value_of(&self, shares: U256) -> Result<U256, ChainError> {
        if self.total_shares.is_zero() {
            return Ok(U256::ZERO);
        }
        let shares = shares.min(self.total_shares);
        Ok(shares
            .checked_mul(self.balance)
            .ok_or(ChainError::Arithmetic)?
            .wrapping_div(self.total_shares))
    }

    /// Redeems `shares` and pays their value to `to`; returns the value.
    pub fn redeem(
        &mut self,
        token: &mut Token,
        to: &comb_primitives::Address,
        shares: U256,
    ) -> Result<U256, ChainError> {
        let shares = shares.min(self.total_shares);
        let value = self.value_of(shares)?;
        self.total_shares = self.total_shares.saturating_sub(shares);
        self.pay(token, to, value)?;
        Ok(value)
    }

    /// Pays `amount` out of the pool's balance to `to` (the participation bonus), lowering
    /// the value of every share.
    pub fn pay(
        &mut self,
        token: &mut Token,
        to: &comb_primitives::Address,
        amount: U256,
    ) -> Result<(), ChainError> {
        self.balance = self
            .balance
            .checked_sub(amount)
            .ok_or(ChainError::Arithmetic)?;
        token.transfer(&USER_REWARD_POOL, to, amount)
    }
}
