//! The streaming joiner: a root reference and a chunk source in, the original bytes out.
//!
//! The tree is walked depth first, left to right, holding one chunk per level, so memory is
//! O(depth × 4 KiB) whatever the file size. Each chunk's span tells its shape (see
//! [`crate::shape`]): a leaf holds `span` bytes, an intermediate chunk holds one reference
//! per child and its children's spans follow from its own. As in Bee's joiner, a payload may
//! be longer than its shape needs (zero padding to 4096 bytes, as bee-js uploads chunks):
//! the bytes past what the span calls for are ignored. Every chunk is checked
//! against that shape, and by default against its address (spec §1.2), before it is used; a
//! malformed or missing chunk is an error, never a panic.

use std::io::{self, Read, Seek, SeekFrom, Write};

use comb_primitives::bmt::bmt_hash;
use comb_primitives::{Chunk, ChunkAddress, CHUNK_SIZE, SEGMENT_SIZE, SPAN_SIZE};

use crate::shape::NodeShape;
use crate::source::ChunkSource;
use crate::FileTreeError;

/// Reads a file back from its chunk tree (spec §1.2), in full or by byte range.
#[derive(Debug)]
pub struct Joiner<S> {
    source: S,
    root: ChunkAddress,
    root_chunk: Chunk,
    root_shape: NodeShape,
    verify_addresses: bool,
}

/// A half-open byte range `[start, end)` of the file.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: u64,
    end: u64,
}

impl<S: ChunkSource> Joiner<S> {
    /// Fetches and checks the root chunk; the file size is then known.
    pub fn new(source: S, root: ChunkAddress) -> Result<Self, FileTreeError> {
        let (root_chunk, root_shape) = fetch(&source, &root, None, true)?;
        Ok(Self {
            source,
            root,
            root_chunk,
            root_shape,
            verify_addresses: true,
        })
    }

    /// Whether the BMT hash of every fetched chunk is checked against its address (the
    /// default). Turning it off saves one hash per chunk for a trusted local store; the shape
    /// checks stay on. The root chunk is always checked.
    pub fn verify_addresses(mut self, verify: bool) -> Self {
        self.verify_addresses = verify;
        self
    }

    /// The root reference.
    pub fn root(&self) -> &ChunkAddress {
        &self.root
    }

    /// The file size in bytes: the root chunk's span.
    pub fn size(&self) -> u64 {
        match self.root_shape {
            NodeShape::Leaf { len } => len,
            NodeShape::Intermediate { span, .. } => span,
        }
    }

    /// Writes the whole file to `out`, in order; returns the number of bytes written.
    pub fn copy_to<W: Write + ?Sized>(&self, out: &mut W) -> Result<u64, FileTreeError> {
        self.copy_range_to(0, self.size(), out)
    }

    /// Writes `len` bytes starting at byte `start` to `out`, fetching only the chunks that
    /// cover them; the range must lie inside the file.
    pub fn copy_range_to<W: Write + ?Sized>(
        &self,
        start: u64,
        len: u64,
        out: &mut W,
    ) -> Result<u64, FileTreeError> {
        let size = self.size();
        let end = start
            .checked_add(len)
            .filter(|end| *end <= size)
            .ok_or(FileTreeError::RangeOutOfBounds { start, len, size })?;
        if len > 0 {
            let window = Window { start, end };
            self.walk(&self.root_chunk, self.root_shape, 0, window, out)?;
        }
        Ok(len)
    }

