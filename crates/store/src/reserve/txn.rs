//! The reserve's tables inside one write transaction, and the two primitive mutations every
//! write is made of: insert one item, remove one item.
//!
//! [`ReserveTxn::remove_item`] is the only way an item leaves the reserve: the overwrite rule,
//! [`crate::Reserve::remove`], batch eviction, expiry purges and capacity eviction all go
//! through it. Pinning (a later issue) hooks in there: a pinned chunk's data must then
//! survive the removal of its last reserve item.

use comb_postage::Stamp;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, B256};
use redb::{ReadableTable, Table, WriteTransaction};

use crate::codec::{
    item_key, pull_key, pull_value, split_stamp_slot, stamp_index_key, stamp_slot, ItemValue,
};
use crate::reserve::counters::Counters;
use crate::tables::{
    ADDRESS_BATCHES, CHUNKS, CHUNK_REFS, ITEMS, ITEM_KEY_SIZE, ITEM_VALUE_SIZE, PULL_INDEX,
    RESERVE_BATCHES, RESERVE_META, STAMP_INDEX,
};
use crate::StoreError;

/// The reserve tables opened in one write transaction, with the per-bin counters loaded.
/// Call [`ReserveTxn::finish`] before committing so the counters are written back.
pub(crate) struct ReserveTxn<'txn> {
    chunks: Table<'txn, &'static [u8; 32], &'static [u8]>,
    refs: Table<'txn, &'static [u8; 32], u32>,
    pub(crate) items: Table<'txn, &'static [u8; ITEM_KEY_SIZE], &'static [u8; ITEM_VALUE_SIZE]>,
    stamp_index: Table<'txn, &'static [u8; 40], &'static [u8; 40]>,
    pull: Table<'txn, &'static [u8; 9], &'static [u8; 64]>,
    batches: Table<'txn, &'static [u8; 32], u64>,
    address_batches: Table<'txn, &'static [u8; 64], ()>,
    meta: Table<'txn, &'static str, &'static [u8]>,
    pub(crate) counters: Counters,
}

/// Key of [`ADDRESS_BATCHES`]: address ‖ batch.
pub(crate) fn address_batch_key(address: &B256, batch: &B256) -> [u8; 64] {
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(address.as_slice());
    key[32..].copy_from_slice(batch.as_slice());
    key
}

impl<'txn> ReserveTxn<'txn> {
    /// Opens the reserve tables in `txn`.
    pub(crate) fn open(txn: &'txn WriteTransaction) -> Result<Self, StoreError> {
        let meta = txn.open_table(RESERVE_META)?;
        let counters = Counters::load(&meta)?;
        Ok(Self {
            chunks: txn.open_table(CHUNKS)?,
            refs: txn.open_table(CHUNK_REFS)?,
            items: txn.open_table(ITEMS)?,
            stamp_index: txn.open_table(STAMP_INDEX)?,
            pull: txn.open_table(PULL_INDEX)?,
            batches: txn.open_table(RESERVE_BATCHES)?,
            address_batches: txn.open_table(ADDRESS_BATCHES)?,
            meta,
            counters,
        })
    }

    /// Writes the counters back; the caller commits the transaction afterwards.
    pub(crate) fn finish(mut self) -> Result<(), StoreError> {
        let counters = self.counters;
        counters.store(&mut self.meta)
    }

    /// The item of `address` under `batch` in `bin`, if stored.
    pub(crate) fn item(
        &self,
        batch: &B256,
        bin: u8,
        address: &B256,
    ) -> Result<Option<ItemValue>, StoreError> {
        match self.items.get(&item_key(batch, bin, address))? {
            Some(value) => Ok(Some(ItemValue::decode(value.value())?)),
            None => Ok(None),
        }
    }

    /// Who occupies the stamp slot `(batch, index)`: the address and the stamp timestamp.
    pub(crate) fn stamp_slot(
        &self,
        batch: &B256,
        index: u64,
    ) -> Result<Option<(B256, u64)>, StoreError> {
        Ok(self
            .stamp_index
            .get(&stamp_index_key(batch, index))?
            .map(|value| split_stamp_slot(value.value())))
    }

