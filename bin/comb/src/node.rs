//! `comb node` and `comb devnet`: run one node, or a local chain with several nodes.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use comb_node::devnet::{Devnet, DevnetConfig};
use comb_node::{ConfigOverrides, NodeConfig};
use tokio::signal::unix::{signal, SignalKind};

/// Arguments of `comb node`. Precedence: flags, then `COMB_*` environment variables, then
/// the config file, then defaults.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {
    /// A JSON config file with kebab-case keys (`data-dir`, `api-addr`, `p2p-addr`,
    /// `chain-rpc`, `bootnodes`, `reserve-capacity`, `cache-capacity`, `private-key`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (keys, chunk store, batch store).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// HTTP API address.
    #[arg(long, value_name = "ADDR")]
    api_addr: Option<SocketAddr>,
    /// P2P listen address.
    #[arg(long, value_name = "ADDR")]
    p2p_addr: Option<SocketAddr>,
    /// The chain's JSON-RPC URL.
    #[arg(long, value_name = "URL")]
    chain_rpc: Option<String>,
    /// A peer to connect to at start (multiaddress); repeatable.
    #[arg(long = "bootnode", value_name = "MULTIADDR")]
    bootnodes: Vec<String>,
    /// The address peers reach this node at behind NAT (`host:port` or a multiaddress),
    /// announced instead of the listen address; repeatable.
    #[arg(long = "nat-addr", value_name = "ADDR")]
    nat_addr: Vec<String>,
    /// An origin whose browser scripts may use the API (Bee's `cors-allowed-origins`; `*`
    /// for any); repeatable.
    #[arg(long = "cors-allowed-origins", value_name = "ORIGIN")]
    cors_allowed_origins: Vec<String>,
    /// An address `POST /wallet/withdraw/{coin}` may send the node's tokens to (Bee's
    /// `withdrawal-addresses-whitelist`); repeatable.
    #[arg(long = "withdrawal-addresses-whitelist", value_name = "ADDRESS")]
    withdrawal_addresses_whitelist: Vec<comb_primitives::Address>,
    /// Reserve capacity in chunks.
    #[arg(long, value_name = "CHUNKS")]
    reserve_capacity: Option<u64>,
}

/// Arguments of `comb devnet`.
#[derive(Debug, clap::Args)]
pub struct DevnetArgs {
    /// Number of nodes.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    nodes: u16,
    /// Milliseconds between blocks.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    block_time: u64,
    /// Where the chain and the nodes keep their data; `devnet.json` is written here.
    #[arg(long, value_name = "DIR", default_value = ".comb-devnet")]
    dir: PathBuf,
    /// The chain's port; node i's API is on base+1+2i and its P2P on base+2+2i. 0 = free ports.
    #[arg(long, default_value_t = 8545)]
    base_port: u16,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

async fn until_signalled() -> anyhow::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    Ok(())
}

/// Runs `comb node`.
pub fn run_node(args: NodeArgs) -> anyhow::Result<()> {
    let flags = ConfigOverrides {
        data_dir: args.data_dir,
        api_addr: args.api_addr,
        p2p_addr: args.p2p_addr,
        chain_rpc: args.chain_rpc,
        bootnodes: (!args.bootnodes.is_empty()).then_some(args.bootnodes),
        nat_addr: (!args.nat_addr.is_empty()).then_some(args.nat_addr),
        cors_allowed_origins: (!args.cors_allowed_origins.is_empty())
            .then_some(args.cors_allowed_origins),
        withdrawal_addresses_whitelist: (!args.withdrawal_addresses_whitelist.is_empty())
            .then_some(args.withdrawal_addresses_whitelist),
        reserve_capacity: args.reserve_capacity,
        ..ConfigOverrides::default()
    };
    let config = NodeConfig::load(args.config.as_deref(), std::env::vars(), flags)?;
    runtime()?.block_on(async move {
        let node = comb_node::start(config)
            .await
            .context("starting the node")?;
        println!("overlay {}", hex::encode(node.node.overlay()));
        println!("ethereum {}", node.node.signer().address());
        for address in node.node.network().listen_addrs() {
            println!("p2p {address}");
        }
        println!("api {}", node.api_url());
        until_signalled().await?;
        node.shutdown().await;
        println!("stopped");
        Ok(())
    })
}

/// Runs `comb devnet`.
pub fn run_devnet(args: DevnetArgs) -> anyhow::Result<()> {
    let config = DevnetConfig {
        nodes: usize::from(args.nodes),
        block_time_ms: args.block_time,
        dir: args.dir.clone(),
        base_port: args.base_port,
        ..DevnetConfig::default()
    };
    runtime()?.block_on(async move {
        std::fs::create_dir_all(&args.dir)?;
        let devnet = Devnet::start(&config)
            .await
            .context("starting the devnet")?;
        let manifest = devnet.write_manifest(&args.dir)?;
        println!("chain {}", devnet.chain.url());
        for (index, node) in devnet.nodes.iter().enumerate() {
            println!(
                "node {index}: api {} overlay {}",
                node.api_url(),
                hex::encode(node.node.overlay())
            );
        }
        println!("wrote {}", manifest.display());
        // The running commentary: rounds, commits, reveals, winners, rewards, freezes,
        // challenges and cheques, one line each, until the devnet is stopped.
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let narrator = tokio::spawn(comb_node::narrator::run(
            comb_chain_rpc::ChainClient::new(devnet.chain.url())?,
            devnet
                .nodes
                .iter()
                .enumerate()
                .map(|(index, node)| (format!("node {index}"), std::sync::Arc::clone(&node.node)))
                .collect(),
            std::time::Duration::from_millis(config.block_time_ms.clamp(50, 1000)),
            |line| println!("{line}"),
            async move {
                let _ = stopped.await;
            },
        ));
        until_signalled().await?;
        let _ = stop.send(());
        let _ = narrator.await;
        devnet.shutdown().await?;
        println!("stopped");
        Ok(())
    })
}
