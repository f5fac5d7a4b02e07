//! The swarm task: owns the libp2p swarm, carries out [`Command`]s, starts the handshake on
//! every new connection, and tells the peer manager about closed connections. Also the
//! inbound dispatcher: a table of (protocol id, bound, handler), one task per admitted
//! stream.

use std::collections::HashMap;
use std::sync::Arc;

use comb_primitives::B256;
use futures::future::BoxFuture;
use futures::io::{AsyncRead, AsyncWrite};
use futures::StreamExt;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{ConnectionId, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm};
use tokio::sync::{mpsc, oneshot};

use crate::accounting::ChequeRates;
use crate::node::Node;
use crate::peers::{Command, PeerInfo};
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
    node.peers.request_shutdown();
    // The swarm and its connections are gone with this task.
    node.peers.clear();
    for (_, dial) in pending.drain() {
        if let Some(reply) = dial.reply {
            let _ = reply.send(Err(NetError::Shutdown));
        }
    }
    tracing::debug!(overlay = %node.overlay(), "network stopped");
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
        node.peers.dial_ended(&overlay);
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
            if node.peers.is_banned(&peer_id) {
                swarm.close_connection(connection_id);
                if let Some(dial) = dial {
                    fail_dial(node, dial.overlay, dial.reply, "peer is banned".into());
                }
                return;
            }
            let remote = endpoint.get_remote_address().clone();
            node.peers
                .state()
                .remote_addrs
                .insert(peer_id, remote.clone());
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
        } => node.peers.remove_peer(&peer_id),
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
        let result = handshake::initiate(
            &node.peers,
            &node.handshake_local(),
            node.config.handshake_timeout,
            peer,
            remote,
        )
        .await;
        if let Err(error) = &result {
            tracing::debug!(%peer, %error, "outbound handshake failed");
            let _ = node.peers.command(Command::CloseConnection(connection));
            if error.is_misbehaviour() {
                node.peers.penalize(peer, error);
            }
        }
        if let Some(dial) = dial {
            if let Some(overlay) = dial.overlay {
                node.peers.dial_ended(&overlay);
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
        if node.peers.overlay_of(&peer).is_none() {
            let _ = node.peers.command(Command::CloseConnection(connection));
        }
    });
}

/// Inbound streams one peer may have in its handlers at once; beyond it a new stream is
/// refused (dropped, which resets it) and the connection and the other streams go on.
pub const MAX_INBOUND_PER_PEER: usize = 256;
/// Inbound streams of all peers in their handlers at once.
pub const MAX_INBOUND: usize = 4096;

/// Any stream a handler can serve: a libp2p stream in the node, an in-memory duplex in the
/// tests.
pub(crate) trait Duplex: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Duplex for T {}
/// A boxed [`Duplex`].
pub(crate) type AnyStream = Box<dyn Duplex>;

/// What a handler learns about the stream besides its bytes.
pub(crate) struct Inbound {
    /// The peer's overlay.
    pub from: B256,
    /// The rates our headers answered with (swap only).
    pub rates: Option<ChequeRates>,
}

/// A handler: serves one stream after the headers exchange.
type Handler = fn(&Node, Inbound, MessageStream<AnyStream>) -> BoxFuture<'_, Result<(), NetError>>;

/// One row of the dispatcher's table.
struct Route {
    protocol: &'static str,
    /// Streams of this protocol in the handlers at once, all peers together.
    limit: usize,
    /// Whether the headers answer carries our cheque rates (swap, spec `swap.md` §3.4).
    rates: bool,
    handler: Handler,
}

/// Streams of the handshake in flight at once, all peers together.
const HANDSHAKE_LIMIT: usize = 128;

