//! Reserve sampling for the redistribution game (spec `storage-incentives.md` §6): the
//! anchor-keyed transformed address of a chunk, the sample of the 16 smallest transformed
//! addresses with Bee's ordering and tie rule, the reserve-commitment hash, the claim-proof
//! builder (§6.5) and the pure half of claim verification (§5.8 inclusion and SOC checks).
//!
//! These are pure functions over chunks and stamps: the store feeds chunks in, the incentive
//! agent commits the hash and claims with the proofs, and the ledger verifies them.

pub mod commit;
pub mod eligibility;
mod error;
pub mod proof;
pub mod sample;
pub mod transform;
pub mod verify;

pub use commit::wrap_commit;
pub use eligibility::{Offer, SampleBuilder, SampleRules};
pub use error::SamplingError;
pub use proof::{make_inclusion_proofs, ClaimProof, PostageProof, SocProof, WitnessIndices};
pub use sample::{Sample, SampleItem};
pub use transform::{transformed_address, TransformHasher};

/// Items in a reserve sample (Bee `SampleSize`, spec §6.3).
pub const SAMPLE_SIZE: usize = 16;

/// Span of the reserve-commitment chunk: 16 items of 64 bytes (spec §5.8).
pub const COMMITMENT_SPAN: u64 = 1024;
