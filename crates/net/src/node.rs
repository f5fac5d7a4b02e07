//! The few handles a running network ties together — configuration, keys, the peer
//! manager, the store boundary, the accounting hook, the puller — and the narrow contexts
//! the protocol handlers get from them ([`Node::chunks`], [`Node::handshake_local`],
//! [`Node::snapshot`]). No protocol module depends on this one.

use std::sync::Arc;

use comb_primitives::{Signer, B256};
use libp2p::{Multiaddr, PeerId};
use tokio::sync::mpsc;

use crate::accounting::Accounting;
use crate::bzz::BzzAddress;
use crate::config::NetConfig;
use crate::forward::ChunkContext;
use crate::handshake::Local;
use crate::peers::{Command, PeerManager, PeerPolicy};
use crate::pullsync::Puller;
use crate::storage::{LocalStore, StampValidator};
use crate::wire::pb;

/// Shared by the handle, the swarm task and the dispatcher.
pub(crate) struct Node {
    pub config: NetConfig,
    pub signer: Signer,
    pub peer_id: PeerId,
    pub local_address: BzzAddress,
    /// The same address signed for handshake 14 (Bee up to v2.7; audit H-2).
    pub local_address_v14: Option<BzzAddress>,
    pub listen_addrs: Vec<Multiaddr>,
    pub peers: Arc<PeerManager>,
    pub store: Arc<dyn LocalStore>,
    pub validator: Arc<dyn StampValidator>,
    pub accounting: Arc<dyn Accounting>,
    pub puller: Arc<Puller>,
    /// What our handshakes greet peers with (Bee's `SetWelcomeMessage` changes it).
    pub welcome: std::sync::RwLock<String>,
}

/// Everything [`Node::new`] needs.
pub(crate) struct NodeParts {
    pub config: NetConfig,
    pub signer: Signer,
    pub peer_id: PeerId,
    pub local_address: BzzAddress,
    pub listen_addrs: Vec<Multiaddr>,
    pub store: Arc<dyn LocalStore>,
    pub validator: Arc<dyn StampValidator>,
    pub accounting: Arc<dyn Accounting>,
    pub commands: mpsc::UnboundedSender<Command>,
}

impl Node {
    pub fn new(parts: NodeParts) -> Self {
        let policy = PeerPolicy {
            message_timeout: parts.config.message_timeout,
            max_penalties: parts.config.max_penalties,
            ban_duration: parts.config.ban_duration,
            max_bin_peers: parts.config.max_bin_peers,
        };
        let peers = Arc::new(PeerManager::new(
            parts.local_address.overlay,
            (parts.config.saturation, parts.config.saturation_peers),
            policy,
            Arc::clone(&parts.accounting),
            parts.commands,
        ));
        let puller = Arc::new(Puller::new(
            Arc::clone(&peers),
            Arc::clone(&parts.store),
            Arc::clone(&parts.validator),
        ));
        let local_address_v14 = BzzAddress::sign_v14(
            &parts.signer,
            parts.local_address.underlays.clone(),
            parts.config.network_id,
            parts.local_address.nonce,
        )
        .map_err(|error| tracing::warn!(%error, "no handshake 14 address: Bee ≤ 2.7 refused"))
        .ok();
        Self {
            signer: parts.signer,
            peer_id: parts.peer_id,
            local_address: parts.local_address,
            local_address_v14,
            listen_addrs: parts.listen_addrs,
            peers,
            store: parts.store,
            validator: parts.validator,
            accounting: parts.accounting,
            puller,
            welcome: std::sync::RwLock::new(parts.config.welcome_message.clone()),
            config: parts.config,
        }
    }

    /// The welcome message our handshakes send now.
    pub fn welcome_message(&self) -> String {
        self.welcome
            .read()
            .map(|welcome| welcome.clone())
            .unwrap_or_default()
    }

    /// Our overlay.
    pub fn overlay(&self) -> B256 {
        self.local_address.overlay
    }

    /// The storage depth: the topology's neighbourhood depth, lowered to the store's radius
    /// when it reports one.
    pub fn depth(&self) -> u8 {
        self.peers.depth_within(self.store.storage_radius())
    }

    /// What pushsync and retrieval use.
    pub fn chunks(&self) -> ChunkContext<'_> {
        ChunkContext {
            peers: &self.peers,
            store: self.store.as_ref(),
            validator: self.validator.as_ref(),
            accounting: &self.accounting,
            signer: &self.signer,
            nonce: self.local_address.nonce,
            config: &self.config,
        }
    }

    /// What the handshake tells about us.
    pub fn handshake_local(&self) -> Local<'_> {
        Local {
            network_id: self.config.network_id,
            address: &self.local_address,
            address_v14: self.local_address_v14.as_ref(),
            full_node: self.config.full_node,
            welcome_message: self.welcome_message(),
        }
    }

    /// Our status snapshot, as peers get it.
    pub fn snapshot(&self) -> pb::Snapshot {
        crate::status::local_snapshot(
            self.store.as_ref(),
            &self.peers,
            self.puller.rate(),
            self.config.full_node,
        )
    }
}
