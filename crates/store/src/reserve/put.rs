//! Putting chunks into the reserve under the stamp-index overwrite rule (spec §2.9, Bee
//! `reserve.Put`).
//!
//! For a chunk with address `a` offered under stamp `s` of batch `b` at index `i`:
//! 1. If the item `(b, a)` is stored with byte-identical stamp (hence the same stamp hash),
//!    the put is a no-op ([`PutOutcome::Duplicate`]).
//! 2. If the slot `(b, i)` is taken with timestamp `t`, the put is refused with
//!    [`StoreError::OverwriteNewerChunk`] unless `s.timestamp > t` strictly.
//! 3. If the item `(b, a)` is stored under another stamp of `b` (another index, or the same
//!    index with another timestamp), the same strict rule applies against its timestamp: a
//!    chunk holds at most one item per batch.
//! 4. Only then is anything changed: the slot's previous occupant and the chunk's previous
//!    item in `b` are removed from every index, and the new item is inserted.
//!
//! The checks of 1–3 only read, so a refused put changes nothing. The storer applies the rule
//! to every batch and does not look at the immutable flag, as Bee does.

use comb_postage::Stamp;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, B256};

use crate::reserve::{Reserve, ReserveTxn};
use crate::StoreError;

/// What a successful [`Reserve::put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The item is new.
    Stored,
    /// The item replaced an older stamp's item (spec §2.9): `previous` is the chunk that held
    /// the stamp slot or, when the same chunk was re-stamped, the chunk itself. The previous
    /// item is gone from every index.
    Replaced {
        /// Address of the item that was removed.
        previous: B256,
    },
    /// The identical (address, batch, stamp) was already stored; nothing changed.
    Duplicate,
}

impl Reserve {
    /// Stores `chunk` under `stamp` (spec §2.9). The caller has validated the chunk (`kind`)
    /// and the stamp (§2.10). One durable write transaction; a refused or failed put commits
    /// nothing. Putting does not evict: see [`Reserve::unreserve`] once the reserve is over
    /// capacity.
    pub fn put(
        &self,
        chunk: &Chunk,
        stamp: &Stamp,
        kind: ChunkType,
    ) -> Result<PutOutcome, StoreError> {
        let txn = self.db().begin_write()?;
        let result = ReserveTxn::open(&txn).and_then(|mut reserve| {
            let outcome = self.put_in(&mut reserve, chunk, stamp, kind)?;
            reserve.finish()?;
            Ok(outcome)
        });
        match result {
            Ok(PutOutcome::Duplicate) => {
                txn.abort()?;
                Ok(PutOutcome::Duplicate)
            }
            Ok(outcome) => {
                txn.commit()?;
                Ok(outcome)
            }
            Err(error) => {
                txn.abort()?;
                Err(error)
            }
        }
    }

    /// Stores several chunks in one durable write transaction (faster uploads: one commit
    /// instead of one per chunk). Each chunk follows the rule of [`Reserve::put`] in order;
    /// a chunk refused by the overwrite rule gets its own `Err` in the returned vector and the
    /// others are stored. Any other error aborts the whole batch and is returned as the outer
    /// `Err`, with nothing committed.
    pub fn put_many(
        &self,
        chunks: &[(Chunk, Stamp, ChunkType)],
    ) -> Result<Vec<Result<PutOutcome, StoreError>>, StoreError> {
        let txn = self.db().begin_write()?;
        let result = ReserveTxn::open(&txn).and_then(|mut reserve| {
            let mut outcomes = Vec::with_capacity(chunks.len());
            for (chunk, stamp, kind) in chunks {
                match self.put_in(&mut reserve, chunk, stamp, *kind) {
                    Ok(outcome) => outcomes.push(Ok(outcome)),
                    Err(refused @ StoreError::OverwriteNewerChunk { .. }) => {
                        outcomes.push(Err(refused));
                    }
                    Err(error) => return Err(error),
                }
            }
            reserve.finish()?;
            Ok(outcomes)
        });
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

    /// The overwrite rule inside an open transaction (see the module documentation).
    fn put_in(
        &self,
        reserve: &mut ReserveTxn<'_>,
        chunk: &Chunk,
        stamp: &Stamp,
        kind: ChunkType,
    ) -> Result<PutOutcome, StoreError> {
        let address = chunk.address();
        let batch = stamp.batch_id;
        let bin = self.bin_of(address);
        let index = stamp.index.as_u64();

        let existing = reserve.item(&batch, bin, address)?;
        if existing.is_some_and(|item| item.stamp == stamp.to_bytes()) {
            return Ok(PutOutcome::Duplicate);
        }
        let occupant = reserve.stamp_slot(&batch, index)?;
        if let Some((_, stored)) = occupant {
            if stamp.timestamp <= stored {
                return Err(StoreError::OverwriteNewerChunk {
                    batch,
                    index,
                    stored,
                    offered: stamp.timestamp,
                });
            }
        }
        if let Some(item) = existing {
            if stamp.timestamp <= item.timestamp() {
                return Err(StoreError::OverwriteNewerChunk {
                    batch,
                    index: item.stamp_index(),
                    stored: item.timestamp(),
                    offered: stamp.timestamp,
                });
            }
        }

        // The data of a chunk already held stays as it is: two different byte strings can
        // share a content address (a payload zero-padded to 4096 bytes has the BMT hash of
        // the unpadded one), and a valid stored copy is never replaced by another.
        let kept = reserve.chunk_data(address)?;
        let mut previous = None;
        if let Some((occupant, _)) = occupant {
            reserve.remove_item(&batch, self.bin_of(&occupant), &occupant)?;
            previous = Some(occupant);
        }
        if existing.is_some() {
            reserve.remove_item(&batch, bin, address)?;
            previous.get_or_insert(*address);
        }
        match kept {
            Some(data) if data.as_slice() != chunk.data() => {
                reserve.insert_item(&Chunk::new_unchecked(*address, data), stamp, kind, bin)?;
            }
            _ => reserve.insert_item(chunk, stamp, kind, bin)?,
        }
        Ok(match previous {
            Some(previous) => PutOutcome::Replaced { previous },
            None => PutOutcome::Stored,
        })
    }
}
