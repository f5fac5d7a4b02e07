//! Pinned content: chunks kept outside the reserve and the cache, so that neither reserve
//! eviction (by batch value, spec §7) nor cache eviction ever removes them.
//!
//! A pin is a root reference and the list of every chunk under it (found by the node's
//! traversal). Chunk data and stamps are stored once with a reference count over all pins,
//! so two pins sharing chunks keep them until both are removed.
//!
//! | table | key | value |
//! |---|---|---|
//! | `pin_roots` | root (32) | the addresses of its chunks, 32 bytes each |
//! | `pin_chunks` | address (32) | count (4) ‖ stamp (113) ‖ wire data |

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use comb_postage::{Stamp, STAMP_SIZE};
use comb_primitives::{Chunk, B256};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::StoreError;

const PIN_ROOTS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("pin_roots");
const PIN_CHUNKS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("pin_chunks");

/// The pin store.
#[derive(Debug, Clone)]
pub struct Pins {
    db: Arc<Database>,
    /// Whether any root is pinned, kept in memory so that the node's chunk lookups (which
    /// fall back to the pins after the reserve and the cache) skip the pin table on every
    /// miss while nothing is pinned.
    any: Arc<AtomicBool>,
}

fn decode_chunk(address: &B256, value: &[u8]) -> Result<(u32, Stamp, Chunk), StoreError> {
    if value.len() < 4 + STAMP_SIZE {
        return Err(StoreError::corrupt("pin_chunks", "record too short"));
    }
    let (count, rest) = value.split_at(4);
    let (stamp, data) = rest.split_at(STAMP_SIZE);
    let count = u32::from_be_bytes([count[0], count[1], count[2], count[3]]);
    let stamp =
        Stamp::from_bytes(stamp).map_err(|e| StoreError::corrupt("pin_chunks", e.to_string()))?;
    Ok((count, stamp, Chunk::new_unchecked(*address, data.to_vec())))
}

fn encode_chunk(count: u32, stamp: &Stamp, chunk: &Chunk) -> Vec<u8> {
    let mut value = Vec::with_capacity((4 + STAMP_SIZE).saturating_add(chunk.data().len()));
    value.extend_from_slice(&count.to_be_bytes());
    value.extend_from_slice(&stamp.to_bytes());
    value.extend_from_slice(chunk.data());
    value
}

impl Pins {
    /// Opens the pin tables in `db`.
    pub fn open(db: Arc<Database>) -> Result<Self, StoreError> {
        let txn = db.begin_write()?;
        {
            txn.open_table(PIN_ROOTS)?;
            txn.open_table(PIN_CHUNKS)?;
        }
        txn.commit()?;
        let pins = Self {
            db,
            any: Arc::new(AtomicBool::new(false)),
        };
        pins.refresh_any()?;
        Ok(pins)
    }

    fn refresh_any(&self) -> Result<(), StoreError> {
        use redb::ReadableTableMetadata;
        let txn = self.db.begin_read()?;
        let any = !txn.open_table(PIN_ROOTS)?.is_empty()?;
        self.any.store(any, Ordering::SeqCst);
        Ok(())
    }

