//! Accounting configuration with Bee's defaults (spec `swap.md` §0, §1.7).

use alloy_primitives::{I256, U256};

use crate::amount::{self, Result};
use crate::AccountingError;

/// Full-node refresh rate: debt forgiven per second, 4,500,000 AU/s (spec §0 `refreshRate`).
pub const REFRESH_RATE: u64 = 4_500_000;
/// Divisor between full and light rates and thresholds, 10 (spec §0 `lightFactor`).
pub const LIGHT_FACTOR: u64 = 10;
/// Price of one proximity-order step, 10,000 AU (spec §0 `basePrice`, §2).
pub const BASE_PRICE: u64 = 10_000;
/// Default payment threshold, 13,500,000 AU (spec §0 `payment-threshold`).
pub const PAYMENT_THRESHOLD: u64 = 13_500_000;
/// Default payment tolerance, 25 % (spec §0 `payment-tolerance-percent`).
pub const PAYMENT_TOLERANCE_PERCENT: u64 = 25;
/// Default early payment, 50 % (spec §0 `payment-early-percent`).
pub const PAYMENT_EARLY_PERCENT: u64 = 50;
/// Minimum cheque = refresh rate / 5 (spec §0 `minimumPaymentDivisor`).
pub const MINIMUM_PAYMENT_DIVISOR: u64 = 5;
/// Seconds to wait after a failed cheque before the next one (spec §0 `failedSettlementInterval`).
pub const FAILED_SETTLEMENT_INTERVAL: u64 = 10;
/// Linear threshold growth step, in multiples of the rate (spec §0, §1.7 `linearCheckpointStep`).
pub const LINEAR_CHECKPOINT_STEP: u64 = 100;
/// Point after which growth checkpoints double, in multiples of the rate (spec §0, §1.7).
pub const LINEAR_CHECKPOINT_NUMBER: u64 = 1800;
/// Minimum accepted announced threshold, in multiples of the refresh rate (spec §0, §1.7).
pub const MIN_THRESHOLD_FACTOR: u64 = 2;
/// Maximum configurable threshold, in multiples of the refresh rate (spec §0).
pub const MAX_THRESHOLD_FACTOR: u64 = 24;

/// Parameters of one node's accounting (spec §0 cheat sheet, §1.1, §1.7).
///
/// `refresh_rate` and `payment_threshold` are the node's own values: for a node in light
/// mode use [`AccountingConfig::light_mode`], which divides both by the light factor
/// (spec §1.7 "Light-node factors").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountingConfig {
    /// Our payment threshold given to full peers (spec §0, default 13,500,000 AU).
    pub payment_threshold: U256,
    /// Tolerance above the threshold before disconnecting, percent (spec §0, default 25).
    pub payment_tolerance_percent: u64,
    /// Settle once debt reaches `(100 − early)%` of the peer's threshold (spec §0, default 50).
    pub payment_early_percent: u64,
    /// Refresh rate in AU per second (spec §0, default 4,500,000).
    pub refresh_rate: U256,
    /// Light factor (spec §0, default 10).
    pub light_factor: u64,
    /// Minimum cheque = refresh rate / this (spec §0, default 5).
    pub minimum_payment_divisor: u64,
    /// Seconds after a failed cheque before retrying (spec §0, default 10).
    pub failed_settlement_interval: u64,
    /// Whether cheques can be sent (SWAP enabled with a chequebook; spec §1.5). Default false
    /// (spec §0 `swap-enable`).
    pub swap_enabled: bool,
}

impl Default for AccountingConfig {
    fn default() -> Self {
        Self {
            payment_threshold: U256::from(PAYMENT_THRESHOLD),
            payment_tolerance_percent: PAYMENT_TOLERANCE_PERCENT,
            payment_early_percent: PAYMENT_EARLY_PERCENT,
            refresh_rate: U256::from(REFRESH_RATE),
            light_factor: LIGHT_FACTOR,
            minimum_payment_divisor: MINIMUM_PAYMENT_DIVISOR,
            failed_settlement_interval: FAILED_SETTLEMENT_INTERVAL,
            swap_enabled: false,
        }
    }
}

