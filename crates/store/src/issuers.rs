//! Persistent stamp issuers for the node's own batches (spec §2.9): a restart never hands
//! out an index twice.
//!
//! For each batch the database keeps the batch record, the bucket counters and the stamp
//! items (identity → index). [`PersistentStamper::stamp`] allocates or reuses the index, writes
//! the item and the bucket's counter, signs, and commits — all in one durable write
//! transaction — and only then returns the stamp. If anything fails, nothing is committed
//! and no stamp is returned; the in-memory counter may have advanced past an index that was
//! never handed out, which wastes a slot but never reuses one.
//!
//! [`Issuers::stamper`] refuses a second stamper for a batch while one is open
//! ([`StoreError::StamperInUse`]): two in-memory issuers of one batch would collide.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use comb_postage::{Batch, PostageError, Stamp, StampIndex, StampIssuer, StampItemStore};
use comb_primitives::{Signer, B256};
use redb::{Database, ReadableDatabase, ReadableTable, Table, WriteTransaction};

use crate::codec::{bucket_key, bucket_of_key, decode_batch, encode_batch, pair};
use crate::tables::{ISSUER_BATCHES, ISSUER_BUCKETS, ISSUER_ITEMS};
use crate::StoreError;

type OpenSet = Arc<Mutex<HashSet<B256>>>;

/// The node's stamp issuers over a shared redb database.
#[derive(Debug, Clone)]
pub struct Issuers {
    db: Arc<Database>,
    open: OpenSet,
}

impl Issuers {
    /// Opens the issuer tables in `db`, creating them if needed.
    pub fn open(db: Arc<Database>) -> Result<Self, StoreError> {
        let txn = db.begin_write()?;
        {
            txn.open_table(ISSUER_BATCHES)?;
            txn.open_table(ISSUER_BUCKETS)?;
            txn.open_table(ISSUER_ITEMS)?;
        }
        txn.commit()?;
        Ok(Self {
            db,
            open: Arc::default(),
        })
    }

    /// A stamper for `batch`, signing with `signer` (who must own the batch), restored from
    /// the persisted counters. The batch is recorded on first use; a recorded deeper depth
    /// (after [`PersistentStamper::set_depth`]) is kept.
    pub fn stamper(&self, batch: &Batch, signer: Signer) -> Result<PersistentStamper, StoreError> {
        if signer.address() != batch.owner {
            return Err(PostageError::NotBatchOwner {
                signer: signer.address(),
                owner: batch.owner,
            }
            .into());
        }
        let claim = Claim::take(&self.open, batch.id)?;
        let txn = self.db.begin_write()?;
        let mut batch = batch.clone();
        let counters = {
            let mut records = txn.open_table(ISSUER_BATCHES)?;
            let stored = records
                .get(&batch.id.0)?
                .map(|v| decode_batch("issuer_batches", &batch.id, v.value()))
                .transpose()?;
            match stored {
                Some(stored) if stored.depth > batch.depth => batch.depth = stored.depth,
                Some(stored) if stored == batch => {}
                _ => {
                    records.insert(&batch.id.0, &encode_batch(&batch))?;
                }
            }
            // Validates the depths and sizes the counters.
            let mut counters = StampIssuer::new(&batch)?.buckets().to_vec();
            let buckets = txn.open_table(ISSUER_BUCKETS)?;
            let start = bucket_key(&batch.id, 0);
            let end = bucket_key(&batch.id, u32::MAX);
            for entry in buckets.range::<&[u8; 36]>(&start..=&end)? {
                let (key, count) = entry?;
                let bucket = usize::try_from(bucket_of_key(key.value()))
                    .map_err(|_| StoreError::corrupt("issuer_buckets", "bucket index"))?;
                let slot = counters
                    .get_mut(bucket)
                    .ok_or_else(|| StoreError::corrupt("issuer_buckets", "bucket beyond depth"))?;
                *slot = count.value();
            }
            counters
        };
        txn.commit()?;
        let issuer = StampIssuer::from_counters(&batch, Some(counters))?;
        Ok(PersistentStamper {
            db: Arc::clone(&self.db),
            batch,
            issuer,
            signer,
            _claim: claim,
        })
    }

    /// The batches the node has issued stamps for (or opened a stamper for).
    pub fn batches(&self) -> Result<Vec<Batch>, StoreError> {
        let txn = self.db.begin_read()?;
        let records = txn.open_table(ISSUER_BATCHES)?;
        let mut out = Vec::new();
        for entry in records.iter()? {
            let (id, record) = entry?;
            let id = B256::from(*id.value());
            out.push(decode_batch("issuer_batches", &id, record.value())?);
        }
        Ok(out)
    }

