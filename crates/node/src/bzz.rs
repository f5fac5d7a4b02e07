//! Files, collections and websites (`/bzz`): the producers that turn an upload body into
//! chunks and a mantaray manifest (Bee's layout, so references match Bee's), and the
//! resolution of `GET /bzz/{reference}/{path}` through manifests and feeds.

use std::collections::HashMap;

use comb_api::{ApiError, BzzResponse, BzzUpload, FileDownload};
use comb_filetree::{ChunkSource, FileTreeError};
use comb_manifest::website::{self, Resolved};
use comb_manifest::{Collection, Node as Manifest};
use comb_primitives::{Chunk, B256};

use crate::content::{split_reader_into, ChannelReader, GroupSink};

/// Builds what `POST /bzz` uploads, on the pipeline's blocking thread: the file's chunk tree
/// and its single-file manifest, or every regular file of a tar archive and the collection
/// manifest. Returns the manifest's reference.
pub fn produce(
    kind: BzzUpload,
    mut reader: ChannelReader,
    sink: &mut GroupSink,
) -> Result<B256, String> {
    match kind {
        BzzUpload::File { name, content_type } => {
            let file = split_reader_into(&mut reader, sink)?;
            // Bee names an unnamed file after its data's reference.
            let name = name.unwrap_or_else(|| hex::encode(file));
            let mut manifest =
                website::single_file(file, &name, &content_type).map_err(|e| e.to_string())?;
            manifest.save(sink).map_err(|e| e.to_string())
        }
        BzzUpload::Collection {
            index_document,
            error_document,
        } => {
            let mut archive = tar::Archive::new(reader);
            let mut collection = Collection::new();
            let entries = archive.entries().map_err(|e| format!("invalid tar: {e}"))?;
            for entry in entries {
                let mut entry = entry.map_err(|e| format!("invalid tar: {e}"))?;
                if !entry.header().entry_type().is_file() {
                    continue;
                }
                let path = entry
                    .path()
                    .map_err(|e| format!("invalid tar path: {e}"))?
                    .to_string_lossy()
                    .into_owned();
                let file = split_reader_into(&mut entry, sink)?;
                collection
                    .add_file(&path, file)
                    .map_err(|e| e.to_string())?;
            }
            if collection.is_empty() {
                return Err("invalid tar: no files in the collection".to_string());
            }
            let mut manifest = collection
                .finish(index_document.as_deref(), error_document.as_deref())
                .map_err(|e| e.to_string())?;
            manifest.save(sink).map_err(|e| e.to_string())
        }
    }
}

/// A chunk source that also knows some chunks by heart: the chunk a SOC or feed update
/// wraps is not stored under its own address, so joining from it needs it handed in.
pub struct WithChunks<S> {
    /// Where other chunks come from.
    pub source: S,
    /// Chunks served first.
    pub known: HashMap<B256, Chunk>,
}

impl<S: ChunkSource<Error = FileTreeError>> ChunkSource for WithChunks<S> {
    type Error = FileTreeError;

    fn get(&self, address: &B256) -> Result<Chunk, FileTreeError> {
        match self.known.get(address) {
            Some(chunk) => Ok(chunk.clone()),
            None => self.source.get(address),
        }
    }
}

/// What a path resolved to within one manifest.
pub enum Target {
    /// A file entry.
    File(Resolved),
    /// A directory without a trailing `/`.
    Redirect(String),
    /// The manifest stands for a feed.
    Feed(website::FeedRef),
}

/// Resolves `path` in the manifest at `reference` (Bee's rules, see
/// [`website::resolve`]), noticing feed manifests and directories to redirect to.
pub fn resolve_in_manifest<S: ChunkSource<Error = FileTreeError>>(
    source: &S,
    reference: B256,
    path: &str,
    feeds: bool,
) -> Result<Target, ApiError> {
    let not_manifest =
        |e: comb_manifest::ManifestError| ApiError::not_found(format!("not a manifest: {e}"));
    let root = Manifest::load_lazy(source, reference).map_err(not_manifest)?;
    if feeds {
        if let Some(feed) = website::root_metadata(&root, source)
            .map_err(not_manifest)?
            .as_ref()
            .and_then(website::feed_of)
        {
            return Ok(Target::Feed(feed));
        }
    }
    let direct = if path.is_empty() {
        None
    } else {
        root.lookup_with(source, path.as_bytes())
            .map_err(not_manifest)?
            .filter(|(entry, _)| *entry != B256::ZERO)
    };
    if direct.is_none()
        && !path.is_empty()
        && !path.ends_with('/')
        && root_has_prefix(&root, source, &format!("{path}/"))?
    {
        // Bee answers a directory without its trailing slash with a permanent redirect.
        return Ok(Target::Redirect(format!("{path}/")));
    }
    match website::resolve(&root, source, path).map_err(not_manifest)? {
        Some(found) => Ok(Target::File(found)),
        None => Err(ApiError::not_found("path address not found")),
    }
}

/// Whether some entry's path starts with `prefix`, loading nodes on the way.
fn root_has_prefix<S: ChunkSource<Error = FileTreeError>>(
    root: &Manifest,
    source: &S,
    prefix: &str,
) -> Result<bool, ApiError> {
    let loaded = Manifest::load(source, root.reference().unwrap_or_default())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    loaded
        .has_prefix(prefix.as_bytes())
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// The file download for a resolved entry, built by the caller's streaming function.
pub fn bzz_file(
    resolved: Resolved,
    size: u64,
    range: Option<(u64, u64)>,
    stream: comb_api::DataStream,
    feed_index: Option<String>,
) -> BzzResponse {
    BzzResponse::File(FileDownload {
        size,
        stream,
        range,
        content_type: resolved.metadata.get(website::CONTENT_TYPE_KEY).cloned(),
        filename: resolved.metadata.get(website::FILENAME_KEY).cloned(),
        etag: resolved.entry,
        feed_index,
    })
}
