//! Behavioural scenarios of Bee's `accounting_test.go` (spec `swap.md` §7.3), with the numbers
//! derived from spec §1.
#![allow(clippy::unwrap_used)]

mod common;

use comb_accounting::{
    Accounting, AccountingConfig, AccountingError, Blocklist, BlocklistReason, CreditDecision,
    RefreshAck, RefreshFailure, Settlement, U256,
};
use common::*;

fn refresh_only(amount: u64) -> Settlement {
    Settlement {
        refresh: Some(u(amount)),
        cheque: None,
    }
}

#[test]
fn defaults_match_bee() {
    let c = AccountingConfig::default();
    assert_eq!(c.payment_threshold, u(13_500_000));
    assert_eq!(c.payment_tolerance_percent, 25);
    assert_eq!(c.payment_early_percent, 50);
    assert_eq!(c.refresh_rate, u(4_500_000));
    assert_eq!(c.light_factor, 10);
    assert!(!c.swap_enabled);
    assert_eq!(c.min_threshold(), u(9_000_000));
    assert_eq!(c.max_threshold(), u(108_000_000));
    let light = c.clone().light_mode();
    assert_eq!(light.refresh_rate, u(450_000));
    assert_eq!(light.payment_threshold, u(1_350_000));
    assert_eq!(light.min_threshold(), u(900_000));

    // Derived thresholds at the defaults (spec §0 table).
    let mut acc = Accounting::new(c).unwrap();
    let (full, light) = (peer(1), peer(2));
    acc.connect(full, true, 0).unwrap();
    acc.connect(light, false, 0).unwrap();
    assert_eq!(acc.peer(&full).unwrap().disconnect_limit, i(16_875_000));
    assert_eq!(acc.threshold_for_peer(&light).unwrap(), u(1_350_000));
    assert_eq!(acc.peer(&light).unwrap().disconnect_limit, i(1_687_500));
    acc.notify_payment_threshold(&full, u(13_500_000)).unwrap();
    assert_eq!(acc.peer(&full).unwrap().early_payment, i(6_750_000));
    // blocklistUntil: at least 4 s; 6 s at the disconnect limit (spec §1.2).
    assert_eq!(acc.blocklist_seconds(&full).unwrap(), 4);
    assert_eq!(debit(&mut acc, full, 16_875_000, 10), None);
    assert_eq!(
        acc.disconnect(&full, 10).unwrap(),
        Some(Blocklist {
            seconds: 6,
            reason: BlocklistReason::AccountingDisconnect
        })
    );
}

#[test]
fn invalid_config_is_rejected() {
    let bad = AccountingConfig {
        refresh_rate: U256::ZERO,
        ..config()
    };
    assert!(matches!(
        Accounting::new(bad),
        Err(AccountingError::InvalidConfig(_))
    ));
}

#[test]
fn test_accounting_call_settlement_early() {
    let (mut acc, p) = setup(false, true);
    assert_eq!(acc.peer(&p).unwrap().early_payment, i(9000));
    // Debt of exactly the early trigger while the balance is 0: no settlement yet.
    let (s1, s2) = credit(&mut acc, p, 9000, false, 10);
    assert!(s1.is_empty() && s2.is_empty());
    assert_eq!(acc.peer(&p).unwrap().balance, i(-9000));
    // The next credit crosses the trigger with a negative balance: refresh the whole debt.
    let (mut action, s) = reserve(&mut acc, p, TEST_PRICE, false, 10);
    assert_eq!(s, refresh_only(9000));
    assert!(acc.peer(&p).unwrap().refresh_ongoing);
    let ack = RefreshAck {
        accepted: u(9000),
        alleged_interval: 10,
    };
    assert_eq!(
        acc.notify_refreshment_sent(&p, u(9000), Ok(ack), 10)
            .unwrap(),
        None
    );
    assert_eq!(acc.peer(&p).unwrap().balance, i(0));
    acc.apply_credit(&mut action, 10).unwrap();
    acc.cleanup_credit(action).unwrap();
    assert_eq!(acc.peer(&p).unwrap().balance, i(-10));
    assert_eq!(acc.peer(&p).unwrap().reserved, i(0));
}

