//! The handle the node uses: [`Network::start`] brings up the transport, signs the node's
//! address and spawns the swarm task, the inbound dispatcher and the puller; the cloneable
//! [`Network`] then connects, pushes, retrieves and reports.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use comb_postage::Stamp;
use comb_primitives::{Address, Chunk, Signer, B256, U256};
use futures::StreamExt;
use libp2p::core::transport::ListenerId;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::accounting::{Accounting, NoAccounting};
use crate::bzz::{unix_now, with_peer_id, BzzAddress};
use crate::config::NetConfig;
use crate::identity::{decode_keypair, generate_keypair};
use crate::metrics::NetMetrics;
use crate::node::{Node, NodeParts};
use crate::peers::{Command, PeerInfo};
use crate::pushsync::Receipt;
use crate::settlement::{self, ChequeStream};
use crate::storage::{LocalStore, StampValidator};
use crate::topology::TopologySnapshot;
use crate::transport::build_swarm;
use crate::{dialer, driver, health, hive, pullsync, pushsync, retrieval, NetError};

/// How long [`Network::start`] waits for the listeners to report their addresses.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// A running node's network. Cheap to clone; every clone drives the same node.
#[derive(Clone)]
pub struct Network {
    node: Arc<Node>,
    metrics: NetMetrics,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Network({})", self.node.overlay())
    }
}

impl Network {
    /// Starts the network with no accounting. See [`Network::start_with_accounting`].
    pub async fn start(
        config: NetConfig,
        signer: Signer,
        store: Arc<dyn LocalStore>,
        validator: Arc<dyn StampValidator>,
    ) -> Result<(Network, JoinHandle<()>), NetError> {
        Self::start_with_accounting(config, signer, store, validator, Arc::new(NoAccounting)).await
    }

    /// Listens, signs the node's address and spawns the network's tasks. The returned task
    /// ends after [`Network::shutdown`]. Must run inside a tokio runtime.
    pub async fn start_with_accounting(
        config: NetConfig,
        signer: Signer,
        store: Arc<dyn LocalStore>,
        validator: Arc<dyn StampValidator>,
        accounting: Arc<dyn Accounting>,
    ) -> Result<(Network, JoinHandle<()>), NetError> {
        let keypair = match &config.libp2p_key {
            Some(bytes) => decode_keypair(bytes)?,
            None => generate_keypair(),
        };
        let peer_id = keypair.public().to_peer_id();
        let (inbound_sender, inbound) = mpsc::unbounded_channel();
        let mut swarm = build_swarm(keypair, inbound_sender)?;
        let mut listeners = HashSet::new();
        for address in &config.listen_addrs {
            let id = swarm
                .listen_on(address.clone())
                .map_err(|e| NetError::Transport(format!("listen on {address}: {e}")))?;
            listeners.insert(id);
        }
        let listen_addrs = wait_for_listeners(&mut swarm, listeners).await?;
        let advertised = if config.advertise_addrs.is_empty() {
            &listen_addrs
        } else {
            &config.advertise_addrs
        };
        // Announced through identify too: Bee takes a peer's addresses from identify and
        // waits for them before it answers a handshake (audit L-9, H-14).
        for address in &config.advertise_addrs {
            swarm.add_external_address(address.clone());
        }
        let underlays = crate::bzz::limit_underlays(
            advertised
                .iter()
                .map(|a| with_peer_id(a, peer_id))
                .collect(),
        );
        let local_address = BzzAddress::sign(
            &signer,
            underlays,
            config.network_id,
            config.nonce,
            unix_now(),
            config.chequebook,
        )?;
        let (commands, command_receiver) = mpsc::unbounded_channel();
        let node = Arc::new(Node::new(NodeParts {
            config,
            signer,
            peer_id,
            local_address,
            listen_addrs: listen_addrs
                .iter()
                .map(|a| with_peer_id(a, peer_id))
                .collect(),
            store,
            validator,
            accounting,
            commands,
        }));
        // Subscribed here, before the swarm task runs, so that no subscriber misses a
        // connection.
        let peers = &node.peers;
        let config = &node.config;
        tokio::spawn(hive::run(Arc::clone(peers), peers.subscribe()));
        tokio::spawn(settlement::run(
            Arc::clone(peers),
            Arc::clone(&node.accounting),
            peers.subscribe(),
        ));
        tokio::spawn(pullsync::run(
            Arc::clone(&node.puller),
            peers.subscribe(),
            config.pullsync_interval,
            config.full_node,
        ));
        tokio::spawn(health::run(
            Arc::clone(peers),
            config.health_interval,
            config.full_node,
        ));
        if config.hive_connect {
            tokio::spawn(dialer::run(Arc::clone(peers), peers.subscribe()));
        }
        tokio::spawn(driver::dispatch(Arc::clone(&node), inbound));
        let handle = tokio::spawn(driver::run(Arc::clone(&node), swarm, command_receiver));
        let network = Network {
            node,
            metrics: NetMetrics::default(),
        };
        for bootnode in network.node.config.bootnodes.clone() {
            tokio::spawn(dialer::bootnode(
                Arc::clone(&network.node.peers),
                bootnode,
                network.connect_limit(),
            ));
        }
        tracing::info!(overlay = %network.local_overlay(), %peer_id, "network started");
        Ok((network, handle))
    }

