//! Byte layouts of the store's keys and values (see [`crate::tables`] for the tables).
//!
//! Every integer is big-endian so that byte order is numeric order. Decoders of values
//! return [`StoreError::Corrupt`] on bytes they cannot interpret; keys are fixed-width and
//! always decode.

use comb_postage::{Batch, Stamp, STAMP_SIZE};
use comb_primitives::soc::ChunkType;
use comb_primitives::{Address, B256, U256};

use crate::tables::{BATCH_SIZE, ITEM_KEY_SIZE, ITEM_VALUE_SIZE};
use crate::StoreError;

/// Copies `N` bytes starting at `at` out of a fixed array; the ranges used below are
/// constant and inside the arrays, so the fallback is never taken.
fn take<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(slice) = at.checked_add(N).and_then(|end| bytes.get(at..end)) {
        out.copy_from_slice(slice);
    }
    out
}

/// Writes `src` into `dst` at `at` (constant, in-bounds offsets only).
fn put(dst: &mut [u8], at: usize, src: &[u8]) {
    if let Some(slot) = at
        .checked_add(src.len())
        .and_then(|end| dst.get_mut(at..end))
    {
        slot.copy_from_slice(src);
    }
}

// ---- reserve items: batch ‖ bin ‖ address → stamp ‖ kind ‖ bin id ----

/// The reserve item key `batch ‖ bin ‖ address`.
pub(crate) fn item_key(batch: &B256, bin: u8, address: &B256) -> [u8; ITEM_KEY_SIZE] {
    let mut key = [0u8; ITEM_KEY_SIZE];
    put(&mut key, 0, batch.as_slice());
    put(&mut key, 32, &[bin]);
    put(&mut key, 33, address.as_slice());
    key
}

/// The first key of `batch`'s items in `bin` (inclusive bound of a range scan).
pub(crate) fn item_bin_start(batch: &B256, bin: u8) -> [u8; ITEM_KEY_SIZE] {
    let mut key = [0u8; ITEM_KEY_SIZE];
    put(&mut key, 0, batch.as_slice());
    put(&mut key, 32, &[bin]);
    key
}

/// Splits an item key into batch, bin and address.
pub(crate) fn split_item_key(key: &[u8; ITEM_KEY_SIZE]) -> (B256, u8, B256) {
    let [bin] = take::<1>(key, 32);
    (
        B256::from(take::<32>(key, 0)),
        bin,
        B256::from(take::<32>(key, 33)),
    )
}

/// A decoded reserve item value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ItemValue {
    pub(crate) stamp: [u8; STAMP_SIZE],
    pub(crate) kind: ChunkType,
    pub(crate) bin_id: u64,
}

impl ItemValue {
    pub(crate) fn encode(&self) -> [u8; ITEM_VALUE_SIZE] {
        let mut value = [0u8; ITEM_VALUE_SIZE];
        put(&mut value, 0, &self.stamp);
        put(&mut value, STAMP_SIZE, &[encode_kind(self.kind)]);
        put(
            &mut value,
            ITEM_VALUE_SIZE.saturating_sub(8),
            &self.bin_id.to_be_bytes(),
        );
        value
    }

    pub(crate) fn decode(value: &[u8; ITEM_VALUE_SIZE]) -> Result<Self, StoreError> {
        let [kind] = take::<1>(value, STAMP_SIZE);
        Ok(Self {
            stamp: take::<STAMP_SIZE>(value, 0),
            kind: decode_kind(kind)?,
            bin_id: u64::from_be_bytes(take::<8>(value, ITEM_VALUE_SIZE.saturating_sub(8))),
        })
    }

    /// The stamp's batch-local index as the contract's `uint64` (bytes 32..40 of the stamp).
    pub(crate) fn stamp_index(&self) -> u64 {
        u64::from_be_bytes(take::<8>(&self.stamp, 32))
    }