#[test]
fn test_accounting_call_settlement_too_soon() {
    let (mut acc, p) = setup(false, true);
    credit(&mut acc, p, 9000, false, 10);
    let (mut action, s) = reserve(&mut acc, p, TEST_PRICE, false, 10);
    assert_eq!(s, refresh_only(9000));
    let ack = RefreshAck {
        accepted: u(9000),
        alleged_interval: 10,
    };
    acc.notify_refreshment_sent(&p, u(9000), Ok(ack), 10)
        .unwrap();
    acc.apply_credit(&mut action, 10).unwrap();
    acc.cleanup_credit(action).unwrap();
    // Same second as the last refresh: no new refresh, and no 1 s headroom on the overdraft.
    credit(&mut acc, p, 9000, false, 10);
    let (_, s) = credit(&mut acc, p, TEST_PRICE, false, 10);
    assert!(s.is_empty());
    assert_eq!(acc.peer(&p).unwrap().balance, i(-9020));
    let over = acc.prepare_credit(p, u(981), false, 10).unwrap();
    assert_eq!(
        over.decision,
        CreditDecision::Overdraft {
            expected_debt: u(10_001),
            limit: u(10_000)
        }
    );
    // One second later a refresh goes out again and the headroom is 1 s of refresh.
    let (s, _) = credit(&mut acc, p, 981, false, 11);
    assert_eq!(s, refresh_only(9020));
    assert_eq!(acc.peer(&p).unwrap().balance, i(-10_001));
}

#[test]
fn test_accounting_overdraft_limit() {
    let (mut acc, p) = setup(false, true);
    // threshold + ≤1 s of refresh: 11,000 allowed, 11,001 refused (spec §1.3 step 4–5).
    let (action, _) = reserve(&mut acc, p, 11_000, false, 10);
    acc.cleanup_credit(action).unwrap();
    let over = acc.prepare_credit(p, u(11_001), false, 10).unwrap();
    assert!(matches!(over.decision, CreditDecision::Overdraft { .. }));
    assert_eq!(acc.peer(&p).unwrap().reserved, i(0));
}

#[test]
fn test_accounting_call_settlement_monetary() {
    let (mut acc, p) = setup(true, true);
    let (s1, s2) = credit(&mut acc, p, 9000, true, 1);
    assert!(s1.is_empty() && s2.is_empty());
    assert_eq!(acc.peer(&p).unwrap().originated, i(-9000));
    // Refresh the whole debt, cheque the originated debt minus the 1 s of refresh due.
    let (mut action, s) = reserve(&mut acc, p, TEST_PRICE, true, 1);
    assert_eq!(
        s,
        Settlement {
            refresh: Some(u(9000)),
            cheque: Some(u(8000))
        }
    );
    let st = acc.peer(&p).unwrap();
    assert!(st.payment_ongoing);
    assert_eq!(st.shadow_reserved, i(8000));
    assert_eq!(st.refresh_reserved, i(8000));
    acc.notify_payment_sent(&p, u(8000), true, 1).unwrap();
    let st = acc.peer(&p).unwrap();
    assert_eq!(
        (st.balance, st.originated, st.shadow_reserved),
        (i(-1000), i(-1000), i(0))
    );
    // The refresh receiver accepts 1 s worth; expected = min(1×1000, 9000 − 8000).
    let ack = RefreshAck {
        accepted: u(1000),
        alleged_interval: 1,
    };
    assert_eq!(
        acc.notify_refreshment_sent(&p, u(9000), Ok(ack), 1)
            .unwrap(),
        None
    );
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.balance, st.originated), (i(0), i(0)));
    assert_eq!(st.refresh_reserved, i(0));
    acc.apply_credit(&mut action, 1).unwrap();
    acc.cleanup_credit(action).unwrap();
    assert_eq!(acc.peer(&p).unwrap().originated, i(-10));
}

/// Bee's `settle` starts a cheque whenever none is in flight, even in the second after a
/// refresh (only the refresh waits for its one-second pause); see `settle`'s docs.
#[test]
fn a_cheque_does_not_wait_for_the_refresh_pause() {
    let (mut acc, p) = setup(true, true);
    credit(&mut acc, p, 9000, true, 1);
    let (mut action, s) = reserve(&mut acc, p, TEST_PRICE, true, 1);
    assert_eq!(s.cheque, Some(u(8000)));
    // While the refresh is still in flight, the next cheque waits only for this one.
    let (_, s) = credit(&mut acc, p, 100, true, 1);
    assert_eq!(s.cheque, None, "one cheque at a time");
    acc.notify_payment_sent(&p, u(8000), true, 1).unwrap();
    acc.notify_refreshment_sent(
        &p,
        u(9000),
        Ok(RefreshAck {
            accepted: u(1000),
            alleged_interval: 1,
        }),
        1,
    )
    .unwrap();
    acc.apply_credit(&mut action, 1).unwrap();
    acc.cleanup_credit(action).unwrap();
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.balance, st.originated), (i(-110), i(-110)));
    // Same second as the refresh: no refresh, but the originated debt is paid by cheque.
    let (_, s) = credit(&mut acc, p, 9000, true, 1);
    assert_eq!(
        s,
        Settlement {
            refresh: None,
            cheque: Some(u(9110))
        }
    );
    assert!(acc.peer(&p).unwrap().payment_ongoing);
    // Debt that was not originated here is left to the refreshes (spec §1.9).
    acc.notify_payment_sent(&p, u(9110), true, 1).unwrap();
    let (_, s) = credit(&mut acc, p, 9500, false, 1);
    assert!(s.is_empty(), "{s:?}");
}

