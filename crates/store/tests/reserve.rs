//! The reserve: persistence, the §2.9 overwrite rule, bins, the pull index, shared data.
#![allow(clippy::unwrap_used)]

mod common;

use comb_primitives::proximity::proximity;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, B256};
use comb_store::{PutOutcome, Reserve, StoreError, DEFAULT_CAPACITY};
use common::{address_in_bin, chunk_at, reserve, stamp};

const CAC: ChunkType = ChunkType::Content;

fn overlay() -> B256 {
    B256::repeat_byte(0x5a)
}

fn batch_a() -> B256 {
    B256::repeat_byte(0xa1)
}

fn batch_b() -> B256 {
    B256::repeat_byte(0xb2)
}

/// Everything the reserve knows about one (address, batch) item, for before/after checks.
fn indexed(reserve: &Reserve, address: &B256, batch: &B256) -> (bool, bool, bool) {
    let in_items = reserve.stamp_of(address, batch).unwrap().is_some();
    let in_pull = (0..32u8).any(|bin| {
        reserve
            .pull(bin, 0, usize::MAX)
            .unwrap()
            .iter()
            .any(|item| item.address == *address && item.batch_id == *batch)
    });
    let has_data = reserve.has(address).unwrap();
    (in_items, in_pull, has_data)
}

#[test]
fn put_get_round_trip_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let chunks: Vec<Chunk> = (0..20u64)
        .map(|n| Chunk::content(&n.to_be_bytes().repeat(64)).unwrap())
        .collect();
    {
        let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
        for (n, chunk) in chunks.iter().enumerate() {
            let stamp = stamp(batch_a(), n as u64, 1_000 + n as u64);
            assert_eq!(reserve.put(chunk, &stamp, CAC).unwrap(), PutOutcome::Stored);
        }
        reserve.set_storage_radius(3).unwrap();
    }
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    assert_eq!(reserve.size().unwrap(), 20);
    assert_eq!(reserve.storage_radius().unwrap(), 3);
    for (n, chunk) in chunks.iter().enumerate() {
        assert_eq!(reserve.get(chunk.address()).unwrap().as_ref(), Some(chunk));
        let item = reserve.item(chunk.address(), &batch_a()).unwrap().unwrap();
        assert_eq!(item.stamp, stamp(batch_a(), n as u64, 1_000 + n as u64));
        assert_eq!(item.kind, CAC);
    }
    assert_eq!(reserve.get(&B256::repeat_byte(1)).unwrap(), None);
    assert!(!reserve.has(&B256::repeat_byte(1)).unwrap());
}

#[test]
fn reopening_with_another_overlay_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(reserve(dir.path(), overlay(), 16));
    let db = common::db(dir.path());
    let error = Reserve::open(db, B256::repeat_byte(1), 16).unwrap_err();
    assert!(matches!(error, StoreError::OverlayMismatch { .. }));
}

#[test]
fn newer_timestamp_replaces_the_old_chunk_in_every_index() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    let old = chunk_at(address_in_bin(&overlay(), 2, 1));
    let new = chunk_at(address_in_bin(&overlay(), 5, 2));
    reserve.put(&old, &stamp(batch_a(), 7, 100), CAC).unwrap();
    assert_eq!(
        indexed(&reserve, old.address(), &batch_a()),
        (true, true, true)
    );

    let outcome = reserve.put(&new, &stamp(batch_a(), 7, 101), CAC).unwrap();
    assert_eq!(
        outcome,
        PutOutcome::Replaced {
            previous: *old.address()
        }
    );
    assert_eq!(
        indexed(&reserve, old.address(), &batch_a()),
        (false, false, false)
    );
    assert_eq!(reserve.get(old.address()).unwrap(), None);
    assert_eq!(
        indexed(&reserve, new.address(), &batch_a()),
        (true, true, true)
    );
    assert_eq!(reserve.size().unwrap(), 1);
    let bins = reserve.bin_sizes().unwrap();
    assert_eq!((bins[2], bins[5]), (0, 1));
    assert_eq!(reserve.batches().unwrap(), vec![(batch_a(), 1)]);
}

