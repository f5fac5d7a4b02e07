//! The batch store: the node's mirror of the chain's postage state (spec §2.6, Bee's
//! `batchservice` and `batchstore`), persisted in redb.
//!
//! The node translates the chain's events into [`BatchEvent`]s, so this crate does not
//! depend on the chain client. The state follows Bee:
//! * [`ChainState`] `{block, total_amount, current_price}`; on each new block
//!   `total_amount += current_price × (block − last block)`.
//! * A batch's `value` is its normalised balance. It has expired once
//!   `value ≤ total_amount`; expired batches are invisible to [`BatchLookup`] at once and are
//!   deleted by [`BatchStore::remove_expired`] (the caller then purges their chunks with
//!   [`crate::Reserve::purge_expired`]).
//! * A `BatchCreated` with `value ≤ total_amount + current_price` is ignored (it would expire
//!   within a block).
//!
//! Bee applies a price update to the whole block range that follows the last block update;
//! to match the contract exactly, send `Block { number }` before the price update of block
//! `number`. Each [`BatchStore::apply`] is one durable write transaction;
//! [`BatchStore::apply_many`] applies a block's events in one.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

use comb_postage::{Batch, BatchLookup};
use comb_primitives::{B256, U256};
use redb::{Database, ReadableDatabase, ReadableTable, Table, WriteTransaction};

use crate::codec::{decode_batch, encode_batch, split_value_key, value_key};
use crate::radius::reserve_radius;
use crate::tables::{
    BATCHES, BATCHES_BY_VALUE, BATCH_PAID, BATCH_SIZE, CHAIN_STATE, CHAIN_STATE_SIZE,
};
use crate::StoreError;

const STATE_KEY: &str = "state";

/// Bee's `ChainState` (spec §2.6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChainState {
    /// The last block the state was advanced to.
    pub block: u64,
    /// The cumulative per-chunk payout (`currentTotalOutPayment` as of `block`).
    pub total_amount: U256,
    /// The current price per chunk per block.
    pub current_price: U256,
}

impl ChainState {
    fn encode(&self) -> [u8; CHAIN_STATE_SIZE] {
        let mut out = [0u8; CHAIN_STATE_SIZE];
        let (block, rest) = out.split_at_mut(8);
        let (total, price) = rest.split_at_mut(32);
        block.copy_from_slice(&self.block.to_be_bytes());
        total.copy_from_slice(&self.total_amount.to_be_bytes::<32>());
        price.copy_from_slice(&self.current_price.to_be_bytes::<32>());
        out
    }

    fn decode(bytes: &[u8; CHAIN_STATE_SIZE]) -> Self {
        let (block, rest) = bytes.split_at(8);
        let (total, price) = rest.split_at(32);
        let mut block_bytes = [0u8; 8];
        block_bytes.copy_from_slice(block);
        Self {
            block: u64::from_be_bytes(block_bytes),
            total_amount: U256::from_be_slice(total),
            current_price: U256::from_be_slice(price),
        }
    }
}

/// A postage event as the batch store consumes it (spec §2.3–§2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchEvent {
    /// `BatchCreated`: the batch with its normalised balance as `value`.
    Created(Batch),
    /// `BatchTopUp`: the batch's new normalised balance.
    TopUp {
        /// The batch.
        id: B256,
        /// New normalised balance.
        value: U256,
    },
    /// `BatchDepthIncrease`: the new depth and the diluted normalised balance.
    DepthIncrease {
        /// The batch.
        id: B256,
        /// New depth.
        depth: u8,
        /// New normalised balance.
        value: U256,
    },
    /// PLUR paid into a batch (`totalAmount` of `BatchCreated`, `topupAmount` of
    /// `BatchTopUp`), applied after the event it came with: adds `total / 2^depth` (the
    /// batch's depth now) to the batch's paid amount per chunk, which
    /// [`BatchStore::paid_per_chunk`] reports. Ignored for an unknown batch.
    Paid {
        /// The batch.
        id: B256,
        /// PLUR paid for the whole batch.
        total: U256,
    },
    /// `PriceUpdate`: the new price per chunk per block.
    PriceUpdate {
        /// New price.
        price: U256,
    },
    /// The chain reached block `number`: accrue `price × (number − block)`.
    Block {
        /// The new block number.
        number: u64,
    },
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// The state changed.
    Applied,
    /// Nothing changed, for this reason.
    Ignored(IgnoreReason),
}

