//! Retrieval (`/swarm/retrieval/1.4.0/retrieval`): `Request{Addr}` answered by
//! `Delivery{Data, Stamp, Err}`.
//!
//! * **Origin** ([`Network::retrieve`](crate::Network::retrieve)): asks the connected peer closest to the address (any peer),
//!   then the next closest, up to `max_attempts`, each within `request_timeout`. It accepts
//!   only a valid chunk at the requested address (the BMT hash for a CAC, or a valid SOC),
//!   as Bee's client does (`retrieval.go`: only the chunk is checked). The stamp is
//!   optional: Bee's handler never fills `Delivery.Stamp` (audit R-2), so a delivery without
//!   one, or with one that does not parse, is the chunk without a stamp, never a fault of the
//!   peer. It does not look in its own store: the node does that first.
//! * **Handler** (the retrieval stream handler): serves from the local store; otherwise forwards to peers
//!   strictly closer to the address than itself (never back to the requester), within
//!   three quarters of `request_timeout` so that it answers before the requester gives up.
//!   A forwarded chunk is validated and offered to the store's cache when it came with a
//!   stamp (comb's stores keep a stamp with every chunk; one from a Bee peer is passed on
//!   uncached). comb's handler sends the stamp it holds; Bee ignores the field.

use comb_postage::Stamp;
use comb_primitives::{Chunk, B256};
use futures::io::{AsyncRead, AsyncWrite};

use crate::accounting::{Exchange, Reserved, Service};
use crate::forward::{try_peers, ChunkContext, Route};
use crate::protocols::RETRIEVAL;
use crate::validation;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Retrieves the chunk at `address` from the network.
pub(crate) async fn retrieve(
    ctx: &ChunkContext<'_>,
    address: B256,
) -> Result<(Chunk, Option<Stamp>), NetError> {
    let found = try_peers(
        ctx,
        Service::Retrieval,
        Route::Origin,
        address,
        Vec::new(),
        "retrieve",
        |peer| async move { fetch(ctx, &peer, &address).await },
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
pub(crate) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &ChunkContext<'_>,
    from: B256,
    mut stream: MessageStream<S>,
) -> Result<(), NetError> {
    let request: pb::Request = stream.recv().await?;
    let address = validation::address(&request.addr)?;
    let found = match ctx.store.get(&address) {
        Some((chunk, stamp)) => Ok((chunk, Some(stamp))),
        None => forward(ctx, from, address).await,
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
    let exchange = Exchange::debit(Service::Retrieval, from, address, &ctx.overlay());
    let mut reservation = match Reserved::prepare(ctx.accounting, &exchange) {
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
            stamp: stamp.map(|s| s.to_bytes().to_vec()).unwrap_or_default(),
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

async fn forward(
    ctx: &ChunkContext<'_>,
    from: B256,
    address: B256,
) -> Result<(Chunk, Option<Stamp>), NetError> {
    let (chunk, stamp) = try_peers(
        ctx,
        Service::Retrieval,
        Route::Forward,
        address,
        vec![from],
        "forward retrieval",
        |peer| async move { fetch(ctx, &peer, &address).await },
    )
    .await
    .map_err(|_| NetError::NotFound)?;
    if let Some(stamp) = stamp {
        ctx.store.cache(chunk.clone(), stamp);
    }
    Ok((chunk, stamp))
}

async fn fetch(
    ctx: &ChunkContext<'_>,
    peer: &B256,
    address: &B256,
) -> Result<(Chunk, Option<Stamp>), NetError> {
    let mut stream = ctx.peers.open(peer, RETRIEVAL).await?;
    request(&mut stream, address).await
}

/// The client's side over any stream (headers already exchanged): asks for `address` and
/// reads the delivery, checked to be the chunk at `address`.
pub(crate) async fn request<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
    address: &B256,
) -> Result<(Chunk, Option<Stamp>), NetError> {
    stream
        .send(&pb::Request {
            addr: address.to_vec(),
        })
        .await?;
    let delivery: pb::RetrievalDelivery = stream.recv().await?;
    let _ = stream.close().await;
    delivered(address, delivery)
}

/// What a delivery for `address` gives: a remote error, or a valid chunk at `address` with
/// the stamp if one came and parses (Bee never sends one).
fn delivered(
    address: &B256,
    delivery: pb::RetrievalDelivery,
) -> Result<(Chunk, Option<Stamp>), NetError> {
    if !delivery.err.is_empty() {
        return Err(NetError::Remote(delivery.err));
    }
    let stamp = Stamp::from_bytes(&delivery.stamp).ok();
    let chunk = validation::chunk(*address, delivery.data)?;
    Ok((chunk, stamp))
}

fn error_delivery(error: &NetError) -> pb::RetrievalDelivery {
    pb::RetrievalDelivery {
        err: error.to_string(),
        ..pb::RetrievalDelivery::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// Bee's `retrieval.proto`: `Delivery{bytes Data = 1; bytes Stamp = 2; string Err = 3}`.
    /// Bee's handler sets only `Data` (audit R-2); encoded here by hand: tag 0x0a
    /// (field 1, length-delimited), the length as a varint, the bytes.
    fn bee_delivery(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x0a];
        let mut len = data.len();
        while len >= 0x80 {
            out.push((len as u8 & 0x7f) | 0x80);
            len >>= 7;
        }
        out.push(len as u8);
        out.extend_from_slice(data);
        out
    }

    fn cac(payload: &[u8]) -> (B256, Vec<u8>) {
        let chunk = Chunk::content(payload).unwrap();
        (*chunk.address(), chunk.into_data())
    }

    #[test]
    fn a_bee_delivery_without_a_stamp_is_the_chunk() {
        let (address, data) = cac(&[7u8; 3000]);
        let wire = bee_delivery(&data);
        let delivery = pb::RetrievalDelivery::decode(wire.as_slice()).unwrap();
        let (chunk, stamp) = delivered(&address, delivery).unwrap();
        assert_eq!(chunk.data(), data.as_slice());
        assert_eq!(stamp, None);
    }

    #[test]
    fn a_bee_error_delivery_is_a_remote_error_and_a_wrong_chunk_is_invalid() {
        // `Err = 3`: tag 0x1a.
        let mut wire = vec![0x1a, 9];
        wire.extend_from_slice(b"not found");
        let delivery = pb::RetrievalDelivery::decode(wire.as_slice()).unwrap();
        let (address, _) = cac(b"x");
        assert!(matches!(
            delivered(&address, delivery),
            Err(NetError::Remote(message)) if message == "not found"
        ));
        // Data that does not hash to the address asked for.
        let (_, other) = cac(b"y");
        let delivery = pb::RetrievalDelivery::decode(bee_delivery(&other).as_slice()).unwrap();
        assert!(matches!(
            delivered(&address, delivery),
            Err(NetError::InvalidChunk(_))
        ));
    }

    #[test]
    fn comb_sends_data_as_field_1_and_its_stamp_as_field_2() {
        let (_, data) = cac(b"abc");
        let message = pb::RetrievalDelivery {
            data: data.clone(),
            stamp: vec![0x55; 113],
            err: String::new(),
        };
        let wire = message.encode_to_vec();
        let mut expected = bee_delivery(&data);
        expected.extend_from_slice(&[0x12, 113]);
        expected.extend_from_slice(&[0x55; 113]);
        assert_eq!(wire, expected);
    }
}
