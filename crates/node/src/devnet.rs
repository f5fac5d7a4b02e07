//! A local network in one process: the dev chain and N nodes on 127.0.0.1, with real TCP
//! between them (`comb devnet`, and the multi-node tests).
//!
//! Node i signs with dev account i of the dev genesis, so every node is funded from block 0.
//! Node 0 is every other node's bootnode; hive introduces the rest. Every node stakes at
//! start (spec `storage-incentives.md` §3), so the redistribution game runs as soon as the
//! stakes are two rounds old (§5.3 `MustStake2Rounds`). The dev genesis lifts the
//! admin-settable `sampleMaxValue` (§5.8) so that a devnet's small reserves can claim.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use comb_chain::token::PLUR_PER_BZZ;
use comb_chain_rpc::dev::{dev_genesis, dev_key};
use comb_chain_rpc::producer::unix_now;
use comb_chain_rpc::{ChainService, Genesis, ServiceConfig};
use comb_primitives::U256;
use serde::Serialize;

use crate::{start, NodeConfig, NodeError, RunningNode};

/// How a devnet is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevnetConfig {
    /// Number of nodes.
    pub nodes: usize,
    /// Milliseconds between blocks.
    pub block_time_ms: u64,
    /// Where the chain and the nodes keep their data.
    pub dir: PathBuf,
    /// First port: the chain listens on it, node i's API on `base + 1 + 2i`, its P2P on
    /// `base + 2 + 2i`. 0 picks free ports.
    pub base_port: u16,
    /// Blocks a batch must age before nodes stamp with it.
    pub batch_block_threshold: u64,
    /// Overrides the postage contract's `minimumValidityBlocks` (17280 by default), so that
    /// tests can buy batches that expire within seconds.
    pub minimum_validity_blocks: Option<u64>,
    /// The stake of each node in BZZ: node i stakes entry i, nodes past the end stake the
    /// last entry; an empty list stakes nothing. The default is the stake registry's
    /// minimum, 10 BZZ, for every node.
    pub stakes_bzz: Vec<u64>,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            nodes: 4,
            block_time_ms: 500,
            dir: PathBuf::from(".comb-devnet"),
            base_port: 8545,
            batch_block_threshold: 10,
            minimum_validity_blocks: None,
            stakes_bzz: vec![10],
        }
    }
}

/// One node in `devnet.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestNode {
    /// API base URL.
    pub api: String,
    /// Overlay (hex).
    pub overlay: String,
    /// Ethereum address (0x hex).
    pub ethereum: String,
}

/// `DIR/devnet.json`: where everything listens.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The chain's JSON-RPC URL.
    pub chain_rpc: String,
    /// The nodes.
    pub nodes: Vec<ManifestNode>,
}

/// A running devnet.
#[derive(Debug)]
pub struct Devnet {
    /// The chain.
    pub chain: ChainService,
    /// The nodes, node 0 first.
    pub nodes: Vec<RunningNode>,
}

fn port(base: u16, offset: usize) -> Result<u16, NodeError> {
    if base == 0 {
        return Ok(0);
    }
    u16::try_from(usize::from(base).saturating_add(offset))
        .map_err(|_| NodeError::Config(format!("base port {base} leaves no room")))
}

