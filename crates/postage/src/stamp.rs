//! The 113-byte postage stamp (spec §2.7) and the digest its owner signs (§2.8).

use comb_primitives::crypto::{recover_digest, Signature, SIGNATURE_SIZE};
use comb_primitives::keccak::keccak256_concat;
use comb_primitives::{Address, PrimitivesError, Signer, B256};

use crate::PostageError;

/// Length of a marshalled stamp.
pub const STAMP_SIZE: usize = 32 + 8 + 8 + SIGNATURE_SIZE;

/// The bucket a chunk address falls in: its first `bucket_depth` bits (spec §2.7).
pub fn bucket_of(chunk_address: &B256, bucket_depth: u8) -> u32 {
    let prefix = u32::from_be_bytes([
        chunk_address[0],
        chunk_address[1],
        chunk_address[2],
        chunk_address[3],
    ]);
    match 32u32.checked_sub(u32::from(bucket_depth)) {
        Some(32) => 0,
        Some(shift) => prefix >> shift,
        None => prefix,
    }
}

/// A stamp's index: which bucket, and which slot in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StampIndex {
    /// The bucket: the first `bucketDepth` bits of the chunk address.
    pub bucket: u32,
    /// The slot in the bucket, below `2^(depth − bucketDepth)`.
    pub position: u32,
}

impl StampIndex {
    /// The 8-byte big-endian encoding `u32be(bucket) || u32be(position)`.
    pub fn to_bytes(self) -> [u8; 8] {
        self.as_u64().to_be_bytes()
    }

    /// The index as the contract's single `uint64`.
    pub fn as_u64(self) -> u64 {
        (u64::from(self.bucket) << 32) | u64::from(self.position)
    }

    /// The index from the contract's `uint64`.
    pub fn from_u64(index: u64) -> Self {
        Self {
            bucket: (index >> 32) as u32,
            position: index as u32,
        }
    }
}

/// `H(chunkAddr || batchID || index || timestamp)`: what the batch owner signs, after the
/// EIP-191 prefix (spec §2.8, Bee `ToSignDigest`, contract `getPostageMessageHash`).
pub fn stamp_digest(
    chunk_address: &B256,
    batch_id: &B256,
    index: StampIndex,
    timestamp: u64,
) -> [u8; 32] {
    keccak256_concat(&[
        chunk_address.as_slice(),
        batch_id.as_slice(),
        &index.to_bytes(),
        &timestamp.to_be_bytes(),
    ])
}

/// A postage stamp: the batch, the index, the timestamp (ns) and the owner's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The batch paying for the chunk.
    pub batch_id: B256,
    /// Bucket and slot.
    pub index: StampIndex,
    /// Issue time in nanoseconds since the Unix epoch (Bee writes `UnixNano`).
    pub timestamp: u64,
    /// Signature of the batch owner over [`stamp_digest`].
    pub signature: Signature,
}

impl Stamp {
    /// Signs a stamp for `chunk_address` (the SOC address for a SOC).
    pub fn sign(
        signer: &Signer,
        chunk_address: &B256,
        batch_id: B256,
        index: StampIndex,
        timestamp: u64,
    ) -> Result<Self, PostageError> {
        let digest = stamp_digest(chunk_address, &batch_id, index, timestamp);
        let signature = signer.sign_digest(&digest).map_err(PostageError::Signing)?;
        Ok(Self {
            batch_id,
            index,
            timestamp,
            signature,
        })
    }

    /// The digest this stamp's signature covers for `chunk_address`.
    pub fn digest(&self, chunk_address: &B256) -> [u8; 32] {
        stamp_digest(chunk_address, &self.batch_id, self.index, self.timestamp)
    }

    /// Recovers the signer of this stamp for `chunk_address`.
    pub fn recover_signer(&self, chunk_address: &B256) -> Result<Address, PrimitivesError> {
        recover_digest(&self.digest(chunk_address), &self.signature)
    }

    /// The 113-byte marshal: `batchID || index || timestamp || signature`.
    pub fn to_bytes(&self) -> [u8; STAMP_SIZE] {
        let mut out = [0u8; STAMP_SIZE];
        out[..32].copy_from_slice(self.batch_id.as_slice());
        out[32..40].copy_from_slice(&self.index.to_bytes());
        out[40..48].copy_from_slice(&self.timestamp.to_be_bytes());
        out[48..].copy_from_slice(self.signature.as_bytes());
        out
    }

    /// Parses a 113-byte stamp. The signature's recovery byte must be 27 or 28.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PostageError> {
        let bytes: &[u8; STAMP_SIZE] = bytes
            .try_into()
            .map_err(|_| PostageError::InvalidStampLength(bytes.len()))?;
        let (batch, rest) = bytes.split_at(32);
        let (index, rest) = rest.split_at(8);
        let (timestamp, signature) = rest.split_at(8);
        let mut index_bytes = [0u8; 8];
        index_bytes.copy_from_slice(index);
        let mut timestamp_bytes = [0u8; 8];
        timestamp_bytes.copy_from_slice(timestamp);
        Ok(Self {
            batch_id: B256::from_slice(batch),
            index: StampIndex::from_u64(u64::from_be_bytes(index_bytes)),
            timestamp: u64::from_be_bytes(timestamp_bytes),
            signature: Signature::from_slice(signature).map_err(PostageError::InvalidSignature)?,
        })
    }

    /// Bee's reserve key for the stamp: `H(113-byte marshal)` (spec §2.7).
    pub fn hash(&self) -> B256 {
        B256::from(keccak256_concat(&[&self.to_bytes()]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_takes_leading_bits() {
        let mut address = B256::ZERO;
        address[0] = 0xa5;
        address[1] = 0x3f;
        address[2] = 0xff;
        assert_eq!(bucket_of(&address, 16), 0xa53f);
        assert_eq!(bucket_of(&address, 1), 1);
        assert_eq!(bucket_of(&address, 0), 0);
        assert_eq!(bucket_of(&address, 32), 0xa53f_ff00);
    }

    #[test]
    fn index_round_trips_through_u64() {
        let index = StampIndex {
            bucket: 0x8001,
            position: 0xffff,
        };
        assert_eq!(index.to_bytes(), [0, 0, 0x80, 0x01, 0, 0, 0xff, 0xff]);
        assert_eq!(StampIndex::from_u64(index.as_u64()), index);
    }

    #[test]
    fn short_or_unsigned_bytes_are_rejected() {
        assert_eq!(
            Stamp::from_bytes(&[0u8; 112]),
            Err(PostageError::InvalidStampLength(112))
        );
        assert!(matches!(
            Stamp::from_bytes(&[0u8; 113]),
            Err(PostageError::InvalidSignature(_))
        ));
    }
}
