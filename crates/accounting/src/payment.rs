//! Settlement notifications: cheques and refreshes sent and received
//! (spec `swap.md` §1.5 NotifyPaymentSent, §1.6, §1.7 growth, §1.8).

use alloy_primitives::{I256, U256};
use comb_primitives::B256;

use crate::amount::{self, Result};
use crate::ledger::{block, grow_threshold};
use crate::pseudosettle::allowance;
use crate::{Accounting, Blocklist, BlocklistReason};

/// The receiver's acknowledgement of our refresh, after the payer-side checks of
/// [`crate::pseudosettle::check_ack`] (spec §1.6 payer steps 4–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshAck {
    /// Amount the peer accepted.
    pub accepted: U256,
    /// Seconds between the peer's previous and current ack timestamps (`allegedInterval`).
    pub alleged_interval: u64,
}

/// Why a refresh we sent failed (spec §1.6 payer's accounting check step 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshFailure {
    /// Pseudosettle no longer knows the peer: no penalty.
    PeerNotFound,
    /// Any other error (stream error, too-soon reset, failed ack check): blocklist the peer.
    Other,
}

/// What the receiver of a refresh accepted (spec §1.6 receiver steps 3–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshReceipt {
    /// Amount to acknowledge in `PaymentAck` (with timestamp `now`).
    pub accepted: U256,
    /// New threshold to re-announce if the granted threshold grew (spec §1.7).
    pub reannounce: Option<U256>,
}

impl Accounting {
    /// NotifyPaymentSent (spec §1.5): the cheque finished; release its shadow reservation and
    /// on success credit `balance` and `originated` (which may go positive); on failure record
    /// the time so no cheque is tried for `failedSettlementInterval`.
    pub fn notify_payment_sent(
        &mut self,
        peer: &B256,
        amount: U256,
        success: bool,
        now: u64,
    ) -> Result<()> {
        let value = amount::signed(amount)?;
        let state = self.state_mut(peer)?;
        state.payment_ongoing = false;
        state.shadow_reserved = amount::max0(amount::sub(state.shadow_reserved, value)?);
        if !success {
            state.last_settlement_failure = Some(now);
            return Ok(());
        }
        state.balance = amount::add(state.balance, value)?;
        state.originated = amount::add(state.originated, value)?;
        Ok(())
    }

    /// NotifyPaymentReceived (spec §1.8): a cheque worth `amount` AU arrived. Counts towards
    /// threshold growth (§1.7); pays down a positive balance (never below 0) and puts the rest
    /// into surplus. Returns the threshold to re-announce if it grew.
    pub fn notify_payment_received(&mut self, peer: &B256, amount: U256) -> Result<Option<U256>> {
        let value = amount::signed(amount)?;
        let p = self.params.clone();
        let state = self.state_mut(peer)?;
        let reannounce = grow_threshold(state, &p, value)?;
        if state.balance <= I256::ZERO {
            state.surplus = amount::add(state.surplus, value)?;
        } else {
            let rest = amount::sub(state.balance, value)?;
            if rest.is_negative() {
                state.balance = I256::ZERO;
                state.surplus = amount::add(state.surplus, amount::neg(rest)?)?;
            } else {
                state.balance = rest;
            }
        }
        Ok(reannounce)
    }

    /// Receiver side of pseudosettle (spec §1.6 receiver steps 2–6): with the previous
    /// received record's timestamp `last_timestamp`, accept
    /// `min(attempted, (now − last) × rate, max(0, balance + shadowReserved))`, then apply it
    /// with [`Accounting::notify_refreshment_received`]. Same-second refreshes fail with
    /// [`crate::AccountingError::SettlementTooSoon`]. The caller stores
    /// `Total += accepted, Timestamp = now` and replies `PaymentAck{accepted, now}`.
    pub fn receive_refresh(
        &mut self,
        peer: &B256,
        attempted: U256,
        last_timestamp: u64,
        now: u64,
    ) -> Result<RefreshReceipt> {
        let rate = {
            let state = self
                .peer(peer)
                .ok_or(crate::AccountingError::PeerNotFound(*peer))?;
            amount::unsigned(self.params.rate(state.full_node))
        };
        let debt = self.peer_debt(peer)?;
        let allowed = allowance(last_timestamp, now, rate, debt)?;
        let accepted = attempted.min(allowed);
        let reannounce = self.notify_refreshment_received(peer, accepted, now)?;
        Ok(RefreshReceipt {
            accepted,
            reannounce,
        })
    }

    /// NotifyRefreshmentReceived (spec §1.6 receiver step 6): count towards threshold growth
    /// (§1.7), `balance −= accepted` (may go negative, deliberately), and remember `now` as
    /// the peer's last refresh. Returns the threshold to re-announce if it grew.
    pub fn notify_refreshment_received(
        &mut self,
        peer: &B256,
        accepted: U256,
        now: u64,
    ) -> Result<Option<U256>> {
        let value = amount::signed(accepted)?;
        let p = self.params.clone();
        let state = self.state_mut(peer)?;
        let reannounce = grow_threshold(state, &p, value)?;
        state.balance = amount::sub(state.balance, value)?;
        state.refresh_received_timestamp = now;
        Ok(reannounce)
    }

    /// NotifyRefreshmentSent (spec §1.6 payer's accounting check): the refresh of `attempted`
    /// finished at `now`. A failure other than peer-not-found blocklists the peer; an
    /// acceptance below `min(allegedInterval × refreshRate, attempted − refreshReserved)`
    /// blocklists it without touching the balance; otherwise `balance += accepted` and
    /// originated follows the balance up.
    pub fn notify_refreshment_sent(
        &mut self,
        peer: &B256,
        attempted: U256,
        result: core::result::Result<RefreshAck, RefreshFailure>,
        now: u64,
    ) -> Result<Option<Blocklist>> {
        let attempted = amount::signed(attempted)?;
        let p = self.params.clone();
        let state = self.state_mut(peer)?;
        state.refresh_ongoing = false;
        let ack = match result {
            Err(failure) => {
                state.refresh_timestamp = 0;
                return match failure {
                    RefreshFailure::PeerNotFound => Ok(None),
                    RefreshFailure::Other if state.connected => {
                        block(state, &p, now, BlocklistReason::FailedToRefresh).map(Some)
                    }
                    RefreshFailure::Other => Ok(None),
                };
            }
            Ok(ack) => ack,
        };
        state.refresh_timestamp = now;
        let accepted = amount::signed(ack.accepted)?;
        let by_time = amount::mul(amount::from_u64(ack.alleged_interval), p.refresh_rate)?;
        let expected = by_time.min(amount::sub(attempted, state.refresh_reserved)?);
        state.refresh_reserved = I256::ZERO;
        if accepted < expected {
            if state.connected {
                return block(state, &p, now, BlocklistReason::FailedToMeetExpectation).map(Some);
            }
            return Ok(None);
        }
        state.balance = amount::add(state.balance, accepted)?;
        state.originated = state.originated.max(state.balance.min(I256::ZERO));
        Ok(None)
    }
}