#[test]
fn older_or_equal_timestamp_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    let stored = chunk_at(address_in_bin(&overlay(), 1, 1));
    let intruder = chunk_at(address_in_bin(&overlay(), 1, 2));
    reserve
        .put(&stored, &stamp(batch_a(), 7, 100), CAC)
        .unwrap();
    let cursors = reserve.bin_cursors().unwrap();

    for timestamp in [99, 100] {
        let error = reserve
            .put(&intruder, &stamp(batch_a(), 7, timestamp), CAC)
            .unwrap_err();
        match error {
            StoreError::OverwriteNewerChunk {
                batch,
                index,
                stored,
                offered,
            } => {
                assert_eq!(
                    (batch, index, stored, offered),
                    (batch_a(), 7, 100, timestamp)
                );
            }
            other => panic!("expected OverwriteNewerChunk, got {other}"),
        }
    }
    assert_eq!(
        indexed(&reserve, stored.address(), &batch_a()),
        (true, true, true)
    );
    assert_eq!(
        indexed(&reserve, intruder.address(), &batch_a()),
        (false, false, false)
    );
    assert_eq!(reserve.size().unwrap(), 1);
    assert_eq!(reserve.bin_cursors().unwrap(), cursors);
    assert_eq!(
        reserve.stamp_of(stored.address(), &batch_a()).unwrap(),
        Some(stamp(batch_a(), 7, 100))
    );
}

#[test]
fn identical_reput_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    let chunk = chunk_at(address_in_bin(&overlay(), 0, 1));
    let stamp = stamp(batch_a(), 3, 50);
    assert_eq!(
        reserve.put(&chunk, &stamp, CAC).unwrap(),
        PutOutcome::Stored
    );
    let cursors = reserve.bin_cursors().unwrap();
    assert_eq!(
        reserve.put(&chunk, &stamp, CAC).unwrap(),
        PutOutcome::Duplicate
    );
    assert_eq!(reserve.size().unwrap(), 1);
    assert_eq!(reserve.bin_cursors().unwrap(), cursors);
}

#[test]
fn restamping_the_same_chunk_follows_the_same_rule() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    let chunk = chunk_at(address_in_bin(&overlay(), 4, 1));
    reserve.put(&chunk, &stamp(batch_a(), 3, 50), CAC).unwrap();
    // A newer stamp of the same batch at another index replaces the chunk's item.
    let outcome = reserve.put(&chunk, &stamp(batch_a(), 9, 60), CAC).unwrap();
    assert_eq!(
        outcome,
        PutOutcome::Replaced {
            previous: *chunk.address()
        }
    );
    assert_eq!(reserve.size().unwrap(), 1);
    assert_eq!(
        reserve.stamp_of(chunk.address(), &batch_a()).unwrap(),
        Some(stamp(batch_a(), 9, 60))
    );
    // Index 3 is free again.
    let other = chunk_at(address_in_bin(&overlay(), 4, 2));
    assert_eq!(
        reserve.put(&other, &stamp(batch_a(), 3, 1), CAC).unwrap(),
        PutOutcome::Stored
    );
    // An older stamp for the chunk at a free index is refused: the chunk keeps its newer one.
    assert!(matches!(
        reserve.put(&chunk, &stamp(batch_a(), 11, 55), CAC),
        Err(StoreError::OverwriteNewerChunk { .. })
    ));
    assert_eq!(reserve.size().unwrap(), 2);
}

#[test]
fn bins_are_proximity_to_the_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    let mut expected = [0u64; 32];
    for n in 0..40u64 {
        let chunk = Chunk::content(&n.to_le_bytes()).unwrap();
        let bin = proximity(&chunk.address().0, &overlay().0);
        expected[usize::from(bin)] += 1;
        reserve.put(&chunk, &stamp(batch_a(), n, 1), CAC).unwrap();
        let item = reserve.item(chunk.address(), &batch_a()).unwrap().unwrap();
        assert_eq!(item.bin, bin);
        assert_eq!(reserve.bin_of(chunk.address()), bin);
    }
    for bin in [0u8, 7, 31] {
        let address = address_in_bin(&overlay(), bin, 99);
        reserve
            .put(
                &chunk_at(address),
                &stamp(batch_b(), u64::from(bin), 1),
                CAC,
            )
            .unwrap();
        expected[usize::from(bin)] += 1;
        assert_eq!(
            reserve.item(&address, &batch_b()).unwrap().unwrap().bin,
            bin
        );
    }
    assert_eq!(reserve.bin_sizes().unwrap(), expected);
    reserve.set_storage_radius(1).unwrap();
    let outside = expected[0];
    assert_eq!(reserve.size_within_radius().unwrap(), 43 - outside);
}

