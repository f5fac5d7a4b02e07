//! The cache: bounded by count, least recently stored evicted first, separate from the reserve.
#![allow(clippy::unwrap_used)]

mod common;

use comb_primitives::{Chunk, B256};
use comb_store::{Cache, Reserve};

fn chunk(n: u64) -> Chunk {
    Chunk::content(&n.to_be_bytes()).unwrap()
}

fn stamp_for(n: u64) -> comb_postage::Stamp {
    common::stamp(B256::repeat_byte(1), n, n)
}

#[test]
fn cache_is_bounded_and_evicts_the_least_recently_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::db(dir.path());
    let cache = Cache::open(db.clone(), 3).unwrap();
    assert!(cache.is_empty().unwrap());
    for n in 0..3 {
        assert_eq!(cache.put(&chunk(n), &stamp_for(n)).unwrap(), 0);
    }
    // Storing chunk 0 again refreshes it: chunk 1 is now the oldest.
    cache.put(&chunk(0), &stamp_for(0)).unwrap();
    assert_eq!(cache.len().unwrap(), 3);
    assert_eq!(cache.put(&chunk(3), &stamp_for(3)).unwrap(), 1);
    assert_eq!(cache.len().unwrap(), 3);
    assert!(!cache.has(chunk(1).address()).unwrap());
    for n in [0, 2, 3] {
        assert_eq!(
            cache.get(chunk(n).address()).unwrap(),
            Some((chunk(n), stamp_for(n)))
        );
    }
    assert!(cache.remove(chunk(2).address()).unwrap());
    assert!(!cache.remove(chunk(2).address()).unwrap());
    assert_eq!(cache.len().unwrap(), 2);
    // Fill far past the bound: only the newest three stay.
    for n in 10..20 {
        cache.put(&chunk(n), &stamp_for(n)).unwrap();
    }
    assert_eq!(cache.len().unwrap(), 3);
    for n in 17..20 {
        assert!(cache.has(chunk(n).address()).unwrap());
    }
    // The cache is not the reserve.
    let reserve = Reserve::open(db, B256::ZERO, 10).unwrap();
    assert!(!reserve.has(chunk(19).address()).unwrap());
    assert_eq!(reserve.size().unwrap(), 0);
}

#[test]
fn cache_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = Cache::open(common::db(dir.path()), 2).unwrap();
        cache.put(&chunk(1), &stamp_for(1)).unwrap();
        cache.put(&chunk(2), &stamp_for(2)).unwrap();
    }
    let cache = Cache::open(common::db(dir.path()), 2).unwrap();
    assert_eq!(
        cache.get(chunk(1).address()).unwrap(),
        Some((chunk(1), stamp_for(1)))
    );
    cache.put(&chunk(3), &stamp_for(3)).unwrap();
    assert!(!cache.has(chunk(1).address()).unwrap());
    assert!(cache.has(chunk(2).address()).unwrap());
}

#[test]
fn a_padded_copy_never_replaces_the_cached_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(common::db(dir.path()), 8).unwrap();
    let chunk = chunk(7);
    let mut padded_payload = chunk.payload().to_vec();
    padded_payload.resize(4096, 0);
    let padded = Chunk::content_with_span(chunk.span(), &padded_payload).unwrap();
    assert_eq!(padded.address(), chunk.address());
    cache.put(&chunk, &stamp_for(7)).unwrap();
    cache.put(&padded, &stamp_for(8)).unwrap();
    let (kept, stamp) = cache.get(chunk.address()).unwrap().unwrap();
    assert_eq!(kept, chunk);
    assert_eq!(stamp, stamp_for(7));
    assert_eq!(cache.len().unwrap(), 1);
}