/// Why an event changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreReason {
    /// A created batch whose value is `≤ total_amount + current_price` (Bee ignores it).
    AlreadyExpired,
    /// A top-up or depth increase of a batch the store does not hold (ignored at creation,
    /// or expired and removed).
    UnknownBatch,
    /// A block number not after the current one.
    OldBlock,
}

/// The node's batch store.
#[derive(Debug, Clone)]
pub struct BatchStore {
    db: Arc<Database>,
}

impl BatchStore {
    /// Opens the batch store tables in `db`, creating them if needed.
    pub fn open(db: Arc<Database>) -> Result<Self, StoreError> {
        let txn = db.begin_write()?;
        {
            txn.open_table(BATCHES)?;
            txn.open_table(BATCHES_BY_VALUE)?;
            txn.open_table(CHAIN_STATE)?;
        }
        txn.commit()?;
        Ok(Self { db })
    }

    /// The chain state (all zero before the first event).
    pub fn chain_state(&self) -> Result<ChainState, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CHAIN_STATE)?;
        Ok(table
            .get(STATE_KEY)?
            .map(|v| ChainState::decode(v.value()))
            .unwrap_or_default())
    }

    /// Replaces the chain state, e.g. to start from a snapshot instead of block 0.
    pub fn set_chain_state(&self, state: &ChainState) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(CHAIN_STATE)?;
            table.insert(STATE_KEY, &state.encode())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Applies one event in one durable write transaction.
    pub fn apply(&self, event: &BatchEvent) -> Result<EventOutcome, StoreError> {
        let mut outcomes = self.apply_many(std::slice::from_ref(event))?;
        Ok(outcomes
            .pop()
            .unwrap_or(EventOutcome::Ignored(IgnoreReason::OldBlock)))
    }

    /// Applies events in order in one durable write transaction; on error nothing is
    /// committed.
    pub fn apply_many(&self, events: &[BatchEvent]) -> Result<Vec<EventOutcome>, StoreError> {
        let txn = self.db.begin_write()?;
        let result = apply_in(&txn, events);
        match result {
            Ok(outcomes) => {
                txn.commit()?;
                Ok(outcomes)
            }
            Err(error) => {
                txn.abort()?;
                Err(error)
            }
        }
    }

    /// The stored batch with this id, also if it has expired but was not removed yet.
    pub fn get(&self, id: &B256) -> Result<Option<Batch>, StoreError> {
        let txn = self.db.begin_read()?;
        let batches = txn.open_table(BATCHES)?;
        batches
            .get(&id.0)?
            .map(|v| decode_batch("batches", id, v.value()))
            .transpose()
    }

    /// PLUR paid per chunk for the batch so far (at creation and by top-ups; see
    /// [`BatchEvent::Paid`]), `None` if nothing was recorded for it.
    pub fn paid_per_chunk(&self, id: &B256) -> Result<Option<U256>, StoreError> {
        let txn = self.db.begin_read()?;
        let paid = match txn.open_table(BATCH_PAID) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        Ok(paid.get(&id.0)?.map(|v| U256::from_be_bytes(*v.value())))
    }

    /// The ids of the stored batches that have expired: `value ≤ total_amount` (spec §2.6).
    pub fn expired(&self) -> Result<Vec<B256>, StoreError> {
        let total = self.chain_state()?.total_amount;
        let txn = self.db.begin_read()?;
        let by_value = txn.open_table(BATCHES_BY_VALUE)?;
        let end = value_key(&total, &B256::repeat_byte(0xff));
        let mut out = Vec::new();
        for entry in by_value.range::<&[u8; 64]>(..=&end)? {
            let (key, _) = entry?;
            out.push(split_value_key(key.value()).1);
        }
        Ok(out)
    }

    /// Deletes the expired batches and returns their ids; purge their chunks from the reserve
    /// with [`crate::Reserve::purge_expired`] next.
    pub fn remove_expired(&self) -> Result<Vec<B256>, StoreError> {
        let txn = self.db.begin_write()?;
        let result = (|| {
            let total = read_state(&txn)?.total_amount;
            let mut batches = txn.open_table(BATCHES)?;
            let mut by_value = txn.open_table(BATCHES_BY_VALUE)?;
            let mut paid = txn.open_table(BATCH_PAID)?;
            let end = value_key(&total, &B256::repeat_byte(0xff));
            let expired = by_value
                .range::<&[u8; 64]>(..=&end)?
                .map(|entry| entry.map(|(key, _)| *key.value()))
                .collect::<Result<Vec<[u8; 64]>, _>>()?;
            let mut ids = Vec::with_capacity(expired.len());
            for key in &expired {
                by_value.remove(key)?;
                let id = split_value_key(key).1;
                batches.remove(&id.0)?;
                paid.remove(&id.0)?;
                ids.push(id);
            }
            Ok::<_, StoreError>(ids)
        })();
        match result {
            Ok(ids) => {
                txn.commit()?;
                Ok(ids)
            }
            Err(error) => {
                txn.abort()?;
                Err(error)
            }
        }
    }

    /// The live batches (`value > total_amount`), cheapest first.
    pub fn batches_by_value(&self) -> Result<Vec<Batch>, StoreError> {
        let total = self.chain_state()?.total_amount;
        let txn = self.db.begin_read()?;
        let by_value = txn.open_table(BATCHES_BY_VALUE)?;
        let batches = txn.open_table(BATCHES)?;
        let start = value_key(&total, &B256::repeat_byte(0xff));
        let mut out = Vec::new();
        for entry in by_value.range::<&[u8; 64]>((Bound::Excluded(&start), Bound::Unbounded))? {
            let (key, _) = entry?;
            let (_, id) = split_value_key(key.value());
            if let Some(record) = batches.get(&id.0)? {
                out.push(decode_batch("batches", &id, record.value())?);
            }
        }
        Ok(out)
    }

    /// A snapshot of the live batches by id: a [`BatchLookup`] without a database read per
    /// lookup, for the sampler and bulk validation.
    pub fn live_batches(&self) -> Result<HashMap<B256, Batch>, StoreError> {
        Ok(self
            .batches_by_value()?
            .into_iter()
            .map(|batch| (batch.id, batch))
            .collect())
    }

    /// Σ 2^depth over the live batches: the chunks the network must store if every batch were
    /// fully used (spec §7).
    pub fn total_chunks(&self) -> Result<U256, StoreError> {
        Ok(self
            .batches_by_value()?
            .iter()
            .fold(U256::ZERO, |sum, batch| {
                let chunks = U256::from(1u8)
                    .checked_shl(usize::from(batch.depth))
                    .unwrap_or(U256::MAX);
                sum.saturating_add(chunks)
            }))
    }

    /// The reserve radius for a node of `capacity` (spec §7): `ceil(log2(Σ 2^depth /
    /// capacity))` over the live batches if the sum exceeds the capacity, else 0.
    pub fn reserve_radius(&self, capacity: u64) -> Result<u8, StoreError> {
        Ok(reserve_radius(self.total_chunks()?, capacity))
    }
}

