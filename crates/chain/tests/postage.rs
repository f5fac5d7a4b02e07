//! The postage contract's arithmetic through the transaction interface (spec §2.2–§2.6):
//! batch purchase, the cumulative payout, dilution, expiry and the pot, with exact numbers.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use comb_chain::accounts::POSTAGE_STAMP;
use comb_chain::{Call, ChainError, Outcome};
use comb_postage::batch_id;
use comb_primitives::{Address, B256, U256};
use common::{bzz, signer, Harness};

const PRICE: u64 = 24_000;
const CHUNKS: u64 = 1 << 17;

/// Minimum validity of 10 blocks, so the minimum balance per chunk is 240,000 PLUR.
fn harness() -> Harness {
    Harness::new(3, bzz(1_000), |config| {
        config.postage.minimum_validity_blocks = 10
    })
}

fn buy(
    h: &mut Harness,
    payer: u8,
    nonce: u8,
    per_chunk: u64,
    depth: u8,
) -> Result<B256, ChainError> {
    let owner = signer(payer).address();
    let receipt = h.send(
        &signer(payer),
        Call::CreateBatch {
            owner,
            initial_balance_per_chunk: U256::from(per_chunk),
            depth,
            bucket_depth: 16,
            nonce: B256::repeat_byte(nonce),
            immutable: false,
        },
    )?;
    match receipt.outcome {
        Outcome::BatchId(id) => Ok(id),
        other => panic!("unexpected outcome {other:?}"),
    }
}

#[test]
fn create_batch_checks_and_pays() {
    let mut h = harness();
    let payer = signer(0);
    let call = |owner: Address, per_chunk: u64, depth: u8, bucket_depth: u8| Call::CreateBatch {
        owner,
        initial_balance_per_chunk: U256::from(per_chunk),
        depth,
        bucket_depth,
        nonce: B256::ZERO,
        immutable: true,
    };
    h.expect_revert(
        &payer,
        call(Address::ZERO, 240_000, 17, 16),
        ChainError::ZeroAddress,
    );
    h.expect_revert(
        &payer,
        call(payer.address(), 240_000, 17, 15),
        ChainError::InvalidDepth,
    );
    h.expect_revert(
        &payer,
        call(payer.address(), 240_000, 16, 16),
        ChainError::InvalidDepth,
    );
    h.expect_revert(
        &payer,
        call(payer.address(), 239_999, 17, 16),
        ChainError::InsufficientBalance,
    );
    // Owner and payer differ: the id hashes the payer.
    let owner = signer(1).address();
    let before = h.balance(&payer.address());
    let receipt = h.send(&payer, call(owner, 240_000, 17, 16)).unwrap();
    let id = batch_id(&payer.address(), &B256::ZERO);
    assert_eq!(receipt.outcome, Outcome::BatchId(id));
    assert_eq!(
        h.balance(&payer.address()),
        before - U256::from(240_000 * CHUNKS)
    );
    assert_eq!(h.balance(&POSTAGE_STAMP), U256::from(240_000 * CHUNKS));
    let batch = h.ledger.state().postage.batch(&id).unwrap();
    assert_eq!(batch.owner, owner);
    // Bought in block 1: one block of payout has accrued since deployment.
    assert_eq!(batch.normalised_balance, U256::from(PRICE + 240_000));
    assert_eq!(
        h.ledger.state().postage.valid_chunk_count(),
        U256::from(CHUNKS)
    );
    h.expect_revert(
        &payer,
        call(owner, 240_000, 17, 16),
        ChainError::BatchExists,
    );
}

#[test]
fn expiry_pays_the_pot_exactly() {
    let mut h = harness();
    // Both bought in block 1 (cTOP = 24,000): A lasts 10 blocks, B 20.
    let a = buy(&mut h, 0, 1, 240_000, 17).unwrap();
    let b = buy(&mut h, 1, 2, 480_000, 17).unwrap();
    let postage = &h.ledger.state().postage;
    assert_eq!(
        postage.batch(&a).unwrap().normalised_balance,
        U256::from(264_000u64)
    );
    assert_eq!(
        postage.batch(&b).unwrap().normalised_balance,
        U256::from(504_000u64)
    );
    assert_eq!(postage.last_expiry_balance(), U256::from(PRICE));

    h.advance_to(15);
    assert!(h.ledger.state().postage.expired_batches_exist(15).unwrap());
    assert_eq!(
        h.ledger.state().postage.remaining_balance(&a, 15).unwrap(),
        U256::ZERO
    );
    assert_eq!(
        h.ledger.state().postage.remaining_balance(&b, 15).unwrap(),
        U256::from(144_000u64)
    );
    h.send(&signer(2), Call::ExpireLimited { limit: u64::MAX })
        .unwrap();
    let postage = &h.ledger.state().postage;
    assert!(postage.batch(&a).is_none(), "A expired and was removed");
    // A paid all of its 240,000 per chunk; B paid 14 blocks × 24,000 = 336,000 per chunk.
    assert_eq!(postage.pot(), U256::from(CHUNKS * (240_000 + 336_000)));
    assert_eq!(postage.valid_chunk_count(), U256::from(CHUNKS));
    assert_eq!(postage.last_expiry_balance(), U256::from(15 * PRICE));

    // Once B expires too, the pot is everything that was paid in.
    h.advance_to(30);
    h.send(&signer(2), Call::ExpireLimited { limit: u64::MAX })
        .unwrap();
    let postage = &h.ledger.state().postage;
    assert_eq!(postage.pot(), U256::from(CHUNKS * 720_000));
    assert_eq!(postage.pot(), h.balance(&POSTAGE_STAMP));
    assert_eq!(postage.valid_chunk_count(), U256::ZERO);
    h.ledger.state().check_conservation().unwrap();
}

