//! The settlement protocols (spec `swap.md` §1.6, §1.7, §3.3–§3.4), on the wire only: the
//! node's [`Accounting`](crate::Accounting) implementation decides every amount.
//!
//! | protocol id | messages |
//! |---|---|
//! | `/swarm/pricing/1.0.0/pricing` | `AnnouncePaymentThreshold{PaymentThreshold=1}` (one-way) |
//! | `/swarm/pseudosettle/1.0.0/pseudosettle` | `Payment{Amount=1}` → `PaymentAck{Amount=1, Timestamp=2}` |
//! | `/swarm/swap/1.0.0/swap` | handler's headers `exchange`, `deduction` → `EmitCheque{Cheque=1}` (one-way) |
//!
//! Amounts are big-endian without leading zeros (Go's `big.Int.Bytes()`; zero is empty).
//! A receiver that refuses a payment or cheque resets the stream: the payer sees the error.

use std::sync::Arc;

use comb_primitives::{B256, U256};
use futures::io::{AsyncRead, AsyncWrite};
use libp2p::swarm::Stream;

use crate::accounting::{Accounting, ChequeRates};
use crate::peers::{Command, PeerEvent, PeerManager};
use crate::protocols::{PRICING, PSEUDOSETTLE, SWAP};
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Header carrying the receiver's exchange rate on the swap stream (spec §3.4).
pub const EXCHANGE_HEADER: &str = "exchange";
/// Header carrying the receiver's deduction on the swap stream (spec §3.4).
pub const DEDUCTION_HEADER: &str = "deduction";

/// `value` as Go's `big.Int.Bytes()`: big-endian, no leading zeros, empty for zero.
pub fn encode_amount(value: U256) -> Vec<u8> {
    value.to_be_bytes_trimmed_vec()
}

/// The inverse of [`encode_amount`]; more than 32 bytes is malformed.
pub fn decode_amount(bytes: &[u8]) -> Result<U256, NetError> {
    U256::try_from_be_slice(bytes)
        .ok_or_else(|| NetError::Malformed(format!("amount of {} bytes", bytes.len())))
}

/// The swap headers the receiver answers with (spec §3.4): none without rates, else
/// `exchange` and `deduction` (zero as empty bytes).
pub(crate) fn rate_headers(rates: Option<ChequeRates>) -> pb::Headers {
    let Some(rates) = rates else {
        return pb::Headers::default();
    };
    pb::Headers {
        headers: vec![
            pb::Header {
                key: EXCHANGE_HEADER.into(),
                value: encode_amount(rates.exchange),
            },
            pb::Header {
                key: DEDUCTION_HEADER.into(),
                value: encode_amount(rates.deduction),
            },
        ],
    }
}

/// Reads the rates from the receiver's headers: `None` without an `exchange` header; a
/// missing deduction is 0 (spec §3.4).
pub fn parse_rates(headers: &pb::Headers) -> Result<Option<ChequeRates>, NetError> {
    let find = |key: &str| headers.headers.iter().find(|h| h.key == key);
    let Some(exchange) = find(EXCHANGE_HEADER) else {
        return Ok(None);
    };
    let exchange = decode_amount(&exchange.value)?;
    let deduction = match find(DEDUCTION_HEADER) {
        Some(header) => decode_amount(&header.value)?,
        None => U256::ZERO,
    };
    Ok(Some(ChequeRates {
        exchange,
        deduction,
    }))
}

/// Pricing receiver: records the announced threshold; a refused one disconnects the peer
/// (spec §1.7, ErrThresholdTooLow).
pub(crate) async fn serve_pricing<S: AsyncRead + AsyncWrite + Unpin>(
    accounting: &dyn Accounting,
    peers: &PeerManager,
    from: B256,
    mut stream: MessageStream<S>,
) -> Result<(), NetError> {
    let message: pb::AnnouncePaymentThreshold = stream.recv().await?;
    let threshold = decode_amount(&message.payment_threshold)?;
    if let Err(reason) = accounting.threshold_announced(from, threshold) {
        tracing::info!(peer = %from, %reason, "payment threshold refused; disconnecting");
        if let Some(peer) = peers.peer_id_of(&from) {
            let _ = peers.command(Command::Disconnect(peer));
        }
    }
    // Bee's full close (audit L-19): the announcer's FullClose sees our end, not a reset.
    let _ = stream.full_close().await;
    Ok(())
}

/// Pseudosettle receiver (spec §1.6): asks the accounting what to accept and acknowledges
/// it with our clock; a refusal resets the stream.
pub(crate) async fn serve_pseudosettle<S: AsyncRead + AsyncWrite + Unpin>(
    accounting: &dyn Accounting,
    from: B256,
    mut stream: MessageStream<S>,
) -> Result<(), NetError> {
    let payment: pb::Payment = stream.recv().await?;
    let amount = decode_amount(&payment.amount)?;
    match accounting.refresh_received(from, amount) {
        Ok((accepted, timestamp)) => {
            stream
                .send(&pb::PaymentAck {
                    amount: encode_amount(accepted),
                    timestamp,
                })
                .await?;
            let _ = stream.close().await;
        }
        Err(reason) => {
            tracing::debug!(peer = %from, %reason, "refresh refused");
        }
    }
    Ok(())
}