/// Live batches only; a database error reads as "not found" (the trait cannot fail).
impl BatchLookup for BatchStore {
    fn batch(&self, id: &B256) -> Option<Batch> {
        let total = self.chain_state().ok()?.total_amount;
        self.get(id)
            .ok()
            .flatten()
            .filter(|batch| batch.is_live(total))
    }
}

fn read_state(txn: &WriteTransaction) -> Result<ChainState, StoreError> {
    let table = txn.open_table(CHAIN_STATE)?;
    let state = table.get(STATE_KEY)?.map(|v| ChainState::decode(v.value()));
    Ok(state.unwrap_or_default())
}

type BatchTable<'txn> = Table<'txn, &'static [u8; 32], &'static [u8; BATCH_SIZE]>;
type ValueTable<'txn> = Table<'txn, &'static [u8; 64], ()>;

fn apply_in(
    txn: &WriteTransaction,
    events: &[BatchEvent],
) -> Result<Vec<EventOutcome>, StoreError> {
    let mut state = read_state(txn)?;
    let mut batches = txn.open_table(BATCHES)?;
    let mut by_value = txn.open_table(BATCHES_BY_VALUE)?;
    let mut paid = txn.open_table(BATCH_PAID)?;
    let mut outcomes = Vec::with_capacity(events.len());
    for event in events {
        let outcome = match event {
            BatchEvent::Paid { id, total } => add_paid(&batches, &mut paid, id, total)?,
            _ => apply_one(&mut state, &mut batches, &mut by_value, event)?,
        };
        outcomes.push(outcome);
    }
    let mut table = txn.open_table(CHAIN_STATE)?;
    table.insert(STATE_KEY, &state.encode())?;
    Ok(outcomes)
}

