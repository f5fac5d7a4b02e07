use comb_primitives::{ChunkAddress, PrimitivesError};
use thiserror::Error;

/// A boxed error from a caller-supplied chunk sink or chunk source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while splitting data into a chunk tree or joining it back.
#[derive(Debug, Error)]
pub enum FileTreeError {
    /// Building or hashing a chunk failed (spec §1.2).
    #[error(transparent)]
    Primitives(#[from] PrimitivesError),
    /// Reading the input or writing the output failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The chunk sink refused a chunk.
    #[error("chunk sink: {0}")]
    Sink(#[source] BoxError),
    /// The chunk source failed to deliver a chunk.
    #[error("chunk source, chunk {address}: {source}")]
    Source {
        /// The chunk that was asked for.
        address: ChunkAddress,
        /// What the source reported.
        #[source]
        source: BoxError,
    },
    /// The chunk source does not hold the chunk.
    #[error("chunk {0} not found")]
    MissingChunk(ChunkAddress),
    /// The data delivered for a chunk does not hash to its address (spec §1.2).
    #[error("chunk {expected}: data hashes to {actual}")]
    AddressMismatch {
        /// The address that was asked for.
        expected: ChunkAddress,
        /// The BMT hash of the delivered data.
        actual: ChunkAddress,
    },
    /// Chunk data shorter than the span or longer than span plus 4096 bytes (spec §1.2).
    #[error("chunk {address}: data of {len} bytes is outside 8..=4104")]
    InvalidChunkLength {
        /// The chunk.
        address: ChunkAddress,
        /// Its data length.
        len: usize,
    },
    /// A child chunk whose span differs from the size its parent implies.
    #[error("chunk {address}: span {actual}, but its parent implies {expected}")]
    SpanMismatch {
        /// The child chunk.
        address: ChunkAddress,
        /// The subtree size implied by the parent.
        expected: u64,
        /// The span the chunk carries.
        actual: u64,
    },
    /// A leaf chunk (span ≤ 4096) whose payload is shorter than its span.
    #[error("leaf chunk {address}: span {span}, payload of {payload_len} bytes")]
    LeafLengthMismatch {
        /// The chunk.
        address: ChunkAddress,
        /// Its span.
        span: u64,
        /// Its payload length.
        payload_len: usize,
    },
    /// An intermediate chunk with fewer references than its span needs.
    #[error(
        "intermediate chunk {address}: span {span} needs {expected} references, found only {actual}"
    )]
    ReferenceCountMismatch {
        /// The chunk.
        address: ChunkAddress,
        /// Its span.
        span: u64,
        /// The number of references the span implies.
        expected: u64,
        /// The number of references in the payload.
        actual: usize,
    },
    /// More input than a file tree can describe (the total length must fit a u64 span).
    #[error("input longer than the largest file a chunk tree can describe")]
    TooLarge,
    /// A byte range that does not lie inside the file.
    #[error("range {start}+{len} is outside a file of {size} bytes")]
    RangeOutOfBounds {
        /// First byte of the range.
        start: u64,
        /// Length of the range.
        len: u64,
        /// The file size.
        size: u64,
    },
}

impl FileTreeError {
    /// Wraps a sink error, passing a [`FileTreeError`] through unchanged.
    pub(crate) fn from_sink(error: impl Into<BoxError>) -> Self {
        match error.into().downcast::<FileTreeError>() {
            Ok(inner) => *inner,
            Err(other) => FileTreeError::Sink(other),
        }
    }

    /// Wraps a source error, passing a [`FileTreeError`] through unchanged.
    pub(crate) fn from_source(address: ChunkAddress, error: impl Into<BoxError>) -> Self {
        match error.into().downcast::<FileTreeError>() {
            Ok(inner) => *inner,
            Err(source) => FileTreeError::Source { address, source },
        }
    }
}
