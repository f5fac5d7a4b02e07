//! The crate's single error type.

use alloy_primitives::U256;
use comb_primitives::B256;

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
    /// The configuration is unusable (zero rate or factor, percentages above 100).
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// A computation left the range of 256-bit signed integers or of `u64` seconds.
    #[error("arithmetic overflow")]
    Overflow,
}