#[test]
fn pull_index_is_ordered_and_cursors_advance() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    assert_eq!(reserve.bin_cursors().unwrap(), [0; 32]);
    let addresses: Vec<B256> = (0..10u64)
        .map(|n| address_in_bin(&overlay(), 3, n))
        .collect();
    for (n, address) in addresses.iter().enumerate() {
        reserve
            .put(&chunk_at(*address), &stamp(batch_a(), n as u64, 1), CAC)
            .unwrap();
        assert_eq!(reserve.bin_cursors().unwrap()[3], n as u64 + 1);
    }
    reserve
        .put(
            &chunk_at(address_in_bin(&overlay(), 6, 0)),
            &stamp(batch_b(), 0, 1),
            CAC,
        )
        .unwrap();
    let cursors = reserve.bin_cursors().unwrap();
    assert_eq!((cursors[3], cursors[6], cursors[0]), (10, 1, 0));

    let all = reserve.pull(3, 0, 100).unwrap();
    assert_eq!(
        all.iter().map(|i| i.bin_id).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<u64>>()
    );
    assert_eq!(all.iter().map(|i| i.address).collect::<Vec<_>>(), addresses);
    assert!(all.iter().all(|i| i.batch_id == batch_a()));
    let page = reserve.pull(3, 4, 3).unwrap();
    assert_eq!(
        page.iter().map(|i| i.bin_id).collect::<Vec<_>>(),
        vec![4, 5, 6]
    );
    assert!(reserve.pull(3, 11, 10).unwrap().is_empty());

    // Removal leaves a gap; ids are never reused.
    assert!(reserve.remove(&addresses[0], &batch_a()).unwrap());
    assert!(!reserve.remove(&addresses[0], &batch_a()).unwrap());
    reserve
        .put(&chunk_at(addresses[0]), &stamp(batch_a(), 0, 2), CAC)
        .unwrap();
    let ids: Vec<u64> = reserve
        .pull(3, 0, 100)
        .unwrap()
        .iter()
        .map(|i| i.bin_id)
        .collect();
    assert_eq!(ids, (2..=11).collect::<Vec<u64>>());
    assert_eq!(reserve.bin_cursors().unwrap()[3], 11);
}

#[test]
fn data_is_shared_between_batches_and_released_with_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    let chunk = chunk_at(address_in_bin(&overlay(), 2, 1));
    reserve.put(&chunk, &stamp(batch_a(), 1, 1), CAC).unwrap();
    reserve.put(&chunk, &stamp(batch_b(), 1, 1), CAC).unwrap();
    assert_eq!(reserve.size().unwrap(), 2);
    assert_eq!(reserve.evict_batch(&batch_a()).unwrap(), 1);
    assert_eq!(reserve.get(chunk.address()).unwrap(), Some(chunk.clone()));
    assert_eq!(reserve.stamp_of(chunk.address(), &batch_a()).unwrap(), None);
    assert!(reserve.remove(chunk.address(), &batch_b()).unwrap());
    assert_eq!(reserve.get(chunk.address()).unwrap(), None);
    assert_eq!(reserve.size().unwrap(), 0);
    assert!(reserve.batches().unwrap().is_empty());
}

#[test]
fn put_many_commits_together_and_reports_refusals_per_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    let a = chunk_at(address_in_bin(&overlay(), 1, 1));
    let b = chunk_at(address_in_bin(&overlay(), 1, 2));
    let c = chunk_at(address_in_bin(&overlay(), 1, 3));
    let outcomes = reserve
        .put_many(&[
            (a.clone(), stamp(batch_a(), 1, 10), CAC),
            (b.clone(), stamp(batch_a(), 1, 9), CAC),
            (c.clone(), stamp(batch_a(), 2, 10), CAC),
            (a.clone(), stamp(batch_a(), 1, 10), CAC),
        ])
        .unwrap();
    assert_eq!(outcomes.len(), 4);
    assert!(matches!(outcomes[0], Ok(PutOutcome::Stored)));
    assert!(matches!(
        outcomes[1],
        Err(StoreError::OverwriteNewerChunk { .. })
    ));
    assert!(matches!(outcomes[2], Ok(PutOutcome::Stored)));
    assert!(matches!(outcomes[3], Ok(PutOutcome::Duplicate)));
    assert_eq!(reserve.size().unwrap(), 2);
    assert!(reserve.has(a.address()).unwrap() && !reserve.has(b.address()).unwrap());
}

