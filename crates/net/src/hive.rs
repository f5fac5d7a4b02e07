//! Hive (`/swarm/hive/2.0.0/peers`): peer exchange. When a peer connects, it is sent the
//! signed addresses of our other connected peers, and they are sent its address, in batches
//! of at most 30 (Bee's `maxBatchSize`), one `Peers` message per stream. Received addresses
//! are verified like a handshake's (signature, overlay derivation, network id); valid ones go
//! into the address book, and the node dials those its connection policy wants: a peer in
//! its neighbourhood, or one in a bin holding fewer than `max_bin_peers`.
//!
//! As Bee: only full nodes are gossiped (Bee's kademlia knows no others; a light node
//! gossiped to a Bee is dialled and refused, audit V-4), and an entry that does not verify
//! is skipped without failing the message or blaming the sender, who may only relay it
//! (V-3). Unlike Bee, peers with private or loopback underlays are gossiped too (a devnet
//! runs on loopback); Bee filters those itself. The handler ends the stream with Bee's full
//! close (L-19).

use std::sync::Arc;

use comb_primitives::B256;
use libp2p::swarm::Stream;

use crate::bzz::BzzAddress;
use crate::node::{Command, Node};
use crate::protocols::HIVE;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Addresses per `Peers` message.
pub const MAX_BATCH: usize = 30;

/// Tells the new peer about our other peers, and them about it. Runs in the background.
pub(crate) fn announce(node: &Arc<Node>, new_peer: B256) {
    let (others, new_address) = {
        let state = node.state();
        let others: Vec<(B256, BzzAddress, bool)> = state
            .peers
            .iter()
            .filter(|(overlay, _)| **overlay != new_peer)
            .map(|(overlay, peer)| (*overlay, peer.address.clone(), peer.full_node))
            .collect();
        (
            others,
            state
                .peers
                .get(&new_peer)
                .map(|p| (p.address.clone(), p.full_node)),
        )
    };
    let Some((new_address, new_is_full)) = new_address else {
        return;
    };
    // The new peer learns our full-node peers.
    let addresses: Vec<BzzAddress> = others
        .iter()
        .filter(|(_, _, full)| *full)
        .map(|(_, address, _)| address.clone())
        .collect();
    for batch in addresses.chunks(MAX_BATCH) {
        spawn_send(node, new_peer, batch.to_vec());
    }
    // Our peers learn the new one, if it is a full node.
    if new_is_full {
        for (overlay, _, _) in others {
            spawn_send(node, overlay, vec![new_address.clone()]);
        }
    }
}

fn spawn_send(node: &Arc<Node>, to: B256, addresses: Vec<BzzAddress>) {
    let node = Arc::clone(node);
    tokio::spawn(async move {
        if let Err(error) = send_peers(&node, &to, &addresses).await {
            tracing::debug!(peer = %to, %error, "hive broadcast failed");
        }
    });
}

/// Sends one batch of addresses to a connected peer.
pub(crate) async fn send_peers(
    node: &Node,
    to: &B256,
    addresses: &[BzzAddress],
) -> Result<(), NetError> {
    let mut stream = node.open(to, HIVE).await?;
    let message = pb::Peers {
        peers: addresses.iter().map(BzzAddress::to_pb).collect(),
    };
    stream.send(&message).await?;
    stream.close().await
}

/// Handles an inbound `Peers` message.
pub(crate) async fn handle(
    node: &Arc<Node>,
    _from: B256,
    mut stream: MessageStream<Stream>,
) -> Result<(), NetError> {
    let message: pb::Peers = stream.recv().await?;
    if message.peers.len() > MAX_BATCH {
        return Err(NetError::Malformed(format!(
            "{} peers in one hive message",
            message.peers.len()
        )));
    }
    for entry in &message.peers {
        match BzzAddress::verify(entry, node.config.network_id, None) {
            Ok(address) => learn(node, address),
            // The sender may only relay it: skipped, as Bee skips it.
            Err(error) => tracing::debug!(%error, "hive entry skipped"),
        }
    }
    let _ = stream.full_close().await;
    Ok(())
}

/// Adds a verified address to the address book and dials it if the policy wants it.
fn learn(node: &Arc<Node>, address: BzzAddress) {
    let overlay = address.overlay;
    if overlay == node.overlay {
        return;
    }
    let dial = {
        let mut state = node.state();
        let newer = state
            .known
            .get(&overlay)
            .is_none_or(|known| known.timestamp <= address.timestamp);
        if newer {
            state.known.insert(overlay, address.clone());
        }
        let bin = usize::from(state.topology.bin_of(&overlay));
        let wanted = node.config.hive_connect
            && !state.peers.contains_key(&overlay)
            && !state.dialing.contains(&overlay)
            && (state.topology.bin_of(&overlay) >= state.topology.depth()
                || state.topology.bin_sizes().get(bin).copied().unwrap_or(0)
                    < node.config.max_bin_peers);
        let banned = address
            .peer_id()
            .is_some_and(|peer| state.banned.contains_key(&peer));
        if wanted && !banned {
            state.dialing.insert(overlay);
        }
        wanted && !banned
    };
    if dial {
        let command = Command::Dial {
            addresses: address.underlays.clone(),
            peer: address.peer_id(),
            overlay: Some(overlay),
            reply: None,
        };
        if node.command(command).is_err() {
            node.state().dialing.remove(&overlay);
        }
    }
}
