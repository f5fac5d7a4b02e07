//! Eight independent `keccak-f[1600]` permutations at once, for the BMT (spec §1.2, §1.3).
//!
//! The eight-wide counterpart of [`super::x4`]: on x86-64 CPUs with AVX-512F one 8-lane
//! SIMD permutation (see `x8_avx512`), elsewhere two four-wide batches of [`super::x4`]
//! (AVX2 or scalar, whatever that module chose). The choice is made once per process at
//! runtime; [`wide_backend`] says which one runs.

use std::sync::OnceLock;

use super::x4::{f1600_x4, hash_keyed_pairs_x4, hash_pairs_x4, PARALLEL};

/// Number of states the functions of this module permute together.
pub const PARALLEL8: usize = 8;

/// The implementation behind [`f1600_x8`], [`hash_pairs_x8`] and [`hash_keyed_pairs_x8`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WideBackend {
    /// One AVX-512F permutation over eight interleaved states.
    Avx512,
    /// Two batches of four (the [`super::BatchBackend`] of this machine).
    TwoByFour,
}

/// The eight-wide keccak implementation this process uses, detected once on first use.
pub fn wide_backend() -> WideBackend {
    static DETECTED: OnceLock<WideBackend> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return WideBackend::Avx512;
            }
        }
        WideBackend::TwoByFour
    })
}

fn halves<T: Copy, const N: usize, const H: usize>(items: &[T; N]) -> ([T; H], [T; H]) {
    (
        std::array::from_fn(|i| items[i]),
        std::array::from_fn(|i| items[H + i]),
    )
}

fn joined<T: Copy + Default, const H: usize, const N: usize>(low: [T; H], high: [T; H]) -> [T; N] {
    std::array::from_fn(|i| if i < H { low[i] } else { high[i - H] })
}

/// Applies `keccak-f[1600]` to eight independent states, as eight [`keccak::f1600`] calls
/// would. States are in the usual lane order (`state[x + 5y]`, little-endian lanes).
pub fn f1600_x8(states: &mut [[u64; 25]; PARALLEL8]) {
    match wide_backend() {
        #[cfg(target_arch = "x86_64")]
        WideBackend::Avx512 => {
            // SAFETY: `wide_backend` returns `Avx512` only after runtime detection of AVX-512F.
            unsafe { super::x8_avx512::f1600_x8(states) }
        }
        _ => f1600_x8_by_four(states),
    }
}

/// Keccak-256 of eight sibling pairs: output `i` is `H(pairs[2i] || pairs[2i + 1])`, the
/// plain BMT node hash (spec §1.2) of the pair as it lies in a tree level.
pub fn hash_pairs_x8(pairs: &[[u8; 32]; 2 * PARALLEL8]) -> [[u8; 32]; PARALLEL8] {
    match wide_backend() {
        #[cfg(target_arch = "x86_64")]
        WideBackend::Avx512 => {
            // SAFETY: `wide_backend` returns `Avx512` only after runtime detection of AVX-512F.
            unsafe { super::x8_avx512::hash_pairs_x8(pairs) }
        }
        _ => hash_pairs_x8_by_four(pairs),
    }
}

/// Keccak-256 of `key || pairs[2i] || pairs[2i + 1]` for `i` in `0..8`: eight keyed BMT node
/// hashes (spec §1.3) with a 32-byte key.
pub fn hash_keyed_pairs_x8(
    key: &[u8; 32],
    pairs: &[[u8; 32]; 2 * PARALLEL8],
) -> [[u8; 32]; PARALLEL8] {
    match wide_backend() {
        #[cfg(target_arch = "x86_64")]
        WideBackend::Avx512 => {
            // SAFETY: `wide_backend` returns `Avx512` only after runtime detection of AVX-512F.
            unsafe { super::x8_avx512::hash_keyed_pairs_x8(key, pairs) }
        }
        _ => hash_keyed_pairs_x8_by_four(key, pairs),
    }
}

fn f1600_x8_by_four(states: &mut [[u64; 25]; PARALLEL8]) {
    let (mut low, mut high): ([[u64; 25]; PARALLEL], [[u64; 25]; PARALLEL]) = halves(states);
    f1600_x4(&mut low);
    f1600_x4(&mut high);
    *states = joined(low, high);
}

fn hash_pairs_x8_by_four(pairs: &[[u8; 32]; 2 * PARALLEL8]) -> [[u8; 32]; PARALLEL8] {
    let (low, high): ([[u8; 32]; 2 * PARALLEL], [[u8; 32]; 2 * PARALLEL]) = halves(pairs);
    joined(hash_pairs_x4(&low), hash_pairs_x4(&high))
}

