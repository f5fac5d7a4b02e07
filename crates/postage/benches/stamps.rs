//! Stamp signing (issuer + signature) and stamp validation with key recovery (spec §2.8–§2.10).
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashMap;

use comb_postage::{validate_stamp, Batch, MemoryStampItems, Stamp, StampIssuer, Stamper};
use comb_primitives::{keccak256, Signer, B256, U256};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn stamps(c: &mut Criterion) {
    let signer = Signer::from_bytes(&[0x30; 32]).unwrap();
    let batch = Batch {
        id: B256::repeat_byte(1),
        owner: signer.address(),
        depth: 24,
        bucket_depth: 16,
        immutable: false,
        value: U256::from(1u64 << 40),
        start_block: 0,
    };
    let mut stamper = Stamper::new(
        &batch,
        StampIssuer::new(&batch).unwrap(),
        MemoryStampItems::default(),
        signer.clone(),
    )
    .unwrap();
    let mut group = c.benchmark_group("stamp");
    group.throughput(Throughput::Elements(1));
    let mut counter = 0u64;
    group.bench_function("issue_and_sign", |b| {
        b.iter(|| {
            counter = counter.wrapping_add(1);
            let address = B256::from(keccak256(counter.to_le_bytes()));
            stamper.stamp(&address, &address, counter).unwrap()
        })
    });
    let chunk = B256::from(keccak256(b"chunk"));
    let index = comb_postage::StampIndex {
        bucket: comb_postage::bucket_of(&chunk, 16),
        position: 3,
    };
    let stamp = Stamp::sign(&signer, &chunk, batch.id, index, 7).unwrap();
    let batches = HashMap::from([(batch.id, batch.clone())]);
    group.bench_function("validate_with_recovery", |b| {
        b.iter(|| validate_stamp(black_box(&stamp), black_box(&chunk), &batches).unwrap())
    });
    group.finish();
}

criterion_group!(benches, stamps);
criterion_main!(benches);
