//! A running node: keys, chain client, store, network, chain follower and HTTP API, wired.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use comb_api::ApiError;
use comb_chain_rpc::ChainClient;
use comb_net::{BatchValidator, Multiaddr, NetConfig, Network};
use comb_postage::Batch;
use comb_primitives::overlay::overlay_address;
use comb_primitives::{Signer, B256};
use comb_store::{PersistentStamper, Store, StoreConfig};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::follower::Follower;
use crate::storage::NodeStore;
use crate::{keys, NodeConfig, NodeError};

/// How long a starting node waits for its chain.
const CHAIN_WAIT: Duration = Duration::from_secs(30);
/// How often the follower polls the chain.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(200);

/// The node's state, shared by the API handlers and the background tasks.
pub struct Node {
    pub(crate) config: NodeConfig,
    pub(crate) signer: Signer,
    pub(crate) overlay: B256,
    pub(crate) chain_id: u64,
    pub(crate) chain: Arc<ChainClient>,
    pub(crate) store: Store,
    pub(crate) local: Arc<NodeStore>,
    pub(crate) network: Network,
    pub(crate) swap: Arc<crate::swap::Swap>,
    pub(crate) stampers: Mutex<HashMap<B256, Arc<Mutex<PersistentStamper>>>>,
    pub(crate) labels: Mutex<HashMap<B256, String>>,
    pub(crate) tags: crate::tags::Tags,
    pub(crate) push_queue: crate::pusher::PushQueueHandle,
    pub(crate) agent: crate::agent::AgentShared,
    pub(crate) ready: AtomicBool,
    pub(crate) metrics: crate::metrics::NodeMetrics,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Node({})", self.overlay)
    }
}

/// A started node and its tasks.
#[derive(Debug)]
pub struct RunningNode {
    /// The node.
    pub node: Arc<Node>,
    /// Where the API listens.
    pub api_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningNode {
    /// The API's base URL.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.api_addr)
    }

    /// Stops the API, the follower and the network, and waits for them.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        self.node.network.shutdown();
        self.node.swap.detach();
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

fn libp2p_key(data_dir: &std::path::Path) -> Result<Vec<u8>, NodeError> {
    let path = data_dir.join("keys").join("libp2p.key");
    if let Ok(bytes) = std::fs::read(&path) {
        return Ok(bytes);
    }
    let bytes = comb_net::encode_keypair(&comb_net::generate_keypair())?;
    std::fs::create_dir_all(data_dir.join("keys")).map_err(|e| NodeError::Io(e.to_string()))?;
    std::fs::write(&path, &bytes).map_err(|e| NodeError::Io(format!("{}: {e}", path.display())))?;
    Ok(bytes)
}

fn multiaddr(addr: &SocketAddr) -> Result<Multiaddr, NodeError> {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) => format!("/ip4/{ip}"),
        std::net::IpAddr::V6(ip) => format!("/ip6/{ip}"),
    };
    format!("{ip}/tcp/{}", addr.port())
        .parse()
        .map_err(|e| NodeError::Config(format!("p2p address {addr}: {e}")))
}

/// A `nat-addr` value: a multiaddress as it is, or `host:port` (an IP address) as
/// `/ip4|ip6/host/tcp/port`.
fn nat_multiaddr(address: &str) -> Result<Multiaddr, NodeError> {
    if address.starts_with('/') {
        return address
            .parse()
            .map_err(|e| NodeError::Config(format!("nat-addr {address}: {e}")));
    }
    let socket: SocketAddr = address.parse().map_err(|e| {
        NodeError::Config(format!(
            "nat-addr {address}: neither a multiaddress nor ip:port ({e})"
        ))
    })?;
    multiaddr(&socket)
}

