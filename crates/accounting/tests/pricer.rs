//! The fixed pricer of spec `swap.md` §2.
#![allow(clippy::unwrap_used)]

use comb_accounting::{config::BASE_PRICE, FixedPricer, B256, U256};

fn with_first_byte(b: u8) -> B256 {
    let mut x = B256::ZERO;
    x.0[0] = b;
    x
}

#[test]
fn price_by_proximity_order() {
    let pricer = FixedPricer::new(B256::ZERO, U256::from(BASE_PRICE));
    assert_eq!(pricer.price_at_po(0), U256::from(320_000u64));
    assert_eq!(pricer.price_at_po(16), U256::from(160_000u64));
    assert_eq!(pricer.price_at_po(31), U256::from(10_000u64));
    assert_eq!(
        pricer.price_at_po(36),
        U256::from(10_000u64),
        "PO saturates at 31"
    );
}

#[test]
fn price_uses_own_overlay_and_peer_price_the_peer() {
    let pricer = FixedPricer::new(B256::ZERO, U256::from(BASE_PRICE));
    // Chunk differs from the zero overlay in the first bit: PO 0.
    assert_eq!(pricer.price(&with_first_byte(0x80)), U256::from(320_000u64));
    // Identical addresses: PO capped at 31.
    assert_eq!(pricer.price(&B256::ZERO), U256::from(10_000u64));
    // The chunk is at PO 1 to the zero overlay and at PO 0 to a peer starting 0x80.
    let peer = with_first_byte(0x80);
    let chunk = with_first_byte(0x40);
    assert_eq!(pricer.price(&chunk), U256::from(310_000u64));
    assert_eq!(pricer.peer_price(&peer, &chunk), U256::from(320_000u64));
    // Forwarder margin (spec §2): (p_D − p_F) × 10,000.
    let downstream = with_first_byte(0x41);
    let margin = pricer.price(&chunk) - pricer.peer_price(&downstream, &chunk);
    assert_eq!(margin, U256::from((7 - 1) * 10_000u64));
}
