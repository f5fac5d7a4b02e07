//! The accounting state machine: peers, connect/disconnect, thresholds, blocklisting
//! (spec `swap.md` §1.2, §1.7, §1.10).

use std::collections::BTreeMap;

use alloy_primitives::{I256, U256};
use comb_primitives::B256;

use crate::amount::{self, Result};
use crate::config::{Params, LINEAR_CHECKPOINT_NUMBER, LINEAR_CHECKPOINT_STEP};
use crate::{AccountingConfig, AccountingError, PeerState};

/// Why a peer is blocklisted (spec §1.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlocklistReason {
    /// A connected peer disconnected (§1.2 "accounting disconnect").
    AccountingDisconnect,
    /// The peer's balance reached the disconnect limit (§1.4 step 4).
    DisconnectThresholdExceeded,
    /// The ghost balance exceeded the disconnect limit (§1.4 "ghost overdraw").
    GhostOverdraw,
    /// Our refresh to the peer failed (§1.6 payer step 2, "failed to refresh").
    FailedToRefresh,
    /// The peer accepted less of our refresh than allowed (§1.6 payer step 4).
    FailedToMeetExpectation,
}

/// Instruction to the caller: disconnect the peer and blocklist it for `seconds`
/// (spec §1.2 `blocklistUntil`, §1.10). The state already records the peer as disconnected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocklist {
    /// Blocklist duration in seconds.
    pub seconds: u64,
    /// Why.
    pub reason: BlocklistReason,
}

/// Per-peer bandwidth accounting of one node (spec §1).
#[derive(Debug, Clone)]
pub struct Accounting {
    config: AccountingConfig,
    pub(crate) params: Params,
    pub(crate) peers: BTreeMap<B256, PeerState>,
}

