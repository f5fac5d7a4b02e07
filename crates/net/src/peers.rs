//! The peer manager: the one owner of what the node knows about other nodes — connected
//! peers and their topology, the address book, dials in flight, penalties, bans, health —
//! and of the command channel to the swarm task. Protocols read peers and open streams
//! through it; they learn about connections from the [`PeerEvent`]s it publishes, instead
//! of the handshake calling them (STYLE.md, "comb-net").
//!
//! Which addresses are worth a dial is decided here too ([`PeerManager::wants`]): a peer in
//! the neighbourhood, or one in a bin holding fewer than `max_bin_peers`, never a banned one
//! (Bee's kademlia `connectionAttempts`/`quickPrune` policy in spirit; the rule is comb's).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use comb_primitives::{Address, B256};
use libp2p::swarm::{ConnectionId, Stream};
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use tokio::sync::{mpsc, oneshot, watch, Notify};

use crate::accounting::Accounting;
use crate::bzz::BzzAddress;
use crate::streams::OpenReply;
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
        /// The overlay, for dials of a known address.
        overlay: Option<B256>,
        /// Where the outcome goes.
        reply: Option<oneshot::Sender<Result<PeerInfo, NetError>>>,
    },
    /// Open a stream to a connected peer.
    Open {
        /// The peer.
        peer: PeerId,
        /// The protocols, most preferred first.
        protocols: Vec<StreamProtocol>,
        /// Where the stream goes.
        reply: OpenReply,
    },
    /// Close one connection.
    CloseConnection(ConnectionId),
    /// Close every connection to a peer.
    Disconnect(PeerId),
    /// Stop the swarm task.
    Shutdown,
}

/// A connected peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's overlay address.
    pub overlay: B256,
    /// The Ethereum address of its overlay key (its SWAP beneficiary).
    pub eth_address: Address,
    /// Its signed underlay addresses.
    pub underlays: Vec<Multiaddr>,
    /// Its libp2p peer id.
    pub peer_id: PeerId,
    /// Its bin: proximity order to our overlay.
    pub bin: u8,
    /// Whether it stores chunks.
    pub full_node: bool,
    /// Misbehaviours counted against it.
    pub penalties: u32,
    /// Whether the last status round judged it healthy (false until one has; for peer
    /// selection a peer not yet judged counts as healthy, see [`crate::health`]).
    pub healthy: bool,
}

/// What happened to a connection, as published to every subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// A new peer completed the handshake (the handshake stream has ended).
    Connected(PeerInfo),
    /// A peer's last connection closed.
    Disconnected {
        /// Its overlay.
        overlay: B256,
        /// Its libp2p peer id.
        peer_id: PeerId,
    },
}

/// Why and until when a peer is refused.
#[derive(Debug, Clone)]
pub(crate) struct Ban {
    pub until: Instant,
    pub overlay: Option<B256>,
    pub full_node: bool,
    pub reason: &'static str,
}

/// A peer refused for now, as `GET /blocklist` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocklisted {
    /// Its overlay, when it was connected when it was refused.
    pub overlay: Option<B256>,
    /// Its libp2p peer id.
    pub peer_id: PeerId,
    /// Whether it was a full node.
    pub full_node: bool,
    /// Why: `"accounting"` (a debt past the disconnect threshold, spec `swap.md` §1.10) or
    /// `"misbehaviour"` (`max_penalties` reached).
    pub reason: &'static str,
    /// How much longer it is refused.
    pub remaining: Duration,
}

/// A peer past the handshake.
#[derive(Debug, Clone)]
pub(crate) struct ConnectedPeer {
    pub peer_id: PeerId,
    pub address: BzzAddress,
    pub full_node: bool,
}

/// Mutable state behind one lock (never held across an await).
pub(crate) struct PeerState {
    pub topology: Topology,
    pub peers: HashMap<B256, ConnectedPeer>,
    pub overlays: HashMap<PeerId, B256>,
    pub remote_addrs: HashMap<PeerId, Multiaddr>,
    pub known: HashMap<B256, BzzAddress>,
    pub dialing: HashSet<B256>,
    pub penalties: HashMap<PeerId, u32>,
    pub banned: HashMap<PeerId, Ban>,
    /// Health as the last status round judged it ([`crate::health`]); absent: not judged.
    pub health: HashMap<B256, bool>,
}

