//! `keccak-f[1600]` on four interleaved states with AVX2 (spec §1.2, §1.3 node hashes).
//!
//! Lane `i` of the four states lives in one 256-bit register, state `k` in its 64-bit element
//! `k`, so every step of a round is one vector instruction for all four states. AVX2 has no
//! 64-bit rotate: rotations are `shift left | shift right`, except rotations by 8 and 56 bits,
//! which are byte shuffles. Chi's `!b & c` is `_mm256_andnot_si256`.
//!
//! Every function here is `#[target_feature(enable = "avx2")]` and must only be called after
//! AVX2 has been detected at runtime (the dispatch in `x4.rs` does that).
//!
//! The vector-only helpers carry `#[allow(unused_unsafe)]`: arithmetic intrinsics need an
//! `unsafe` block on the workspace's minimum Rust (1.85) but are safe inside an AVX2 function
//! on Rust 1.87 and later.

use core::arch::x86_64::{
    __m256i, _mm256_andnot_si256, _mm256_loadu_si256, _mm256_or_si256, _mm256_permute2x128_si256,
    _mm256_set1_epi64x, _mm256_set_epi64x, _mm256_setr_epi8, _mm256_setzero_si256,
    _mm256_shuffle_epi8, _mm256_slli_epi64, _mm256_srli_epi64, _mm256_storeu_si256,
    _mm256_unpackhi_epi64, _mm256_unpacklo_epi64, _mm256_xor_si256,
};

use super::x4::{PARALLEL, RHO, ROUND_CONSTANTS};

/// Rotates every 64-bit element of `$x` left by the constant `$n` bits.
macro_rules! rotl {
    ($x:expr, $n:expr) => {{
        let x: __m256i = $x;
        if $n == 0 {
            x
        } else if $n == 8 {
            // Byte k of each element comes from byte k - 1 (mod 8).
            _mm256_shuffle_epi8(
                x,
                _mm256_setr_epi8(
                    7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9, 10, 11, 12, 13, 14, 7, 0, 1, 2, 3, 4, 5, 6,
                    15, 8, 9, 10, 11, 12, 13, 14,
                ),
            )
        } else if $n == 56 {
            // Byte k of each element comes from byte k + 1 (mod 8).
            _mm256_shuffle_epi8(
                x,
                _mm256_setr_epi8(
                    1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8, 1, 2, 3, 4, 5, 6, 7, 0,
                    9, 10, 11, 12, 13, 14, 15, 8,
                ),
            )
        } else {
            _mm256_or_si256(
                _mm256_slli_epi64::<{ $n }>(x),
                _mm256_srli_epi64::<{ 64 - $n }>(x),
            )
        }
    }};
}

/// Lane `(x, y)` of theta-rho-pi's output `B`: pi takes it from lane `(x + 3y mod 5, x)` of
/// `$a`, which is first xored with its column's theta mix `$d` and rotated by its rho offset.
macro_rules! theta_rho_pi_lane {
    ($a:ident, $d:ident, $x:literal, $y:literal) => {
        rotl!(
            _mm256_xor_si256($a[($x + 3 * $y) % 5 + 5 * $x], $d[($x + 3 * $y) % 5]),
            RHO[($x + 3 * $y) % 5 + 5 * $x]
        )
    };
}

/// Row `y` of one round: the five `B` lanes of the row, then chi
/// `E[x, y] = B[x, y] ^ (!B[x + 1, y] & B[x + 2, y])` into `$e`. Working row by row keeps
/// only a handful of registers live.
macro_rules! round_row {
    ($a:ident, $d:ident, $e:ident, $y:literal) => {{
        let b0 = theta_rho_pi_lane!($a, $d, 0, $y);
        let b1 = theta_rho_pi_lane!($a, $d, 1, $y);
        let b2 = theta_rho_pi_lane!($a, $d, 2, $y);
        let b3 = theta_rho_pi_lane!($a, $d, 3, $y);
        let b4 = theta_rho_pi_lane!($a, $d, 4, $y);
        $e[5 * $y] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2));
        $e[5 * $y + 1] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3));
        $e[5 * $y + 2] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4));
        $e[5 * $y + 3] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0));
        $e[5 * $y + 4] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1));
    }};
}

