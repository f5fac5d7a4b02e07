//! Pushsync (`/swarm/pushsync/1.3.1/pushsync`): a chunk with its stamp travels hop by hop
//! towards its address; the node that stores it answers with a signed receipt that travels
//! back.
//!
//! * **Origin** ([`Network::push`](crate::Network::push)): sends to the connected peer closest to the chunk (any peer, even
//!   one farther than itself, as Bee's origin never stores first), trying the next closest
//!   on failure, up to `max_attempts`.
//! * **Forwarder / storer** (the pushsync stream handler): validates the chunk (CAC or SOC) and the stamp at
//!   every hop (Bee checks the stamp only when storing; checking at every hop stops invalid
//!   pushes at the first honest node). It stores when the chunk is within its storage depth
//!   (`PO(self, chunk) ≥ depth`); otherwise it forwards to a peer strictly closer to the
//!   chunk than itself, and stores when no such peer takes the chunk. Every hop gains
//!   proximity, so pushes end.
//! * **Receipt**: `Receipt{Address, Signature, Nonce, StorageRadius}`. The signature is the
//!   storer's EIP-191 personal signature over the 32 address bytes (Bee `signer.Sign(addr)`),
//!   made with its overlay key. The origin recovers the signer, derives the storer's overlay
//!   with the nonce and the network id, and requires `PO(storer, chunk) ≥ max(own depth −
//!   shallow_receipt_tolerance, StorageRadius)` (Bee's shallow-receipt check). The storer
//!   reports `StorageRadius = min(its depth, PO(itself, chunk))`: Bee reports its reserve
//!   radius even when it stored only for want of a closer peer, which makes such receipts
//!   shallow in sparse networks; comb's storer vouches for as much proximity as it has.
//! * **Replication**: the storer does not push copies to its neighbours; pullsync spreads
//!   the chunk through the neighbourhood.

use comb_postage::Stamp;
use comb_primitives::crypto::recover_digest;
use comb_primitives::overlay::overlay_address;
use comb_primitives::proximity::proximity;
use comb_primitives::soc::chunk_type;
use comb_primitives::{Address, Chunk, Signature, B256, MAX_PO};
use futures::io::{AsyncRead, AsyncWrite};

use crate::accounting::{Exchange, Reserved, Service};
use crate::forward::{try_peers, ChunkContext, Route};
use crate::protocols::PUSHSYNC;
use crate::validation;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// A verified statement of custody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The stored chunk's address.
    pub address: B256,
    /// The storer's signature over the address (EIP-191 personal sign).
    pub signature: Signature,
    /// The storer's overlay nonce.
    pub nonce: B256,
    /// The storer's overlay, derived from the signature, the network id and the nonce.
    pub storer: B256,
    /// The storer's Ethereum address.
    pub storer_eth: Address,
    /// The storage depth the storer reported.
    pub storage_radius: u8,
}

/// Pushes `chunk` with `stamp` into the network and returns the verified receipt.
pub(crate) async fn push(
    ctx: &ChunkContext<'_>,
    chunk: Chunk,
    stamp: Stamp,
) -> Result<Receipt, NetError> {
    chunk_type(&chunk).map_err(|e| NetError::InvalidChunk(e.to_string()))?;
    let address = *chunk.address();
    try_peers(
        ctx,
        Service::PushSync,
        Route::Origin,
        address,
        Vec::new(),
        "push",
        |peer| {
            let (chunk, stamp) = (&chunk, &stamp);
            async move {
                let receipt = push_to_peer(ctx, &peer, chunk, stamp).await?;
                verify_receipt(ctx, &address, &receipt)
            }
        },
    )
    .await
}

/// Handles an inbound push: store or forward, and answer with a receipt or an error.
pub(crate) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &ChunkContext<'_>,
    from: B256,
    mut stream: MessageStream<S>,
) -> Result<(), NetError> {
    let delivery: pb::PushDelivery = stream.recv().await?;
    let (chunk, stamp) = match check_delivery(ctx, delivery) {
        Ok(checked) => checked,
        Err(error) => {
            let _ = stream.send(&error_receipt(&error)).await;
            return Err(error);
        }
    };
    let address = *chunk.address();
    // Bee prepares the debit before storing or forwarding and applies it once the receipt
    // went back upstream (spec `swap.md` §1.4).
    let exchange = Exchange::debit(Service::PushSync, from, address, &ctx.overlay());
    let mut reservation = match Reserved::prepare(ctx.accounting, &exchange) {
        Ok(reservation) => reservation,
        Err(reason) => {
            let _ = stream
                .send(&error_receipt(&NetError::Accounting(reason)))
                .await;
            return Ok(());
        }
    };
    let result = match forward_or_store(ctx, chunk, stamp).await {
        Ok(receipt) => match stream.send(&receipt).await {
            Ok(()) => {
                reservation.apply();
                let _ = stream.close().await;
                Ok(())
            }
            Err(error) => Err(error),
        },
        Err(error) => {
            tracing::debug!(%address, %error, "push not stored");
            let _ = stream.send(&error_receipt(&error)).await;
            Ok(())
        }
    };
    drop(reservation);
    result
}

