//! The state every task of a running network shares: configuration, keys, the store
//! boundary, connected peers with their topology, known addresses, penalties, and the
//! command channel to the swarm task.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use comb_primitives::{Signer, B256};
use libp2p::swarm::{ConnectionId, Stream};
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use tokio::sync::{mpsc, oneshot, watch, Notify};

use crate::accounting::Accounting;
use crate::bzz::BzzAddress;
use crate::config::NetConfig;
use crate::network::PeerInfo;
use crate::storage::{LocalStore, StampValidator};
use crate::topology::Topology;
use crate::wire::MessageStream;
use crate::NetError;

/// What the swarm task is asked to do.
pub(crate) enum Command {
    /// Dial a peer; the handshake result goes to `reply`.
    Dial {
        /// Addresses to try.
        addresses: Vec<Multiaddr>,
        /// The peer id, when known (then the dial only happens if not connected).
        peer: Option<PeerId>,
        /// The overlay, for dials that hive started.
        overlay: Option<B256>,
        /// Where the outcome goes.
        reply: Option<oneshot::Sender<Result<PeerInfo, NetError>>>,
    },
    /// Open a stream to a connected peer.
    Open {
        /// The peer.
        peer: PeerId,
        /// The protocol.
        protocol: StreamProtocol,
        /// Where the stream goes.
        reply: crate::streams::OpenReply,
    },
    /// Close one connection.
    CloseConnection(ConnectionId),
    /// Close every connection to a peer.
    Disconnect(PeerId),
    /// Stop the swarm task.
    Shutdown,
}

/// A peer past the handshake.
#[derive(Debug, Clone)]
pub(crate) struct ConnectedPeer {
    pub peer_id: PeerId,
    pub address: BzzAddress,
    pub full_node: bool,
}

/// Mutable state behind one lock (never held across an await).
pub(crate) struct State {
    pub topology: Topology,
    pub peers: HashMap<B256, ConnectedPeer>,
    pub overlays: HashMap<PeerId, B256>,
    pub remote_addrs: HashMap<PeerId, Multiaddr>,
    pub known: HashMap<B256, BzzAddress>,
    pub dialing: HashSet<B256>,
    pub penalties: HashMap<PeerId, u32>,
    pub banned: HashMap<PeerId, Instant>,
    /// Pullsync: the next bin id to ask each (peer, bin) for.
    pub intervals: HashMap<(B256, u8), u64>,
    /// Pullsync: each peer's reserve epoch as last seen.
    pub epochs: HashMap<B256, u64>,
    /// Health as the last status round judged it ([`crate::health`]); absent: not judged.
    pub health: HashMap<B256, bool>,
}

/// Shared by the handle, the swarm task and every protocol task.
pub(crate) struct Node {
    pub config: NetConfig,
    pub signer: Signer,
    pub overlay: B256,
    pub peer_id: PeerId,
    pub local_address: BzzAddress,
    pub listen_addrs: Vec<Multiaddr>,
    pub store: Arc<dyn LocalStore>,
    pub validator: Arc<dyn StampValidator>,
    pub accounting: Arc<dyn Accounting>,
    pub pull_trigger: Notify,
    pub sync_stats: crate::pullsync::SyncStats,
    /// Woken whenever a peer completes the handshake.
    pub registered: Notify,
    pub shutdown: watch::Sender<bool>,
    commands: mpsc::UnboundedSender<Command>,
    state: Mutex<State>,
}

