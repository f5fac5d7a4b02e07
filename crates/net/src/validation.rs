//! Checks on what peers send: 32-byte addresses, valid chunks (CAC or SOC), parseable and
//! valid stamps. Every failure is a [`NetError`] that counts against the sender.

use comb_postage::Stamp;
use comb_primitives::soc::chunk_type;
use comb_primitives::{Chunk, B256};

use crate::storage::StampValidator;
use crate::NetError;

/// A 32-byte address from the wire.
pub fn address(bytes: &[u8]) -> Result<B256, NetError> {
    if bytes.len() != 32 {
        return Err(NetError::Malformed(format!(
            "address of {} bytes, expected 32",
            bytes.len()
        )));
    }
    Ok(B256::from_slice(bytes))
}

/// A chunk from the wire that must be a valid content-addressed or single-owner chunk at
/// `address`.
pub fn chunk(address: B256, data: Vec<u8>) -> Result<Chunk, NetError> {
    let chunk = Chunk::new_unchecked(address, data);
    chunk_type(&chunk).map_err(|e| NetError::InvalidChunk(e.to_string()))?;
    Ok(chunk)
}

/// A stamp from the wire (113 bytes).
pub fn stamp(bytes: &[u8]) -> Result<Stamp, NetError> {
    Stamp::from_bytes(bytes).map_err(|e| NetError::InvalidStamp(e.to_string()))
}

/// A stamp from the wire, validated for `chunk`.
pub fn valid_stamp(
    validator: &dyn StampValidator,
    chunk: &Chunk,
    bytes: &[u8],
) -> Result<Stamp, NetError> {
    let stamp = stamp(bytes)?;
    validator
        .validate(chunk, &stamp)
        .map_err(|error| match error {
            comb_postage::PostageError::BatchNotFound(batch) => NetError::UnknownBatch(batch),
            other => NetError::InvalidStamp(other.to_string()),
        })?;
    Ok(stamp)
}