fn check_delivery(
    ctx: &ChunkContext<'_>,
    delivery: pb::PushDelivery,
) -> Result<(Chunk, Stamp), NetError> {
    let address = validation::address(&delivery.address)?;
    let chunk = validation::chunk(address, delivery.data)?;
    let stamp = validation::valid_stamp(ctx.validator, &chunk, &delivery.stamp)?;
    Ok((chunk, stamp))
}

async fn forward_or_store(
    ctx: &ChunkContext<'_>,
    chunk: Chunk,
    stamp: Stamp,
) -> Result<pb::Receipt, NetError> {
    let address = *chunk.address();
    let depth = ctx.depth();
    if ctx.config.full_node && proximity(&ctx.overlay().0, &address.0) >= depth {
        return store(ctx, chunk, stamp, depth);
    }
    let forwarded = try_peers(
        ctx,
        Service::PushSync,
        Route::Forward,
        address,
        Vec::new(),
        "forward push",
        |peer| {
            let (chunk, stamp) = (&chunk, &stamp);
            async move { push_to_peer(ctx, &peer, chunk, stamp).await }
        },
    )
    .await;
    if let Ok(receipt) = forwarded {
        return Ok(receipt);
    }
    if ctx.config.full_node {
        store(ctx, chunk, stamp, depth)
    } else {
        Err(NetError::NoPeer)
    }
}

fn store(
    ctx: &ChunkContext<'_>,
    chunk: Chunk,
    stamp: Stamp,
    depth: u8,
) -> Result<pb::Receipt, NetError> {
    let address = *chunk.address();
    // A durable write waits for disk: keep it off the async workers.
    crate::storage::off_runtime(|| ctx.store.put(chunk, stamp)).map_err(NetError::Store)?;
    let signature = ctx
        .signer
        .sign_digest(&address.0)
        .map_err(|e| NetError::Signing(e.to_string()))?;
    Ok(pb::Receipt {
        address: address.to_vec(),
        signature: signature.as_bytes().to_vec(),
        nonce: ctx.nonce.to_vec(),
        err: String::new(),
        // A node that stores because no peer is closer is the chunk's nearest known node, so
        // it vouches for proximity only as far as it reaches.
        storage_radius: u32::from(depth.min(proximity(&ctx.overlay().0, &address.0))),
    })
}

async fn push_to_peer(
    ctx: &ChunkContext<'_>,
    peer: &B256,
    chunk: &Chunk,
    stamp: &Stamp,
) -> Result<pb::Receipt, NetError> {
    let mut stream = ctx.peers.open(peer, PUSHSYNC).await?;
    deliver(&mut stream, chunk, stamp).await
}

/// The client's side over any stream (headers already exchanged): sends the chunk with its
/// stamp and reads the receipt, checked to be for this chunk (its signature is checked by
/// the origin, [`verify_receipt`]).
pub(crate) async fn deliver<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
    chunk: &Chunk,
    stamp: &Stamp,
) -> Result<pb::Receipt, NetError> {
    stream
        .send(&pb::PushDelivery {
            address: chunk.address().to_vec(),
            data: chunk.data().to_vec(),
            stamp: stamp.to_bytes().to_vec(),
        })
        .await?;
    let receipt: pb::Receipt = stream.recv().await?;
    let _ = stream.close().await;
    if !receipt.err.is_empty() {
        return Err(NetError::Remote(receipt.err));
    }
    if receipt.address != chunk.address().as_slice() {
        return Err(NetError::InvalidReceipt("receipt for another chunk".into()));
    }
    Ok(receipt)
}

/// Checks a receipt's signature and the storer's proximity to the chunk.
fn verify_receipt(
    ctx: &ChunkContext<'_>,
    address: &B256,
    receipt: &pb::Receipt,
) -> Result<Receipt, NetError> {
    let bad = |what: String| NetError::InvalidReceipt(what);
    let signature =
        Signature::from_slice(&receipt.signature).map_err(|e| bad(format!("signature: {e}")))?;
    if receipt.nonce.len() != 32 {
        return Err(bad("nonce is not 32 bytes".into()));
    }
    let nonce = B256::from_slice(&receipt.nonce);
    let storer_eth =
        recover_digest(&address.0, &signature).map_err(|e| bad(format!("recover: {e}")))?;
    let storer = overlay_address(&storer_eth, ctx.config.network_id, &nonce);
    let storage_radius =
        u8::try_from(receipt.storage_radius.min(u32::from(MAX_PO))).unwrap_or(MAX_PO);
    let po = proximity(&storer.0, &address.0);
    let required = ctx
        .depth()
        .saturating_sub(ctx.config.shallow_receipt_tolerance)
        .max(storage_radius);
    if po < required {
        return Err(NetError::ShallowReceipt { po, required });
    }
    Ok(Receipt {
        address: *address,
        signature,
        nonce,
        storer,
        storer_eth,
        storage_radius,
    })
}

fn error_receipt(error: &NetError) -> pb::Receipt {
    pb::Receipt {
        err: error.to_string(),
        ..pb::Receipt::default()
    }
}
