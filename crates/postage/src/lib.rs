//! Postage stamps (spec `storage-incentives.md` §2): the batch record and its id, the 113-byte
//! stamp with its signed digest, the stamp issuer with buckets and the mutable wrap-around,
//! and Bee's five-step stamp validation.
#![warn(clippy::arithmetic_side_effects)]

pub mod batch;
mod error;
pub mod issuer;
pub mod stamp;
pub mod validate;

pub use batch::{batch_id, Batch, BatchId};
pub use error::PostageError;
pub use issuer::{MemoryStampItems, StampIssuer, StampItemStore, Stamper};
pub use stamp::{bucket_of, Stamp, StampIndex, STAMP_SIZE};
pub use validate::{validate_stamp, BatchLookup};

/// Bucket depth Bee uses for every batch it buys (`postage.BucketDepth`, spec §2.1).
pub const BUCKET_DEPTH: u8 = 16;
