//! Persistent stamp issuers never reuse an index (spec §2.9).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};

use comb_postage::{validate_stamp, Batch, PostageError, StampIndex};
use comb_primitives::{keccak256, Chunk, Signer, B256, U256};
use comb_store::{Issuers, StoreError};

fn signer() -> Signer {
    Signer::from_bytes(&[7u8; 32]).unwrap()
}

fn own_batch(depth: u8, immutable: bool) -> Batch {
    Batch {
        id: B256::repeat_byte(0xbb),
        owner: signer().address(),
        depth,
        bucket_depth: 16,
        immutable,
        value: U256::from(1_000_000u64),
        start_block: 1,
    }
}

/// Distinct addresses that all fall in bucket 0x1234.
fn address(n: u64) -> B256 {
    let mut address = B256::from(keccak256(n.to_be_bytes()));
    address[0] = 0x12;
    address[1] = 0x34;
    address
}

#[test]
fn persistent_stamper_never_reuses_an_index_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let batch = own_batch(20, false);
    let lookup: HashMap<B256, Batch> = [(batch.id, batch.clone())].into();
    let mut seen = HashSet::new();
    let first_index;
    {
        let issuers = Issuers::open(common::db(dir.path())).unwrap();
        let mut stamper = issuers.stamper(&batch, signer()).unwrap();
        for n in 0..5 {
            let stamp = stamper.stamp(&address(n), &address(n), 1_000 + n).unwrap();
            assert_eq!(validate_stamp(&stamp, &address(n), &lookup).unwrap(), batch);
            assert_eq!(stamp.index.bucket, 0x1234);
            assert!(seen.insert(stamp.index));
        }
        first_index = issuers.item(&batch.id, &address(0)).unwrap().unwrap();
        assert_eq!(stamper.issuer().buckets()[0x1234], 5);
    }
    // Reopen: the counters and items come back from disk.
    let issuers = Issuers::open(common::db(dir.path())).unwrap();
    assert_eq!(issuers.batches().unwrap(), vec![batch.clone()]);
    let mut stamper = issuers.stamper(&batch, signer()).unwrap();
    assert_eq!(stamper.issuer().buckets()[0x1234], 5);
    let stamps = stamper
        .stamp_many(
            &(5..10)
                .map(|n| (address(n), address(n)))
                .collect::<Vec<_>>(),
            2_000,
        )
        .unwrap();
    for stamp in &stamps {
        assert!(seen.insert(stamp.index), "index {:?} reused", stamp.index);
    }
    assert_eq!(seen.len(), 10);
    assert_eq!(
        seen.iter().map(|i| i.position).collect::<HashSet<_>>(),
        (0..10).collect::<HashSet<u32>>()
    );
    // Restamping an old chunk reuses its index with the new timestamp.
    let again = stamper.stamp(&address(0), &address(0), 3_000).unwrap();
    assert_eq!(again.index, first_index);
    assert_eq!(again.timestamp, 3_000);
    assert_eq!(
        first_index,
        StampIndex {
            bucket: 0x1234,
            position: 0
        }
    );
    assert_eq!(stamper.issuer().buckets()[0x1234], 10);
}

#[test]
fn one_stamper_per_batch_and_only_for_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let issuers = Issuers::open(common::db(dir.path())).unwrap();
    let batch = own_batch(20, false);
    let stamper = issuers.stamper(&batch, signer()).unwrap();
    assert!(matches!(
        issuers.stamper(&batch, signer()),
        Err(StoreError::StamperInUse(id)) if id == batch.id
    ));
    assert!(matches!(
        issuers.remove(&batch.id),
        Err(StoreError::StamperInUse(_))
    ));
    drop(stamper);
    assert!(issuers.stamper(&batch, signer()).is_ok());
    let stranger = Signer::from_bytes(&[8u8; 32]).unwrap();
    assert!(matches!(
        issuers.stamper(&batch, stranger),
        Err(StoreError::Postage(PostageError::NotBatchOwner { .. }))
    ));
    assert!(issuers.remove(&batch.id).unwrap());
    assert!(issuers.batches().unwrap().is_empty());
}

#[test]
fn a_failed_stamp_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let issuers = Issuers::open(common::db(dir.path())).unwrap();
    // Immutable, 2 slots per bucket.
    let batch = own_batch(17, true);
    let mut stamper = issuers.stamper(&batch, signer()).unwrap();
    stamper.stamp(&address(0), &address(0), 1).unwrap();
    let error = stamper
        .stamp_many(&[(address(1), address(1)), (address(2), address(2))], 2)
        .unwrap_err();
    assert!(matches!(
        error,
        StoreError::Postage(PostageError::BucketFull(0x1234))
    ));
    assert_eq!(issuers.item(&batch.id, &address(1)).unwrap(), None);
    assert_eq!(issuers.item(&batch.id, &address(2)).unwrap(), None);
    drop(stamper);
    // After a restart the counter is the committed one.
    let stamper = issuers.stamper(&batch, signer()).unwrap();
    assert_eq!(stamper.issuer().buckets()[0x1234], 1);
}

