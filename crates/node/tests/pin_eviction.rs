//! Pinned content survives reserve eviction (issue: "Bee's content API", Done when): with
//! the reserve over capacity, `unreserve` evicts the cheapest batch's chunks (spec §7); a
//! pinned file stamped with that batch stays retrievable through the node's store, an
//! unpinned file of the same batch does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use comb_net::LocalStore;
use comb_node::storage::NodeStore;
use comb_postage::{Batch, Stamp, StampIndex};
use comb_primitives::soc::ChunkType;
use comb_primitives::{Address, Chunk, Signature, B256, U256};
use comb_store::{Store, StoreConfig};

fn stamp(batch: B256, position: u32) -> Stamp {
    let mut signature = [7u8; 65];
    signature[64] = 27;
    Stamp {
        batch_id: batch,
        index: StampIndex {
            bucket: 0,
            position,
        },
        timestamp: u64::from(position),
        signature: Signature::from_slice(&signature).unwrap(),
    }
}

fn batch(id: B256, value: u64) -> Batch {
    Batch {
        id,
        owner: Address::repeat_byte(1),
        depth: 20,
        bucket_depth: 16,
        immutable: false,
        value: U256::from(value),
        start_block: 0,
    }
}

fn file(seed: u8) -> (B256, Vec<Chunk>) {
    let mut state = u64::from(seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let data: Vec<u8> = (0..5 * 4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let mut chunks: Vec<Chunk> = Vec::new();
    let root = comb_filetree::split_bytes(&data, &mut chunks).unwrap();
    (root, chunks)
}

#[test]
fn pinned_file_survives_eviction_of_its_cheap_batch() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = B256::ZERO;
    let config = StoreConfig {
        overlay,
        reserve_capacity: 6,
        cache_capacity: 16,
    };
    let store = Store::open(&dir.path().join("store.redb"), &config).unwrap();
    let local = NodeStore::new(
        store.reserve.clone(),
        store.cache.clone(),
        store.pins.clone(),
        overlay,
    );
    let (cheap, dear) = (B256::repeat_byte(0xc0), B256::repeat_byte(0xde));
    let lookup: HashMap<B256, Batch> =
        HashMap::from([(cheap, batch(cheap, 10)), (dear, batch(dear, 1_000))]);

    let (pinned_root, pinned) = file(1);
    let (unpinned_root, unpinned) = file(2);
    let (_, valuable) = file(3);
    let mut position = 0u32;
    let mut items = Vec::new();
    let mut stamped_pinned = Vec::new();
    for (chunks, batch) in [(&pinned, cheap), (&unpinned, cheap), (&valuable, dear)] {
        for chunk in chunks {
            position += 1;
            let stamp = stamp(batch, position);
            if batch == cheap && chunks == &pinned {
                stamped_pinned.push((chunk.clone(), stamp));
            }
            items.push((chunk.clone(), stamp, ChunkType::Content));
        }
    }
    for result in store.reserve.put_many(&items).unwrap() {
        result.unwrap();
    }
    assert!(store.pins.pin(&pinned_root, &stamped_pinned).unwrap());
    assert_eq!(store.reserve.size().unwrap(), 18);

    let evicted = store.reserve.unreserve(&lookup).unwrap();
    assert_eq!(evicted.evicted, 12, "{evicted:?}");
    // Eviction takes the cheap batch first within each bin horizon (spec §7). Whatever left
    // the reserve of the unpinned file is gone from the node; every chunk of the pinned
    // file is still served, with its stamp, though it left the reserve too.
    let mut unpinned_gone = 0;
    for chunk in &unpinned {
        if !store.reserve.has(chunk.address()).unwrap() {
            unpinned_gone += 1;
            assert!(local.get(chunk.address()).is_none());
        }
    }
    let mut pinned_evicted = 0;
    for (chunk, stamp) in &stamped_pinned {
        if !store.reserve.has(chunk.address()).unwrap() {
            pinned_evicted += 1;
        }
        assert_eq!(local.get(chunk.address()), Some((chunk.clone(), *stamp)));
    }
    // The unpinned file lost chunks to eviction; so did the pinned one, which still serves.
    assert!(unpinned_gone > 0);
    assert!(pinned_evicted > 0);
    let valuable_kept = valuable
        .iter()
        .filter(|c| store.reserve.has(c.address()).unwrap())
        .count();
    // The dear batch keeps more of its chunks than the cheap one.
    assert!(valuable_kept > unpinned.len() - unpinned_gone);
    // The whole pinned file joins from the node's store.
    struct Local<'a>(&'a NodeStore);
    impl comb_filetree::ChunkSource for Local<'_> {
        type Error = comb_filetree::FileTreeError;
        fn get(&self, address: &B256) -> Result<Chunk, Self::Error> {
            LocalStore::get(self.0, address)
                .map(|(chunk, _)| chunk)
                .ok_or(comb_filetree::FileTreeError::MissingChunk(*address))
        }
    }
    let mut joined = Vec::new();
    comb_filetree::join(Local(&local), pinned_root, &mut joined).unwrap();
    assert_eq!(joined.len(), 5 * 4096);
    assert!(comb_filetree::join(Local(&local), unpinned_root, &mut Vec::new()).is_err());
}
