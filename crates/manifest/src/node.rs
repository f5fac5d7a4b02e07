//! The in-memory trie (Bee `pkg/manifest/mantaray/node.go`) and its persistence as Swarm
//! files (`persist.go`).

use std::collections::BTreeMap;

use comb_filetree::{split_bytes, ChunkSink, ChunkSource, Joiner};
use comb_primitives::B256;

use crate::error::ManifestError;

/// Metadata of an entry: a JSON object of strings, stored on the fork leading to it.
pub type Metadata = BTreeMap<String, String>;

/// The node holds an entry.
pub const NODE_TYPE_VALUE: u8 = 2;
/// The node forks into child nodes.
pub const NODE_TYPE_EDGE: u8 = 4;
/// The path leading to the node contains [`PATH_SEPARATOR`] after its first byte.
pub const NODE_TYPE_WITH_PATH_SEPARATOR: u8 = 8;
/// The node carries metadata, serialised on its parent's fork.
pub const NODE_TYPE_WITH_METADATA: u8 = 16;
/// The path separator, `/`.
pub const PATH_SEPARATOR: u8 = b'/';
/// The longest prefix one fork holds; longer paths are split over several nodes.
pub const PREFIX_MAX_SIZE: usize = 30;
/// The longest path [`Node::add`] accepts and the deepest trie [`Node::load`] follows:
/// every node level consumes at least one path byte, so this bounds the recursion.
pub const MAX_DEPTH: usize = 1024;
/// The largest serialised node [`Node::load`] reads (256 forks with maximal metadata).
const MAX_NODE_SIZE: u64 = 32 << 20;

/// A fork: the non-branching part of a path and the node it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fork {
    /// 1..=30 bytes, starting with the byte the fork is keyed on.
    pub(crate) prefix: Vec<u8>,
    /// The child node.
    pub(crate) node: Node,
}

/// A mantaray trie node: an optional entry (a 32-byte reference) with metadata, and forks
/// to child nodes keyed by their first path byte.
///
/// A node is *loaded* when its forks are in memory, or *unloaded* when only its reference
/// (and the type and metadata its parent's fork records) is known, as children are after
/// [`Node::unmarshal`] or [`Node::load_lazy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub(crate) node_type: u8,
    /// Serialised reference size: 0 until an entry is added, then 32.
    pub(crate) ref_size: u8,
    pub(crate) obfuscation_key: [u8; 32],
    /// The node's own reference once saved or loaded; cleared by any change below it.
    pub(crate) reference: Option<B256>,
    pub(crate) entry: B256,
    pub(crate) metadata: BTreeMap<String, String>,
    /// `None` while unloaded.
    pub(crate) forks: Option<BTreeMap<u8, Fork>>,
}

impl Default for Node {
    fn default() -> Self {
        Self::new()
    }
}

