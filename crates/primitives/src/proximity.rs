//! Proximity order between 32-byte addresses (spec §1.7).
//!
//! Bee's [`proximity`] looks at the first four bytes only and caps at 31; the contract's
//! [`in_proximity`] compares all 256 bits. Both are needed: the node's topology and reserve
//! bins use the capped form, the ledger uses the uncapped one.

use crate::{EXTENDED_PO, MAX_PO};

/// Leading equal bits of `a xor b` over all 256 bits (0..=256).
pub fn proximity_uncapped(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        let diff = x ^ y;
        if diff != 0 {
            return (i as u32) * 8 + diff.leading_zeros();
        }
    }
    256
}

fn capped(a: &[u8; 32], b: &[u8; 32], cap: u8) -> u8 {
    // The cap is at most 36 bits, so only the first five bytes can matter.
    let mut x = [0u8; 8];
    let mut y = [0u8; 8];
    x[..5].copy_from_slice(&a[..5]);
    y[..5].copy_from_slice(&b[..5]);
    let diff = u64::from_be_bytes(x) ^ u64::from_be_bytes(y);
    (diff.leading_zeros().min(u32::from(cap))) as u8
}

/// Bee's `swarm.Proximity`: leading equal bits, capped at [`MAX_PO`] (31).
pub fn proximity(a: &[u8; 32], b: &[u8; 32]) -> u8 {
    capped(a, b, MAX_PO)
}

/// Bee's `swarm.ExtendedProximity`: leading equal bits, capped at [`EXTENDED_PO`] (36).
pub fn extended_proximity(a: &[u8; 32], b: &[u8; 32]) -> u8 {
    capped(a, b, EXTENDED_PO)
}

/// The contract's `inProximity(a, b, m)`: `m == 0` or `a xor b < 2^(256 − m)`, i.e. the
/// uncapped proximity is at least `m`.
pub fn in_proximity(a: &[u8; 32], b: &[u8; 32], min_po: u8) -> bool {
    proximity_uncapped(a, b) >= u32::from(min_po)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_first_bytes(bytes: &[u8]) -> [u8; 32] {
        let mut a = [0u8; 32];
        a[..bytes.len()].copy_from_slice(bytes);
        a
    }

    #[test]
    fn counts_leading_equal_bits() {
        let zero = [0u8; 32];
        assert_eq!(proximity(&zero, &with_first_bytes(&[0x80])), 0);
        assert_eq!(proximity(&zero, &with_first_bytes(&[0x40])), 1);
        assert_eq!(proximity(&zero, &with_first_bytes(&[0x00, 0x01])), 15);
        assert_eq!(
            proximity_uncapped(&zero, &with_first_bytes(&[0x00, 0x01])),
            15
        );
    }

    #[test]
    fn bee_form_caps_at_31_and_extended_at_36() {
        let zero = [0u8; 32];
        let far = with_first_bytes(&[0, 0, 0, 0, 0, 0x01]);
        assert_eq!(proximity(&zero, &zero), 31);
        assert_eq!(proximity(&zero, &far), 31);
        assert_eq!(extended_proximity(&zero, &far), 36);
        assert_eq!(proximity_uncapped(&zero, &far), 47);
        assert_eq!(proximity_uncapped(&zero, &zero), 256);
    }

    #[test]
    fn contract_form_is_uncapped() {
        let zero = [0u8; 32];
        let far = with_first_bytes(&[0, 0, 0, 0, 0, 0x01]);
        assert!(in_proximity(&zero, &far, 47));
        assert!(!in_proximity(&zero, &far, 48));
        assert!(in_proximity(&[0xff; 32], &zero, 0));
    }
}
