//! Swarm's file chunk tree (spec §1.2, `shared/spec/storage-incentives.md`): a streaming
//! [`Splitter`] that turns bytes into content-addressed chunks and a root reference, and a
//! streaming [`Joiner`] that turns a root reference and a [`ChunkSource`] back into the
//! bytes.
//!
//! The tree is bit-exact with Bee's `/bytes` upload without encryption or erasure coding
//! (Bee `pkg/file/pipeline/hashtrie/hashtrie.go`): 4096-byte leaves, intermediate chunks of
//! up to 128 references whose span is the length of the data under them, and a lone
//! reference left at the end of a level carried up rather than wrapped alone (see
//! [`splitter`]). Both directions hold O(depth × 4 KiB) of state whatever the file size.
//!
//! ```
//! use std::collections::HashMap;
//! use comb_filetree::{join, split_bytes};
//!
//! let data = vec![7u8; 10_000];
//! let mut store = HashMap::new();
//! let root = split_bytes(&data, &mut store)?;
//! let mut out = Vec::new();
//! join(&store, root, &mut out)?;
//! assert_eq!(out, data);
//! # Ok::<(), comb_filetree::FileTreeError>(())
//! ```

#![warn(clippy::arithmetic_side_effects)]

mod error;
pub mod joiner;
pub mod shape;
pub mod sink;
pub mod source;
pub mod splitter;

pub use error::{BoxError, FileTreeError};
pub use joiner::{join, JoinReader, Joiner};
pub use shape::{child_references, span_payload, NodeShape};
pub use sink::{from_fn, ChunkSink, DiscardSink, FnSink};
pub use source::ChunkSource;
pub use splitter::{root_hash, split_bytes, split_reader, Splitter};
