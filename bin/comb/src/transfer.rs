//! `comb upload PATH` and `comb download REF -o PATH`: a file through the node's `/bytes`
//! API, a directory as a collection through `/bzz` (a tar, with the website's index and
//! error documents), streamed, with progress bars. Without `--stamp`, upload buys a batch
//! large enough and waits until the node can stamp with it. Downloading a collection's
//! reference restores the directory.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use clap::Args;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

/// Bee's default API address.
pub const DEFAULT_API: &str = "http://127.0.0.1:1633";

/// Arguments of `comb upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The file or directory to upload.
    file: PathBuf,
    /// The postage batch to stamp with (hex); bought for the file if absent.
    #[arg(long)]
    stamp: Option<String>,
    /// For a directory: the index document (default `index.html` when the directory has one).
    #[arg(long)]
    index_document: Option<String>,
    /// For a directory: the document served for paths that do not exist.
    #[arg(long)]
    error_document: Option<String>,
    /// The node's API URL.
    #[arg(long, default_value = DEFAULT_API)]
    api: String,
}

/// Arguments of `comb download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The Swarm reference (64 hex characters).
    reference: String,
    /// Where to write the data.
    #[arg(short, long)]
    output: PathBuf,
    /// The node's API URL.
    #[arg(long, default_value = DEFAULT_API)]
    api: String,
}

/// A byte progress bar.
pub fn bar(total: u64, verb: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let template = format!("{verb} {{bar:40}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// Checks a response's status, returning its JSON body.
pub async fn json(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!(
            "the node answered {status}: {}",
            body["message"].as_str().unwrap_or("no message")
        );
    }
    Ok(body)
}

/// The depth of a batch that fits `size` bytes with room for uneven buckets: chunks plus
/// intermediate chunks, doubled, at least 17 (one above Bee's bucket depth).
pub fn depth_for(size: u64) -> u8 {
    let leaves = size.div_ceil(4096).max(1);
    let chunks = leaves.saturating_add(leaves / 127).saturating_add(2);
    let bits = 64u32.saturating_sub(chunks.leading_zeros());
    (bits.saturating_add(2)).clamp(17, 40) as u8
}

/// Buys a batch for `size` bytes and waits until the node can stamp with it.
pub async fn buy_batch(client: &reqwest::Client, api: &str, size: u64) -> anyhow::Result<String> {
    let chain = json(client.get(format!("{api}/chainstate")).send().await?).await?;
    let price: u128 = chain["currentPrice"].as_str().unwrap_or("0").parse()?;
    let validity = u128::from(chain["minimumValidityBlocks"].as_u64().unwrap_or(17_280));
    // Twice the minimum balance per chunk.
    let amount = price.saturating_mul(validity).saturating_mul(2).max(1);
    let depth = depth_for(size);
    let bought = json(
        client
            .post(format!("{api}/stamps/{amount}/{depth}"))
            .send()
            .await?,
    )
    .await?;
    let id = bought["batchID"]
        .as_str()
        .ok_or_else(|| anyhow!("no batchID in the answer"))?
        .to_string();
    let total = comb_primitives::U256::from(amount) << usize::from(depth);
    eprintln!(
        "bought batch {id} for {}: {amount} PLUR per chunk for 2^{depth} chunks; waiting until usable",
        comb_node::narrator::bzz(total)
    );
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let batch = json(client.get(format!("{api}/stamps/{id}")).send().await?).await;
        if let Ok(batch) = batch {
            if batch["usable"].as_bool() == Some(true) {
                return Ok(id);
            }
        }
        if Instant::now() > deadline {
            bail!("batch {id} did not become usable within 5 minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn upload(args: &UploadArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let api = args.api.trim_end_matches('/');
    if args.file.is_dir() {
        let reference = crate::collection::upload_dir(
            &client,
            api,
            &args.file,
            args.stamp.clone(),
            args.index_document.clone(),
            args.error_document.clone(),
        )
        .await?;
        println!("{reference}");
        return Ok(());
    }
    let file = tokio::fs::File::open(&args.file)
        .await
        .with_context(|| format!("{}", args.file.display()))?;
    let size = file.metadata().await?.len();
    let batch = match &args.stamp {
        Some(id) => id.clone(),
        None => buy_batch(&client, api, size).await?,
    };
    let progress = bar(size, "upload");
    let watched = progress.clone();
    let stream = tokio_util::io::ReaderStream::new(file).inspect(move |piece| {
        if let Ok(bytes) = piece {
            watched.inc(bytes.len() as u64);
        }
    });
    let response = client
        .post(format!("{api}/bytes"))
        .header("swarm-postage-batch-id", &batch)
        .header("content-type", "application/octet-stream")
        .header("content-length", size)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await?;
    let body = json(response).await?;
    progress.finish_and_clear();
    println!("{}", body["reference"].as_str().unwrap_or_default());
    Ok(())
}

async fn download(args: &DownloadArgs) -> anyhow::Result<()> {
    let api = args.api.trim_end_matches('/');
    if crate::collection::restore(api, &args.reference, &args.output).await? {
        return Ok(());
    }
    let response = reqwest::get(format!("{api}/bytes/{}", args.reference)).await?;
    if !response.status().is_success() {
        json(response).await?;
        bail!("download failed");
    }
    let progress = bar(response.content_length().unwrap_or(0), "download");
    let mut file = tokio::fs::File::create(&args.output)
        .await
        .with_context(|| format!("{}", args.output.display()))?;
    let mut stream = response.bytes_stream();
    while let Some(piece) = stream.next().await {
        let piece = piece?;
        file.write_all(&piece).await?;
        progress.inc(piece.len() as u64);
    }
    file.flush().await?;
    progress.finish_and_clear();
    eprintln!("wrote {}", args.output.display());
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Runs `comb upload`.
pub fn run_upload(args: &UploadArgs) -> anyhow::Result<()> {
    runtime()?.block_on(upload(args))
}

/// Runs `comb download`.
pub fn run_download(args: &DownloadArgs) -> anyhow::Result<()> {
    runtime()?.block_on(download(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_depth_leaves_room() {
        assert_eq!(depth_for(0), 17);
        assert_eq!(depth_for(10 << 20), 17);
        // 256 MiB: 65,536 leaves + 516 intermediates → 17 bits, +2.
        assert_eq!(depth_for(256 << 20), 19);
    }
}
