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
use crate::bzz::Scheme;
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
            protocols,
            reply,
        } => swarm.behaviour_mut().streams.open(peer, protocols, reply),
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
    match &overlay {
        Some(overlay) => tracing::info!(%overlay, %reason, "connection failed"),
        None => tracing::info!(%reason, "connection failed"),
    }
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
            tracing::info!(%peer, %error, "outbound handshake failed");
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
        protocol: protocols::HIVE_V1,
        limit: 256,
        rates: false,
        handler: serve_hive_v1,
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
    serve_hive_as(node, Scheme::V15, stream)
}

fn serve_hive_v1(
    node: &Node,
    _: Inbound,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    serve_hive_as(node, Scheme::V14, stream)
}

/// Hive 2.0.0 (`V15`) or 1.1.0 (`V14`): the records as that version signs them.
fn serve_hive_as(
    node: &Node,
    scheme: Scheme,
    stream: MessageStream<AnyStream>,
) -> BoxFuture<'_, Result<(), NetError>> {
    Box::pin(async move {
        hive::serve(
            &node.peers,
            node.config.network_id,
            node.config.hive_connect,
            scheme,
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
                    let (protocol, limit) = if let Some(scheme) = Scheme::of_handshake(stream.protocol.as_ref()) {
                        (scheme.handshake(), HANDSHAKE_LIMIT)
                    } else if let Some(route) = route(stream.protocol.as_ref()) {
                        (route.protocol, route.limit)
                    } else {
                        continue;
                    };
                    let Some(admitted) = InboundLoad::admit(&load, stream.peer, protocol, limit) else {
                        tracing::info!(peer = %stream.peer, %protocol, "inbound stream refused: too many in flight");
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
    let result = if let Some(version) = Scheme::of_handshake(protocol) {
        match handshake::respond(
            &node.peers,
            &node.handshake_local(),
            version,
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
        // A peer's misbehaviour is worth an operator's eye (and a penalty); a stream that
        // merely broke off is routine.
        if error.is_misbehaviour() {
            tracing::info!(%peer, %protocol, %error, "inbound stream refused: misbehaviour");
            node.peers.penalize(peer, &error);
        } else {
            tracing::debug!(%peer, %protocol, %error, "inbound stream failed");
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

#[cfg(test)]
mod tests {
    //! The dispatcher and the handlers behind it over in-memory duplex streams (no sockets):
    //! the peer's side is played by hand — Bee's `Headers{}` (an empty frame), then messages
    //! encoded field by field from Bee's `.proto` files (pushsync M-9/M-10, retrieval
    //! M-12/M-13, hive M-7) — good, malformed and oversized.
    use super::*;
    use crate::storage::LocalStore;
    use crate::test_support::{
        bytes_field, connected_peer, fields, node, node_with, read_frame, stamped_chunk, varint,
        write_frame, AnyStamp, Field,
    };
    use crate::MemoryStore;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
    use tokio::task::JoinHandle;
    use tokio_util::compat::TokioAsyncReadCompatExt;

    /// The bytes of field `number`, if the message has it as a length-delimited field.
    fn field(message: &[(u64, Field)], number: u64) -> Option<Vec<u8>> {
        message
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, v)| match v {
                Field::Bytes(bytes) => bytes.clone(),
                other => panic!("field {number} is {other:?}, not bytes"),
            })
    }

    /// Opens a `protocol` stream to the dispatcher as `peer` and does Bee's side of the
    /// headers exchange; the handler's task, our end, and the headers it answered.
    async fn open(
        node: &Arc<Node>,
        peer: PeerId,
        protocol: &'static str,
    ) -> (JoinHandle<()>, DuplexStream, Vec<u8>) {
        let (mut ours, theirs) = tokio::io::duplex(1 << 20);
        let served = Arc::clone(node);
        let task =
            tokio::spawn(
                async move { serve(&served, peer, protocol, Box::new(theirs.compat())).await },
            );
        write_frame(&mut ours, &[]).await;
        let headers = read_frame(&mut ours).await;
        (task, ours, headers)
    }

    async fn finished(task: JoinHandle<()>) {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the handler ends")
            .expect("the handler does not panic");
    }

    fn penalties(node: &Node, peer: &PeerId) -> u32 {
        node.peers.state().penalties.get(peer).copied().unwrap_or(0)
    }

    fn delivery(address: &[u8], data: &[u8], stamp: &[u8]) -> Vec<u8> {
        let mut message = Vec::new();
        bytes_field(1, address, &mut message);
        bytes_field(2, data, &mut message);
        bytes_field(3, stamp, &mut message);
        message
    }

    #[tokio::test]
    async fn a_pushed_chunk_is_stored_and_answered_with_a_receipt_in_bees_fields() {
        let store = Arc::new(MemoryStore::new(B256::ZERO));
        let node = node_with(Arc::clone(&store), Arc::new(AnyStamp));
        let (peer, _) = connected_peer(&node);
        let (chunk, stamp) = stamped_chunk("pushed", 1);
        let (task, mut bee, headers) = open(&node, peer, protocols::PUSHSYNC).await;
        assert!(headers.is_empty(), "comb answers empty headers");
        let message = delivery(chunk.address().as_slice(), chunk.data(), &stamp.to_bytes());
        write_frame(&mut bee, &message).await;
        let receipt = fields(&read_frame(&mut bee).await);
        // Receipt{Address = 1, Signature = 2, Nonce = 3, Err = 4, StorageRadius = 5}.
        assert_eq!(field(&receipt, 1).unwrap(), chunk.address().to_vec());
        assert_eq!(field(&receipt, 2).unwrap().len(), 65);
        assert_eq!(field(&receipt, 3).unwrap(), vec![0u8; 32]);
        assert_eq!(field(&receipt, 4), None, "no error");
        finished(task).await;
        assert!(store.has(chunk.address()));
        assert_eq!(penalties(&node, &peer), 0);
    }

    #[tokio::test]
    async fn a_push_whose_data_is_not_its_address_gets_an_error_receipt_and_a_penalty() {
        let store = Arc::new(MemoryStore::new(B256::ZERO));
        let node = node_with(Arc::clone(&store), Arc::new(AnyStamp));
        let (peer, _) = connected_peer(&node);
        let (chunk, stamp) = stamped_chunk("pushed", 2);
        let (other, _) = stamped_chunk("other", 2);
        let (task, mut bee, _) = open(&node, peer, protocols::PUSHSYNC).await;
        let message = delivery(chunk.address().as_slice(), other.data(), &stamp.to_bytes());
        write_frame(&mut bee, &message).await;
        let receipt = fields(&read_frame(&mut bee).await);
        assert!(
            !field(&receipt, 4).unwrap().is_empty(),
            "an error: {receipt:?}"
        );
        finished(task).await;
        assert!(!store.has(chunk.address()) && !store.has(other.address()));
        assert_eq!(penalties(&node, &peer), 1);
    }

    #[tokio::test]
    async fn a_push_with_a_stamp_that_does_not_validate_is_refused_and_not_stored() {
        let store = Arc::new(MemoryStore::new(B256::ZERO));
        // The default test node knows no batch: every stamp is invalid.
        let node = node(Arc::clone(&store));
        let (peer, _) = connected_peer(&node);
        let (chunk, stamp) = stamped_chunk("pushed", 3);
        let (task, mut bee, _) = open(&node, peer, protocols::PUSHSYNC).await;
        write_frame(
            &mut bee,
            &delivery(chunk.address().as_slice(), chunk.data(), &stamp.to_bytes()),
        )
        .await;
        let receipt = fields(&read_frame(&mut bee).await);
        assert!(field(&receipt, 4).is_some_and(|err| !err.is_empty()));
        finished(task).await;
        assert!(!store.has(chunk.address()));
    }

    #[tokio::test]
    async fn a_retrieval_is_served_from_the_store_in_bees_delivery_fields() {
        let store = Arc::new(MemoryStore::new(B256::ZERO));
        let (chunk, stamp) = stamped_chunk("kept", 4);
        store.put(chunk.clone(), stamp).unwrap();
        let node = node(Arc::clone(&store));
        let (peer, _) = connected_peer(&node);
        let (task, mut bee, _) = open(&node, peer, protocols::RETRIEVAL).await;
        // Bee's Request{Addr = 1}.
        let mut request = Vec::new();
        bytes_field(1, chunk.address().as_slice(), &mut request);
        write_frame(&mut bee, &request).await;
        // Delivery{Data = 1, Stamp = 2, Err = 3}.
        let delivered = fields(&read_frame(&mut bee).await);
        assert_eq!(field(&delivered, 1).unwrap(), chunk.data().to_vec());
        assert_eq!(field(&delivered, 2).unwrap(), stamp.to_bytes().to_vec());
        assert_eq!(field(&delivered, 3), None);
        finished(task).await;
        assert_eq!(penalties(&node, &peer), 0);
    }

    #[tokio::test]
    async fn a_retrieval_of_a_missing_chunk_answers_bees_error_field_without_a_penalty() {
        let node = node(Arc::new(MemoryStore::new(B256::ZERO)));
        let (peer, _) = connected_peer(&node);
        let (task, mut bee, _) = open(&node, peer, protocols::RETRIEVAL).await;
        let mut request = Vec::new();
        bytes_field(1, &[0x11; 32], &mut request);
        write_frame(&mut bee, &request).await;
        let delivered = fields(&read_frame(&mut bee).await);
        assert!(field(&delivered, 3).is_some_and(|err| !err.is_empty()));
        assert_eq!(field(&delivered, 1), None);
        finished(task).await;
        assert_eq!(penalties(&node, &peer), 0);
    }

    #[tokio::test]
    async fn malformed_and_oversized_messages_end_the_stream_and_count_against_the_peer() {
        let node = node(Arc::new(MemoryStore::new(B256::ZERO)));
        for protocol in [
            protocols::PUSHSYNC,
            protocols::RETRIEVAL,
            protocols::HIVE,
            protocols::PULLSYNC,
            protocols::PULLSYNC_CURSORS,
            protocols::PRICING,
            protocols::PSEUDOSETTLE,
        ] {
            let (peer, _) = connected_peer(&node);
            // Field 1 announces 255 bytes and the message ends: not protobuf.
            let (task, mut bee, _) = open(&node, peer, protocol).await;
            write_frame(&mut bee, &[0x0a, 0xff, 0x01]).await;
            finished(task).await;
            assert_eq!(penalties(&node, &peer), 1, "{protocol} garbage");
            // The handler ended: our end reads the end of the stream, nothing else.
            let mut rest = Vec::new();
            bee.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty(), "{protocol}: {rest:?}");
            // A frame announcing 10× the largest message: refused before it is read.
            let (task, mut bee, _) = open(&node, peer, protocol).await;
            let mut header = Vec::new();
            varint(10 * crate::wire::MAX_MESSAGE_SIZE as u64, &mut header);
            bee.write_all(&header).await.unwrap();
            finished(task).await;
            assert_eq!(penalties(&node, &peer), 2, "{protocol} oversized");
        }
        // A retrieval request for a 3-byte address.
        let (peer, _) = connected_peer(&node);
        let (task, mut bee, _) = open(&node, peer, protocols::RETRIEVAL).await;
        let mut short = Vec::new();
        bytes_field(1, &[1, 2, 3], &mut short);
        write_frame(&mut bee, &short).await;
        finished(task).await;
        assert_eq!(penalties(&node, &peer), 1);
    }

    #[tokio::test]
    async fn ten_misbehaviours_ban_the_peer_and_an_unknown_peer_is_not_served() {
        let node = node(Arc::new(MemoryStore::new(B256::ZERO)));
        let (peer, overlay) = connected_peer(&node);
        for _ in 0..node.config.max_penalties {
            let (task, mut bee, _) = open(&node, peer, protocols::HIVE).await;
            write_frame(&mut bee, &[0xff]).await;
            finished(task).await;
        }
        assert!(node.peers.is_banned(&peer));
        let listed = node.peers.blocklisted();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].peer_id, peer);
        assert_eq!(listed[0].overlay, Some(overlay));
        assert!(listed[0].full_node);
        assert_eq!(listed[0].reason, "misbehaviour");
        assert!(listed[0].remaining <= node.config.ban_duration);
        assert!(listed[0].remaining > node.config.ban_duration / 2);
        // A peer with no connection and no handshake gets no headers answer at all.
        let stranger = libp2p::identity::Keypair::generate_ed25519()
            .public()
            .to_peer_id();
        let (mut ours, theirs) = tokio::io::duplex(1024);
        let served = Arc::clone(&node);
        let task = tokio::spawn(async move {
            serve(
                &served,
                stranger,
                protocols::PUSHSYNC,
                Box::new(theirs.compat()),
            )
            .await
        });
        finished(task).await;
        let mut rest = Vec::new();
        ours.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        assert_eq!(penalties(&node, &stranger), 0);
    }

    #[tokio::test]
    async fn hive_learns_good_entries_skips_bad_ones_and_refuses_too_many() {
        let node = node(Arc::new(MemoryStore::new(B256::ZERO)));
        let (peer, _) = connected_peer(&node);
        let good = crate::bzz::BzzAddress::sign(
            &comb_primitives::Signer::random(),
            vec!["/ip4/127.0.0.1/tcp/1800".parse().unwrap()],
            1,
            B256::ZERO,
            crate::bzz::unix_now(),
            None,
        )
        .unwrap();
        let mut forged = good.to_pb();
        forged.overlay = vec![0x42; 32];
        let entry = |address: &crate::wire::pb::BzzAddress| {
            let mut out = Vec::new();
            prost::Message::encode(address, &mut out).unwrap();
            out
        };
        // Peers{repeated BzzAddress Peers = 1}.
        let mut message = Vec::new();
        bytes_field(1, &entry(&forged), &mut message);
        bytes_field(1, &entry(&good.to_pb()), &mut message);
        let (task, mut bee, _) = open(&node, peer, protocols::HIVE).await;
        write_frame(&mut bee, &message).await;
        crate::test_support::bee_full_close(&mut bee).await;
        finished(task).await;
        assert!(node.peers.state().known.contains_key(&good.overlay));
        assert!(!node
            .peers
            .state()
            .known
            .contains_key(&B256::repeat_byte(0x42)));
        assert_eq!(
            penalties(&node, &peer),
            0,
            "a relayed bad entry is no fault"
        );
        // 31 entries: more than Bee ever sends in one message.
        let mut message = Vec::new();
        for _ in 0..=hive::MAX_BATCH {
            bytes_field(1, &entry(&good.to_pb()), &mut message);
        }
        let (task, mut bee, _) = open(&node, peer, protocols::HIVE).await;
        write_frame(&mut bee, &message).await;
        finished(task).await;
        assert_eq!(penalties(&node, &peer), 1);
    }

    #[tokio::test]
    async fn hive_1_1_learns_addresses_signed_as_bee_2_7_signs_them() {
        let node = node(Arc::new(MemoryStore::new(B256::ZERO)));
        let (peer, _) = connected_peer(&node);
        let network_id = node.config.network_id;
        // A Bee 2.7 peer's record by hand: BzzAddress{Underlay = 1, Signature = 2, Overlay =
        // 3, Nonce = 4}, signed over "bee-handshake-" ‖ underlay ‖ overlay ‖ networkID (8 BE).
        let signer = comb_primitives::Signer::random();
        let nonce = B256::repeat_byte(7);
        let overlay =
            comb_primitives::overlay::overlay_address(&signer.address(), network_id, &nonce);
        let underlay: libp2p::Multiaddr = "/ip4/127.0.0.1/tcp/1801".parse().unwrap();
        let underlay = underlay.to_vec();
        let mut signed = b"bee-handshake-".to_vec();
        signed.extend_from_slice(&underlay);
        signed.extend_from_slice(overlay.as_slice());
        signed.extend_from_slice(&network_id.to_be_bytes());
        let signature = signer
            .sign_prehash(&crate::test_support::eip191(&signed))
            .unwrap();
        let mut entry = Vec::new();
        bytes_field(1, &underlay, &mut entry);
        bytes_field(2, signature.as_bytes(), &mut entry);
        bytes_field(3, overlay.as_slice(), &mut entry);
        bytes_field(4, nonce.as_slice(), &mut entry);
        let mut message = Vec::new();
        bytes_field(1, &entry, &mut message);
        // On hive 2.0.0 the record does not verify (no timestamp, other signed data): skipped.
        let (task, mut bee, _) = open(&node, peer, protocols::HIVE).await;
        write_frame(&mut bee, &message).await;
        crate::test_support::bee_full_close(&mut bee).await;
        finished(task).await;
        assert!(!node.peers.state().known.contains_key(&overlay));
        // On hive 1.1.0 it is learned, as a handshake 14 record.
        let (task, mut bee, _) = open(&node, peer, protocols::HIVE_V1).await;
        write_frame(&mut bee, &message).await;
        crate::test_support::bee_full_close(&mut bee).await;
        finished(task).await;
        let known = node.peers.state().known.get(&overlay).cloned();
        let known = known.expect("learned");
        assert_eq!(known.scheme, crate::bzz::Scheme::V14);
        assert_eq!(known.ethereum, signer.address());
        assert_eq!(penalties(&node, &peer), 0);
    }

    #[tokio::test]
    async fn a_pricing_announcement_is_taken_and_the_stream_full_closed() {
        let node = node(Arc::new(MemoryStore::new(B256::ZERO)));
        let (peer, _) = connected_peer(&node);
        let (task, mut bee, _) = open(&node, peer, protocols::PRICING).await;
        // AnnouncePaymentThreshold{PaymentThreshold = 1}: 13 500 000 as big-endian bytes.
        let mut message = Vec::new();
        bytes_field(1, &[0xcd, 0xfe, 0x60], &mut message);
        write_frame(&mut bee, &message).await;
        crate::test_support::bee_full_close(&mut bee).await;
        finished(task).await;
        assert_eq!(penalties(&node, &peer), 0);
    }

    #[test]
    fn inbound_streams_are_bounded_per_protocol_per_peer_and_in_all() {
        let load = Arc::new(InboundLoad::default());
        let peers: Vec<PeerId> = (0..3)
            .map(|_| {
                libp2p::identity::Keypair::generate_ed25519()
                    .public()
                    .to_peer_id()
            })
            .collect();
        // A protocol bound of 2 across peers.
        let first = InboundLoad::admit(&load, peers[0], protocols::PINGPONG, 2).unwrap();
        let _second = InboundLoad::admit(&load, peers[1], protocols::PINGPONG, 2).unwrap();
        assert!(InboundLoad::admit(&load, peers[2], protocols::PINGPONG, 2).is_none());
        // Another protocol is not affected.
        assert!(InboundLoad::admit(&load, peers[2], protocols::HIVE, 2).is_some());
        drop(first);
        assert!(InboundLoad::admit(&load, peers[2], protocols::PINGPONG, 2).is_some());
        // One peer: at most MAX_INBOUND_PER_PEER over all protocols.
        let held: Vec<Admitted> = (0..MAX_INBOUND_PER_PEER)
            .map(|_| InboundLoad::admit(&load, peers[0], protocols::PUSHSYNC, usize::MAX).unwrap())
            .collect();
        assert!(InboundLoad::admit(&load, peers[0], protocols::RETRIEVAL, usize::MAX).is_none());
        assert!(InboundLoad::admit(&load, peers[1], protocols::RETRIEVAL, usize::MAX).is_some());
        drop(held);
        assert!(InboundLoad::admit(&load, peers[0], protocols::RETRIEVAL, usize::MAX).is_some());
    }

    #[test]
    fn every_protocol_comb_serves_has_one_route() {
        for protocol in protocols::ALL.iter().copied() {
            if Scheme::of_handshake(protocol).is_some() {
                assert!(route(protocol).is_none());
                continue;
            }
            assert_eq!(
                ROUTES.iter().filter(|r| r.protocol == protocol).count(),
                1,
                "{protocol}"
            );
        }
    }
}