/// Everything [`Node::new`] needs.
pub(crate) struct NodeParts {
    pub config: NetConfig,
    pub signer: Signer,
    pub overlay: B256,
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
        let topology = Topology::new(parts.overlay, parts.config.saturation);
        let (shutdown, _) = watch::channel(false);
        Self {
            config: parts.config,
            signer: parts.signer,
            overlay: parts.overlay,
            peer_id: parts.peer_id,
            local_address: parts.local_address,
            listen_addrs: parts.listen_addrs,
            store: parts.store,
            validator: parts.validator,
            accounting: parts.accounting,
            pull_trigger: Notify::new(),
            sync_stats: crate::pullsync::SyncStats::default(),
            registered: Notify::new(),
            shutdown,
            commands: parts.commands,
            state: Mutex::new(State {
                topology,
                peers: HashMap::new(),
                overlays: HashMap::new(),
                remote_addrs: HashMap::new(),
                known: HashMap::new(),
                dialing: HashSet::new(),
                penalties: HashMap::new(),
                banned: HashMap::new(),
                intervals: HashMap::new(),
                epochs: HashMap::new(),
                health: HashMap::new(),
            }),
        }
    }

    /// The state, locked. Poisoning is ignored: the state stays consistent per operation.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends a command to the swarm task.
    pub fn command(&self, command: Command) -> Result<(), NetError> {
        self.commands.send(command).map_err(|_| NetError::Shutdown)
    }

    /// Whether shutdown was requested.
    pub fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// The storage depth: the topology's neighbourhood depth, lowered to the store's radius
    /// when it reports one.
    pub fn depth(&self) -> u8 {
        let depth = self.state().topology.depth();
        match self.store.storage_radius() {
            Some(radius) => depth.min(radius),
            None => depth,
        }
    }

    /// The overlay of a connected peer id.
    pub fn overlay_of(&self, peer: &PeerId) -> Option<B256> {
        self.state().overlays.get(peer).copied()
    }

    /// The peer id of a connected overlay.
    pub fn peer_id_of(&self, overlay: &B256) -> Option<PeerId> {
        self.state().peers.get(overlay).map(|p| p.peer_id)
    }

    /// Opens a raw stream to a connected libp2p peer.
    pub async fn open_raw(
        &self,
        peer: PeerId,
        protocol: &'static str,
    ) -> Result<MessageStream<Stream>, NetError> {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Open {
            peer,
            protocol: crate::protocols::stream_protocol(protocol),
            reply,
        })?;
        let stream = tokio::time::timeout(self.config.message_timeout, answer)
            .await
            .map_err(|_| NetError::Timeout("opening a stream"))?
            .map_err(|_| NetError::NotConnected)?
            .map_err(|reason| NetError::Io(std::io::Error::other(reason)))?;
        Ok(MessageStream::new(stream, self.config.message_timeout))
    }

    /// Opens a Swarm-protocol stream to a connected overlay, headers exchanged.
    pub async fn open(
        &self,
        overlay: &B256,
        protocol: &'static str,
    ) -> Result<MessageStream<Stream>, NetError> {
        let peer = self.peer_id_of(overlay).ok_or(NetError::NotConnected)?;
        let mut stream = self.open_raw(peer, protocol).await?;
        stream.exchange_headers().await?;
        Ok(stream)
    }

    /// Records a peer past the handshake. Returns its info and whether it is new.
    pub fn register_peer(
        &self,
        peer_id: PeerId,
        address: BzzAddress,
        full_node: bool,
    ) -> Result<(PeerInfo, bool), NetError> {
        let overlay = address.overlay;
        if overlay == self.overlay {
            return Err(NetError::Handshake("connected to ourselves".into()));
        }
        let mut state = self.state();
        if let Some(until) = state.banned.get(&peer_id) {
            if *until > Instant::now() {
                return Err(NetError::Handshake("peer is banned".into()));
            }
        }
        let new = !state.peers.contains_key(&overlay);
        if let Some(previous) = state.peers.get(&overlay) {
            if previous.peer_id != peer_id {
                let old = previous.peer_id;
                state.overlays.remove(&old);
            }
        }
        state.dialing.remove(&overlay);
        state.known.insert(overlay, address.clone());
        state.overlays.insert(peer_id, overlay);
        // Light nodes store nothing, so they are no forwarding or storage targets (as in
        // Bee, whose topology holds full nodes only).
        if full_node {
            state.topology.add(overlay);
        }
        let connected = ConnectedPeer {
            peer_id,
            address,
            full_node,
        };
        let info = peer_info(&state, &connected);
        state.peers.insert(overlay, connected);
        drop(state);
        self.registered.notify_waiters();
        Ok((info, new))
    }

    /// Forgets a peer whose last connection closed.
    pub fn remove_peer(&self, peer_id: &PeerId) {
        let mut state = self.state();
        state.remote_addrs.remove(peer_id);
        let mut gone = None;
        if let Some(overlay) = state.overlays.remove(peer_id) {
            if state
                .peers
                .get(&overlay)
                .is_some_and(|p| p.peer_id == *peer_id)
            {
                state.peers.remove(&overlay);
                state.topology.remove(&overlay);
                state.health.remove(&overlay);
                gone = Some(overlay);
            }
        }
        drop(state);
        if let Some(overlay) = gone {
            self.accounting.disconnected(overlay);
        }
    }

    /// Refuses `overlay` for `duration` and closes its connections (accounting blocklist,
    /// spec `swap.md` §1.2, §1.10).
    pub fn blocklist(&self, overlay: &B256, duration: std::time::Duration) {
        let Some(peer) = self.peer_id_of(overlay) else {
            return;
        };
        self.state().banned.insert(peer, deadline(duration));
        let _ = self.command(Command::Disconnect(peer));
    }

    /// The info of a connected overlay.
    pub fn peer_info(&self, overlay: &B256) -> Option<PeerInfo> {
        let state = self.state();
        state.peers.get(overlay).map(|p| peer_info(&state, p))
    }

    /// Every connected peer.
    pub fn peers(&self) -> Vec<PeerInfo> {
        let state = self.state();
        state.peers.values().map(|p| peer_info(&state, p)).collect()
    }

    /// Counts a misbehaviour against `peer`; at the limit the peer is banned and
    /// disconnected.
    pub fn penalize(&self, peer: PeerId, error: &NetError) {
        let penalties = {
            let mut state = self.state();
            let count = state.penalties.entry(peer).or_insert(0);
            *count = count.saturating_add(1);
            *count
        };
        tracing::debug!(%peer, %error, penalties, "peer misbehaved");
        if penalties >= self.config.max_penalties {
            tracing::info!(%peer, "banning misbehaving peer");
            let until = deadline(self.config.ban_duration);
            let mut state = self.state();
            state.banned.insert(peer, until);
            state.penalties.remove(&peer);
            drop(state);
            let _ = self.command(Command::Disconnect(peer));
        }
    }

    /// Whether `peer` is banned now.
    pub fn is_banned(&self, peer: &PeerId) -> bool {
        let mut state = self.state();
        match state.banned.get(peer) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                state.banned.remove(peer);
                false
            }
            None => false,
        }
    }
}

/// `now + after`, or a day from now if that overflows.
pub(crate) fn deadline(after: std::time::Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(std::time::Duration::from_secs(86_400)))
        .unwrap_or(now)
}

fn peer_info(state: &State, peer: &ConnectedPeer) -> PeerInfo {
    PeerInfo {
        overlay: peer.address.overlay,
        eth_address: peer.address.ethereum,
        underlays: peer.address.underlays.clone(),
        peer_id: peer.peer_id,
        bin: state.topology.bin_of(&peer.address.overlay),
        full_node: peer.full_node,
        penalties: state.penalties.get(&peer.peer_id).copied().unwrap_or(0),
        healthy: state
            .health
            .get(&peer.address.overlay)
            .copied()
            .unwrap_or(false),
    }
}