#[test]
fn test_accounting_failed_cheque_backs_off() {
    let (mut acc, p) = setup(true, true);
    credit(&mut acc, p, 9000, true, 1);
    let (s, _) = credit(&mut acc, p, TEST_PRICE, true, 1);
    assert_eq!(s.cheque, Some(u(8000)));
    acc.notify_payment_sent(&p, u(8000), false, 1).unwrap();
    acc.notify_refreshment_sent(&p, u(9000), Err(RefreshFailure::PeerNotFound), 1)
        .unwrap();
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.balance, st.shadow_reserved), (i(-9010), i(0)));
    assert_eq!(st.last_settlement_failure, Some(1));
    // Refresh timestamp reset to 0 by the error, so refreshDue is huge: refresh only.
    let (s, _) = credit(&mut acc, p, TEST_PRICE, true, 2);
    assert_eq!(
        s,
        refresh_only(9010),
        "no cheque within 10 s of the failure"
    );
}

#[test]
fn test_accounting_surplus_balance() {
    let (mut acc, p) = setup(false, true);
    // A payment while we owe nothing goes entirely to surplus (spec §1.8).
    acc.notify_payment_received(&p, u(5000)).unwrap();
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.balance, st.surplus), (i(0), i(5000)));
    assert_eq!(st.compensated_balance(), Some(i(-5000)));
    // Serving the peer draws surplus down first (spec §1.4 step 1).
    assert_eq!(debit(&mut acc, p, 3000, 10), None);
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.balance, st.surplus), (i(0), i(2000)));
    assert_eq!(debit(&mut acc, p, 3000, 10), None);
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.balance, st.surplus), (i(1000), i(0)));
    // A payment larger than the debt floors the balance at 0; the rest is surplus.
    acc.notify_payment_received(&p, u(3000)).unwrap();
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.balance, st.surplus), (i(0), i(2000)));
    // Surplus counts as our debt when reserving credit (spec §1.3 step 2).
    let over = acc.prepare_credit(p, u(9001), false, 10).unwrap();
    assert_eq!(
        over.decision,
        CreditDecision::Overdraft {
            expected_debt: u(11_001),
            limit: u(11_000)
        }
    );
}

#[test]
fn test_accounting_ghost_overdraft() {
    let (mut acc, p) = setup(false, true);
    for _ in 0..11 {
        let action = debit_action(&mut acc, p, 1000);
        assert_eq!(acc.cleanup_debit(action, 50).unwrap(), None);
    }
    assert_eq!(acc.peer(&p).unwrap().ghost, i(11_000));
    let action = debit_action(&mut acc, p, 1000);
    assert_eq!(
        acc.cleanup_debit(action, 50).unwrap(),
        Some(Blocklist {
            seconds: 22,
            reason: BlocklistReason::GhostOverdraw
        })
    );
    let st = acc.peer(&p).unwrap();
    assert!(!st.connected);
    assert_eq!(st.blocklisted_until, Some(72));
    assert_eq!(st.shadow_reserved, i(0));
    assert_eq!(
        acc.prepare_debit(p, u(1)),
        Err(AccountingError::NotConnected(p))
    );
}

#[test]
fn test_accounting_disconnect_threshold() {
    let (mut acc, p) = setup(false, true);
    // disconnectLimit 11,000 + 1 s × 1000 of headroom.
    assert_eq!(debit(&mut acc, p, 11_999, 100), None);
    assert_eq!(
        debit(&mut acc, p, 1, 100),
        Some(Blocklist {
            seconds: 22,
            reason: BlocklistReason::DisconnectThresholdExceeded
        })
    );
    let st = acc.peer(&p).unwrap();
    assert_eq!(st.balance, i(12_000));
    assert_eq!(st.blocklisted_until, Some(122));
}

