//! Where the splitter puts the chunks it creates.

use std::collections::HashMap;
use std::convert::Infallible;

use comb_primitives::{Chunk, ChunkAddress};

use crate::error::BoxError;

/// Receives every chunk a [`crate::Splitter`] creates, leaves and intermediate chunks alike,
/// in the order they are made (children before their parent; the root comes last).
///
/// A closure `FnMut(Chunk) -> Result<(), E>` becomes a sink through [`from_fn`]; a
/// `Vec<Chunk>`, a `HashMap<ChunkAddress, Chunk>`, [`DiscardSink`] and `&mut` of any sink
/// are sinks as they are.
pub trait ChunkSink {
    /// What a refused chunk reports; the splitter stops and returns it as
    /// [`crate::FileTreeError::Sink`] (a [`crate::FileTreeError`] passes through as is).
    type Error: Into<BoxError>;

    /// Takes one chunk.
    fn put(&mut self, chunk: Chunk) -> Result<(), Self::Error>;
}

/// A sink made from a closure, see [`from_fn`].
#[derive(Debug, Clone, Copy)]
pub struct FnSink<F>(pub F);

/// Makes a sink of a closure `FnMut(Chunk) -> Result<(), E>`.
pub fn from_fn<F, E>(f: F) -> FnSink<F>
where
    F: FnMut(Chunk) -> Result<(), E>,
    E: Into<BoxError>,
{
    FnSink(f)
}

impl<F, E> ChunkSink for FnSink<F>
where
    F: FnMut(Chunk) -> Result<(), E>,
    E: Into<BoxError>,
{
    type Error = E;

    fn put(&mut self, chunk: Chunk) -> Result<(), E> {
        (self.0)(chunk)
    }
}

/// Collects the chunks in creation order.
impl ChunkSink for Vec<Chunk> {
    type Error = Infallible;

    fn put(&mut self, chunk: Chunk) -> Result<(), Infallible> {
        self.push(chunk);
        Ok(())
    }
}

/// Stores the chunks by address, ready to serve a [`crate::Joiner`] as a
/// [`crate::ChunkSource`].
impl ChunkSink for HashMap<ChunkAddress, Chunk> {
    type Error = Infallible;

    fn put(&mut self, chunk: Chunk) -> Result<(), Infallible> {
        self.insert(*chunk.address(), chunk);
        Ok(())
    }
}

/// Lends a sink to a splitter while keeping it.
impl<S: ChunkSink + ?Sized> ChunkSink for &mut S {
    type Error = S::Error;

    fn put(&mut self, chunk: Chunk) -> Result<(), S::Error> {
        (**self).put(chunk)
    }
}

/// A sink that drops every chunk: for computing a reference only (`comb hash`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscardSink;

impl ChunkSink for DiscardSink {
    type Error = Infallible;

    fn put(&mut self, _chunk: Chunk) -> Result<(), Infallible> {
        Ok(())
    }
}