/// The limits and policy the manager applies.
#[derive(Debug, Clone)]
pub(crate) struct PeerPolicy {
    /// Time limit for opening a stream (and one message on it).
    pub message_timeout: Duration,
    /// Misbehaviours after which a peer is banned.
    pub max_penalties: u32,
    /// How long a ban lasts.
    pub ban_duration: Duration,
    /// Bins below the neighbourhood are dialled while they hold fewer peers than this.
    pub max_bin_peers: usize,
}

/// Owns the peers; shared by the swarm task, the dispatcher and every protocol task.
///
/// Admission is asked of the accounting hook ([`Accounting::connected`], which may refuse)
/// and released ([`Accounting::disconnected`]) under the manager, in step with the peer
/// table, so a quick reconnect never sees them out of order; everything else that follows
/// connections subscribes to [`PeerEvent`]s.
pub(crate) struct PeerManager {
    overlay: B256,
    policy: PeerPolicy,
    accounting: Arc<dyn Accounting>,
    commands: mpsc::UnboundedSender<Command>,
    state: Mutex<PeerState>,
    subscribers: Mutex<Vec<mpsc::UnboundedSender<PeerEvent>>>,
    /// Woken whenever a peer completes the handshake.
    registered: Notify,
    shutdown: watch::Sender<bool>,
}

impl PeerManager {
    /// A manager for the node at `overlay` whose swarm task reads `commands`.
    pub fn new(
        overlay: B256,
        saturation: (usize, usize),
        policy: PeerPolicy,
        accounting: Arc<dyn Accounting>,
        commands: mpsc::UnboundedSender<Command>,
    ) -> Self {
        let (shutdown, _) = watch::channel(false);
        Self {
            overlay,
            policy,
            accounting,
            commands,
            state: Mutex::new(PeerState {
                topology: Topology::new(overlay, saturation.0, saturation.1),
                peers: HashMap::new(),
                overlays: HashMap::new(),
                remote_addrs: HashMap::new(),
                known: HashMap::new(),
                dialing: HashSet::new(),
                penalties: HashMap::new(),
                banned: HashMap::new(),
                health: HashMap::new(),
            }),
            subscribers: Mutex::new(Vec::new()),
            registered: Notify::new(),
            shutdown,
        }
    }

    /// Our own overlay.
    pub fn overlay(&self) -> B256 {
        self.overlay
    }

    /// The state, locked. Poisoning is ignored: the state stays consistent per operation.
    pub fn state(&self) -> MutexGuard<'_, PeerState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends a command to the swarm task.
    pub fn command(&self, command: Command) -> Result<(), NetError> {
        self.commands.send(command).map_err(|_| NetError::Shutdown)
    }

