//! The accounting hook: every pushsync and retrieval exchange passes through
//! [`Accounting`], with the peer, the price and whether this node originated the request.
//! Prices follow Bee's fixed pricer (spec `swap.md` §2): `(31 − PO(peer, chunk) + 1) ×
//! 10 000` accounting units. The default implementation ([`NoAccounting`]) allows everything.

use comb_primitives::proximity::proximity;
use comb_primitives::{B256, MAX_PO};

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

/// Balances per peer. `prepare` runs before the exchange and may refuse it (for example
/// when the peer's balance is over the threshold); `apply` runs after it succeeded.
pub trait Accounting: Send + Sync + 'static {
    /// Reserves the exchange; an error refuses it.
    fn prepare(&self, _exchange: &Exchange) -> Result<(), String> {
        Ok(())
    }

    /// Books the exchange after it succeeded.
    fn apply(&self, _exchange: &Exchange) {}
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
