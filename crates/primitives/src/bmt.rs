//! The Binary Merkle Tree chunk hash (spec §1.2), its keyed variant (§1.3) and segment
//! inclusion proofs (§1.4).
//!
//! A payload of up to 4096 bytes is zero-padded to 128 segments of 32 bytes; pairs are hashed
//! level by level up to one root, and the chunk hash is `H(span || root)`. The keyed variant
//! prefixes every keccak input, including the final one, with a key (the round anchor).
//! Subtrees that lie wholly in the zero padding are taken from a precomputed ladder, so short
//! payloads cost only the hashes their data touches.
//!
//! Within a level the pairs are independent, so they are hashed eight at a time with
//! [`NodeHasher::nodes8`] (one 8-way AVX-512F keccak permutation where the CPU has it, see
//! [`crate::keccak::hash_pairs_x8`]), then four at a time with [`NodeHasher::nodes4`] (4-way
//! AVX2); the narrow top of the tree and the final span hash take the one-at-a-time path.

use std::sync::OnceLock;

use crate::keccak::{
    hash_keyed_pair, hash_keyed_pairs_x4, hash_keyed_pairs_x8, hash_pair, hash_pairs_x4,
    hash_pairs_x8, keccak256_concat, Keccak256,
};
use crate::{PrimitivesError, BRANCHES, CHUNK_SIZE, SEGMENT_SIZE, SPAN_SIZE};

/// Number of hashing levels in a chunk's BMT (128 = 2^7 segments).
pub const BMT_DEPTH: usize = 7;

/// A 32-byte segment or tree node.
pub type Segment = [u8; SEGMENT_SIZE];

/// The 8-byte little-endian span that prefixes every chunk.
pub type Span = [u8; SPAN_SIZE];

/// How the nodes of one BMT are hashed: plain (§1.2) or keyed with an anchor (§1.3).
pub trait NodeHasher {
    /// Hash of two sibling nodes.
    fn node(&self, left: &Segment, right: &Segment) -> Segment;
    /// Hashes of four sibling pairs as they lie in a tree level: output `i` is
    /// `node(&pairs[2 * i], &pairs[2 * i + 1])`.
    ///
    /// [`root_with`] and [`BmtTree::build`] hash the wide levels of the tree (spec §1.2, keyed
    /// §1.3) through this, four independent pairs per call. Hashers backed by a batched keccak
    /// override it (one 4-way SIMD permutation); the default calls [`NodeHasher::node`] four
    /// times. Overrides must return exactly what four `node` calls would.
    fn nodes4(&self, pairs: &[Segment; 8]) -> [Segment; 4] {
        [
            self.node(&pairs[0], &pairs[1]),
            self.node(&pairs[2], &pairs[3]),
            self.node(&pairs[4], &pairs[5]),
            self.node(&pairs[6], &pairs[7]),
        ]
    }
    /// Hashes of eight sibling pairs: output `i` is `node(&pairs[2 * i], &pairs[2 * i + 1])`.
    ///
    /// The wide levels of the tree go through this first, eight pairs per call. Hashers
    /// backed by a batched keccak override it (one 8-way permutation); the default makes two
    /// [`NodeHasher::nodes4`] calls. Overrides must return exactly what eight `node` calls
    /// would.
    fn nodes8(&self, pairs: &[Segment; 16]) -> [Segment; 8] {
        let (low, high) = pairs.split_at(8);
        let mut out = [[0u8; SEGMENT_SIZE]; 8];
        if let (Some(low), Some(high)) = (low.first_chunk::<8>(), high.first_chunk::<8>()) {
            out[..4].copy_from_slice(&self.nodes4(low));
            out[4..].copy_from_slice(&self.nodes4(high));
        }
        out
    }
    /// Hash of an all-zero subtree whose leaves are `2^level` segments.
    fn zero(&self, level: usize) -> &Segment;
    /// The chunk hash from the span and the tree root.
    fn finish(&self, span: &Span, root: &Segment) -> Segment;
}

/// Plain BMT hashing as used for chunk addresses (spec §1.2).
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainHasher;

fn plain_zero_ladder() -> &'static [Segment; BMT_DEPTH + 1] {
    static LADDER: OnceLock<[Segment; BMT_DEPTH + 1]> = OnceLock::new();
    LADDER.get_or_init(|| build_ladder(hash_pair))
}

fn build_ladder(node: impl Fn(&Segment, &Segment) -> Segment) -> [Segment; BMT_DEPTH + 1] {
    let mut ladder = [[0u8; SEGMENT_SIZE]; BMT_DEPTH + 1];
    for level in 1..=BMT_DEPTH {
        ladder[level] = node(&ladder[level - 1], &ladder[level - 1]);
    }
    ladder
}