    /// How long [`Network::connect`] waits: the handshake and one message.
    fn connect_limit(&self) -> Duration {
        self.node
            .config
            .handshake_timeout
            .saturating_add(self.node.config.message_timeout)
    }

    /// This node's overlay address.
    pub fn local_overlay(&self) -> B256 {
        self.node.overlay()
    }

    /// This node's libp2p peer id.
    pub fn peer_id(&self) -> PeerId {
        self.node.peer_id
    }

    /// The Ethereum address of the overlay key.
    pub fn eth_address(&self) -> Address {
        self.node.signer.address()
    }

    /// The addresses the node listens on, each with `/p2p/<peer id>`.
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        self.node.listen_addrs.clone()
    }

    /// The node's signed address as peers receive it.
    pub fn bzz_address(&self) -> BzzAddress {
        self.node.local_address.clone()
    }

    /// Dials `address` and completes the handshake. An address with `/p2p/<peer id>` of a
    /// peer already connected returns that peer at once.
    pub async fn connect(&self, address: Multiaddr) -> Result<PeerInfo, NetError> {
        dialer::connect(&self.node.peers, address, self.connect_limit()).await
    }

    /// The connected peers, shallowest bin first.
    pub fn peers(&self) -> Vec<PeerInfo> {
        let mut peers = self.node.peers.peers();
        peers.sort_by(|a, b| a.bin.cmp(&b.bin).then(a.overlay.cmp(&b.overlay)));
        peers
    }

    /// One connected peer.
    pub fn peer(&self, overlay: &B256) -> Option<PeerInfo> {
        self.node.peers.peer_info(overlay)
    }

    /// The storage depth: the neighbourhood depth, lowered to the store's radius if it has
    /// one.
    pub fn depth(&self) -> u8 {
        self.node.depth()
    }

    /// The connected peer closest to `address`, not in `skip`.
    pub fn closest_peer(&self, address: &B256, skip: &[B256]) -> Option<B256> {
        self.node.peers.state().topology.closest_peer(address, skip)
    }

    /// The bins, their populations and the depth, for the `/topology` endpoint.
    pub fn topology(&self) -> TopologySnapshot {
        let depth = self.node.depth();
        let state = self.node.peers.state();
        let known: Vec<B256> = state.known.keys().copied().collect();
        state.topology.snapshot(depth, &known)
    }

    /// Pushes a chunk to its neighbourhood and returns the storer's verified receipt.
    pub async fn push(&self, chunk: Chunk, stamp: Stamp) -> Result<Receipt, NetError> {
        let started = std::time::Instant::now();
        let pushed = pushsync::push(&self.node.chunks(), chunk, stamp).await;
        self.metrics.pushed(pushed.is_ok(), started.elapsed());
        pushed
    }

    /// The metrics of this node's pushes and retrievals, for the node's registry.
    pub fn metrics(&self) -> &NetMetrics {
        &self.metrics
    }

    /// Pings a connected peer with Bee's greetings (`/swarm/pingpong`); the mean round trip.
    pub async fn ping(&self, overlay: &B256) -> Result<Duration, NetError> {
        crate::pingpong::ping(&self.node.peers, overlay).await
    }

    /// Asks a connected peer for its status snapshot (`/swarm/status`).
    pub async fn peer_status(&self, overlay: &B256) -> Result<crate::wire::pb::Snapshot, NetError> {
        crate::status::peer_snapshot(&self.node.peers, overlay).await
    }

    /// This node's own status snapshot, as peers get it.
    pub fn local_status(&self) -> crate::wire::pb::Snapshot {
        self.node.snapshot()
    }

    /// Retrieves a chunk and its stamp from the network (not from the local store), checked
    /// to be a valid chunk at `address`.
    pub async fn retrieve(&self, address: B256) -> Result<(Chunk, Option<Stamp>), NetError> {
        let started = std::time::Instant::now();
        let retrieved = retrieval::retrieve(&self.node.chunks(), address).await;
        self.metrics.retrieved(retrieved.is_ok(), started.elapsed());
        retrieved
    }

    /// What pullsync has done so far: whether the reserve has caught up with the
    /// neighbourhood.
    pub fn sync_status(&self) -> crate::SyncStatus {
        self.node.puller.status()
    }

    /// Announces the payment threshold we grant `peer` (pricing, spec `swap.md` §1.7).
    pub async fn announce_threshold(&self, peer: &B256, threshold: U256) -> Result<(), NetError> {
        settlement::announce_threshold(&self.node.peers, peer, threshold).await
    }

    /// Sends a pseudosettle `Payment{amount}` to `peer` and returns the acknowledged amount
    /// and the peer's timestamp (spec `swap.md` §1.6 payer step 2).
    pub async fn refresh(&self, peer: &B256, amount: U256) -> Result<(U256, i64), NetError> {
        settlement::refresh(&self.node.peers, peer, amount).await
    }

    /// Opens a swap stream to `peer` and reads the rates it answers (spec `swap.md` §3.4).
    pub async fn open_cheque_stream(&self, peer: &B256) -> Result<ChequeStream, NetError> {
        settlement::open_cheque_stream(&self.node.peers, peer).await
    }

    /// Disconnects `peer` and refuses it for `duration` (accounting blocklist, spec
    /// `swap.md` §1.2, §1.10).
    pub fn blocklist(&self, peer: &B256, duration: Duration) {
        self.node.peers.blocklist(peer, duration);
    }

    /// Closes the connections to a connected peer, without refusing it later (Bee's
    /// `DELETE /peers/{address}`); [`NetError::NotConnected`] for another.
    pub fn disconnect(&self, peer: &B256) -> Result<(), NetError> {
        self.node.peers.disconnect(peer)
    }

    /// The peers refused now, by the accounting or for misbehaviour (`GET /blocklist`).
    pub fn blocklisted(&self) -> Vec<crate::Blocklisted> {
        self.node.peers.blocklisted()
    }

    /// The welcome message this node sends in its handshakes.
    pub fn welcome_message(&self) -> String {
        self.node.welcome_message()
    }

    /// Changes the welcome message of the handshakes from now on (Bee's
    /// `SetWelcomeMessage`); refused beyond [`crate::handshake::MAX_WELCOME_MESSAGE`] bytes.
    pub fn set_welcome_message(&self, message: &str) -> Result<(), NetError> {
        let max = crate::handshake::MAX_WELCOME_MESSAGE;
        if message.len() > max {
            return Err(NetError::WelcomeMessageTooLong { max });
        }
        if let Ok(mut welcome) = self.node.welcome.write() {
            *welcome = message.to_string();
        }
        Ok(())
    }

    /// Runs a pullsync round now instead of at the next interval.
    pub fn trigger_pullsync(&self) {
        self.node.puller.trigger();
    }

    /// Stops the swarm task; connections close and background tasks end.
    pub fn shutdown(&self) {
        self.node.peers.request_shutdown();
        let _ = self.node.peers.command(Command::Shutdown);
    }

    /// Test support: opens a raw stream of `protocol` to a connected peer, headers
    /// exchanged, for tests that play a peer's side byte by byte over a real connection.
    #[doc(hidden)]
    pub async fn raw_stream(
        &self,
        overlay: &B256,
        protocol: &'static str,
    ) -> Result<crate::wire::MessageStream<libp2p::swarm::Stream>, NetError> {
        self.node.peers.open(overlay, protocol).await
    }

    /// Test support: opens a stream of `protocol` to a connected peer, optionally does the
    /// headers exchange, writes `bytes` as they are, closes our side and returns what the
    /// peer sent back before closing (at most 1 MiB).
    #[doc(hidden)]
    pub async fn raw_exchange(
        &self,
        overlay: &B256,
        protocol: &'static str,
        headers: bool,
        bytes: &[u8],
    ) -> Result<Vec<u8>, NetError> {
        let peer = self
            .node
            .peers
            .peer_id_of(overlay)
            .ok_or(NetError::NotConnected)?;
        let mut stream = self.node.peers.open_raw(peer, protocol).await?;
        if headers {
            stream.exchange_headers().await?;
        }
        stream.send_raw(bytes).await?;
        stream.close().await?;
        stream.read_to_end(1 << 20).await
    }
}

async fn wait_for_listeners(
    swarm: &mut libp2p::Swarm<crate::transport::Behaviour>,
    mut waiting: HashSet<ListenerId>,
) -> Result<Vec<Multiaddr>, NetError> {
    let mut addresses = Vec::new();
    let wait = async {
        while !waiting.is_empty() {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr {
                    listener_id,
                    address,
                } => {
                    waiting.remove(&listener_id);
                    addresses.push(address);
                }
                SwarmEvent::ListenerClosed { reason, .. } => {
                    return Err(NetError::Transport(format!("listener closed: {reason:?}")));
                }
                SwarmEvent::ListenerError { error, .. } => {
                    return Err(NetError::Transport(format!("listener error: {error}")));
                }
                _ => {}
            }
        }
        Ok(())
    };
    tokio::time::timeout(LISTEN_TIMEOUT, wait)
        .await
        .map_err(|_| NetError::Timeout("listening"))??;
    Ok(addresses)
}