/// SWAP in a devnet: Bee's defaults except the payment threshold, raised to the largest a
/// Bee node may configure (24 × the refresh rate = 108,000,000 AU, spec `swap.md` §0).
/// Settlement runs at most once a second per peer (spec §1.5), so the threshold bounds a
/// peer's bandwidth; a handful of local nodes moving megabytes needs the largest one.
pub fn devnet_swap() -> crate::swap::SwapConfig {
    use comb_accounting::config::{MAX_THRESHOLD_FACTOR, REFRESH_RATE};
    crate::swap::SwapConfig {
        payment_threshold: MAX_THRESHOLD_FACTOR.saturating_mul(REFRESH_RATE),
        ..crate::swap::SwapConfig::default()
    }
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

impl Devnet {
    /// Starts the chain and the nodes, stakes them, connects them and waits until every
    /// node is connected to every other.
    pub async fn start(config: &DevnetConfig) -> Result<Self, NodeError> {
        Self::start_with(config, |_, _| {}).await
    }

    /// [`Devnet::start`], with `tweak(index, config)` applied to each node's configuration
    /// before it starts.
    pub async fn start_with(
        config: &DevnetConfig,
        tweak: impl Fn(usize, &mut NodeConfig),
    ) -> Result<Self, NodeError> {
        let mut genesis = dev_genesis()?;
        genesis.timestamp = unix_now();
        // A devnet's reserves hold hundreds of chunks, not the ~1.4 million the default
        // reserve-size estimate asks of a sample's last item (`sampleMaxValue`, spec §5.8
        // step 6, admin-settable): lift it so that claims can pass.
        genesis.redistribution.sample_max_value = U256::MAX;
        if let Some(blocks) = config.minimum_validity_blocks {
            genesis.postage.minimum_validity_blocks = blocks;
        }
        let chain = ChainService::start(ServiceConfig {
            data_dir: config.dir.join("chain"),
            genesis: Genesis::OrCreate(genesis),
            listen: local(port(config.base_port, 0)?),
            block_time: Duration::from_millis(config.block_time_ms.max(1)),
        })
        .await?;
        let mut nodes: Vec<RunningNode> = Vec::with_capacity(config.nodes);
        for index in 0..config.nodes {
            let bootnodes = match nodes.first() {
                Some(first) => first
                    .node
                    .network()
                    .listen_addrs()
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
                None => Vec::new(),
            };
            let mut node_config = NodeConfig {
                data_dir: config.dir.join(format!("node-{index}")),
                api_addr: local(port(config.base_port, 1 + 2 * index)?),
                p2p_addr: local(port(config.base_port, 2 + 2 * index)?),
                chain_rpc: chain.url(),
                bootnodes,
                private_key: Some(hex::encode(dev_key(index))),
                batch_block_threshold: config.batch_block_threshold,
                swap: devnet_swap(),
                // A devnet is for trying things, Bee's dashboard in a browser included.
                cors_allowed_origins: vec!["*".into()],
                ..NodeConfig::default()
            };
            tweak(index, &mut node_config);
            nodes.push(start(node_config).await?);
        }
        let stakes = nodes.iter().enumerate().filter_map(|(index, node)| {
            let bzz = config
                .stakes_bzz
                .get(index)
                .or(config.stakes_bzz.last())
                .copied()?;
            let amount = U256::from(bzz).saturating_mul(U256::from(PLUR_PER_BZZ));
            Some(async move { node.node.stake(amount).await })
        });
        for staked in futures_util::future::join_all(stakes).await {
            staked?;
        }
        let devnet = Self { chain, nodes };
        devnet.await_connected(Duration::from_secs(30)).await?;
        Ok(devnet)
    }

    /// Polls until every node of a multi-node devnet is connected to all others.
    pub async fn await_connected(&self, within: Duration) -> Result<(), NodeError> {
        let deadline = Instant::now() + within;
        let wanted = self.nodes.len().saturating_sub(1);
        loop {
            if self
                .nodes
                .iter()
                .all(|n| n.node.network().peers().len() >= wanted)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(NodeError::Config(
                    "devnet nodes did not connect in time".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What `devnet.json` holds.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            chain_rpc: self.chain.url(),
            nodes: self
                .nodes
                .iter()
                .map(|n| ManifestNode {
                    api: n.api_url(),
                    overlay: hex::encode(n.node.overlay()),
                    ethereum: n.node.signer().address().to_checksum(None),
                })
                .collect(),
        }
    }

    /// Writes `devnet.json` into `dir`.
    pub fn write_manifest(&self, dir: &Path) -> Result<PathBuf, NodeError> {
        let path = dir.join("devnet.json");
        let json = serde_json::to_vec_pretty(&self.manifest())
            .map_err(|e| NodeError::Io(e.to_string()))?;
        std::fs::write(&path, json)
            .map_err(|e| NodeError::Io(format!("{}: {e}", path.display())))?;
        Ok(path)
    }

    /// Stops the nodes, then the chain.
    pub async fn shutdown(self) -> Result<(), NodeError> {
        for node in self.nodes {
            node.shutdown().await;
        }
        self.chain.shutdown().await?;
        Ok(())
    }
}
