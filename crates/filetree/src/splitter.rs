//! The streaming splitter: bytes in, chunk tree out, root reference at the end.
//!
//! The data is cut into 4096-byte leaf chunks whose span is their payload length. Their
//! references are gathered 128 at a time into intermediate chunks, whose span is the total
//! length of the data under them (spec §1.2); those references are gathered again, level by
//! level, until one reference remains: the root. Full levels are wrapped as soon as they fill,
//! so the splitter holds at most one partial leaf and one partial chunk of references per
//! level, O(depth × 4 KiB) whatever the input size.
//!
//! At the end each level is closed from the bottom up, as Bee's hash trie does
//! (`pkg/file/pipeline/hashtrie/hashtrie.go`, `Sum`):
//! - an empty level is skipped;
//! - a level holding two or more references is wrapped into an intermediate chunk whose
//!   reference is appended to the next level;
//! - a level holding a single reference is **not** wrapped: the reference (with its span) is
//!   carried up and appended to the next level as it is.
//!
//! The reference left at the top is the root. So 4097 bytes give a root over two leaves,
//! and 128·4096 + 1 bytes give a root over two references, the intermediate chunk of the
//! first 128 leaves and the 129th leaf, with span 128·4096 + 1. An empty input is one chunk
//! with an empty payload and span 0; an input of at most 4096 bytes is a single chunk.

use std::io::{ErrorKind, Read};

use comb_primitives::{Chunk, ChunkAddress, CHUNK_SIZE, SEGMENT_SIZE};

use crate::sink::ChunkSink;
use crate::FileTreeError;

/// Bytes read from the input at a time by [`split_reader`].
const READ_BUFFER_SIZE: usize = 4 * CHUNK_SIZE;

/// One level of references waiting to be wrapped into an intermediate chunk.
#[derive(Debug, Clone)]
struct Level {
    /// Concatenated 32-byte references, fewer than 128 between calls.
    refs: Vec<u8>,
    /// Sum of the spans of the referenced subtrees.
    span: u64,
}

impl Level {
    fn new() -> Self {
        Self {
            refs: Vec::with_capacity(CHUNK_SIZE),
            span: 0,
        }
    }

    fn count(&self) -> usize {
        self.refs.len() / SEGMENT_SIZE
    }
}

/// Splits a byte stream into Swarm's file chunk tree (spec §1.2), bit-exact with Bee's
/// `/bytes` upload without encryption or erasure coding.
///
/// Feed it with [`Splitter::write`] in pieces of any size, then call [`Splitter::finish`]
/// for the root reference. Every chunk created is handed to the sink as soon as it is
/// complete, children before their parents.
///
/// Cloning a splitter (with a cloneable sink) forks the stream: both copies continue from
/// the bytes written so far, e.g. to hash several files sharing a long prefix.
#[derive(Debug, Clone)]
pub struct Splitter<S> {
    sink: S,
    /// The partial leaf, fewer than 4096 bytes between calls.
    leaf: Vec<u8>,
    /// `levels[0]` holds references to leaves, `levels[k]` references to chunks of level k.
    levels: Vec<Level>,
    /// Total bytes written so far.
    written: u64,
}

impl<S: ChunkSink> Splitter<S> {
    /// A splitter that hands every chunk it creates to `sink`.
    pub fn new(sink: S) -> Self {
        Self {
            sink,
            leaf: Vec::with_capacity(CHUNK_SIZE),
            levels: Vec::new(),
            written: 0,
        }
    }

    /// The number of bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Appends `data` to the stream, emitting every chunk it completes.
    pub fn write(&mut self, mut data: &[u8]) -> Result<(), FileTreeError> {
        let len = u64::try_from(data.len()).map_err(|_| FileTreeError::TooLarge)?;
        self.written = self
            .written
            .checked_add(len)
            .ok_or(FileTreeError::TooLarge)?;
        while !data.is_empty() {
            if self.leaf.is_empty() && data.len() >= CHUNK_SIZE {
                // Whole chunk straight from the input, no copy into the leaf buffer.
                let (chunk_data, rest) = data.split_at(CHUNK_SIZE);
                self.put_leaf(chunk_data)?;
                data = rest;
                continue;
            }
            let take = CHUNK_SIZE.saturating_sub(self.leaf.len()).min(data.len());
            let (head, rest) = data.split_at(take);
            self.leaf.extend_from_slice(head);
            data = rest;
            if self.leaf.len() == CHUNK_SIZE {
                self.flush_leaf()?;
            }
        }
        Ok(())
    }

