//! Cutting the reserve's sample range into consecutive key slices for the parallel sampler
//! (spec §6.1 step 1): the item keys `batch || bin || address` of bins `≥` the radius, in
//! the order the sequential sampler reads them, split into slices of about the same size.

use comb_primitives::{B256, U256};
use redb::{ReadOnlyTable, ReadableDatabase, ReadableTable};

use crate::codec::{item_bin_start, item_key};
use crate::reserve::{Reserve, BINS};
use crate::tables::{ITEM_KEY_SIZE, ITEM_VALUE_SIZE, RESERVE_BATCHES};
use crate::StoreError;

/// One past the last bin.
const BIN_END: u8 = BINS as u8;

/// At most this many slices per bin of a batch.
const MAX_PARTS: u64 = 256;

/// A half-open range of item keys `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeySlice {
    pub(crate) start: [u8; ITEM_KEY_SIZE],
    pub(crate) end: [u8; ITEM_KEY_SIZE],
}

/// The read-only item table of one snapshot.
pub(crate) type ItemsTable =
    ReadOnlyTable<&'static [u8; ITEM_KEY_SIZE], &'static [u8; ITEM_VALUE_SIZE]>;

/// The read-only chunk table of one snapshot.
pub(crate) type ChunksTable = ReadOnlyTable<&'static [u8; 32], &'static [u8]>;

impl Reserve {
    /// Consecutive key slices covering every item of bins `≥ radius`, in key order (batch by
    /// batch, bin by bin), each expected to hold about `slice_items` items. A bin of a batch
    /// is split by address: its addresses share their first `bin + 1` bits (the overlay's
    /// first `bin` bits, then the flipped bit), the rest are uniform.
    pub(crate) fn sample_slices(
        &self,
        radius: u8,
        slice_items: u64,
    ) -> Result<Vec<KeySlice>, StoreError> {
        let counters = self.counters()?;
        let total = counters.total().max(1);
        let txn = self.db().begin_read()?;
        let batches = txn.open_table(RESERVE_BATCHES)?;
        let first_bin = radius.min(BIN_END);
        let slice_items = slice_items.max(1);
        let mut slices = Vec::new();
        for entry in batches.iter()? {
            let (batch, count) = entry?;
            let batch = B256::from(*batch.value());
            let count = count.value();
            for bin in first_bin..BIN_END {
                let in_bin = counters
                    .bin_counts
                    .get(usize::from(bin))
                    .copied()
                    .unwrap_or(0);
                // Expected items of this batch in this bin, assuming batches spread alike.
                let expected = u128::from(count)
                    .saturating_mul(u128::from(in_bin))
                    .checked_div(u128::from(total))
                    .unwrap_or(0);
                let parts = expected
                    .checked_div(u128::from(slice_items))
                    .and_then(|parts| u64::try_from(parts).ok())
                    .unwrap_or(MAX_PARTS)
                    .saturating_add(1)
                    .min(MAX_PARTS);
                self.split_bin(&batch, bin, parts, &mut slices);
            }
        }
        Ok(slices)
    }

    /// Appends `parts` consecutive slices covering exactly the keys of `bin` under `batch`.
    fn split_bin(&self, batch: &B256, bin: u8, parts: u64, out: &mut Vec<KeySlice>) {
        let bin_start = item_bin_start(batch, bin);
        let bin_end = item_bin_start(batch, bin.saturating_add(1));
        // Bits every address of the bin shares with (a variant of) the overlay; the last bin
        // holds every PO from 31 up, so its 32nd bit is free.
        let fixed = if usize::from(bin).saturating_add(1) >= BINS {
            u32::from(bin)
        } else {
            u32::from(bin).saturating_add(1)
        };
        let overlay = U256::from_be_bytes(self.overlay().0);
        let free = 256u32.saturating_sub(fixed) as usize;
        let width = U256::from(1u8).checked_shl(free).unwrap_or(U256::MAX);
        // The overlay's first `fixed` bits, the rest zero.
        let mut low = overlay & !width.saturating_sub(U256::from(1u8));
        if fixed == u32::from(bin).saturating_add(1) {
            // The bin's own bit differs from the overlay's.
            let bit = 255usize.saturating_sub(usize::from(bin));
            low ^= U256::from(1u8).checked_shl(bit).unwrap_or(U256::ZERO);
        }
        let step = width.checked_div(U256::from(parts)).unwrap_or(width);
        let mut start = bin_start;
        for part in 1..parts {
            let boundary = low.saturating_add(step.saturating_mul(U256::from(part)));
            let end = item_key(batch, bin, &B256::from(boundary.to_be_bytes::<32>()));
            out.push(KeySlice { start, end });
            start = end;
        }
        out.push(KeySlice {
            start,
            end: bin_end,
        });
    }
}
