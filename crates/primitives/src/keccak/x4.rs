//! Four independent `keccak-f[1600]` permutations at once, for the BMT (spec §1.2, §1.3).
//!
//! Every level of a chunk's BMT hashes many independent 64-byte (or, keyed, 96-byte) inputs,
//! each a single Keccak block. The functions here take four of them together: on x86-64 CPUs
//! with AVX2 they run one 4-lane SIMD permutation (see `x4_avx2`), elsewhere they fall back to
//! four scalar [`keccak::f1600`] calls. The choice is made once per process at runtime.
//!
//! The AVX2 kernel is written from the Keccak specification (FIPS 202 §3.2: theta, rho, pi,
//! chi, iota over 24 rounds); its round constants and rotation offsets are derived below by the
//! specification's own algorithms rather than typed in.

use std::sync::OnceLock;

use super::{keccak_keyed_pair_state, keccak_pair_state, squeeze};

/// Number of states the batched functions of this module permute together.
pub const PARALLEL: usize = 4;

/// Rounds of `keccak-f[1600]` (FIPS 202 §3.4: `12 + 2ℓ` with `ℓ = 6`).
const ROUNDS: usize = 24;

/// One bit of the round-constant LFSR, FIPS 202 Algorithm 5 `rc(t)`
/// (feedback polynomial `x^8 + x^6 + x^5 + x^4 + 1`).
const fn rc_bit(t: usize) -> u64 {
    // Bit i of `r` is the specification's R[i]; R starts as 10000000.
    let mut r: u32 = 1;
    let mut i = 0;
    while i < t % 255 {
        // R = 0 || R; R[0], R[4], R[5], R[6] ^= R[8]; R = Trunc8(R).
        r <<= 1;
        if r & 0x100 != 0 {
            r ^= 0x171;
        }
        i += 1;
    }
    (r & 1) as u64
}

/// The iota round constants, FIPS 202 Algorithm 6: bit `2^j - 1` of `RC[ir]` is
/// `rc(j + 7 ir)` for `j` in `0..=6`.
const fn round_constants() -> [u64; ROUNDS] {
    let mut constants = [0u64; ROUNDS];
    let mut ir = 0;
    while ir < ROUNDS {
        let mut j = 0;
        while j <= 6 {
            constants[ir] |= rc_bit(j + 7 * ir) << ((1usize << j) - 1);
            j += 1;
        }
        ir += 1;
    }
    constants
}

/// The rho rotation offsets indexed by lane `x + 5y`, FIPS 202 Algorithm 2: starting at
/// `(x, y) = (1, 0)`, lane number `t` rotates by `(t + 1)(t + 2)/2 mod 64` and the walk moves
/// to `(y, 2x + 3y mod 5)`; lane `(0, 0)` is not rotated.
const fn rho_offsets() -> [i32; 25] {
    let mut offsets = [0i32; 25];
    let (mut x, mut y) = (1usize, 0usize);
    let mut t: usize = 0;
    while t < 24 {
        offsets[x + 5 * y] = (((t + 1) * (t + 2) / 2) % 64) as i32;
        let next_y = (2 * x + 3 * y) % 5;
        x = y;
        y = next_y;
        t += 1;
    }
    offsets
}

/// Where pi moves each lane, read forwards: lane `(x, y)` goes to `(y, 2x + 3y mod 5)`, so
/// `PI_DESTINATION[x + 5y] = y + 5 (2x + 3y mod 5)`. The AVX2 kernel uses the inverse form of
/// FIPS 202 Algorithm 3, `A'[x, y] = A[x + 3y mod 5, x]`; a test checks the two agree.
#[cfg(test)]
const fn pi_destinations() -> [usize; 25] {
    let mut destinations = [0usize; 25];
    let mut index = 0;
    while index < 25 {
        let (x, y) = (index % 5, index / 5);
        destinations[index] = y + 5 * ((2 * x + 3 * y) % 5);
        index += 1;
    }
    destinations
}

/// Iota constants of the 24 rounds.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) const ROUND_CONSTANTS: [u64; ROUNDS] = round_constants();
/// Rho rotation of lane `x + 5y`, in bits.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) const RHO: [i32; 25] = rho_offsets();
/// Pi destination of lane `x + 5y`.
#[cfg(test)]
const PI_DESTINATION: [usize; 25] = pi_destinations();

/// The implementation behind [`f1600_x4`], [`hash_pairs_x4`] and [`hash_keyed_pairs_x4`] on
/// this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchBackend {
    /// One AVX2 permutation over four interleaved states (x86-64 with AVX2).
    Avx2,
    /// Four scalar permutations (any other CPU).
    Portable,
}

/// The batched keccak implementation this process uses, detected once on first use.
pub fn batch_backend() -> BatchBackend {
    static DETECTED: OnceLock<BatchBackend> = OnceLock::new();
    *DETECTED.get_or_init(detect_backend)
}

fn detect_backend() -> BatchBackend {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            return BatchBackend::Avx2;
        }
    }
    BatchBackend::Portable
}

