use comb_postage::PostageError;
use comb_primitives::PrimitivesError;
use thiserror::Error;

/// Why a sample, a proof or a proof check failed (spec §6, §5.8).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SamplingError {
    /// A chunk that is neither a valid CAC nor a valid SOC, or a malformed proof field.
    #[error(transparent)]
    Chunk(#[from] PrimitivesError),
    /// A stamp that does not validate.
    #[error(transparent)]
    Stamp(#[from] PostageError),
    /// Proofs need a full sample of 16 items (spec §6.4).
    #[error("a claim needs {expected} sample items, the sample has {actual}")]
    IncompleteSample {
        /// Items required.
        expected: usize,
        /// Items present.
        actual: usize,
    },
    /// The contract's `InclusionProofFailed(n)` (spec §5.8 inclusionFunction steps 2–4).
    #[error("inclusion proof failed at check {0}")]
    InclusionProofFailed(u8),
    /// The SOC signature does not recover to the claimed signer (`SocVerificationFailed`).
    #[error("SOC signature does not recover to its signer")]
    SocVerificationFailed,
    /// `H(identifier || signer)` is not the proved address (`SocCalcNotMatching`).
    #[error("SOC address does not match H(identifier || signer)")]
    SocCalcNotMatching,
}
