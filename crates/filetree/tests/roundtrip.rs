//! Split → join round trips, streaming in arbitrary pieces, and range reads.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};

use comb_filetree::{join, root_hash, split_bytes, split_reader, ChunkSink, Joiner, Splitter};
use comb_primitives::{Chunk, ChunkAddress, CHUNK_SIZE};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

type Store = HashMap<ChunkAddress, Chunk>;

fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut data = vec![0u8; len];
    StdRng::seed_from_u64(seed).fill_bytes(&mut data);
    data
}

fn split(data: &[u8]) -> (ChunkAddress, Store) {
    let mut store = Store::new();
    let root = split_bytes(data, &mut store).unwrap();
    (root, store)
}

/// Feeds `data` to a splitter in pieces whose sizes cycle through `pieces`.
fn split_in_pieces<S: ChunkSink>(data: &[u8], pieces: &[usize], sink: S) -> ChunkAddress {
    let mut splitter = Splitter::new(sink);
    let mut rest = data;
    for size in pieces.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, tail) = rest.split_at((*size).min(rest.len()));
        splitter.write(piece).unwrap();
        rest = tail;
    }
    assert_eq!(splitter.bytes_written(), data.len() as u64);
    splitter.finish().unwrap()
}

/// A reader that hands out at most `max` bytes per call and is interrupted now and then.
struct Trickle<'a> {
    data: &'a [u8],
    max: usize,
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 3 == 2 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = self.max.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn round_trip_at_the_boundaries() {
    const BRANCH: usize = 128 * CHUNK_SIZE;
    let largest = random_bytes(BRANCH * 2 + 5, 7);
    for len in [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE,
        BRANCH - 1,
        BRANCH,
        BRANCH + 1,
        BRANCH * 2 + 5,
    ] {
        let data = &largest[..len];
        let (root, store) = split(data);
        // Address checks are covered elsewhere; skip them here to keep the debug build quick.
        let joiner = Joiner::new(&store, root).unwrap().verify_addresses(false);
        assert_eq!(joiner.size(), len as u64);
        let mut out = Vec::with_capacity(len);
        assert_eq!(joiner.copy_to(&mut out).unwrap(), len as u64);
        assert!(out == data, "round trip of {len} bytes differs");
    }
}

#[test]
fn pieces_across_a_carried_leaf_give_the_one_shot_root() {
    let data = random_bytes(128 * CHUNK_SIZE + 1, 11);
    let mut one_shot = Vec::new();
    let expected = split_bytes(&data, &mut one_shot).unwrap();
    let mut pieced = Vec::new();
    let root = split_in_pieces(&data, &[1, 4095, 4097, 13, 65_536, 3], &mut pieced);
    assert_eq!(root, expected);
    assert_eq!(pieced, one_shot, "same chunks in the same order");
}

#[test]
fn split_reader_handles_short_and_interrupted_reads() {
    let data = random_bytes(3 * CHUNK_SIZE + 100, 3);
    let reader = Trickle {
        data: &data,
        max: 1000,
        calls: 0,
    };
    let mut store = Store::new();
    let root = split_reader(reader, &mut store).unwrap();
    assert_eq!(root, root_hash(&data).unwrap());
    let mut out = Vec::new();
    join(&store, root, &mut out).unwrap();
    assert_eq!(out, data);
}

#[test]
fn reader_reads_and_seeks() {
    let data = random_bytes(5 * CHUNK_SIZE + 17, 5);
    let (root, store) = split(&data);
    let joiner = Joiner::new(&store, root).unwrap();
    let mut reader = joiner.reader();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    assert_eq!(out, data);

    assert_eq!(
        reader.seek(SeekFrom::End(-20)).unwrap(),
        data.len() as u64 - 20
    );
    let mut tail = Vec::new();
    reader.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, &data[data.len() - 20..]);

    reader.seek(SeekFrom::Start(4090)).unwrap();
    reader.seek(SeekFrom::Current(-10)).unwrap();
    let mut middle = [0u8; 8200];
    reader.read_exact(&mut middle).unwrap();
    assert_eq!(&middle[..], &data[4080..4080 + 8200]);
    assert!(reader.seek(SeekFrom::Current(-100_000)).is_err());

    let mut buf = [0u8; 64];
    assert_eq!(joiner.read_at(data.len() as u64, &mut buf).unwrap(), 0);
    assert_eq!(joiner.read_at(data.len() as u64 - 5, &mut buf).unwrap(), 5);
    assert!(joiner
        .copy_range_to(10, data.len() as u64, &mut Vec::new())
        .is_err());
    assert!(joiner.copy_range_to(u64::MAX, 2, &mut Vec::new()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn split_then_join_returns_the_input(len in 0usize..13_000, seed in any::<u64>()) {
        let data = random_bytes(len, seed);
        let (root, store) = split(&data);
        let mut out = Vec::new();
        prop_assert_eq!(join(&store, root, &mut out).unwrap(), len as u64);
        prop_assert_eq!(out, data);
    }

    #[test]
    fn any_piece_sizes_give_the_one_shot_root(
        len in 0usize..26_000,
        seed in any::<u64>(),
        pieces in prop::collection::vec(1usize..9_000, 1..12),
    ) {
        let data = random_bytes(len, seed);
        let mut one_shot = Vec::new();
        let expected = split_bytes(&data, &mut one_shot).unwrap();
        let mut pieced = Vec::new();
        prop_assert_eq!(split_in_pieces(&data, &pieces, &mut pieced), expected);
        prop_assert_eq!(pieced, one_shot);
    }

    #[test]
    fn ranges_read_the_right_bytes(
        len in 1usize..13_000,
        seed in any::<u64>(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
    ) {
        let data = random_bytes(len, seed);
        let (root, store) = split(&data);
        let joiner = Joiner::new(&store, root).unwrap();
        let (x, y) = (a.index(len + 1), b.index(len + 1));
        let (start, end) = (x.min(y), x.max(y));
        let mut out = Vec::new();
        let written = joiner
            .copy_range_to(start as u64, (end - start) as u64, &mut out)
            .unwrap();
        prop_assert_eq!(written, (end - start) as u64);
        prop_assert_eq!(&out[..], &data[start..end]);
    }
}
