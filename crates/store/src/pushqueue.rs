//! The push queue: chunks of deferred uploads that are stored at the uploading node and
//! still have to reach their neighbourhood by pushsync (Bee's "upload store" of deferred
//! uploads, whose pusher drains it in the background).
//!
//! An entry is written in one durable transaction with the rest of its group before the
//! upload answers, and removed only once a valid receipt for it came back, so after a crash
//! or a restart every stored chunk without a receipt is pushed again. Entries are kept in
//! arrival order under a sequence number.
//!
//! Like Bee's upload store, the queue is where a deferred upload's chunks live until they are
//! receipted: [`PushQueue::get`] finds them by address, so the uploading node serves them
//! meanwhile, and they are not in its reserve (so not pull-synced from it) until they come
//! back by pull sync from their storer's neighbourhood.
//!
//! | table | key | value |
//! |---|---|---|
//! | `push_queue` | sequence `u64` | address (32) ‖ tag uid (8) ‖ stamp (113) ‖ wire data |
//! | `push_queue_addresses` | address (32) ‖ sequence (8) | `()` |

use std::sync::Arc;

use comb_postage::{Stamp, STAMP_SIZE};
use comb_primitives::{Chunk, B256};
use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};

use crate::StoreError;

const PUSH_QUEUE: TableDefinition<u64, &[u8]> = TableDefinition::new("push_queue");
const PUSH_ADDRESSES: TableDefinition<&[u8; 40], ()> = TableDefinition::new("push_queue_addresses");
const HEADER: usize = 32 + 8 + STAMP_SIZE;

fn address_key(address: &B256, sequence: u64) -> [u8; 40] {
    let mut key = [0u8; 40];
    key[..32].copy_from_slice(&address.0);
    key[32..].copy_from_slice(&sequence.to_be_bytes());
    key
}

/// One chunk waiting for its push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPush {
    /// Its place in the queue.
    pub sequence: u64,
    /// The tag of the upload it belongs to (0: none).
    pub tag: u64,
    /// The chunk.
    pub chunk: Chunk,
    /// Its stamp.
    pub stamp: Stamp,
}

/// The persistent queue of chunks to push.
#[derive(Debug, Clone)]
pub struct PushQueue {
    db: Arc<Database>,
}

impl PushQueue {
    /// Opens the queue's table in `db`.
    pub fn open(db: Arc<Database>) -> Result<Self, StoreError> {
        let txn = db.begin_write()?;
        txn.open_table(PUSH_QUEUE)?;
        txn.open_table(PUSH_ADDRESSES)?;
        txn.commit()?;
        Ok(Self { db })
    }

    /// Appends `chunks` (each with the uid of its upload's tag) in one durable transaction;
    /// returns the first sequence number given.
    pub fn push_many(&self, chunks: &[(u64, Chunk, Stamp)]) -> Result<u64, StoreError> {
        self.push_many_with(chunks, |_| Ok(()))
    }

    /// Appends `chunks` like [`Self::push_many`], after `first` has written what belongs
    /// with them (e.g. [`crate::PreparedStamps::record_in`]), in one durable transaction.
    pub fn push_many_with(
        &self,
        chunks: &[(u64, Chunk, Stamp)],
        first: impl FnOnce(&WriteTransaction) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let txn = self.db.begin_write()?;
        let pushed = first(&txn).and_then(|()| Self::push_many_in(&txn, chunks));
        match pushed {
            Ok(sequence) => {
                txn.commit()?;
                Ok(sequence)
            }
            Err(error) => {
                txn.abort()?;
                Err(error)
            }
        }
    }

    /// Appends entries like [`Self::push_many`] inside the caller's write transaction on the
    /// queue's database (durable when the caller commits); returns the first one's sequence.
    pub fn push_many_in(
        txn: &WriteTransaction,
        chunks: &[(u64, Chunk, Stamp)],
    ) -> Result<u64, StoreError> {
        let first = {
            let mut table = txn.open_table(PUSH_QUEUE)?;
            let mut addresses = txn.open_table(PUSH_ADDRESSES)?;
            let mut next = match table.last()? {
                Some((last, _)) => last
                    .value()
                    .checked_add(1)
                    .ok_or(StoreError::Overflow("push queue sequence"))?,
                None => 0,
            };
            let first = next;
            let mut value = Vec::with_capacity(HEADER + 8 + 4096);
            for (tag, chunk, stamp) in chunks {
                supersede(&mut table, &addresses, chunk.address(), stamp)?;
                value.clear();
                value.extend_from_slice(&chunk.address().0);
                value.extend_from_slice(&tag.to_be_bytes());
                value.extend_from_slice(&stamp.to_bytes());
                value.extend_from_slice(chunk.data());
                table.insert(next, value.as_slice())?;
                addresses.insert(&address_key(chunk.address(), next), ())?;
                next = next
                    .checked_add(1)
                    .ok_or(StoreError::Overflow("push queue sequence"))?;
            }
            first
        };
        Ok(first)
    }

