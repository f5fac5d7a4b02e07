//! comb's byte-level building blocks, bit-exact with Bee (spec `storage-incentives.md` §1).
//!
//! Keccak-256, the BMT chunk hash and its keyed variant, segment inclusion proofs,
//! content-addressed and single-owner chunks, proximity order, overlay addresses and
//! secp256k1 signing with Ethereum's conventions. Everything here is pure and allocation-light;
//! the store, the ledger and the network build on it.

pub mod bmt;
pub mod cheque;
pub mod chunk;
pub mod crypto;
mod error;
pub mod keccak;
pub mod overlay;
pub mod proximity;
pub mod soc;

pub use alloy_primitives::{address, b256, Address, B256, U256};
pub use chunk::{Chunk, ChunkAddress};
pub use crypto::{Signature, Signer};
pub use error::PrimitivesError;
pub use keccak::keccak256;

/// Bytes in a chunk's span prefix (spec §1.1 `SpanSize`).
pub const SPAN_SIZE: usize = 8;
/// Bytes in a BMT segment and in a hash (spec §1.1 `SectionSize`, `HashSize`).
pub const SEGMENT_SIZE: usize = 32;
/// Segments in a chunk's BMT (spec §1.1 `Branches`); also the references per intermediate
/// chunk of a file tree.
pub const BRANCHES: usize = 128;
/// Maximum payload of a chunk in bytes (spec §1.1 `ChunkSize`).
pub const CHUNK_SIZE: usize = 4096;
/// Largest proximity order Bee's capped `Proximity` returns (spec §1.1 `MaxPO`).
pub const MAX_PO: u8 = 31;
/// Largest proximity order of Bee's `ExtendedProximity` (spec §1.1 `ExtendedPO`).
pub const EXTENDED_PO: u8 = 36;
/// Number of proximity-order bins a node keeps (spec §1.1 `MaxBins`).
pub const MAX_BINS: usize = 32;
