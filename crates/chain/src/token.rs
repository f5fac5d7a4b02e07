//! The BZZ token: balances in PLUR and transfers (1 BZZ = 10^16 PLUR, spec §0).
//!
//! Contracts hold tokens in their own accounts (the postage contract, the stake registry,
//! each chequebook), so the sum of all balances always equals the total supply.

use std::collections::BTreeMap;

use comb_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::ChainError;

/// PLUR per BZZ.
pub const PLUR_PER_BZZ: u64 = 10_000_000_000_000_000;

/// Token balances.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    balances: BTreeMap<Address, U256>,
    total_supply: U256,
}

impl Token {
    /// Mints the genesis allocation.
    pub fn with_allocation(allocation: &BTreeMap<Address, U256>) -> Result<Self, ChainError> {
        let mut total_supply = U256::ZERO;
        for amount in allocation.values() {
            total_supply = total_supply
                .checked_add(*amount)
                .ok_or(ChainError::Arithmetic)?;
        }
        Ok(Self {
            balances: allocation
                .iter()
                .filter(|(_, a)| !a.is_zero())
                .map(|(k, v)| (*k, *v))
                .collect(),
            total_supply,
        })
    }

    /// The balance of `account`.
    pub fn balance_of(&self, account: &Address) -> U256 {
        self.balances.get(account).copied().unwrap_or_default()
    }

    /// The total supply, fixed at genesis.
    pub fn total_supply(&self) -> U256 {
        self.total_supply
    }

    /// Every non-zero balance.
    pub fn balances(&self) -> &BTreeMap<Address, U256> {
        &self.balances
    }

    /// Moves `amount` from `from` to `to`; fails on an insufficient balance.
    pub fn transfer(
        &mut self,
        from: &Address,
        to: &Address,
        amount: U256,
    ) -> Result<(), ChainError> {
        if amount.is_zero() || from == to {
            return if self.balance_of(from) >= amount {
                Ok(())
            } else {
                Err(self.insufficient(from, amount))
            };
        }
        let from_balance = self.balance_of(from);
        let remaining = from_balance
            .checked_sub(amount)
            .ok_or_else(|| self.insufficient(from, amount))?;
        let to_balance = self
            .balance_of(to)
            .checked_add(amount)
            .ok_or(ChainError::Arithmetic)?;
        self.set(from, remaining);
        self.set(to, to_balance);
        Ok(())
    }

    fn set(&mut self, account: &Address, balance: U256) {
        if balance.is_zero() {
            self.balances.remove(account);
        } else {
            self.balances.insert(*account, balance);
        }
    }

    fn insufficient(&self, account: &Address, amount: U256) -> ChainError {
        ChainError::InsufficientTokenBalance {
            account: *account,
            balance: self.balance_of(account).to_string(),
            amount: amount.to_string(),
        }
    }

    /// Sum of all balances (equals the total supply; checked by the conservation tests).
    pub fn sum_of_balances(&self) -> U256 {
        self.balances
            .values()
            .fold(U256::ZERO, |sum, b| sum.saturating_add(*b))
    }
}
