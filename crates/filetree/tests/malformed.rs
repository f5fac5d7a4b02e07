//! The joiner must reject missing and malformed chunks with an error, never a panic.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::convert::Infallible;

use comb_filetree::{join, split_bytes, ChunkSource, FileTreeError, Joiner};
use comb_primitives::{Chunk, ChunkAddress, CHUNK_SIZE};

type Store = HashMap<ChunkAddress, Chunk>;

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn split(len: usize) -> (ChunkAddress, Store, Vec<Chunk>) {
    let mut chunks = Vec::new();
    let root = split_bytes(&data(len), &mut chunks).unwrap();
    let store = chunks.iter().map(|c| (*c.address(), c.clone())).collect();
    (root, store, chunks)
}

fn join_err(store: &Store, root: ChunkAddress) -> FileTreeError {
    join(store, root, &mut Vec::new()).unwrap_err()
}

/// A store with one extra chunk, typically a hand-made root.
fn with(store: &Store, chunk: &Chunk) -> Store {
    let mut store = store.clone();
    store.insert(*chunk.address(), chunk.clone());
    store
}

#[test]
fn missing_root_is_an_error() {
    let store = Store::new();
    let root = *Chunk::content(b"nowhere").unwrap().address();
    assert!(matches!(
        Joiner::new(&store, root),
        Err(FileTreeError::MissingChunk(a)) if a == root
    ));
}

#[test]
fn missing_leaf_is_an_error() {
    let (root, mut store, chunks) = split(3 * CHUNK_SIZE);
    let leaf = *chunks[1].address();
    store.remove(&leaf);
    assert!(matches!(join_err(&store, root), FileTreeError::MissingChunk(a) if a == leaf));
    // Bytes before the hole may already be out; the range before it still reads.
    let joiner = Joiner::new(&store, root).unwrap();
    let mut out = Vec::new();
    joiner
        .copy_range_to(0, CHUNK_SIZE as u64, &mut out)
        .unwrap();
    assert_eq!(out, data(CHUNK_SIZE));
}

