//! Directories as collections: `comb upload DIR` packs the directory into a tar (relative
//! paths, regular files only) and posts it to `/bzz` with `swarm-collection: true`;
//! `comb download REF -o DIR` reads the collection's manifest chunk by chunk through
//! `/chunks` and writes every file it lists under `DIR`.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use comb_filetree::{ChunkSource, FileTreeError};
use comb_manifest::Node as Manifest;
use comb_primitives::{Chunk, B256};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::transfer::{bar, buy_batch, json};

/// Every regular file under `dir`, as (path relative to `dir` with `/`, absolute path),
/// sorted by path so the archive (and the reference) does not depend on directory order.
fn files_of(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).with_context(|| current.display().to_string())? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                let relative = entry.path().strip_prefix(dir)?.to_path_buf();
                let name = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((name, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Packs the files into an in-memory tar.
fn pack(files: &[(String, PathBuf)]) -> anyhow::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, path) in files {
        builder
            .append_path_with_name(path, name)
            .with_context(|| path.display().to_string())?;
    }
    Ok(builder.into_inner()?)
}

/// Uploads `dir` as a collection; returns its reference.
pub async fn upload_dir(
    client: &reqwest::Client,
    api: &str,
    dir: &Path,
    stamp: Option<String>,
    index: Option<String>,
    error: Option<String>,
) -> anyhow::Result<String> {
    let files = files_of(dir)?;
    if files.is_empty() {
        bail!("{} has no files to upload", dir.display());
    }
    let index = index.or_else(|| {
        files
            .iter()
            .any(|(name, _)| name == "index.html")
            .then(|| "index.html".to_string())
    });
    let archive = pack(&files)?;
    let size = archive.len() as u64;
    let batch = match stamp {
        Some(id) => id,
        None => buy_batch(client, api, size).await?,
    };
    let progress = bar(size, "upload");
    let watched = progress.clone();
    let pieces: Vec<Result<bytes::Bytes, std::io::Error>> = archive
        .chunks(64 * 1024)
        .map(|piece| Ok(bytes::Bytes::copy_from_slice(piece)))
        .collect();
    let stream = futures_util::stream::iter(pieces).inspect(move |piece| {
        if let Ok(bytes) = piece {
            watched.inc(bytes.len() as u64);
        }
    });
    let mut request = client
        .post(format!("{api}/bzz"))
        .header("swarm-postage-batch-id", &batch)
        .header("swarm-collection", "true")
        .header("content-type", "application/x-tar")
        .header("content-length", size);
    if let Some(index) = &index {
        request = request.header("swarm-index-document", index);
    }
    if let Some(error) = &error {
        request = request.header("swarm-error-document", error);
    }
    let body = json(
        request
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await?,
    )
    .await?;
    progress.finish_and_clear();
    eprintln!("uploaded {} files", files.len());
    Ok(body["reference"].as_str().unwrap_or_default().to_string())
}

/// Chunks fetched through the node's `/chunks` endpoint, for reading a manifest.
struct HttpChunks {
    api: String,
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl ChunkSource for HttpChunks {
    type Error = FileTreeError;

    fn get(&self, address: &B256) -> Result<Chunk, FileTreeError> {
        let url = format!("{}/chunks/{}", self.api, hex::encode(address));
        let data = self
            .runtime
            .block_on(async {
                let response = self.client.get(url).send().await?.error_for_status()?;
                response.bytes().await
            })
            .map_err(|_| FileTreeError::MissingChunk(*address))?;
        let chunk = Chunk::content_from_data(data.to_vec())
            .map_err(|_| FileTreeError::MissingChunk(*address))?;
        if chunk.address() != address {
            return Err(FileTreeError::MissingChunk(*address));
        }
        Ok(chunk)
    }
}

/// A manifest path as a safe relative file path: no absolute paths, no `..`.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let relative = PathBuf::from(path);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(relative)
}

/// If `reference` is a collection, writes its files under `output` and returns `true`;
/// `false` when it is not a manifest (the caller downloads it as bytes).
pub async fn restore(api: &str, reference: &str, output: &Path) -> anyhow::Result<bool> {
    let root: B256 = reference
        .parse()
        .with_context(|| format!("{reference} is not a 64-hex reference"))?;
    let source = HttpChunks {
        api: api.to_string(),
        client: reqwest::Client::new(),
        runtime: tokio::runtime::Handle::current(),
    };
    let entries = tokio::task::spawn_blocking(move || {
        Manifest::load(&source, root).and_then(|m| m.entries())
    })
    .await?;
    let Ok(entries) = entries else {
        return Ok(false);
    };
    let files: Vec<(String, B256)> = entries
        .into_iter()
        .filter(|(path, entry, _)| *entry != B256::ZERO && path.as_slice() != b"/")
        .map(|(path, entry, _)| (String::from_utf8_lossy(&path).into_owned(), entry))
        .collect();
    if files.is_empty() {
        return Ok(false);
    }
    let client = Arc::new(reqwest::Client::new());
    let total = files.len() as u64;
    let progress = indicatif::ProgressBar::new(total);
    let mut written: HashMap<PathBuf, B256> = HashMap::new();
    for (path, entry) in files {
        let Some(relative) = safe_relative(&path) else {
            eprintln!("skipping unsafe path {path:?}");
            continue;
        };
        let target = output.join(&relative);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let response = client
            .get(format!("{api}/bytes/{}", hex::encode(entry)))
            .send()
            .await?;
        if !response.status().is_success() {
            json(response).await?;
            bail!("download of {path} failed");
        }
        let mut file = tokio::fs::File::create(&target)
            .await
            .with_context(|| target.display().to_string())?;
        let mut stream = response.bytes_stream();
        while let Some(piece) = stream.next().await {
            file.write_all(&piece?).await?;
        }
        file.flush().await?;
        written.insert(relative, entry);
        progress.inc(1);
    }
    progress.finish_and_clear();
    eprintln!("restored {} files into {}", written.len(), output.display());
    Ok(true)
}