#[test]
fn iterate_for_sample_visits_bins_at_or_above_the_radius() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    for bin in 0..8u8 {
        let address = address_in_bin(&overlay(), bin, 0);
        reserve
            .put(
                &chunk_at(address),
                &stamp(batch_a(), u64::from(bin), 1),
                CAC,
            )
            .unwrap();
    }
    let shared = address_in_bin(&overlay(), 6, 0);
    reserve
        .put(&chunk_at(shared), &stamp(batch_b(), 0, 1), CAC)
        .unwrap();
    let mut seen = Vec::new();
    let offered = reserve
        .iterate_for_sample(5, |chunk, kind, stamp| {
            assert_eq!(kind, CAC);
            seen.push((reserve.bin_of(chunk.address()), stamp.batch_id));
        })
        .unwrap();
    seen.sort();
    assert_eq!(offered, 4);
    assert_eq!(
        seen,
        vec![
            (5, batch_a()),
            (6, batch_a()),
            (6, batch_b()),
            (7, batch_a())
        ]
    );
}

#[test]
fn a_chunk_and_a_stamp_are_found_by_address_alone() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = B256::repeat_byte(0x10);
    let reserve = common::reserve(dir.path(), overlay, 100);
    let chunk = common::chunk_at(common::address_in_bin(&overlay, 3, 1));
    assert_eq!(reserve.get_with_stamp(chunk.address()).unwrap(), None);
    let first = common::stamp(B256::repeat_byte(2), 1, 10);
    let second = common::stamp(B256::repeat_byte(1), 7, 10);
    reserve.put(&chunk, &first, ChunkType::Content).unwrap();
    reserve.put(&chunk, &second, ChunkType::Content).unwrap();
    // Under two batches: the stamp of the lower batch id is the one handed out.
    assert_eq!(
        reserve.get_with_stamp(chunk.address()).unwrap(),
        Some((chunk.clone(), second))
    );
    reserve.remove(chunk.address(), &second.batch_id).unwrap();
    assert_eq!(
        reserve.get_with_stamp(chunk.address()).unwrap(),
        Some((chunk.clone(), first))
    );
    reserve.remove(chunk.address(), &first.batch_id).unwrap();
    assert_eq!(reserve.get_with_stamp(chunk.address()).unwrap(), None);
}

#[test]
fn a_padded_copy_never_replaces_the_stored_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), DEFAULT_CAPACITY);
    let payload = b"hello swarm".to_vec();
    let chunk = Chunk::content(&payload).unwrap();
    // bee-js pads every payload to 4096 bytes: same span, same BMT hash, other bytes.
    let mut padded_payload = payload.clone();
    padded_payload.resize(4096, 0);
    let padded = Chunk::content_with_span(payload.len() as u64, &padded_payload).unwrap();
    assert_eq!(padded.address(), chunk.address());
    assert_ne!(padded.data(), chunk.data());

    reserve.put(&chunk, &stamp(batch_a(), 1, 100), CAC).unwrap();
    // Re-stamped under the same batch (newer timestamp), and under another batch.
    let outcome = reserve
        .put(&padded, &stamp(batch_a(), 1, 200), CAC)
        .unwrap();
    assert!(matches!(outcome, PutOutcome::Replaced { .. }));
    reserve
        .put(&padded, &stamp(batch_b(), 1, 300), CAC)
        .unwrap();
    assert_eq!(reserve.get(chunk.address()).unwrap().as_ref(), Some(&chunk));
    assert_eq!(
        reserve
            .item(chunk.address(), &batch_a())
            .unwrap()
            .unwrap()
            .stamp,
        stamp(batch_a(), 1, 200)
    );
}