#[test]
fn test_accounting_disconnect_threshold_without_headroom() {
    let (mut acc, p) = setup(false, true);
    acc.notify_refreshment_received(&p, U256::ZERO, 100)
        .unwrap();
    assert_eq!(
        debit(&mut acc, p, 11_000, 100),
        Some(Blocklist {
            seconds: 21,
            reason: BlocklistReason::DisconnectThresholdExceeded
        })
    );
}

#[test]
fn test_accounting_disconnect_threshold_light() {
    let (mut acc, p) = setup(false, false);
    let st = acc.peer(&p).unwrap();
    assert_eq!(st.payment_threshold_for_peer, i(1000));
    assert_eq!(st.disconnect_limit, i(1100));
    assert_eq!(debit(&mut acc, p, 1199, 100), None);
    assert_eq!(
        debit(&mut acc, p, 1, 100),
        Some(Blocklist {
            seconds: 11,
            reason: BlocklistReason::DisconnectThresholdExceeded
        })
    );
}

#[test]
fn test_accounting_reconnect_before_allowed() {
    let (mut acc, p) = setup(false, true);
    debit(&mut acc, p, 5000, 100);
    assert_eq!(
        acc.disconnect(&p, 100).unwrap(),
        Some(Blocklist {
            seconds: 15,
            reason: BlocklistReason::AccountingDisconnect
        })
    );
    assert_eq!(acc.disconnect(&p, 100).unwrap(), None);
    assert_eq!(
        acc.connect(p, true, 114),
        Err(AccountingError::Blocklisted {
            peer: p,
            until: 115
        })
    );
    acc.connect(p, true, 115).unwrap();
    let st = acc.peer(&p).unwrap();
    assert!(st.connected);
    assert_eq!(st.balance, i(0));
}

#[test]
fn test_accounting_reset_balance_after_reconnect() {
    let (mut acc, p) = setup(false, true);
    credit(&mut acc, p, 5000, true, 100);
    acc.notify_payment_received(&p, u(700)).unwrap();
    let st = acc.peer(&p).unwrap();
    assert_eq!(
        (st.balance, st.originated, st.surplus),
        (i(-5000), i(-5000), i(700))
    );
    // We owe: latent debt 0 → max(0, rate) → (1000 + 10000) / 1000.
    assert_eq!(acc.disconnect(&p, 100).unwrap().unwrap().seconds, 11);
    acc.connect(p, true, 111).unwrap();
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.balance, st.surplus), (i(0), i(0)));
    assert_eq!(
        st.originated,
        i(-5000),
        "originated balance survives reconnects"
    );
}

#[test]
fn test_accounting_notify_payment_threshold() {
    let (mut acc, p) = setup(false, true);
    assert_eq!(
        acc.notify_payment_threshold(&p, u(1999)),
        Err(AccountingError::ThresholdTooLow {
            announced: u(1999),
            minimum: u(2000)
        })
    );
    acc.notify_payment_threshold(&p, u(2000)).unwrap();
    let st = acc.peer(&p).unwrap();
    assert_eq!((st.payment_threshold, st.early_payment), (i(2000), i(1800)));
}

#[test]
fn test_accounting_refresh_growing_thresholds() {
    let (mut acc, p) = setup(false, true);
    assert_eq!(acc.peer(&p).unwrap().threshold_grow_at, i(100_000));
    assert_eq!(
        acc.notify_refreshment_received(&p, u(100_000), 1).unwrap(),
        None
    );
    assert_eq!(
        acc.notify_refreshment_received(&p, u(1), 2).unwrap(),
        Some(u(11_000))
    );
    let st = acc.peer(&p).unwrap();
    assert_eq!(st.disconnect_limit, i(12_100));
    assert_eq!(st.threshold_grow_at, i(200_000));
    assert_eq!(
        st.balance,
        i(-100_001),
        "refreshes may push the balance negative"
    );
}

#[test]
fn test_accounting_refresh_growing_thresholds_light() {
    let (mut acc, p) = setup(false, false);
    assert_eq!(acc.peer(&p).unwrap().threshold_grow_at, i(10_000));
    assert_eq!(
        acc.notify_refreshment_received(&p, u(10_000), 1).unwrap(),
        None
    );
    assert_eq!(
        acc.notify_refreshment_received(&p, u(1), 2).unwrap(),
        Some(u(1100))
    );
    let st = acc.peer(&p).unwrap();
    assert_eq!(st.disconnect_limit, i(1210));
    assert_eq!(st.threshold_grow_at, i(20_000));
}