/// The dispatcher's table. The bounds leave room for Bee's puller, which holds one live
/// `Get` per bin of every neighbour.
const ROUTES: &[Route] = &[
    Route {
        protocol: protocols::HIVE,
        limit: 256,
        rates: false,
        handler: serve_hive,
    },
    Route {
        protocol: protocols::PUSHSYNC,
        limit: 2048,
        rates: false,
        handler: serve_pushsync,
    },
    Route {
        protocol: protocols::RETRIEVAL,
        limit: 2048,
        rates: false,
        handler: serve_retrieval,
    },
    Route {
        protocol: protocols::PULLSYNC,
        limit: 2048,
        rates: false,
        handler: serve_pullsync,
    },
    Route {
        protocol: protocols::PULLSYNC_CURSORS,
        limit: 256,
        rates: false,
        handler: serve_cursors,
    },
    Route {
        protocol: protocols::PRICING,
        limit: 256,
        rates: false,
        handler: serve_pricing,
    },
    Route {
        protocol: protocols::PSEUDOSETTLE,
        limit: 256,
        rates: false,
        handler: serve_pseudosettle,
    },
    Route {
        protocol: protocols::SWAP,
        limit: 256,
        rates: true,
        handler: serve_swap,
    },
    Route {
        protocol: protocols::STATUS,
        limit: 256,
        rates: false,
        handler: serve_status,
    },
    Route {
        protocol: protocols::PINGPONG,
        limit: 64,
        rates: false,
        handler: serve_pingpong,
    },
];

fn route(protocol: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|route| route.protocol == protocol)
}

fn serve_hive(
    node: &Node,
    _: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move {
        hive::serve(
            &node.peers,
            node.config.network_id,
            node.config.hive_connect,
            stream,
        )
        .await
        .map(drop)
    })
}

fn serve_pushsync(
    node: &Node,
    inbound: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move { pushsync::serve(&node.chunks(), inbound.from, stream).await })
}

fn serve_retrieval(
    node: &Node,
    inbound: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move { retrieval::serve(&node.chunks(), inbound.from, stream).await })
}

fn serve_pullsync(
    node: &Node,
    _: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move {
        pullsync::serve_range(node.store.as_ref(), node.peers.shutdown_signal(), stream).await
    })
}

fn serve_cursors(
    node: &Node,
    _: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move { pullsync::serve_cursors(node.store.as_ref(), stream).await })
}

fn serve_pricing(
    node: &Node,
    inbound: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move {
        settlement::serve_pricing(node.accounting.as_ref(), &node.peers, inbound.from, stream).await
    })
}

fn serve_pseudosettle(
    node: &Node,
    inbound: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move {
        settlement::serve_pseudosettle(node.accounting.as_ref(), inbound.from, stream).await
    })
}

fn serve_swap(
    node: &Node,
    inbound: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move {
        settlement::serve_swap(
            node.accounting.as_ref(),
            inbound.from,
            inbound.rates,
            stream,
        )
        .await
    })
}

fn serve_status(
    node: &Node,
    _: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move { status::serve(stream, || node.snapshot()).await })
}

fn serve_pingpong(
    _: &Node,
    _: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(pingpong::serve(stream))
}

/// Counts the inbound streams in the handlers: by peer, by protocol and in all.
#[derive(Default)]
pub(crate) struct InboundLoad {
    counts: std::sync::Mutex<LoadCounts>,
}

#[derive(Default)]
struct LoadCounts {
    by_peer: HashMap<PeerId, usize>,
    by_protocol: HashMap<&'static str, usize>,
    total: usize,
}

/// One admitted stream; counted down when its handler ends.
pub(crate) struct Admitted {
    load: Arc<InboundLoad>,
    peer: PeerId,
    protocol: &'static str,
}

impl InboundLoad {
    fn counts(&self) -> std::sync::MutexGuard<'_, LoadCounts> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Admits a stream of `peer` for `protocol` within [`MAX_INBOUND_PER_PEER`],
    /// [`MAX_INBOUND`] and the protocol's `limit`.
    pub(crate) fn admit(
        load: &Arc<Self>,
        peer: PeerId,
        protocol: &'static str,
        limit: usize,
    ) -> Option<Admitted> {
        let mut counts = load.counts();
        let by_peer = counts.by_peer.get(&peer).copied().unwrap_or(0);
        let by_protocol = counts.by_protocol.get(protocol).copied().unwrap_or(0);
        if by_peer >= MAX_INBOUND_PER_PEER || by_protocol >= limit || counts.total >= MAX_INBOUND {
            return None;
        }
        *counts.by_peer.entry(peer).or_default() += 1;
        *counts.by_protocol.entry(protocol).or_default() += 1;
        counts.total += 1;
        Some(Admitted {
            load: Arc::clone(load),
            peer,
            protocol,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.load.counts();
        if let Some(count) = counts.by_peer.get_mut(&self.peer) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.by_peer.remove(&self.peer);
            }
        }
        if let Some(count) = counts.by_protocol.get_mut(self.protocol) {
            *count = count.saturating_sub(1);
        }
        counts.total = counts.total.saturating_sub(1);
    }
}

