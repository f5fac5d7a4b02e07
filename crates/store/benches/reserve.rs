//! Reserve benchmarks: durable puts of 4 KiB chunks (one per transaction and 64 per
//! transaction), gets, and sampling a reserve of 2^14 chunks.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use comb_postage::{bucket_of, Batch, Stamp, StampIndex};
use comb_primitives::crypto::Signature;
use comb_primitives::soc::ChunkType;
use comb_primitives::{keccak256, Chunk, Signer, B256, U256};
use comb_sampling::SampleRules;
use comb_store::{open_database, sample_reserve, Reserve, DEFAULT_CAPACITY};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const SAMPLE_RESERVE: u64 = 1 << 14;

fn open(dir: &Path) -> Reserve {
    let db = open_database(&dir.join("bench.redb")).unwrap();
    Reserve::open(db, B256::repeat_byte(0x42), DEFAULT_CAPACITY).unwrap()
}

/// A 4 KiB chunk with a pseudo-random address (the reserve does not re-validate chunks).
fn chunk(n: u64) -> Chunk {
    let address = B256::from(keccak256(n.to_be_bytes()));
    let mut data = 4096u64.to_le_bytes().to_vec();
    data.resize(8 + 4096, (n % 251) as u8);
    Chunk::new_unchecked(address, data)
}

/// An unsigned but well-formed stamp at index `n`.
fn stamp(n: u64) -> Stamp {
    let mut signature = [1u8; 65];
    signature[64] = 27;
    Stamp {
        batch_id: B256::repeat_byte(1),
        index: StampIndex::from_u64(n),
        timestamp: 1,
        signature: Signature(signature),
    }
}

fn puts(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let reserve = open(dir.path());
    let mut group = c.benchmark_group("reserve_put");
    group.throughput(Throughput::Elements(1));
    let mut next = 0u64;
    group.bench_function("single_4k_durable", |b| {
        b.iter(|| {
            next += 1;
            reserve
                .put(&chunk(next), &stamp(next), ChunkType::Content)
                .unwrap()
        })
    });
    group.throughput(Throughput::Elements(64));
    group.bench_function("batch64_4k_durable", |b| {
        b.iter_batched(
            || {
                (0..64)
                    .map(|_| {
                        next += 1;
                        (chunk(next), stamp(next), ChunkType::Content)
                    })
                    .collect::<Vec<_>>()
            },
            |items| reserve.put_many(&items).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn gets(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let reserve = open(dir.path());
    let items: Vec<_> = (0..4096u64)
        .map(|n| (chunk(n), stamp(n), ChunkType::Content))
        .collect();
    for slice in items.chunks(512) {
        reserve.put_many(slice).unwrap();
    }
    let mut group = c.benchmark_group("reserve_get");
    group.throughput(Throughput::Elements(1));
    let mut n = 0u64;
    group.bench_function("get_4k", |b| {
        b.iter(|| {
            n = (n + 7919) % 4096;
            reserve.get(items[n as usize].0.address()).unwrap()
        })
    });
    group.finish();
}

fn sampling(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let reserve = open(dir.path());
    let owner = Signer::from_bytes(&[3u8; 32]).unwrap();
    let batch = Batch {
        id: B256::repeat_byte(1),
        owner: owner.address(),
        depth: 24,
        bucket_depth: 16,
        immutable: false,
        value: U256::from(1_000u64),
        start_block: 0,
    };
    let batches: HashMap<B256, Batch> = [(batch.id, batch.clone())].into();
    let mut positions: HashMap<u32, u32> = HashMap::new();
    let items: Vec<_> = (0..SAMPLE_RESERVE)
        .map(|n| {
            let mut payload = [0u8; 4096];
            for (i, word) in payload.chunks_mut(8).enumerate() {
                word.copy_from_slice(&(n ^ ((i as u64) << 20)).to_le_bytes());
            }
            let chunk = Chunk::content(&payload).unwrap();
            let bucket = bucket_of(chunk.address(), 16);
            let position = positions.entry(bucket).or_default();
            let index = StampIndex {
                bucket,
                position: *position,
            };
            *position += 1;
            let stamp = Stamp::sign(&owner, chunk.address(), batch.id, index, 1).unwrap();
            (chunk, stamp, ChunkType::Content)
        })
        .collect();
    for slice in items.chunks(1024) {
        reserve.put_many(slice).unwrap();
    }
    drop(items);
    let rules = SampleRules {
        anchor: vec![0x5a; 32],
        committed_depth: 0,
        consensus_time_ns: u64::MAX,
        min_batch_value: U256::from(1u64),
    };
    let mut group = c.benchmark_group("reserve_sample");
    group.throughput(Throughput::Elements(SAMPLE_RESERVE));
    group.bench_function("iterate_2^14", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            reserve
                .iterate_for_sample(0, |chunk, _, _| bytes += chunk.data().len())
                .unwrap();
            bytes
        })
    });
    group.bench_function("sample_2^14", |b| {
        b.iter(|| {
            let sample = sample_reserve(&reserve, &rules, 0, &batches).unwrap();
            assert!(sample.is_full());
            sample
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = puts, gets, sampling
}
criterion_main!(benches);