#[test]
fn test_accounting_swap_growing_thresholds() {
    let (mut acc, p) = setup(true, true);
    // 18 linear steps, the 18th at the 1800 × rate checkpoint doubles it (spec §1.7).
    for step in 1..=18u64 {
        let st = acc.peer(&p).unwrap();
        let needed = st.threshold_grow_at - st.total_debt_repay + i(1);
        let grown = acc.notify_payment_received(&p, needed.into_raw()).unwrap();
        assert_eq!(grown, Some(u(10_000 + step * 1000)));
    }
    let st = acc.peer(&p).unwrap();
    assert_eq!(st.payment_threshold_for_peer, i(28_000));
    assert_eq!(st.threshold_grow_at, i(3_600_000));
    assert_eq!(st.balance, i(0), "payments never push the balance negative");
    // Growth resets on reconnect.
    acc.disconnect(&p, 10).unwrap();
    acc.connect(p, true, 1000).unwrap();
    assert_eq!(acc.threshold_for_peer(&p).unwrap(), u(10_000));
}

#[test]
fn test_accounting_swap_growing_thresholds_light() {
    let (mut acc, p) = setup(true, false);
    assert_eq!(
        acc.notify_payment_received(&p, u(10_001)).unwrap(),
        Some(u(1100))
    );
    let st = acc.peer(&p).unwrap();
    assert_eq!(st.surplus, i(10_001));
    assert_eq!(st.threshold_grow_at, i(20_000));
}

#[test]
fn test_receive_refresh_allowance() {
    let (mut acc, p) = setup(false, true);
    debit(&mut acc, p, 5000, 100);
    let r = acc.receive_refresh(&p, u(9000), 0, 100).unwrap();
    assert_eq!(r.accepted, u(5000));
    assert_eq!(acc.peer(&p).unwrap().balance, i(0));
    assert_eq!(
        acc.receive_refresh(&p, u(9000), 100, 100),
        Err(AccountingError::SettlementTooSoon)
    );
    // In-flight debits count as debt, so an accepted refresh may push the balance negative.
    let action = debit_action(&mut acc, p, 1000);
    let r = acc.receive_refresh(&p, u(9000), 100, 101).unwrap();
    assert_eq!(r.accepted, u(1000));
    assert_eq!(acc.peer(&p).unwrap().balance, i(-1000));
    acc.cleanup_debit(action, 101).unwrap();
}

#[test]
fn test_receive_refresh_allowance_light() {
    let (mut acc, p) = setup(false, false);
    debit(&mut acc, p, 1000, 100);
    let r = acc.receive_refresh(&p, u(9000), 97, 100).unwrap();
    assert_eq!(r.accepted, u(300));
    assert_eq!(acc.peer(&p).unwrap().balance, i(700));
}

#[test]
fn test_refresh_failures_blocklist() {
    let (mut acc, p) = setup(false, true);
    assert_eq!(
        acc.notify_refreshment_sent(&p, u(5000), Err(RefreshFailure::Other), 10)
            .unwrap()
            .map(|b| b.reason),
        Some(BlocklistReason::FailedToRefresh)
    );
    let (mut acc, p) = setup(false, true);
    credit(&mut acc, p, 5000, false, 10);
    let ack = RefreshAck {
        accepted: u(999),
        alleged_interval: 1,
    };
    assert_eq!(
        acc.notify_refreshment_sent(&p, u(5000), Ok(ack), 10)
            .unwrap()
            .map(|b| b.reason),
        Some(BlocklistReason::FailedToMeetExpectation)
    );
    assert_eq!(acc.peer(&p).unwrap().balance, i(-5000), "balance untouched");
}

#[test]
fn test_unknown_and_disconnected_peers() {
    let mut acc = Accounting::new(config()).unwrap();
    let p = peer(9);
    assert_eq!(
        acc.prepare_credit(p, u(1), false, 0),
        Err(AccountingError::PeerNotFound(p))
    );
    acc.connect(p, true, 0).unwrap();
    acc.disconnect(&p, 0).unwrap();
    assert_eq!(
        acc.prepare_credit(p, u(1), false, 0),
        Err(AccountingError::NotConnected(p))
    );
}

#[test]
fn test_apply_twice_is_an_error() {
    let (mut acc, p) = setup(false, true);
    let (mut action, _) = reserve(&mut acc, p, 10, false, 1);
    acc.apply_credit(&mut action, 1).unwrap();
    assert_eq!(
        acc.apply_credit(&mut action, 1),
        Err(AccountingError::AlreadyApplied)
    );
    acc.cleanup_credit(action).unwrap();
    assert_eq!(acc.peer(&p).unwrap().balance, i(-10));
}