    /// The stamp's timestamp in ns (bytes 40..48 of the stamp).
    pub(crate) fn timestamp(&self) -> u64 {
        u64::from_be_bytes(take::<8>(&self.stamp, 40))
    }

    /// The parsed stamp.
    pub(crate) fn parse_stamp(&self) -> Result<Stamp, StoreError> {
        Stamp::from_bytes(&self.stamp)
            .map_err(|e| StoreError::corrupt("reserve_items", format!("stamp: {e}")))
    }
}

fn encode_kind(kind: ChunkType) -> u8 {
    match kind {
        ChunkType::Content => 0,
        ChunkType::SingleOwner => 1,
    }
}

fn decode_kind(byte: u8) -> Result<ChunkType, StoreError> {
    match byte {
        0 => Ok(ChunkType::Content),
        1 => Ok(ChunkType::SingleOwner),
        other => Err(StoreError::corrupt(
            "reserve_items",
            format!("chunk type {other}"),
        )),
    }
}

// ---- stamp index: batch ‖ index → address ‖ timestamp ----

/// The stamp-index key `batch ‖ u64be(index)`.
pub(crate) fn stamp_index_key(batch: &B256, index: u64) -> [u8; 40] {
    let mut key = [0u8; 40];
    put(&mut key, 0, batch.as_slice());
    put(&mut key, 32, &index.to_be_bytes());
    key
}

/// The stamp-index value `address ‖ u64be(timestamp)`.
pub(crate) fn stamp_slot(address: &B256, timestamp: u64) -> [u8; 40] {
    let mut value = [0u8; 40];
    put(&mut value, 0, address.as_slice());
    put(&mut value, 32, &timestamp.to_be_bytes());
    value
}

/// Splits a stamp-index value into address and timestamp.
pub(crate) fn split_stamp_slot(value: &[u8; 40]) -> (B256, u64) {
    (
        B256::from(take::<32>(value, 0)),
        u64::from_be_bytes(take::<8>(value, 32)),
    )
}

// ---- pull index: bin ‖ bin id → address ‖ batch ----

/// The pull-index key `bin ‖ u64be(bin id)`.
pub(crate) fn pull_key(bin: u8, bin_id: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    put(&mut key, 0, &[bin]);
    put(&mut key, 1, &bin_id.to_be_bytes());
    key
}

/// Splits a pull-index key into bin and bin id.
pub(crate) fn split_pull_key(key: &[u8; 9]) -> (u8, u64) {
    let [bin] = take::<1>(key, 0);
    (bin, u64::from_be_bytes(take::<8>(key, 1)))
}

/// The pull-index value `address ‖ batch`.
pub(crate) fn pull_value(address: &B256, batch: &B256) -> [u8; 64] {
    pair(address, batch)
}

/// Two 32-byte words side by side.
pub(crate) fn pair(first: &B256, second: &B256) -> [u8; 64] {
    let mut out = [0u8; 64];
    put(&mut out, 0, first.as_slice());
    put(&mut out, 32, second.as_slice());
    out
}

/// Splits 64 bytes into two 32-byte words.
pub(crate) fn split_pair(bytes: &[u8; 64]) -> (B256, B256) {
    (
        B256::from(take::<32>(bytes, 0)),
        B256::from(take::<32>(bytes, 32)),
    )
}

// ---- per-bin counters in reserve_meta ----

/// 32 counters as 32 × u64be.
pub(crate) fn encode_bins(bins: &[u64; 32]) -> [u8; 256] {
    let mut out = [0u8; 256];
    for (i, count) in bins.iter().enumerate() {
        put(&mut out, i.saturating_mul(8), &count.to_be_bytes());
    }
    out
}

/// 32 counters from 32 × u64be.
pub(crate) fn decode_bins(bytes: &[u8]) -> Result<[u64; 32], StoreError> {
    if bytes.len() != 256 {
        return Err(StoreError::corrupt(
            "reserve_meta",
            format!("bin counters of {} bytes", bytes.len()),
        ));
    }
    let mut bins = [0u64; 32];
    for (i, count) in bins.iter_mut().enumerate() {
        *count = u64::from_be_bytes(take::<8>(bytes, i.saturating_mul(8)));
    }
    Ok(bins)
}

