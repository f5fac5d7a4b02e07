//! The StakeRegistry contract (spec §3): stakes keyed by the node's Ethereum address, with
//! committed stake in price units, effective stake, freezes and the withdrawable surplus.

use std::collections::BTreeMap;

use comb_primitives::overlay::overlay_address;
use comb_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

use crate::accounts::STAKE_REGISTRY;
use crate::env::{Env, Events};
use crate::events::Event;
use crate::token::Token;
use crate::ChainError;

/// `MIN_STAKE` = 10 BZZ = 10^17 PLUR (spec §3.1).
pub const MIN_STAKE: u64 = 100_000_000_000_000_000;

/// One node's stake (spec §3.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeRecord {
    /// The overlay the stake plays for.
    pub overlay: B256,
    /// Stake in price units, fixed at the last deposit: `potential / (price × 2^height)`.
    pub committed_stake: U256,
    /// PLUR actually deposited.
    pub potential_stake: U256,
    /// Block of the last change; 0 = not staked; in the future while frozen.
    pub last_updated_block: u64,
    /// Reserve doublings (SWIP-21).
    pub height: u8,
}

/// The registry's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeRegistry {
    network_id: u64,
    stakes: BTreeMap<Address, StakeRecord>,
    /// `MIN_STAKE` in PLUR; governance may change it (`staking-architecture.md` § Governance).
    #[serde(default = "default_min_stake")]
    min_stake: U256,
}

fn default_min_stake() -> U256 {
    U256::from(MIN_STAKE)
}

fn pow2(exponent: u8) -> Result<U256, ChainError> {
    U256::from(1u8)
        .checked_shl(usize::from(exponent))
        .ok_or(ChainError::Arithmetic)
}

impl StakeRegistry {
    /// An empty registry for `network_id` (the overlay derivation depends on it).
    pub fn new(network_id: u64) -> Self {
        Self {
            network_id,
            stakes: BTreeMap::new(),
            min_stake: default_min_stake(),
        }
    }

    /// The minimum first deposit at height 0 (`MIN_STAKE`, 10 BZZ unless governance changed it).
    pub fn min_stake(&self) -> U256 {
        self.min_stake
    }

    /// Sets the minimum stake (a passed governance proposal, `staking-architecture.md`
    /// § Governance).
    pub fn set_min_stake(&mut self, min_stake: U256) {
        self.min_stake = min_stake;
    }

    /// The network id.
    pub fn network_id(&self) -> u64 {
        self.network_id
    }

    /// `stakes(owner)`.
    pub fn stake(&self, owner: &Address) -> Option<&StakeRecord> {
        self.stakes.get(owner)
    }

    /// All stakes.
    pub fn stakes(&self) -> &BTreeMap<Address, StakeRecord> {
        &self.stakes
    }

    /// Sum of all deposited stake (equals the registry's token balance).
    pub fn total_potential_stake(&self) -> U256 {
        self.stakes
            .values()
            .fold(U256::ZERO, |sum, s| sum.saturating_add(s.potential_stake))
    }

    /// `manageStake(setNonce, addAmount, height)` (§3.2) at oracle price `price`.
    #[allow(clippy::too_many_arguments)]
    pub fn manage_stake(
        &mut self,
        env: &Env,
        token: &mut Token,
        events: &mut Events,
        price: u32,
        set_nonce: B256,
        add_amount: U256,
        height: u8,
    ) -> Result<(), ChainError> {
        let new_overlay = overlay_address(&env.sender, self.network_id, &set_nonce);
        let previous = self.stakes.get(&env.sender).cloned().unwrap_or_default();
        if previous.last_updated_block == 0 {
            let minimum = self
                .min_stake
                .checked_mul(pow2(height)?)
                .ok_or(ChainError::Arithmetic)?;
            if add_amount < minimum {
                return Err(ChainError::BelowMinimumStake);
            }
        } else if previous.last_updated_block >= env.block {
            return Err(ChainError::Frozen);
        }
        let mut record = previous.clone();
        if !add_amount.is_zero() {
            record.potential_stake = record
                .potential_stake
                .checked_add(add_amount)
                .ok_or(ChainError::Arithmetic)?;
            let divisor = U256::from(price)
                .checked_mul(pow2(height)?)
                .ok_or(ChainError::Arithmetic)?;
            let committed = record
                .potential_stake
                .checked_div(divisor)
                .ok_or(ChainError::Arithmetic)?;
            if committed < previous.committed_stake {
                return Err(ChainError::DecreasedCommitment);
            }
            record.committed_stake = committed;
        }
        record.overlay = new_overlay;
        record.last_updated_block = env.block;
        record.height = height;
        token.transfer(&env.sender, &STAKE_REGISTRY, add_amount)?;
        if !add_amount.is_zero() {
            events.push(Event::StakeUpdated {
                owner: env.sender,
                committed_stake: record.committed_stake,
                potential_stake: record.potential_stake,
                overlay: new_overlay,
                last_updated_block: env.block,
                height,
            });
        }
        if previous.overlay != new_overlay {
            events.push(Event::OverlayChanged {
                owner: env.sender,
                overlay: new_overlay,
            });
        }
        self.stakes.insert(env.sender, record);
        Ok(())
    }

