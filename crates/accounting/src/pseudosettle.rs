//! Pure pseudosettle amount and timestamp rules (spec `swap.md` §1.6).

use alloy_primitives::U256;

use crate::amount::Result;
use crate::AccountingError;

/// Tolerated difference between the peer's ack timestamp and our clock, seconds (spec §1.6).
pub const MAX_RECENT_SKEW: i64 = 2;
/// Tolerated difference between our interval and the alleged interval, seconds (spec §1.6).
pub const MAX_INTERVAL_SKEW: i64 = 3;

/// A persisted `pseudosettle_total_{sent,received}_<peer>` record (spec §1.6). A missing record
/// is all zeros, i.e. anchored at the Unix epoch (Bee's behaviour, bee#5530).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettlementRecord {
    /// The receiver's timestamp of the last refresh, Unix seconds.
    pub timestamp: i64,
    /// Our clock when we checked that ack, Unix seconds (sent records only).
    pub check_timestamp: i64,
    /// Sum of accepted amounts.
    pub total: U256,
}

/// Receiver's allowance (spec §1.6 receiver steps 2–3):
/// `min((now − last) × rate, peer_debt)`; a refresh in the same second as the previous one
/// is [`AccountingError::SettlementTooSoon`]. A clock that went backwards allows nothing.
pub fn allowance(last_timestamp: u64, now: u64, rate: U256, peer_debt: U256) -> Result<U256> {
    if now == last_timestamp {
        return Err(AccountingError::SettlementTooSoon);
    }
    let elapsed = U256::from(now.saturating_sub(last_timestamp));
    Ok(elapsed.saturating_mul(rate).min(peer_debt))
}

/// Payer's checks of a `PaymentAck` (spec §1.6 payer step 4). `check_time` is our clock in
/// whole seconds when the ack arrived. Returns `allegedInterval = ack_timestamp −
/// last.timestamp`.
pub fn check_ack(
    attempted: U256,
    accepted: U256,
    ack_timestamp: i64,
    last: &SettlementRecord,
    check_time: i64,
) -> Result<u64> {
    if accepted > attempted {
        return Err(AccountingError::RefreshmentAboveExpected {
            accepted,
            attempted,
        });
    }
    let alleged = ack_timestamp
        .checked_sub(last.timestamp)
        .ok_or(AccountingError::Overflow)?;
    if alleged < 0 {
        return Err(AccountingError::TimeOutOfSyncAlleged(alleged));
    }
    let skew = ack_timestamp
        .checked_sub(check_time)
        .ok_or(AccountingError::Overflow)?;
    if skew.unsigned_abs() > MAX_RECENT_SKEW.unsigned_abs() {
        return Err(AccountingError::TimeOutOfSyncRecent {
            peer: ack_timestamp,
            ours: check_time,
        });
    }
    let ours = check_time
        .checked_sub(last.check_timestamp)
        .ok_or(AccountingError::Overflow)?;
    let diff = ours.checked_sub(alleged).ok_or(AccountingError::Overflow)?;
    if diff.unsigned_abs() > MAX_INTERVAL_SKEW.unsigned_abs() {
        return Err(AccountingError::TimeOutOfSyncInterval { ours, alleged });
    }
    Ok(alleged.unsigned_abs())
}
