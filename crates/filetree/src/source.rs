//! Where the joiner gets the chunks of a tree from.

use std::collections::HashMap;

use comb_primitives::{Chunk, ChunkAddress};

use crate::error::BoxError;
use crate::FileTreeError;

/// Delivers chunks by address to a [`crate::Joiner`]. The joiner checks everything it is
/// given (address, span, payload shape), so a source may be untrusted.
pub trait ChunkSource {
    /// What a failed lookup reports; the joiner returns it as
    /// [`FileTreeError::Source`] (a [`FileTreeError`], e.g.
    /// [`FileTreeError::MissingChunk`], passes through as is).
    type Error: Into<BoxError>;

    /// The chunk with this address; an error if it cannot be had.
    fn get(&self, address: &ChunkAddress) -> Result<Chunk, Self::Error>;
}

/// An in-memory store, e.g. filled by a [`crate::Splitter`] through its
/// [`crate::ChunkSink`] impl; absent chunks are [`FileTreeError::MissingChunk`].
impl ChunkSource for HashMap<ChunkAddress, Chunk> {
    type Error = FileTreeError;

    fn get(&self, address: &ChunkAddress) -> Result<Chunk, FileTreeError> {
        HashMap::get(self, address)
            .cloned()
            .ok_or(FileTreeError::MissingChunk(*address))
    }
}

/// Lends a source to a joiner while keeping it.
impl<S: ChunkSource + ?Sized> ChunkSource for &S {
    type Error = S::Error;

    fn get(&self, address: &ChunkAddress) -> Result<Chunk, S::Error> {
        (**self).get(address)
    }
}
