//! Checked signed-amount helpers (spec `swap.md` §8: balances are signed big integers).

use alloy_primitives::{I256, U256};

use crate::AccountingError;

pub(crate) type Result<T> = core::result::Result<T, AccountingError>;

pub(crate) fn add(a: I256, b: I256) -> Result<I256> {
    a.checked_add(b).ok_or(AccountingError::Overflow)
}

pub(crate) fn sub(a: I256, b: I256) -> Result<I256> {
    a.checked_sub(b).ok_or(AccountingError::Overflow)
}

pub(crate) fn mul(a: I256, b: I256) -> Result<I256> {
    a.checked_mul(b).ok_or(AccountingError::Overflow)
}

pub(crate) fn div(a: I256, b: I256) -> Result<I256> {
    a.checked_div(b).ok_or(AccountingError::Overflow)
}

pub(crate) fn neg(a: I256) -> Result<I256> {
    a.checked_neg().ok_or(AccountingError::Overflow)
}

/// `u64` → `I256`; always fits.
pub(crate) fn from_u64(x: u64) -> I256 {
    I256::from_raw(U256::from(x))
}

/// Non-negative `U256` → `I256`, failing above `I256::MAX`.
pub(crate) fn signed(u: U256) -> Result<I256> {
    I256::try_from(u).map_err(|_| AccountingError::Overflow)
}

/// `I256` → `U256`, negative values become 0.
pub(crate) fn unsigned(i: I256) -> U256 {
    if i.is_negative() {
        U256::ZERO
    } else {
        i.into_raw()
    }
}

/// `max(i, 0)`.
pub(crate) fn max0(i: I256) -> I256 {
    i.max(I256::ZERO)
}

/// `value × percent / 100` (integer division, as Bee).
pub(crate) fn percent(value: I256, percent: u64) -> Result<I256> {
    div(mul(value, from_u64(percent))?, from_u64(100))
}
