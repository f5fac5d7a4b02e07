//! The batch store follows Bee's chain-state mirror (spec §2.6) and the reserve radius (§7).
#![allow(clippy::unwrap_used)]

mod common;

use comb_postage::BatchLookup;
use comb_primitives::{Address, B256, U256};
use comb_store::{reserve_radius, BatchEvent, BatchStore, ChainState, EventOutcome, IgnoreReason};
use common::batch;

fn id(n: u8) -> B256 {
    B256::repeat_byte(n)
}

#[test]
fn batch_store_follows_events_and_expires_by_value() {
    let dir = tempfile::tempdir().unwrap();
    let store = BatchStore::open(common::db(dir.path())).unwrap();
    let owner = Address::repeat_byte(7);
    assert_eq!(store.chain_state().unwrap(), ChainState::default());

    let applied = store
        .apply_many(&[
            BatchEvent::PriceUpdate {
                price: U256::from(10u64),
            },
            BatchEvent::Created(batch(id(1), owner, 20, 1_000)),
            BatchEvent::Created(batch(id(2), owner, 18, 500)),
            BatchEvent::Block { number: 10 },
        ])
        .unwrap();
    assert!(applied.iter().all(|o| *o == EventOutcome::Applied));
    assert_eq!(
        store.chain_state().unwrap(),
        ChainState {
            block: 10,
            total_amount: U256::from(100u64),
            current_price: U256::from(10u64),
        }
    );
    assert_eq!(store.batch(&id(1)).unwrap().value, U256::from(1_000u64));

    // Top-up and dilution.
    store
        .apply(&BatchEvent::TopUp {
            id: id(2),
            value: U256::from(700u64),
        })
        .unwrap();
    store
        .apply(&BatchEvent::DepthIncrease {
            id: id(1),
            depth: 21,
            value: U256::from(550u64),
        })
        .unwrap();
    let first = store.batch(&id(1)).unwrap();
    assert_eq!((first.depth, first.value), (21, U256::from(550u64)));
    assert_eq!(
        store
            .batches_by_value()
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect::<Vec<_>>(),
        vec![id(1), id(2)]
    );
    assert_eq!(
        store
            .apply(&BatchEvent::TopUp {
                id: id(9),
                value: U256::from(1u64)
            })
            .unwrap(),
        EventOutcome::Ignored(IgnoreReason::UnknownBatch)
    );

    // A new price, then 45 blocks at 10: total 100 + 450 = 550 = value of batch 1 → expired.
    store.apply(&BatchEvent::Block { number: 55 }).unwrap();
    assert_eq!(
        store.chain_state().unwrap().total_amount,
        U256::from(550u64)
    );
    assert_eq!(store.expired().unwrap(), vec![id(1)]);
    assert!(store.batch(&id(1)).is_none());
    assert!(store.get(&id(1)).unwrap().is_some());
    assert_eq!(
        store.apply(&BatchEvent::Block { number: 55 }).unwrap(),
        EventOutcome::Ignored(IgnoreReason::OldBlock)
    );
    assert_eq!(store.remove_expired().unwrap(), vec![id(1)]);
    assert!(store.get(&id(1)).unwrap().is_none());
    assert!(store.expired().unwrap().is_empty());
    assert_eq!(store.live_batches().unwrap().len(), 1);
}

#[test]
fn an_already_expired_batch_created_event_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let store = BatchStore::open(common::db(dir.path())).unwrap();
    let owner = Address::repeat_byte(7);
    store
        .set_chain_state(&ChainState {
            block: 100,
            total_amount: U256::from(1_000u64),
            current_price: U256::from(5u64),
        })
        .unwrap();
    // value ≤ total + price is ignored; one above is kept.
    for value in [900, 1_000, 1_005] {
        assert_eq!(
            store
                .apply(&BatchEvent::Created(batch(id(1), owner, 20, value)))
                .unwrap(),
            EventOutcome::Ignored(IgnoreReason::AlreadyExpired)
        );
    }
    assert!(store.get(&id(1)).unwrap().is_none());
    assert_eq!(
        store
            .apply(&BatchEvent::Created(batch(id(1), owner, 20, 1_006)))
            .unwrap(),
        EventOutcome::Applied
    );
    assert!(store.batch(&id(1)).is_some());
}

