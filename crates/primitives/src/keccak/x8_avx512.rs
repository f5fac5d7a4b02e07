//! `keccak-f[1600]` on eight interleaved states with AVX-512F (spec §1.2, §1.3 node hashes).
//!
//! Lane `i` of the eight states lives in one 512-bit register, state `k` in its 64-bit
//! element `k`, so every step of a round is one vector instruction for all eight states.
//! AVX-512F has what the AVX2 kernel has to emulate: a 64-bit rotate (`vprolq`) and a
//! three-input logic instruction (`vpternlogq`), which does chi's `a ^ (!b & c)` and theta's
//! three-way xors in one instruction each.
//!
//! Inputs are gathered straight from the pairs as they lie in a tree level (element `k` of
//! lane `w` is word `w` of pair `2k` or `2k + 1`), digests scattered straight into the output;
//! no transposes.
//!
//! Every function here is `#[target_feature(enable = "avx512f")]` and must only be called
//! after AVX-512F has been detected at runtime (the dispatch in `x8.rs` does that).

use core::arch::x86_64::{
    __m512i, _mm512_i64gather_epi64, _mm512_i64scatter_epi64, _mm512_rol_epi64, _mm512_set1_epi64,
    _mm512_setr_epi64, _mm512_setzero_si512, _mm512_ternarylogic_epi64, _mm512_xor_si512,
};

use super::x4::{RHO, ROUND_CONSTANTS};
use super::x8::PARALLEL8;

/// `vpternlogq` truth table of `a ^ b ^ c` (operands 0xF0, 0xCC, 0xAA).
const XOR3: i32 = 0x96;
/// `vpternlogq` truth table of `a ^ (!b & c)`, Keccak's chi.
const CHI: i32 = 0xD2;

/// Lane `(x, y)` of theta-rho-pi's output `B`: pi takes it from lane `(x + 3y mod 5, x)` of
/// `$a`, xored with its column's theta mix `$d` and rotated by its rho offset.
macro_rules! theta_rho_pi_lane {
    ($a:ident, $d:ident, $x:literal, $y:literal) => {
        _mm512_rol_epi64::<{ RHO[($x + 3 * $y) % 5 + 5 * $x] }>(_mm512_xor_si512(
            $a[($x + 3 * $y) % 5 + 5 * $x],
            $d[($x + 3 * $y) % 5],
        ))
    };
}

/// Row `y` of one round: its five `B` lanes, then chi
/// `E[x, y] = B[x, y] ^ (!B[x + 1, y] & B[x + 2, y])` into `$e`, one `vpternlogq` per lane.
macro_rules! round_row {
    ($a:ident, $d:ident, $e:ident, $y:literal) => {{
        let b0 = theta_rho_pi_lane!($a, $d, 0, $y);
        let b1 = theta_rho_pi_lane!($a, $d, 1, $y);
        let b2 = theta_rho_pi_lane!($a, $d, 2, $y);
        let b3 = theta_rho_pi_lane!($a, $d, 3, $y);
        let b4 = theta_rho_pi_lane!($a, $d, 4, $y);
        $e[5 * $y] = _mm512_ternarylogic_epi64::<CHI>(b0, b1, b2);
        $e[5 * $y + 1] = _mm512_ternarylogic_epi64::<CHI>(b1, b2, b3);
        $e[5 * $y + 2] = _mm512_ternarylogic_epi64::<CHI>(b2, b3, b4);
        $e[5 * $y + 3] = _mm512_ternarylogic_epi64::<CHI>(b3, b4, b0);
        $e[5 * $y + 4] = _mm512_ternarylogic_epi64::<CHI>(b4, b0, b1);
    }};
}

/// Column parity `a[x] ^ a[x + 5] ^ … ^ a[x + 20]` in two `vpternlogq`.
macro_rules! column {
    ($a:ident, $x:literal) => {
        _mm512_ternarylogic_epi64::<XOR3>(
            _mm512_ternarylogic_epi64::<XOR3>($a[$x], $a[$x + 5], $a[$x + 10]),
            $a[$x + 15],
            $a[$x + 20],
        )
    };
}

