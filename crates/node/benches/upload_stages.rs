//! Where an upload's time goes, stage by stage, in µs of one core per 4 KiB chunk: what the
//! uploading node does for every chunk (split and BMT, stamp signature and issuer write,
//! reserve write, push-queue write) and what one push costs the two ends (the storer's BMT
//! check, stamp validation with its key recovery and receipt signature, the origin's receipt
//! recovery). Each stage runs alone over the same chunks, on the real store in a temporary
//! directory, in the groups the pipeline uses ([`comb_node::content::GROUP`]).
//!
//! `cargo bench -p comb-node --bench upload_stages` (chunks via `COMB_BENCH_CHUNKS`, group
//! size via `COMB_BENCH_GROUP`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::time::Instant;

use comb_node::content::GROUP;
use comb_postage::{validate_stamp, Batch};
use comb_primitives::crypto::{recover_digest, Signer};
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, B256, U256};
use comb_store::{Store, StoreConfig};

fn data(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn per_chunk(what: &str, started: Instant, chunks: usize) -> f64 {
    let us = started.elapsed().as_secs_f64() * 1e6 / chunks as f64;
    println!("{what:<44} {us:>7.1} µs/chunk");
    us
}

fn main() {
    let chunks: usize = std::env::var("COMB_BENCH_CHUNKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16_384);
    // `COMB_BENCH_GROUP` overrides the group size (128 was the pipeline's before 2026-12-03).
    let group_size: usize = std::env::var("COMB_BENCH_GROUP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(GROUP);
    let payload = data(chunks * 4096);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        &dir.path().join("store.redb"),
        &StoreConfig::new(B256::repeat_byte(7)),
    )
    .unwrap();
    let signer = Signer::random();
    let batch = Batch {
        id: B256::repeat_byte(1),
        owner: signer.address(),
        depth: 24,
        bucket_depth: 16,
        immutable: false,
        value: U256::from(1u64 << 40),
        start_block: 0,
    };
    println!("upload_stages: {chunks} chunks of random data, groups of {group_size}");
    let mut total = 0.0;

    let started = Instant::now();
    let mut tree: Vec<Chunk> = Vec::new();
    comb_filetree::split_bytes(&payload, &mut tree).unwrap();
    total += per_chunk("uploader: split + BMT", started, chunks);

    let mut stamper = store.issuers.stamper(&batch, signer.clone()).unwrap();
    let started = Instant::now();
    let mut stamped = Vec::with_capacity(tree.len());
    for group in tree.chunks(group_size) {
        let keys: Vec<(B256, B256)> = group.iter().map(|c| (*c.address(), *c.address())).collect();
        let stamps = stamper.stamp_many(&keys, 1).unwrap();
        stamped.extend(group.iter().cloned().zip(stamps));
    }
    total += per_chunk(
        "uploader: stamp (signature + issuer write)",
        started,
        chunks,
    );

    let started = Instant::now();
    for group in stamped.chunks(group_size) {
        let items: Vec<_> = group
            .iter()
            .map(|(c, s)| (c.clone(), *s, ChunkType::Content))
            .collect();
        store.reserve.put_many(&items).unwrap();
    }
    total += per_chunk("uploader: reserve write", started, chunks);

    let started = Instant::now();
    for group in stamped.chunks(group_size) {
        let items: Vec<_> = group.iter().map(|(c, s)| (0, c.clone(), *s)).collect();
        store.push_queue.push_many(&items).unwrap();
    }
    total += per_chunk("uploader: push-queue write", started, chunks);
    println!(
        "{:<44} {total:>7.1} µs/chunk",
        "uploader, deferred upload in all"
    );

    let batches = HashMap::from([(batch.id, batch.clone())]);
    let started = Instant::now();
    for (chunk, _) in &stamped {
        chunk.validate_content().unwrap();
    }
    let mut push = per_chunk("storer: BMT check of a pushed chunk", started, chunks);
    let started = Instant::now();
    for (chunk, stamp) in &stamped {
        validate_stamp(stamp, chunk.address(), &batches).unwrap();
    }
    push += per_chunk("storer: stamp validation (key recovery)", started, chunks);
    let storer = Signer::random();
    let started = Instant::now();
    let receipts: Vec<_> = stamped
        .iter()
        .map(|(chunk, _)| storer.sign_digest(&chunk.address().0).unwrap())
        .collect();
    push += per_chunk("storer: receipt signature", started, chunks);
    let started = Instant::now();
    for ((chunk, _), receipt) in stamped.iter().zip(&receipts) {
        recover_digest(&chunk.address().0, receipt).unwrap();
    }
    push += per_chunk("origin: receipt key recovery", started, chunks);
    println!(
        "{:<44} {push:>7.1} µs/chunk",
        "one push, both ends, without I/O"
    );
}