// ---- batch records: owner ‖ depth ‖ bucket depth ‖ immutable ‖ value ‖ start block ----

/// Encodes a batch record without its id (the id is the key).
pub(crate) fn encode_batch(batch: &Batch) -> [u8; BATCH_SIZE] {
    let mut out = [0u8; BATCH_SIZE];
    put(&mut out, 0, batch.owner.as_slice());
    put(
        &mut out,
        20,
        &[batch.depth, batch.bucket_depth, u8::from(batch.immutable)],
    );
    put(&mut out, 23, &batch.value.to_be_bytes::<32>());
    put(&mut out, 55, &batch.start_block.to_be_bytes());
    out
}

/// Decodes a batch record stored under `id`.
pub(crate) fn decode_batch(
    table: &'static str,
    id: &B256,
    bytes: &[u8; BATCH_SIZE],
) -> Result<Batch, StoreError> {
    let [depth, bucket_depth, immutable] = take::<3>(bytes, 20);
    let immutable = match immutable {
        0 => false,
        1 => true,
        other => {
            return Err(StoreError::corrupt(
                table,
                format!("immutable flag {other}"),
            ))
        }
    };
    Ok(Batch {
        id: *id,
        owner: Address::from(take::<20>(bytes, 0)),
        depth,
        bucket_depth,
        immutable,
        value: U256::from_be_bytes(take::<32>(bytes, 23)),
        start_block: u64::from_be_bytes(take::<8>(bytes, 55)),
    })
}

/// The `batches_by_value` key `u256be(value) ‖ id`.
pub(crate) fn value_key(value: &U256, id: &B256) -> [u8; 64] {
    pair(&B256::from(value.to_be_bytes::<32>()), id)
}

/// Splits a `batches_by_value` key.
pub(crate) fn split_value_key(key: &[u8; 64]) -> (U256, B256) {
    let (value, id) = split_pair(key);
    (U256::from_be_bytes(value.0), id)
}

// ---- issuer buckets and items ----

/// The issuer bucket key `batch ‖ u32be(bucket)`.
pub(crate) fn bucket_key(batch: &B256, bucket: u32) -> [u8; 36] {
    let mut key = [0u8; 36];
    put(&mut key, 0, batch.as_slice());
    put(&mut key, 32, &bucket.to_be_bytes());
    key
}

/// The bucket number of an issuer bucket key.
pub(crate) fn bucket_of_key(key: &[u8; 36]) -> u32 {
    u32::from_be_bytes(take::<4>(key, 32))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_round_trip_and_sort_numerically() {
        let batch = B256::repeat_byte(7);
        let address = B256::repeat_byte(9);
        assert_eq!(
            split_item_key(&item_key(&batch, 5, &address)),
            (batch, 5, address)
        );
        assert!(pull_key(1, 0xff) < pull_key(1, 0x100));
        assert!(pull_key(1, u64::MAX) < pull_key(2, 0));
        assert_eq!(split_pull_key(&pull_key(3, 77)), (3, 77));
        let small = value_key(&U256::from(255u64), &batch);
        let large = value_key(&U256::from(256u64), &B256::ZERO);
        assert!(small < large);
        assert_eq!(split_value_key(&small), (U256::from(255u64), batch));
    }

    #[test]
    fn batch_record_round_trips() {
        let batch = Batch {
            id: B256::repeat_byte(1),
            owner: Address::repeat_byte(2),
            depth: 20,
            bucket_depth: 16,
            immutable: true,
            value: U256::from(123_456_789u64),
            start_block: 42,
        };
        let decoded = decode_batch("batches", &batch.id, &encode_batch(&batch)).unwrap();
        assert_eq!(decoded, batch);
    }
}