    /// The index a chunk identity was stamped with in `batch`, if any.
    pub fn item(&self, batch: &B256, identity: &B256) -> Result<Option<StampIndex>, StoreError> {
        let txn = self.db.begin_read()?;
        let items = txn.open_table(ISSUER_ITEMS)?;
        Ok(items
            .get(&pair(batch, identity))?
            .map(|v| StampIndex::from_u64(v.value())))
    }

    /// Forgets a batch (e.g. once it has expired): its record, counters and items. Refused
    /// while a stamper for it is open.
    pub fn remove(&self, batch: &B256) -> Result<bool, StoreError> {
        let _claim = Claim::take(&self.open, *batch)?;
        let txn = self.db.begin_write()?;
        let existed = {
            let mut records = txn.open_table(ISSUER_BATCHES)?;
            let existed = records.remove(&batch.0)?.is_some();
            let mut buckets = txn.open_table(ISSUER_BUCKETS)?;
            let start = bucket_key(batch, 0);
            let end = bucket_key(batch, u32::MAX);
            buckets.retain_in::<&[u8; 36], _>(&start..=&end, |_, _| false)?;
            let mut items = txn.open_table(ISSUER_ITEMS)?;
            let start = pair(batch, &B256::ZERO);
            let end = pair(batch, &B256::repeat_byte(0xff));
            items.retain_in::<&[u8; 64], _>(&start..=&end, |_, _| false)?;
            existed
        };
        txn.commit()?;
        Ok(existed)
    }
}

/// Marks a batch's stamper as open; released on drop.
#[derive(Debug)]
struct Claim {
    open: OpenSet,
    batch: B256,
}

impl Claim {
    fn take(open: &OpenSet, batch: B256) -> Result<Self, StoreError> {
        let mut set = open.lock().unwrap_or_else(PoisonError::into_inner);
        if !set.insert(batch) {
            return Err(StoreError::StamperInUse(batch));
        }
        Ok(Self {
            open: Arc::clone(open),
            batch,
        })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut set = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        set.remove(&self.batch);
    }
}

/// Fewest stamps worth a thread of their own: below this, one thread signs them all.
const SIGN_SPLIT: usize = 64;

/// Signs the stamps of `indexed` (chunk address, index), in order, spread over the
/// machine's cores: a signature is the largest part of stamping a chunk, and the indexes
/// are already assigned (in order, by the caller's write transaction), so the signatures
/// are independent of each other.
fn sign_all(
    signer: &Signer,
    batch: B256,
    indexed: &[(B256, StampIndex)],
    timestamp_ns: u64,
) -> Result<Vec<Stamp>, StoreError> {
    let sign = |part: &[(B256, StampIndex)]| -> Result<Vec<Stamp>, StoreError> {
        part.iter()
            .map(|(address, index)| {
                Stamp::sign(signer, address, batch, *index, timestamp_ns).map_err(StoreError::from)
            })
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(indexed.len() / SIGN_SPLIT)
        .max(1);
    if threads == 1 {
        return sign(indexed);
    }
    let part_len = indexed.len().div_ceil(threads);
    let parts: Vec<Result<Vec<Stamp>, StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = indexed
            .chunks(part_len)
            .skip(1)
            .map(|part| scope.spawn(move || sign(part)))
            .collect();
        // The first part on this thread, the others beside it.
        let mut parts = vec![sign(&indexed[..part_len.min(indexed.len())])];
        parts.extend(handles.into_iter().map(|handle| {
            handle
                .join()
                .unwrap_or(Err(StoreError::Overflow("a signing thread panicked")))
        }));
        parts
    });
    let mut stamps = Vec::with_capacity(indexed.len());
    for part in parts {
        stamps.extend(part?);
    }
    Ok(stamps)
}

/// A batch's stamp issuer whose every index is durably recorded before the stamp is handed
/// out (spec §2.9).
#[derive(Debug)]
pub struct PersistentStamper {
    db: Arc<Database>,
    batch: Batch,
    issuer: StampIssuer,
    signer: Signer,
    _claim: Claim,
}

impl PersistentStamper {
    /// Stamps the chunk at `address` (the SOC address for a SOC) with identity `identity`
    /// (Bee's identity address) at `timestamp_ns`. A chunk stamped before keeps its index and
    /// only gets the new timestamp. One durable write transaction.
    pub fn stamp(
        &mut self,
        address: &B256,
        identity: &B256,
        timestamp_ns: u64,
    ) -> Result<Stamp, StoreError> {
        let mut stamps = self.stamp_many(&[(*address, *identity)], timestamp_ns)?;
        stamps
            .pop()
            .ok_or(StoreError::Overflow("no stamp produced"))
    }