    /// Up to `limit` entries with sequence numbers `≥ from`, oldest first.
    pub fn range(&self, from: u64, limit: usize) -> Result<Vec<QueuedPush>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(PUSH_QUEUE)?;
        let mut out = Vec::new();
        for entry in table.range(from..)?.take(limit) {
            let (sequence, value) = entry?;
            out.push(decode(sequence.value(), value.value())?);
        }
        Ok(out)
    }

    /// Removes the entries `sequences` (their chunks were receipted) in one transaction.
    pub fn remove_many(&self, sequences: &[u64]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(PUSH_QUEUE)?;
            let mut addresses = txn.open_table(PUSH_ADDRESSES)?;
            for sequence in sequences {
                let address = table
                    .remove(*sequence)?
                    .and_then(|v| v.value().get(..32).map(B256::from_slice));
                if let Some(address) = address {
                    addresses.remove(&address_key(&address, *sequence))?;
                }
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Whether a chunk is queued.
    pub fn contains(&self, address: &B256) -> Result<bool, StoreError> {
        let txn = self.db.begin_read()?;
        let addresses = txn.open_table(PUSH_ADDRESSES)?;
        let found = addresses
            .range::<&[u8; 40]>(&address_key(address, 0)..=&address_key(address, u64::MAX))?
            .next()
            .is_some();
        Ok(found)
    }

    /// A queued chunk with its stamp, by address (the oldest entry if it is queued twice).
    pub fn get(&self, address: &B256) -> Result<Option<(Chunk, Stamp)>, StoreError> {
        let txn = self.db.begin_read()?;
        let addresses = txn.open_table(PUSH_ADDRESSES)?;
        let Some(entry) = addresses
            .range::<&[u8; 40]>(&address_key(address, 0)..=&address_key(address, u64::MAX))?
            .next()
        else {
            return Ok(None);
        };
        let (key, _) = entry?;
        let mut sequence = [0u8; 8];
        sequence.copy_from_slice(&key.value()[32..]);
        let table = txn.open_table(PUSH_QUEUE)?;
        let Some(value) = table.get(u64::from_be_bytes(sequence))? else {
            return Ok(None);
        };
        let queued = decode(u64::from_be_bytes(sequence), value.value())?;
        Ok(Some((queued.chunk, queued.stamp)))
    }

    /// Entries waiting.
    pub fn len(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(PUSH_QUEUE)?.len()?)
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}

/// Gives the entries already queued for `address` under an older stamp of the same batch the
/// newer `stamp`. The stamper reissues a chunk uploaded again with a later timestamp (spec
/// §2.9), and a storer refuses an older stamp of a batch for a chunk it holds under a newer
/// one (Bee's `ErrOverwriteNewerChunk`). Pushing the old entry after the new one would fail
/// at every try, and each refused push counts against this node at the storer (Bee's ghost
/// balance, which ends in a blocklist). With the newest stamp, the second push is the
/// storer's duplicate, and each entry's upload is still counted when it is receipted.
fn supersede(
    table: &mut redb::Table<'_, u64, &'static [u8]>,
    addresses: &redb::Table<'_, &'static [u8; 40], ()>,
    address: &B256,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let mut older = Vec::new();
    for entry in
        addresses.range::<&[u8; 40]>(&address_key(address, 0)..=&address_key(address, u64::MAX))?
    {
        let (key, _) = entry?;
        let mut sequence = [0u8; 8];
        sequence.copy_from_slice(&key.value()[32..]);
        let sequence = u64::from_be_bytes(sequence);
        if let Some(value) = table.get(sequence)? {
            let queued = decode(sequence, value.value())?;
            if queued.stamp.batch_id == stamp.batch_id && queued.stamp.timestamp < stamp.timestamp {
                older.push((sequence, value.value().to_vec()));
            }
        }
    }
    for (sequence, mut value) in older {
        value[40..HEADER].copy_from_slice(&stamp.to_bytes());
        table.insert(sequence, value.as_slice())?;
    }
    Ok(())
}

fn decode(sequence: u64, value: &[u8]) -> Result<QueuedPush, StoreError> {
    if value.len() < HEADER {
        return Err(StoreError::corrupt("push_queue", "record too short"));
    }
    let (address, rest) = value.split_at(32);
    let (tag, rest) = rest.split_at(8);
    let (stamp, data) = rest.split_at(STAMP_SIZE);
    let mut tag_bytes = [0u8; 8];
    tag_bytes.copy_from_slice(tag);
    let stamp =
        Stamp::from_bytes(stamp).map_err(|e| StoreError::corrupt("push_queue", e.to_string()))?;
    Ok(QueuedPush {
        sequence,
        tag: u64::from_be_bytes(tag_bytes),
        chunk: Chunk::new_unchecked(B256::from_slice(address), data.to_vec()),
        stamp,
    })
}
