//! A libp2p behaviour that hands out raw streams: every inbound stream of a supported
//! protocol goes into one unbounded channel (so a burst of streams is never dropped), and
//! outbound streams are opened on request on an existing connection to the peer.
//!
//! The protocols on top (handshake, hive, pushsync, retrieval, pullsync) are multi-message
//! exchanges, so they work on the stream directly rather than through request-response.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use libp2p::core::transport::PortUse;
use libp2p::core::upgrade::{InboundUpgrade, OutboundUpgrade, UpgradeInfo};
use libp2p::core::Endpoint;
use libp2p::swarm::handler::{
    ConnectionEvent, DialUpgradeError, FullyNegotiatedInbound, FullyNegotiatedOutbound,
};
use libp2p::swarm::{
    ConnectionDenied, ConnectionHandler, ConnectionHandlerEvent, ConnectionId, FromSwarm,
    NetworkBehaviour, NotifyHandler, Stream, StreamUpgradeError, SubstreamProtocol, THandler,
    THandlerInEvent, THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use tokio::sync::{mpsc, oneshot};

/// A stream a peer opened to us.
#[derive(Debug)]
pub struct InboundStream {
    /// The remote peer.
    pub peer: PeerId,
    /// The negotiated protocol.
    pub protocol: StreamProtocol,
    /// The stream.
    pub stream: Stream,
}

/// The answer to an outbound stream request: the stream and the protocol the peer chose.
pub type OpenReply = oneshot::Sender<Result<(Stream, StreamProtocol), String>>;

/// Asks a connection to open a stream on the first of `protocols` the peer speaks.
#[derive(Debug)]
pub struct OpenRequest {
    protocols: Vec<StreamProtocol>,
    reply: OpenReply,
}

/// The protocols offered or requested on one stream.
#[derive(Debug, Clone)]
pub struct Upgrade {
    protocols: Vec<StreamProtocol>,
}

impl UpgradeInfo for Upgrade {
    type Info = StreamProtocol;
    type InfoIter = std::vec::IntoIter<StreamProtocol>;

    fn protocol_info(&self) -> Self::InfoIter {
        self.protocols.clone().into_iter()
    }
}

impl InboundUpgrade<Stream> for Upgrade {
    type Output = (Stream, StreamProtocol);
    type Error = Infallible;
    type Future = Ready<Result<Self::Output, Self::Error>>;

    fn upgrade_inbound(self, stream: Stream, protocol: StreamProtocol) -> Self::Future {
        ready(Ok((stream, protocol)))
    }
}

impl OutboundUpgrade<Stream> for Upgrade {
    type Output = (Stream, StreamProtocol);
    type Error = Infallible;
    type Future = Ready<Result<Self::Output, Self::Error>>;

    fn upgrade_outbound(self, stream: Stream, protocol: StreamProtocol) -> Self::Future {
        ready(Ok((stream, protocol)))
    }
}

/// The per-connection half.
pub struct Handler {
    peer: PeerId,
    protocols: Arc<Vec<StreamProtocol>>,
    inbound: mpsc::UnboundedSender<InboundStream>,
    pending: VecDeque<OpenRequest>,
    waker: Option<Waker>,
}

impl ConnectionHandler for Handler {
    type FromBehaviour = OpenRequest;
    type ToBehaviour = Infallible;
    type InboundProtocol = Upgrade;
    type OutboundProtocol = Upgrade;
    type InboundOpenInfo = ();
    type OutboundOpenInfo = OpenReply;

    fn listen_protocol(&self) -> SubstreamProtocol<Self::InboundProtocol, Self::InboundOpenInfo> {
        SubstreamProtocol::new(
            Upgrade {
                protocols: self.protocols.as_ref().clone(),
            },
            (),
        )
    }

    fn connection_keep_alive(&self) -> bool {
        // Swarm peers stay connected: the topology is the set of open connections.
        true
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ConnectionHandlerEvent<Self::OutboundProtocol, Self::OutboundOpenInfo, Infallible>>
    {
        match self.pending.pop_front() {
            Some(request) => Poll::Ready(ConnectionHandlerEvent::OutboundSubstreamRequest {
                protocol: SubstreamProtocol::new(
                    Upgrade {
                        protocols: request.protocols,
                    },
                    request.reply,
                ),
            }),
            None => {
                self.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn on_behaviour_event(&mut self, request: OpenRequest) {
        self.pending.push_back(request);
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    fn on_connection_event(
        &mut self,
        event: ConnectionEvent<
            Self::InboundProtocol,
            Self::OutboundProtocol,
            Self::InboundOpenInfo,
            Self::OutboundOpenInfo,
        >,
    ) {
        match event {
            ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound {
                protocol: (stream, protocol),
                ..
            }) => {
                // The receiver is gone only when the network shuts down.
                let _ = self.inbound.send(InboundStream {
                    peer: self.peer,
                    protocol,
                    stream,
                });
            }
            ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound {
                protocol: (stream, protocol),
                info,
            }) => {
                let _ = info.send(Ok((stream, protocol)));
            }
            ConnectionEvent::DialUpgradeError(DialUpgradeError { info, error }) => {
                let reason = match error {
                    StreamUpgradeError::Timeout => "stream negotiation timed out".to_string(),
                    StreamUpgradeError::NegotiationFailed => {
                        "peer does not support the protocol".to_string()
                    }
                    StreamUpgradeError::Io(e) => e.to_string(),
                    StreamUpgradeError::Apply(never) => match never {},
                };
                let _ = info.send(Err(reason));
            }
            _ => {}
        }
    }
}

/// The swarm-wide half: knows the connections per peer and routes open requests to one.
pub struct StreamBehaviour {
    protocols: Arc<Vec<StreamProtocol>>,
    inbound: mpsc::UnboundedSender<InboundStream>,
    connections: HashMap<PeerId, Vec<ConnectionId>>,
    pending: VecDeque<ToSwarm<Infallible, OpenRequest>>,
    waker: Option<Waker>,
}

impl StreamBehaviour {
    /// A behaviour answering `protocols`, delivering inbound streams to `inbound`.
    pub fn new(
        protocols: Vec<StreamProtocol>,
        inbound: mpsc::UnboundedSender<InboundStream>,
    ) -> Self {
        Self {
            protocols: Arc::new(protocols),
            inbound,
            connections: HashMap::new(),
            pending: VecDeque::new(),
            waker: None,
        }
    }

    /// Opens a stream to `peer` on its most recent connection, on the first of `protocols`
    /// (in order of preference) the peer speaks; the answer goes to `reply`.
    pub fn open(&mut self, peer: PeerId, protocols: Vec<StreamProtocol>, reply: OpenReply) {
        match self.connections.get(&peer).and_then(|ids| ids.last()) {
            Some(connection) => {
                self.pending.push_back(ToSwarm::NotifyHandler {
                    peer_id: peer,
                    handler: NotifyHandler::One(*connection),
                    event: OpenRequest { protocols, reply },
                });
                if let Some(waker) = self.waker.take() {
                    waker.wake();
                }
            }
            None => {
                let _ = reply.send(Err("not connected".to_string()));
            }
        }
    }

    fn handler(&self, peer: PeerId) -> Handler {
        Handler {
            peer,
            protocols: Arc::clone(&self.protocols),
            inbound: self.inbound.clone(),
            pending: VecDeque::new(),
            waker: None,
        }
    }
}

impl NetworkBehaviour for StreamBehaviour {
    type ConnectionHandler = Handler;
    type ToSwarm = Infallible;

    fn handle_established_inbound_connection(
        &mut self,
        _connection: ConnectionId,
        peer: PeerId,
        _local: &Multiaddr,
        _remote: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(self.handler(peer))
    }

    fn handle_established_outbound_connection(
        &mut self,
        _connection: ConnectionId,
        peer: PeerId,
        _address: &Multiaddr,
        _role: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(self.handler(peer))
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionEstablished(established) => {
                self.connections
                    .entry(established.peer_id)
                    .or_default()
                    .push(established.connection_id);
            }
            FromSwarm::ConnectionClosed(closed) => {
                if let Some(ids) = self.connections.get_mut(&closed.peer_id) {
                    ids.retain(|id| *id != closed.connection_id);
                    if ids.is_empty() {
                        self.connections.remove(&closed.peer_id);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        _peer: PeerId,
        _connection: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ToSwarm<Infallible, THandlerInEvent<Self>>> {
        match self.pending.pop_front() {
            Some(event) => Poll::Ready(event),
            None => {
                self.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