/// Applies `keccak-f[1600]` to four independent states, as four [`keccak::f1600`] calls would.
///
/// States are in the usual lane order (`state[x + 5y]`, little-endian lanes).
pub fn f1600_x4(states: &mut [[u64; 25]; PARALLEL]) {
    match batch_backend() {
        #[cfg(target_arch = "x86_64")]
        BatchBackend::Avx2 => {
            // SAFETY: `batch_backend` returns `Avx2` only after runtime detection of AVX2.
            unsafe { super::x4_avx2::f1600_x4(states) }
        }
        _ => f1600_x4_portable(states),
    }
}

/// Keccak-256 of four sibling pairs: output `i` is `H(pairs[2i] || pairs[2i + 1])`, the
/// plain BMT node hash (spec §1.2) of the pair as it lies in a tree level.
pub fn hash_pairs_x4(pairs: &[[u8; 32]; 2 * PARALLEL]) -> [[u8; 32]; PARALLEL] {
    match batch_backend() {
        #[cfg(target_arch = "x86_64")]
        BatchBackend::Avx2 => {
            // SAFETY: `batch_backend` returns `Avx2` only after runtime detection of AVX2.
            unsafe { super::x4_avx2::hash_pairs_x4(pairs) }
        }
        _ => hash_pairs_x4_portable(pairs),
    }
}

/// Keccak-256 of `key || pairs[2i] || pairs[2i + 1]` for `i` in `0..4`: four keyed BMT node
/// hashes (spec §1.3) with a 32-byte key.
pub fn hash_keyed_pairs_x4(
    key: &[u8; 32],
    pairs: &[[u8; 32]; 2 * PARALLEL],
) -> [[u8; 32]; PARALLEL] {
    match batch_backend() {
        #[cfg(target_arch = "x86_64")]
        BatchBackend::Avx2 => {
            // SAFETY: `batch_backend` returns `Avx2` only after runtime detection of AVX2.
            unsafe { super::x4_avx2::hash_keyed_pairs_x4(key, pairs) }
        }
        _ => hash_keyed_pairs_x4_portable(key, pairs),
    }
}

/// [`f1600_x4`] as four scalar permutations.
fn f1600_x4_portable(states: &mut [[u64; 25]; PARALLEL]) {
    for state in states.iter_mut() {
        ::keccak::f1600(state);
    }
}

/// [`hash_pairs_x4`] as four scalar permutations.
fn hash_pairs_x4_portable(pairs: &[[u8; 32]; 2 * PARALLEL]) -> [[u8; 32]; PARALLEL] {
    let mut states = [[0u64; 25]; PARALLEL];
    for (state, pair) in states.iter_mut().zip(pairs.chunks_exact(2)) {
        if let [left, right] = pair {
            *state = keccak_pair_state(left, right);
        }
    }
    f1600_x4_portable(&mut states);
    states.map(|state| squeeze(&state))
}

