//! Bee's file hash test vectors: the splitter must reproduce Bee's `/bytes` references
//! bit for bit (no encryption, no erasure coding), and the tree it builds must have Bee's
//! shape, including the carry of a lone reference at the end of a level.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use comb_filetree::{join, root_hash, split_bytes, DiscardSink, Splitter};
use comb_primitives::{Chunk, ChunkAddress, CHUNK_SIZE};

const CH: usize = CHUNK_SIZE;

/// Bee's vector data: `gitlab.com/nolash/go-mockbytes` `SequentialBytes` with seed 0 and
/// modulus 255 (`pkg/file/testing/vector.go` `fileByteMod`), i.e. byte `i` is `i mod 255`.
fn sequential(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 255) as u8).collect()
}

fn hex(address: &ChunkAddress) -> String {
    address
        .as_slice()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check_root(data: &[u8], expected: &str) {
    assert_eq!(
        hex(&root_hash(data).unwrap()),
        expected,
        "root of {} bytes",
        data.len()
    );
}

/// Bee `pkg/file/testing/vector.go` (`fileLengths`, `fileExpectHashHex`, indices 0..=18), used
/// by `pkg/file/pipeline/builder/builder_test.go` `TestAllVectors` and
/// `pkg/file/splitter/internal/job_test.go` `TestSplitterJobVector`. Indices 19 and 20
/// (64 MiB and 64 MiB + 32) are in [`bee_vectors_three_levels`].
const BEE_VECTORS: &[(usize, &str)] = &[
    (
        31,
        "ece86edb20669cc60d142789d464d57bdf5e33cb789d443f608cbd81cfa5697d",
    ),
    (
        32,
        "0be77f0bb7abc9cd0abed640ee29849a3072ccfd1020019fe03658c38f087e02",
    ),
    (
        33,
        "3463b46d4f9d5bfcbf9a23224d635e51896c1daef7d225b86679db17c5fd868e",
    ),
    (
        63,
        "95510c2ff18276ed94be2160aed4e69c9116573b6f69faaeed1b426fea6a3db8",
    ),
    (
        64,
        "490072cc55b8ad381335ff882ac51303cc069cbcb8d8d3f7aa152d9c617829fe",
    ),
    (
        65,
        "541552bae05e9a63a6cb561f69edf36ffe073e441667dbf7a0e9a3864bb744ea",
    ),
    (
        CH,
        "c10090961e7682a10890c334d759a28426647141213abda93b096b892824d2ef",
    ),
    (
        CH + 31,
        "91699c83ed93a1f87e326a29ccd8cc775323f9e7260035a5f014c975c5f3cd28",
    ),
    (
        CH + 32,
        "73759673a52c1f1707cbb61337645f4fcbd209cdc53d7e2cedaaa9f44df61285",
    ),
    (
        CH + 63,
        "db1313a727ffc184ae52a70012fbbf7235f551b9f2d2da04bf476abe42a3cb42",
    ),
    (
        CH + 64,
        "ade7af36ac0c7297dc1c11fd7b46981b629c6077bce75300f85b02a6153f161b",
    ),
    (
        CH * 2,
        "29a5fb121ce96194ba8b7b823a1f9c6af87e1791f824940a53b5a7efe3f790d9",
    ),
    (
        CH * 2 + 32,
        "61416726988f77b874435bdd89a419edc3861111884fd60e8adf54e2f299efd6",
    ),
];

/// The same file's indices 13..=18: 128 leaves and just over, where the carry rule applies.
const BEE_VECTORS_TWO_LEVELS: &[(usize, &str)] = &[
    (
        CH * 128,
        "3047d841077898c26bbe6be652a2ec590a5d9bd7cd45d290ea42511b48753c09",
    ),
    (
        CH * 128 + 31,
        "e5c76afa931e33ac94bce2e754b1bb6407d07f738f67856783d93934ca8fc576",
    ),
    (
        CH * 128 + 32,
        "485a526fc74c8a344c43a4545a5987d17af9ab401c0ef1ef63aefcc5c2c086df",
    ),
    (
        CH * 128 + 64,
        "624b2abb7aefc0978f891b2a56b665513480e5dc195b4a66cd8def074a6d2e94",
    ),
    (
        CH * 129,
        "b8e1804e37a064d28d161ab5f256cc482b1423d5cd0a6b30fde7b0f51ece9199",
    ),
    (
        CH * 130,
        "59de730bf6c67a941f3b2ffa2f920acfaa1713695ad5deea12b4a121e5f23fa1",
    ),
];

#[test]
fn bee_vectors_single_level() {
    for (len, expected) in BEE_VECTORS {
        check_root(&sequential(*len), expected);
    }
}

#[test]
fn bee_vectors_two_levels() {
    let data = sequential(CH * 130);
    // The vectors share their first 128 leaves: split those once and fork the splitter.
    let mut prefix = Splitter::new(DiscardSink);
    prefix.write(&data[..CH * 128]).unwrap();
    for (len, expected) in BEE_VECTORS_TWO_LEVELS {
        let mut splitter = prefix.clone();
        splitter.write(&data[CH * 128..*len]).unwrap();
        assert_eq!(
            hex(&splitter.finish().unwrap()),
            *expected,
            "root of {len} bytes"
        );
    }
}

/// Bee `pkg/file/testing/vector.go` indices 19 (128·128·4096 bytes, a full three-level
/// tree) and 20 (the same plus 32 bytes, whose last leaf is carried up two levels). 64 MiB
/// each: too slow for an unoptimised build, run with
/// `cargo test --release -p comb-filetree --test vectors -- --ignored`.
#[test]
#[ignore = "64 MiB inputs; run in release with --ignored"]
fn bee_vectors_three_levels() {
    let data = sequential(CH * 128 * 128 + 32);
    check_root(
        &data[..CH * 128 * 128],
        "522194562123473dcfd7a457b18ee7dee8b7db70ed3cfa2b73f348a992fdfd3b",
    );
    check_root(
        &data,
        "ed0cc44c93b14fef2d91ab3a3674eeb6352a42ac2f0bbe524711824aae1e7bcc",
    );
}

/// Bee `pkg/file/pipeline/builder/builder_test.go` `TestHelloWorld` and `TestPartialWrites`
/// (the latter writes "hello " then "world").
#[test]
fn bee_hello_world() {
    let expected = "92672a471f4419b255d7cb0cf313474a6f5856fb347c5ece85fb706d644b630f";
    check_root(b"hello world", expected);
    let mut splitter = Splitter::new(DiscardSink);
    splitter.write(b"hello ").unwrap();
    splitter.write(b"world").unwrap();
    assert_eq!(hex(&splitter.finish().unwrap()), expected);
}

/// Bee `pkg/file/splitter/internal/job_test.go` `TestSplitterJobPartialSingleChunk`.
#[test]
fn bee_foo() {
    check_root(
        b"foo",
        "2387e8e7d8a48c2a9339c97c1dc3461a9a7aa07e994c5cb8b38fd7c1b3e6ea48",
    );
}

/// The empty file: one chunk with an empty payload and span 0, Bee's reference for
/// zero-length content.
#[test]
fn empty_file() {
    let mut chunks = Vec::new();
    let root = split_bytes(&[], &mut chunks).unwrap();
    assert_eq!(
        hex(&root),
        "b34ca8c22b9e982354f9c7f50b470d66db428d880c8a904d5fe4ec9713171526"
    );
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].data(), &[0u8; 8]);
    assert_eq!(root, *Chunk::content(&[]).unwrap().address());
}

