//! Hive (`/swarm/hive/2.0.0/peers`, and `/swarm/hive/1.1.0/peers` for Bee up to v2.7): peer
//! exchange. When a peer connects, it is sent the
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
//!
//! A peer that shook hands with 14.0.0 (audit H-2) speaks hive 1.1.0: it is sent, over that
//! protocol, the addresses signed as handshake 14 signs ([`Scheme::V14`]), with the nonce in
//! field 4; a 15.0.0 peer gets hive 2.0.0 and the addresses signed for 15. A record is only
//! ever sent to peers that can verify its signature.

use std::sync::Arc;

use comb_primitives::B256;
use futures::io::{AsyncRead, AsyncWrite};

use crate::bzz::{BzzAddress, Scheme};
use crate::peers::{PeerEvent, PeerManager};
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Addresses per `Peers` message.
pub const MAX_BATCH: usize = 30;

/// Follows connection `events` (subscribed before the network starts, so none is missed)
/// until shutdown: every new peer is introduced ([`announce`]).
pub(crate) async fn run(
    peers: Arc<PeerManager>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<PeerEvent>,
) {
    let mut shutdown = peers.shutdown_signal();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(PeerEvent::Connected(info)) => announce(&peers, info.overlay),
                Some(PeerEvent::Disconnected { .. }) => {}
                None => return,
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Tells the new peer about our other peers, and them about it. Runs in the background.
pub(crate) fn announce(peers: &Arc<PeerManager>, new_peer: B256) {
    let (others, new_address) = {
        let state = peers.state();
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
    // The new peer learns our full-node peers whose records it can verify.
    let scheme = new_address.scheme;
    let addresses: Vec<BzzAddress> = others
        .iter()
        .filter(|(_, address, full)| *full && address.scheme == scheme)
        .map(|(_, address, _)| address.clone())
        .collect();
    for batch in addresses.chunks(MAX_BATCH) {
        spawn_send(peers, new_peer, scheme, batch.to_vec());
    }
    // Our peers that can verify its record learn the new one, if it is a full node.
    if new_is_full {
        for (overlay, address, _) in others {
            if address.scheme == scheme {
                spawn_send(peers, overlay, scheme, vec![new_address.clone()]);
            }
        }
    }
}

fn spawn_send(peers: &Arc<PeerManager>, to: B256, scheme: Scheme, addresses: Vec<BzzAddress>) {
    let peers = Arc::clone(peers);
    tokio::spawn(async move {
        let sent = async {
            let mut stream = peers.open(&to, scheme.hive()).await?;
            send(&mut stream, scheme, &addresses).await
        };
        if let Err(error) = sent.await {
            tracing::debug!(peer = %to, %error, "hive broadcast failed");
        }
    });
}

/// The client's side over any stream (headers already exchanged): one batch of addresses.
pub(crate) async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
    scheme: Scheme,
    addresses: &[BzzAddress],
) -> Result<(), NetError> {
    let message = pb::Peers {
        peers: addresses
            .iter()
            .map(|address| match scheme {
                Scheme::V15 => address.to_pb(),
                Scheme::V14 => address.to_pb_hive_v1(),
            })
            .collect(),
    };
    stream.send(&message).await?;
    stream.close().await
}

/// Serves an inbound `Peers` message: every entry that verifies for `network_id` (signed as
/// `scheme` says: hive 2.0.0 or 1.1.0) goes into the address book, and is dialled if
/// `connect` and the dial policy want it ([`PeerManager::wants`]). Returns how many entries
/// were valid.
pub(crate) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    peers: &PeerManager,
    network_id: u64,
    connect: bool,
    scheme: Scheme,
    mut stream: MessageStream<S>,
) -> Result<usize, NetError> {
    let message: pb::Peers = stream.recv().await?;
    if message.peers.len() > MAX_BATCH {
        return Err(NetError::Malformed(format!(
            "{} peers in one hive message",
            message.peers.len()
        )));
    }
    let mut valid = 0;
    for entry in &message.peers {
        let verified = match scheme {
            Scheme::V15 => BzzAddress::verify(entry, network_id, None),
            Scheme::V14 => BzzAddress::verify_v14(entry, network_id, &entry.nonce),
        };
        match verified {
            Ok(address) => {
                valid += 1;
                let overlay = address.overlay;
                peers.learn(address);
                if connect {
                    peers.dial_if_wanted(&overlay);
                }
            }
            // The sender may only relay it: skipped, as Bee skips it.
            Err(error) => tracing::debug!(%error, "hive entry skipped"),
        }
    }
    let _ = stream.full_close().await;
    Ok(valid)
}
