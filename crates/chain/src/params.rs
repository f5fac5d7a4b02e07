//! Governance parameters of the staking architecture (`staking-architecture.md`): every
//! number the spec marks *(comb default)* is a field here with that default, part of the
//! genesis configuration and changeable by a passed governance proposal
//! (`staking-architecture.md` § Governance).
//!
//! **Block-based durations** assume Gnosis Chain's 5-second blocks: one day is
//! [`BLOCKS_PER_DAY`] = 17 280 blocks (the same day the postage contract's
//! `minimumValidityBlocks` uses), so 30 days = 518 400 blocks, 7 days = 120 960 blocks.
//!
//! Basis points (bp): 10 000 bp = 100 %.

use comb_primitives::U256;
use serde::{Deserialize, Serialize};

use crate::token::PLUR_PER_BZZ;
use crate::ChainError;

/// Blocks per day at Gnosis Chain's 5-second block time (`staking-architecture.md`: all
/// durations in days are converted with this).
pub const BLOCKS_PER_DAY: u64 = 17_280;
/// 10 000 basis points = 100 %.
pub const BASIS_POINTS: u64 = 10_000;

/// `n` BZZ in PLUR.
pub fn bzz(n: u64) -> U256 {
    U256::from(n).saturating_mul(U256::from(PLUR_PER_BZZ))
}

const fn days(n: u64) -> u64 {
    n.saturating_mul(BLOCKS_PER_DAY)
}