fn common_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Node {
    /// An empty, loaded node with the zero obfuscation key (Bee's choice for unencrypted
    /// manifests).
    pub fn new() -> Self {
        Self::with_obfuscation_key([0; 32])
    }

    /// An empty, loaded node whose bytes (and those of nodes added below it) are
    /// XOR-obfuscated with `key`.
    pub fn with_obfuscation_key(key: [u8; 32]) -> Self {
        Node {
            node_type: 0,
            ref_size: 0,
            obfuscation_key: key,
            reference: None,
            entry: B256::ZERO,
            metadata: BTreeMap::new(),
            forks: Some(BTreeMap::new()),
        }
    }

    /// An unloaded node known only by its reference.
    pub(crate) fn unloaded(reference: B256) -> Self {
        Node {
            reference: Some(reference),
            forks: None,
            ..Self::new()
        }
    }

    /// The obfuscation key this node is serialised with.
    pub fn obfuscation_key(&self) -> &[u8; 32] {
        &self.obfuscation_key
    }

    /// Sets the obfuscation key of this node (not of existing children).
    pub fn set_obfuscation_key(&mut self, key: [u8; 32]) {
        self.obfuscation_key = key;
        self.reference = None;
    }

    /// The type flags (`NODE_TYPE_*`), as recorded on the parent's fork.
    pub fn node_type(&self) -> u8 {
        self.node_type
    }

    /// Whether the node holds an entry.
    pub fn is_value(&self) -> bool {
        self.node_type & NODE_TYPE_VALUE != 0
    }

    /// Whether the node has forks.
    pub fn is_edge(&self) -> bool {
        self.node_type & NODE_TYPE_EDGE != 0
    }

    /// Whether the path to the node contains a separator after its first byte.
    pub fn is_with_path_separator(&self) -> bool {
        self.node_type & NODE_TYPE_WITH_PATH_SEPARATOR != 0
    }

    /// Whether the node carries metadata.
    pub fn is_with_metadata(&self) -> bool {
        self.node_type & NODE_TYPE_WITH_METADATA != 0
    }

    /// The entry (zero if none; unknown, hence zero, while unloaded).
    pub fn entry(&self) -> B256 {
        self.entry
    }

    /// The node's metadata.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// The node's reference, if it is saved or loaded and unchanged since.
    pub fn reference(&self) -> Option<B256> {
        self.reference
    }

    /// Whether the node's forks are in memory.
    pub fn is_loaded(&self) -> bool {
        self.forks.is_some()
    }

    /// The forks as (prefix, child) in byte order; none while unloaded.
    pub fn forks(&self) -> impl Iterator<Item = (&[u8], &Node)> {
        self.forks
            .iter()
            .flat_map(|m| m.values())
            .map(|f| (f.prefix.as_slice(), &f.node))
    }

    fn set_flag(&mut self, flag: u8, on: bool) {
        if on {
            self.node_type |= flag;
        } else {
            self.node_type &= !flag;
        }
    }

    /// Bee's rule: the separator flag is set when `path` holds `/` after its first byte.
    fn update_path_separator(&mut self, path: &[u8]) {
        let with = path.iter().skip(1).any(|&b| b == PATH_SEPARATOR);
        self.set_flag(NODE_TYPE_WITH_PATH_SEPARATOR, with);
    }

    fn child(&self) -> Node {
        Node {
            ref_size: self.ref_size,
            ..Node::with_obfuscation_key(self.obfuscation_key)
        }
    }

    fn set_value(&mut self, entry: B256, metadata: BTreeMap<String, String>) {
        self.entry = entry;
        self.node_type |= NODE_TYPE_VALUE;
        if !metadata.is_empty() {
            self.metadata = metadata;
            self.node_type |= NODE_TYPE_WITH_METADATA;
        }
    }

    /// Adds (or replaces) the entry at `path`, with `metadata` if it is not empty, building
    /// the trie exactly as Bee does so that the serialised nodes match. Paths of
    /// [`MAX_DEPTH`] bytes or more are refused; adding below an unloaded node is
    /// [`ManifestError::NotLoaded`]. On error the trie is unchanged.
    pub fn add(
        &mut self,
        path: &[u8],
        entry: B256,
        metadata: BTreeMap<String, String>,
    ) -> Result<(), ManifestError> {
        if path.len() >= MAX_DEPTH {
            return Err(ManifestError::TooDeep(MAX_DEPTH));
        }
        self.add_inner(path, entry, metadata)
    }

    fn add_inner(
        &mut self,
        path: &[u8],
        entry: B256,
        metadata: BTreeMap<String, String>,
    ) -> Result<(), ManifestError> {
        // Bee's rule: the reference size is fixed by the first non-empty entry added through
        // a node; children inherit it when they are created. The zero entry is Bee's empty
        // entry (`swarm.ZeroAddress`, e.g. a directory's metadata-only root entry) and leaves
        // it unset, so such a node serialises with reference size 0.
        if entry != B256::ZERO {
            self.ref_size = 32;
        }
        let Some(&first) = path.first() else {
            self.set_value(entry, metadata);
            self.reference = None;
            return Ok(());
        };
        let template = self.child();
        let forks = self
            .forks
            .as_mut()
            .ok_or(ManifestError::NotLoaded(self.reference))?;
        match forks.get_mut(&first) {
            None => {
                let mut nn = template;
                let prefix = if path.len() > PREFIX_MAX_SIZE {
                    let (prefix, rest) = path.split_at(PREFIX_MAX_SIZE);
                    nn.add_inner(rest, entry, metadata)?;
                    prefix
                } else {
                    nn.set_value(entry, metadata);
                    path
                };
                nn.update_path_separator(prefix);
                forks.insert(
                    first,
                    Fork {
                        prefix: prefix.to_vec(),
                        node: nn,
                    },
                );
            }
            Some(fork) => {
                let c = common_len(&fork.prefix, path);
                if c < fork.prefix.len() {
                    // Split the fork: a new node at the common prefix takes the old child.
                    let rest = fork.prefix.split_off(c);
                    let mut old = std::mem::take(&mut fork.node);
                    old.update_path_separator(&rest);
                    let mut nn = template;
                    nn.node_type |= NODE_TYPE_EDGE;
                    if path.len() == c {
                        nn.node_type |= NODE_TYPE_VALUE;
                    }
                    nn.update_path_separator(path);
                    if let (Some(m), Some(&r0)) = (nn.forks.as_mut(), rest.first()) {
                        m.insert(
                            r0,
                            Fork {
                                prefix: rest,
                                node: old,
                            },
                        );
                    }
                    // nn is fresh: the remaining path either is empty or starts a new fork,
                    // so this cannot fail for want of a loaded node.
                    nn.add_inner(&path[c..], entry, metadata)?;
                    fork.node = nn;
                } else {
                    fork.node.add_inner(&path[c..], entry, metadata)?;
                    fork.node.update_path_separator(path);
                }
            }
        }
        self.node_type |= NODE_TYPE_EDGE;
        self.reference = None;
        Ok(())
    }

    /// The node at the end of `path`, if the path ends on a fork boundary.
    fn find(&self, mut path: &[u8]) -> Result<Option<&Node>, ManifestError> {
        let mut node = self;
        while let Some(first) = path.first() {
            let forks = node
                .forks
                .as_ref()
                .ok_or(ManifestError::NotLoaded(node.reference))?;
            let Some(fork) = forks.get(first) else {
                return Ok(None);
            };
            if !path.starts_with(&fork.prefix) {
                return Ok(None);
            }
            path = &path[fork.prefix.len()..];
            node = &fork.node;
        }
        Ok(Some(node))
    }

    /// Whether some path in the trie starts with `path` (the empty path always does), as
    /// Bee's `HasPrefix`. [`ManifestError::NotLoaded`] if the way leads through a node not
    /// in memory.
    pub fn has_prefix(&self, mut path: &[u8]) -> Result<bool, ManifestError> {
        let mut node = self;
        while let Some(first) = path.first() {
            let forks = node
                .forks
                .as_ref()
                .ok_or(ManifestError::NotLoaded(node.reference))?;
            let Some(fork) = forks.get(first) else {
                return Ok(false);
            };
            if fork.prefix.starts_with(path) {
                return Ok(true);
            }
            if !path.starts_with(&fork.prefix) {
                return Ok(false);
            }
            path = &path[fork.prefix.len()..];
            node = &fork.node;
        }
        Ok(true)
    }

    /// The entry and metadata at `path`, or `None` if no entry is there. The empty path
    /// is this node itself. [`ManifestError::NotLoaded`] if the way leads through a node
    /// not in memory (see [`Node::lookup_with`]).
    pub fn lookup(&self, path: &[u8]) -> Result<Option<(B256, Metadata)>, ManifestError> {
        match self.find(path)? {
            Some(node) => node.value(path.is_empty()),
            None => Ok(None),
        }
    }

    fn value(&self, is_root: bool) -> Result<Option<(B256, Metadata)>, ManifestError> {
        if !self.is_loaded() {
            return Err(ManifestError::NotLoaded(self.reference));
        }
        // A root's type is not persisted, so a loaded root with an entry counts as a value.
        if self.is_value() || (is_root && self.entry != B256::ZERO) {
            Ok(Some((self.entry, self.metadata.clone())))
        } else {
            Ok(None)
        }
    }

    /// Removes the entry at `path`. A node that still has forks below it keeps them (it
    /// just stops being a value); one left with neither entry nor forks is pruned.
    /// (Bee instead drops the whole subtree under the removed fork.) Errors:
    /// [`ManifestError::EmptyPath`], [`ManifestError::NotFound`],
    /// [`ManifestError::NotLoaded`]; on error the trie is unchanged.
    pub fn remove(&mut self, path: &[u8]) -> Result<(), ManifestError> {
        let Some(&first) = path.first() else {
            return Err(ManifestError::EmptyPath);
        };
        let forks = self
            .forks
            .as_mut()
            .ok_or(ManifestError::NotLoaded(self.reference))?;
        let fork = forks.get_mut(&first).ok_or(ManifestError::NotFound)?;
        if !path.starts_with(&fork.prefix) {
            return Err(ManifestError::NotFound);
        }
        let rest = &path[fork.prefix.len()..];
        let child = &mut fork.node;
        if rest.is_empty() {
            let child_forks = child
                .forks
                .as_ref()
                .ok_or(ManifestError::NotLoaded(child.reference))?;
            if !child.is_value() {
                return Err(ManifestError::NotFound);
            }
            child.entry = B256::ZERO;
            child.metadata.clear();
            child.node_type &= !(NODE_TYPE_VALUE | NODE_TYPE_WITH_METADATA);
            child.reference = None;
            if child_forks.is_empty() {
                forks.remove(&first);
            }
        } else {
            child.remove(rest)?;
            if !child.is_value() && child.forks.as_ref().is_some_and(|m| m.is_empty()) {
                forks.remove(&first);
            }
        }
        if forks.is_empty() {
            self.node_type &= !NODE_TYPE_EDGE;
        }
        self.reference = None;
        Ok(())
    }

    /// Visits every node, parents before children and forks in byte order, with the full
    /// path leading to it (the empty path for this node). Stops at the first error
    /// `visit` returns; an unloaded node is [`ManifestError::NotLoaded`].
    pub fn walk<F>(&self, mut visit: F) -> Result<(), ManifestError>
    where
        F: FnMut(&[u8], &Node) -> Result<(), ManifestError>,
    {
        let mut path = Vec::new();
        self.walk_inner(&mut path, &mut visit)
    }

    fn walk_inner<F>(&self, path: &mut Vec<u8>, visit: &mut F) -> Result<(), ManifestError>
    where
        F: FnMut(&[u8], &Node) -> Result<(), ManifestError>,
    {
        let forks = self
            .forks
            .as_ref()
            .ok_or(ManifestError::NotLoaded(self.reference))?;
        visit(path, self)?;
        for fork in forks.values() {
            let len = path.len();
            path.extend_from_slice(&fork.prefix);
            fork.node.walk_inner(path, visit)?;
            path.truncate(len);
        }
        Ok(())
    }

    /// Every entry as (path, entry, metadata) in path order (see [`Node::walk`]).
    pub fn entries(&self) -> Result<Vec<(Vec<u8>, B256, Metadata)>, ManifestError> {
        let mut out = Vec::new();
        self.walk(|path, node| {
            if node.is_value() || (path.is_empty() && node.entry != B256::ZERO) {
                out.push((path.to_vec(), node.entry, node.metadata.clone()));
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Persists the trie: every changed node, children first, is marshalled and split into
    /// chunks handed to `sink`, exactly as Bee uploads it. Returns this node's reference,
    /// the chunk-tree root of its bytes. Unchanged (already saved or loaded) nodes are not
    /// written again.
    pub fn save<S: ChunkSink>(&mut self, sink: &mut S) -> Result<B256, ManifestError> {
        if let Some(reference) = self.reference {
            return Ok(reference);
        }
        if let Some(forks) = self.forks.as_mut() {
            for fork in forks.values_mut() {
                fork.node.save(sink)?;
            }
        }
        let bytes = self.marshal()?;
        let reference = split_bytes(&bytes, &mut *sink)?;
        self.reference = Some(reference);
        Ok(reference)
    }

    /// Loads the whole trie under `reference` from `source` (eagerly; see
    /// [`Node::load_lazy`]). Every chunk is checked against its address.
    pub fn load<S: ChunkSource>(source: &S, reference: B256) -> Result<Node, ManifestError> {
        let mut node = Node::unloaded(reference).fetch(source)?;
        node.load_children(source, 1)?;
        Ok(node)
    }

    /// Loads only the root node under `reference`; its children stay unloaded until
    /// looked up with [`Node::lookup_with`].
    pub fn load_lazy<S: ChunkSource>(source: &S, reference: B256) -> Result<Node, ManifestError> {
        Node::unloaded(reference).fetch(source)
    }

    /// Like [`Node::lookup`], but fetches unloaded nodes on the way from `source` (without
    /// keeping them).
    pub fn lookup_with<S: ChunkSource>(
        &self,
        source: &S,
        path: &[u8],
    ) -> Result<Option<(B256, Metadata)>, ManifestError> {
        self.lookup_with_inner(source, path, path.is_empty(), 0)
    }

    fn lookup_with_inner<S: ChunkSource>(
        &self,
        source: &S,
        path: &[u8],
        is_root: bool,
        depth: usize,
    ) -> Result<Option<(B256, Metadata)>, ManifestError> {
        if depth > MAX_DEPTH {
            return Err(ManifestError::TooDeep(MAX_DEPTH));
        }
        let Some(forks) = self.forks.as_ref() else {
            return self.fetch(source)?.lookup_with_inner(
                source,
                path,
                is_root,
                depth.saturating_add(1),
            );
        };
        let Some(first) = path.first() else {
            return self.value(is_root);
        };
        match forks.get(first) {
            Some(fork) if path.starts_with(&fork.prefix) => fork.node.lookup_with_inner(
                source,
                &path[fork.prefix.len()..],
                false,
                depth.saturating_add(1),
            ),
            _ => Ok(None),
        }
    }

    /// Reads and parses the node behind this unloaded node's reference, keeping the type
    /// and metadata its parent's fork recorded.
    fn fetch<S: ChunkSource>(&self, source: &S) -> Result<Node, ManifestError> {
        let reference = self.reference.ok_or(ManifestError::NotLoaded(None))?;
        let joiner = Joiner::new(source, reference)?;
        if joiner.size() > MAX_NODE_SIZE {
            return Err(ManifestError::NodeTooLarge(joiner.size()));
        }
        let mut data = Vec::new();
        joiner.copy_to(&mut data)?;
        let mut node = Node::unmarshal(&data)?;
        node.reference = Some(reference);
        node.node_type |= self.node_type;
        node.metadata = self.metadata.clone();
        Ok(node)
    }

    fn load_children<S: ChunkSource>(
        &mut self,
        source: &S,
        depth: usize,
    ) -> Result<(), ManifestError> {
        if depth > MAX_DEPTH {
            return Err(ManifestError::TooDeep(MAX_DEPTH));
        }
        if let Some(forks) = self.forks.as_mut() {
            for fork in forks.values_mut() {
                let mut child = fork.node.fetch(source)?;
                child.load_children(source, depth.saturating_add(1))?;
                fork.node = child;
            }
        }
        Ok(())
    }
}
