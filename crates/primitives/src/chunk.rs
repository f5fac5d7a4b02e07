//! Chunks as they travel and are stored: an address and the wire data `span || payload`
//! (spec §1.2), plus content-addressed chunk (CAC) construction and validation.

use alloy_primitives::B256;

use crate::bmt::{bmt_hash, Span};
use crate::{PrimitivesError, CHUNK_SIZE, SPAN_SIZE};

/// A chunk's 32-byte address.
pub type ChunkAddress = B256;

/// A chunk: its address and its wire data. For a CAC the data is `span || payload`; for a
/// single-owner chunk it is `id || signature || span || payload` (see [`crate::soc`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    address: ChunkAddress,
    data: Vec<u8>,
}

impl Chunk {
    /// Pairs an address with data without checking them; use [`Chunk::validate_content`] or
    /// [`crate::soc::SingleOwnerChunk::from_chunk`] on untrusted input.
    pub fn new_unchecked(address: ChunkAddress, data: Vec<u8>) -> Self {
        Self { address, data }
    }

    /// A content-addressed chunk of `payload` with span `u64le(len(payload))` (Bee `cac.New`).
    pub fn content(payload: &[u8]) -> Result<Self, PrimitivesError> {
        Self::content_with_span(payload.len() as u64, payload)
    }

    /// A content-addressed chunk with an explicit span, as intermediate chunks of a file tree
    /// carry the length of their whole subtree (spec §1.2).
    pub fn content_with_span(span: u64, payload: &[u8]) -> Result<Self, PrimitivesError> {
        let span_bytes = span.to_le_bytes();
        let address = B256::from(bmt_hash(&span_bytes, payload)?);
        let mut data = Vec::with_capacity(SPAN_SIZE + payload.len());
        data.extend_from_slice(&span_bytes);
        data.extend_from_slice(payload);
        Ok(Self { address, data })
    }

    /// A content-addressed chunk from wire data `span || payload`, address computed.
    pub fn content_from_data(data: Vec<u8>) -> Result<Self, PrimitivesError> {
        let (span, payload) = split_span(&data)?;
        let address = B256::from(bmt_hash(&span, payload)?);
        Ok(Self { address, data })
    }

    /// Checks that this is a valid CAC: length in 8..=4104 and address = BMT hash (spec §1.2).
    pub fn validate_content(&self) -> Result<(), PrimitivesError> {
        let (span, payload) = split_span(&self.data)?;
        if bmt_hash(&span, payload)? == self.address.0 {
            Ok(())
        } else {
            Err(PrimitivesError::AddressMismatch)
        }
    }

    /// The chunk's address.
    pub fn address(&self) -> &ChunkAddress {
        &self.address
    }

    /// The chunk's wire data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Consumes the chunk, returning its data.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// For a CAC: the span as an integer (the payload length, or a subtree length).
    pub fn span(&self) -> u64 {
        split_span(&self.data)
            .map(|(span, _)| u64::from_le_bytes(span))
            .unwrap_or(0)
    }

    /// For a CAC: the payload after the span.
    pub fn payload(&self) -> &[u8] {
        self.data.get(SPAN_SIZE..).unwrap_or_default()
    }
}

/// Splits CAC wire data into span and payload, checking `8 ≤ len ≤ 4104`.
pub fn split_span(data: &[u8]) -> Result<(Span, &[u8]), PrimitivesError> {
    if data.len() < SPAN_SIZE || data.len() > SPAN_SIZE + CHUNK_SIZE {
        return Err(PrimitivesError::InvalidChunkLength(data.len()));
    }
    let (span, payload) = data.split_at(SPAN_SIZE);
    let mut span_bytes = [0u8; SPAN_SIZE];
    span_bytes.copy_from_slice(span);
    Ok((span_bytes, payload))
}
