//! Evicting reserve items: whole batches (expiry), and Bee's `unreserve` when the reserve is
//! over capacity (spec §7).
//!
//! **The capacity rule** ([`Reserve::unreserve`]). With `size > capacity`, the target is to
//! evict `size − capacity` items:
//! 1. Order the batches the reserve holds by value, cheapest first (ties by batch id).
//!    Batches the lookup does not know (expired or never seen) count as value 0 and go first.
//! 2. A *pass* at horizon `h` walks that order and evicts each batch's items in bins `< h`,
//!    shallowest bin first, stopping as soon as the target is met.
//! 3. The first pass runs at the current storage radius. After each pass that falls short,
//!    the radius is raised by 1 and persisted, and the next pass runs at the new radius.
//! 4. The radius stops at 31 (Bee's PO cap). If the pass at 31 still falls short, a last pass
//!    runs over every bin (horizon 32): only then are items at or above the radius — the
//!    node's own neighbourhood — evicted, still cheapest batch first.
//!
//! Every removal goes through one function (`ReserveTxn::remove_item`), where pinning will
//! hook in. Evictions commit in transactions of at most 4096 items; each is durable, and an
//! interrupted eviction simply resumes on the next call.

use comb_postage::BatchLookup;
use comb_primitives::{B256, MAX_PO, U256};
use redb::ReadableTable;

use crate::codec::{item_bin_start, split_item_key};
use crate::reserve::{Reserve, ReserveTxn, BINS};
use crate::tables::ITEM_KEY_SIZE;
use crate::StoreError;

/// Items removed per write transaction while evicting.
const EVICT_TXN_ITEMS: u64 = 4096;

/// One past the last bin: a horizon covering every bin.
const ALL_BINS: u8 = BINS as u8;

/// What [`Reserve::unreserve`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreserve {
    /// Items evicted.
    pub evicted: u64,
    /// The storage radius afterwards (raised by the passes that fell short).
    pub radius: u8,
}

impl Reserve {
    /// Evicts every item of `batch` from every index; returns how many.
    pub fn evict_batch(&self, batch: &B256) -> Result<u64, StoreError> {
        self.evict_batch_below(batch, ALL_BINS, u64::MAX)
    }

    /// Removes all items of the given (expired) batches (spec §2.6: a batch is gone once its
    /// value ≤ the total amount; see [`crate::BatchStore::remove_expired`]). Returns how many
    /// items were removed.
    pub fn purge_expired(&self, batches: &[B256]) -> Result<u64, StoreError> {
        batches.iter().try_fold(0u64, |sum, batch| {
            Ok(sum.saturating_add(self.evict_batch(batch)?))
        })
    }

    /// Brings the reserve back to its capacity by the rule in the module documentation
    /// (spec §7, Bee's `unreserve`); `batches` gives the batch values (the batch store).
    pub fn unreserve(&self, batches: &impl BatchLookup) -> Result<Unreserve, StoreError> {
        let mut radius = self.storage_radius()?;
        let mut target = self.size()?.saturating_sub(self.capacity());
        let mut evicted = 0u64;
        if target == 0 {
            return Ok(Unreserve { evicted, radius });
        }
        let mut order: Vec<(U256, B256)> = self
            .batches()?
            .into_iter()
            .map(|(id, _)| {
                let value = batches.batch(&id).map_or(U256::ZERO, |batch| batch.value);
                (value, id)
            })
            .collect();
        order.sort();

        let mut horizon = radius;
        loop {
            for (_, batch) in &order {
                if target == 0 {
                    break;
                }
                let n = self.evict_batch_below(batch, horizon, target)?;
                target = target.saturating_sub(n);
                evicted = evicted.saturating_add(n);
            }
            if target == 0 || horizon >= ALL_BINS {
                break;
            }
            if radius < MAX_PO {
                radius = radius.saturating_add(1);
                self.set_storage_radius(radius)?;
                horizon = radius;
            } else {
                horizon = ALL_BINS;
            }
        }
        Ok(Unreserve { evicted, radius })
    }

    /// Evicts up to `limit` items of `batch` in bins `< horizon`, shallowest bin first.
    fn evict_batch_below(&self, batch: &B256, horizon: u8, limit: u64) -> Result<u64, StoreError> {
        let start = item_bin_start(batch, 0);
        let end = item_bin_start(batch, horizon.min(ALL_BINS));
        let mut evicted = 0u64;
        loop {
            let want = limit.saturating_sub(evicted).min(EVICT_TXN_ITEMS);
            if want == 0 {
                break;
            }
            let txn = self.db().begin_write()?;
            let removed = {
                let mut reserve = ReserveTxn::open(&txn)?;
                let keys = reserve
                    .items
                    .range::<&[u8; ITEM_KEY_SIZE]>(&start..&end)?
                    .take(usize::try_from(want).unwrap_or(usize::MAX))
                    .map(|entry| entry.map(|(key, _)| *key.value()))
                    .collect::<Result<Vec<[u8; ITEM_KEY_SIZE]>, _>>()?;
                for key in &keys {
                    let (batch, bin, address) = split_item_key(key);
                    reserve.remove_item(&batch, bin, &address)?;
                }
                reserve.finish()?;
                keys.len() as u64
            };
            if removed == 0 {
                txn.abort()?;
                break;
            }
            txn.commit()?;
            evicted = evicted.saturating_add(removed);
            if removed < want {
                break;
            }
        }
        Ok(evicted)
    }
}