fn add_paid(
    batches: &BatchTable<'_>,
    paid: &mut Table<'_, &'static [u8; 32], &'static [u8; 32]>,
    id: &B256,
    total: &U256,
) -> Result<EventOutcome, StoreError> {
    let Some(batch) = read_batch(batches, id)? else {
        return Ok(EventOutcome::Ignored(IgnoreReason::UnknownBatch));
    };
    let per_chunk = total
        .checked_shr(usize::from(batch.depth))
        .unwrap_or_default();
    let before = paid
        .get(&id.0)?
        .map(|v| U256::from_be_bytes(*v.value()))
        .unwrap_or_default();
    let after = before
        .checked_add(per_chunk)
        .ok_or(StoreError::Overflow("paid per chunk"))?;
    paid.insert(&id.0, &after.to_be_bytes::<32>())?;
    Ok(EventOutcome::Applied)
}

fn apply_one(
    state: &mut ChainState,
    batches: &mut BatchTable<'_>,
    by_value: &mut ValueTable<'_>,
    event: &BatchEvent,
) -> Result<EventOutcome, StoreError> {
    match event {
        BatchEvent::Created(batch) => {
            let threshold = state.total_amount.saturating_add(state.current_price);
            if batch.value <= threshold {
                return Ok(EventOutcome::Ignored(IgnoreReason::AlreadyExpired));
            }
            write_batch(batches, by_value, batch)?;
        }
        BatchEvent::TopUp { id, value } => {
            let Some(mut batch) = read_batch(batches, id)? else {
                return Ok(EventOutcome::Ignored(IgnoreReason::UnknownBatch));
            };
            batch.value = *value;
            write_batch(batches, by_value, &batch)?;
        }
        BatchEvent::DepthIncrease { id, depth, value } => {
            let Some(mut batch) = read_batch(batches, id)? else {
                return Ok(EventOutcome::Ignored(IgnoreReason::UnknownBatch));
            };
            batch.depth = *depth;
            batch.value = *value;
            write_batch(batches, by_value, &batch)?;
        }
        BatchEvent::PriceUpdate { price } => state.current_price = *price,
        // Handled by `add_paid`.
        BatchEvent::Paid { .. } => {}
        BatchEvent::Block { number } => {
            let Some(blocks) = number.checked_sub(state.block).filter(|b| *b > 0) else {
                return Ok(EventOutcome::Ignored(IgnoreReason::OldBlock));
            };
            let accrued = state
                .current_price
                .checked_mul(U256::from(blocks))
                .and_then(|accrued| state.total_amount.checked_add(accrued))
                .ok_or(StoreError::Overflow("total amount"))?;
            state.total_amount = accrued;
            state.block = *number;
        }
    }
    Ok(EventOutcome::Applied)
}

fn read_batch(batches: &BatchTable<'_>, id: &B256) -> Result<Option<Batch>, StoreError> {
    batches
        .get(&id.0)?
        .map(|v| decode_batch("batches", id, v.value()))
        .transpose()
}

/// Inserts or replaces a batch record, keeping the value index in step.
fn write_batch(
    batches: &mut BatchTable<'_>,
    by_value: &mut ValueTable<'_>,
    batch: &Batch,
) -> Result<(), StoreError> {
    if let Some(old) = read_batch(batches, &batch.id)? {
        by_value.remove(&value_key(&old.value, &old.id))?;
    }
    batches.insert(&batch.id.0, &encode_batch(batch))?;
    by_value.insert(&value_key(&batch.value, &batch.id), ())?;
    Ok(())
}