/// Swap receiver (spec §3.4–§3.5): the headers were answered with `rates`; reads one
/// cheque and hands it to the accounting. A refused cheque is logged (the issuer sees
/// nothing, as in Bee: the stream is one-way).
pub(crate) async fn serve_swap<S: AsyncRead + AsyncWrite + Unpin>(
    accounting: &dyn Accounting,
    from: B256,
    rates: Option<ChequeRates>,
    mut stream: MessageStream<S>,
) -> Result<(), NetError> {
    let message: pb::EmitCheque = stream.recv().await?;
    let Some(rates) = rates else {
        return Err(NetError::Remote("cheque without negotiated rates".into()));
    };
    if let Err(reason) = accounting
        .cheque_received(from, message.cheque, rates)
        .await
    {
        tracing::info!(peer = %from, %reason, "cheque refused");
    }
    let _ = stream.full_close().await;
    Ok(())
}

/// Follows connection events: every new peer is told the threshold we grant it (spec §1.7:
/// "on every connection, each side announces"), each in the background.
pub(crate) async fn run(
    peers: Arc<PeerManager>,
    accounting: Arc<dyn Accounting>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<PeerEvent>,
) {
    let mut shutdown = peers.shutdown_signal();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(PeerEvent::Connected(info)) => {
                    let Some(threshold) = accounting.threshold_for(info.overlay) else {
                        continue;
                    };
                    let peers = Arc::clone(&peers);
                    tokio::spawn(async move {
                        if let Err(error) = announce_threshold(&peers, &info.overlay, threshold).await {
                            tracing::debug!(peer = %info.overlay, %error, "threshold announcement failed");
                        }
                    });
                }
                Some(PeerEvent::Disconnected { .. }) => {}
                None => return,
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Pricing sender: announces the threshold we grant `peer` (spec §1.7).
pub(crate) async fn announce_threshold(
    peers: &PeerManager,
    peer: &B256,
    threshold: U256,
) -> Result<(), NetError> {
    let mut stream = peers.open(peer, PRICING).await?;
    announce(&mut stream, threshold).await
}

/// The pricing client over any stream (headers already exchanged).
pub(crate) async fn announce<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
    threshold: U256,
) -> Result<(), NetError> {
    stream
        .send(&pb::AnnouncePaymentThreshold {
            payment_threshold: encode_amount(threshold),
        })
        .await?;
    let _ = stream.close().await;
    Ok(())
}

/// Pseudosettle payer (spec §1.6 step 2): sends `Payment{amount}` and returns the ack's
/// accepted amount and timestamp. The caller runs the checks of step 4.
pub(crate) async fn refresh(
    peers: &PeerManager,
    peer: &B256,
    amount: U256,
) -> Result<(U256, i64), NetError> {
    let mut stream = peers.open(peer, PSEUDOSETTLE).await?;
    pay(&mut stream, amount).await
}

/// The pseudosettle client over any stream (headers already exchanged).
pub(crate) async fn pay<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
    amount: U256,
) -> Result<(U256, i64), NetError> {
    stream
        .send(&pb::Payment {
            amount: encode_amount(amount),
        })
        .await?;
    let ack: pb::PaymentAck = stream.recv().await?;
    let _ = stream.close().await;
    Ok((decode_amount(&ack.amount)?, ack.timestamp))
}

/// The issuer's side of a swap stream, after the headers exchange (spec §3.4): the
/// receiver's rates, then one [`ChequeStream::emit`].
pub struct ChequeStream {
    stream: MessageStream<Stream>,
    rates: Option<ChequeRates>,
}

impl std::fmt::Debug for ChequeStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChequeStream")
            .field("rates", &self.rates)
            .finish()
    }
}

impl ChequeStream {
    /// The receiver's exchange rate and deduction; `None` when it sent no `exchange`
    /// header (Bee's "no exchange header").
    pub fn rates(&self) -> Option<ChequeRates> {
        self.rates
    }

    /// Sends the signed cheque's JSON as `EmitCheque` and closes the stream.
    pub async fn emit(mut self, cheque: Vec<u8>) -> Result<(), NetError> {
        self.stream.send(&pb::EmitCheque { cheque }).await?;
        let _ = self.stream.close().await;
        Ok(())
    }
}

/// Opens a swap stream to `peer` and reads its rate headers (spec §3.4).
pub(crate) async fn open_cheque_stream(
    peers: &PeerManager,
    peer: &B256,
) -> Result<ChequeStream, NetError> {
    let peer_id = peers.peer_id_of(peer).ok_or(NetError::NotConnected)?;
    let mut stream = peers.open_raw(peer_id, SWAP).await?;
    let headers = stream.exchange_headers().await?;
    let rates = parse_rates(&headers)?;
    Ok(ChequeStream { stream, rates })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_minimal_big_endian() {
        assert_eq!(encode_amount(U256::ZERO), Vec::<u8>::new());
        assert_eq!(
            encode_amount(U256::from(13_500_000u64)),
            vec![0xcd, 0xfe, 0x60]
        );
        assert_eq!(decode_amount(&[]).unwrap(), U256::ZERO);
        assert_eq!(decode_amount(&[0, 1]).unwrap(), U256::from(1u8));
        assert!(decode_amount(&[1u8; 33]).is_err());
    }

    #[test]
    fn rates_round_trip_through_headers() {
        let rates = ChequeRates {
            exchange: U256::from(100_000u64),
            deduction: U256::ZERO,
        };
        let headers = rate_headers(Some(rates));
        assert_eq!(headers.headers[1].value, Vec::<u8>::new());
        assert_eq!(parse_rates(&headers).unwrap(), Some(rates));
        assert_eq!(parse_rates(&rate_headers(None)).unwrap(), None);
    }
}
