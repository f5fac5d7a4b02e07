//! The geometry of a file chunk tree: what a chunk's span says about its children.
//!
//! A chunk whose span is at most 4096 is a leaf holding exactly `span` bytes. A larger span
//! belongs to an intermediate chunk whose children all cover the same subtree size
//! `4096 · 128^k` (the smallest such size for which 128 children cover the span), except the
//! last, which covers the rest. The last child may be a much smaller subtree than its
//! siblings: when a level of the tree ends with a single reference, Bee moves that reference
//! up instead of wrapping it alone (see [`crate::splitter`]). The subtree under the last
//! child is exactly the tree that splitting its bytes alone would give.

use comb_primitives::{BRANCHES, CHUNK_SIZE, SEGMENT_SIZE};

/// What a chunk's span says it must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeShape {
    /// A data chunk whose payload is exactly `len` bytes (`len ≤ 4096`).
    Leaf {
        /// Payload length in bytes.
        len: u64,
    },
    /// An intermediate chunk with `children` 32-byte references (2..=128), each child but
    /// the last covering `child_size` bytes.
    Intermediate {
        /// The whole subtree's size in bytes (the chunk's span).
        span: u64,
        /// Bytes under every child but the last: `4096 · 128^k`.
        child_size: u64,
        /// Number of references in the payload.
        children: u64,
    },
}

impl NodeShape {
    /// The shape a chunk with this span must have (spec §1.2: an intermediate chunk's span is
    /// the length of its subtree).
    pub fn from_span(span: u64) -> Self {
        const CHUNK: u64 = CHUNK_SIZE as u64;
        const FANOUT: u128 = BRANCHES as u128;
        if span <= CHUNK {
            return NodeShape::Leaf { len: span };
        }
        // Smallest 4096·128^k with span ≤ 128 · that size; at most 2^61 for any u64 span,
        // so the u128 product never overflows and the result fits a u64.
        let mut child_size = u128::from(CHUNK);
        while u128::from(span) > child_size.saturating_mul(FANOUT) {
            child_size = child_size.saturating_mul(FANOUT);
        }
        let child_size = u64::try_from(child_size).unwrap_or(u64::MAX);
        NodeShape::Intermediate {
            span,
            child_size,
            children: span.div_ceil(child_size),
        }
    }

    /// The payload length in bytes a chunk of this shape must have.
    pub fn payload_len(&self) -> u64 {
        match *self {
            NodeShape::Leaf { len } => len,
            NodeShape::Intermediate { children, .. } => {
                children.saturating_mul(SEGMENT_SIZE as u64)
            }
        }
    }

    /// The span of child `index` of an intermediate chunk; `None` for a leaf or an index past
    /// the last child.
    pub fn child_span(&self, index: u64) -> Option<u64> {
        match *self {
            NodeShape::Leaf { .. } => None,
            NodeShape::Intermediate {
                span,
                child_size,
                children,
            } => {
                if index.checked_add(1)? < children {
                    Some(child_size)
                } else if index.checked_add(1)? == children {
                    span.checked_sub(index.checked_mul(child_size)?)
                } else {
                    None
                }
            }
        }
    }
}

/// The data a chunk of a file tree holds as its span reads it: a leaf's first `span`
/// payload bytes, or an intermediate chunk's `children` references. Padding after them
/// (bee-js pads every payload to 4096 bytes) is not part of it. `None` when the payload is
/// shorter than the span calls for.
pub fn span_payload(chunk: &comb_primitives::Chunk) -> Option<&[u8]> {
    let shape = NodeShape::from_span(chunk.span());
    let len = usize::try_from(shape.payload_len()).ok()?;
    chunk.payload().get(..len)
}

/// The child references of an intermediate chunk of a file tree (none for a leaf or a
/// malformed chunk), as many as its span calls for.
pub fn child_references(chunk: &comb_primitives::Chunk) -> Vec<comb_primitives::B256> {
    if chunk.span() <= CHUNK_SIZE as u64 {
        return Vec::new();
    }
    span_payload(chunk)
        .map(|refs| {
            refs.chunks_exact(SEGMENT_SIZE)
                .map(comb_primitives::B256::from_slice)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_at_the_boundaries() {
        assert_eq!(NodeShape::from_span(0), NodeShape::Leaf { len: 0 });
        assert_eq!(NodeShape::from_span(4096), NodeShape::Leaf { len: 4096 });
        let two = NodeShape::from_span(4097);
        assert_eq!(
            two,
            NodeShape::Intermediate {
                span: 4097,
                child_size: 4096,
                children: 2
            }
        );
        assert_eq!(two.child_span(0), Some(4096));
        assert_eq!(two.child_span(1), Some(1));
        assert_eq!(two.child_span(2), None);
        let full = NodeShape::from_span(128 * 4096);
        assert_eq!(full.payload_len(), 4096);
        assert_eq!(full.child_span(127), Some(4096));
        let carried = NodeShape::from_span(128 * 4096 + 1);
        assert_eq!(carried.child_span(0), Some(128 * 4096));
        assert_eq!(carried.child_span(1), Some(1));
        assert_eq!(carried.payload_len(), 64);
    }

    #[test]
    fn largest_span_does_not_overflow() {
        let shape = NodeShape::from_span(u64::MAX);
        assert_eq!(
            shape,
            NodeShape::Intermediate {
                span: u64::MAX,
                child_size: 1 << 61,
                children: 8
            }
        );
        assert_eq!(shape.child_span(7), Some(u64::MAX - 7 * (1 << 61)));
        assert_eq!(shape.child_span(u64::MAX), None);
    }
}
