use comb_primitives::{Address, PrimitivesError, B256};
use thiserror::Error;

/// Why a stamp could not be issued, parsed or validated (spec §2.7–§2.10).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PostageError {
    /// Stamp bytes that are not exactly 113 long.
    #[error("stamp of {0} bytes, expected 113")]
    InvalidStampLength(usize),
    /// Validation step 1: the batch is unknown to the batch store (or has expired).
    #[error("batch {0} not found")]
    BatchNotFound(B256),
    /// Validation step 2: the signature does not recover to any address.
    #[error("stamp signature invalid: {0}")]
    InvalidSignature(PrimitivesError),
    /// Validation step 3: the stamp's bucket is not the chunk's bucket.
    #[error("stamp bucket {stamp} does not match the chunk's bucket {chunk}")]
    BucketMismatch {
        /// Bucket written in the stamp.
        stamp: u32,
        /// Bucket the chunk address falls in.
        chunk: u32,
    },
    /// Validation step 4: the position is outside `2^(depth − bucketDepth)`.
    #[error("stamp position {position} is outside the bucket of {upper_bound} slots")]
    InvalidIndex {
        /// Position written in the stamp.
        position: u32,
        /// Slots per bucket of the batch.
        upper_bound: u64,
    },
    /// Validation step 5: the signer is not the batch owner.
    #[error("stamp signed by {signer}, batch owned by {owner}")]
    OwnerMismatch {
        /// Address recovered from the signature.
        signer: Address,
        /// Batch owner.
        owner: Address,
    },
    /// An immutable batch's bucket is full (spec §2.9 `ErrBucketFull`).
    #[error("bucket {0} of the immutable batch is full")]
    BucketFull(u32),
    /// A batch whose depths cannot be issued from (bucket depth must be below depth, depth ≤ 64).
    #[error("invalid batch depths: depth {depth}, bucket depth {bucket_depth}")]
    InvalidDepth {
        /// Batch depth.
        depth: u8,
        /// Bucket depth.
        bucket_depth: u8,
    },
    /// The issuer's signer is not the batch owner.
    #[error("signer {signer} is not the owner {owner} of the batch")]
    NotBatchOwner {
        /// The signer offered.
        signer: Address,
        /// The batch owner.
        owner: Address,
    },
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(PrimitivesError),
}
