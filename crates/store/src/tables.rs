//! Every redb table of the store, in one place, with its key and value layout.
//!
//! Keys are fixed-width big-endian byte strings, so redb's byte order is the numeric order
//! the range scans rely on (bins ascending, bin ids ascending, batch values ascending).
//! The byte layouts themselves live in [`crate::codec`].
//!
//! | table | key | value | job |
//! |---|---|---|---|
//! | `reserve_chunks` | address (32) | wire data | chunk data, stored once |
//! | `reserve_chunk_refs` | address (32) | `u32` | reserve items referring to the data |
//! | `reserve_items` | batch (32) ‖ bin (1) ‖ address (32) | stamp (113) ‖ kind (1) ‖ bin id (8) | the reserve item; also the batch index (prefix scan by batch, then by bin) |
//! | `reserve_stamp_index` | batch (32) ‖ stamp index (8) | address (32) ‖ timestamp (8) | the §2.9 overwrite rule |
//! | `reserve_pull_index` | bin (1) ‖ bin id (8) | address (32) ‖ batch (32) | pull sync, per bin in arrival order |
//! | `reserve_batches` | batch (32) | `u64` item count | which batches the reserve holds |
//! | `reserve_meta` | name | bytes | overlay, storage radius, per-bin counts and last bin ids |
//! | `cache_chunks` | address (32) | sequence (8) ‖ wire data | the cache |
//! | `cache_order` | sequence `u64` | address (32) | cache eviction order, oldest first |
//! | `batches` | batch id (32) | batch record (63) | the batch store (§2.6) |
//! | `batches_by_value` | value (32) ‖ batch id (32) | `()` | batches cheapest first |
//! | `chain_state` | name | block (8) ‖ total amount (32) ‖ price (32) | Bee's `ChainState` |
//! | `issuer_batches` | batch id (32) | batch record (63) | the node's own batches |
//! | `issuer_buckets` | batch id (32) ‖ bucket (4) | `u32` counter | issuer counters (§2.9) |
//! | `issuer_items` | batch id (32) ‖ identity (32) | `u64` stamp index | issued indices (§2.9) |

use redb::TableDefinition;

/// Length of a reserve item key: batch, bin, address.
pub(crate) const ITEM_KEY_SIZE: usize = 65;
/// Length of a reserve item value: stamp, kind, bin id.
pub(crate) const ITEM_VALUE_SIZE: usize = comb_postage::STAMP_SIZE + 1 + 8;
/// Length of an encoded batch record.
pub(crate) const BATCH_SIZE: usize = 20 + 1 + 1 + 1 + 32 + 8;
/// Length of the encoded chain state.
pub(crate) const CHAIN_STATE_SIZE: usize = 8 + 32 + 32;

pub(crate) const CHUNKS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("reserve_chunks");
pub(crate) const CHUNK_REFS: TableDefinition<&[u8; 32], u32> =
    TableDefinition::new("reserve_chunk_refs");
pub(crate) const ITEMS: TableDefinition<&[u8; ITEM_KEY_SIZE], &[u8; ITEM_VALUE_SIZE]> =
    TableDefinition::new("reserve_items");
pub(crate) const STAMP_INDEX: TableDefinition<&[u8; 40], &[u8; 40]> =
    TableDefinition::new("reserve_stamp_index");
pub(crate) const PULL_INDEX: TableDefinition<&[u8; 9], &[u8; 64]> =
    TableDefinition::new("reserve_pull_index");
/// address ‖ batch → (): which batches hold a chunk, so a chunk's stamp can be found by its
/// address alone (retrieval and pushsync answer with chunk and stamp).
pub(crate) const ADDRESS_BATCHES: TableDefinition<&[u8; 64], ()> =
    TableDefinition::new("reserve_address_batches");
pub(crate) const RESERVE_BATCHES: TableDefinition<&[u8; 32], u64> =
    TableDefinition::new("reserve_batches");
pub(crate) const RESERVE_META: TableDefinition<&str, &[u8]> = TableDefinition::new("reserve_meta");

pub(crate) const CACHE_CHUNKS: TableDefinition<&[u8; 32], &[u8]> =
    TableDefinition::new("cache_chunks");
pub(crate) const CACHE_ORDER: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("cache_order");

pub(crate) const BATCHES: TableDefinition<&[u8; 32], &[u8; BATCH_SIZE]> =
    TableDefinition::new("batches");
pub(crate) const BATCHES_BY_VALUE: TableDefinition<&[u8; 64], ()> =
    TableDefinition::new("batches_by_value");
pub(crate) const CHAIN_STATE: TableDefinition<&str, &[u8; CHAIN_STATE_SIZE]> =
    TableDefinition::new("chain_state");
/// Batch id → PLUR paid per chunk, big-endian: what was paid at creation and by top-ups,
/// each divided by the batch's depth at the time (Bee's stamp issuer `Amount`).
pub(crate) const BATCH_PAID: TableDefinition<&[u8; 32], &[u8; 32]> =
    TableDefinition::new("batch_paid");

pub(crate) const ISSUER_BATCHES: TableDefinition<&[u8; 32], &[u8; BATCH_SIZE]> =
    TableDefinition::new("issuer_batches");
pub(crate) const ISSUER_BUCKETS: TableDefinition<&[u8; 36], u32> =
    TableDefinition::new("issuer_buckets");
pub(crate) const ISSUER_ITEMS: TableDefinition<&[u8; 64], u64> =
    TableDefinition::new("issuer_items");
