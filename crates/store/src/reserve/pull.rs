//! The pull index: per bin, items in arrival order, for pull sync (spec §7; Bee's
//! `SubscribeBin` / `ReserveLastBinIDs`).
//!
//! Every item inserted into a bin gets that bin's next bin id (1, 2, 3, …); ids are never
//! reused, also after removals, so a peer that has synced a bin up to id `n` continues from
//! `n + 1` and never sees an item twice. A replaced item (spec §2.9) is a new item with a new
//! id.

use comb_primitives::B256;
use redb::ReadableDatabase;

use crate::codec::{pull_key, split_pair, split_pull_key};
use crate::reserve::{Reserve, BINS};
use crate::tables::PULL_INDEX;
use crate::StoreError;

/// One entry of a bin's pull index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullItem {
    /// Position in the bin, increasing in arrival order.
    pub bin_id: u64,
    /// The chunk address.
    pub address: B256,
    /// The batch the chunk is stored under.
    pub batch_id: B256,
}

impl Reserve {
    /// Up to `limit` items of `bin` with bin id `≥ from_bin_id`, ascending by bin id.
    pub fn pull(
        &self,
        bin: u8,
        from_bin_id: u64,
        limit: usize,
    ) -> Result<Vec<PullItem>, StoreError> {
        let txn = self.db().begin_read()?;
        let pull = txn.open_table(PULL_INDEX)?;
        let start = pull_key(bin, from_bin_id);
        let end = pull_key(bin, u64::MAX);
        let mut out = Vec::new();
        for entry in pull.range::<&[u8; 9]>(&start..=&end)? {
            if out.len() >= limit {
                break;
            }
            let (key, value) = entry?;
            let (_, bin_id) = split_pull_key(key.value());
            let (address, batch_id) = split_pair(value.value());
            out.push(PullItem {
                bin_id,
                address,
                batch_id,
            });
        }
        Ok(out)
    }

    /// The highest bin id assigned in each bin (0 for a bin that never held an item): the
    /// cursors a peer compares with its own progress.
    pub fn bin_cursors(&self) -> Result<[u64; BINS], StoreError> {
        Ok(self.counters()?.bin_ids)
    }
}