macro_rules! parameters {
    (
        blocks_and_points { $( $(#[$bdoc:meta])* $bfield:ident / $bvariant:ident = $bdefault:expr, max $bmax:expr; )* }
        amounts { $( $(#[$adoc:meta])* $afield:ident / $avariant:ident = $adefault:expr; )* }
    ) => {
        /// The staking architecture's parameters (`staking-architecture.md`, every
        /// *(comb default)*). Unknown or missing fields take their defaults.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", default)]
        pub struct ArchitectureParams {
            $( $(#[$bdoc])* pub $bfield: u64, )*
            $( $(#[$adoc])* pub $afield: U256, )*
        }

        impl Default for ArchitectureParams {
            fn default() -> Self {
                Self {
                    $( $bfield: $bdefault, )*
                    $( $afield: $adefault, )*
                }
            }
        }

        /// A parameter a governance proposal can set (`staking-architecture.md` §
        /// Governance): every field of [`ArchitectureParams`], the price oracle's target
        /// redundancy and the stake registry's minimum stake.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub enum Param {
            $( $(#[$bdoc])* $bvariant, )*
            $( $(#[$adoc])* $avariant, )*
            /// The price oracle's target redundancy (1..=8; Bee's is 4, `storage-incentives.md` §4).
            TargetRedundancy,
            /// The stake registry's `MIN_STAKE` in PLUR (Bee's is 10 BZZ, §3.1).
            MinimumStake,
        }

        impl ArchitectureParams {
            /// Sets `param` to `value`; the oracle's and the registry's parameters are not
            /// fields here and are refused with [`ChainError::InvalidParameter`] (the
            /// governance module routes them).
            pub fn set(&mut self, param: Param, value: U256) -> Result<(), ChainError> {
                match param {
                    $( Param::$bvariant => {
                        let value: u64 = value.try_into().map_err(|_| ChainError::InvalidParameter)?;
                        if value > $bmax {
                            return Err(ChainError::InvalidParameter);
                        }
                        self.$bfield = value;
                    } )*
                    $( Param::$avariant => self.$afield = value, )*
                    Param::TargetRedundancy | Param::MinimumStake => {
                        return Err(ChainError::InvalidParameter)
                    }
                }
                Ok(())
            }

            /// Checks that `value` is acceptable for `param` without setting it.
            pub fn validate(&self, param: Param, value: U256) -> Result<(), ChainError> {
                match param {
                    Param::TargetRedundancy => {
                        let value: u64 = value.try_into().map_err(|_| ChainError::InvalidParameter)?;
                        if value == 0 || value > u64::from(crate::oracle::MAX_CONSIDERED_REDUNDANCY) {
                            return Err(ChainError::InvalidParameter);
                        }
                        Ok(())
                    }
                    Param::MinimumStake => {
                        if value.is_zero() {
                            return Err(ChainError::InvalidParameter);
                        }
                        Ok(())
                    }
                    other => self.clone().set(other, value),
                }
            }
        }
    };
}

const BP: u64 = BASIS_POINTS;

parameters! {
    blocks_and_points {
        /// Score every provider starts with (10 000 bp; § Provider performance score).
        score_initial / ScoreInitial = 10_000, max BP;
        /// Score gained by a reveal agreeing with the truth (+200 bp, capped at 10 000).
        score_agree_bonus / ScoreAgreeBonus = 200, max BP;
        /// Score lost by committing without revealing (−1 000 bp).
        score_non_reveal_penalty / ScoreNonRevealPenalty = 1_000, max BP;
        /// Score lost by a reveal disagreeing with the truth (−1 500 bp).
        score_disagree_penalty / ScoreDisagreePenalty = 1_500, max BP;
        /// Score lost by failing an availability challenge (−3 000 bp).
        score_failed_challenge_penalty / ScoreFailedChallengePenalty = 3_000, max BP;
        /// The part of the pot a winner with score 0 receives (0.5 = 5 000 bp; a winner
        /// receives `floor + (1 − floor) × score`; § Provider performance score).
        payout_floor / PayoutFloor = 5_000, max BP;
        /// Sliding window the penalty ladder counts offences in (30 days of blocks;
        /// § Penalty ladder).
        penalty_window_blocks / PenaltyWindowBlocks = days(30), max u64::MAX;
        /// Slash for the 2nd non-reveal in the window (0.5 % = 50 bp).
        non_reveal_slash_second / NonRevealSlashSecond = 50, max BP;
        /// Slash for the 3rd and later non-reveal in the window (2 % = 200 bp).
        non_reveal_slash_third / NonRevealSlashThird = 200, max BP;
        /// Slash for the 2nd disagreeing reveal in the window (1 % = 100 bp).
        disagree_slash_second / DisagreeSlashSecond = 100, max BP;
        /// Slash for the 3rd and later disagreeing reveal in the window (3 % = 300 bp).
        disagree_slash_third / DisagreeSlashThird = 300, max BP;
        /// Slash for the 1st failed availability challenge in the window (5 % = 500 bp).
        challenge_slash_first / ChallengeSlashFirst = 500, max BP;
        /// Slash for the 2nd failed challenge in the window (10 % = 1 000 bp).
        challenge_slash_second / ChallengeSlashSecond = 1_000, max BP;
        /// Slash for the 3rd and later failed challenge in the window (20 % = 2 000 bp).
        challenge_slash_third / ChallengeSlashThird = 2_000, max BP;
        /// Rounds a provider is suspended for from its 3rd failed challenge in the window (4).
        suspension_rounds / SuspensionRounds = 4, max 1_000_000;
        /// A failed challenge's compensation to the challenger as a multiple of the bond, on
        /// top of the bond returned (2; § Penalty ladder).
        challenge_compensation_multiple / ChallengeCompensationMultiple = 2, max 1_000;
        /// Blocks a provider has to answer a challenge (38, one phase; § Availability challenge).
        challenge_window / ChallengeWindow = crate::round::PHASE_LENGTH, max u64::MAX;
        /// Blocks between an unbonding request and the withdrawal of a user stake (7 days;
        /// § User staking).
        user_unbonding_blocks / UserUnbondingBlocks = days(7), max u64::MAX;
        /// Postage discount of the bronze tier (5 % = 500 bp).
        bronze_discount / BronzeDiscount = 500, max BP;
        /// Postage discount of the silver tier (10 % = 1 000 bp).
        silver_discount / SilverDiscount = 1_000, max BP;
        /// Postage discount of the gold tier (20 % = 2 000 bp).
        gold_discount / GoldDiscount = 2_000, max BP;
        /// Lock giving governance weight ×1 (30 days of blocks; shorter locks give ×0).
        lock_tier1_blocks / LockTier1Blocks = days(30), max u64::MAX;
        /// Lock giving ×1.5 (180 days of blocks).
        lock_tier2_blocks / LockTier2Blocks = days(180), max u64::MAX;
        /// Lock giving ×2 (365 days of blocks).
        lock_tier3_blocks / LockTier3Blocks = days(365), max u64::MAX;
        /// Weight multiplier of the 30-day lock (×1 = 10 000 bp).
        lock_tier1_multiplier / LockTier1Multiplier = 10_000, max 100 * BP;
        /// Weight multiplier of the 180-day lock (×1.5 = 15 000 bp).
        lock_tier2_multiplier / LockTier2Multiplier = 15_000, max 100 * BP;
        /// Weight multiplier of the 365-day lock (×2 = 20 000 bp).
        lock_tier3_multiplier / LockTier3Multiplier = 20_000, max 100 * BP;
        /// Share of every claimed pot paid to the user-reward pool (5 % = 500 bp).
        user_reward_share / UserRewardShare = 500, max BP;
        /// Voting period of a proposal (1 week of blocks; § Governance).
        voting_period / VotingPeriod = days(7), max u64::MAX;
        /// Quorum: votes cast as a share of the total governance weight (10 % = 1 000 bp).
        quorum / Quorum = 1_000, max BP;
        /// Blocks between the end of voting and execution (1 day).
        timelock / Timelock = days(1), max u64::MAX;
        /// Participation bonus for the voters of a proposal that reached quorum, as a share
        /// of the user-reward pool (1 % = 100 bp).
        participation_bonus / ParticipationBonus = 100, max BP;
    }
    amounts {
        /// Bond of an availability challenge (1 BZZ; § Availability challenge).
        challenge_bond / ChallengeBond = bzz(1);
        /// Minimum user stake of the bronze tier (100 BZZ; § User staking).
        bronze_minimum / BronzeMinimum = bzz(100);
        /// Minimum user stake of the silver tier (1 000 BZZ).
        silver_minimum / SilverMinimum = bzz(1_000);
        /// Minimum user stake of the gold tier (10 000 BZZ).
        gold_minimum / GoldMinimum = bzz(10_000);
        /// Deposit of a governance proposal (100 BZZ), returned when quorum is reached.
        proposal_deposit / ProposalDeposit = bzz(100);
    }
}

/// `amount × bp / 10 000`, rounded down.
pub fn apply_bp(amount: U256, bp: u64) -> Result<U256, ChainError> {
    amount
        .checked_mul(U256::from(bp))
        .map(|v| v.wrapping_div(U256::from(BASIS_POINTS)))
        .ok_or(ChainError::Arithmetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_spec_numbers() {
        let p = ArchitectureParams::default();
        assert_eq!(p.penalty_window_blocks, 518_400);
        assert_eq!(p.user_unbonding_blocks, 120_960);
        assert_eq!(p.voting_period, 120_960);
        assert_eq!(p.timelock, 17_280);
        assert_eq!(p.challenge_window, 38);
        assert_eq!(p.challenge_bond, U256::from(PLUR_PER_BZZ));
        assert_eq!(p.silver_minimum, bzz(1_000));
    }

    #[test]
    fn setting_checks_ranges() {
        let mut p = ArchitectureParams::default();
        p.set(Param::BronzeDiscount, U256::from(700u64)).unwrap();
        assert_eq!(p.bronze_discount, 700);
        assert_eq!(
            p.set(Param::BronzeDiscount, U256::from(10_001u64)),
            Err(ChainError::InvalidParameter)
        );
        assert_eq!(
            p.validate(Param::TargetRedundancy, U256::ZERO),
            Err(ChainError::InvalidParameter)
        );
        p.validate(Param::TargetRedundancy, U256::from(5u8))
            .unwrap();
        p.set(Param::ChallengeBond, bzz(2)).unwrap();
        assert_eq!(p.challenge_bond, bzz(2));
    }

    #[test]
    fn missing_fields_take_defaults() {
        let p: ArchitectureParams = serde_json::from_str(r#"{"quorum": 2000}"#).unwrap();
        assert_eq!(p.quorum, 2_000);
        assert_eq!(p.timelock, BLOCKS_PER_DAY);
    }
}
