//! The accounting hook: every pushsync and retrieval exchange passes through
//! [`Accounting`], with the peer, the price and whether this node originated the request.
//! Prices follow Bee's fixed pricer (spec `swap.md` §2): `(31 − PO(peer, chunk) + 1) ×
//! 10 000` accounting units. The default implementation ([`NoAccounting`]) allows everything.

use comb_primitives::proximity::proximity;
use comb_primitives::{B256, MAX_PO, U256};
use futures::future::BoxFuture;

/// Bee's base price per proximity step (`FixedPricer` `poPrice`).
pub const BASE_PRICE: u64 = 10_000;

/// Bee's `PeerPrice(peer, chunk)`: what a request for `chunk` served by `peer` costs.
pub fn peer_price(peer: &B256, chunk: &B256) -> u64 {
    let po = proximity(&peer.0, &chunk.0);
    u64::from(MAX_PO.saturating_sub(po))
        .saturating_add(1)
        .saturating_mul(BASE_PRICE)
}

/// Which protocol the exchange belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// A chunk pushed for a receipt.
    PushSync,
    /// A chunk retrieved.
    Retrieval,
}

/// Which way the value flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We are served by the peer and owe it `price` (Bee `PrepareCredit`).
    Credit,
    /// We serve the peer, which owes us `price` (Bee `PrepareDebit`).
    Debit,
}

/// One paid exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    /// The peer's overlay.
    pub peer: B256,
    /// The chunk.
    pub chunk: B256,
    /// The protocol.
    pub service: Service,
    /// Who pays whom.
    pub direction: Direction,
    /// The price in accounting units.
    pub price: u64,
    /// Whether this node originated the request (as opposed to forwarding it).
    pub originated: bool,
}

impl Exchange {
    /// We are served by `peer` for `chunk` (Bee `PrepareCredit`), at the peer's price.
    pub fn credit(service: Service, peer: B256, chunk: B256, originated: bool) -> Self {
        Self {
            peer,
            chunk,
            service,
            direction: Direction::Credit,
            price: peer_price(&peer, &chunk),
            originated,
        }
    }

    /// We serve `peer` for `chunk` (Bee `PrepareDebit`), at our own price: `own` is this
    /// node's overlay.
    pub fn debit(service: Service, peer: B256, chunk: B256, own: &B256) -> Self {
        Self {
            peer,
            chunk,
            service,
            direction: Direction::Debit,
            price: peer_price(own, &chunk),
            originated: false,
        }
    }
}

/// A prepared exchange: what [`Accounting::prepare`] reserved. Hand it to
/// [`Accounting::apply`] once the exchange succeeded and always to [`Accounting::cleanup`]
/// afterwards (Bee's `Action.Apply` / `Action.Cleanup`, spec `swap.md` §1.3–§1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The exchange.
    pub exchange: Exchange,
    /// The implementation's handle of the reservation.
    pub id: u64,
    /// Whether [`Accounting::apply`] ran.
    pub applied: bool,
}

impl Reservation {
    /// A reservation of `exchange` under the implementation's handle `id`.
    pub fn new(exchange: Exchange, id: u64) -> Self {
        Self {
            exchange,
            id,
            applied: false,
        }
    }
}

/// The exchange rate and deduction a cheque receiver answers on the swap stream's headers
/// (spec `swap.md` §3.4), in PLUR per accounting unit and PLUR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChequeRates {
    /// PLUR per accounting unit (header `exchange`).
    pub exchange: U256,
    /// PLUR deducted from the first cheque (header `deduction`; 0 once paid).
    pub deduction: U256,
}