    /// Stamps several chunks `(address, identity)` in one durable write transaction. If any
    /// fails (e.g. a full bucket of an immutable batch), nothing is committed and no stamp
    /// is returned.
    pub fn stamp_many(
        &mut self,
        chunks: &[(B256, B256)],
        timestamp_ns: u64,
    ) -> Result<Vec<Stamp>, StoreError> {
        self.stamp_many_with(chunks, timestamp_ns, |_, _| Ok(()))
    }

    /// Stamps several chunks like [`Self::stamp_many`] and, in the same write transaction,
    /// runs `record` over the stamps (e.g. [`crate::PushQueue::push_many_in`]): the stamps'
    /// indexes and what the caller keeps of them become durable together, in one commit
    /// (one fsync instead of two, and no second wait for the database's one writer). If
    /// stamping or `record` fails, nothing is committed.
    pub fn stamp_many_with(
        &mut self,
        chunks: &[(B256, B256)],
        timestamp_ns: u64,
        record: impl FnOnce(&WriteTransaction, &[Stamp]) -> Result<(), StoreError>,
    ) -> Result<Vec<Stamp>, StoreError> {
        let txn = self.db.begin_write()?;
        let stamped = self
            .stamp_in(&txn, chunks, timestamp_ns)
            .and_then(|stamps| record(&txn, &stamps).map(|()| stamps));
        match stamped {
            Ok(stamps) => {
                txn.commit()?;
                Ok(stamps)
            }
            Err(error) => {
                txn.abort()?;
                Err(error)
            }
        }
    }

    fn stamp_in(
        &mut self,
        txn: &WriteTransaction,
        chunks: &[(B256, B256)],
        timestamp_ns: u64,
    ) -> Result<Vec<Stamp>, StoreError> {
        let mut items = TxnStampItems {
            table: txn.open_table(ISSUER_ITEMS)?,
            batch: self.batch.id,
            error: RefCell::new(None),
        };
        let mut buckets = txn.open_table(ISSUER_BUCKETS)?;
        let mut indexed = Vec::with_capacity(chunks.len());
        for (address, identity) in chunks {
            let known = items.get(identity);
            items.check()?;
            let index = match known {
                Some(index) => index,
                None => {
                    let index = self.issuer.next_index(address)?;
                    items.put(*identity, index);
                    items.check()?;
                    let count = usize::try_from(index.bucket)
                        .ok()
                        .and_then(|bucket| self.issuer.buckets().get(bucket).copied())
                        .ok_or(StoreError::Overflow("bucket beyond the issuer"))?;
                    buckets.insert(&bucket_key(&self.batch.id, index.bucket), count)?;
                    index
                }
            };
            indexed.push((*address, index));
        }
        sign_all(&self.signer, self.batch.id, &indexed, timestamp_ns)
    }

    /// The bucket counters (utilisation, Bee's `/stamps/{id}/buckets`).
    pub fn issuer(&self) -> &StampIssuer {
        &self.issuer
    }

    /// The batch as the stamper knows it.
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// After a depth increase (spec §2.5) the buckets gain slots; the new depth is persisted.
    pub fn set_depth(&mut self, depth: u8) -> Result<(), StoreError> {
        if depth <= self.batch.depth {
            return Ok(());
        }
        let mut batch = self.batch.clone();
        batch.depth = depth;
        let txn = self.db.begin_write()?;
        {
            let mut records = txn.open_table(ISSUER_BATCHES)?;
            records.insert(&batch.id.0, &encode_batch(&batch))?;
        }
        txn.commit()?;
        self.issuer.set_depth(depth);
        self.batch = batch;
        Ok(())
    }
}

/// [`StampItemStore`] over the `issuer_items` table inside one write transaction. The trait
/// cannot fail, so a database error is kept and surfaced by [`TxnStampItems::check`] before
/// anything is committed.
struct TxnStampItems<'txn> {
    table: Table<'txn, &'static [u8; 64], u64>,
    batch: B256,
    error: RefCell<Option<StoreError>>,
}

impl TxnStampItems<'_> {
    fn check(&self) -> Result<(), StoreError> {
        match self.error.borrow_mut().take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn keep(&self, error: impl Into<StoreError>) {
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(error.into());
        }
    }
}

impl StampItemStore for TxnStampItems<'_> {
    fn get(&self, identity: &B256) -> Option<StampIndex> {
        match self.table.get(&pair(&self.batch, identity)) {
            Ok(value) => value.map(|v| StampIndex::from_u64(v.value())),
            Err(error) => {
                self.keep(error);
                None
            }
        }
    }

    fn put(&mut self, identity: B256, index: StampIndex) {
        let key = pair(&self.batch, &identity);
        let result = self.table.insert(&key, index.as_u64()).map(|_| ());
        if let Err(error) = result {
            self.keep(error);
        }
    }
}
