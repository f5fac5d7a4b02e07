//! Persistent stamp issuers never reuse an index (spec §2.9).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};

use comb_postage::{validate_stamp, Batch, PostageError, StampIndex};
use comb_primitives::{keccak256, Signer, B256, U256};
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