    /// Effective stake ignoring freezes: `min(2^height × committed × price, potential)` (§3.3).
    pub fn effective_stake(&self, owner: &Address, price: u32) -> U256 {
        self.stakes
            .get(owner)
            .map_or(U256::ZERO, |s| effective(s, price))
    }

    /// `nodeEffectiveStake(owner)`: the effective stake, 0 while frozen.
    pub fn node_effective_stake(&self, owner: &Address, price: u32, block: u64) -> U256 {
        match self.stakes.get(owner) {
            Some(s) if s.last_updated_block < block => effective(s, price),
            _ => U256::ZERO,
        }
    }

    /// `withdrawableStake()`: the surplus above the effective stake.
    pub fn withdrawable_stake(&self, owner: &Address, price: u32) -> U256 {
        self.stakes.get(owner).map_or(U256::ZERO, |s| {
            s.potential_stake.saturating_sub(effective(s, price))
        })
    }

    /// `withdrawFromStake()` (§3.4): pays out the surplus that a price drop made withdrawable.
    pub fn withdraw_from_stake(
        &mut self,
        env: &Env,
        token: &mut Token,
        events: &mut Events,
        price: u32,
    ) -> Result<U256, ChainError> {
        let surplus = self.withdrawable_stake(&env.sender, price);
        if surplus.is_zero() {
            return Ok(surplus);
        }
        token.transfer(&STAKE_REGISTRY, &env.sender, surplus)?;
        if let Some(record) = self.stakes.get_mut(&env.sender) {
            record.potential_stake = record.potential_stake.saturating_sub(surplus);
        }
        events.push(Event::StakeWithdrawn {
            owner: env.sender,
            amount: surplus,
        });
        Ok(surplus)
    }

    /// `freezeDeposit(owner, time)` (REDISTRIBUTOR_ROLE): frozen for `time` blocks from now.
    pub fn freeze(&mut self, block: u64, events: &mut Events, owner: &Address, time: u64) {
        if let Some(record) = self.stakes.get_mut(owner) {
            if record.last_updated_block != 0 {
                record.last_updated_block = block.saturating_add(time);
                events.push(Event::StakeFrozen {
                    owner: *owner,
                    overlay: record.overlay,
                    time,
                });
            }
        }
    }

    /// `slashDeposit(owner, amount)` (REDISTRIBUTOR_ROLE): removes `amount` of deposited stake
    /// (the whole stake if it is not larger) and returns what was taken. The tokens stay in
    /// the registry's account for the caller to route.
    pub fn slash(
        &mut self,
        block: u64,
        events: &mut Events,
        owner: &Address,
        amount: U256,
    ) -> U256 {
        let Some(record) = self.stakes.get_mut(owner) else {
            return U256::ZERO;
        };
        let taken = if record.potential_stake > amount {
            record.potential_stake = record.potential_stake.saturating_sub(amount);
            record.last_updated_block = block;
            amount
        } else {
            let all = record.potential_stake;
            self.stakes.remove(owner);
            all
        };
        events.push(Event::StakeSlashed {
            owner: *owner,
            amount: taken,
        });
        taken
    }
}

impl StakeRegistry {
    /// A comb penalty-ladder slash (`staking-architecture.md` § Penalty ladder): removes
    /// up to `amount` of deposited stake and returns what was taken. Unlike Bee's
    /// [`StakeRegistry::slash`] it keeps `last_updated_block`, so a freeze applied in the
    /// same claim stays in force. The record goes when nothing is left. The tokens stay in
    /// the registry's account for the caller to route.
    pub fn penalise(&mut self, events: &mut Events, owner: &Address, amount: U256) -> U256 {
        let Some(record) = self.stakes.get_mut(owner) else {
            return U256::ZERO;
        };
        let taken = amount.min(record.potential_stake);
        if taken.is_zero() {
            return taken;
        }
        record.potential_stake = record.potential_stake.saturating_sub(taken);
        if record.potential_stake.is_zero() {
            self.stakes.remove(owner);
        }
        events.push(Event::StakeSlashed {
            owner: *owner,
            amount: taken,
        });
        taken
    }
}

fn effective(stake: &StakeRecord, price: u32) -> U256 {
    let scaled = U256::from(1u8)
        .checked_shl(usize::from(stake.height))
        .and_then(|p| p.checked_mul(stake.committed_stake))
        .and_then(|v| v.checked_mul(U256::from(price)))
        .unwrap_or(U256::MAX);
    scaled.min(stake.potential_stake)
}