/// One round (FIPS 202 §3.3: theta, rho, pi, chi, iota) from state `$a` into state `$e`.
macro_rules! round {
    ($a:ident, $e:ident, $rc:expr) => {{
        // Theta: column parities C[x], then D[x] = C[x - 1] ^ rot(C[x + 1], 1).
        let c: [__m512i; 5] = [
            column!($a, 0),
            column!($a, 1),
            column!($a, 2),
            column!($a, 3),
            column!($a, 4),
        ];
        let d: [__m512i; 5] = [
            _mm512_xor_si512(c[4], _mm512_rol_epi64::<1>(c[1])),
            _mm512_xor_si512(c[0], _mm512_rol_epi64::<1>(c[2])),
            _mm512_xor_si512(c[1], _mm512_rol_epi64::<1>(c[3])),
            _mm512_xor_si512(c[2], _mm512_rol_epi64::<1>(c[4])),
            _mm512_xor_si512(c[3], _mm512_rol_epi64::<1>(c[0])),
        ];
        round_row!($a, d, $e, 0);
        round_row!($a, d, $e, 1);
        round_row!($a, d, $e, 2);
        round_row!($a, d, $e, 3);
        round_row!($a, d, $e, 4);
        // Iota.
        $e[0] = _mm512_xor_si512($e[0], _mm512_set1_epi64($rc as i64));
    }};
}

/// The 24 rounds of `keccak-f[1600]` (FIPS 202 §3.3) on eight interleaved states.
#[inline]
#[target_feature(enable = "avx512f")]
fn permute(state: &mut [__m512i; 25]) {
    let mut a = *state;
    let mut e = [_mm512_setzero_si512(); 25];
    // Two rounds per iteration, ping-ponging between `a` and `e` instead of copying.
    for rc in ROUND_CONSTANTS.chunks_exact(2) {
        round!(a, e, rc[0]);
        round!(e, a, rc[1]);
    }
    *state = a;
}

/// Word offsets (in 8-byte units) of the first word of pair `2k` (`first = 0`) or `2k + 1`
/// (`first = 4`) in a level laid out as `[[u8; 32]; 16]`: pair `p` starts at word `4p`.
#[inline]
#[target_feature(enable = "avx512f")]
fn pair_offsets(first: i64) -> __m512i {
    _mm512_setr_epi64(
        first,
        first + 8,
        first + 16,
        first + 24,
        first + 32,
        first + 40,
        first + 48,
        first + 56,
    )
}

/// Lanes `0..4` of the left (`first = 0`) or right (`first = 4`) halves of eight pairs.
///
/// # Safety
/// The CPU must support AVX-512F.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn gather_halves(pairs: &[[u8; 32]; 2 * PARALLEL8], first: i64) -> [__m512i; 4] {
    let base = pairs.as_ptr().cast::<u8>();
    let offsets = pair_offsets(first);
    // SAFETY: every index is `4p + w` for a pair `p < 16` and a word `w < 4`, so each 8-byte
    // read at `base + 8 × index` lies inside the 512-byte `pairs`; gathers need no alignment.
    unsafe {
        [
            _mm512_i64gather_epi64::<8>(offsets, base.cast()),
            _mm512_i64gather_epi64::<8>(offsets, base.add(8).cast()),
            _mm512_i64gather_epi64::<8>(offsets, base.add(16).cast()),
            _mm512_i64gather_epi64::<8>(offsets, base.add(24).cast()),
        ]
    }
}

