//! The swarm task: owns the libp2p swarm, carries out [`Command`]s, starts the handshake on
//! every new connection, and forgets peers whose last connection closed. Also the inbound
//! dispatcher, which runs one task per inbound stream.

use std::collections::HashMap;
use std::sync::Arc;

use comb_primitives::B256;
use futures::StreamExt;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{ConnectionId, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm};
use tokio::sync::{mpsc, oneshot};

use crate::network::PeerInfo;
use crate::node::{Command, Node};
use crate::protocols;
use crate::streams::InboundStream;
use crate::transport::{Behaviour, BehaviourEvent};
use crate::wire::MessageStream;
use crate::{
    handshake, hive, pingpong, pullsync, pushsync, retrieval, settlement, status, NetError,
};

/// A dial waiting for its connection.
struct PendingDial {
    overlay: Option<B256>,
    reply: Option<oneshot::Sender<Result<PeerInfo, NetError>>>,
}

/// Runs the swarm until [`Command::Shutdown`].
pub(crate) async fn run(
    node: Arc<Node>,
    mut swarm: Swarm<Behaviour>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let mut pending: HashMap<ConnectionId, PendingDial> = HashMap::new();
    loop {
        tokio::select! {
            event = swarm.select_next_some() => on_event(&node, &mut swarm, &mut pending, event),
            command = commands.recv() => match command {
                None | Some(Command::Shutdown) => break,
                Some(command) => on_command(&node, &mut swarm, &mut pending, command),
            },
        }
    }
    let _ = node.shutdown.send(true);
    {
        // The swarm and its connections are gone with this task.
        let mut state = node.state();
        let overlays: Vec<B256> = state.peers.keys().copied().collect();
        for overlay in overlays {
            state.topology.remove(&overlay);
        }
        state.peers.clear();
        state.overlays.clear();
        state.remote_addrs.clear();
    }
    for (_, dial) in pending.drain() {
        if let Some(reply) = dial.reply {
            let _ = reply.send(Err(NetError::Shutdown));
        }
    }
    tracing::debug!(overlay = %node.overlay, "network stopped");
}

fn on_command(
    node: &Arc<Node>,
    swarm: &mut Swarm<Behaviour>,
    pending: &mut HashMap<ConnectionId, PendingDial>,
    command: Command,
) {
    match command {
        Command::Dial {
            addresses,
            peer,
            overlay,
            reply,
        } => {
            let opts = match peer {
                Some(peer) => DialOpts::peer_id(peer)
                    .addresses(addresses)
                    .condition(if reply.is_some() {
                        PeerCondition::Always
                    } else {
                        PeerCondition::DisconnectedAndNotDialing
                    })
                    .build(),
                None => match addresses.first() {
                    Some(address) => DialOpts::unknown_peer_id().address(address.clone()).build(),
                    None => {
                        fail_dial(node, overlay, reply, "no address".into());
                        return;
                    }
                },
            };
            let connection = opts.connection_id();
            match swarm.dial(opts) {
                Ok(()) => {
                    pending.insert(connection, PendingDial { overlay, reply });
                }
                Err(error) => fail_dial(node, overlay, reply, error.to_string()),
            }
        }
        Command::Open {
            peer,
            protocol,
            reply,
        } => swarm.behaviour_mut().streams.open(peer, protocol, reply),
        Command::CloseConnection(connection) => {
            swarm.close_connection(connection);
        }
        Command::Disconnect(peer) => {
            let _ = swarm.disconnect_peer_id(peer);
        }
        Command::Shutdown => {}
    }
}

fn fail_dial(
    node: &Node,
    overlay: Option<B256>,
    reply: Option<oneshot::Sender<Result<PeerInfo, NetError>>>,
    reason: String,
) {
    if let Some(overlay) = overlay {
        node.state().dialing.remove(&overlay);
    }
    if let Some(reply) = reply {
        let _ = reply.send(Err(NetError::Dial(reason)));
    }
}

