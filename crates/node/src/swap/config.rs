//! SWAP and bandwidth-accounting settings of a node (spec `swap.md` §0).

use comb_accounting::config::{
    PAYMENT_EARLY_PERCENT, PAYMENT_THRESHOLD, PAYMENT_TOLERANCE_PERCENT, REFRESH_RATE,
};
use comb_accounting::{AccountingConfig, U256};
use serde::{Deserialize, Serialize};

/// The price oracle's exchange rate at deployment: 100,000 PLUR per accounting unit (spec §0
/// "Oracle constructor args"). The dev chain has no swap price oracle, so nodes take the rate
/// from their configuration.
pub const DEFAULT_EXCHANGE_RATE: u64 = 100_000;
/// The price oracle's cheque value deduction at deployment: 100 PLUR (spec §0).
pub const DEFAULT_DEDUCTION: u64 = 100;
/// Default chequebook deposit at first start: 10 BZZ (10^17 PLUR). Bee's
/// `swap-initial-deposit` defaults to 0 and then cannot pay a single cheque; 10 BZZ pays for
/// about 3·10^6 chunks at the deployment exchange rate, and dev accounts hold 10^6 BZZ.
pub const DEFAULT_CHEQUEBOOK_DEPOSIT: u128 = 100_000_000_000_000_000;

/// How a node accounts for bandwidth and settles (spec `swap.md` §0, §1, §3). The defaults
/// are Bee's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct SwapConfig {
    /// SWAP on: deploy and fund a chequebook at first start, pay with cheques and accept
    /// them. Default **true**: Bee defaults `swap-enable` to false because a plain `bee
    /// start` has no chain (ultra-light mode); a comb node always runs against a chain.
    /// Without SWAP only time-based settlement runs.
    pub enable: bool,
    /// PLUR deposited into a newly deployed chequebook (default 10 BZZ, see
    /// [`DEFAULT_CHEQUEBOOK_DEPOSIT`]).
    pub chequebook_deposit: u128,
    /// Threshold granted to full peers, AU (spec §0 `payment-threshold`, 13,500,000).
    pub payment_threshold: u64,
    /// Tolerance above the threshold before disconnecting, percent (spec §0, 25).
    pub payment_tolerance_percent: u64,
    /// Settle once debt reaches `(100 − early)%` of the peer's threshold (spec §0, 50).
    pub payment_early_percent: u64,
    /// Debt forgiven per second by time-based settlement, AU (spec §0 `refreshRate`,
    /// 4,500,000).
    pub refresh_rate: u64,
    /// PLUR per AU for cheques (spec §3.4; the oracle's deployment value 100,000).
    pub exchange_rate: u64,
    /// PLUR deducted from the first cheque to each peer (spec §3.4; 100).
    pub deduction: u64,
    /// **Test only**: the node keeps no books for what it consumes, so it never refuses a
    /// request for overdraft and never settles, time-based or by cheque. Peers serving it
    /// see an unpaid debt and cut it off at their disconnect threshold (spec §1.4).
    pub test_freeloader: bool,
}

impl Default for SwapConfig {
    fn default() -> Self {
        Self {
            enable: true,
            chequebook_deposit: DEFAULT_CHEQUEBOOK_DEPOSIT,
            payment_threshold: PAYMENT_THRESHOLD,
            payment_tolerance_percent: PAYMENT_TOLERANCE_PERCENT,
            payment_early_percent: PAYMENT_EARLY_PERCENT,
            refresh_rate: REFRESH_RATE,
            exchange_rate: DEFAULT_EXCHANGE_RATE,
            deduction: DEFAULT_DEDUCTION,
            test_freeloader: false,
        }
    }
}

impl SwapConfig {
    /// The accounting's configuration; cheques are sent only with SWAP on and a chequebook
    /// (spec §1.5 "a pay function is set").
    pub fn accounting(&self, has_chequebook: bool) -> AccountingConfig {
        AccountingConfig {
            payment_threshold: U256::from(self.payment_threshold),
            payment_tolerance_percent: self.payment_tolerance_percent,
            payment_early_percent: self.payment_early_percent,
            refresh_rate: U256::from(self.refresh_rate),
            swap_enabled: self.enable && has_chequebook,
            ..AccountingConfig::default()
        }
    }
}