impl NodeHasher for PlainHasher {
    #[inline]
    fn node(&self, left: &Segment, right: &Segment) -> Segment {
        hash_pair(left, right)
    }
    #[inline]
    fn nodes4(&self, pairs: &[Segment; 8]) -> [Segment; 4] {
        hash_pairs_x4(pairs)
    }
    #[inline]
    fn nodes8(&self, pairs: &[Segment; 16]) -> [Segment; 8] {
        hash_pairs_x8(pairs)
    }
    fn zero(&self, level: usize) -> &Segment {
        &plain_zero_ladder()[level]
    }
    fn finish(&self, span: &Span, root: &Segment) -> Segment {
        keccak256_concat(&[span, root])
    }
}

/// Keyed ("prefixed") BMT hashing, used to compute transformed addresses for the reserve
/// sample (spec §1.3, §6.2). Build it once per anchor and reuse it for every chunk.
#[derive(Debug, Clone)]
pub struct KeyedHasher {
    key: Vec<u8>,
    key32: Option<Segment>,
    ladder: [Segment; BMT_DEPTH + 1],
}

impl KeyedHasher {
    /// A hasher keyed with `key`; any length is accepted (bee's anchors are usually 32 bytes,
    /// its regression vectors use a single byte).
    pub fn new(key: &[u8]) -> Self {
        let key32 = <Segment>::try_from(key).ok();
        let mut hasher = Self {
            key: key.to_vec(),
            key32,
            ladder: [[0u8; SEGMENT_SIZE]; BMT_DEPTH + 1],
        };
        hasher.ladder = build_ladder(|l, r| hasher.node(l, r));
        hasher
    }

    /// The key every hash is prefixed with.
    pub fn key(&self) -> &[u8] {
        &self.key
    }
}

impl NodeHasher for KeyedHasher {
    #[inline]
    fn node(&self, left: &Segment, right: &Segment) -> Segment {
        match &self.key32 {
            Some(key) => hash_keyed_pair(key, left, right),
            None => keccak256_concat(&[&self.key, left, right]),
        }
    }
    #[inline]
    fn nodes4(&self, pairs: &[Segment; 8]) -> [Segment; 4] {
        match &self.key32 {
            Some(key) => hash_keyed_pairs_x4(key, pairs),
            None => std::array::from_fn(|i| self.node(&pairs[2 * i], &pairs[2 * i + 1])),
        }
    }
    #[inline]
    fn nodes8(&self, pairs: &[Segment; 16]) -> [Segment; 8] {
        match &self.key32 {
            Some(key) => hash_keyed_pairs_x8(key, pairs),
            None => std::array::from_fn(|i| self.node(&pairs[2 * i], &pairs[2 * i + 1])),
        }
    }
    fn zero(&self, level: usize) -> &Segment {
        &self.ladder[level]
    }
    fn finish(&self, span: &Span, root: &Segment) -> Segment {
        let mut hasher = Keccak256::new();
        hasher.update(&self.key);
        hasher.update(span);
        hasher.update(root);
        hasher.finalize()
    }
}

fn check_payload(payload: &[u8]) -> Result<(), PrimitivesError> {
    if payload.len() > CHUNK_SIZE {
        return Err(PrimitivesError::PayloadTooLarge(payload.len()));
    }
    Ok(())
}

/// The BMT root of a payload of at most 4096 bytes.
pub fn root_with<H: NodeHasher>(hasher: &H, payload: &[u8]) -> Result<Segment, PrimitivesError> {
    check_payload(payload)?;
    let mut nodes = [[0u8; SEGMENT_SIZE]; BRANCHES];
    for (node, segment) in nodes.iter_mut().zip(payload.chunks(SEGMENT_SIZE)) {
        node[..segment.len()].copy_from_slice(segment);
    }
    // `live` nodes at the current level hold data; all nodes after them are zero subtrees.
    let mut live = payload.len().div_ceil(SEGMENT_SIZE);
    for level in 0..BMT_DEPTH {
        if live % 2 == 1 {
            nodes[live] = *hasher.zero(level);
        }
        let next_live = live.div_ceil(2);
        hash_level(hasher, &mut nodes, next_live);
        live = next_live;
    }
    Ok(if live == 0 {
        *hasher.zero(BMT_DEPTH)
    } else {
        nodes[0]
    })
}

