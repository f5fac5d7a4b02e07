//! The crate's one error type.

use comb_filetree::FileTreeError;
use comb_primitives::B256;
use thiserror::Error;

/// Everything that can go wrong while building, serialising, saving or loading a manifest.
#[derive(Debug, Error)]
pub enum ManifestError {
    /// Serialised node shorter than its header or than a field it announces.
    #[error("serialised node too short: {0}")]
    TooShort(&'static str),
    /// The 31-byte version hash is neither mantaray 0.1 nor 0.2.
    #[error("invalid version hash {0}")]
    InvalidVersionHash(String),
    /// A reference size other than 0 or 32 bytes (64-byte encrypted references are not
    /// supported).
    #[error("unsupported reference size {0}")]
    UnsupportedReferenceSize(u8),
    /// A fork whose prefix length is 0 or above 30.
    #[error("fork on byte {byte:#04x}: invalid prefix length {len}")]
    InvalidPrefixLength {
        /// The fork's first path byte.
        byte: u8,
        /// The prefix length it declares.
        len: u8,
    },
    /// Fork metadata that is not a JSON object of strings.
    #[error("fork on byte {byte:#04x}: invalid metadata: {source}")]
    InvalidMetadata {
        /// The fork's first path byte.
        byte: u8,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// Metadata whose padded JSON encoding exceeds 65535 bytes.
    #[error("metadata too large: {0} bytes")]
    MetadataTooLarge(usize),
    /// A child node has no reference yet; save it (or the whole trie) before marshalling.
    #[error("child node on byte {0:#04x} has no reference; save it first")]
    UnsavedChild(u8),
    /// A node on the way is only known by its reference; load it first.
    #[error("node {0:?} is not loaded")]
    NotLoaded(Option<B256>),
    /// A website index document must be a file name, not a path (Bee refuses `/` in it).
    #[error("index document {0:?} must not contain '/'")]
    InvalidIndexDocument(String),
    /// The path is empty where a non-empty one is required.
    #[error("empty path")]
    EmptyPath,
    /// No entry at the path.
    #[error("path not found")]
    NotFound,
    /// The trie loaded from storage is deeper than [`crate::MAX_DEPTH`] nodes.
    #[error("manifest deeper than {0} nodes")]
    TooDeep(usize),
    /// A stored node larger than any valid node could be.
    #[error("serialised node of {0} bytes is too large")]
    NodeTooLarge(u64),
    /// Splitting a node into chunks or joining it back failed.
    #[error(transparent)]
    FileTree(#[from] FileTreeError),
}
