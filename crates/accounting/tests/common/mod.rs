//! Shared helpers: Bee's `accounting_test.go` constants (spec `swap.md` §7.3).
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use comb_accounting::{
    Accounting, AccountingConfig, CreditAction, CreditDecision, DebitAction, Settlement, B256,
    I256, U256,
};

pub const TEST_PRICE: u64 = 10;
pub const TEST_REFRESH_RATE: u64 = 1000;
pub const TEST_PAYMENT_THRESHOLD: u64 = 10_000;
pub const TEST_PAYMENT_TOLERANCE: u64 = 10;
pub const TEST_PAYMENT_EARLY: u64 = 10;
pub const TEST_LIGHT_FACTOR: u64 = 10;

pub fn config() -> AccountingConfig {
    AccountingConfig {
        payment_threshold: U256::from(TEST_PAYMENT_THRESHOLD),
        payment_tolerance_percent: TEST_PAYMENT_TOLERANCE,
        payment_early_percent: TEST_PAYMENT_EARLY,
        refresh_rate: U256::from(TEST_REFRESH_RATE),
        light_factor: TEST_LIGHT_FACTOR,
        ..AccountingConfig::default()
    }
}

pub fn peer(n: u8) -> B256 {
    B256::repeat_byte(n)
}

pub fn u(x: u64) -> U256 {
    U256::from(x)
}

pub fn i(x: i64) -> I256 {
    I256::try_from(x).unwrap()
}

/// Accounting with one connected peer that announced `TEST_PAYMENT_THRESHOLD`.
pub fn setup(swap: bool, full: bool) -> (Accounting, B256) {
    let mut acc = Accounting::new(AccountingConfig {
        swap_enabled: swap,
        ..config()
    })
    .unwrap();
    let p = peer(1);
    acc.connect(p, full, 0).unwrap();
    acc.notify_payment_threshold(&p, u(TEST_PAYMENT_THRESHOLD))
        .unwrap();
    (acc, p)
}

pub fn reserve(
    acc: &mut Accounting,
    p: B256,
    price: u64,
    originated: bool,
    now: u64,
) -> (CreditAction, Settlement) {
    let prepared = acc.prepare_credit(p, u(price), originated, now).unwrap();
    match prepared.decision {
        CreditDecision::Reserved(action) => (action, prepared.settlement),
        other => panic!("expected reservation, got {other:?}"),
    }
}

/// Prepare, apply and clean up a credit; returns the settlements of prepare and apply.
pub fn credit(
    acc: &mut Accounting,
    p: B256,
    price: u64,
    originated: bool,
    now: u64,
) -> (Settlement, Settlement) {
    let (mut action, s1) = reserve(acc, p, price, originated, now);
    let s2 = acc.apply_credit(&mut action, now).unwrap();
    acc.cleanup_credit(action).unwrap();
    (s1, s2)
}

pub fn debit_action(acc: &mut Accounting, p: B256, price: u64) -> DebitAction {
    acc.prepare_debit(p, u(price)).unwrap()
}

/// Prepare, apply and clean up a debit; returns the blocklist instruction if any.
pub fn debit(
    acc: &mut Accounting,
    p: B256,
    price: u64,
    now: u64,
) -> Option<comb_accounting::Blocklist> {
    let mut action = debit_action(acc, p, price);
    let out = acc.apply_debit(&mut action, now).unwrap();
    assert_eq!(acc.cleanup_debit(action, now).unwrap(), None);
    out
}
