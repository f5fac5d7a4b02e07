//! Capacity eviction by batch value, the storage radius, and expiry purges (spec §7, §2.6).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use comb_postage::Batch;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Address, B256};
use comb_store::{Reserve, Unreserve};
use common::{address_in_bin, batch, chunk_at, reserve, stamp};

const CAC: ChunkType = ChunkType::Content;

fn overlay() -> B256 {
    B256::repeat_byte(0x33)
}

/// Puts `per_bin` chunks of `batch` into each of `bins`; returns their addresses.
fn fill(reserve: &Reserve, batch: B256, bins: &[u8], per_bin: u64) -> Vec<B256> {
    let mut addresses = Vec::new();
    let mut index = 0u64;
    for bin in bins {
        for n in 0..per_bin {
            // Distinct per batch too: the batch's first byte goes into the tail.
            let address = address_in_bin(&overlay(), *bin, (u64::from(batch[0]) << 32) | n);
            reserve
                .put(&chunk_at(address), &stamp(batch, index, 1), CAC)
                .unwrap();
            index += 1;
            addresses.push(address);
        }
    }
    addresses
}

fn lookup(values: &[(B256, u64)]) -> HashMap<B256, Batch> {
    values
        .iter()
        .map(|(id, value)| (*id, batch(*id, Address::ZERO, 20, *value)))
        .collect()
}

#[test]
fn capacity_eviction_takes_the_cheapest_batch_first_and_raises_the_radius() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), 14);
    // Values deliberately not in id order.
    let cheap = B256::repeat_byte(0x03);
    let middle = B256::repeat_byte(0x01);
    let dear = B256::repeat_byte(0x02);
    // Each batch: 2 chunks in each of bins 0, 1, 2 → 18 items; capacity 14, target 4.
    let cheap_chunks = fill(&reserve, cheap, &[0, 1, 2], 2);
    let middle_chunks = fill(&reserve, middle, &[0, 1, 2], 2);
    let dear_chunks = fill(&reserve, dear, &[0, 1, 2], 2);
    assert_eq!(reserve.size().unwrap(), 18);
    assert!(reserve.is_over_capacity().unwrap());

    let batches = lookup(&[(cheap, 10), (middle, 20), (dear, 30)]);
    // The pass at radius 0 evicts nothing; at radius 1 it takes bin 0 of the cheap batch,
    // then of the middle one, and the target is met before the dear one.
    let report = reserve.unreserve(&batches).unwrap();
    assert_eq!(
        report,
        Unreserve {
            evicted: 4,
            radius: 1
        }
    );
    assert_eq!(reserve.storage_radius().unwrap(), 1);
    assert_eq!(reserve.size().unwrap(), 14);
    assert!(!reserve.is_over_capacity().unwrap());
    for chunks in [&cheap_chunks, &middle_chunks] {
        assert!(!reserve.has(&chunks[0]).unwrap() && !reserve.has(&chunks[1]).unwrap());
        assert!(chunks[2..].iter().all(|a| reserve.has(a).unwrap()));
    }
    assert!(dear_chunks.iter().all(|a| reserve.has(a).unwrap()));
    // Within capacity: nothing to do.
    assert_eq!(
        reserve.unreserve(&batches).unwrap(),
        Unreserve {
            evicted: 0,
            radius: 1
        }
    );
}

#[test]
fn a_short_pass_evicts_the_cheapest_batches_first() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), 15);
    let cheap = B256::repeat_byte(0x09);
    let dear = B256::repeat_byte(0x01);
    let cheap_chunks = fill(&reserve, cheap, &[0, 4], 5);
    let dear_chunks = fill(&reserve, dear, &[0, 4], 5);
    reserve.set_storage_radius(2).unwrap();
    // 20 items, capacity 15: the pass at radius 2 evicts the cheap batch's bin 0 (5 items).
    let report = reserve
        .unreserve(&lookup(&[(cheap, 1), (dear, 1_000)]))
        .unwrap();
    assert_eq!(
        report,
        Unreserve {
            evicted: 5,
            radius: 2
        }
    );
    assert!(cheap_chunks[..5].iter().all(|a| !reserve.has(a).unwrap()));
    assert!(cheap_chunks[5..].iter().all(|a| reserve.has(a).unwrap()));
    assert!(dear_chunks.iter().all(|a| reserve.has(a).unwrap()));
}