    /// Fills `buf` from byte `offset` on; returns the number of bytes read, short only at
    /// the end of the file (0 at or past it).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, FileTreeError> {
        let available = self.size().saturating_sub(offset);
        let len = available.min(u64::try_from(buf.len()).unwrap_or(u64::MAX));
        let count = usize::try_from(len).unwrap_or(buf.len());
        if count == 0 {
            return Ok(0);
        }
        let mut target = buf.get_mut(..count).unwrap_or_default();
        self.copy_range_to(offset, len, &mut target)?;
        Ok(count)
    }

    /// A `Read + Seek` view of the file. Each read walks the tree from the root, so read in
    /// large pieces (e.g. through a 64 KiB buffer) for throughput.
    pub fn reader(&self) -> JoinReader<'_, S> {
        JoinReader {
            joiner: self,
            position: 0,
        }
    }

    /// Writes the part of `window` that lies under the chunk starting at file offset `base`.
    fn walk<W: Write + ?Sized>(
        &self,
        chunk: &Chunk,
        shape: NodeShape,
        base: u64,
        window: Window,
        out: &mut W,
    ) -> Result<(), FileTreeError> {
        let payload = chunk.payload();
        let NodeShape::Intermediate { children, .. } = shape else {
            // A leaf: its payload holds at least `span` bytes (checked in `fetch`); any
            // padding after them is not data.
            let payload = payload
                .get(..usize::try_from(shape.payload_len()).unwrap_or(usize::MAX))
                .unwrap_or(payload);
            let from = window.start.saturating_sub(base);
            let to = window.end.saturating_sub(base);
            let from = usize::try_from(from)
                .unwrap_or(usize::MAX)
                .min(payload.len());
            let to = usize::try_from(to).unwrap_or(usize::MAX).min(payload.len());
            out.write_all(payload.get(from..to).unwrap_or_default())?;
            return Ok(());
        };
        let mut child_start = base;
        for (index, reference) in (0..children).zip(payload.chunks_exact(SEGMENT_SIZE)) {
            if child_start >= window.end {
                break;
            }
            let child_span = shape.child_span(index).ok_or(FileTreeError::TooLarge)?;
            let child_end = child_start
                .checked_add(child_span)
                .ok_or(FileTreeError::TooLarge)?;
            if child_end > window.start {
                let address = ChunkAddress::from_slice(reference);
                let (child, child_shape) = fetch(
                    &self.source,
                    &address,
                    Some(child_span),
                    self.verify_addresses,
                )?;
                self.walk(&child, child_shape, child_start, window, out)?;
            }
            child_start = child_end;
        }
        Ok(())
    }
}

/// Fetches a chunk and checks it: data length, optionally its address, the span its parent
/// implies, and a payload that fits the shape its span calls for.
fn fetch<S: ChunkSource + ?Sized>(
    source: &S,
    address: &ChunkAddress,
    expected_span: Option<u64>,
    verify_address: bool,
) -> Result<(Chunk, NodeShape), FileTreeError> {
    let chunk = source
        .get(address)
        .map_err(|e| FileTreeError::from_source(*address, e))?;
    let data = chunk.data();
    if data.len() < SPAN_SIZE || data.len() > SPAN_SIZE + CHUNK_SIZE {
        return Err(FileTreeError::InvalidChunkLength {
            address: *address,
            len: data.len(),
        });
    }
    let (span_bytes, payload) = data.split_at(SPAN_SIZE);
    let mut span_array = [0u8; SPAN_SIZE];
    span_array.copy_from_slice(span_bytes);
    let span = u64::from_le_bytes(span_array);
    if verify_address {
        let actual = ChunkAddress::from(bmt_hash(&span_array, payload)?);
        if actual != *address {
            return Err(FileTreeError::AddressMismatch {
                expected: *address,
                actual,
            });
        }
    }
    if let Some(expected) = expected_span {
        if expected != span {
            return Err(FileTreeError::SpanMismatch {
                address: *address,
                expected,
                actual: span,
            });
        }
    }
    let shape = NodeShape::from_span(span);
    // Bee reads what the span calls for and ignores the rest: clients such as bee-js pad
    // every payload with zeros to 4096 bytes, and the BMT hash is the same either way.
    match shape {
        NodeShape::Leaf { len } => {
            if u64::try_from(payload.len()).map_or(true, |have| have < len) {
                return Err(FileTreeError::LeafLengthMismatch {
                    address: *address,
                    span,
                    payload_len: payload.len(),
                });
            }
        }
        NodeShape::Intermediate { children, .. } => {
            let actual = payload.len() / SEGMENT_SIZE;
            if u64::try_from(actual).map_or(true, |have| have < children) {
                return Err(FileTreeError::ReferenceCountMismatch {
                    address: *address,
                    span,
                    expected: children,
                    actual,
                });
            }
        }
    }
    Ok((chunk, shape))
}

/// Writes the file with root `root` to `out`, fetching its chunks from `source`; returns
/// the number of bytes written.
pub fn join<S: ChunkSource, W: Write + ?Sized>(
    source: S,
    root: ChunkAddress,
    out: &mut W,
) -> Result<u64, FileTreeError> {
    Joiner::new(source, root)?.copy_to(out)
}

/// A `Read + Seek` cursor over a joined file, from [`Joiner::reader`]. Tree errors come out
/// as `io::Error`s wrapping the [`FileTreeError`].
#[derive(Debug)]
pub struct JoinReader<'a, S> {
    joiner: &'a Joiner<S>,
    position: u64,
}

impl<S: ChunkSource> Read for JoinReader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self
            .joiner
            .read_at(self.position, buf)
            .map_err(io::Error::other)?;
        self.position = self
            .position
            .saturating_add(u64::try_from(count).unwrap_or(u64::MAX));
        Ok(count)
    }
}

impl<S: ChunkSource> Seek for JoinReader<'_, S> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.joiner.size().checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        self.position = target;
        Ok(target)
    }
}
