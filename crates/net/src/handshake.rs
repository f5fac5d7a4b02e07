//! The bzz handshake (`/swarm/handshake/15.0.0/handshake`, no headers exchange): the
//! dialler sends `Syn{ObservedUnderlay}`, the listener answers `SynAck{Syn, Ack}`, the
//! dialler finishes with `Ack`. Each `Ack` carries a signed [`BzzAddress`], the network id,
//! the full-node flag and the nonce. Each side checks the network id, the signature and that
//! the overlay derives from the recovered Ethereum address, the network id and the nonce;
//! any failure closes the connection.

use std::sync::Arc;

use libp2p::swarm::Stream;
use libp2p::{Multiaddr, PeerId};

use crate::bzz::{peer_id_of, with_peer_id, BzzAddress};
use crate::network::PeerInfo;
use crate::node::Node;
use crate::protocols::HANDSHAKE;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Longest welcome message accepted and sent (Bee `MaxWelcomeMessageLength`).
pub const MAX_WELCOME_MESSAGE: usize = 140;

/// What the handshake established about a peer.
struct Handshaked {
    address: BzzAddress,
    full_node: bool,
}

/// Runs the dialler's side on a new connection to `peer` at `remote`.
pub(crate) async fn initiate(
    node: &Arc<Node>,
    peer: PeerId,
    remote: Multiaddr,
) -> Result<PeerInfo, NetError> {
    let run = async {
        let mut stream = node.open_raw(peer, HANDSHAKE).await?;
        stream
            .send(&pb::Syn {
                observed_underlay: with_peer_id(&remote, peer).to_vec(),
            })
            .await?;
        let syn_ack: pb::SynAck = stream.recv().await?;
        let ack = syn_ack
            .ack
            .ok_or_else(|| NetError::Malformed("synack without ack".into()))?;
        let theirs = check_ack(node, peer, &ack)?;
        stream.send(&own_ack(node)).await?;
        let _ = stream.close().await;
        Ok::<_, NetError>(theirs)
    };
    let handshaked = tokio::time::timeout(node.config.handshake_timeout, run)
        .await
        .map_err(|_| NetError::Timeout("handshake"))??;
    finish(node, peer, handshaked)
}

/// Runs the listener's side on an inbound handshake stream.
pub(crate) async fn respond(
    node: &Arc<Node>,
    peer: PeerId,
    stream: Stream,
) -> Result<PeerInfo, NetError> {
    let remote = node.state().remote_addrs.get(&peer).cloned();
    let run = async {
        let mut stream = MessageStream::new(stream, node.config.message_timeout);
        let _syn: pb::Syn = stream.recv().await?;
        let observed = remote
            .map(|address| with_peer_id(&address, peer).to_vec())
            .unwrap_or_default();
        stream
            .send(&pb::SynAck {
                syn: Some(pb::Syn {
                    observed_underlay: observed,
                }),
                ack: Some(own_ack(node)),
            })
            .await?;
        let ack: pb::Ack = stream.recv().await?;
        check_ack(node, peer, &ack)
    };
    let handshaked = tokio::time::timeout(node.config.handshake_timeout, run)
        .await
        .map_err(|_| NetError::Timeout("handshake"))??;
    finish(node, peer, handshaked)
}

fn own_ack(node: &Node) -> pb::Ack {
    let mut welcome = node.config.welcome_message.clone();
    if welcome.len() > MAX_WELCOME_MESSAGE {
        let mut end = MAX_WELCOME_MESSAGE;
        while !welcome.is_char_boundary(end) {
            end = end.saturating_sub(1);
        }
        welcome.truncate(end);
    }
    pb::Ack {
        address: Some(node.local_address.to_pb()),
        network_id: node.config.network_id,
        full_node: node.config.full_node,
        nonce: node.local_address.nonce.to_vec(),
        welcome_message: welcome,
    }
}

fn check_ack(node: &Node, peer: PeerId, ack: &pb::Ack) -> Result<Handshaked, NetError> {
    if ack.network_id != node.config.network_id {
        return Err(NetError::NetworkIdMismatch {
            ours: node.config.network_id,
            theirs: ack.network_id,
        });
    }
    let message = ack
        .address
        .as_ref()
        .ok_or_else(|| NetError::Malformed("ack without address".into()))?;
    let address = BzzAddress::verify(message, node.config.network_id, Some(&ack.nonce))?;
    // An underlay naming a peer id must name the one we are talking to.
    if address
        .underlays
        .iter()
        .filter_map(peer_id_of)
        .any(|named| named != peer)
    {
        return Err(NetError::InvalidBzzAddress(
            "underlay names another peer id".into(),
        ));
    }
    if ack.welcome_message.len() > MAX_WELCOME_MESSAGE {
        return Err(NetError::Malformed("welcome message too long".into()));
    }
    Ok(Handshaked {
        address,
        full_node: ack.full_node,
    })
}

fn finish(node: &Arc<Node>, peer: PeerId, handshaked: Handshaked) -> Result<PeerInfo, NetError> {
    let overlay = handshaked.address.overlay;
    let known = node.state().peers.contains_key(&overlay);
    if !known && overlay != node.overlay && !node.is_banned(&peer) {
        node.accounting
            .connected(overlay, handshaked.full_node)
            .map_err(|reason| NetError::Handshake(format!("refused: {reason}")))?;
    }
    let (info, new) = node.register_peer(peer, handshaked.address, handshaked.full_node)?;
    if new {
        tracing::debug!(overlay = %info.overlay, %peer, "peer connected");
        crate::hive::announce(node, info.overlay);
        crate::settlement::announce_on_connect(node, info.overlay);
        node.pull_trigger.notify_one();
    }
    Ok(info)
}
