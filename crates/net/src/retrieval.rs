//! Retrieval (`/swarm/retrieval/1.4.0/retrieval`): `Request{Addr}` answered by
//! `Delivery{Data, Stamp, Err}`.
//!
//! * **Origin** ([`Network::retrieve`](crate::Network::retrieve)): asks the connected peer closest to the address (any peer),
//!   then the next closest, up to `max_attempts`, each within `request_timeout`. It accepts
//!   only a valid chunk at the requested address (the BMT hash for a CAC, or a valid SOC)
//!   with a stamp that parses. It does not look in its own store: the node does that first.
//! * **Handler** (the retrieval stream handler): serves from the local store; otherwise forwards to peers
//!   strictly closer to the address than itself (never back to the requester), within
//!   three quarters of `request_timeout` so that it answers before the requester gives up.
//!   A forwarded chunk is validated and offered to the store's cache.

use std::sync::Arc;

use comb_postage::Stamp;
use comb_primitives::{Chunk, B256};
use libp2p::swarm::Stream;

use crate::accounting::{Exchange, Reserved, Service};
use crate::forward::{try_peers, Route};
use crate::node::Node;
use crate::protocols::RETRIEVAL;
use crate::validation;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Retrieves the chunk at `address` from the network.
pub(crate) async fn retrieve(node: &Arc<Node>, address: B256) -> Result<(Chunk, Stamp), NetError> {
    let found = try_peers(
        node,
        Service::Retrieval,
        Route::Origin,
        address,
        Vec::new(),
        "retrieve",
        |peer| async move { fetch(node, &peer, &address).await },
    )
    .await;
    let last = match found {
        Ok(found) => return Ok(found),
        Err(error) => error,
    };
    Err(match last {
        NetError::Remote(_) => NetError::NotFound,
        other => other,
    })
}

/// Handles an inbound request.
pub(crate) async fn handle(
    node: &Arc<Node>,
    from: B256,
    mut stream: MessageStream<Stream>,
) -> Result<(), NetError> {
    let request: pb::Request = stream.recv().await?;
    let address = validation::address(&request.addr)?;
    let found = match node.store.get(&address) {
        Some(found) => Ok(found),
        None => forward(node, from, address).await,
    };
    let (chunk, stamp) = match found {
        Ok(found) => found,
        Err(error) => {
            let _ = stream.send(&error_delivery(&error)).await;
            return Ok(());
        }
    };
    // Prepared just before the delivery is written, applied once it was (spec `swap.md`
    // §1.4); a failed write leaves a ghost balance through `cleanup`.
    let exchange = Exchange::debit(Service::Retrieval, from, address, &node.overlay);
    let mut reservation = match Reserved::prepare(&node.accounting, &exchange) {
        Ok(reservation) => reservation,
        Err(reason) => {
            let _ = stream
                .send(&error_delivery(&NetError::Accounting(reason)))
                .await;
            return Ok(());
        }
    };
    let sent = stream
        .send(&pb::RetrievalDelivery {
            data: chunk.data().to_vec(),
            stamp: stamp.to_bytes().to_vec(),
            err: String::new(),
        })
        .await;
    if sent.is_ok() {
        reservation.apply();
        let _ = stream.close().await;
    }
    drop(reservation);
    sent
}

async fn forward(node: &Arc<Node>, from: B256, address: B256) -> Result<(Chunk, Stamp), NetError> {
    let (chunk, stamp) = try_peers(
        node,
        Service::Retrieval,
        Route::Forward,
        address,
        vec![from],
        "forward retrieval",
        |peer| async move { fetch(node, &peer, &address).await },
    )
    .await
    .map_err(|_| NetError::NotFound)?;
    node.store.cache(chunk.clone(), stamp);
    Ok((chunk, stamp))
}

async fn fetch(node: &Node, peer: &B256, address: &B256) -> Result<(Chunk, Stamp), NetError> {
    let mut stream = node.open(peer, RETRIEVAL).await?;
    stream
        .send(&pb::Request {
            addr: address.to_vec(),
        })
        .await?;
    let delivery: pb::RetrievalDelivery = stream.recv().await?;
    let _ = stream.close().await;
    if !delivery.err.is_empty() {
        return Err(NetError::Remote(delivery.err));
    }
    let chunk = validation::chunk(*address, delivery.data)?;
    let stamp = validation::stamp(&delivery.stamp)?;
    Ok((chunk, stamp))
}

fn error_delivery(error: &NetError) -> pb::RetrievalDelivery {
    pb::RetrievalDelivery {
        err: error.to_string(),
        ..pb::RetrievalDelivery::default()
    }
}
