//! Per-peer accounting state (spec `swap.md` §1.1).

use alloy_primitives::I256;

/// Everything accounting knows about one peer (spec §1.1).
///
/// Read-only to callers: [`crate::Accounting::peer`] hands out `&PeerState`; all changes go
/// through the operations of [`crate::Accounting`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerState {
    /// Persisted balance: positive = the peer owes us, negative = we owe the peer (§1.1).
    pub balance: I256,
    /// Persisted surplus (≥ 0): the peer's overpayment, drawn down first when we serve it (§1.1).
    pub surplus: I256,
    /// Persisted originated balance: our debt from requests we originated (§1.1, §1.9).
    pub originated: I256,
    /// Sum of prices of prepared but unapplied credits (§1.1 `reservedBalance`).
    pub reserved: I256,
    /// Prepared debits plus cheques in flight (§1.1 `shadowReservedBalance`).
    pub shadow_reserved: I256,
    /// Debits and payments made while a refresh was in flight (§1.1 `refreshReservedBalance`).
    pub refresh_reserved: I256,
    /// Total price of prepared debits that could not be applied (§1.1 `ghostBalance`).
    pub ghost: I256,
    /// Threshold the peer announced to us; 0 until announced (§1.1, §1.7).
    pub payment_threshold: I256,
    /// `(100 − early)% × payment_threshold` (§1.1).
    pub early_payment: I256,
    /// Threshold we grant the peer; grows over time (§1.1, §1.7).
    pub payment_threshold_for_peer: I256,
    /// `(100 + tolerance)% × payment_threshold_for_peer` (§1.1).
    pub disconnect_limit: I256,
    /// Settled total at which the granted threshold next grows (§1.7).
    pub threshold_grow_at: I256,
    /// Total settled by the peer since connecting, refreshes and cheques (§1.7).
    pub total_debt_repay: I256,
    /// Unix second our last outgoing refresh completed; 0 after an error (§1.1, §1.6).
    pub refresh_timestamp: u64,
    /// Unix second of the peer's last incoming refresh (§1.1, §1.6).
    pub refresh_received_timestamp: u64,
    /// Unix second of the last failed cheque, if any (§1.5).
    pub last_settlement_failure: Option<u64>,
    /// A cheque is in flight (§1.5).
    pub payment_ongoing: bool,
    /// A refresh is in flight (§1.5).
    pub refresh_ongoing: bool,
    /// The peer is connected (§1.2).
    pub connected: bool,
    /// The peer is a full node (§1.2).
    pub full_node: bool,
    /// Unix second until which the peer is blocklisted, if it is (§1.2, §1.10).
    pub blocklisted_until: Option<u64>,
}

impl PeerState {
    /// `balance − surplus`, the value Bee's `/balances` shows (§1.1 `compensatedBalance`).
    pub fn compensated_balance(&self) -> Option<I256> {
        self.balance.checked_sub(self.surplus)
    }
}
