//! `settle(peer)`: decide the time-based refresh and the cheque to start (spec `swap.md` §1.5).

use alloy_primitives::{I256, U256};

use crate::amount::{self, Result};
use crate::config::Params;
use crate::PeerState;

/// Settlements the caller must start (spec §1.5). Both are asynchronous in Bee; report
/// their outcome with [`crate::Accounting::notify_refreshment_sent`] and
/// [`crate::Accounting::notify_payment_sent`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settlement {
    /// Send a pseudosettle `Payment` for this amount (spec §1.5 time-based part, §1.6).
    pub refresh: Option<U256>,
    /// Send a cheque for this amount in AU (spec §1.5 monetary part).
    pub cheque: Option<U256>,
}

impl Settlement {
    /// Whether nothing needs to be started.
    pub fn is_empty(&self) -> bool {
        self.refresh.is_none() && self.cheque.is_none()
    }
}

/// `shadowBalance` (spec §1.5): our debt minus in-flight debits; 0 if we owe nothing or if
/// `−balance + surplus < shadowReserved`.
fn shadow_balance(state: &PeerState) -> Result<I256> {
    if !state.balance.is_negative() {
        return Ok(I256::ZERO);
    }
    let debt = amount::neg(state.balance)?;
    if amount::add(debt, state.surplus)? < state.shadow_reserved {
        return Ok(I256::ZERO);
    }
    amount::sub(debt, state.shadow_reserved)
}

/// Run `settle` on a peer's state at `now` (spec §1.5).
///
/// Both parts need a shadow balance of at least one second of refresh. The cheque does not
/// wait for the refresh's one-second pause or for a refresh in flight: in Bee's
/// `Accounting.settle` (every release from v1.10 to v2.8) only the refresh sits inside
/// `timeElapsedInMilliseconds > 999 && !refreshOngoing`, while the monetary branch is a
/// sibling of it and waits only for the previous cheque (`paymentOngoing`). The spec's §1.5
/// reads it as nested in both conditions; comb follows Bee's code. This is what lets a
/// heavy downloader keep paying by cheque between its once-a-second refreshes.
pub(crate) fn settle(state: &mut PeerState, p: &Params, now: u64) -> Result<Settlement> {
    let mut out = Settlement::default();
    let shadow = shadow_balance(state)?;
    if shadow < p.refresh_rate {
        return Ok(out);
    }
    let since_refresh = now.saturating_sub(state.refresh_timestamp);
    // "finished more than 999 ms ago": with whole seconds, at least one second.
    if since_refresh >= 1 && !state.refresh_ongoing {
        state.refresh_ongoing = true;
        out.refresh = Some(amount::unsigned(shadow));
    }

    let recently_failed = state
        .last_settlement_failure
        .is_some_and(|at| now.saturating_sub(at) <= p.failed_settlement_interval);
    if !p.swap_enabled || state.payment_ongoing || recently_failed {
        return Ok(out);
    }
    let mut pay = amount::neg(state.originated)?;
    if pay < p.minimum_payment {
        return Ok(out);
    }
    // Not capped at one second here (spec §1.5).
    let refresh_due = amount::mul(amount::from_u64(since_refresh), p.refresh_rate)?;
    let room = amount::sub(
        amount::sub(amount::neg(state.balance)?, refresh_due)?,
        state.shadow_reserved,
    )?;
    pay = pay.min(room);
    if pay < p.minimum_payment {
        return Ok(out);
    }
    state.payment_ongoing = true;
    state.shadow_reserved = amount::add(state.shadow_reserved, pay)?;
    if state.refresh_ongoing {
        state.refresh_reserved = amount::add(state.refresh_reserved, pay)?;
    }
    out.cheque = Some(amount::unsigned(pay));
    Ok(out)
}