async fn wait_for_chain(chain: &ChainClient) -> Result<comb_chain::GenesisConfig, NodeError> {
    let deadline = Instant::now() + CHAIN_WAIT;
    loop {
        match chain.genesis().await {
            Ok(genesis) => return Ok(genesis),
            Err(error) if Instant::now() > deadline => return Err(error.into()),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Starts a node: opens its store, joins the network, follows the chain and serves the API.
pub async fn start(config: NodeConfig) -> Result<RunningNode, NodeError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| NodeError::Io(format!("{}: {e}", config.data_dir.display())))?;
    let signer = keys::load_or_create(&config.data_dir, config.private_key.as_deref())?;
    let chain = Arc::new(ChainClient::new(config.chain_rpc.clone())?);
    let genesis = wait_for_chain(&chain).await?;
    let overlay = overlay_address(&signer.address(), genesis.network_id, &B256::ZERO);
    let store = Store::open(
        &config.data_dir.join("store.redb"),
        &StoreConfig {
            overlay,
            reserve_capacity: config.reserve_capacity,
            cache_capacity: config.cache_capacity,
        },
    )?;
    let local = Arc::new(
        NodeStore::new(
            store.reserve.clone(),
            store.cache.clone(),
            store.pins.clone(),
            overlay,
        )
        .with_upload_queue(store.push_queue.clone())
        .with_batches(store.batches.clone()),
    );

    let follower = Follower::new(
        Arc::clone(&chain),
        store.batches.clone(),
        store.reserve.clone(),
    );
    follower.initialise().await?;
    follower.step().await?;

    let bootnodes = config
        .bootnodes
        .iter()
        .map(|b| {
            b.parse::<Multiaddr>()
                .map_err(|e| NodeError::Config(format!("bootnode {b}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let advertise_addrs = config
        .nat_addr
        .iter()
        .map(|address| nat_multiaddr(address))
        .collect::<Result<Vec<_>, _>>()?;
    let net_config = NetConfig {
        listen_addrs: vec![multiaddr(&config.p2p_addr)?],
        advertise_addrs,
        network_id: genesis.network_id,
        nonce: B256::ZERO,
        bootnodes,
        libp2p_key: Some(libp2p_key(&config.data_dir)?),
        full_node: config.full_node,
        ..NetConfig::default()
    };
    let swap = crate::swap::Swap::open(
        config.swap.clone(),
        config.full_node,
        &config.data_dir,
        signer.clone(),
        genesis.chain_id,
        Arc::clone(&chain),
    )
    .await?;
    let net_config = NetConfig {
        chequebook: swap.chequebook(),
        ..net_config
    };
    let validator = Arc::new(BatchValidator(store.batches.clone()));
    let (network, network_task) = Network::start_with_accounting(
        net_config,
        signer.clone(),
        local.clone(),
        validator,
        swap.clone(),
    )
    .await?;
    swap.attach(network.clone());

    let listener = TcpListener::bind(config.api_addr)
        .await
        .map_err(|e| NodeError::Io(format!("api {}: {e}", config.api_addr)))?;
    let api_addr = listener
        .local_addr()
        .map_err(|e| NodeError::Io(e.to_string()))?;

    let config_paused = config.redistribution_paused;
    let push_queue = crate::pusher::PushQueueHandle::new(store.push_queue.clone());
    let metrics = crate::metrics::NodeMetrics::new(network.metrics());
    let node = Arc::new(Node {
        metrics,
        config,
        signer,
        overlay,
        chain_id: genesis.chain_id,
        chain,
        store,
        local,
        network,
        swap,
        stampers: Mutex::new(HashMap::new()),
        labels: Mutex::new(HashMap::new()),
        tags: crate::tags::Tags::default(),
        push_queue,
        agent: crate::agent::AgentShared::new(config_paused),
        ready: AtomicBool::new(false),
    });
    let driver = match crate::agent::open_driver(&node) {
        Ok(driver) => driver,
        Err(error) => {
            // An unreadable agent state file: stop what already runs before giving up.
            node.network.shutdown();
            node.swap.detach();
            return Err(error);
        }
    };
    let (shutdown, mut stopped) = watch::channel(false);
    let api_node = Arc::clone(&node);
    let cors = comb_api::cors::Cors::new(node.config.cors_allowed_origins.clone());
    let api = tokio::spawn(async move {
        let signal = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let _ = comb_api::serve(listener, api_node, cors, signal).await;
    });
    let follow = tokio::spawn(follower.run(FOLLOW_INTERVAL));
    let agent = tokio::spawn(crate::agent::run(
        Arc::clone(&node),
        driver,
        shutdown.subscribe(),
    ));
    let answerer = tokio::spawn(crate::challenges::run(
        Arc::clone(&node),
        shutdown.subscribe(),
    ));
    let pusher = tokio::spawn(crate::pusher::run(Arc::clone(&node), shutdown.subscribe()));
    node.ready.store(true, Ordering::SeqCst);
    Ok(RunningNode {
        node,
        api_addr,
        shutdown,
        tasks: vec![api, follow, agent, answerer, pusher, network_task],
    })
}

impl Node {
    /// The overlay address.
    pub fn overlay(&self) -> B256 {
        self.overlay
    }

    /// The node's key.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Bandwidth accounting and SWAP (spec `swap.md`).
    pub fn swap(&self) -> &crate::swap::Swap {
        &self.swap
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain client.
    pub fn chain(&self) -> &ChainClient {
        &self.chain
    }

    /// The configuration the node started with (to restart it the same way).
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// Pauses or resumes the storage-incentive agent (spec §5.9: a round already committed
    /// still reveals and claims).
    pub fn set_redistribution_paused(&self, paused: bool) {
        self.agent.set_paused(paused);
    }

    /// A live batch from the batch store, or 404. Liveness is checked against the chain
    /// state (spec §2.6), so a batch that expired but is not yet purged is refused too.
    pub(crate) fn live_batch(&self, id: &B256) -> Result<Batch, ApiError> {
        comb_postage::BatchLookup::batch(&self.store.batches, id)
            .ok_or_else(|| ApiError::not_found(format!("batch {id} not found or expired")))
    }

    /// Whether the node may stamp with `batch` now: it owns it and it is old enough.
    pub(crate) async fn is_usable(&self, batch: &Batch) -> bool {
        if batch.owner != self.signer.address() {
            return false;
        }
        let reached = self
            .store
            .batches
            .chain_state()
            .map(|s| s.block)
            .unwrap_or(0);
        reached
            >= batch
                .start_block
                .saturating_add(self.config.batch_block_threshold)
    }

    /// The stamper of an own, usable batch (opened once and kept).
    pub(crate) async fn usable_stamper(
        &self,
        id: B256,
    ) -> Result<Arc<Mutex<PersistentStamper>>, ApiError> {
        let batch = self.live_batch(&id)?;
        if batch.owner != self.signer.address() {
            return Err(ApiError::unprocessable(format!(
                "batch {id} is not owned by this node"
            )));
        }
        if !self.is_usable(&batch).await {
            return Err(ApiError::unprocessable(format!(
                "batch {id} not usable yet"
            )));
        }
        self.stamper(&batch)
    }

    /// The stamper of an own batch, usable or not.
    pub(crate) fn stamper(&self, batch: &Batch) -> Result<Arc<Mutex<PersistentStamper>>, ApiError> {
        let mut stampers = self
            .stampers
            .lock()
            .map_err(|_| ApiError::internal("stamper table poisoned"))?;
        if let Some(stamper) = stampers.get(&batch.id) {
            let depth = stamper
                .lock()
                .map(|s| s.batch().depth)
                .unwrap_or(batch.depth);
            if depth >= batch.depth {
                return Ok(Arc::clone(stamper));
            }
            // The batch was diluted since: reopen with the new depth.
            stampers.remove(&batch.id);
        }
        let stamper = self
            .store
            .issuers
            .stamper(batch, self.signer.clone())
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let stamper = Arc::new(Mutex::new(stamper));
        stampers.insert(batch.id, Arc::clone(&stamper));
        Ok(stamper)
    }
}