fn on_event(
    node: &Arc<Node>,
    swarm: &mut Swarm<Behaviour>,
    pending: &mut HashMap<ConnectionId, PendingDial>,
    event: SwarmEvent<BehaviourEvent>,
) {
    match event {
        SwarmEvent::ConnectionEstablished {
            peer_id,
            connection_id,
            endpoint,
            ..
        } => {
            let dial = pending.remove(&connection_id);
            if node.is_banned(&peer_id) {
                swarm.close_connection(connection_id);
                if let Some(dial) = dial {
                    fail_dial(node, dial.overlay, dial.reply, "peer is banned".into());
                }
                return;
            }
            let remote = endpoint.get_remote_address().clone();
            node.state().remote_addrs.insert(peer_id, remote.clone());
            if endpoint.is_dialer() {
                spawn_handshake(node, peer_id, connection_id, remote, dial);
            } else {
                spawn_watchdog(node, peer_id, connection_id);
            }
        }
        SwarmEvent::ConnectionClosed {
            peer_id,
            num_established: 0,
            ..
        } => node.remove_peer(&peer_id),
        SwarmEvent::OutgoingConnectionError {
            connection_id,
            error,
            ..
        } => {
            if let Some(dial) = pending.remove(&connection_id) {
                fail_dial(node, dial.overlay, dial.reply, error.to_string());
            }
        }
        _ => {}
    }
}

fn spawn_handshake(
    node: &Arc<Node>,
    peer: PeerId,
    connection: ConnectionId,
    remote: Multiaddr,
    dial: Option<PendingDial>,
) {
    let node = Arc::clone(node);
    tokio::spawn(async move {
        let result = handshake::initiate(&node, peer, remote).await;
        if let Err(error) = &result {
            tracing::debug!(%peer, %error, "outbound handshake failed");
            let _ = node.command(Command::CloseConnection(connection));
            if error.is_misbehaviour() {
                node.penalize(peer, error);
            }
        }
        if let Some(dial) = dial {
            if let Some(overlay) = dial.overlay {
                node.state().dialing.remove(&overlay);
            }
            if let Some(reply) = dial.reply {
                let _ = reply.send(result);
            }
        }
    });
}

/// Closes an inbound connection whose peer does not complete a handshake in time.
fn spawn_watchdog(node: &Arc<Node>, peer: PeerId, connection: ConnectionId) {
    let node = Arc::clone(node);
    tokio::spawn(async move {
        tokio::time::sleep(node.config.handshake_timeout).await;
        if node.overlay_of(&peer).is_none() {
            let _ = node.command(Command::CloseConnection(connection));
        }
    });
}

/// Inbound streams one peer may have in its handlers at once; beyond it a new stream is
/// refused (dropped, which resets it) and the connection and the other streams go on.
pub const MAX_INBOUND_PER_PEER: usize = 256;
/// Inbound streams of all peers in their handlers at once.
pub const MAX_INBOUND: usize = 4096;

/// Counts the inbound streams in the handlers, by peer and in all.
#[derive(Default)]
struct InboundLoad {
    by_peer: std::sync::Mutex<HashMap<PeerId, usize>>,
    total: std::sync::atomic::AtomicUsize,
}

/// One admitted stream; counted down when its handler ends.
struct Admitted {
    load: Arc<InboundLoad>,
    peer: PeerId,
}

