//! Legacy Keccak-256 (Ethereum's `keccak256`, pad byte `0x01`), spec §0 "Conventions".
//!
//! The BMT hashes 127 pairs of 32-byte segments per chunk; every such input fits in one
//! 136-byte Keccak block, so [`hash_pair`] and [`hash_keyed_pair`] skip the generic sponge and
//! run exactly one `keccak-f[1600]` permutation on lanes loaded straight from the inputs.
//! [`hash_pairs_x4`] and [`hash_keyed_pairs_x4`] do the same for four pairs at once with one
//! SIMD permutation where the CPU allows it (AVX2), and [`hash_pairs_x8`] and
//! [`hash_keyed_pairs_x8`] for eight (AVX-512F; two batches of four elsewhere) (spec §1.2,
//! §1.3). `unsafe` lives in one module per SIMD width (`x4_avx2`, `x8_avx512`).

mod x4;
#[cfg(target_arch = "x86_64")]
mod x4_avx2;
mod x8;
#[cfg(target_arch = "x86_64")]
mod x8_avx512;

pub use x4::{batch_backend, f1600_x4, hash_keyed_pairs_x4, hash_pairs_x4, BatchBackend, PARALLEL};
pub use x8::{f1600_x8, hash_keyed_pairs_x8, hash_pairs_x8, wide_backend, WideBackend, PARALLEL8};

/// The Keccak-256 rate in bytes: inputs shorter than this need a single permutation.
pub const RATE: usize = 136;

/// Length of a Keccak-256 digest.
pub const DIGEST_LEN: usize = 32;

/// Lanes (64-bit words) in one rate block.
const RATE_LANES: usize = RATE / 8;

#[inline(always)]
fn lane(bytes: &[u8; 32], i: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
    u64::from_le_bytes(word)
}

#[inline(always)]
fn squeeze(state: &[u64; 25]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(8).zip(state.iter()) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// The absorbed (padded, not yet permuted) state for `left || right`.
#[inline(always)]
fn keccak_pair_state(left: &[u8; 32], right: &[u8; 32]) -> [u64; 25] {
    let mut state = [0u64; 25];
    for i in 0..4 {
        state[i] = lane(left, i);
        state[i + 4] = lane(right, i);
    }
    // 64 bytes of input: pad byte 0x01 at offset 64 (lane 8), final bit at offset 135 (lane 16).
    state[8] = 0x01;
    state[RATE_LANES - 1] = 0x80 << 56;
    state
}

/// The absorbed (padded, not yet permuted) state for `key || left || right`.
#[inline(always)]
fn keccak_keyed_pair_state(key: &[u8; 32], left: &[u8; 32], right: &[u8; 32]) -> [u64; 25] {
    let mut state = [0u64; 25];
    for i in 0..4 {
        state[i] = lane(key, i);
        state[i + 4] = lane(left, i);
        state[i + 8] = lane(right, i);
    }
    // 96 bytes of input: pad byte at offset 96 (lane 12).
    state[12] = 0x01;
    state[RATE_LANES - 1] = 0x80 << 56;
    state
}

/// Keccak-256 of `left || right`: one permutation, no buffering.
///
/// This is the node hash of the plain BMT (spec §1.2).
#[inline]
pub fn hash_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut state = keccak_pair_state(left, right);
    ::keccak::f1600(&mut state);
    squeeze(&state)
}

/// Keccak-256 of `key || left || right` for a 32-byte key: one permutation.
///
/// This is the node hash of the keyed BMT (spec §1.3) with a full-size anchor.
#[inline]
pub fn hash_keyed_pair(key: &[u8; 32], left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut state = keccak_keyed_pair_state(key, left, right);
    ::keccak::f1600(&mut state);
    squeeze(&state)
}

/// A streaming Keccak-256 hasher for inputs of any length.
#[derive(Clone)]
pub struct Keccak256 {
    state: [u64; 25],
    buffer: [u8; RATE],
    buffered: usize,
}

impl Default for Keccak256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Keccak256 {
    /// An empty hasher.
    pub fn new() -> Self {
        Self {
            state: [0u64; 25],
            buffer: [0u8; RATE],
            buffered: 0,
        }
    }

    fn absorb_block(state: &mut [u64; 25], block: &[u8]) {
        for (word, bytes) in state.iter_mut().zip(block.chunks_exact(8)) {
            let mut w = [0u8; 8];
            w.copy_from_slice(bytes);
            *word ^= u64::from_le_bytes(w);
        }
        ::keccak::f1600(state);
    }

    /// Feeds more input.
    pub fn update(&mut self, mut data: &[u8]) {
        if self.buffered > 0 {
            let take = (RATE - self.buffered).min(data.len());
            self.buffer[self.buffered..self.buffered + take].copy_from_slice(&data[..take]);
            self.buffered += take;
            data = &data[take..];
            if self.buffered < RATE {
                return;
            }
            Self::absorb_block(&mut self.state, &self.buffer);
            self.buffered = 0;
        }
        let mut blocks = data.chunks_exact(RATE);
        for block in &mut blocks {
            Self::absorb_block(&mut self.state, block);
        }
        let rest = blocks.remainder();
        self.buffer[..rest.len()].copy_from_slice(rest);
        self.buffered = rest.len();
    }

    /// Applies the Keccak padding and returns the 32-byte digest.
    pub fn finalize(mut self) -> [u8; 32] {
        self.buffer[self.buffered..].fill(0);
        self.buffer[self.buffered] ^= 0x01;
        self.buffer[RATE - 1] ^= 0x80;
        let block = self.buffer;
        Self::absorb_block(&mut self.state, &block);
        squeeze(&self.state)
    }
}

/// Keccak-256 of the concatenation of `parts`.
pub fn keccak256_concat(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()
}

/// Keccak-256 of `data`.
pub fn keccak256(data: impl AsRef<[u8]>) -> [u8; 32] {
    keccak256_concat(&[data.as_ref()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha3::Digest;

    fn reference(data: &[u8]) -> [u8; 32] {
        sha3::Keccak256::digest(data).into()
    }

    #[test]
    fn empty_input_matches_ethereum() {
        assert_eq!(
            hex::encode(keccak256([])),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn matches_independent_keccak_at_every_length_around_the_rate() {
        let data: Vec<u8> = (0..600u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(
                keccak256(&data[..len]),
                reference(&data[..len]),
                "len {len}"
            );
        }
    }

    #[test]
    fn streaming_in_odd_pieces_matches_one_shot() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 13) as u8).collect();
        let mut hasher = Keccak256::new();
        for piece in data.chunks(37) {
            hasher.update(piece);
        }
        assert_eq!(hasher.finalize(), reference(&data));
    }

    #[test]
    fn pair_fast_paths_match_generic() {
        let a = [0x11u8; 32];
        let b = [0xeeu8; 32];
        let k = [0x5au8; 32];
        assert_eq!(hash_pair(&a, &b), reference(&[a, b].concat()));
        assert_eq!(hash_keyed_pair(&k, &a, &b), reference(&[k, a, b].concat()));
    }
}
