//! Persistent stamp issuers for the node's own batches (spec §2.9): a restart never hands
//! out an index twice.
//!
//! For each batch the database keeps the batch record, the bucket counters and the stamp
//! items (identity → index). [`PersistentStamper::stamp`] allocates or reuses the index,
//! signs, writes the item and the bucket's counter, and commits — one durable write
//! transaction — and only then returns the stamp. If anything fails, nothing is committed
//! and no stamp is returned.
//!
//! An upload pipelines it: [`PersistentStamper::prepare`] assigns and signs a group in
//! memory while the previous group's [`PreparedStamps::record_in`] commits together with
//! what the caller keeps of it (the push queue). A chunk seen again before its group
//! committed keeps the index it was given; a failed commit forgets every group not yet
//! recorded ([`PersistentStamper::abandon_pending`]), so no later stamp reuses an index that
//! never became durable. The in-memory counter may run ahead of the disk past indexes never
//! handed out, which wastes slots but never reuses one.
//!
//! [`Issuers::stamper`] refuses a second stamper for a batch while one is open
//! ([`StoreError::StamperInUse`]): two in-memory issuers of one batch would collide.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use comb_postage::{Batch, PostageError, Stamp, StampIndex, StampIssuer};
use comb_primitives::{Signer, B256};
use redb::{Database, ReadableDatabase, ReadableTable, WriteTransaction};

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
            pending: VecDeque::new(),
            next_group: 0,
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
/// are already assigned (in order, by [`PersistentStamper::prepare`]), so the signatures
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
    /// New items of prepared groups not yet known recorded, oldest first: a chunk that
    /// comes again before its group's commit keeps the index it was given.
    pending: VecDeque<(u64, HashMap<B256, StampIndex>)>,
    next_group: u64,
    _claim: Claim,
}

/// A group of stamps signed by [`PersistentStamper::prepare`], whose new indexes are not yet
/// durable: hand none of them out before [`PreparedStamps::record_in`]'s transaction has
/// committed (then tell the stamper with [`PersistentStamper::recorded`]), or drop them and
/// call [`PersistentStamper::abandon_pending`].
#[derive(Debug)]
pub struct PreparedStamps {
    /// The stamps, in the order of the chunks.
    pub stamps: Vec<Stamp>,
    group: u64,
    batch: B256,
    new_items: Vec<(B256, StampIndex)>,
    buckets: Vec<(u32, u32)>,
}

impl PreparedStamps {
    /// Writes the group's new stamp items and its buckets' counters inside `txn` (a write
    /// transaction on the stamper's database); durable when `txn` commits.
    pub fn record_in(&self, txn: &WriteTransaction) -> Result<(), StoreError> {
        let mut items = txn.open_table(ISSUER_ITEMS)?;
        for (identity, index) in &self.new_items {
            items.insert(&pair(&self.batch, identity), index.as_u64())?;
        }
        let mut buckets = txn.open_table(ISSUER_BUCKETS)?;
        for (bucket, count) in &self.buckets {
            buckets.insert(&bucket_key(&self.batch, *bucket), *count)?;
        }
        Ok(())
    }
}

/// Prepared groups whose commit may still be outstanding: the one being recorded and the
/// one prepared beside it.
const PENDING_GROUPS: usize = 2;

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
        let prepared = self.prepare(chunks, timestamp_ns)?;
        let committed = (|| {
            let txn = self.db.begin_write()?;
            match prepared.record_in(&txn) {
                Ok(()) => Ok(txn.commit()?),
                Err(error) => {
                    txn.abort()?;
                    Err(error)
                }
            }
        })();
        match committed {
            Ok(()) => {
                self.recorded(&prepared);
                Ok(prepared.stamps)
            }
            Err(error) => {
                self.abandon_pending();
                Err(error)
            }
        }
    }

    /// Assigns the chunks `(address, identity)` their indexes (a chunk stamped before keeps
    /// its own, even one of a group not yet committed) and signs their stamps, spread over
    /// the cores, without writing: the caller records them ([`PreparedStamps::record_in`])
    /// and may prepare the next group meanwhile. On failure (e.g. a full bucket of an
    /// immutable batch) the issuer is as it was.
    pub fn prepare(
        &mut self,
        chunks: &[(B256, B256)],
        timestamp_ns: u64,
    ) -> Result<PreparedStamps, StoreError> {
        let saved = self.issuer.clone();
        let prepared = self.prepare_from(chunks, timestamp_ns);
        if prepared.is_err() {
            self.issuer = saved;
        }
        prepared
    }

    fn prepare_from(
        &mut self,
        chunks: &[(B256, B256)],
        timestamp_ns: u64,
    ) -> Result<PreparedStamps, StoreError> {
        let read = self.db.begin_read()?;
        let items = read.open_table(ISSUER_ITEMS)?;
        let mut fresh: HashMap<B256, StampIndex> = HashMap::new();
        let mut new_items = Vec::new();
        let mut touched = std::collections::BTreeSet::new();
        let mut indexed = Vec::with_capacity(chunks.len());
        for (address, identity) in chunks {
            let known = match fresh.get(identity).copied().or_else(|| {
                self.pending
                    .iter()
                    .rev()
                    .find_map(|(_, group)| group.get(identity).copied())
            }) {
                Some(index) => Some(index),
                None => items
                    .get(&pair(&self.batch.id, identity))?
                    .map(|v| StampIndex::from_u64(v.value())),
            };
            let index = match known {
                Some(index) => index,
                None => {
                    let index = self.issuer.next_index(address)?;
                    fresh.insert(*identity, index);
                    new_items.push((*identity, index));
                    touched.insert(index.bucket);
                    index
                }
            };
            indexed.push((*address, index));
        }
        let stamps = sign_all(&self.signer, self.batch.id, &indexed, timestamp_ns)?;
        let buckets = touched
            .into_iter()
            .map(|bucket| {
                usize::try_from(bucket)
                    .ok()
                    .and_then(|at| self.issuer.buckets().get(at).copied())
                    .map(|count| (bucket, count))
                    .ok_or(StoreError::Overflow("bucket beyond the issuer"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let group = self.next_group;
        self.next_group = self.next_group.wrapping_add(1);
        self.pending.push_back((group, fresh));
        while self.pending.len() > PENDING_GROUPS {
            self.pending.pop_front();
        }
        Ok(PreparedStamps {
            stamps,
            group,
            batch: self.batch.id,
            new_items,
            buckets,
        })
    }

    /// `prepared`'s transaction has committed: its items are on disk now.
    pub fn recorded(&mut self, prepared: &PreparedStamps) {
        self.pending.retain(|(group, _)| *group > prepared.group);
    }

    /// A prepared group will not be recorded (its commit failed): every prepared group not
    /// yet recorded is forgotten, so that no later stamp reuses an index that never became
    /// durable.
    pub fn abandon_pending(&mut self) {
        self.pending.clear();
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