impl InboundLoad {
    /// Admits a stream of `peer` within the limits.
    fn admit(load: &Arc<Self>, peer: PeerId) -> Option<Admitted> {
        use std::sync::atomic::Ordering;
        let mut by_peer = load
            .by_peer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = by_peer.entry(peer).or_default();
        if *count >= MAX_INBOUND_PER_PEER || load.total.load(Ordering::SeqCst) >= MAX_INBOUND {
            return None;
        }
        *count += 1;
        load.total.fetch_add(1, Ordering::SeqCst);
        Some(Admitted {
            load: Arc::clone(load),
            peer,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut by_peer = self
            .load
            .by_peer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = by_peer.get_mut(&self.peer) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                by_peer.remove(&self.peer);
            }
        }
        self.load
            .total
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Hands every inbound stream to its protocol's handler, one task each, within
/// [`MAX_INBOUND_PER_PEER`] and [`MAX_INBOUND`].
pub(crate) async fn dispatch(node: Arc<Node>, mut inbound: mpsc::UnboundedReceiver<InboundStream>) {
    let mut shutdown = node.shutdown.subscribe();
    let load = Arc::new(InboundLoad::default());
    loop {
        tokio::select! {
            stream = inbound.recv() => match stream {
                Some(stream) => {
                    let Some(admitted) = InboundLoad::admit(&load, stream.peer) else {
                        tracing::debug!(peer = %stream.peer, protocol = %stream.protocol, "inbound stream refused: too many in flight");
                        continue;
                    };
                    let node = Arc::clone(&node);
                    tokio::spawn(async move {
                        serve(node, stream).await;
                        drop(admitted);
                    });
                }
                None => return,
            },
            _ = shutdown.changed() => return,
        }
    }
}

async fn serve(node: Arc<Node>, inbound: InboundStream) {
    let InboundStream {
        peer,
        protocol,
        stream,
    } = inbound;
    let result = if protocol.as_ref() == protocols::HANDSHAKE {
        match handshake::respond(&node, peer, stream).await {
            Ok(_) => Ok(()),
            Err(error) => {
                if node.overlay_of(&peer).is_none() {
                    let _ = node.command(Command::Disconnect(peer));
                }
                Err(error)
            }
        }
    } else {
        let Some(overlay) = await_handshake(&node, &peer).await else {
            tracing::debug!(%peer, %protocol, "stream before handshake dropped");
            return;
        };
        let mut stream = MessageStream::new(stream, node.config.message_timeout);
        let rates = if protocol.as_ref() == protocols::SWAP {
            node.accounting.cheque_rates(overlay)
        } else {
            None
        };
        match stream
            .answer_headers_with(settlement::rate_headers(rates))
            .await
        {
            Err(error) => Err(error),
            Ok(_) => match protocol.as_ref() {
                protocols::HIVE => hive::handle(&node, overlay, stream).await,
                protocols::PUSHSYNC => pushsync::handle(&node, overlay, stream).await,
                protocols::RETRIEVAL => retrieval::handle(&node, overlay, stream).await,
                protocols::PULLSYNC => pullsync::handle_range(&node, stream).await,
                protocols::PULLSYNC_CURSORS => pullsync::handle_cursors(&node, stream).await,
                protocols::PRICING => settlement::handle_pricing(&node, overlay, stream).await,
                protocols::PSEUDOSETTLE => {
                    settlement::handle_pseudosettle(&node, overlay, stream).await
                }
                protocols::SWAP => settlement::handle_swap(&node, overlay, rates, stream).await,
                protocols::STATUS => status::handle(&node, stream).await,
                protocols::PINGPONG => pingpong::handle(stream).await,
                _ => Ok(()),
            },
        }
    };
    if let Err(error) = result {
        tracing::debug!(%peer, %protocol, %error, "inbound stream failed");
        if error.is_misbehaviour() {
            node.penalize(peer, &error);
        }
    }
}

/// The overlay of `peer`, waiting up to the handshake timeout for a handshake in progress:
/// the dialler may open its first streams (pricing, hive) before the listener has read the
/// final `Ack`.
async fn await_handshake(node: &Node, peer: &PeerId) -> Option<B256> {
    let deadline = tokio::time::Instant::now() + node.config.handshake_timeout;
    loop {
        let registered = node.registered.notified();
        tokio::pin!(registered);
        registered.as_mut().enable();
        if let Some(overlay) = node.overlay_of(peer) {
            return Some(overlay);
        }
        if !node.state().remote_addrs.contains_key(peer) {
            return None;
        }
        if tokio::time::timeout_at(deadline, registered).await.is_err() {
            return None;
        }
    }
}
