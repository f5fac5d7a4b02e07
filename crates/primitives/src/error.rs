use thiserror::Error;

/// Everything that can go wrong when building, parsing or verifying primitives.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PrimitivesError {
    /// A chunk payload longer than 4096 bytes (spec §1.1).
    #[error("payload of {0} bytes exceeds the 4096-byte chunk size")]
    PayloadTooLarge(usize),
    /// Chunk data shorter than the 8-byte span or longer than span + 4096 (spec §1.2).
    #[error("chunk data of {0} bytes is outside 8..=4104")]
    InvalidChunkLength(usize),
    /// A content-addressed chunk whose BMT hash is not its address.
    #[error("chunk address does not match its content")]
    AddressMismatch,
    /// A BMT segment index outside 0..128.
    #[error("segment index {0} is outside 0..128")]
    SegmentIndexOutOfRange(usize),
    /// Single-owner chunk data shorter than 105 bytes (spec §1.1 `SocMinChunkSize`).
    #[error("single-owner chunk of {0} bytes is shorter than 105")]
    SocTooShort(usize),
    /// A single-owner chunk whose address is not `H(id || owner)` (spec §1.5).
    #[error("single-owner chunk address does not match H(id || owner)")]
    SocAddressMismatch,
    /// A dispersed replica whose wrapped address does not match its id (spec §1.5).
    #[error("dispersed replica: wrapped address bytes 1..32 differ from the id")]
    ReplicaIdMismatch,
    /// A signature that is not 65 bytes, has v outside {27, 28}, or does not recover.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// A secp256k1 private key that is zero or not below the curve order.
    #[error("invalid private key")]
    InvalidPrivateKey,
    /// Malformed hexadecimal input.
    #[error("invalid hex: {0}")]
    InvalidHex(String),
}