impl AccountingConfig {
    /// The configuration of a node in light mode: refresh rate and threshold divided by the
    /// light factor (spec §0 "light payment threshold", §1.7 "Light-node factors").
    pub fn light_mode(self) -> Self {
        let factor = U256::from(self.light_factor.max(1));
        Self {
            payment_threshold: self
                .payment_threshold
                .checked_div(factor)
                .unwrap_or_default(),
            refresh_rate: self.refresh_rate.checked_div(factor).unwrap_or_default(),
            ..self
        }
    }

    /// Smallest threshold a peer may announce to us: `2 × refresh_rate` (spec §0, §1.7).
    pub fn min_threshold(&self) -> U256 {
        self.refresh_rate
            .saturating_mul(U256::from(MIN_THRESHOLD_FACTOR))
    }

    /// Largest configurable threshold: `24 × refresh_rate` (spec §0).
    pub fn max_threshold(&self) -> U256 {
        self.refresh_rate
            .saturating_mul(U256::from(MAX_THRESHOLD_FACTOR))
    }

    pub(crate) fn params(&self) -> Result<Params> {
        if self.refresh_rate.is_zero() {
            return Err(AccountingError::InvalidConfig("refresh rate is zero"));
        }
        if self.light_factor == 0 {
            return Err(AccountingError::InvalidConfig("light factor is zero"));
        }
        if self.minimum_payment_divisor == 0 {
            return Err(AccountingError::InvalidConfig(
                "minimum payment divisor is zero",
            ));
        }
        if self.payment_early_percent > 100 {
            return Err(AccountingError::InvalidConfig("early payment above 100%"));
        }
        let refresh_rate = amount::signed(self.refresh_rate)?;
        let light_factor = amount::from_u64(self.light_factor);
        let light_refresh_rate = amount::div(refresh_rate, light_factor)?;
        if light_refresh_rate.is_zero() {
            return Err(AccountingError::InvalidConfig("light refresh rate is zero"));
        }
        let tolerance = self
            .payment_tolerance_percent
            .checked_add(100)
            .ok_or(AccountingError::Overflow)?;
        let early = 100u64
            .checked_sub(self.payment_early_percent)
            .ok_or(AccountingError::Overflow)?;
        Ok(Params {
            payment_threshold: amount::signed(self.payment_threshold)?,
            refresh_rate,
            light_refresh_rate,
            light_factor,
            tolerance_percent_total: tolerance,
            early_percent_remaining: early,
            minimum_payment: amount::div(
                refresh_rate,
                amount::from_u64(self.minimum_payment_divisor),
            )?,
            min_threshold: amount::mul(refresh_rate, amount::from_u64(MIN_THRESHOLD_FACTOR))?,
            failed_settlement_interval: self.failed_settlement_interval,
            swap_enabled: self.swap_enabled,
        })
    }
}

/// Validated, pre-converted configuration values.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    pub payment_threshold: I256,
    pub refresh_rate: I256,
    pub light_refresh_rate: I256,
    pub light_factor: I256,
    /// `100 + tolerance`.
    pub tolerance_percent_total: u64,
    /// `100 − early`.
    pub early_percent_remaining: u64,
    pub minimum_payment: I256,
    pub min_threshold: I256,
    pub failed_settlement_interval: u64,
    pub swap_enabled: bool,
}

impl Params {
    /// Refresh rate by peer type (spec §1.4 step 4, §1.6 receiver step 3, §1.7).
    pub fn rate(&self, full_node: bool) -> I256 {
        if full_node {
            self.refresh_rate
        } else {
            self.light_refresh_rate
        }
    }

    /// `(100 + tolerance)% × threshold` (spec §1.1 `disconnectLimit`).
    pub fn disconnect_limit(&self, threshold: I256) -> Result<I256> {
        amount::percent(threshold, self.tolerance_percent_total)
    }

    /// `(100 − early)% × threshold` (spec §1.1 `earlyPayment`).
    pub fn early_payment(&self, threshold: I256) -> Result<I256> {
        amount::percent(threshold, self.early_percent_remaining)
    }
}