#[test]
fn a_limited_expiry_pass_defers_the_survivors_share() {
    let mut h = harness();
    buy(&mut h, 0, 1, 240_000, 17).unwrap();
    buy(&mut h, 0, 2, 240_000, 17).unwrap();
    buy(&mut h, 1, 3, 2_400_000, 17).unwrap();
    h.advance_to(20);
    h.send(&signer(2), Call::ExpireLimited { limit: 1 })
        .unwrap();
    let postage = &h.ledger.state().postage;
    assert_eq!(postage.batches().len(), 2);
    // One expired batch paid in; the limit stopped the pass before a live batch was found,
    // so lastExpiryBalance stays and the survivors add nothing yet.
    assert_eq!(postage.last_expiry_balance(), U256::from(PRICE));
    assert_eq!(postage.pot(), U256::from(CHUNKS * 240_000));
    h.send(&signer(2), Call::ExpireLimited { limit: u64::MAX })
        .unwrap();
    let postage = &h.ledger.state().postage;
    assert_eq!(postage.batches().len(), 1);
    assert_eq!(
        postage.pot(),
        U256::from(CHUNKS * 240_000 * 2 + CHUNKS * (20 * PRICE - PRICE))
    );
}

#[test]
fn top_up_and_dilution() {
    let mut h = harness();
    let id = buy(&mut h, 0, 1, 960_000, 17).unwrap();
    h.advance_to(11);
    // Anyone may top up; the normalised balance grows by the top-up per chunk.
    let before = h.balance(&signer(1).address());
    h.send(
        &signer(1),
        Call::TopUp {
            batch_id: id,
            topup_per_chunk: U256::from(100_000u64),
        },
    )
    .unwrap();
    assert_eq!(
        h.balance(&signer(1).address()),
        before - U256::from(100_000 * CHUNKS)
    );
    let nb = PRICE + 960_000 + 100_000;
    assert_eq!(
        h.ledger
            .state()
            .postage
            .batch(&id)
            .unwrap()
            .normalised_balance,
        U256::from(nb)
    );

    // Only the owner dilutes, only to a larger depth, and the remainder must stay above the minimum.
    h.expect_revert(
        &signer(1),
        Call::IncreaseDepth {
            batch_id: id,
            new_depth: 18,
        },
        ChainError::NotBatchOwner,
    );
    h.expect_revert(
        &signer(0),
        Call::IncreaseDepth {
            batch_id: id,
            new_depth: 17,
        },
        ChainError::DepthNotIncreasing,
    );
    h.expect_revert(
        &signer(0),
        Call::IncreaseDepth {
            batch_id: id,
            new_depth: 22,
        },
        ChainError::InsufficientBalance,
    );
    h.send(
        &signer(0),
        Call::IncreaseDepth {
            batch_id: id,
            new_depth: 18,
        },
    )
    .unwrap();
    let paid = 11 * PRICE;
    let batch = h.ledger.state().postage.batch(&id).unwrap();
    assert_eq!(batch.depth, 18);
    assert_eq!(batch.last_updated_block, 11);
    assert_eq!(batch.normalised_balance, U256::from(paid + (nb - paid) / 2));
    assert_eq!(
        h.ledger.state().postage.valid_chunk_count(),
        U256::from(2 * CHUNKS)
    );

    // An expired batch takes no top-up.
    h.advance_to(200);
    h.expect_revert(
        &signer(1),
        Call::TopUp {
            batch_id: id,
            topup_per_chunk: U256::from(1u8),
        },
        ChainError::BatchExpired,
    );
    h.expect_revert(
        &signer(1),
        Call::TopUp {
            batch_id: B256::ZERO,
            topup_per_chunk: U256::from(1u8),
        },
        ChainError::BatchDoesNotExist,
    );
}