    /// Pins `root` with every chunk under it, in one durable transaction. Pinning a root
    /// that is already pinned changes nothing and returns `false`.
    pub fn pin(&self, root: &B256, chunks: &[(Chunk, Stamp)]) -> Result<bool, StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut roots = txn.open_table(PIN_ROOTS)?;
            if roots.get(&root.0)?.is_some() {
                return Ok(false);
            }
            let mut table = txn.open_table(PIN_CHUNKS)?;
            let mut addresses = Vec::with_capacity(chunks.len().saturating_mul(32));
            for (chunk, stamp) in chunks {
                let address = chunk.address();
                let count = match table.get(&address.0)? {
                    Some(value) => decode_chunk(address, value.value())?.0,
                    None => 0,
                };
                let count = count
                    .checked_add(1)
                    .ok_or(StoreError::Overflow("pin count"))?;
                table.insert(&address.0, encode_chunk(count, stamp, chunk).as_slice())?;
                addresses.extend_from_slice(address.as_slice());
            }
            roots.insert(&root.0, addresses.as_slice())?;
        }
        txn.commit()?;
        self.any.store(true, Ordering::SeqCst);
        Ok(true)
    }

    /// Unpins `root`: chunks no other pin holds are deleted. Returns whether it was pinned.
    pub fn unpin(&self, root: &B256) -> Result<bool, StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut roots = txn.open_table(PIN_ROOTS)?;
            let Some(addresses) = roots.remove(&root.0)?.map(|v| v.value().to_vec()) else {
                return Ok(false);
            };
            let mut table = txn.open_table(PIN_CHUNKS)?;
            for address in addresses.chunks_exact(32) {
                let address = B256::from_slice(address);
                let record = match table.get(&address.0)? {
                    Some(value) => Some(decode_chunk(&address, value.value())?),
                    None => None,
                };
                match record {
                    Some((count, stamp, chunk)) if count > 1 => {
                        let value = encode_chunk(count.saturating_sub(1), &stamp, &chunk);
                        table.insert(&address.0, value.as_slice())?;
                    }
                    Some(_) => {
                        table.remove(&address.0)?;
                    }
                    None => {}
                }
            }
        }
        txn.commit()?;
        self.refresh_any()?;
        Ok(true)
    }

    /// Whether `root` is pinned.
    pub fn is_pinned(&self, root: &B256) -> Result<bool, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(PIN_ROOTS)?.get(&root.0)?.is_some())
    }

    /// Every pinned root, in byte order.
    pub fn roots(&self) -> Result<Vec<B256>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(PIN_ROOTS)?;
        let mut roots = Vec::new();
        for entry in table.iter()? {
            let (key, _) = entry?;
            roots.push(B256::from(*key.value()));
        }
        Ok(roots)
    }

    /// A pinned chunk with its stamp.
    pub fn get(&self, address: &B256) -> Result<Option<(Chunk, Stamp)>, StoreError> {
        if !self.any.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let txn = self.db.begin_read()?;
        let table = txn.open_table(PIN_CHUNKS)?;
        let Some(value) = table.get(&address.0)? else {
            return Ok(None);
        };
        let (_, stamp, chunk) = decode_chunk(address, value.value())?;
        Ok(Some((chunk, stamp)))
    }

    /// Bee's pin integrity check (`GET /pins/check`, `storer.PinIntegrity.Check`) of one
    /// root: every chunk listed under it counted, those not stored counted missing, those
    /// whose data is neither a valid content-addressed nor a valid single-owner chunk at
    /// their address counted invalid. A root that is not pinned lists no chunk: all zeros.
    pub fn check(&self, root: &B256) -> Result<PinCheck, StoreError> {
        let txn = self.db.begin_read()?;
        let roots = txn.open_table(PIN_ROOTS)?;
        let chunks = txn.open_table(PIN_CHUNKS)?;
        let mut check = PinCheck::default();
        let Some(list) = roots.get(&root.0)? else {
            return Ok(check);
        };
        for address in list.value().chunks_exact(32) {
            let address = B256::from_slice(address);
            check.total = check.total.saturating_add(1);
            match chunks.get(&address.0)? {
                None => check.missing = check.missing.saturating_add(1),
                Some(value) => {
                    let valid =
                        decode_chunk(&address, value.value())
                            .ok()
                            .is_some_and(|(_, _, chunk)| {
                                comb_primitives::soc::chunk_type(&chunk).is_ok()
                            });
                    if !valid {
                        check.invalid = check.invalid.saturating_add(1);
                    }
                }
            }
        }
        Ok(check)
    }

    /// How many distinct chunks are pinned.
    pub fn chunk_count(&self) -> Result<u64, StoreError> {
        use redb::ReadableTableMetadata;
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(PIN_CHUNKS)?.len()?)
    }
}

