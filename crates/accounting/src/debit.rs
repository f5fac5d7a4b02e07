//! Providing a service: PrepareDebit → Apply / Cleanup (spec `swap.md` §1.4).

use alloy_primitives::{I256, U256};
use comb_primitives::B256;

use crate::amount::{self, Result};
use crate::ledger::{block, headroom_seconds};
use crate::{Accounting, AccountingError, Blocklist, BlocklistReason};

/// A prepared debit: the price of a service we are about to deliver (spec §1.4). Pass it to
/// [`Accounting::apply_debit`] once the write-back succeeded, and always to
/// [`Accounting::cleanup_debit`] afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitAction {
    peer: B256,
    price: I256,
    applied: bool,
}

impl DebitAction {
    /// The peer we serve.
    pub fn peer(&self) -> B256 {
        self.peer
    }
    /// The price.
    pub fn price(&self) -> U256 {
        amount::unsigned(self.price)
    }
    /// Whether Apply already ran.
    pub fn applied(&self) -> bool {
        self.applied
    }
}

impl Accounting {
    /// PrepareDebit (spec §1.4): `shadowReserved += price`, and `refreshReserved += price`
    /// while a refresh is in flight.
    pub fn prepare_debit(&mut self, peer: B256, price: U256) -> Result<DebitAction> {
        let price = amount::signed(price)?;
        let state = self.connected_mut(&peer)?;
        state.shadow_reserved = amount::add(state.shadow_reserved, price)?;
        if state.refresh_ongoing {
            state.refresh_reserved = amount::add(state.refresh_reserved, price)?;
        }
        Ok(DebitAction {
            peer,
            price,
            applied: false,
        })
    }

    /// Apply a debit after the write-back succeeded (spec §1.4): surplus first, then balance;
    /// originated follows the balance up; release the shadow reservation; and if
    /// `balance ≥ disconnectLimit + min(elapsed since the peer's last refresh, 1) × rate`
    /// return the instruction to disconnect and blocklist (ErrDisconnectThresholdExceeded).
    /// The balance is updated either way.
    pub fn apply_debit(&mut self, action: &mut DebitAction, now: u64) -> Result<Option<Blocklist>> {
        if action.applied {
            return Err(AccountingError::AlreadyApplied);
        }
        let p = self.params.clone();
        let state = self.state_mut(&action.peer)?;
        if state.surplus >= action.price {
            state.surplus = amount::sub(state.surplus, action.price)?;
        } else {
            let cost = amount::sub(action.price, state.surplus)?;
            state.surplus = I256::ZERO;
            state.balance = amount::add(state.balance, cost)?;
            state.originated = state.originated.max(state.balance.min(I256::ZERO));
        }
        state.shadow_reserved = amount::max0(amount::sub(state.shadow_reserved, action.price)?);
        action.applied = true;
        let headroom = amount::mul(
            headroom_seconds(now, state.refresh_received_timestamp),
            p.rate(state.full_node),
        )?;
        let limit = amount::add(state.disconnect_limit, headroom)?;
        if state.connected && state.balance >= limit {
            return block(state, &p, now, BlocklistReason::DisconnectThresholdExceeded).map(Some);
        }
        Ok(None)
    }

    /// Cleanup a debit (spec §1.4): if Apply did not run, release the shadow reservation and
    /// add the price to the ghost balance; a ghost balance above the disconnect limit
    /// blocklists the peer ("ghost overdraw", bee#1983).
    pub fn cleanup_debit(&mut self, action: DebitAction, now: u64) -> Result<Option<Blocklist>> {
        if action.applied {
            return Ok(None);
        }
        let p = self.params.clone();
        let state = self.state_mut(&action.peer)?;
        state.shadow_reserved = amount::max0(amount::sub(state.shadow_reserved, action.price)?);
        state.ghost = amount::add(state.ghost, action.price)?;
        if state.connected && state.ghost > state.disconnect_limit {
            return block(state, &p, now, BlocklistReason::GhostOverdraw).map(Some);
        }
        Ok(None)
    }
}
