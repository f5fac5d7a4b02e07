//! Splitter throughput: a 64 MiB buffer into a sink that discards the chunks.
// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use comb_filetree::{split_bytes, DiscardSink};

const SIZE: usize = 64 * 1024 * 1024;

fn split_64mib(c: &mut Criterion) {
    let data: Vec<u8> = (0..SIZE)
        .map(|i| (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes()[7])
        .collect();
    let mut group = c.benchmark_group("split");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("split_64mib", |b| {
        b.iter(|| split_bytes(black_box(&data), DiscardSink))
    });
    group.finish();
}

criterion_group!(benches, split_64mib);
criterion_main!(benches);