/// What [`Pins::check`] found under one root.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinCheck {
    /// Chunks listed under the root.
    pub total: u64,
    /// Listed but not stored.
    pub missing: u64,
    /// Stored but not a valid chunk at its address.
    pub invalid: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use comb_postage::StampIndex;
    use comb_primitives::Signature;

    fn stamp() -> Stamp {
        Stamp {
            batch_id: B256::repeat_byte(7),
            index: StampIndex {
                bucket: 1,
                position: 2,
            },
            timestamp: 3,
            signature: Signature::from_slice(&[[1u8; 64].as_slice(), &[27]].concat()).unwrap(),
        }
    }

    #[test]
    fn shared_chunks_survive_until_the_last_unpin() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::open_database(&dir.path().join("db")).unwrap();
        let pins = Pins::open(Arc::clone(&db)).unwrap();
        let a = Chunk::content(b"a").unwrap();
        let b = Chunk::content(b"b").unwrap();
        let c = Chunk::content(b"c").unwrap();
        let (r1, r2) = (B256::repeat_byte(1), B256::repeat_byte(2));
        assert!(pins
            .pin(&r1, &[(a.clone(), stamp()), (b.clone(), stamp())])
            .unwrap());
        assert!(!pins.pin(&r1, &[(c.clone(), stamp())]).unwrap());
        assert!(pins
            .pin(&r2, &[(b.clone(), stamp()), (c.clone(), stamp())])
            .unwrap());
        assert_eq!(pins.roots().unwrap(), vec![r1, r2]);
        assert_eq!(pins.chunk_count().unwrap(), 3);
        // Opened again over the same database, the pins are found.
        let reopened = Pins::open(db).unwrap();
        assert_eq!(
            reopened.get(a.address()).unwrap().map(|(ch, _)| ch),
            Some(a.clone())
        );
        assert!(pins.unpin(&r1).unwrap());
        assert!(pins.get(a.address()).unwrap().is_none());
        assert_eq!(
            pins.get(b.address()).unwrap().map(|(ch, _)| ch),
            Some(b.clone())
        );
        assert_eq!(
            pins.get(c.address()).unwrap().map(|(_, s)| s),
            Some(stamp())
        );
        assert!(!pins.unpin(&r1).unwrap());
        assert!(pins.unpin(&r2).unwrap());
        assert_eq!(pins.chunk_count().unwrap(), 0);
        assert!(!pins.is_pinned(&r2).unwrap());
    }

    /// Bee's integrity check: valid chunks counted, a forged one invalid, an address listed
    /// without its chunk missing, an unknown root all zeros.
    #[test]
    fn check_counts_total_missing_and_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::open_database(&dir.path().join("db")).unwrap();
        let pins = Pins::open(Arc::clone(&db)).unwrap();
        let a = Chunk::content(b"a").unwrap();
        let forged = Chunk::new_unchecked(B256::repeat_byte(9), a.data().to_vec());
        let root = B256::repeat_byte(1);
        pins.pin(&root, &[(a.clone(), stamp()), (forged, stamp())])
            .unwrap();
        assert_eq!(
            pins.check(&root).unwrap(),
            PinCheck {
                total: 2,
                missing: 0,
                invalid: 1
            }
        );
        // List one more address whose chunk is not stored.
        let txn = db.begin_write().unwrap();
        {
            let mut roots = txn.open_table(PIN_ROOTS).unwrap();
            let mut list = roots.get(&root.0).unwrap().unwrap().value().to_vec();
            list.extend_from_slice(&[5u8; 32]);
            roots.insert(&root.0, list.as_slice()).unwrap();
        }
        txn.commit().unwrap();
        assert_eq!(
            pins.check(&root).unwrap(),
            PinCheck {
                total: 3,
                missing: 1,
                invalid: 1
            }
        );
        assert_eq!(
            pins.check(&B256::repeat_byte(2)).unwrap(),
            PinCheck::default()
        );
    }
}
