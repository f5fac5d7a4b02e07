//! The reserve's per-bin counters, kept in `reserve_meta` and updated in the same write
//! transaction as the items they count.

use redb::{ReadableTable, Table};

use crate::codec::{decode_bins, encode_bins};
use crate::reserve::BINS;
use crate::StoreError;

const META_BIN_COUNTS: &str = "bin_counts";
const META_BIN_IDS: &str = "bin_ids";

/// Items per bin and the last bin id handed out per bin (the pull-sync cursors, spec §7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    /// Reserve items in each bin.
    pub(crate) bin_counts: [u64; BINS],
    /// The highest bin id assigned in each bin; bin ids start at 1 and never repeat, even
    /// after removals, so a pull cursor never sees an id twice.
    pub(crate) bin_ids: [u64; BINS],
}

impl Counters {
    /// Reads the counters (zero for a new reserve).
    pub(crate) fn load(
        meta: &impl ReadableTable<&'static str, &'static [u8]>,
    ) -> Result<Self, StoreError> {
        let read = |name: &str| -> Result<[u64; BINS], StoreError> {
            match meta.get(name)? {
                Some(bytes) => decode_bins(bytes.value()),
                None => Ok([0; BINS]),
            }
        };
        Ok(Self {
            bin_counts: read(META_BIN_COUNTS)?,
            bin_ids: read(META_BIN_IDS)?,
        })
    }

    /// Writes the counters back.
    pub(crate) fn store(
        &self,
        meta: &mut Table<'_, &'static str, &'static [u8]>,
    ) -> Result<(), StoreError> {
        meta.insert(META_BIN_COUNTS, encode_bins(&self.bin_counts).as_slice())?;
        meta.insert(META_BIN_IDS, encode_bins(&self.bin_ids).as_slice())?;
        Ok(())
    }

    /// Assigns the next bin id of `bin`.
    pub(crate) fn next_bin_id(&mut self, bin: u8) -> Result<u64, StoreError> {
        let slot = self
            .bin_ids
            .get_mut(usize::from(bin))
            .ok_or(StoreError::Overflow("bin beyond 31"))?;
        *slot = slot.checked_add(1).ok_or(StoreError::Overflow("bin id"))?;
        Ok(*slot)
    }

    /// Counts one more item in `bin`.
    pub(crate) fn add(&mut self, bin: u8) -> Result<(), StoreError> {
        let slot = self
            .bin_counts
            .get_mut(usize::from(bin))
            .ok_or(StoreError::Overflow("bin beyond 31"))?;
        *slot = slot
            .checked_add(1)
            .ok_or(StoreError::Overflow("bin count"))?;
        Ok(())
    }

    /// Counts one item less in `bin`.
    pub(crate) fn sub(&mut self, bin: u8) {
        if let Some(slot) = self.bin_counts.get_mut(usize::from(bin)) {
            *slot = slot.saturating_sub(1);
        }
    }

    /// Items in all bins.
    pub(crate) fn total(&self) -> u64 {
        self.bin_counts
            .iter()
            .fold(0u64, |sum, count| sum.saturating_add(*count))
    }

    /// Items in bins `≥ radius`.
    pub(crate) fn within(&self, radius: u8) -> u64 {
        self.bin_counts
            .iter()
            .skip(usize::from(radius))
            .fold(0u64, |sum, count| sum.saturating_add(*count))
    }
}