    /// A receiver of every [`PeerEvent`] from now on (unbounded: no event is lost).
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<PeerEvent> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sender);
        receiver
    }

    fn publish(&self, event: PeerEvent) {
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|subscriber| subscriber.send(event.clone()).is_ok());
    }

    /// A future that resolves at the next completed handshake. Enable it before checking
    /// the state, or a handshake in between is missed.
    pub fn registered(&self) -> tokio::sync::futures::Notified<'_> {
        self.registered.notified()
    }

    /// A receiver that sees `true` once shutdown is requested.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Requests shutdown of every task that watches [`PeerManager::shutdown_signal`].
    pub fn request_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Whether shutdown was requested.
    pub fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// The topology's neighbourhood depth, lowered to `radius` when the store reports one:
    /// the storage depth pushsync and pullsync use.
    pub fn depth_within(&self, radius: Option<u8>) -> u8 {
        let depth = self.state().topology.depth();
        match radius {
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

    /// Opens a raw stream (no headers exchange) to a connected peer.
    pub async fn open_raw(
        &self,
        peer: PeerId,
        protocol: &'static str,
    ) -> Result<MessageStream<Stream>, NetError> {
        self.open_raw_any(peer, &[protocol])
            .await
            .map(|(stream, _)| stream)
    }

    /// Opens a raw stream on the first of `protocols` (most preferred first) the peer
    /// speaks; returns it with the protocol chosen.
    pub async fn open_raw_any(
        &self,
        peer: PeerId,
        protocols: &[&'static str],
    ) -> Result<(MessageStream<Stream>, &'static str), NetError> {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Open {
            peer,
            protocols: protocols
                .iter()
                .map(|id| crate::protocols::stream_protocol(id))
                .collect(),
            reply,
        })?;
        let (stream, chosen) = tokio::time::timeout(self.policy.message_timeout, answer)
            .await
            .map_err(|_| NetError::Timeout("opening a stream"))?
            .map_err(|_| NetError::NotConnected)?
            .map_err(|reason| NetError::Io(std::io::Error::other(reason)))?;
        let chosen = protocols
            .iter()
            .copied()
            .find(|id| *id == chosen.as_ref())
            .ok_or_else(|| NetError::Malformed(format!("peer chose {chosen}, not offered")))?;
        Ok((
            MessageStream::new(stream, self.policy.message_timeout),
            chosen,
        ))
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

    /// Admits a peer past the handshake: a new one must be accepted by the accounting hook
    /// (spec `swap.md` §1.2), then it is registered ([`PeerManager::register_peer`]).
    pub fn admit(
        &self,
        peer_id: PeerId,
        address: BzzAddress,
        full_node: bool,
    ) -> Result<(PeerInfo, bool), NetError> {
        let overlay = address.overlay;
        let known = self.state().peers.contains_key(&overlay);
        if !known && overlay != self.overlay && !self.is_banned(&peer_id) {
            self.accounting
                .connected(overlay, full_node)
                .map_err(|reason| NetError::Handshake(format!("refused: {reason}")))?;
        }
        self.register_peer(peer_id, address, full_node)
    }

    /// Records a peer past the handshake. Returns its info and whether it is new; a new
    /// peer is announced with [`PeerManager::announce`] once its handshake stream ended.
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
        if let Some(ban) = state.banned.get(&peer_id) {
            if ban.until > Instant::now() {
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
        // Only full nodes go into the address book: light nodes are not dialled (Bee's
        // kademlia knows no others), so they are not re-dialled either.
        if full_node {
            state.known.insert(overlay, address.clone());
        }
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

    /// Publishes [`PeerEvent::Connected`] for a new peer whose handshake has ended.
    pub fn announce(&self, info: &PeerInfo) {
        tracing::debug!(overlay = %info.overlay, peer = %info.peer_id, "peer connected");
        self.publish(PeerEvent::Connected(info.clone()));
    }

    /// Forgets a peer whose last connection closed and publishes
    /// [`PeerEvent::Disconnected`].
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
            tracing::debug!(%overlay, peer = %peer_id, "peer disconnected");
            self.accounting.disconnected(overlay);
            self.publish(PeerEvent::Disconnected {
                overlay,
                peer_id: *peer_id,
            });
        }
    }

    /// Forgets every peer: the swarm and its connections are gone.
    pub fn clear(&self) {
        let mut state = self.state();
        let overlays: Vec<B256> = state.peers.keys().copied().collect();
        for overlay in overlays {
            state.topology.remove(&overlay);
        }
        state.peers.clear();
        state.overlays.clear();
        state.remote_addrs.clear();
    }

    /// Refuses `overlay` for `duration` and closes its connections (accounting blocklist,
    /// spec `swap.md` §1.2, §1.10).
    pub fn blocklist(&self, overlay: &B256, duration: Duration) {
        let Some(peer) = self.peer_id_of(overlay) else {
            return;
        };
        self.ban(peer, duration, "accounting");
    }

    /// Refuses `peer` for `duration` and closes its connections.
    fn ban(&self, peer: PeerId, duration: Duration, reason: &'static str) {
        let mut state = self.state();
        let overlay = state.overlays.get(&peer).copied();
        let full_node = overlay
            .and_then(|o| state.peers.get(&o))
            .is_some_and(|p| p.full_node);
        state.banned.insert(
            peer,
            Ban {
                until: deadline(duration),
                overlay,
                full_node,
                reason,
            },
        );
        state.penalties.remove(&peer);
        drop(state);
        let _ = self.command(Command::Disconnect(peer));
    }

    /// Closes the connections to a connected overlay (Bee's `DELETE /peers/{address}`: no
    /// ban, the peer may come back).
    pub fn disconnect(&self, overlay: &B256) -> Result<(), NetError> {
        let peer = self.peer_id_of(overlay).ok_or(NetError::NotConnected)?;
        self.command(Command::Disconnect(peer))
    }

    /// The peers refused now.
    pub fn blocklisted(&self) -> Vec<Blocklisted> {
        let now = Instant::now();
        let mut state = self.state();
        state.banned.retain(|_, ban| ban.until > now);
        state
            .banned
            .iter()
            .map(|(peer, ban)| Blocklisted {
                overlay: ban.overlay,
                peer_id: *peer,
                full_node: ban.full_node,
                reason: ban.reason,
                remaining: ban.until.saturating_duration_since(now),
            })
            .collect()
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
        tracing::info!(%peer, %error, penalties, "peer misbehaved");
        if penalties >= self.policy.max_penalties {
            tracing::info!(%peer, "banning misbehaving peer");
            self.ban(peer, self.policy.ban_duration, "misbehaviour");
        }
    }

    /// Counts `error` against the connected `overlay` if it is a misbehaviour.
    pub fn penalize_if_misbehaved(&self, overlay: &B256, error: &NetError) {
        if error.is_misbehaviour() {
            if let Some(peer_id) = self.peer_id_of(overlay) {
                self.penalize(peer_id, error);
            }
        }
    }

    /// Whether `peer` is banned now.
    pub fn is_banned(&self, peer: &PeerId) -> bool {
        let mut state = self.state();
        is_banned_now(&mut state, peer)
    }

    /// Whether the dial policy wants a connection to `overlay`: not us, not connected, not
    /// being dialled, not banned, and in the neighbourhood or in a bin below
    /// `max_bin_peers`.
    pub fn wants(&self, state: &mut PeerState, overlay: &B256) -> bool {
        if *overlay == self.overlay
            || state.peers.contains_key(overlay)
            || state.dialing.contains(overlay)
        {
            return false;
        }
        let banned = state
            .known
            .get(overlay)
            .and_then(BzzAddress::peer_id)
            .is_some_and(|peer| is_banned_now(state, &peer));
        if banned {
            return false;
        }
        let bin = state.topology.bin_of(overlay);
        bin >= state.topology.depth()
            || state
                .topology
                .bin_sizes()
                .get(usize::from(bin))
                .copied()
                .unwrap_or(0)
                < self.policy.max_bin_peers
    }

    /// Adds a verified address to the address book (when it is not older than the one
    /// known). Returns whether it is new or newer.
    pub fn learn(&self, address: BzzAddress) -> bool {
        let overlay = address.overlay;
        if overlay == self.overlay {
            return false;
        }
        let mut state = self.state();
        let newer = state
            .known
            .get(&overlay)
            .is_none_or(|known| known.timestamp <= address.timestamp);
        if newer {
            state.known.insert(overlay, address);
        }
        newer
    }

    /// Dials a known overlay if [`PeerManager::wants`] it; returns whether a dial started.
    pub fn dial_if_wanted(&self, overlay: &B256) -> bool {
        let address = {
            let mut state = self.state();
            if !self.wants(&mut state, overlay) {
                return false;
            }
            let Some(address) = state.known.get(overlay).cloned() else {
                return false;
            };
            state.dialing.insert(*overlay);
            address
        };
        let command = Command::Dial {
            addresses: address.underlays.clone(),
            peer: address.peer_id(),
            overlay: Some(*overlay),
            reply: None,
        };
        if self.command(command).is_err() {
            self.state().dialing.remove(overlay);
            return false;
        }
        true
    }

    /// A dial of `overlay` ended (connected or not).
    pub fn dial_ended(&self, overlay: &B256) {
        self.state().dialing.remove(overlay);
    }
}

fn is_banned_now(state: &mut PeerState, peer: &PeerId) -> bool {
    match state.banned.get(peer) {
        Some(ban) if ban.until > Instant::now() => true,
        Some(_) => {
            state.banned.remove(peer);
            false
        }
        None => false,
    }
}

/// `now + after`, or a day from now if that overflows.
pub(crate) fn deadline(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(86_400)))
        .unwrap_or(now)
}

fn peer_info(state: &PeerState, peer: &ConnectedPeer) -> PeerInfo {
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