#[test]
fn source_errors_are_wrapped_with_the_address() {
    #[derive(Debug)]
    struct Broken;
    impl ChunkSource for Broken {
        type Error = std::io::Error;
        fn get(&self, _: &ChunkAddress) -> Result<Chunk, std::io::Error> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let root = ChunkAddress::repeat_byte(9);
    match Joiner::new(Broken, root) {
        Err(FileTreeError::Source { address, source }) => {
            assert_eq!(address, root);
            assert_eq!(source.to_string(), "disk on fire");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn tampered_chunk_fails_the_address_check() {
    let (root, mut store, chunks) = split(2 * CHUNK_SIZE + 10);
    let leaf = *chunks[2].address();
    // Same length and span, different bytes, filed under the old address.
    let forged = Chunk::new_unchecked(leaf, Chunk::content(&[0xee; 10]).unwrap().into_data());
    store.insert(leaf, forged);
    assert!(matches!(
        join_err(&store, root),
        FileTreeError::AddressMismatch { expected, .. } if expected == leaf
    ));
    // With address checks off the forgery is not caught, but its shape is still valid.
    let joiner = Joiner::new(&store, root).unwrap().verify_addresses(false);
    let mut out = Vec::new();
    joiner.copy_to(&mut out).unwrap();
    assert_eq!(&out[2 * CHUNK_SIZE..], &[0xee; 10]);
}

#[test]
fn chunk_data_of_a_bad_length_is_an_error() {
    let root = ChunkAddress::repeat_byte(1);
    let mut store = Store::new();
    store.insert(root, Chunk::new_unchecked(root, vec![1, 2, 3]));
    assert!(matches!(
        join_err(&store, root),
        FileTreeError::InvalidChunkLength { len: 3, .. }
    ));
    store.insert(
        root,
        Chunk::new_unchecked(root, vec![0; 8 + CHUNK_SIZE + 1]),
    );
    assert!(matches!(
        join_err(&store, root),
        FileTreeError::InvalidChunkLength { len: 4105, .. }
    ));
}

#[test]
fn intermediate_chunk_with_too_few_references_is_an_error() {
    let (_, store, chunks) = split(2 * CHUNK_SIZE);
    let mut refs: Vec<u8> = chunks[0].address().0.to_vec();
    refs.extend_from_slice(&chunks[1].address().0[..31]);
    // A valid content-addressed chunk, but one and a bit references where two are needed.
    let corrupt = Chunk::content_with_span(2 * CHUNK_SIZE as u64, &refs).unwrap();
    let store = with(&store, &corrupt);
    assert!(matches!(
        join_err(&store, *corrupt.address()),
        FileTreeError::ReferenceCountMismatch {
            expected: 2,
            actual: 1,
            ..
        }
    ));
}

#[test]
fn references_past_what_the_span_needs_are_ignored_as_bee_does() {
    let (_, store, chunks) = split(3 * CHUNK_SIZE);
    let refs: Vec<u8> = chunks[..3].iter().flat_map(|c| c.address().0).collect();
    let data = [chunks[0].payload(), chunks[1].payload()].concat();
    // Three references under a span that needs two: Bee's joiner reads two.
    let root = Chunk::content_with_span(2 * CHUNK_SIZE as u64, &refs).unwrap();
    let store = with(&store, &root);
    let mut out = Vec::new();
    comb_filetree::join(&store, *root.address(), &mut out).unwrap();
    assert_eq!(out, data);
}

#[test]
fn child_whose_span_disagrees_with_its_parent_is_an_error() {
    let (_, store, chunks) = split(2 * CHUNK_SIZE);
    let short = Chunk::content(&[1; 100]).unwrap();
    let store = with(&store, &short);
    // The parent says the second child covers 4096 bytes; it covers 100.
    let refs = [chunks[0].address().0, short.address().0].concat();
    let corrupt = Chunk::content_with_span(2 * CHUNK_SIZE as u64, &refs).unwrap();
    let store = with(&store, &corrupt);
    assert!(matches!(
        join_err(&store, *corrupt.address()),
        FileTreeError::SpanMismatch {
            expected: 4096,
            actual: 100,
            ..
        }
    ));
}

#[test]
fn leaf_shorter_than_its_span_is_an_error() {
    let corrupt = Chunk::content_with_span(10, &[1; 5]).unwrap();
    let store = with(&Store::new(), &corrupt);
    assert!(matches!(
        join_err(&store, *corrupt.address()),
        FileTreeError::LeafLengthMismatch {
            span: 10,
            payload_len: 5,
            ..
        }
    ));
}

#[test]
fn leaf_longer_than_its_span_reads_the_first_span_bytes() {
    let padded = Chunk::content_with_span(5, &[1, 2, 3, 4, 5, 0, 0, 0, 0, 0]).unwrap();
    let store = with(&Store::new(), &padded);
    let mut out = Vec::new();
    comb_filetree::join(&store, *padded.address(), &mut out).unwrap();
    assert_eq!(out, [1, 2, 3, 4, 5]);
}

#[test]
fn huge_claimed_span_is_checked_without_overflow() {
    // A root claiming u64::MAX bytes: 8 children of 2^61 bytes each.
    let refs: Vec<u8> = (1..=8u8).flat_map(|i| [i; 32]).collect();
    let root = Chunk::content_with_span(u64::MAX, &refs).unwrap();
    let store = with(&Store::new(), &root);
    let joiner = Joiner::new(&store, *root.address()).unwrap();
    assert_eq!(joiner.size(), u64::MAX);
    let mut tail = Vec::new();
    assert!(matches!(
        joiner.copy_range_to(u64::MAX - 1, 1, &mut tail),
        Err(FileTreeError::MissingChunk(a)) if a == ChunkAddress::repeat_byte(8)
    ));
    // And with the wrong number of references for that span.
    let corrupt = Chunk::content_with_span(u64::MAX, &refs[..7 * 32]).unwrap();
    let store = with(&store, &corrupt);
    assert!(matches!(
        join_err(&store, *corrupt.address()),
        FileTreeError::ReferenceCountMismatch {
            expected: 8,
            actual: 7,
            ..
        }
    ));
}

#[test]
fn sink_errors_stop_the_splitter() {
    let mut count = 0;
    let sink = comb_filetree::from_fn(|_chunk: Chunk| {
        count += 1;
        if count == 2 {
            Err(std::io::Error::other("full"))
        } else {
            Ok(())
        }
    });
    match split_bytes(&data(3 * CHUNK_SIZE), sink) {
        Err(FileTreeError::Sink(e)) => assert_eq!(e.to_string(), "full"),
        other => panic!("unexpected {other:?}"),
    }
    // An infallible closure sink works too.
    let mut n = 0;
    split_bytes(
        &data(10),
        comb_filetree::from_fn(|_| {
            n += 1;
            Ok::<_, Infallible>(())
        }),
    )
    .unwrap();
    assert_eq!(n, 1);
}