/// One round (FIPS 202 §3.3: theta, rho, pi, chi, iota) from state `$a` into state `$e`.
macro_rules! round {
    ($a:ident, $e:ident, $rc:expr) => {{
        // Theta: column parities C[x], then D[x] = C[x - 1] ^ rot(C[x + 1], 1).
        let c: [__m256i; 5] = [
            xor5($a[0], $a[5], $a[10], $a[15], $a[20]),
            xor5($a[1], $a[6], $a[11], $a[16], $a[21]),
            xor5($a[2], $a[7], $a[12], $a[17], $a[22]),
            xor5($a[3], $a[8], $a[13], $a[18], $a[23]),
            xor5($a[4], $a[9], $a[14], $a[19], $a[24]),
        ];
        let d: [__m256i; 5] = [
            _mm256_xor_si256(c[4], rotl!(c[1], 1)),
            _mm256_xor_si256(c[0], rotl!(c[2], 1)),
            _mm256_xor_si256(c[1], rotl!(c[3], 1)),
            _mm256_xor_si256(c[2], rotl!(c[4], 1)),
            _mm256_xor_si256(c[3], rotl!(c[0], 1)),
        ];
        round_row!($a, d, $e, 0);
        round_row!($a, d, $e, 1);
        round_row!($a, d, $e, 2);
        round_row!($a, d, $e, 3);
        round_row!($a, d, $e, 4);
        // Iota.
        $e[0] = _mm256_xor_si256($e[0], _mm256_set1_epi64x($rc as i64));
    }};
}

/// `a ^ b ^ c ^ d ^ e`.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn xor5(a: __m256i, b: __m256i, c: __m256i, d: __m256i, e: __m256i) -> __m256i {
    // SAFETY: register-only AVX2 intrinsics; the caller guarantees AVX2 is available.
    unsafe {
        _mm256_xor_si256(
            _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d)),
            e,
        )
    }
}

/// The 24 rounds of `keccak-f[1600]` (FIPS 202 §3.3) on four interleaved states.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn permute(state: &mut [__m256i; 25]) {
    // SAFETY: register-only AVX2 intrinsics and calls of AVX2 helpers; the caller guarantees
    // AVX2 is available.
    unsafe {
        let mut a = *state;
        let mut e = [_mm256_setzero_si256(); 25];
        // Two rounds per iteration, ping-ponging between `a` and `e` instead of copying.
        for rc in ROUND_CONSTANTS.chunks_exact(2) {
            round!(a, e, rc[0]);
            round!(e, a, rc[1]);
        }
        *state = a;
    }
}

/// Transposes a 4x4 matrix of 64-bit words held as four rows; its own inverse.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn transpose(rows: [__m256i; 4]) -> [__m256i; 4] {
    // SAFETY: register-only AVX2 intrinsics; the caller guarantees AVX2 is available.
    unsafe {
        let [r0, r1, r2, r3] = rows;
        let t0 = _mm256_unpacklo_epi64(r0, r1); // r0[0] r1[0] r0[2] r1[2]
        let t1 = _mm256_unpackhi_epi64(r0, r1); // r0[1] r1[1] r0[3] r1[3]
        let t2 = _mm256_unpacklo_epi64(r2, r3); // r2[0] r3[0] r2[2] r3[2]
        let t3 = _mm256_unpackhi_epi64(r2, r3); // r2[1] r3[1] r2[3] r3[3]
        [
            _mm256_permute2x128_si256::<0x20>(t0, t2),
            _mm256_permute2x128_si256::<0x20>(t1, t3),
            _mm256_permute2x128_si256::<0x31>(t0, t2),
            _mm256_permute2x128_si256::<0x31>(t1, t3),
        ]
    }
}

/// Loads four 32-byte blocks as rows and returns their transpose: element `k` of output `i`
/// is little-endian word `i` of `blocks[k]`.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_columns(blocks: [&[u8; 32]; 4]) -> [__m256i; 4] {
    // SAFETY: each pointer comes from a live `&[u8; 32]`, valid for a 32-byte read;
    // `_mm256_loadu_si256` has no alignment requirement. AVX2 is guaranteed by the caller.
    unsafe {
        let [b0, b1, b2, b3] = blocks;
        transpose([
            _mm256_loadu_si256(b0.as_ptr().cast()),
            _mm256_loadu_si256(b1.as_ptr().cast()),
            _mm256_loadu_si256(b2.as_ptr().cast()),
            _mm256_loadu_si256(b3.as_ptr().cast()),
        ])
    }
}

