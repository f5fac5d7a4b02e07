//! The reserve sampler over a reserve on disk (spec §6): 2^18 stamped 4 KiB chunks (1 GiB)
//! in four batches, built once in a temporary directory, then sampled sequentially and on
//! every core. `COMB_SAMPLER_BENCH_CHUNKS` sets another chunk count for quick runs.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use comb_postage::{bucket_of, Batch, Stamp, StampIndex};
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, Signer, B256, U256};
use comb_sampling::SampleRules;
use comb_store::{
    default_sampler_threads, open_database, sample_reserve, sample_reserve_parallel, Reserve,
    DEFAULT_CAPACITY,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const DEFAULT_CHUNKS: u64 = 1 << 18;
const BATCHES: u8 = 4;
const GROUP: u64 = 4096;

fn chunk_count() -> u64 {
    std::env::var("COMB_SAMPLER_BENCH_CHUNKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CHUNKS)
}

/// A full 4 KiB CAC, distinct for every `n`.
fn chunk(n: u64) -> Chunk {
    let mut payload = [0u8; 4096];
    for (i, word) in payload.chunks_mut(8).enumerate() {
        word.copy_from_slice(&(n ^ ((i as u64) << 40)).to_le_bytes());
    }
    Chunk::content(&payload).unwrap()
}

/// CPU seconds this process has used (Linux `/proc/self/stat`, 100 ticks a second), to
/// tell how many cores a run kept busy; 0 where unavailable.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command.
    (ticks(11) + ticks(12)) / 100.0
}

fn build(reserve: &Reserve, count: u64, owner: &Signer) -> HashMap<B256, Batch> {
    let batches: HashMap<B256, Batch> = (1..=BATCHES)
        .map(|n| {
            let batch = Batch {
                id: B256::repeat_byte(n),
                owner: owner.address(),
                depth: 22,
                bucket_depth: 16,
                immutable: false,
                value: U256::from(1_000u64),
                start_block: 0,
            };
            (batch.id, batch)
        })
        .collect();
    let mut positions: HashMap<(u8, u32), u32> = HashMap::new();
    let started = Instant::now();
    let mut n = 0u64;
    while n < count {
        let end = (n + GROUP).min(count);
        let group: Vec<_> = (n..end)
            .map(|n| {
                let chunk = chunk(n);
                let batch = 1 + (n % u64::from(BATCHES)) as u8;
                let bucket = bucket_of(chunk.address(), 16);
                let position = positions.entry((batch, bucket)).or_default();
                let index = StampIndex {
                    bucket,
                    position: *position,
                };
                *position += 1;
                let stamp = Stamp::sign(owner, chunk.address(), B256::repeat_byte(batch), index, 1)
                    .unwrap();
                (chunk, stamp, ChunkType::Content)
            })
            .collect();
        reserve.put_many(&group).unwrap();
        n = end;
    }
    eprintln!(
        "built a reserve of {count} chunks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    batches
}

fn sampling(c: &mut Criterion) {
    let count = chunk_count();
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(&dir.path().join("sampler.redb")).unwrap();
    let reserve = Reserve::open(db, B256::repeat_byte(0x42), DEFAULT_CAPACITY.max(count)).unwrap();
    let owner = Signer::from_bytes(&[3u8; 32]).unwrap();
    let batches = build(&reserve, count, &owner);
    let rules = SampleRules {
        anchor: vec![0x5a; 32],
        committed_depth: 0,
        consensus_time_ns: u64::MAX,
        min_batch_value: U256::from(1u64),
    };
    let threads = default_sampler_threads();

    // One timed run of each outside criterion, for the record; first the store side alone.
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let mut bytes = 0usize;
    let offered = reserve
        .iterate_for_sample(0, |chunk, _, _| bytes += chunk.data().len())
        .unwrap();
    eprintln!(
        "reading {offered} chunks ({} MiB) for sampling: {:.2} s, {:.2} CPU s",
        bytes >> 20,
        started.elapsed().as_secs_f64(),
        cpu_seconds() - cpu
    );
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let sequential = sample_reserve(&reserve, &rules, 0, &batches).unwrap();
    let sequential_s = started.elapsed().as_secs_f64();
    let sequential_cpu = cpu_seconds() - cpu;
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let parallel = sample_reserve_parallel(&reserve, &rules, 0, &batches, threads).unwrap();
    let parallel_s = started.elapsed().as_secs_f64();
    let parallel_cpu = cpu_seconds() - cpu;
    assert!(sequential.is_full());
    assert_eq!(parallel, sequential);
    eprintln!(
        "{count} chunks: sequential {sequential_s:.2} s ({:.0} chunks/s, {sequential_cpu:.2} \
         CPU s), {threads} threads {parallel_s:.2} s ({:.0} chunks/s, {parallel_cpu:.2} CPU s)",
        count as f64 / sequential_s,
        count as f64 / parallel_s,
    );

    let mut group = c.benchmark_group("reserve_sampler");
    group.throughput(Throughput::Elements(count));
    group.bench_function(format!("sequential_{count}"), |b| {
        b.iter(|| sample_reserve(&reserve, &rules, 0, &batches).unwrap())
    });
    group.bench_function(format!("parallel_{threads}_threads_{count}"), |b| {
        b.iter(|| sample_reserve_parallel(&reserve, &rules, 0, &batches, threads).unwrap())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    targets = sampling
}
criterion_main!(benches);
