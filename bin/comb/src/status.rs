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
    /// Token amounts in PLUR (10^-16 BZZ) instead of BZZ.
    #[arg(long)]
    plur: bool,
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

/// A token amount as the API gives it (decimal PLUR), in BZZ or, with `--plur`, in PLUR.
fn amount(value: &Value, plur: bool) -> String {
    value.as_str().map_or_else(
        || "-".to_string(),
        |digits| crate::render::amount(digits, plur),
    )
}

fn yes_no(value: &Value) -> &'static str {
    match value.as_bool() {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

/// One node's lines, each number with what it is.
async fn node_status(client: &reqwest::Client, api: &str, plur: bool) -> String {
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
        "{api} overlay {}\n  \
         redistribution: round {}, {} phase, block {} · last played round {} · last won round {} · reward so far {}\n  \
         frozen: {} (last frozen in round {}) · fully synced: {} · healthy: {}\n  \
         stake: {} · wallet: {}\n  \
         SWAP: balances with {peers_owing} peers · last cheques with {cheque_count} peers",
        text(&status["overlay"]),
        text(&state["round"]),
        text(&state["phase"]),
        text(&state["block"]),
        text(&state["lastPlayedRound"]),
        text(&state["lastWonRound"]),
        amount(&state["reward"], plur),
        yes_no(&state["isFrozen"]),
        text(&state["lastFrozenRound"]),
        yes_no(&state["isFullySynced"]),
        yes_no(&state["isHealthy"]),
        amount(&stake["stakedAmount"], plur),
        amount(&wallet["bzzBalance"], plur),
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
            println!("{}", node_status(&client, api, args.plur).await);
        }
    });
    Ok(())
}