/// Replaces `nodes[j]` by the hash of `nodes[2j]` and `nodes[2j + 1]` for `j` in `0..pairs`,
/// eight pairs per [`NodeHasher::nodes8`] call while at least eight remain, then four per
/// [`NodeHasher::nodes4`] call, then one by one.
///
/// Working in place is sound because batch `j..j + n` reads `2j..2j + 2n` and writes
/// `j..j + n`: for `j = 0` all reads happen before the writes, later batches write only
/// slots that no remaining pair reads.
fn hash_level<H: NodeHasher>(hasher: &H, nodes: &mut [Segment], pairs: usize) {
    let mut j = 0;
    while j + 8 <= pairs {
        let Some(group) = nodes.get(2 * j..).and_then(|rest| rest.first_chunk::<16>()) else {
            break;
        };
        let hashed = hasher.nodes8(group);
        nodes[j..j + 8].copy_from_slice(&hashed);
        j += 8;
    }
    while j + 4 <= pairs {
        let Some(group) = nodes.get(2 * j..).and_then(|rest| rest.first_chunk::<8>()) else {
            break;
        };
        let hashed = hasher.nodes4(group);
        nodes[j..j + 4].copy_from_slice(&hashed);
        j += 4;
    }
    for k in j..pairs {
        nodes[k] = hasher.node(&nodes[2 * k], &nodes[2 * k + 1]);
    }
}

/// The chunk hash `H(span || root)` (spec §1.2) with the given node hasher.
pub fn hash_with<H: NodeHasher>(
    hasher: &H,
    span: &Span,
    payload: &[u8],
) -> Result<Segment, PrimitivesError> {
    let root = root_with(hasher, payload)?;
    Ok(hasher.finish(span, &root))
}

/// The plain BMT hash of `span || payload`: a content-addressed chunk's address (spec §1.2).
pub fn bmt_hash(span: &Span, payload: &[u8]) -> Result<Segment, PrimitivesError> {
    hash_with(&PlainHasher, span, payload)
}

/// The keyed BMT hash of `span || payload` under `key` (spec §1.3).
pub fn keyed_bmt_hash(key: &[u8], span: &Span, payload: &[u8]) -> Result<Segment, PrimitivesError> {
    hash_with(&KeyedHasher::new(key), span, payload)
}

/// A fully materialised BMT, kept to build inclusion proofs (spec §1.4).
#[derive(Debug, Clone)]
pub struct BmtTree {
    /// `levels[0]` are the 128 segments, `levels[k]` the 128/2^k nodes of level k,
    /// `levels[7]` the single root.
    levels: Vec<Vec<Segment>>,
    span: Span,
    address: Segment,
}

impl BmtTree {
    /// Builds every level of the tree over `span || payload`.
    pub fn build<H: NodeHasher>(
        hasher: &H,
        span: &Span,
        payload: &[u8],
    ) -> Result<Self, PrimitivesError> {
        check_payload(payload)?;
        let mut segments = vec![[0u8; SEGMENT_SIZE]; BRANCHES];
        for (node, segment) in segments.iter_mut().zip(payload.chunks(SEGMENT_SIZE)) {
            node[..segment.len()].copy_from_slice(segment);
        }
        let mut levels = vec![segments];
        for _ in 0..BMT_DEPTH {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let mut next = below.to_vec();
            let pairs = below.len() / 2;
            hash_level(hasher, &mut next, pairs);
            next.truncate(pairs);
            levels.push(next);
        }
        let root = levels
            .last()
            .and_then(|level| level.first())
            .copied()
            .unwrap_or_default();
        let address = hasher.finish(span, &root);
        Ok(Self {
            levels,
            span: *span,
            address,
        })
    }

    /// The chunk hash `H(span || root)` of the tree.
    pub fn address(&self) -> Segment {
        self.address
    }

    /// The inclusion proof of segment `index` (0..128).
    pub fn proof(&self, index: usize) -> Result<InclusionProof, PrimitivesError> {
        if index >= BRANCHES {
            return Err(PrimitivesError::SegmentIndexOutOfRange(index));
        }
        let mut sisters = [[0u8; SEGMENT_SIZE]; BMT_DEPTH];
        for (level, sister) in sisters.iter_mut().enumerate() {
            *sister = self.levels[level][(index >> level) ^ 1];
        }
        Ok(InclusionProof {
            index,
            segment: self.levels[0][index],
            sisters,
            span: self.span,
        })
    }
}

/// A BMT inclusion proof of one 32-byte segment (spec §1.4): the segment, its seven sisters
/// from the leaf level up, and the chunk's span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InclusionProof {
    /// Index of the proved segment, 0..128.
    pub index: usize,
    /// The proved segment.
    pub segment: Segment,
    /// `sisters[0]` is the neighbouring raw segment, `sisters[k]` the sibling subtree at level k.
    pub sisters: [Segment; BMT_DEPTH],
    /// The chunk's span bytes.
    pub span: Span,
}

