//! `comb status`: each node's round state, wins, frozen state, stake and bandwidth
//! settlement at a glance, read from the nodes' APIs (Bee's `/redistributionstate`,
//! `/stake`, `/wallet`, `/balances`, `/chequebook/cheque`). The nodes are those of a
//! devnet's `devnet.json`, or the `--api` URLs given.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use crate::transfer::json;

/// Arguments of `comb status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// A node's API URL (repeatable); without one, every node of `--devnet`.
    #[arg(long)]
    api: Vec<String>,
    /// The devnet directory whose `devnet.json` lists the nodes.
    #[arg(long, value_name = "DIR", default_value = ".comb-devnet")]
    devnet: PathBuf,
}

fn apis(args: &StatusArgs) -> anyhow::Result<Vec<String>> {
    if !args.api.is_empty() {
        return Ok(args.api.clone());
    }
    let path = args.devnet.join("devnet.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{} (start `comb devnet`, or pass --api)", path.display()))?;
    let manifest: Value = serde_json::from_str(&text)?;
    Ok(manifest["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|node| node["api"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default())
}

/// GETs `path` from `api`; `Value::Null` when the node does not answer it.
async fn get(client: &reqwest::Client, api: &str, path: &str) -> Value {
    match client.get(format!("{api}{path}")).send().await {
        Ok(response) => json(response).await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// One node's lines.
async fn node_status(client: &reqwest::Client, api: &str) -> String {
    let api = api.trim_end_matches('/');
    let state = get(client, api, "/redistributionstate").await;
    if state.is_null() {
        return format!("{api}: not reachable");
    }
    let status = get(client, api, "/status").await;
    let stake = get(client, api, "/stake").await;
    let wallet = get(client, api, "/wallet").await;
    let balances = get(client, api, "/balances").await;
    let cheques = get(client, api, "/chequebook/cheque").await;
    let peers_owing = balances["balances"].as_array().map_or(0, Vec::len);
    let cheque_count = cheques["lastcheques"].as_array().map_or(0, Vec::len);
    format!(
        "{api} overlay {}\n  round {} {} block {} | played {} won {} reward {} | frozen {} (last {}) synced {} healthy {}\n  stake {} | wallet {} | balances with {} peers | last cheques with {} peers",
        text(&status["overlay"]),
        text(&state["round"]),
        text(&state["phase"]),
        text(&state["block"]),
        text(&state["lastPlayedRound"]),
        text(&state["lastWonRound"]),
        text(&state["reward"]),
        text(&state["isFrozen"]),
        text(&state["lastFrozenRound"]),
        text(&state["isFullySynced"]),
        text(&state["isHealthy"]),
        text(&stake["stakedAmount"]),
        text(&wallet["bzzBalance"]),
        peers_owing,
        cheque_count,
    )
}

/// Runs `comb status`.
pub fn run(args: &StatusArgs) -> anyhow::Result<()> {
    let apis = apis(args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::new();
        for api in &apis {
            println!("{}", node_status(&client, api).await);
        }
    });
    Ok(())
}