/// Bee `pkg/file/splitter/splitter_test.go` `TestUnalignedSplit`: vector 12 (2·4096 + 32
/// bytes) written in pieces of 4096 − 40, 40 + 32 and 4096 bytes (the last one short).
#[test]
fn bee_unaligned_writes() {
    let data = sequential(CH * 2 + 32);
    let mut splitter = Splitter::new(DiscardSink);
    let mut rest = &data[..];
    for size in [CH - 40, 40 + 32, CH] {
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        splitter.write(piece).unwrap();
        rest = tail;
    }
    assert_eq!(
        hex(&splitter.finish().unwrap()),
        "61416726988f77b874435bdd89a419edc3861111884fd60e8adf54e2f299efd6"
    );
}

/// Bee `pkg/file/splitter/splitter_test.go` `TestSplitThreeLevels`: 128 full leaves give a
/// root holding 128 references, all of which were stored.
#[test]
fn bee_full_intermediate_chunk() {
    let data = sequential(CH * 128);
    let mut store: HashMap<ChunkAddress, Chunk> = HashMap::new();
    let root = split_bytes(&data, &mut store).unwrap();
    assert_eq!(
        hex(&root),
        "3047d841077898c26bbe6be652a2ec590a5d9bd7cd45d290ea42511b48753c09"
    );
    assert_eq!(store.len(), 129);
    let root_chunk = &store[&root];
    assert_eq!(root_chunk.span(), (CH * 128) as u64);
    assert_eq!(root_chunk.payload().len(), CH);
    for reference in root_chunk.payload().chunks_exact(32) {
        assert!(store.contains_key(&ChunkAddress::from_slice(reference)));
    }
}

