//! Ledger throughput: signed transfers applied per second, batch purchases, and the cost of
//! a claim (winner selection, penalties, price, three witnesses' proofs, pot payout).
#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use comb_chain::{Call, Transaction};
use comb_primitives::{B256, U256};
use comb_sampling::make_inclusion_proofs;
use common::game::{honest_round, ClaimSetup};
use common::{bzz, signer, Harness};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn transactions(c: &mut Criterion) {
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(1));
    let sender = signer(0);
    let to = signer(1).address();

    // Transfers are signed in the untimed setup: the measurement is recovery + apply.
    let mut h = Harness::new(2, bzz(1_000_000), |_| {});
    let chain_id = h.ledger.config().chain_id;
    let mut nonce = 0u64;
    group.bench_function("apply_signed_transfer", |b| {
        b.iter_batched(
            || {
                let call = Call::Transfer {
                    to,
                    amount: U256::from(1u8),
                };
                let tx = Transaction {
                    chain_id,
                    nonce,
                    call,
                }
                .sign(&sender)
                .unwrap();
                nonce += 1;
                tx
            },
            |tx| h.ledger.submit(tx).unwrap(),
            BatchSize::SmallInput,
        )
    });

    let mut h = Harness::new(2, bzz(1_000_000), |_| {});
    let mut nonce = 0u8;
    group.bench_function("create_batch", |b| {
        b.iter(|| {
            nonce = nonce.wrapping_add(1);
            h.send(
                &sender,
                Call::CreateBatch {
                    owner: sender.address(),
                    initial_balance_per_chunk: U256::from(1_000_000_000u64),
                    depth: 17,
                    bucket_depth: 16,
                    nonce: B256::repeat_byte(nonce),
                    immutable: false,
                },
            )
        })
    });
    group.bench_function("seal_empty_block", |b| {
        b.iter(|| {
            let next = h.ledger.head().timestamp + 5;
            h.ledger.seal(next).unwrap()
        })
    });

    let ClaimSetup {
        h,
        nodes,
        sample,
        anchor1,
        anchor2,
    } = honest_round(U256::MAX);
    let proofs = make_inclusion_proofs(&sample, anchor1.as_slice(), anchor2.as_slice()).unwrap();
    let claim = Transaction {
        chain_id: h.ledger.config().chain_id,
        nonce: h.ledger.state().nonce(&nodes[0].address()),
        call: Call::Claim {
            proofs: Box::new(proofs),
        },
    }
    .sign(&nodes[0])
    .unwrap();
    group.bench_function("claim_with_proof_verification", |b| {
        b.iter_batched(
            || (h.ledger.clone(), claim.clone()),
            |(mut ledger, claim)| ledger.submit(claim).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, transactions);
criterion_main!(benches);
