//! Consuming a service: PrepareCredit → Apply / Cleanup (spec `swap.md` §1.3).

use alloy_primitives::{I256, U256};
use comb_primitives::B256;

use crate::amount::{self, Result};
use crate::ledger::headroom_seconds;
use crate::settle::settle;
use crate::{Accounting, AccountingError, PeerState, Settlement};

/// A reserved credit: the price of a service we are about to consume (spec §1.3). Pass it to
/// [`Accounting::apply_credit`] after a valid delivery, and always to
/// [`Accounting::cleanup_credit`] afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditAction {
    peer: B256,
    price: I256,
    originated: bool,
    applied: bool,
}

impl CreditAction {
    /// The peer serving us.
    pub fn peer(&self) -> B256 {
        self.peer
    }
    /// The reserved price.
    pub fn price(&self) -> U256 {
        amount::unsigned(self.price)
    }
    /// Whether we originated the request (spec §1.9).
    pub fn originated(&self) -> bool {
        self.originated
    }
    /// Whether Apply already ran.
    pub fn applied(&self) -> bool {
        self.applied
    }
}

/// Outcome of the reservation step (spec §1.3 steps 4–6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditDecision {
    /// The price is reserved; go ahead with the request.
    Reserved(CreditAction),
    /// ErrOverdraft: the expected debt would exceed the peer's threshold plus ≤1 s of refresh.
    /// Skip this peer and try another (spec §1.3 step 5, §1.10).
    Overdraft {
        /// `max(0, −balance) + reserved + price + surplus`.
        expected_debt: U256,
        /// `paymentThreshold + min(elapsed, 1) × refreshRate`.
        limit: U256,
    },
}

/// Result of [`Accounting::prepare_credit`]: the decision, plus any settlement the caller
/// must start whatever the decision (spec §1.3 step 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedCredit {
    /// Reserved or overdraft.
    pub decision: CreditDecision,
    /// Settlements triggered by the early-payment rule.
    pub settlement: Settlement,
}

/// `max(0, −balance) + reserved + surplus` (spec §1.3 step 2 without the price).
fn expected_debt(state: &PeerState) -> Result<I256> {
    let owed = amount::max0(amount::neg(state.balance)?);
    amount::add(amount::add(owed, state.reserved)?, state.surplus)
}

impl Accounting {
    /// PrepareCredit (spec §1.3): settle early once `expectedDebt − shadowReserved ≥
    /// earlyPayment` while we owe the peer, refuse with an overdraft above the peer's
    /// threshold plus ≤1 s of refresh, else reserve `price`.
    pub fn prepare_credit(
        &mut self,
        peer: B256,
        price: U256,
        originated: bool,
        now: u64,
    ) -> Result<PreparedCredit> {
        let p = self.params.clone();
        let price = amount::signed(price)?;
        let state = self.connected_mut(&peer)?;
        let mut expected = amount::add(expected_debt(state)?, price)?;
        let mut settlement = Settlement::default();
        if amount::sub(expected, state.shadow_reserved)? >= state.early_payment
            && state.balance.is_negative()
        {
            settlement = settle(state, &p, now)?;
            expected = amount::add(expected_debt(state)?, price)?;
        }
        let headroom = amount::mul(
            headroom_seconds(now, state.refresh_timestamp),
            p.refresh_rate,
        )?;
        let limit = amount::add(state.payment_threshold, headroom)?;
        if expected > limit {
            return Ok(PreparedCredit {
                decision: CreditDecision::Overdraft {
                    expected_debt: amount::unsigned(expected),
                    limit: amount::unsigned(limit),
                },
                settlement,
            });
        }
        state.reserved = amount::add(state.reserved, price)?;
        Ok(PreparedCredit {
            decision: CreditDecision::Reserved(CreditAction {
                peer,
                price,
                originated,
                applied: false,
            }),
            settlement,
        })
    }

    /// Apply a credit after a valid delivery (spec §1.3): `balance −= price`, release the
    /// reservation (floored at 0), move originated debt down (never below `min(balance, 0)`),
    /// and settle if the remaining expected debt is above the early-payment trigger.
    ///
    /// "Reduced expected debt" is read as `max(0, −balance) + reserved + surplus −
    /// shadowReserved` **\[inferred\]**.
    pub fn apply_credit(&mut self, action: &mut CreditAction, now: u64) -> Result<Settlement> {
        if action.applied {
            return Err(AccountingError::AlreadyApplied);
        }
        let p = self.params.clone();
        let state = self.state_mut(&action.peer)?;
        state.balance = amount::sub(state.balance, action.price)?;
        state.reserved = amount::max0(amount::sub(state.reserved, action.price)?);
        if action.originated {
            let floor = state.balance.min(I256::ZERO);
            state.originated = amount::sub(state.originated, action.price)?.max(floor);
        }
        action.applied = true;
        let reduced = amount::sub(expected_debt(state)?, state.shadow_reserved)?;
        if reduced > state.early_payment {
            return settle(state, &p, now);
        }
        Ok(Settlement::default())
    }

    /// Cleanup a credit (spec §1.3): must always be called; releases the reservation if
    /// Apply did not run.
    pub fn cleanup_credit(&mut self, action: CreditAction) -> Result<()> {
        if action.applied {
            return Ok(());
        }
        let state = self.state_mut(&action.peer)?;
        state.reserved = amount::max0(amount::sub(state.reserved, action.price)?);
        Ok(())
    }
}
