//! The PriceOracle contract (spec §4): one price adjustment per round, by the number of
//! nodes that agreed on the truth, with maximum increases for rounds nobody claimed.

use serde::{Deserialize, Serialize};

use crate::round::round_of;
use crate::ChainError;

/// `changeRate[r]` for redundancy r = 0..=8, in units of 2^-20 (spec §4).
pub const CHANGE_RATE: [u64; 9] = [
    1_049_417, 1_049_206, 1_048_996, 1_048_786, 1_048_576, 1_048_366, 1_048_156, 1_047_946,
    1_047_736,
];

/// `priceBase` = 2^20.
pub const PRICE_BASE: u64 = 1 << 20;
/// Prices are kept multiplied by 2^10.
pub const PRICE_UPSCALE_BITS: u32 = 10;
/// The minimum price, 24000 PLUR per chunk per block, upscaled: `24000 << 10`.
pub const MINIMUM_PRICE_UPSCALED: u64 = 24_000 << PRICE_UPSCALE_BITS;
/// `targetRedundancy + maxConsideredExtraRedundancy` = 4 + 4.
pub const MAX_CONSIDERED_REDUNDANCY: u16 = 8;

/// The oracle's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceOracle {
    current_price_upscaled: u64,
    minimum_price_upscaled: u64,
    last_adjusted_round: u64,
    paused: bool,
    /// The redundancy at which the price holds (Bee's is 4; governance may change it,
    /// `staking-architecture.md` § Governance).
    #[serde(default = "default_target_redundancy")]
    target_redundancy: u16,
}

/// Bee's `targetRedundancy` (spec §4).
pub const TARGET_REDUNDANCY: u16 = 4;

fn default_target_redundancy() -> u16 {
    TARGET_REDUNDANCY
}

impl PriceOracle {
    /// An oracle deployed at `block` at the minimum price; like the contract's constructor,
    /// it counts the deployment round as adjusted.
    pub fn new(block: u64) -> Self {
        Self {
            current_price_upscaled: MINIMUM_PRICE_UPSCALED,
            minimum_price_upscaled: MINIMUM_PRICE_UPSCALED,
            last_adjusted_round: round_of(block),
            paused: false,
            target_redundancy: TARGET_REDUNDANCY,
        }
    }

    /// `currentPrice()`: PLUR per chunk per block.
    pub fn current_price(&self) -> u32 {
        (self.current_price_upscaled >> PRICE_UPSCALE_BITS) as u32
    }

    /// The price × 2^10.
    pub fn current_price_upscaled(&self) -> u64 {
        self.current_price_upscaled
    }

    /// `lastAdjustedRound`.
    pub fn last_adjusted_round(&self) -> u64 {
        self.last_adjusted_round
    }

    /// Whether adjustments are paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The target redundancy (4 unless governance changed it).
    pub fn target_redundancy(&self) -> u16 {
        self.target_redundancy
    }

    /// Sets the target redundancy, clamped to 1..=8 (a passed governance proposal,
    /// `staking-architecture.md` § Governance). With a target `t` a round of redundancy `r`
    /// moves the price by `changeRate[r + 4 − t]` (clamped to the table), so the default 4
    /// is Bee's formula unchanged.
    pub fn set_target_redundancy(&mut self, target: u16) {
        self.target_redundancy = target.clamp(1, MAX_CONSIDERED_REDUNDANCY);
    }

    /// Pauses or resumes adjustments (admin).
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// `setPrice(price)` (admin): `max(price << 10, minimum)`; returns the price to push to
    /// the postage contract.
    pub fn set_price(&mut self, price: u32) -> u32 {
        self.current_price_upscaled =
            (u64::from(price) << PRICE_UPSCALE_BITS).max(self.minimum_price_upscaled);
        self.current_price()
    }

    /// `adjustPrice(redundancy)` at `block`: `Ok(None)` while paused (nothing changes),
    /// otherwise the new price to push to the postage contract.
    pub fn adjust_price(&mut self, block: u64, redundancy: u16) -> Result<Option<u32>, ChainError> {
        if self.paused {
            return Ok(None);
        }
        let current_round = round_of(block);
        if current_round <= self.last_adjusted_round {
            return Err(ChainError::PriceAlreadyAdjusted);
        }
        if redundancy == 0 {
            return Err(ChainError::UnexpectedZero);
        }
        let shifted = redundancy
            .saturating_add(TARGET_REDUNDANCY)
            .saturating_sub(self.target_redundancy);
        let used = usize::from(shifted.min(MAX_CONSIDERED_REDUNDANCY));
        let mut price = step(self.current_price_upscaled, CHANGE_RATE[used])?;
        let skipped = current_round
            .saturating_sub(self.last_adjusted_round)
            .saturating_sub(1);
        for _ in 0..skipped {
            price = step(price, CHANGE_RATE[0])?;
            if price == u64::MAX {
                break;
            }
        }
        self.current_price_upscaled = price.max(self.minimum_price_upscaled);
        self.last_adjusted_round = current_round;
        Ok(Some(self.current_price()))
    }
}