#[test]
fn a_deeper_batch_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let issuers = Issuers::open(common::db(dir.path())).unwrap();
    let batch = own_batch(17, true);
    let mut stamper = issuers.stamper(&batch, signer()).unwrap();
    stamper.set_depth(18).unwrap();
    for n in 0..4 {
        stamper.stamp(&address(n), &address(n), 1).unwrap();
    }
    drop(stamper);
    let stamper = issuers.stamper(&batch, signer()).unwrap();
    assert_eq!(stamper.batch().depth, 18);
    assert_eq!(stamper.issuer().bucket_upper_bound(), 4);
}

#[test]
fn a_large_group_is_signed_in_order_across_threads() {
    // 1000 chunks: more than one signing thread's share, so the stamps come from several
    // threads and must still be in the order of the chunks.
    let dir = tempfile::tempdir().unwrap();
    let issuers = Issuers::open(common::db(dir.path())).unwrap();
    // Depth 26: 1024 slots in the one bucket all these addresses fall in.
    let batch = own_batch(26, false);
    let lookup: HashMap<B256, Batch> = [(batch.id, batch.clone())].into();
    let mut stamper = issuers.stamper(&batch, signer()).unwrap();
    let chunks: Vec<(B256, B256)> = (0..1000).map(|n| (address(n), address(n))).collect();
    let stamps = stamper.stamp_many(&chunks, 7).unwrap();
    assert_eq!(stamps.len(), chunks.len());
    for (position, ((address, _), stamp)) in chunks.iter().zip(&stamps).enumerate() {
        assert_eq!(validate_stamp(stamp, address, &lookup).unwrap(), batch);
        assert_eq!(stamp.index.position, u32::try_from(position).unwrap());
        assert_eq!(issuers.item(&batch.id, address).unwrap(), Some(stamp.index));
    }
}

#[test]
fn what_is_recorded_with_the_stamps_commits_with_them_or_not_at_all() {
    // The deferred upload's composition: prepared stamps recorded in the push queue's
    // transaction (`PushQueue::push_many_with`).
    let dir = tempfile::tempdir().unwrap();
    let db = common::db(dir.path());
    let issuers = Issuers::open(std::sync::Arc::clone(&db)).unwrap();
    let queue = comb_store::PushQueue::open(std::sync::Arc::clone(&db)).unwrap();
    let batch = own_batch(20, false);
    let mut stamper = issuers.stamper(&batch, signer()).unwrap();
    let chunks = [(address(1), address(1)), (address(2), address(2))];
    let entries = |stamps: &[comb_postage::Stamp]| -> Vec<(u64, Chunk, comb_postage::Stamp)> {
        chunks
            .iter()
            .zip(stamps)
            .map(|((address, _), stamp)| (0, Chunk::new_unchecked(*address, vec![0; 9]), *stamp))
            .collect()
    };
    // A failing write beside the record: no index is durable, nothing is queued.
    let prepared = stamper.prepare(&chunks, 1).unwrap();
    assert_eq!(prepared.stamps.len(), 2);
    let error = queue
        .push_many_with(&entries(&prepared.stamps), |txn| {
            prepared.record_in(txn)?;
            Err(StoreError::Overflow("the caller's record failed"))
        })
        .unwrap_err();
    assert!(matches!(error, StoreError::Overflow(_)));
    stamper.abandon_pending();
    assert_eq!(issuers.item(&batch.id, &address(1)).unwrap(), None);
    assert_eq!(queue.len().unwrap(), 0);
    // Recorded in the queue's transaction: both are there after the commit.
    let prepared = stamper.prepare(&chunks, 2).unwrap();
    queue
        .push_many_with(&entries(&prepared.stamps), |txn| prepared.record_in(txn))
        .unwrap();
    stamper.recorded(&prepared);
    assert_eq!(queue.len().unwrap(), 2);
    for (n, stamp) in prepared.stamps.iter().enumerate() {
        assert_eq!(
            queue.get(&chunks[n].0).unwrap().map(|(_, queued)| queued),
            Some(*stamp)
        );
        assert_eq!(
            issuers.item(&batch.id, &chunks[n].0).unwrap(),
            Some(stamp.index)
        );
    }
}

