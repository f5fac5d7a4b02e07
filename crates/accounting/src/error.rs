//! The crate's single error type.

use alloy_primitives::U256;
use comb_primitives::{Address, B256};

/// Everything that can go wrong in accounting (spec `swap.md` §1, §1.6, §1.7).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountingError {
    /// The peer has never been connected (spec §1.2; Bee's "peer not found").
    #[error("peer {0} not found")]
    PeerNotFound(B256),
    /// The peer is known but not connected (spec §1.3 step 1, §1.4).
    #[error("peer {0} not connected")]
    NotConnected(B256),
    /// The peer is blocklisted until the given Unix second (spec §1.2, §1.10).
    #[error("peer {peer} blocklisted until {until}")]
    Blocklisted {
        /// The peer.
        peer: B256,
        /// First Unix second at which the peer may connect again.
        until: u64,
    },
    /// A credit or debit action was applied twice (spec §1.3, §1.4: Apply runs at most once).
    #[error("action already applied")]
    AlreadyApplied,
    /// A peer announced a payment threshold below our minimum (spec §1.7, ErrThresholdTooLow).
    #[error("announced threshold {announced} below minimum {minimum}")]
    ThresholdTooLow {
        /// The announced value.
        announced: U256,
        /// Our minimum, `2 × refreshRate`.
        minimum: U256,
    },
    /// A refresh arrived in the same second as the previous one (spec §1.6 receiver step 2).
    #[error("settlement too soon")]
    SettlementTooSoon,
    /// The receiver accepted more than we attempted (spec §1.6 payer step 4).
    #[error("refreshment above expected: accepted {accepted}, attempted {attempted}")]
    RefreshmentAboveExpected {
        /// Amount the peer acknowledged.
        accepted: U256,
        /// Amount we sent.
        attempted: U256,
    },
    /// The acknowledged timestamp is before the previous one (spec §1.6, ErrTimeOutOfSyncAlleged).
    #[error("time out of sync: alleged interval {0} is negative")]
    TimeOutOfSyncAlleged(i64),
    /// The acknowledged timestamp differs from our clock by more than 2 s (spec §1.6).
    #[error("time out of sync: peer timestamp {peer} vs ours {ours}")]
    TimeOutOfSyncRecent {
        /// The peer's timestamp.
        peer: i64,
        /// Our time in seconds.
        ours: i64,
    },
    /// Our interval and the alleged interval differ by more than 3 s (spec §1.6).
    #[error("time out of sync: interval {ours} vs alleged {alleged}")]
    TimeOutOfSyncInterval {
        /// Seconds since our last check.
        ours: i64,
        /// Seconds the peer claims.
        alleged: i64,
    },
    /// A cheque's JSON did not parse (spec §3.3).
    #[error("malformed cheque: {0}")]
    MalformedCheque(String),
    /// The cheque is from another chequebook than the peer used before (spec §3.5 step 1).
    #[error("wrong chequebook: expected {expected}, got {got}")]
    WrongChequebook {
        /// The chequebook on record for the peer.
        expected: Address,
        /// The cheque's chequebook.
        got: Address,
    },
    /// The cheque is not made out to us (spec §3.5 step 2).
    #[error("wrong beneficiary {0}")]
    WrongBeneficiary(Address),
    /// The factory did not deploy the cheque's chequebook (spec §3.5 step 4).
    #[error("chequebook {0} not deployed by factory")]
    NotDeployedByFactory(Address),
    /// The cumulative payout does not grow (spec §3.5 step 5).
    #[error("cheque not increasing: last {last}, got {got}")]
    ChequeNotIncreasing {
        /// The last received cumulative payout.
        last: U256,
        /// The cheque's.
        got: U256,
    },
    /// The increment after deduction is worth less than one accounting unit (spec §3.5 step 6).
    #[error("cheque value too low: increment {0}")]
    ChequeValueTooLow(U256),
    /// The signature does not recover to the chequebook's issuer for our chain id (spec §3.5
    /// step 7).
    #[error("cheque signature invalid")]
    ChequeInvalid,
    /// The chequebook cannot cover the cheque (spec §3.5 step 8).
    #[error("bouncing cheque: balance {balance}, owed {owed}")]
    BouncingCheque {
        /// The chequebook's balance.
        balance: U256,
        /// `cumulativePayout − paidOut`.
        owed: U256,
    },
    /// The receiver's exchange rate differs from ours (spec §3.4, ErrNegotiateRate).
    #[error("exchange rates differ: ours {ours}, theirs {theirs}")]
    NegotiateRate {
        /// Ours.
        ours: U256,
        /// The receiver's.
        theirs: U256,
    },
    /// The receiver's deduction is neither ours nor 0 (spec §3.4, ErrNegotiateDeduction).
    #[error("deductions differ: ours {ours}, theirs {theirs}")]
    NegotiateDeduction {
        /// Ours.
        ours: U256,
        /// The receiver's.
        theirs: U256,
    },
    /// The receiver asks for a deduction we already paid it (spec §3.4, ErrHaveDeduction).
    #[error("deduction already paid to this peer")]
    HaveDeduction,
    /// The cheque would exceed the chequebook's available balance (spec §3.6, ErrOutOfFunds).
    #[error("chequebook out of funds: {needed} needed, {available} available")]
    OutOfFunds {
        /// The cheque's value.
        needed: U256,
        /// What is available.
        available: U256,
    },
    /// The configuration is unusable (zero rate or factor, percentages above 100).
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// A computation left the range of 256-bit signed integers or of `u64` seconds.
    #[error("arithmetic overflow")]
    Overflow,
}
