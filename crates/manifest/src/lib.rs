//! Swarm's *mantaray* manifest trie, serialised byte-exact as Bee does it (Bee
//! `pkg/manifest/mantaray`, format version `mantaray:0.2`; version 0.1 nodes are read too).
//!
//! A manifest maps byte paths to 32-byte references (the *entry*) plus optional string
//! metadata. It is a compacted trie of [`Node`]s: each node forks on the next path byte
//! into a *fork* holding a prefix of up to 30 bytes and a child node. A node is serialised
//! ([`Node::marshal`]) as
//!
//! ```text
//! obfuscation key (32) | XOR-obfuscated with the key, 32 bytes at a time:
//!   version hash (31, keccak256("mantaray:0.2")[..31]) | reference size (1)
//!   entry (reference size) | fork bitmap (32, bit b%8 of byte b/8 set for fork byte b)
//!   forks in byte order: type (1) | prefix length (1) | prefix padded to 30 |
//!     child reference (reference size) |
//!     [if the child has metadata: JSON size (2, big endian) | JSON padded with '\n']
//! ```
//!
//! and stored as a Swarm file: a node's reference is the chunk-tree root of its bytes
//! ([`Node::save`], [`Node::load`]). Children are saved before their parents, since a
//! parent embeds their references.
//!
//! ```
//! use std::collections::{BTreeMap, HashMap};
//! use comb_manifest::Node;
//! use comb_primitives::B256;
//!
//! let mut root = Node::new();
//! root.add(b"index.html", B256::repeat_byte(1), BTreeMap::new())?;
//! let mut store = HashMap::new();
//! let reference = root.save(&mut store)?;
//! let loaded = Node::load(&store, reference)?;
//! assert_eq!(loaded.lookup(b"index.html")?.map(|(e, _)| e), Some(B256::repeat_byte(1)));
//! # Ok::<(), comb_manifest::ManifestError>(())
//! ```

pub mod collection;
mod error;
mod json;
mod marshal;
pub mod mime;
mod node;
pub mod website;

pub use collection::Collection;
pub use error::ManifestError;
pub use marshal::{VERSION_01_HASH, VERSION_02_HASH};
pub use node::{
    Metadata, Node, MAX_DEPTH, NODE_TYPE_EDGE, NODE_TYPE_VALUE, NODE_TYPE_WITH_METADATA,
    NODE_TYPE_WITH_PATH_SEPARATOR, PATH_SEPARATOR, PREFIX_MAX_SIZE,
};

#[cfg(test)]
mod bee_vectors;
