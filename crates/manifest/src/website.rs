//! Bee's manifest conventions on top of the trie (Bee `pkg/manifest`, `pkg/api/bzz.go`,
//! `pkg/api/dirs.go`, `pkg/api/feed.go`): which metadata keys a file, a website and a feed
//! manifest carry, how a single file and a collection are laid out, and how a request path
//! is resolved against a manifest (index document, directory index, error document).

use std::collections::BTreeMap;

use comb_filetree::ChunkSource;
use comb_primitives::B256;

use crate::error::ManifestError;
use crate::node::{Metadata, Node};

/// The path holding a manifest's own metadata (website documents, feed identity).
pub const ROOT_PATH: &str = "/";
/// Root metadata: the document served for the empty path and for directories.
pub const INDEX_DOCUMENT_KEY: &str = "website-index-document";
/// Root metadata: the document served when a path is not found.
pub const ERROR_DOCUMENT_KEY: &str = "website-error-document";
/// Entry metadata: the file's MIME type.
pub const CONTENT_TYPE_KEY: &str = "Content-Type";
/// Entry metadata: the file's name.
pub const FILENAME_KEY: &str = "Filename";
/// Feed manifest metadata: the feed owner (40 hex characters).
pub const FEED_OWNER_KEY: &str = "swarm-feed-owner";
/// Feed manifest metadata: the feed topic (hex).
pub const FEED_TOPIC_KEY: &str = "swarm-feed-topic";
/// Feed manifest metadata: the feed type; Bee writes only `Sequence`.
pub const FEED_TYPE_KEY: &str = "swarm-feed-type";
/// The only feed type Bee creates.
pub const FEED_TYPE_SEQUENCE: &str = "Sequence";

/// The SOC id of a sequence feed's update `index`: `keccak256(topic ‖ index as 8 bytes
/// big-endian)` (Bee `pkg/feeds`); the update lives at `soc_address(id, owner)`.
pub fn feed_update_id(topic: &[u8], index: u64) -> B256 {
    B256::from(comb_primitives::keccak::keccak256_concat(&[
        topic,
        &index.to_be_bytes(),
    ]))
}

/// The metadata Bee records for a file entry.
pub fn file_metadata(name: &str, content_type: &str) -> Metadata {
    BTreeMap::from([
        (CONTENT_TYPE_KEY.to_string(), content_type.to_string()),
        (FILENAME_KEY.to_string(), name.to_string()),
    ])
}

/// The manifest Bee builds for a single-file upload (`POST /bzz` without
/// `swarm-collection`): the root entry names the file as index document, then the file is
/// added under its name. The order matters: the root entry, added first, is empty and fixes
/// no reference size on the way (see [`Node::add`]), exactly as in Bee.
pub fn single_file(file: B256, name: &str, content_type: &str) -> Result<Node, ManifestError> {
    let mut root = Node::new();
    let index = BTreeMap::from([(INDEX_DOCUMENT_KEY.to_string(), name.to_string())]);
    root.add(ROOT_PATH.as_bytes(), B256::ZERO, index)?;
    root.add(name.as_bytes(), file, file_metadata(name, content_type))?;
    Ok(root)
}

/// Records a collection's website documents on its root path, as Bee does after adding the
/// files (nothing when both are absent).
pub fn set_website_documents(
    root: &mut Node,
    index: Option<&str>,
    error: Option<&str>,
) -> Result<(), ManifestError> {
    let mut metadata = BTreeMap::new();
    if let Some(index) = index.filter(|s| !s.is_empty()) {
        metadata.insert(INDEX_DOCUMENT_KEY.to_string(), index.to_string());
    }
    if let Some(error) = error.filter(|s| !s.is_empty()) {
        metadata.insert(ERROR_DOCUMENT_KEY.to_string(), error.to_string());
    }
    if metadata.is_empty() {
        return Ok(());
    }
    root.add(ROOT_PATH.as_bytes(), B256::ZERO, metadata)
}