impl Accounting {
    /// Accounting with the given configuration; fails on an unusable one (spec §0).
    pub fn new(config: AccountingConfig) -> Result<Self> {
        let params = config.params()?;
        Ok(Self {
            config,
            params,
            peers: BTreeMap::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AccountingConfig {
        &self.config
    }

    /// The refresh rate, AU per second, for a full or a light peer (spec §1.6, §1.7): the
    /// one time-based settlement forgives at.
    pub fn refresh_rate(&self, full_node: bool) -> I256 {
        self.params.rate(full_node)
    }

    /// The state of one peer, if it was ever connected (spec §1.1).
    pub fn peer(&self, peer: &B256) -> Option<&PeerState> {
        self.peers.get(peer)
    }

    /// Every peer ever connected, with its state (spec §1.1), in overlay order.
    pub fn peers(&self) -> impl Iterator<Item = (&B256, &PeerState)> {
        self.peers.iter()
    }

    pub(crate) fn state_mut(&mut self, peer: &B256) -> Result<&mut PeerState> {
        self.peers
            .get_mut(peer)
            .ok_or(AccountingError::PeerNotFound(*peer))
    }

    pub(crate) fn connected_mut(&mut self, peer: &B256) -> Result<&mut PeerState> {
        let state = self.state_mut(peer)?;
        if !state.connected {
            return Err(AccountingError::NotConnected(*peer));
        }
        Ok(state)
    }

    /// Connect (spec §1.2): refuse while blocklisted, zero the in-memory reserves, set the
    /// threshold we grant (`threshold`, or `threshold / lightFactor` for a light peer), its
    /// disconnect limit and growth checkpoint, and reset balance and surplus to 0. The
    /// originated balance survives.
    ///
    /// The first growth checkpoint is `100 × rate` (spec §1.7 growth step) **\[inferred\]**.
    pub fn connect(&mut self, peer: B256, full_node: bool, now: u64) -> Result<()> {
        let p = &self.params;
        let threshold = if full_node {
            p.payment_threshold
        } else {
            amount::div(p.payment_threshold, p.light_factor)?
        };
        let disconnect_limit = p.disconnect_limit(threshold)?;
        let grow_at = amount::mul(p.rate(full_node), amount::from_u64(LINEAR_CHECKPOINT_STEP))?;
        let state = self.peers.entry(peer).or_default();
        if let Some(until) = state.blocklisted_until {
            if now < until {
                return Err(AccountingError::Blocklisted { peer, until });
            }
        }
        state.blocklisted_until = None;
        state.connected = true;
        state.full_node = full_node;
        state.shadow_reserved = I256::ZERO;
        state.ghost = I256::ZERO;
        state.reserved = I256::ZERO;
        state.refresh_reserved = I256::ZERO;
        state.payment_threshold_for_peer = threshold;
        state.disconnect_limit = disconnect_limit;
        state.threshold_grow_at = grow_at;
        state.total_debt_repay = I256::ZERO;
        state.balance = I256::ZERO;
        state.surplus = I256::ZERO;
        Ok(())
    }

    /// Disconnect (spec §1.2): if the peer was connected, mark it disconnected and blocklist
    /// it for `blocklistUntil` seconds ("accounting disconnect").
    pub fn disconnect(&mut self, peer: &B256, now: u64) -> Result<Option<Blocklist>> {
        let params = self.params.clone();
        let state = self.state_mut(peer)?;
        if !state.connected {
            return Ok(None);
        }
        block(state, &params, now, BlocklistReason::AccountingDisconnect).map(Some)
    }

    /// Seconds a peer would be blocklisted now (spec §1.2 `blocklistUntil`):
    /// `(max(max(balance,0) + shadowReserved + ghost, refreshRate) + threshold) / refreshRate`.
    pub fn blocklist_seconds(&self, peer: &B256) -> Result<u64> {
        let state = self
            .peers
            .get(peer)
            .ok_or(AccountingError::PeerNotFound(*peer))?;
        blocklist_seconds(state, &self.params)
    }

    /// Record the payment threshold a peer announced to us (spec §1.7): below
    /// `2 × refreshRate` it is rejected with [`AccountingError::ThresholdTooLow`] (the caller
    /// disconnects); otherwise it sets the peer's threshold and early-payment trigger.
    pub fn notify_payment_threshold(&mut self, peer: &B256, threshold: U256) -> Result<()> {
        let p = self.params.clone();
        let value = amount::signed(threshold).unwrap_or(I256::MAX);
        if value < p.min_threshold {
            return Err(AccountingError::ThresholdTooLow {
                announced: threshold,
                minimum: amount::unsigned(p.min_threshold),
            });
        }
        let early = p.early_payment(value)?;
        let state = self.state_mut(peer)?;
        state.payment_threshold = value;
        state.early_payment = early;
        Ok(())
    }

    /// The threshold to announce to a peer through the pricing protocol (spec §1.7): the
    /// granted, possibly grown, `paymentThresholdForPeer`.
    pub fn threshold_for_peer(&self, peer: &B256) -> Result<U256> {
        self.peers
            .get(peer)
            .map(|s| amount::unsigned(s.payment_threshold_for_peer))
            .ok_or(AccountingError::PeerNotFound(*peer))
    }

    /// How much the peer owes us including in-flight debits: `max(0, balance + shadowReserved)`
    /// (spec §1.6 receiver step 3 `PeerDebt`).
    pub fn peer_debt(&self, peer: &B256) -> Result<U256> {
        let state = self
            .peers
            .get(peer)
            .ok_or(AccountingError::PeerNotFound(*peer))?;
        Ok(amount::unsigned(amount::add(
            state.balance,
            state.shadow_reserved,
        )?))
    }
}

/// `min(seconds elapsed since `since`, 1)` as a signed amount: Bee's "≤1 s headroom" (spec §1.3
/// step 4, §1.4 step 4, §8).
pub(crate) fn headroom_seconds(now: u64, since: u64) -> I256 {
    amount::from_u64(now.saturating_sub(since).min(1))
}

pub(crate) fn blocklist_seconds(state: &PeerState, p: &Params) -> Result<u64> {
    let latent = amount::add(
        amount::add(amount::max0(state.balance), state.shadow_reserved)?,
        state.ghost,
    )?;
    let latent = amount::max0(latent).max(p.refresh_rate);
    let seconds = amount::div(amount::add(latent, p.payment_threshold)?, p.refresh_rate)?;
    Ok(amount::unsigned(seconds).saturating_to::<u64>())
}

/// Blocklist a peer: mark it disconnected and record until when (spec §1.2, §1.10). Every
/// blocklist uses `blocklistUntil` seconds **\[inferred\]** for the non-disconnect reasons.
pub(crate) fn block(
    state: &mut PeerState,
    p: &Params,
    now: u64,
    reason: BlocklistReason,
) -> Result<Blocklist> {
    let seconds = blocklist_seconds(state, p)?;
    let until = now.checked_add(seconds).ok_or(AccountingError::Overflow)?;
    state.connected = false;
    state.blocklisted_until = Some(until);
    Ok(Blocklist { seconds, reason })
}

/// Add a received settlement to `totalDebtRepay` and grow the granted threshold once if it
/// passed the checkpoint (spec §1.7). Returns the new threshold to re-announce.
pub(crate) fn grow_threshold(
    state: &mut PeerState,
    p: &Params,
    settled: I256,
) -> Result<Option<U256>> {
    state.total_debt_repay = amount::add(state.total_debt_repay, settled)?;
    if state.total_debt_repay <= state.threshold_grow_at {
        return Ok(None);
    }
    let rate = p.rate(state.full_node);
    let change = amount::mul(rate, amount::from_u64(LINEAR_CHECKPOINT_NUMBER))?;
    state.threshold_grow_at = if state.threshold_grow_at >= change {
        amount::mul(state.threshold_grow_at, amount::from_u64(2))?
    } else {
        amount::add(
            state.threshold_grow_at,
            amount::mul(rate, amount::from_u64(LINEAR_CHECKPOINT_STEP))?,
        )?
    };
    state.payment_threshold_for_peer = amount::add(state.payment_threshold_for_peer, rate)?;
    state.disconnect_limit = p.disconnect_limit(state.payment_threshold_for_peer)?;
    Ok(Some(amount::unsigned(state.payment_threshold_for_peer)))
}
