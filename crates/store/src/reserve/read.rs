//! Reading the reserve: chunks, items, sizes and the iteration the sampler uses.

use comb_postage::Stamp;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, B256};
use redb::{ReadableDatabase, ReadableTable};

use crate::codec::{item_bin_start, item_key, split_item_key, ItemValue};
use crate::reserve::counters::Counters;
use crate::reserve::slices::{ChunksTable, ItemsTable, KeySlice};
use crate::reserve::{Reserve, ReserveItem, BINS};
use crate::tables::{ADDRESS_BATCHES, CHUNKS, ITEMS, ITEM_KEY_SIZE, RESERVE_BATCHES, RESERVE_META};
use crate::StoreError;

/// One past the last bin: the exclusive upper bound of a bin range.
const BIN_END: u8 = BINS as u8;

impl Reserve {
    /// The chunk stored at `address` under any batch.
    pub fn get(&self, address: &B256) -> Result<Option<Chunk>, StoreError> {
        let txn = self.db().begin_read()?;
        let chunks = txn.open_table(CHUNKS)?;
        Ok(chunks
            .get(&address.0)?
            .map(|data| Chunk::new_unchecked(*address, data.value().to_vec())))
    }

    /// Whether the reserve holds the chunk at `address` under any batch.
    pub fn has(&self, address: &B256) -> Result<bool, StoreError> {
        let txn = self.db().begin_read()?;
        let chunks = txn.open_table(CHUNKS)?;
        Ok(chunks.get(&address.0)?.is_some())
    }

    /// The chunk at `address` with one of the stamps it is stored under (the first batch in
    /// id order): what retrieval and pushsync hand to a peer.
    pub fn get_with_stamp(&self, address: &B256) -> Result<Option<(Chunk, Stamp)>, StoreError> {
        let batch = {
            let txn = self.db().begin_read()?;
            let index = txn.open_table(ADDRESS_BATCHES)?;
            let start = crate::reserve::txn::address_batch_key(address, &B256::ZERO);
            let end = crate::reserve::txn::address_batch_key(address, &B256::repeat_byte(0xff));
            let first = index
                .range::<&[u8; 64]>(&start..=&end)?
                .next()
                .transpose()?;
            match first {
                Some((key, _)) => B256::from_slice(&key.value()[32..]),
                None => return Ok(None),
            }
        };
        let (Some(chunk), Some(stamp)) = (self.get(address)?, self.stamp_of(address, &batch)?)
        else {
            return Ok(None);
        };
        Ok(Some((chunk, stamp)))
    }

    /// The stamp the chunk at `address` is stored under in `batch` (spec §2.9, §6.1 step 5).
    pub fn stamp_of(&self, address: &B256, batch: &B256) -> Result<Option<Stamp>, StoreError> {
        Ok(self.item(address, batch)?.map(|item| item.stamp))
    }

    /// The reserve item of the chunk at `address` under `batch`.
    pub fn item(&self, address: &B256, batch: &B256) -> Result<Option<ReserveItem>, StoreError> {
        let bin = self.bin_of(address);
        let txn = self.db().begin_read()?;
        let items = txn.open_table(ITEMS)?;
        let Some(value) = items.get(&item_key(batch, bin, address))? else {
            return Ok(None);
        };
        let value = ItemValue::decode(value.value())?;
        Ok(Some(ReserveItem {
            address: *address,
            batch_id: *batch,
            bin,
            bin_id: value.bin_id,
            kind: value.kind,
            stamp: value.parse_stamp()?,
        }))
    }

    /// Reserve items in each bin (spec §7).
    pub fn bin_sizes(&self) -> Result<[u64; BINS], StoreError> {
        Ok(self.counters()?.bin_counts)
    }

    /// Reserve items: what the capacity is measured against (spec §7). A chunk under two
    /// batches counts twice.
    pub fn size(&self) -> Result<u64, StoreError> {
        Ok(self.counters()?.total())
    }

    /// Reserve items in bins `≥` the storage radius: the node's area of responsibility, what
    /// the radius decrease compares with half the capacity (spec §7).
    pub fn size_within_radius(&self) -> Result<u64, StoreError> {
        let radius = self.storage_radius()?;
        Ok(self.counters()?.within(radius))
    }

    /// Whether the reserve holds more items than its capacity (spec §7): time to call
    /// [`Reserve::unreserve`].
    pub fn is_over_capacity(&self) -> Result<bool, StoreError> {
        Ok(self.size()? > self.capacity())
    }

    /// The batches the reserve holds items of, with their item counts.
    pub fn batches(&self) -> Result<Vec<(B256, u64)>, StoreError> {
        let txn = self.db().begin_read()?;
        let batches = txn.open_table(RESERVE_BATCHES)?;
        let mut out = Vec::new();
        for entry in batches.iter()? {
            let (id, count) = entry?;
            out.push((B256::from(*id.value()), count.value()));
        }
        Ok(out)
    }

    /// Calls `f` with every reserve item in bins `≥ radius` (spec §6.1 step 1): the chunk, its
    /// type and its stamp, batch by batch, in one read transaction (a consistent snapshot;
    /// writers are not blocked). A chunk stored under several batches is offered once per
    /// batch. Items whose chunk data or stamp does not load are skipped (§6.1 step 4).
    /// Returns the number of items offered.
    pub fn iterate_for_sample<F>(&self, radius: u8, mut f: F) -> Result<u64, StoreError>
    where
        F: FnMut(&Chunk, ChunkType, &Stamp),
    {
        let txn = self.db().begin_read()?;
        let batches = txn.open_table(RESERVE_BATCHES)?;
        let items = txn.open_table(ITEMS)?;
        let chunks = txn.open_table(CHUNKS)?;
        let first_bin = radius.min(BIN_END);
        let mut offered = 0u64;
        for entry in batches.iter()? {
            let (batch, _) = entry?;
            let batch = B256::from(*batch.value());
            let start = item_bin_start(&batch, first_bin);
            let end = item_bin_start(&batch, BIN_END);
            let slice = KeySlice { start, end };
            offered = offered.saturating_add(for_each_item(&items, &chunks, &slice, &mut f)?);
        }
        Ok(offered)
    }

    pub(crate) fn counters(&self) -> Result<Counters, StoreError> {
        let txn = self.db().begin_read()?;
        let meta = txn.open_table(RESERVE_META)?;
        Counters::load(&meta)
    }
}

/// Calls `f` with every item whose key is in `slice`, in key order, with its chunk, type and
/// stamp; items whose chunk data or stamp does not load are skipped (spec §6.1 step 4).
/// Returns the number of items offered.
pub(crate) fn for_each_item<F>(
    items: &ItemsTable,
    chunks: &ChunksTable,
    slice: &KeySlice,
    f: &mut F,
) -> Result<u64, StoreError>
where
    F: FnMut(&Chunk, ChunkType, &Stamp),
{
    let mut offered = 0u64;
    for entry in items.range::<&[u8; ITEM_KEY_SIZE]>(&slice.start..&slice.end)? {
        let (key, value) = entry?;
        let (_, _, address) = split_item_key(key.value());
        let Ok(item) = ItemValue::decode(value.value()) else {
            continue;
        };
        let Ok(stamp) = item.parse_stamp() else {
            continue;
        };
        let Some(data) = chunks.get(&address.0)? else {
            continue;
        };
        let chunk = Chunk::new_unchecked(address, data.value().to_vec());
        f(&chunk, item.kind, &stamp);
        offered = offered.saturating_add(1);
    }
    Ok(offered)
}
