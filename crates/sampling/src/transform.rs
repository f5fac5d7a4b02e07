//! Transformed addresses (spec §6.2): the anchor-keyed BMT hash of a chunk's content, with a
//! SOC's result bound to its address as `H(socAddress || keyed hash of the wrapped chunk)`.

use comb_primitives::bmt::{hash_with, KeyedHasher};
use comb_primitives::chunk::split_span;
use comb_primitives::keccak::keccak256_concat;
use comb_primitives::soc::{ChunkType, SOC_HEADER_SIZE};
use comb_primitives::{Chunk, PrimitivesError, B256};

/// The keyed hasher of one round's anchor; build it once and reuse it for every chunk.
pub type TransformHasher = KeyedHasher;

/// The keyed BMT hash of CAC wire data `span || payload`.
fn keyed_content_hash(hasher: &TransformHasher, data: &[u8]) -> Result<[u8; 32], PrimitivesError> {
    let (span, payload) = split_span(data)?;
    hash_with(hasher, &span, payload)
}

/// The transformed address of `chunk` under the hasher's anchor (spec §6.2). `kind` is the
/// chunk's type as the store validated it on arrival.
pub fn transformed_address(
    hasher: &TransformHasher,
    chunk: &Chunk,
    kind: ChunkType,
) -> Result<B256, PrimitivesError> {
    match kind {
        ChunkType::Content => Ok(B256::from(keyed_content_hash(hasher, chunk.data())?)),
        ChunkType::SingleOwner => {
            let wrapped = chunk
                .data()
                .get(SOC_HEADER_SIZE..)
                .ok_or(PrimitivesError::SocTooShort(chunk.data().len()))?;
            let inner = keyed_content_hash(hasher, wrapped)?;
            Ok(B256::from(keccak256_concat(&[
                chunk.address().as_slice(),
                &inner,
            ])))
        }
    }
}
