//! `comb feed update` and `comb feed get`: sequence feeds from the command line. An update
//! is a single-owner chunk signed here with the owner's key, whose id is
//! `keccak256(topic ‖ index)` (Bee `pkg/feeds`), posted to `/soc`; the next index comes from
//! the node's `/feeds` lookup (`swarm-feed-index-next`, or 0 for a new feed).

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use comb_manifest::website::feed_update_id;
use comb_primitives::keccak::keccak256;
use comb_primitives::soc::soc_digest;
use comb_primitives::{Chunk, Signer};

use crate::transfer::{json, DEFAULT_API};

/// `comb feed …`.
#[derive(Debug, Args)]
pub struct FeedArgs {
    /// What to do.
    #[command(subcommand)]
    command: FeedCommand,
}

/// The feed subcommands.
#[derive(Debug, Subcommand)]
enum FeedCommand {
    /// Publish the next update of a feed: a reference (64 hex) or a short payload.
    Update(UpdateArgs),
    /// Print the latest update of a feed and its index.
    Get(GetArgs),
}

/// Arguments of `comb feed update`.
#[derive(Debug, Args)]
struct UpdateArgs {
    /// The topic: 64 hex characters, or any text (hashed with keccak256, as bee-js does).
    #[arg(long)]
    topic: String,
    /// The owner's private key (64 hex characters).
    #[arg(long)]
    key: String,
    /// The update: a reference (64 hex) or text up to 4 KiB.
    content: String,
    /// The postage batch to stamp with (hex).
    #[arg(long)]
    stamp: String,
    /// The node's API URL.
    #[arg(long, default_value = DEFAULT_API)]
    api: String,
}

/// Arguments of `comb feed get`.
#[derive(Debug, Args)]
struct GetArgs {
    /// The topic, as for `update`.
    #[arg(long)]
    topic: String,
    /// The owner's address (40 hex characters).
    #[arg(long)]
    owner: String,
    /// The node's API URL.
    #[arg(long, default_value = DEFAULT_API)]
    api: String,
}

/// A topic as given: 32 hex bytes, or the keccak256 of the text.
pub fn topic_bytes(topic: &str) -> [u8; 32] {
    let digits = topic.strip_prefix("0x").unwrap_or(topic);
    match hex::decode(digits)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
    {
        Some(bytes) => bytes,
        None => keccak256(topic.as_bytes()),
    }
}

/// The payload of an update: a reference's 32 bytes, or the text's bytes.
fn payload(content: &str) -> Vec<u8> {
    let digits = content.strip_prefix("0x").unwrap_or(content);
    match hex::decode(digits).ok().filter(|b| b.len() == 32) {
        Some(reference) => reference,
        None => content.as_bytes().to_vec(),
    }
}

async fn update(args: &UpdateArgs) -> anyhow::Result<()> {
    let api = args.api.trim_end_matches('/');
    let signer = Signer::from_hex(&args.key).context("--key: want 64 hex characters")?;
    let owner = hex::encode(signer.address());
    let topic = topic_bytes(&args.topic);
    let client = reqwest::Client::new();
    let latest = client
        .get(format!("{api}/feeds/{owner}/{}", hex::encode(topic)))
        .send()
        .await?;
    let index = match latest.status().as_u16() {
        404 => 0,
        200 => {
            let next = latest
                .headers()
                .get("swarm-feed-index-next")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            u64::from_str_radix(&next, 16).context("swarm-feed-index-next")?
        }
        status => bail!("feed lookup answered {status}"),
    };
    let id = feed_update_id(&topic, index);
    let wrapped = Chunk::content(&payload(&args.content))?;
    let signature = signer.sign_digest(&soc_digest(&id, wrapped.address()))?;
    let body = json(
        client
            .post(format!(
                "{api}/soc/{owner}/{}?sig={}",
                hex::encode(id),
                hex::encode(signature.as_bytes())
            ))
            .header("swarm-postage-batch-id", &args.stamp)
            .body(wrapped.data().to_vec())
            .send()
            .await?,
    )
    .await?;
    println!(
        "feed {owner}/{} index {index}: {}",
        hex::encode(topic),
        body["reference"].as_str().unwrap_or_default()
    );
    Ok(())
}

async fn get(args: &GetArgs) -> anyhow::Result<()> {
    let api = args.api.trim_end_matches('/');
    let topic = topic_bytes(&args.topic);
    let owner = args.owner.strip_prefix("0x").unwrap_or(&args.owner);
    let response = reqwest::get(format!("{api}/feeds/{owner}/{}", hex::encode(topic))).await?;
    if !response.status().is_success() {
        json(response).await?;
        bail!("feed lookup failed");
    }
    let index = response
        .headers()
        .get("swarm-feed-index")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| u64::from_str_radix(v, 16).ok())
        .unwrap_or_default();
    let content = response.bytes().await?;
    let shown = match std::str::from_utf8(&content) {
        Ok(text) if content.len() != 32 => text.to_string(),
        _ => hex::encode(&content),
    };
    println!("index {index}: {shown}");
    Ok(())
}

/// Runs `comb feed`.
pub fn run(args: &FeedArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match &args.command {
        FeedCommand::Update(update_args) => runtime.block_on(update(update_args)),
        FeedCommand::Get(get_args) => runtime.block_on(get(get_args)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_payloads() {
        assert_eq!(topic_bytes(&"ab".repeat(32)), [0xab; 32]);
        assert_eq!(topic_bytes("my-site"), keccak256(b"my-site"));
        assert_eq!(payload(&"cd".repeat(32)), vec![0xcd; 32]);
        assert_eq!(payload("hello"), b"hello".to_vec());
    }
}