#[test]
fn a_chunk_prepared_again_before_its_group_committed_keeps_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::db(dir.path());
    let issuers = Issuers::open(std::sync::Arc::clone(&db)).unwrap();
    let batch = own_batch(20, false);
    let mut stamper = issuers.stamper(&batch, signer()).unwrap();
    let x = (address(1), address(1));
    let first = stamper.prepare(&[x, (address(2), address(2))], 1).unwrap();
    // Group two comes before group one's commit: x keeps its index, y gets a new one.
    let second = stamper.prepare(&[x, (address(3), address(3))], 2).unwrap();
    assert_eq!(second.stamps[0].index, first.stamps[0].index);
    assert_ne!(second.stamps[1].index, first.stamps[1].index);
    // Nothing is durable before the record commits.
    assert_eq!(issuers.item(&batch.id, &address(1)).unwrap(), None);
    for prepared in [&first, &second] {
        let txn = db.begin_write().unwrap();
        prepared.record_in(&txn).unwrap();
        txn.commit().unwrap();
        stamper.recorded(prepared);
    }
    assert_eq!(
        issuers.item(&batch.id, &address(1)).unwrap(),
        Some(first.stamps[0].index)
    );
    assert_eq!(
        issuers.item(&batch.id, &address(3)).unwrap(),
        Some(second.stamps[1].index)
    );
    drop(stamper);
    let stamper = issuers.stamper(&batch, signer()).unwrap();
    assert_eq!(stamper.issuer().buckets()[0x1234], 3);
}

#[test]
fn an_abandoned_group_lends_its_indexes_to_no_later_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let issuers = Issuers::open(common::db(dir.path())).unwrap();
    let batch = own_batch(20, false);
    let mut stamper = issuers.stamper(&batch, signer()).unwrap();
    let x = (address(1), address(1));
    let lost = stamper.prepare(&[x], 1).unwrap();
    // Its commit failed: forgotten. The chunk comes again and gets an index of its own,
    // which is recorded with it.
    stamper.abandon_pending();
    let again = stamper.stamp_many(&[x], 2).unwrap();
    assert_ne!(again[0].index, lost.stamps[0].index);
    assert_eq!(
        issuers.item(&batch.id, &address(1)).unwrap(),
        Some(again[0].index)
    );
    // An immutable batch's full bucket fails a prepare and leaves the issuer as it was.
    let full = own_batch(17, true);
    let full = Batch {
        id: B256::repeat_byte(0xcc),
        ..full
    };
    let mut stamper = issuers.stamper(&full, signer()).unwrap();
    let chunks: Vec<(B256, B256)> = (10..13).map(|n| (address(n), address(n))).collect();
    assert!(stamper.prepare(&chunks, 3).is_err());
    assert_eq!(stamper.issuer().buckets()[0x1234], 0);
}

#[test]
fn a_chunk_queued_again_under_a_newer_stamp_of_its_batch_is_pushed_with_it() {
    // Uploading the same content twice reissues its stamp with a later timestamp. The first
    // entry, still waiting, must not carry the older stamp: a storer holding the newer one
    // refuses it at every push (Bee's ErrOverwriteNewerChunk).
    let dir = tempfile::tempdir().unwrap();
    let db = common::db(dir.path());
    let queue = comb_store::PushQueue::open(std::sync::Arc::clone(&db)).unwrap();
    let (batch, other) = (address(7), address(8));
    let chunk = Chunk::new_unchecked(address(1), vec![1; 9]);
    let neighbour = Chunk::new_unchecked(address(2), vec![2; 9]);
    let old = common::stamp(batch, 5, 100);
    let elsewhere = common::stamp(other, 9, 50);
    queue
        .push_many(&[
            (1, chunk.clone(), old),
            (1, chunk.clone(), elsewhere),
            (1, neighbour.clone(), common::stamp(batch, 6, 100)),
        ])
        .unwrap();
    let new = common::stamp(batch, 5, 200);
    queue.push_many(&[(2, chunk.clone(), new)]).unwrap();
    let entries = queue.range(0, 10).unwrap();
    assert_eq!(entries.len(), 4);
    // The first entry now carries the new stamp and keeps its upload's tag; the stamp of
    // another batch and the other chunk are untouched.
    assert_eq!((entries[0].tag, entries[0].stamp), (1, new));
    assert_eq!(entries[1].stamp, elsewhere);
    assert_eq!(entries[2].stamp, common::stamp(batch, 6, 100));
    assert_eq!((entries[3].tag, entries[3].stamp), (2, new));
    // An older stamp queued later changes nothing already queued.
    queue.push_many(&[(3, chunk, old)]).unwrap();
    assert_eq!(queue.range(0, 10).unwrap()[0].stamp, new);
}