/// Builds the expected tree by hand from the primitives for the carry rule's canonical case:
/// 128·4096 + 1 bytes give a root over [intermediate of the first 128 leaves, 129th leaf]
/// with span 128·4096 + 1 (Bee `hashtrie.go` `Sum`: a level with one reference is carried up
/// unwrapped).
#[test]
fn carry_rule_shape() {
    let data = sequential(CH * 128 + 1);
    let leaves: Vec<Chunk> = data
        .chunks(CH)
        .map(|piece| Chunk::content(piece).unwrap())
        .collect();
    assert_eq!(leaves.len(), 129);
    let first_refs: Vec<u8> = leaves[..128]
        .iter()
        .flat_map(|leaf| leaf.address().0)
        .collect();
    let first = Chunk::content_with_span((CH * 128) as u64, &first_refs).unwrap();
    let mut root_refs = first.address().to_vec();
    root_refs.extend_from_slice(leaves[128].address().as_slice());
    let root = Chunk::content_with_span((CH * 128 + 1) as u64, &root_refs).unwrap();

    let mut chunks = Vec::new();
    assert_eq!(split_bytes(&data, &mut chunks).unwrap(), *root.address());
    // 129 leaves, the full intermediate and the root; the last leaf is never wrapped alone.
    assert_eq!(chunks.len(), 131);
    assert_eq!(chunks.last().unwrap(), &root);

    // Two leaves under one root, no carry involved.
    let two = Chunk::content_with_span(
        (CH + 1) as u64,
        &[
            leaves[0].address().0,
            Chunk::content(&data[CH..CH + 1]).unwrap().address().0,
        ]
        .concat(),
    )
    .unwrap();
    assert_eq!(root_hash(&data[..CH + 1]).unwrap(), *two.address());
}

/// Every vector joins back to its data.
#[test]
fn bee_vectors_join_back() {
    for (len, _) in BEE_VECTORS.iter().chain(&BEE_VECTORS_TWO_LEVELS[1..2]) {
        let data = sequential(*len);
        let mut store: HashMap<ChunkAddress, Chunk> = HashMap::new();
        let root = split_bytes(&data, &mut store).unwrap();
        let mut out = Vec::new();
        assert_eq!(join(&store, root, &mut out).unwrap(), *len as u64);
        assert!(out == data, "join of {len} bytes differs");
    }
}
