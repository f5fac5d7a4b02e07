//! The network's configuration.

use std::time::Duration;

use comb_primitives::{Address, B256};
use libp2p::Multiaddr;

/// How a node joins and behaves in the network. [`NetConfig::default`] listens on
/// `127.0.0.1` on a free port.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// Where to listen (default `/ip4/127.0.0.1/tcp/0`).
    pub listen_addrs: Vec<Multiaddr>,
    /// Addresses to advertise instead of the listen addresses (for NAT or containers).
    pub advertise_addrs: Vec<Multiaddr>,
    /// The Swarm network id (1 = mainnet, 10 = testnet).
    pub network_id: u64,
    /// The overlay nonce: overlay = `keccak256(eth ‖ u64le(network_id) ‖ nonce)`.
    pub nonce: B256,
    /// Whether this node stores chunks.
    pub full_node: bool,
    /// Peers to connect to at start.
    pub bootnodes: Vec<Multiaddr>,
    /// The libp2p keypair ([`crate::encode_keypair`] bytes); a fresh one when `None`.
    pub libp2p_key: Option<Vec<u8>>,
    /// The node's chequebook, announced in the handshake.
    pub chequebook: Option<Address>,
    /// Handshake greeting (at most 140 characters).
    pub welcome_message: String,
    /// Peers the neighbourhood must hold at least: the depth rule's low watermark (see
    /// [`crate::topology`]; Bee's `nnLowWatermark`, 3).
    pub saturation: usize,
    /// Peers a bin needs to count as saturated in the depth rule (Bee's `SaturationPeers`,
    /// 8).
    pub saturation_peers: usize,
    /// Hive dials new peers in a bin until it holds this many (the neighbourhood is always
    /// dialled).
    pub max_bin_peers: usize,
    /// Whether peers learned through hive are dialled.
    pub hive_connect: bool,
    /// How often pullsync runs; `None` disables pulling (this node still serves pullsync).
    pub pullsync_interval: Option<Duration>,
    /// How often connected peers are asked for status snapshots to judge their health
    /// ([`crate::health`]; Bee's salud wakes every minute). `None`: never (no peer is then
    /// preferred as healthy).
    pub health_interval: Option<Duration>,
    /// Time limit for one message on a stream.
    pub message_timeout: Duration,
    /// Time limit for the handshake, whole and per message (default 30 s: Bee's listener may
    /// wait 10 s for addresses before its own 15 s; audit H-14).
    pub handshake_timeout: Duration,
    /// Time limit for one push or retrieval attempt to one peer.
    pub request_timeout: Duration,
    /// Peers tried per push or retrieval before giving up.
    pub max_attempts: usize,
    /// How far a receipt's storer may be outside our own depth (Bee's shallow-receipt
    /// tolerance).
    pub shallow_receipt_tolerance: u8,
    /// Misbehaviours after which a peer is disconnected and banned.
    pub max_penalties: u32,
    /// How long a banned peer stays refused.
    pub ban_duration: Duration,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            listen_addrs: vec![loopback()],
            advertise_addrs: Vec::new(),
            network_id: 1,
            nonce: B256::ZERO,
            full_node: true,
            bootnodes: Vec::new(),
            libp2p_key: None,
            chequebook: None,
            welcome_message: String::new(),
            saturation: crate::topology::LOW_WATERMARK,
            saturation_peers: crate::topology::SATURATION_PEERS,
            max_bin_peers: 16,
            hive_connect: true,
            pullsync_interval: Some(Duration::from_secs(5)),
            health_interval: Some(Duration::from_secs(60)),
            message_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            max_attempts: 8,
            shallow_receipt_tolerance: 2,
            max_penalties: 10,
            ban_duration: Duration::from_secs(300),
        }
    }
}

/// `/ip4/127.0.0.1/tcp/0`.
fn loopback() -> Multiaddr {
    use libp2p::multiaddr::Protocol;
    Multiaddr::empty()
        .with(Protocol::Ip4(std::net::Ipv4Addr::LOCALHOST))
        .with(Protocol::Tcp(0))
}