/// The first four lanes (the Keccak-256 digest) of each of the four states.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn digests(state: &[__m256i; 25]) -> [[u8; 32]; PARALLEL] {
    let mut out = [[0u8; 32]; PARALLEL];
    // SAFETY: each pointer comes from a live `&mut [u8; 32]`, valid for a 32-byte write;
    // `_mm256_storeu_si256` has no alignment requirement. AVX2 is guaranteed by the caller.
    unsafe {
        let rows = transpose([state[0], state[1], state[2], state[3]]);
        for (digest, row) in out.iter_mut().zip(rows) {
            _mm256_storeu_si256(digest.as_mut_ptr().cast(), row);
        }
    }
    out
}

/// Padding of a single-block Keccak-256 input of `len` bytes: the `0x01` byte's lane and the
/// final `0x80` byte in lane 16, both broadcast to four states.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn pad(state: &mut [__m256i; 25], len: usize) {
    // SAFETY: register-only AVX2 intrinsics; the caller guarantees AVX2 is available.
    unsafe {
        state[len / 8] = _mm256_set1_epi64x(0x01);
        state[16] = _mm256_set1_epi64x((0x80u64 << 56) as i64);
    }
}

/// Four `keccak-f[1600]` permutations; see [`super::f1600_x4`].
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn f1600_x4(states: &mut [[u64; 25]; PARALLEL]) {
    // SAFETY: every pointer is derived from a 4-word subslice of a live state, valid for a
    // 32-byte read and write; `loadu`/`storeu` need no alignment. AVX2 is guaranteed by the
    // caller.
    unsafe {
        let mut lanes = [_mm256_setzero_si256(); 25];
        for group in 0..6 {
            let words = 4 * group..4 * group + 4;
            let rows = [
                _mm256_loadu_si256(states[0][words.clone()].as_ptr().cast()),
                _mm256_loadu_si256(states[1][words.clone()].as_ptr().cast()),
                _mm256_loadu_si256(states[2][words.clone()].as_ptr().cast()),
                _mm256_loadu_si256(states[3][words.clone()].as_ptr().cast()),
            ];
            lanes[words].copy_from_slice(&transpose(rows));
        }
        lanes[24] = _mm256_set_epi64x(
            states[3][24] as i64,
            states[2][24] as i64,
            states[1][24] as i64,
            states[0][24] as i64,
        );

        permute(&mut lanes);

        for group in 0..6 {
            let words = 4 * group..4 * group + 4;
            let mut quad = [_mm256_setzero_si256(); 4];
            quad.copy_from_slice(&lanes[words.clone()]);
            for (state, row) in states.iter_mut().zip(transpose(quad)) {
                _mm256_storeu_si256(state[words.clone()].as_mut_ptr().cast(), row);
            }
        }
        let mut last = [0u64; PARALLEL];
        _mm256_storeu_si256(last.as_mut_ptr().cast(), lanes[24]);
        for (state, word) in states.iter_mut().zip(last) {
            state[24] = word;
        }
    }
}

/// Four plain BMT node hashes; see [`super::hash_pairs_x4`].
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn hash_pairs_x4(pairs: &[[u8; 32]; 2 * PARALLEL]) -> [[u8; 32]; PARALLEL] {
    // SAFETY: AVX2 is guaranteed by the caller; the helpers only touch live references.
    unsafe {
        let mut state = [_mm256_setzero_si256(); 25];
        let left = load_columns([&pairs[0], &pairs[2], &pairs[4], &pairs[6]]);
        let right = load_columns([&pairs[1], &pairs[3], &pairs[5], &pairs[7]]);
        state[0..4].copy_from_slice(&left);
        state[4..8].copy_from_slice(&right);
        pad(&mut state, 64);
        permute(&mut state);
        digests(&state)
    }
}

/// Four keyed BMT node hashes with a 32-byte key; see [`super::hash_keyed_pairs_x4`].
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn hash_keyed_pairs_x4(
    key: &[u8; 32],
    pairs: &[[u8; 32]; 2 * PARALLEL],
) -> [[u8; 32]; PARALLEL] {
    // SAFETY: AVX2 is guaranteed by the caller; the helpers only touch live references.
    unsafe {
        let mut state = [_mm256_setzero_si256(); 25];
        let keys = load_columns([key, key, key, key]);
        let left = load_columns([&pairs[0], &pairs[2], &pairs[4], &pairs[6]]);
        let right = load_columns([&pairs[1], &pairs[3], &pairs[5], &pairs[7]]);
        state[0..4].copy_from_slice(&keys);
        state[4..8].copy_from_slice(&left);
        state[8..12].copy_from_slice(&right);
        pad(&mut state, 96);
        permute(&mut state);
        digests(&state)
    }
}