/// [`hash_keyed_pairs_x4`] as four scalar permutations.
fn hash_keyed_pairs_x4_portable(
    key: &[u8; 32],
    pairs: &[[u8; 32]; 2 * PARALLEL],
) -> [[u8; 32]; PARALLEL] {
    let mut states = [[0u64; 25]; PARALLEL];
    for (state, pair) in states.iter_mut().zip(pairs.chunks_exact(2)) {
        if let [left, right] = pair {
            *state = keccak_keyed_pair_state(key, left, right);
        }
    }
    f1600_x4_portable(&mut states);
    states.map(|state| squeeze(&state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keccak::{hash_keyed_pair, hash_pair};

    /// SplitMix64: a tiny deterministic generator for test inputs.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn segment(&mut self) -> [u8; 32] {
            let mut out = [0u8; 32];
            for chunk in out.chunks_exact_mut(8) {
                chunk.copy_from_slice(&self.next().to_le_bytes());
            }
            out
        }
    }

    /// Random states plus structured ones (all zero, all ones, single bits, one lane set).
    fn varied_state_sets() -> Vec<[[u64; 25]; PARALLEL]> {
        let mut rng = Rng(0x5eed);
        let mut sets = Vec::new();
        for _ in 0..64 {
            let mut set = [[0u64; 25]; PARALLEL];
            for word in set.iter_mut().flatten() {
                *word = rng.next();
            }
            sets.push(set);
        }
        let mut structured = [[0u64; 25]; PARALLEL];
        structured[1] = [u64::MAX; 25];
        structured[2][0] = 1;
        structured[3][24] = 1 << 63;
        sets.push(structured);
        for lane in 0..25 {
            let mut set = [[0u64; 25]; PARALLEL];
            for (i, state) in set.iter_mut().enumerate() {
                state[lane] = 1 << (lane + 13 * i);
                state[(lane + i) % 25] ^= rng.next();
            }
            sets.push(set);
        }
        sets
    }

    fn scalar(mut states: [[u64; 25]; PARALLEL]) -> [[u64; 25]; PARALLEL] {
        for state in states.iter_mut() {
            ::keccak::f1600(state);
        }
        states
    }

    #[test]
    fn derived_constants_match_the_published_tables() {
        assert_eq!(ROUND_CONSTANTS[0], 0x0000_0000_0000_0001);
        assert_eq!(ROUND_CONSTANTS[1], 0x0000_0000_0000_8082);
        assert_eq!(ROUND_CONSTANTS[2], 0x8000_0000_0000_808a);
        assert_eq!(ROUND_CONSTANTS[12], 0x0000_0000_8000_808b);
        assert_eq!(ROUND_CONSTANTS[23], 0x8000_0000_8000_8008);
        assert_eq!(
            RHO,
            [
                0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2,
                61, 56, 14
            ]
        );
        let mut seen = [false; 25];
        for &destination in &PI_DESTINATION {
            seen[destination] = true;
        }
        assert!(seen.iter().all(|&s| s), "pi is a permutation");
        assert_eq!(PI_DESTINATION[0], 0);
        // Lane (1, 0) moves to (0, 2).
        assert_eq!(PI_DESTINATION[1], 10);
        // The kernel's source form: B[x, y] comes from lane (x + 3y mod 5, x).
        for x in 0..5 {
            for y in 0..5 {
                assert_eq!(PI_DESTINATION[(x + 3 * y) % 5 + 5 * x], x + 5 * y);
            }
        }
    }

    #[test]
    fn portable_x4_equals_four_scalar_permutations() {
        for set in varied_state_sets() {
            let mut batched = set;
            f1600_x4_portable(&mut batched);
            assert_eq!(batched, scalar(set));
        }
    }

    #[test]
    fn dispatched_x4_equals_four_scalar_permutations() {
        for set in varied_state_sets() {
            let mut batched = set;
            f1600_x4(&mut batched);
            assert_eq!(batched, scalar(set), "backend {:?}", batch_backend());
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_x4_equals_four_scalar_permutations() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("skipped: this CPU has no AVX2");
            return;
        }
        for set in varied_state_sets() {
            let mut batched = set;
            // SAFETY: AVX2 support was detected just above.
            unsafe { crate::keccak::x4_avx2::f1600_x4(&mut batched) };
            assert_eq!(batched, scalar(set));
            // Permuting twice exercises chained calls on the output layout.
            // SAFETY: AVX2 support was detected just above.
            unsafe { crate::keccak::x4_avx2::f1600_x4(&mut batched) };
            assert_eq!(batched, scalar(scalar(set)));
        }
    }

    fn random_pair_sets() -> Vec<[[u8; 32]; 2 * PARALLEL]> {
        let mut rng = Rng(0xb47);
        let mut sets: Vec<[[u8; 32]; 2 * PARALLEL]> = (0..32)
            .map(|_| std::array::from_fn(|_| rng.segment()))
            .collect();
        sets.push([[0u8; 32]; 2 * PARALLEL]);
        sets.push([[0xffu8; 32]; 2 * PARALLEL]);
        sets
    }

    fn expected_pairs(pairs: &[[u8; 32]; 2 * PARALLEL]) -> [[u8; 32]; PARALLEL] {
        std::array::from_fn(|i| hash_pair(&pairs[2 * i], &pairs[2 * i + 1]))
    }

    fn expected_keyed(key: &[u8; 32], pairs: &[[u8; 32]; 2 * PARALLEL]) -> [[u8; 32]; PARALLEL] {
        std::array::from_fn(|i| hash_keyed_pair(key, &pairs[2 * i], &pairs[2 * i + 1]))
    }

    #[test]
    fn batched_pair_hashes_equal_scalar_on_every_backend() {
        let mut rng = Rng(0x4b);
        for pairs in random_pair_sets() {
            let key = rng.segment();
            let plain = expected_pairs(&pairs);
            let keyed = expected_keyed(&key, &pairs);
            assert_eq!(hash_pairs_x4_portable(&pairs), plain);
            assert_eq!(hash_keyed_pairs_x4_portable(&key, &pairs), keyed);
            assert_eq!(hash_pairs_x4(&pairs), plain);
            assert_eq!(hash_keyed_pairs_x4(&key, &pairs), keyed);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 support was detected just above.
                let avx2 = unsafe { crate::keccak::x4_avx2::hash_pairs_x4(&pairs) };
                assert_eq!(avx2, plain);
                // SAFETY: AVX2 support was detected just above.
                let avx2 = unsafe { crate::keccak::x4_avx2::hash_keyed_pairs_x4(&key, &pairs) };
                assert_eq!(avx2, keyed);
            }
        }
    }

    #[test]
    fn batched_pair_hash_matches_independent_keccak() {
        use sha3::Digest;
        let pairs = random_pair_sets()[0];
        let key = [0x5au8; 32];
        let plain = hash_pairs_x4(&pairs);
        let keyed = hash_keyed_pairs_x4(&key, &pairs);
        for i in 0..PARALLEL {
            let input = [pairs[2 * i], pairs[2 * i + 1]].concat();
            let want: [u8; 32] = sha3::Keccak256::digest(&input).into();
            assert_eq!(plain[i], want);
            let input = [key, pairs[2 * i], pairs[2 * i + 1]].concat();
            let want: [u8; 32] = sha3::Keccak256::digest(&input).into();
            assert_eq!(keyed[i], want);
        }
    }
}
