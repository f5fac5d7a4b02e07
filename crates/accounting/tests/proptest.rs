//! Random operation sequences never panic and leave no reservations behind.
#![allow(clippy::unwrap_used)]

mod common;

use comb_accounting::{
    Accounting, CreditAction, CreditDecision, DebitAction, RefreshAck, RefreshFailure, I256,
};
use common::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    PrepareCredit(u32, bool),
    ApplyCredit(usize),
    CleanupCredit(usize),
    PrepareDebit(u32),
    ApplyDebit(usize),
    CleanupDebit(usize),
    PaymentReceived(u32),
    RefreshReceived(u32),
    RefreshSent(u32, bool),
    PaymentSent(u32, bool),
    Tick(u8),
    Reconnect(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..20_000u32, any::<bool>()).prop_map(|(p, o)| Op::PrepareCredit(p, o)),
        any::<usize>().prop_map(Op::ApplyCredit),
        any::<usize>().prop_map(Op::CleanupCredit),
        (0..20_000u32).prop_map(Op::PrepareDebit),
        any::<usize>().prop_map(Op::ApplyDebit),
        any::<usize>().prop_map(Op::CleanupDebit),
        (0..20_000u32).prop_map(Op::PaymentReceived),
        (0..20_000u32).prop_map(Op::RefreshReceived),
        (0..20_000u32, any::<bool>()).prop_map(|(a, ok)| Op::RefreshSent(a, ok)),
        (0..20_000u32, any::<bool>()).prop_map(|(a, ok)| Op::PaymentSent(a, ok)),
        any::<u8>().prop_map(Op::Tick),
        any::<bool>().prop_map(Op::Reconnect),
    ]
}

fn pick<T>(v: &mut Vec<T>, i: usize) -> Option<T> {
    if v.is_empty() {
        None
    } else {
        let n = i % v.len();
        Some(v.swap_remove(n))
    }
}

proptest! {
    #[test]
    fn random_sequences_release_reservations(ops in proptest::collection::vec(op(), 1..80), full in any::<bool>()) {
        let (mut acc, p): (Accounting, _) = setup(false, full);
        let mut now = 1u64;
        let mut credits: Vec<CreditAction> = Vec::new();
        let mut debits: Vec<DebitAction> = Vec::new();
        for op in ops {
            match op {
                Op::PrepareCredit(price, o) => {
                    if let Ok(prep) = acc.prepare_credit(p, u(price.into()), o, now) {
                        if let CreditDecision::Reserved(a) = prep.decision {
                            credits.push(a);
                        }
                    }
                }
                Op::ApplyCredit(i) => {
                    if let Some(mut a) = pick(&mut credits, i) {
                        let _ = acc.apply_credit(&mut a, now);
                        credits.push(a);
                    }
                }
                Op::CleanupCredit(i) => {
                    if let Some(a) = pick(&mut credits, i) {
                        acc.cleanup_credit(a).unwrap();
                    }
                }
                Op::PrepareDebit(price) => {
                    if let Ok(a) = acc.prepare_debit(p, u(price.into())) {
                        debits.push(a);
                    }
                }
                Op::ApplyDebit(i) => {
                    if let Some(mut a) = pick(&mut debits, i) {
                        let _ = acc.apply_debit(&mut a, now);
                        debits.push(a);
                    }
                }
                Op::CleanupDebit(i) => {
                    if let Some(a) = pick(&mut debits, i) {
                        acc.cleanup_debit(a, now).unwrap();
                    }
                }
                Op::PaymentReceived(a) => {
                    let _ = acc.notify_payment_received(&p, u(a.into()));
                }
                Op::RefreshReceived(a) => {
                    let _ = acc.receive_refresh(&p, u(a.into()), now.saturating_sub(2), now);
                }
                Op::RefreshSent(a, ok) => {
                    let result = if ok {
                        Ok(RefreshAck { accepted: u(a.into()), alleged_interval: 1 })
                    } else {
                        Err(RefreshFailure::Other)
                    };
                    let _ = acc.notify_refreshment_sent(&p, u(20_000), result, now);
                }
                Op::PaymentSent(a, ok) => {
                    let _ = acc.notify_payment_sent(&p, u(a.into()), ok, now);
                }
                Op::Tick(s) => now += u64::from(s),
                Op::Reconnect(full) => {
                    let _ = acc.disconnect(&p, now);
                    let _ = acc.connect(p, full, now);
                }
            }
            let st = acc.peer(&p).unwrap();
            prop_assert!(st.reserved >= I256::ZERO);
            prop_assert!(st.shadow_reserved >= I256::ZERO);
            prop_assert!(st.surplus >= I256::ZERO);
        }
        for a in credits {
            acc.cleanup_credit(a).unwrap();
        }
        for a in debits {
            acc.cleanup_debit(a, now).unwrap();
        }
        let st = acc.peer(&p).unwrap();
        prop_assert_eq!(st.reserved, I256::ZERO);
        prop_assert_eq!(st.shadow_reserved, I256::ZERO);
    }
}