/// Bandwidth accounting and settlement, implemented by the node (spec `swap.md` §1–§3).
///
/// * Every pushsync and retrieval exchange, on both sides, runs `prepare` before (it may
///   refuse), `apply` after success, and `cleanup` always (§1.3, §1.4).
/// * `connected` / `disconnected` follow the peers past the handshake (§1.2); refusing a
///   connection (a blocklisted peer) fails the handshake.
/// * The settlement protocols' receivers call `threshold_announced` (pricing, §1.7),
///   `refresh_received` (pseudosettle, §1.6), `cheque_rates` and `cheque_received` (swap,
///   §3.4–§3.5).
///
/// Every method has a default that allows or ignores everything ([`NoAccounting`]).
pub trait Accounting: Send + Sync + 'static {
    /// Reserves the exchange; an error refuses it.
    fn prepare(&self, exchange: &Exchange) -> Result<Reservation, String> {
        Ok(Reservation::new(*exchange, 0))
    }

    /// Books the exchange after it succeeded.
    fn apply(&self, reservation: &mut Reservation) {
        reservation.applied = true;
    }

    /// Releases what `apply` did not book.
    fn cleanup(&self, _reservation: Reservation) {}

    /// A peer completed the handshake; an error refuses it (spec §1.2).
    fn connected(&self, _peer: B256, _full_node: bool) -> Result<(), String> {
        Ok(())
    }

    /// The payment threshold to announce to a newly connected peer through the pricing
    /// protocol (spec §1.7); `None` announces nothing.
    fn threshold_for(&self, _peer: B256) -> Option<U256> {
        None
    }

    /// The peer's last connection closed (spec §1.2).
    fn disconnected(&self, _peer: B256) {}

    /// The peer announced the payment threshold it grants us (spec §1.7); an error
    /// disconnects it.
    fn threshold_announced(&self, _peer: B256, _threshold: U256) -> Result<(), String> {
        Ok(())
    }

    /// The peer refreshes `amount` (pseudosettle receiver, spec §1.6): the accepted amount
    /// and our Unix time in seconds, or an error that resets the stream.
    fn refresh_received(&self, _peer: B256, _amount: U256) -> Result<(U256, i64), String> {
        Err("time-based settlement not supported".into())
    }

    /// The rates to answer on a swap stream the peer opened (spec §3.4); `None` sends no
    /// headers, and the issuer gives up.
    fn cheque_rates(&self, _peer: B256) -> Option<ChequeRates> {
        None
    }

    /// The peer sent a cheque (the `EmitCheque` JSON) after we answered `rates` (spec §3.5);
    /// an error refuses it.
    fn cheque_received(
        &self,
        _peer: B256,
        _cheque: Vec<u8>,
        _rates: ChequeRates,
    ) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(async { Err("cheques not supported".to_string()) })
    }
}

/// A reservation that is cleaned up when dropped, so that a cancelled request (its future
/// dropped mid-exchange) releases what it reserved, like Bee's deferred `Cleanup`.
pub(crate) struct Reserved {
    accounting: std::sync::Arc<dyn Accounting>,
    reservation: Option<Reservation>,
}

impl Reserved {
    /// Prepares `exchange`; the refusal's reason on error.
    pub(crate) fn prepare(
        accounting: &std::sync::Arc<dyn Accounting>,
        exchange: &Exchange,
    ) -> Result<Self, String> {
        let reservation = accounting.prepare(exchange)?;
        Ok(Self {
            accounting: std::sync::Arc::clone(accounting),
            reservation: Some(reservation),
        })
    }

    /// Books the exchange (it succeeded).
    pub(crate) fn apply(&mut self) {
        if let Some(reservation) = self.reservation.as_mut() {
            self.accounting.apply(reservation);
        }
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        if let Some(reservation) = self.reservation.take() {
            self.accounting.cleanup(reservation);
        }
    }
}

/// Accounting that allows and records nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAccounting;

impl Accounting for NoAccounting {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_fall_with_proximity() {
        let chunk = B256::ZERO;
        let mut far = [0u8; 32];
        far[0] = 0x80;
        assert_eq!(peer_price(&B256::from(far), &chunk), 320_000);
        assert_eq!(peer_price(&chunk, &chunk), 10_000);
    }
}
