//! Hot paths of chunk handling: the BMT hash of a full 4 KiB chunk (a chunk address), the
//! anchor-keyed BMT (a transformed address for sampling), and stamp-style signing/recovery.
#![allow(clippy::unwrap_used, missing_docs)]

use comb_primitives::bmt::{hash_with, KeyedHasher, PlainHasher};
use comb_primitives::crypto::recover_digest;
use comb_primitives::keccak::{
    batch_backend, hash_keyed_pair, hash_keyed_pairs_x4, hash_pair, hash_pairs_x4,
};
use comb_primitives::{keccak256, Signer};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn payload() -> Vec<u8> {
    (0..4096u32)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect()
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
    group.finish();
}

/// One node hash against four batched ones (the batched backend is printed once).
fn node_hashes(c: &mut Criterion) {
    eprintln!("batched keccak backend: {:?}", batch_backend());
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

criterion_group!(benches, bmt, node_hashes, signatures);
criterion_main!(benches);
