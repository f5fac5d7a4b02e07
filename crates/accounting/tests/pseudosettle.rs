//! Pure pseudosettle rules (spec `swap.md` §1.6).
#![allow(clippy::unwrap_used)]

use comb_accounting::pseudosettle::{allowance, check_ack, SettlementRecord};
use comb_accounting::{AccountingError, U256};

fn u(x: u64) -> U256 {
    U256::from(x)
}

#[test]
fn receiver_allowance() {
    assert_eq!(allowance(0, 100, u(1000), u(5000)).unwrap(), u(5000));
    assert_eq!(allowance(97, 100, u(1000), u(5000)).unwrap(), u(3000));
    assert_eq!(
        allowance(100, 100, u(1000), u(5000)),
        Err(AccountingError::SettlementTooSoon)
    );
    assert_eq!(allowance(101, 100, u(1000), u(5000)).unwrap(), U256::ZERO);
}

#[test]
fn payer_ack_checks() {
    let last = SettlementRecord {
        timestamp: 100,
        check_timestamp: 100,
        total: U256::ZERO,
    };
    assert_eq!(check_ack(u(9000), u(5000), 105, &last, 105).unwrap(), 5);
    assert_eq!(check_ack(u(9000), u(5000), 107, &last, 105).unwrap(), 7);
    assert_eq!(
        check_ack(u(9000), u(9001), 105, &last, 105),
        Err(AccountingError::RefreshmentAboveExpected {
            accepted: u(9001),
            attempted: u(9000)
        })
    );
    assert_eq!(
        check_ack(u(9000), u(1), 99, &last, 99),
        Err(AccountingError::TimeOutOfSyncAlleged(-1))
    );
    assert_eq!(
        check_ack(u(9000), u(1), 110, &last, 107),
        Err(AccountingError::TimeOutOfSyncRecent {
            peer: 110,
            ours: 107
        })
    );
    let stale = SettlementRecord {
        check_timestamp: 90,
        ..last
    };
    assert_eq!(
        check_ack(u(9000), u(1), 105, &stale, 105),
        Err(AccountingError::TimeOutOfSyncInterval {
            ours: 15,
            alleged: 5
        })
    );
    // The first refresh is anchored at the epoch (bee#5530): the interval is huge but allowed
    // as long as both clocks agree.
    let first = SettlementRecord::default();
    assert_eq!(
        check_ack(u(9000), u(9000), 1000, &first, 1000).unwrap(),
        1000
    );
}