#[test]
fn batch_store_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let owner = Address::repeat_byte(7);
    let created = batch(id(3), owner, 22, 10_000);
    {
        let store = BatchStore::open(common::db(dir.path())).unwrap();
        store
            .apply_many(&[
                BatchEvent::PriceUpdate {
                    price: U256::from(3u64),
                },
                BatchEvent::Created(created.clone()),
                BatchEvent::Block { number: 7 },
            ])
            .unwrap();
    }
    let store = BatchStore::open(common::db(dir.path())).unwrap();
    assert_eq!(
        store.chain_state().unwrap(),
        ChainState {
            block: 7,
            total_amount: U256::from(21u64),
            current_price: U256::from(3u64),
        }
    );
    assert_eq!(store.batch(&id(3)), Some(created));
}

#[test]
fn reserve_radius_is_the_log_of_committed_chunks_over_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let store = BatchStore::open(common::db(dir.path())).unwrap();
    let owner = Address::repeat_byte(7);
    let capacity = 1u64 << 22;
    assert_eq!(store.reserve_radius(capacity).unwrap(), 0);
    // 2^22: exactly the capacity → 0.
    store
        .apply(&BatchEvent::Created(batch(id(1), owner, 22, 100)))
        .unwrap();
    assert_eq!(store.reserve_radius(capacity).unwrap(), 0);
    // 2^22 + 2^17 → ceil(log2(1.03)) = 1.
    store
        .apply(&BatchEvent::Created(batch(id(2), owner, 17, 100)))
        .unwrap();
    assert_eq!(store.reserve_radius(capacity).unwrap(), 1);
    // + 2^24 → (2^22 + 2^17 + 2^24) / 2^22 = 5.03 → 3.
    store
        .apply(&BatchEvent::Created(batch(id(3), owner, 24, 100)))
        .unwrap();
    assert_eq!(
        store.total_chunks().unwrap(),
        U256::from((1u64 << 22) + (1 << 17) + (1 << 24))
    );
    assert_eq!(store.reserve_radius(capacity).unwrap(), 3);
    // Expired batches do not count.
    store
        .apply_many(&[
            BatchEvent::PriceUpdate {
                price: U256::from(100u64),
            },
            BatchEvent::Block { number: 1 },
        ])
        .unwrap();
    assert_eq!(store.reserve_radius(capacity).unwrap(), 0);
    assert_eq!(reserve_radius(U256::from(3u64) << 30, 1 << 22), 10);
}

/// What was paid per chunk (Bee's issuer `Amount`): creation and top-ups divided by the
/// depth at the time, untouched by dilution, nothing for an unknown batch, gone on expiry.
#[test]
fn paid_per_chunk_adds_creation_and_top_ups() {
    let dir = tempfile::tempdir().unwrap();
    let store = BatchStore::open(common::db(dir.path())).unwrap();
    let owner = Address::repeat_byte(7);
    let outcomes = store
        .apply_many(&[
            BatchEvent::PriceUpdate {
                price: U256::from(1u64),
            },
            BatchEvent::Created(batch(id(1), owner, 20, 1_000)),
            BatchEvent::Paid {
                id: id(1),
                total: U256::from(600u64 << 20),
            },
            BatchEvent::Paid {
                id: id(9),
                total: U256::from(5u64),
            },
        ])
        .unwrap();
    assert_eq!(
        outcomes[3],
        EventOutcome::Ignored(IgnoreReason::UnknownBatch)
    );
    assert_eq!(
        store.paid_per_chunk(&id(1)).unwrap(),
        Some(U256::from(600u64))
    );
    assert_eq!(store.paid_per_chunk(&id(9)).unwrap(), None);
    store
        .apply_many(&[
            BatchEvent::DepthIncrease {
                id: id(1),
                depth: 21,
                value: U256::from(800u64),
            },
            // A top-up after the dilution pays for 2^21 chunks.
            BatchEvent::Paid {
                id: id(1),
                total: U256::from(50u64 << 21),
            },
        ])
        .unwrap();
    assert_eq!(
        store.paid_per_chunk(&id(1)).unwrap(),
        Some(U256::from(650u64))
    );
    store.apply(&BatchEvent::Block { number: 900 }).unwrap();
    assert_eq!(store.remove_expired().unwrap(), vec![id(1)]);
    assert_eq!(store.paid_per_chunk(&id(1)).unwrap(), None);
}