/// The first four lanes (the Keccak-256 digest) of each of the eight states.
///
/// # Safety
/// The CPU must support AVX-512F.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn digests(state: &[__m512i; 25]) -> [[u8; 32]; PARALLEL8] {
    let mut out = [[0u8; 32]; PARALLEL8];
    let base = out.as_mut_ptr().cast::<u8>();
    // Digest `k` starts at word `4k` of `out`.
    let offsets = _mm512_setr_epi64(0, 4, 8, 12, 16, 20, 24, 28);
    // SAFETY: every index is `4k + w` for `k < 8`, `w < 4`, so each 8-byte write lies inside
    // the 256-byte `out`; scatters need no alignment.
    unsafe {
        for (word, lane) in state.iter().take(4).enumerate() {
            _mm512_i64scatter_epi64::<8>(base.add(8 * word).cast(), offsets, *lane);
        }
    }
    out
}

/// Padding of a single-block Keccak-256 input of `len` bytes: the `0x01` byte's lane and the
/// final `0x80` byte in lane 16, broadcast to eight states.
#[inline]
#[target_feature(enable = "avx512f")]
fn pad(state: &mut [__m512i; 25], len: usize) {
    state[len / 8] = _mm512_set1_epi64(0x01);
    state[16] = _mm512_set1_epi64((0x80u64 << 56) as i64);
}

/// Eight `keccak-f[1600]` permutations; see [`super::f1600_x8`].
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn f1600_x8(states: &mut [[u64; 25]; PARALLEL8]) {
    let base = states.as_mut_ptr().cast::<u64>();
    // State `k` starts at word `25k`.
    let offsets = _mm512_setr_epi64(0, 25, 50, 75, 100, 125, 150, 175);
    let mut lanes = [_mm512_setzero_si512(); 25];
    // SAFETY: every index is `25k + i` for `k < 8`, `i < 25`: inside the 200 words of
    // `states`, which `base` borrows mutably for the whole function.
    unsafe {
        for (i, lane) in lanes.iter_mut().enumerate() {
            *lane = _mm512_i64gather_epi64::<8>(offsets, base.add(i).cast_const().cast());
        }
        permute(&mut lanes);
        for (i, lane) in lanes.iter().enumerate() {
            _mm512_i64scatter_epi64::<8>(base.add(i).cast(), offsets, *lane);
        }
    }
}

/// Eight plain BMT node hashes; see [`super::hash_pairs_x8`].
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn hash_pairs_x8(pairs: &[[u8; 32]; 2 * PARALLEL8]) -> [[u8; 32]; PARALLEL8] {
    let mut state = [_mm512_setzero_si512(); 25];
    // SAFETY: AVX-512F is guaranteed by the caller; the helpers only touch `pairs`.
    unsafe {
        state[0..4].copy_from_slice(&gather_halves(pairs, 0));
        state[4..8].copy_from_slice(&gather_halves(pairs, 4));
    }
    pad(&mut state, 64);
    permute(&mut state);
    // SAFETY: AVX-512F is guaranteed by the caller.
    unsafe { digests(&state) }
}

/// Eight keyed BMT node hashes with a 32-byte key; see [`super::hash_keyed_pairs_x8`].
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn hash_keyed_pairs_x8(
    key: &[u8; 32],
    pairs: &[[u8; 32]; 2 * PARALLEL8],
) -> [[u8; 32]; PARALLEL8] {
    let mut state = [_mm512_setzero_si512(); 25];
    // The key's four words, each broadcast to the eight states.
    let mut key_words = [0u64; 4];
    for (word, bytes) in key_words.iter_mut().zip(key.chunks_exact(8)) {
        let mut le = [0u8; 8];
        le.copy_from_slice(bytes);
        *word = u64::from_le_bytes(le);
    }
    for (lane, word) in state.iter_mut().zip(key_words) {
        *lane = _mm512_set1_epi64(word as i64);
    }
    // SAFETY: AVX-512F is guaranteed by the caller; the helpers only touch `pairs`.
    unsafe {
        state[4..8].copy_from_slice(&gather_halves(pairs, 0));
        state[8..12].copy_from_slice(&gather_halves(pairs, 4));
    }
    pad(&mut state, 96);
    permute(&mut state);
    // SAFETY: AVX-512F is guaranteed by the caller.
    unsafe { digests(&state) }
}