    /// Closes the tree and returns its root reference, the address of its top chunk.
    pub fn finish(mut self) -> Result<ChunkAddress, FileTreeError> {
        if !self.leaf.is_empty() {
            self.flush_leaf()?;
        }
        // Close the levels bottom-up, carrying a lone reference up unwrapped (see the module
        // documentation for Bee's rule).
        let mut carry: Option<(ChunkAddress, u64)> = None;
        for index in 0..self.levels.len() {
            let level = &mut self.levels[index];
            if let Some((address, span)) = carry.take() {
                level.refs.extend_from_slice(address.as_slice());
                level.span = level
                    .span
                    .checked_add(span)
                    .ok_or(FileTreeError::TooLarge)?;
            }
            match level.count() {
                0 => {}
                1 => {
                    let address = ChunkAddress::from_slice(&level.refs);
                    carry = Some((address, level.span));
                    level.refs.clear();
                    level.span = 0;
                }
                _ => carry = Some(self.wrap(index)?),
            }
        }
        match carry {
            Some((root, _)) => Ok(root),
            // Nothing was written: the empty file is one empty chunk with span 0.
            None => self.emit(Chunk::content(&[])?),
        }
    }

    /// Hands a chunk to the sink and returns its address.
    fn emit(&mut self, chunk: Chunk) -> Result<ChunkAddress, FileTreeError> {
        let address = *chunk.address();
        self.sink.put(chunk).map_err(FileTreeError::from_sink)?;
        Ok(address)
    }

    /// Emits the buffered partial leaf.
    fn flush_leaf(&mut self) -> Result<(), FileTreeError> {
        let chunk = Chunk::content(&self.leaf)?;
        let span = chunk.span();
        self.leaf.clear();
        let address = self.emit(chunk)?;
        self.push_ref(0, address, span)
    }

    /// Emits a leaf with this payload.
    fn put_leaf(&mut self, payload: &[u8]) -> Result<(), FileTreeError> {
        let chunk = Chunk::content(payload)?;
        let span = chunk.span();
        let address = self.emit(chunk)?;
        self.push_ref(0, address, span)
    }

    /// Appends a reference to a level, wrapping the level (and those above) as they fill.
    fn push_ref(
        &mut self,
        mut index: usize,
        mut address: ChunkAddress,
        mut span: u64,
    ) -> Result<(), FileTreeError> {
        loop {
            if self.levels.len() <= index {
                self.levels.push(Level::new());
            }
            let level = &mut self.levels[index];
            level.refs.extend_from_slice(address.as_slice());
            level.span = level
                .span
                .checked_add(span)
                .ok_or(FileTreeError::TooLarge)?;
            if level.refs.len() < CHUNK_SIZE {
                return Ok(());
            }
            (address, span) = self.wrap(index)?;
            index = index.checked_add(1).ok_or(FileTreeError::TooLarge)?;
        }
    }

    /// Wraps a level's references into an intermediate chunk, emits it and empties the level.
    fn wrap(&mut self, index: usize) -> Result<(ChunkAddress, u64), FileTreeError> {
        let level = &mut self.levels[index];
        let span = level.span;
        let chunk = Chunk::content_with_span(span, &level.refs)?;
        level.refs.clear();
        level.span = 0;
        Ok((self.emit(chunk)?, span))
    }
}

/// Splits everything `reader` yields, handing each chunk to `sink`; returns the root
/// reference. Reads in 16 KiB pieces, so memory stays constant whatever the input size.
pub fn split_reader<R: Read, S: ChunkSink>(
    mut reader: R,
    sink: S,
) -> Result<ChunkAddress, FileTreeError> {
    let mut splitter = Splitter::new(sink);
    let mut buffer = vec![0u8; READ_BUFFER_SIZE];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => splitter.write(buffer.get(..n).unwrap_or_default())?,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    splitter.finish()
}

/// Splits an in-memory buffer, handing each chunk to `sink`; returns the root reference.
pub fn split_bytes<S: ChunkSink>(data: &[u8], sink: S) -> Result<ChunkAddress, FileTreeError> {
    let mut splitter = Splitter::new(sink);
    splitter.write(data)?;
    splitter.finish()
}

/// The root reference of `data`, its Swarm hash as Bee's `/bytes` upload reports it, without
/// keeping any chunk.
pub fn root_hash(data: &[u8]) -> Result<ChunkAddress, FileTreeError> {
    split_bytes(data, crate::sink::DiscardSink)
}