fn hash_keyed_pairs_x8_by_four(
    key: &[u8; 32],
    pairs: &[[u8; 32]; 2 * PARALLEL8],
) -> [[u8; 32]; PARALLEL8] {
    let (low, high): ([[u8; 32]; 2 * PARALLEL], [[u8; 32]; 2 * PARALLEL]) = halves(pairs);
    joined(
        hash_keyed_pairs_x4(key, &low),
        hash_keyed_pairs_x4(key, &high),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keccak::{hash_keyed_pair, hash_pair};
    use proptest::prelude::*;

    fn scalar(mut states: [[u64; 25]; PARALLEL8]) -> [[u64; 25]; PARALLEL8] {
        for state in states.iter_mut() {
            ::keccak::f1600(state);
        }
        states
    }

    fn avx512() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx512f")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// Says which paths this machine runs, so a machine without AVX-512 does not pass the
    /// AVX-512 tests silently.
    fn report_paths() {
        eprintln!(
            "keccak paths: x8 {:?} (AVX-512F {}), x4 {:?}",
            wide_backend(),
            if avx512() {
                "present: tested"
            } else {
                "absent: NOT tested on this machine"
            },
            super::super::batch_backend()
        );
    }

    fn segments() -> impl Strategy<Value = [[u8; 32]; 2 * PARALLEL8]> {
        proptest::array::uniform16(proptest::array::uniform32(any::<u8>()))
    }

    proptest! {
        #[test]
        fn eight_wide_permutations_equal_eight_scalar_ones(words in proptest::collection::vec(any::<u64>(), 200)) {
            let mut states = [[0u64; 25]; PARALLEL8];
            for (k, state) in states.iter_mut().enumerate() {
                state.copy_from_slice(&words[25 * k..25 * k + 25]);
            }
            let want = scalar(states);
            let mut by_four = states;
            f1600_x8_by_four(&mut by_four);
            prop_assert_eq!(by_four, want);
            let mut dispatched = states;
            f1600_x8(&mut dispatched);
            prop_assert_eq!(dispatched, want);
            #[cfg(target_arch = "x86_64")]
            if avx512() {
                let mut wide = states;
                // SAFETY: AVX-512F support was detected just above.
                unsafe { crate::keccak::x8_avx512::f1600_x8(&mut wide) };
                prop_assert_eq!(wide, want);
                // Twice: chained calls on the output layout.
                // SAFETY: as above.
                unsafe { crate::keccak::x8_avx512::f1600_x8(&mut wide) };
                prop_assert_eq!(wide, scalar(want));
            }
        }

        #[test]
        fn eight_wide_pair_hashes_equal_scalar_ones(pairs in segments(), key in proptest::array::uniform32(any::<u8>())) {
            let plain: [[u8; 32]; PARALLEL8] = std::array::from_fn(|i| hash_pair(&pairs[2 * i], &pairs[2 * i + 1]));
            let keyed: [[u8; 32]; PARALLEL8] = std::array::from_fn(|i| hash_keyed_pair(&key, &pairs[2 * i], &pairs[2 * i + 1]));
            prop_assert_eq!(hash_pairs_x8_by_four(&pairs), plain);
            prop_assert_eq!(hash_keyed_pairs_x8_by_four(&key, &pairs), keyed);
            prop_assert_eq!(hash_pairs_x8(&pairs), plain);
            prop_assert_eq!(hash_keyed_pairs_x8(&key, &pairs), keyed);
            #[cfg(target_arch = "x86_64")]
            if avx512() {
                // SAFETY: AVX-512F support was detected just above.
                let wide = unsafe { crate::keccak::x8_avx512::hash_pairs_x8(&pairs) };
                prop_assert_eq!(wide, plain);
                // SAFETY: as above.
                let wide = unsafe { crate::keccak::x8_avx512::hash_keyed_pairs_x8(&key, &pairs) };
                prop_assert_eq!(wide, keyed);
            }
        }
    }

    #[test]
    fn the_paths_this_machine_has_agree_with_an_independent_keccak() {
        use sha3::Digest;
        report_paths();
        let pairs: [[u8; 32]; 2 * PARALLEL8] =
            std::array::from_fn(|i| [(i as u8).wrapping_mul(17).wrapping_add(3); 32]);
        let key = [0xa5u8; 32];
        let plain = hash_pairs_x8(&pairs);
        let keyed = hash_keyed_pairs_x8(&key, &pairs);
        for i in 0..PARALLEL8 {
            let want: [u8; 32] =
                sha3::Keccak256::digest([pairs[2 * i], pairs[2 * i + 1]].concat()).into();
            assert_eq!(plain[i], want);
            let want: [u8; 32] =
                sha3::Keccak256::digest([key, pairs[2 * i], pairs[2 * i + 1]].concat()).into();
            assert_eq!(keyed[i], want);
        }
        // All-zero and all-one inputs, the padding's edge cases for every lane.
        for byte in [0u8, 0xff] {
            let pairs = [[byte; 32]; 2 * PARALLEL8];
            let want = hash_pair(&pairs[0], &pairs[1]);
            assert_eq!(hash_pairs_x8(&pairs), [want; PARALLEL8]);
        }
    }
}
