//! Helpers shared by the store's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use comb_postage::{Batch, Stamp, StampIndex};
use comb_primitives::crypto::Signature;
use comb_primitives::{Address, Chunk, B256, U256};
use comb_store::{open_database, Database, Reserve};

/// The database file inside a test directory.
pub fn db_path(dir: &Path) -> std::path::PathBuf {
    dir.join("store.redb")
}

/// Opens the test database.
pub fn db(dir: &Path) -> Arc<Database> {
    open_database(&db_path(dir)).unwrap()
}

/// Opens a reserve in `dir`.
pub fn reserve(dir: &Path, overlay: B256, capacity: u64) -> Reserve {
    Reserve::open(db(dir), overlay, capacity).unwrap()
}

/// An address at proximity order `bin` from `overlay` (bit `bin` flipped), made distinct by
/// `n` in its last eight bytes, which the capped PO never looks at.
pub fn address_in_bin(overlay: &B256, bin: u8, n: u64) -> B256 {
    let mut address = *overlay;
    let byte = usize::from(bin / 8);
    address[byte] ^= 0x80 >> (bin % 8);
    address[24..].copy_from_slice(&n.to_be_bytes());
    address
}

/// A chunk at `address` with recognisable data; the reserve does not re-validate chunks.
pub fn chunk_at(address: B256) -> Chunk {
    let mut data = 32u64.to_le_bytes().to_vec();
    data.extend_from_slice(address.as_slice());
    Chunk::new_unchecked(address, data)
}

/// A well-formed but unsigned stamp (v = 27) for reserve tests that need no validation.
pub fn stamp(batch: B256, index: u64, timestamp: u64) -> Stamp {
    let mut signature = [0u8; 65];
    signature[0] = 1;
    signature[64] = 27;
    Stamp {
        batch_id: batch,
        index: StampIndex::from_u64(index),
        timestamp,
        signature: Signature(signature),
    }
}

/// A batch record with this id, depth and value.
pub fn batch(id: B256, owner: Address, depth: u8, value: u64) -> Batch {
    Batch {
        id,
        owner,
        depth,
        bucket_depth: 16,
        immutable: false,
        value: U256::from(value),
        start_block: 0,
    }
}