/// Hands every inbound stream to its protocol's handler, one task each, within the bounds
/// of [`InboundLoad::admit`].
pub(crate) async fn dispatch(node: Arc<Node>, mut inbound: mpsc::UnboundedReceiver<InboundStream>) {
    let mut shutdown = node.peers.shutdown_signal();
    let load = Arc::new(InboundLoad::default());
    loop {
        tokio::select! {
            stream = inbound.recv() => match stream {
                Some(stream) => {
                    let (protocol, limit) = if stream.protocol.as_ref() == protocols::HANDSHAKE {
                        (protocols::HANDSHAKE, HANDSHAKE_LIMIT)
                    } else if let Some(route) = route(stream.protocol.as_ref()) {
                        (route.protocol, route.limit)
                    } else {
                        continue;
                    };
                    let Some(admitted) = InboundLoad::admit(&load, stream.peer, protocol, limit) else {
                        tracing::debug!(peer = %stream.peer, %protocol, "inbound stream refused: too many in flight");
                        continue;
                    };
                    let node = Arc::clone(&node);
                    tokio::spawn(async move {
                        serve(&node, stream.peer, protocol, Box::new(stream.stream)).await;
                        drop(admitted);
                    });
                }
                None => return,
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Serves one inbound stream of `peer`: the handshake, or the headers exchange and the
/// protocol's handler from [`ROUTES`]. A failure that is the peer's misbehaviour counts
/// against it.
pub(crate) async fn serve(node: &Node, peer: PeerId, protocol: &str, stream: AnyStream) {
    let result = if protocol == protocols::HANDSHAKE {
        match handshake::respond(
            &node.peers,
            &node.handshake_local(),
            node.config.handshake_timeout,
            peer,
            stream,
        )
        .await
        {
            Ok(_) => Ok(()),
            Err(error) => {
                if node.peers.overlay_of(&peer).is_none() {
                    let _ = node.peers.command(Command::Disconnect(peer));
                }
                Err(error)
            }
        }
    } else {
        let Some(route) = route(protocol) else {
            return;
        };
        let Some(overlay) = await_handshake(node, &peer).await else {
            tracing::debug!(%peer, %protocol, "stream before handshake dropped");
            return;
        };
        let mut stream = MessageStream::new(stream, node.config.message_timeout);
        let rates = if route.rates {
            node.accounting.cheque_rates(overlay)
        } else {
            None
        };
        match stream
            .answer_headers_with(settlement::rate_headers(rates))
            .await
        {
            Err(error) => Err(error),
            Ok(_) => {
                let inbound = Inbound {
                    from: overlay,
                    rates,
                };
                (route.handler)(node, inbound, stream).await
            }
        }
    };
    if let Err(error) = result {
        tracing::debug!(%peer, %protocol, %error, "inbound stream failed");
        if error.is_misbehaviour() {
            node.peers.penalize(peer, &error);
        }
    }
}

/// The overlay of `peer`, waiting up to the handshake timeout for a handshake in progress:
/// the dialler may open its first streams (pricing, hive) before the listener has read the
/// final `Ack`.
async fn await_handshake(node: &Node, peer: &PeerId) -> Option<B256> {
    let deadline = tokio::time::Instant::now() + node.config.handshake_timeout;
    loop {
        let registered = node.peers.registered();
        tokio::pin!(registered);
        registered.as_mut().enable();
        if let Some(overlay) = node.peers.overlay_of(peer) {
            return Some(overlay);
        }
        if !node.peers.state().remote_addrs.contains_key(peer) {
            return None;
        }
        if tokio::time::timeout_at(deadline, registered).await.is_err() {
            return None;
        }
    }
}