/// `⌊rate × price / 2^20⌋`, in 128-bit arithmetic; a result beyond u64 is an overflow.
fn step(price: u64, rate: u64) -> Result<u64, ChainError> {
    let product = u128::from(rate)
        .checked_mul(u128::from(price))
        .ok_or(ChainError::Arithmetic)?;
    u64::try_from(product >> 20).map_err(|_| ChainError::Arithmetic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::round::ROUND_LENGTH;

    #[test]
    fn spec_4_price_steps() {
        // r = 0 from the minimum: 24576000 → 24595710 (price 24019).
        let mut oracle = PriceOracle::new(0);
        assert_eq!(
            oracle.adjust_price(ROUND_LENGTH, 0),
            Err(ChainError::UnexpectedZero)
        );
        assert_eq!(
            step(MINIMUM_PRICE_UPSCALED, CHANGE_RATE[0]).unwrap(),
            24_595_710
        );
        // r = 8 computes 24556312, clamped back to the minimum.
        assert_eq!(
            step(MINIMUM_PRICE_UPSCALED, CHANGE_RATE[8]).unwrap(),
            24_556_312
        );
        assert_eq!(oracle.adjust_price(ROUND_LENGTH, 8).unwrap(), Some(24_000));
        assert_eq!(oracle.current_price_upscaled(), MINIMUM_PRICE_UPSCALED);
        // Once per round.
        assert_eq!(
            oracle.adjust_price(ROUND_LENGTH + 1, 8),
            Err(ChainError::PriceAlreadyAdjusted)
        );
        // Redundancy 4 keeps the price; two skipped rounds add two maximum increases on top
        // of a maximum increase: three steps from the minimum give 24635178 (price 24057).
        let mut oracle = PriceOracle::new(0);
        let price = oracle.adjust_price(3 * ROUND_LENGTH, 1).unwrap();
        let expected = step(
            step(
                step(MINIMUM_PRICE_UPSCALED, CHANGE_RATE[1]).unwrap(),
                CHANGE_RATE[0],
            )
            .unwrap(),
            CHANGE_RATE[0],
        )
        .unwrap();
        assert_eq!(oracle.current_price_upscaled(), expected);
        assert_eq!(price, Some((expected >> 10) as u32));
        let three_max = step(
            step(
                step(MINIMUM_PRICE_UPSCALED, CHANGE_RATE[0]).unwrap(),
                CHANGE_RATE[0],
            )
            .unwrap(),
            CHANGE_RATE[0],
        )
        .unwrap();
        assert_eq!(three_max, 24_635_178);
        assert_eq!(three_max >> 10, 24_057);
    }

    #[test]
    fn redundancy_above_eight_is_capped_and_paused_changes_nothing() {
        let mut oracle = PriceOracle::new(0);
        oracle.set_price(30_000);
        let mut capped = oracle.clone();
        oracle.adjust_price(ROUND_LENGTH, 8).unwrap();
        capped.adjust_price(ROUND_LENGTH, 200).unwrap();
        assert_eq!(oracle, capped);
        let mut paused = PriceOracle::new(0);
        paused.set_paused(true);
        let before = paused.clone();
        assert_eq!(paused.adjust_price(ROUND_LENGTH, 1).unwrap(), None);
        assert_eq!(paused, before);
    }

    /// `staking-architecture.md` § Governance: with target redundancy `t`, a round of
    /// redundancy `t` keeps the price, as redundancy 4 does with Bee's default.
    #[test]
    fn target_redundancy_shifts_the_table() {
        let mut oracle = PriceOracle::new(0);
        oracle.set_price(30_000);
        let start = oracle.current_price_upscaled();
        oracle.set_target_redundancy(2);
        oracle.adjust_price(ROUND_LENGTH, 2).unwrap();
        assert_eq!(oracle.current_price_upscaled(), start);
        // Redundancy 1 below a target of 2 moves like Bee's redundancy 3.
        let mut bee = PriceOracle::new(0);
        bee.set_price(30_000);
        bee.adjust_price(ROUND_LENGTH, 3).unwrap();
        oracle.adjust_price(2 * ROUND_LENGTH, 1).unwrap();
        assert_eq!(
            oracle.current_price_upscaled(),
            step(start, CHANGE_RATE[3]).unwrap()
        );
        assert_eq!(
            bee.current_price_upscaled(),
            step(start, CHANGE_RATE[3]).unwrap()
        );
    }
}
