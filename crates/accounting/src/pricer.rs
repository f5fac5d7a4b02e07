//! Bee's fixed pricer (spec `swap.md` §2).

use alloy_primitives::U256;
use comb_primitives::{proximity::proximity, B256, MAX_PO};

/// `FixedPricer(overlay, poPrice)` (spec §2): price falls by `poPrice` per bit of proximity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedPricer {
    overlay: B256,
    po_price: U256,
}

impl FixedPricer {
    /// A pricer for our `overlay` with `po_price` AU per proximity step (spec §2; Bee uses
    /// [`crate::config::BASE_PRICE`] = 10,000).
    pub fn new(overlay: B256, po_price: U256) -> Self {
        Self { overlay, po_price }
    }

    /// `(MaxPO − po + 1) × poPrice` with `po` capped at `MaxPO` = 31 (spec §2); saturates
    /// at `U256::MAX`.
    pub fn price_at_po(&self, po: u8) -> U256 {
        let steps = MAX_PO.saturating_sub(po.min(MAX_PO)).saturating_add(1);
        U256::from(steps).saturating_mul(self.po_price)
    }

    /// `PeerPrice(peer, chunk)`: what a requester pays `peer` for `chunk` (spec §2).
    pub fn peer_price(&self, peer: &B256, chunk: &B256) -> U256 {
        self.price_at_po(proximity(&peer.0, &chunk.0))
    }

    /// `Price(chunk) = PeerPrice(ownOverlay, chunk)`: what we charge for `chunk` (spec §2).
    pub fn price(&self, chunk: &B256) -> U256 {
        self.peer_price(&self.overlay, chunk)
    }
}