    /// Inserts a new item for `chunk` under `stamp` in `bin` into every index: the data
    /// (stored once, reference-counted), the item, the stamp slot, the pull index with the
    /// bin's next id, the batch count and the bin count. The caller has checked that neither
    /// the item nor the stamp slot is taken.
    /// The stored data of `address`, if the reserve holds the chunk under any batch.
    pub(crate) fn chunk_data(&self, address: &B256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.chunks.get(&address.0)?.map(|v| v.value().to_vec()))
    }

    pub(crate) fn insert_item(
        &mut self,
        chunk: &Chunk,
        stamp: &Stamp,
        kind: ChunkType,
        bin: u8,
    ) -> Result<(), StoreError> {
        let address = chunk.address();
        let batch = &stamp.batch_id;
        self.retain_chunk(chunk)?;
        let bin_id = self.counters.next_bin_id(bin)?;
        let value = ItemValue {
            stamp: stamp.to_bytes(),
            kind,
            bin_id,
        };
        self.items
            .insert(&item_key(batch, bin, address), &value.encode())?;
        self.stamp_index.insert(
            &stamp_index_key(batch, stamp.index.as_u64()),
            &stamp_slot(address, stamp.timestamp),
        )?;
        self.pull
            .insert(&pull_key(bin, bin_id), &pull_value(address, batch))?;
        self.address_batches
            .insert(&address_batch_key(address, batch), ())?;
        let count = self.batches.get(&batch.0)?.map_or(0, |v| v.value());
        let count = count
            .checked_add(1)
            .ok_or(StoreError::Overflow("batch item count"))?;
        self.batches.insert(&batch.0, count)?;
        self.counters.add(bin)
    }

    /// Removes the item of `address` under `batch` (in `bin`) from every index, releasing the
    /// chunk data when no other item refers to it. Returns whether the item existed.
    ///
    /// Every removal from the reserve goes through here (see the module documentation).
    pub(crate) fn remove_item(
        &mut self,
        batch: &B256,
        bin: u8,
        address: &B256,
    ) -> Result<bool, StoreError> {
        let removed = self
            .items
            .remove(&item_key(batch, bin, address))?
            .map(|value| *value.value());
        let Some(value) = removed else {
            return Ok(false);
        };
        let item = ItemValue::decode(&value)?;
        let slot_key = stamp_index_key(batch, item.stamp_index());
        let slot_is_ours = self
            .stamp_index
            .get(&slot_key)?
            .is_some_and(|slot| split_stamp_slot(slot.value()).0 == *address);
        if slot_is_ours {
            self.stamp_index.remove(&slot_key)?;
        }
        self.pull.remove(&pull_key(bin, item.bin_id))?;
        self.address_batches
            .remove(&address_batch_key(address, batch))?;
        self.release_chunk(address)?;
        let count = self.batches.get(&batch.0)?.map_or(0, |v| v.value());
        match count.saturating_sub(1) {
            0 => {
                self.batches.remove(&batch.0)?;
            }
            left => {
                self.batches.insert(&batch.0, left)?;
            }
        }
        self.counters.sub(bin);
        Ok(true)
    }

    /// Stores the chunk data if no item refers to it yet, and counts one more reference. The
    /// data first stored under an address is kept.
    fn retain_chunk(&mut self, chunk: &Chunk) -> Result<(), StoreError> {
        let address = &chunk.address().0;
        let refs = self.refs.get(address)?.map_or(0, |v| v.value());
        if refs == 0 {
            self.chunks.insert(address, chunk.data())?;
        }
        let refs = refs
            .checked_add(1)
            .ok_or(StoreError::Overflow("chunk reference count"))?;
        self.refs.insert(address, refs)?;
        Ok(())
    }

    /// Counts one reference less, deleting the data with the last one.
    fn release_chunk(&mut self, address: &B256) -> Result<(), StoreError> {
        let refs = self.refs.get(&address.0)?.map_or(0, |v| v.value());
        match refs.saturating_sub(1) {
            0 => {
                self.refs.remove(&address.0)?;
                self.chunks.remove(&address.0)?;
            }
            left => {
                self.refs.insert(&address.0, left)?;
            }
        }
        Ok(())
    }
}
