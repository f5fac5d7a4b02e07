//! Hot paths of chunk handling: the BMT hash of a full 4 KiB chunk (a chunk address), the
//! anchor-keyed BMT (a transformed address for sampling), and stamp-style signing/recovery.
#![allow(clippy::unwrap_used, missing_docs)]

use comb_primitives::bmt::{hash_with, KeyedHasher, NodeHasher, PlainHasher, Segment, Span};
use comb_primitives::crypto::recover_digest;
use comb_primitives::keccak::{
    batch_backend, f1600_x4, f1600_x8, hash_keyed_pair, hash_keyed_pairs_x4, hash_keyed_pairs_x8,
    hash_pair, hash_pairs_x4, hash_pairs_x8, wide_backend,
};
use comb_primitives::{keccak256, Signer};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn payload() -> Vec<u8> {
    (0..4096u32)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect()
}

/// A hasher that batches four at a time only (the trait's default `nodes8`: two `nodes4`),
/// to measure the 4-lane path beside the 8-lane one on the same machine.
struct FourWide<H>(H);

impl<H: NodeHasher> NodeHasher for FourWide<H> {
    fn node(&self, left: &Segment, right: &Segment) -> Segment {
        self.0.node(left, right)
    }
    fn nodes4(&self, pairs: &[Segment; 8]) -> [Segment; 4] {
        self.0.nodes4(pairs)
    }
    fn zero(&self, level: usize) -> &Segment {
        self.0.zero(level)
    }
    fn finish(&self, span: &Span, root: &Segment) -> Segment {
        self.0.finish(span, root)
    }
}

fn bmt(c: &mut Criterion) {
    let data = payload();
    let span = 4096u64.to_le_bytes();
    let mut group = c.benchmark_group("bmt");
    group.throughput(Throughput::Elements(1));
    group.bench_function("chunk_address_4k", |b| {
        b.iter(|| hash_with(&PlainHasher, black_box(&span), black_box(&data)).unwrap())
    });
    let keyed = KeyedHasher::new(&[0x5a; 32]);
    group.bench_function("keyed_bmt_4k", |b| {
        b.iter(|| hash_with(&keyed, black_box(&span), black_box(&data)).unwrap())
    });
    let four_plain = FourWide(PlainHasher);
    group.bench_function("chunk_address_4k_four_wide", |b| {
        b.iter(|| hash_with(&four_plain, black_box(&span), black_box(&data)).unwrap())
    });
    let four_keyed = FourWide(KeyedHasher::new(&[0x5a; 32]));
    group.bench_function("keyed_bmt_4k_four_wide", |b| {
        b.iter(|| hash_with(&four_keyed, black_box(&span), black_box(&data)).unwrap())
    });
    group.finish();
}

/// One node hash against four and eight batched ones (the backends are printed once).
fn node_hashes(c: &mut Criterion) {
    eprintln!(
        "batched keccak backends: x4 {:?}, x8 {:?}",
        batch_backend(),
        wide_backend()
    );
    let pairs16: [[u8; 32]; 16] = std::array::from_fn(|i| [(i as u8).wrapping_mul(17) ^ 1; 32]);
    let pairs: [[u8; 32]; 8] = std::array::from_fn(|i| [i as u8 * 17 + 1; 32]);
    let key = [0x5a; 32];
    let mut group = c.benchmark_group("keccak");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hash_pair", |b| {
        b.iter(|| hash_pair(black_box(&pairs[0]), black_box(&pairs[1])))
    });
    group.bench_function("hash_keyed_pair", |b| {
        b.iter(|| hash_keyed_pair(black_box(&key), black_box(&pairs[0]), black_box(&pairs[1])))
    });
    group.throughput(Throughput::Elements(4));
    group.bench_function("hash_pairs_x4", |b| {
        b.iter(|| hash_pairs_x4(black_box(&pairs)))
    });
    group.bench_function("hash_keyed_pairs_x4", |b| {
        b.iter(|| hash_keyed_pairs_x4(black_box(&key), black_box(&pairs)))
    });
    group.throughput(Throughput::Elements(8));
    group.bench_function("hash_pairs_x8", |b| {
        b.iter(|| hash_pairs_x8(black_box(&pairs16)))
    });
    group.bench_function("hash_keyed_pairs_x8", |b| {
        b.iter(|| hash_keyed_pairs_x8(black_box(&key), black_box(&pairs16)))
    });
    group.finish();
}

/// The permutation alone: one scalar, four and eight at once (throughput per state).
fn permutations(c: &mut Criterion) {
    let mut group = c.benchmark_group("keccak_f1600");
    let mut one = [0x0123_4567_89ab_cdefu64; 25];
    group.throughput(Throughput::Elements(1));
    group.bench_function("scalar", |b| b.iter(|| keccak::f1600(black_box(&mut one))));
    let mut four = [[0x0123_4567_89ab_cdefu64; 25]; 4];
    group.throughput(Throughput::Elements(4));
    group.bench_function("x4", |b| b.iter(|| f1600_x4(black_box(&mut four))));
    let mut eight = [[0x0123_4567_89ab_cdefu64; 25]; 8];
    group.throughput(Throughput::Elements(8));
    group.bench_function("x8", |b| b.iter(|| f1600_x8(black_box(&mut eight))));
    group.finish();
}

fn signatures(c: &mut Criterion) {
    let signer = Signer::from_bytes(&[0x30; 32]).unwrap();
    let digest = keccak256(b"stamp digest");
    let signature = signer.sign_digest(&digest).unwrap();
    let mut group = c.benchmark_group("secp256k1");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sign_eip191", |b| {
        b.iter(|| signer.sign_digest(black_box(&digest)).unwrap())
    });
    group.bench_function("recover_eip191", |b| {
        b.iter(|| recover_digest(black_box(&digest), black_box(&signature)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bmt, node_hashes, permutations, signatures);
criterion_main!(benches);