impl InclusionProof {
    /// Recomputes the chunk hash the proof commits to, with the given node hasher.
    pub fn chunk_address_with<H: NodeHasher>(&self, hasher: &H) -> Segment {
        let mut node = self.segment;
        for (level, sister) in self.sisters.iter().enumerate() {
            node = if (self.index >> level) & 1 == 0 {
                hasher.node(&node, sister)
            } else {
                hasher.node(sister, &node)
            };
        }
        hasher.finish(&self.span, &node)
    }

    /// Recomputes the plain chunk address the proof commits to.
    pub fn chunk_address(&self) -> Segment {
        self.chunk_address_with(&PlainHasher)
    }

    /// True if the proof shows its segment inside the chunk with address `expected`.
    pub fn verify(&self, expected: &Segment) -> bool {
        &self.chunk_address() == expected
    }

    /// True if the proof, with every hash keyed by `key`, leads to `expected`.
    pub fn verify_keyed(&self, key: &[u8], expected: &Segment) -> bool {
        &self.chunk_address_with(&KeyedHasher::new(key)) == expected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_root(payload: &[u8], node: impl Fn(&Segment, &Segment) -> Segment) -> Segment {
        let mut buf = payload.to_vec();
        buf.resize(CHUNK_SIZE, 0);
        let mut level: Vec<Segment> = buf
            .chunks_exact(32)
            .map(|c| <Segment>::try_from(c).unwrap())
            .collect();
        while level.len() > 1 {
            level = level.chunks_exact(2).map(|p| node(&p[0], &p[1])).collect();
        }
        level[0]
    }

    #[test]
    fn zero_shortcut_matches_naive_tree_for_every_length_class() {
        let keyed = KeyedHasher::new(b"k");
        for len in [
            0usize, 1, 31, 32, 33, 63, 64, 65, 100, 2047, 2048, 2049, 4095, 4096,
        ] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8 + 1).collect();
            assert_eq!(
                root_with(&PlainHasher, &payload).unwrap(),
                naive_root(&payload, hash_pair),
                "plain len {len}"
            );
            assert_eq!(
                root_with(&keyed, &payload).unwrap(),
                naive_root(&payload, |l, r| keyed.node(l, r)),
                "keyed len {len}"
            );
        }
    }

    /// SplitMix64, for deterministic pseudo-random test payloads.
    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Edge lengths around segment and level boundaries plus pseudo-random ones, each with
    /// pseudo-random contents (and a few zero-filled ones, which must not confuse the
    /// zero-subtree shortcut).
    fn varied_payloads() -> Vec<Vec<u8>> {
        let mut rng = 0x0b47_u64;
        let mut lengths = vec![
            0usize, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513, 1023,
            1024, 1025, 2047, 2048, 2049, 3000, 4064, 4095, 4096,
        ];
        for _ in 0..40 {
            lengths.push((splitmix(&mut rng) % (CHUNK_SIZE as u64 + 1)) as usize);
        }
        let mut payloads: Vec<Vec<u8>> = lengths
            .into_iter()
            .map(|len| (0..len).map(|_| splitmix(&mut rng) as u8).collect())
            .collect();
        payloads.push(vec![0u8; 4096]);
        payloads.push(vec![0u8; 1000]);
        payloads
    }

    /// A plain hasher that keeps the trait's defaults, unbatched `nodes4` and `nodes8`.
    struct DefaultBatchHasher;

    impl NodeHasher for DefaultBatchHasher {
        fn node(&self, left: &Segment, right: &Segment) -> Segment {
            hash_pair(left, right)
        }
        fn zero(&self, level: usize) -> &Segment {
            PlainHasher.zero(level)
        }
        fn finish(&self, span: &Span, root: &Segment) -> Segment {
            PlainHasher.finish(span, root)
        }
    }

    #[test]
    fn batched_root_matches_naive_levels_plain_and_keyed() {
        let hashers = [
            KeyedHasher::new(b"k"),
            KeyedHasher::new(&[0x5a; 32]),
            KeyedHasher::new(&(0..40u8).collect::<Vec<_>>()),
        ];
        for payload in varied_payloads() {
            let len = payload.len();
            let span = (len as u64).to_le_bytes();
            let plain = naive_root(&payload, hash_pair);
            assert_eq!(
                root_with(&PlainHasher, &payload).unwrap(),
                plain,
                "plain len {len}"
            );
            assert_eq!(
                root_with(&DefaultBatchHasher, &payload).unwrap(),
                plain,
                "default nodes4 and nodes8 len {len}"
            );
            assert_eq!(
                bmt_hash(&span, &payload).unwrap(),
                keccak256_concat(&[&span, &plain]),
                "plain hash len {len}"
            );
            for keyed in &hashers {
                let key_len = keyed.key().len();
                let root = naive_root(&payload, |l, r| keccak256_concat(&[keyed.key(), l, r]));
                assert_eq!(
                    root_with(keyed, &payload).unwrap(),
                    root,
                    "keyed ({key_len}-byte key) len {len}"
                );
                assert_eq!(
                    keyed_bmt_hash(keyed.key(), &span, &payload).unwrap(),
                    keccak256_concat(&[keyed.key(), &span, &root]),
                    "keyed hash ({key_len}-byte key) len {len}"
                );
            }
        }
    }

    #[test]
    fn nodes4_overrides_equal_four_single_node_hashes() {
        let mut rng = 7u64;
        let pairs: [Segment; 8] = std::array::from_fn(|_| {
            let mut segment = [0u8; SEGMENT_SIZE];
            for byte in segment.iter_mut() {
                *byte = splitmix(&mut rng) as u8;
            }
            segment
        });
        let single = |hasher: &dyn Fn(&Segment, &Segment) -> Segment| -> [Segment; 4] {
            std::array::from_fn(|i| hasher(&pairs[2 * i], &pairs[2 * i + 1]))
        };
        assert_eq!(
            PlainHasher.nodes4(&pairs),
            single(&|l, r| PlainHasher.node(l, r))
        );
        for key in [&b"k"[..], &[0x5a; 32], &[0x11; 40]] {
            let keyed = KeyedHasher::new(key);
            assert_eq!(keyed.nodes4(&pairs), single(&|l, r| keyed.node(l, r)));
        }
    }

    #[test]
    fn nodes8_overrides_and_default_equal_eight_single_node_hashes() {
        let mut rng = 11u64;
        let pairs: [Segment; 16] = std::array::from_fn(|_| {
            let mut segment = [0u8; SEGMENT_SIZE];
            for byte in segment.iter_mut() {
                *byte = splitmix(&mut rng) as u8;
            }
            segment
        });
        let single = |hasher: &dyn Fn(&Segment, &Segment) -> Segment| -> [Segment; 8] {
            std::array::from_fn(|i| hasher(&pairs[2 * i], &pairs[2 * i + 1]))
        };
        let plain = single(&|l, r| PlainHasher.node(l, r));
        assert_eq!(PlainHasher.nodes8(&pairs), plain);
        assert_eq!(
            DefaultBatchHasher.nodes8(&pairs),
            plain,
            "the trait's default"
        );
        for key in [&b"k"[..], &[0x5a; 32], &[0x11; 40]] {
            let keyed = KeyedHasher::new(key);
            assert_eq!(keyed.nodes8(&pairs), single(&|l, r| keyed.node(l, r)));
        }
    }

    #[test]
    fn batched_tree_build_matches_hash_and_proofs_verify() {
        let key = [0x33u8; 32];
        let keyed = KeyedHasher::new(&key);
        for payload in varied_payloads().into_iter().step_by(5) {
            let span = (payload.len() as u64).to_le_bytes();
            let tree = BmtTree::build(&PlainHasher, &span, &payload).unwrap();
            let address = bmt_hash(&span, &payload).unwrap();
            assert_eq!(tree.address(), address);
            let keyed_tree = BmtTree::build(&keyed, &span, &payload).unwrap();
            let keyed_address = keyed_bmt_hash(&key, &span, &payload).unwrap();
            assert_eq!(keyed_tree.address(), keyed_address);
            for index in [0, 1, 2, 63, 64, 126, 127] {
                assert!(tree.proof(index).unwrap().verify(&address));
                assert!(keyed_tree
                    .proof(index)
                    .unwrap()
                    .verify_keyed(&key, &keyed_address));
            }
        }
    }

    #[test]
    fn oversized_payload_is_an_error() {
        assert!(matches!(
            bmt_hash(&[0; 8], &[0u8; 4097]),
            Err(PrimitivesError::PayloadTooLarge(4097))
        ));
    }

    #[test]
    fn tree_address_equals_hash() {
        let payload = b"some payload that is not a multiple of thirty-two";
        let span = (payload.len() as u64).to_le_bytes();
        let tree = BmtTree::build(&PlainHasher, &span, payload).unwrap();
        assert_eq!(tree.address(), bmt_hash(&span, payload).unwrap());
        assert!(tree.proof(128).is_err());
    }
}