#[test]
fn the_radius_rises_until_enough_is_evicted_and_unknown_batches_go_first() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), 4);
    let known = B256::repeat_byte(0x01);
    let unknown = B256::repeat_byte(0x02);
    fill(&reserve, known, &[0, 3, 5, 31], 2);
    let unknown_chunks = fill(&reserve, unknown, &[31], 1);
    // 9 items, capacity 4, target 5. Unknown batch (value 0) goes first at every pass but its
    // only chunk is in bin 31. Passes: r=0 nothing; r=1 bin 0 (2); r=2,3 nothing; r=4 bin 3
    // (2); r=5 nothing; r=6 one of bin 5 → 5 evicted at radius 6.
    let report = reserve.unreserve(&lookup(&[(known, 50)])).unwrap();
    assert_eq!(
        report,
        Unreserve {
            evicted: 5,
            radius: 6
        }
    );
    assert_eq!(reserve.size().unwrap(), 4);
    assert!(reserve.has(&unknown_chunks[0]).unwrap());
    // Capacity 1, target 3: the pass at radius 6 takes the last bin-5 chunk, the radius climbs
    // to 31 without finding more, and the last pass takes bin 31, unknown batch first.
    drop(reserve);
    let reserve = common::reserve(dir.path(), overlay(), 1);
    let report = reserve.unreserve(&lookup(&[(known, 50)])).unwrap();
    assert_eq!(report.radius, 31);
    assert_eq!(report.evicted, 3);
    assert_eq!(reserve.size().unwrap(), 1);
    assert!(!reserve.has(&unknown_chunks[0]).unwrap());
}

#[test]
fn purging_an_expired_batch_removes_exactly_its_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), 1_000);
    let expired = B256::repeat_byte(0x0e);
    let live = B256::repeat_byte(0x0f);
    let expired_chunks = fill(&reserve, expired, &[0, 2, 9], 3);
    let live_chunks = fill(&reserve, live, &[0, 2, 9], 3);
    // One chunk stored under both batches keeps its data.
    let shared = live_chunks[0];
    reserve
        .put(&chunk_at(shared), &stamp(expired, 100, 1), CAC)
        .unwrap();
    assert_eq!(reserve.purge_expired(&[expired]).unwrap(), 10);
    assert!(expired_chunks.iter().all(|a| !reserve.has(a).unwrap()));
    assert!(live_chunks.iter().all(|a| reserve.has(a).unwrap()));
    assert_eq!(reserve.stamp_of(&shared, &expired).unwrap(), None);
    assert_eq!(reserve.size().unwrap(), 9);
    assert_eq!(reserve.batches().unwrap(), vec![(live, 9)]);
    let pulled: usize = (0..32u8)
        .map(|bin| reserve.pull(bin, 0, usize::MAX).unwrap().len())
        .sum();
    assert_eq!(pulled, 9);
}

#[test]
fn radius_decreases_only_when_sparse_idle_and_above_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let reserve = reserve(dir.path(), overlay(), 10);
    let batch = B256::repeat_byte(0x01);
    fill(&reserve, batch, &[4], 5);
    reserve.set_storage_radius(4).unwrap();
    // 5 items within radius 4: not below half of 10.
    assert_eq!(reserve.maybe_decrease_radius(0, true).unwrap(), 4);
    reserve
        .remove(&address_in_bin(&overlay(), 4, 1 << 32), &batch)
        .unwrap();
    // 4 < 5: decreases, but not while syncing, and not below the minimum.
    assert_eq!(reserve.maybe_decrease_radius(0, false).unwrap(), 4);
    assert_eq!(reserve.maybe_decrease_radius(4, true).unwrap(), 4);
    assert_eq!(reserve.maybe_decrease_radius(2, true).unwrap(), 3);
    assert_eq!(reserve.maybe_decrease_radius(2, true).unwrap(), 2);
    assert_eq!(reserve.maybe_decrease_radius(2, true).unwrap(), 2);
    assert_eq!(reserve.storage_radius().unwrap(), 2);
}