/// The feed manifest Bee's `POST /feeds/{owner}/{topic}` stores: only root metadata, with an
/// explicit 32-byte zero entry (so, unlike a website root, it has reference size 32).
pub fn feed_manifest(owner: &[u8; 20], topic: &[u8]) -> Result<Node, ManifestError> {
    let mut root = Node::new();
    let metadata = BTreeMap::from([
        (FEED_OWNER_KEY.to_string(), hex::encode(owner)),
        (FEED_TOPIC_KEY.to_string(), hex::encode(topic)),
        (FEED_TYPE_KEY.to_string(), FEED_TYPE_SEQUENCE.to_string()),
    ]);
    // The explicit zero entry must fix the reference size: add a placeholder the way Bee's
    // 32 zero bytes do, by forcing the size on the root first.
    root.ref_size = 32;
    root.add(ROOT_PATH.as_bytes(), B256::ZERO, metadata)?;
    Ok(root)
}

/// A feed a manifest points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRef {
    /// Owner address.
    pub owner: [u8; 20],
    /// Topic bytes.
    pub topic: Vec<u8>,
}

/// The metadata on the manifest's root path, if it has one.
pub fn root_metadata<S: ChunkSource>(
    root: &Node,
    source: &S,
) -> Result<Option<Metadata>, ManifestError> {
    Ok(root
        .lookup_with(source, ROOT_PATH.as_bytes())?
        .map(|(_, metadata)| metadata))
}

/// The feed a manifest stands for, if its root metadata names one (Bee's `manifestFeed`).
pub fn feed_of(metadata: &Metadata) -> Option<FeedRef> {
    let owner = hex::decode(metadata.get(FEED_OWNER_KEY)?).ok()?;
    let topic = hex::decode(metadata.get(FEED_TOPIC_KEY)?).ok()?;
    let owner: [u8; 20] = owner.try_into().ok()?;
    Some(FeedRef { owner, topic })
}

/// What a request path resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The file's reference.
    pub entry: B256,
    /// The entry's metadata (content type, file name).
    pub metadata: Metadata,
    /// The path was not found and this is the website's error document.
    pub is_error_document: bool,
}

fn file_entry<S: ChunkSource>(
    root: &Node,
    source: &S,
    path: &str,
) -> Result<Option<(B256, Metadata)>, ManifestError> {
    if path.is_empty() {
        return Ok(None);
    }
    Ok(root
        .lookup_with(source, path.as_bytes())?
        .filter(|(entry, _)| *entry != B256::ZERO))
}

/// Resolves `path` against a manifest as Bee's `GET /bzz/{ref}/{path}` does:
/// 1. the empty path means the index document, when the root names one;
/// 2. a path with an entry is that entry;
/// 3. otherwise `path/<index document>` (a directory with an index);
/// 4. otherwise the error document, when the root names one;
/// 5. otherwise `None` (404).
pub fn resolve<S: ChunkSource>(
    root: &Node,
    source: &S,
    path: &str,
) -> Result<Option<Resolved>, ManifestError> {
    let website = root_metadata(root, source)?.unwrap_or_default();
    let index = website.get(INDEX_DOCUMENT_KEY).filter(|s| !s.is_empty());
    let found = |entry: (B256, Metadata), is_error_document| Resolved {
        entry: entry.0,
        metadata: entry.1,
        is_error_document,
    };
    let path = match (path.is_empty(), index) {
        (true, Some(index)) => index.as_str(),
        _ => path,
    };
    if let Some(entry) = file_entry(root, source, path)? {
        return Ok(Some(found(entry, false)));
    }
    if let Some(index) = index {
        let directory = path.trim_end_matches('/');
        let with_index = if directory.is_empty() {
            index.clone()
        } else {
            format!("{directory}/{index}")
        };
        if let Some(entry) = file_entry(root, source, &with_index)? {
            return Ok(Some(found(entry, false)));
        }
    }
    if let Some(error) = website.get(ERROR_DOCUMENT_KEY).filter(|e| *e != path) {
        if let Some(entry) = file_entry(root, source, error)? {
            return Ok(Some(found(entry, true)));
        }
    }
    Ok(None)
}
