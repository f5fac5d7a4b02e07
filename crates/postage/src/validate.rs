//! Stamp validation as a storer does it (spec §2.10, Bee `postage.ValidStamp`).

use comb_primitives::{Address, B256};

use crate::batch::Batch;
use crate::stamp::{bucket_of, Stamp};
use crate::PostageError;

/// Where validation finds batches: the node's batch store. Expired batches are not found.
pub trait BatchLookup {
    /// The live batch with this id, if any.
    fn batch(&self, id: &B256) -> Option<Batch>;
}

impl BatchLookup for std::collections::HashMap<B256, Batch> {
    fn batch(&self, id: &B256) -> Option<Batch> {
        self.get(id).cloned()
    }
}

/// Validates `stamp` for the chunk at `chunk_address` (the SOC address for a SOC) in Bee's
/// order: (1) the batch exists, (2) the signature recovers, (3) the bucket matches the
/// address, (4) the position is inside the bucket, (5) the signer owns the batch. Each failure
/// is a distinct [`PostageError`]. Returns the batch on success.
pub fn validate_stamp(
    stamp: &Stamp,
    chunk_address: &B256,
    batches: &impl BatchLookup,
) -> Result<Batch, PostageError> {
    let batch = batches
        .batch(&stamp.batch_id)
        .ok_or(PostageError::BatchNotFound(stamp.batch_id))?;
    let signer: Address = stamp
        .recover_signer(chunk_address)
        .map_err(PostageError::InvalidSignature)?;
    let chunk_bucket = bucket_of(chunk_address, batch.bucket_depth);
    if stamp.index.bucket != chunk_bucket {
        return Err(PostageError::BucketMismatch {
            stamp: stamp.index.bucket,
            chunk: chunk_bucket,
        });
    }
    let upper_bound = batch.bucket_upper_bound();
    if u64::from(stamp.index.position) >= upper_bound {
        return Err(PostageError::InvalidIndex {
            position: stamp.index.position,
            upper_bound,
        });
    }
    if signer != batch.owner {
        return Err(PostageError::OwnerMismatch {
            signer,
            owner: batch.owner,
        });
    }
    Ok(batch)
}
