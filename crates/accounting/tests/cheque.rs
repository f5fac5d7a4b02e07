//! Cheque validation on receipt (spec `swap.md` §3.5), the issuer's negotiation (§3.4) and
//! the `EmitCheque` JSON (§3.3): forged cheques are refused.
#![allow(clippy::unwrap_used)]

use comb_accounting::cheque::{
    available_balance, base64_decode, base64_encode, cheque_value, decode_json, encode_json,
    validate_received, ChequebookFacts, ReceiveContext,
};
use comb_accounting::{AccountingError, U256};
use comb_primitives::cheque::{Cheque, SignedCheque};
use comb_primitives::{Address, Signer};

const CHAIN_ID: u64 = 1337;
const RATE: u64 = 100_000;
const DEDUCTION: u64 = 100;

fn issuer() -> Signer {
    Signer::from_bytes(&[7u8; 32]).unwrap()
}

fn own() -> Address {
    Address::repeat_byte(0xbe)
}

fn chequebook() -> Address {
    Address::repeat_byte(0xcb)
}

fn cheque(signer: &Signer, payout: u64, chain_id: u64) -> SignedCheque {
    Cheque {
        chequebook: chequebook(),
        beneficiary: own(),
        cumulative_payout: U256::from(payout),
    }
    .sign(signer, chain_id)
    .unwrap()
}

fn ctx(last: Option<u64>) -> ReceiveContext {
    ReceiveContext {
        own: own(),
        chain_id: CHAIN_ID,
        known_chequebook: None,
        last_cumulative: last.map(U256::from),
        facts: Some(ChequebookFacts {
            issuer: issuer().address(),
            balance: U256::from(10_000_000_000u64),
            paid_out: U256::ZERO,
        }),
        exchange_rate: U256::from(RATE),
        deduction: U256::from(DEDUCTION),
    }
}

#[test]
fn a_valid_cheque_credits_its_increment_after_deduction() {
    // 5 AU worth plus the deduction.
    let c = cheque(&issuer(), 5 * RATE + DEDUCTION, CHAIN_ID);
    assert_eq!(validate_received(&c, &ctx(None)).unwrap(), U256::from(5u8));
    // The next one only credits the increment; no deduction once paid.
    let next = cheque(&issuer(), 5 * RATE + DEDUCTION + 3 * RATE + 7, CHAIN_ID);
    let mut later = ctx(Some(5 * RATE + DEDUCTION));
    later.deduction = U256::ZERO;
    assert_eq!(validate_received(&next, &later).unwrap(), U256::from(3u8));
}

#[test]
fn a_cheque_signed_by_someone_else_is_refused() {
    let forger = Signer::from_bytes(&[9u8; 32]).unwrap();
    let c = cheque(&forger, 5 * RATE, CHAIN_ID);
    assert_eq!(
        validate_received(&c, &ctx(None)),
        Err(AccountingError::ChequeInvalid)
    );
}

#[test]
fn a_cheque_for_another_chain_is_refused() {
    let c = cheque(&issuer(), 5 * RATE, CHAIN_ID + 1);
    assert_eq!(
        validate_received(&c, &ctx(None)),
        Err(AccountingError::ChequeInvalid)
    );
}

#[test]
fn a_decreasing_or_repeated_cumulative_payout_is_refused() {
    let c = cheque(&issuer(), 5 * RATE, CHAIN_ID);
    for last in [5 * RATE, 6 * RATE] {
        assert!(matches!(
            validate_received(&c, &ctx(Some(last))),
            Err(AccountingError::ChequeNotIncreasing { .. })
        ));
    }
}

#[test]
fn other_refusals_follow_bees_order() {
    let c = cheque(&issuer(), 5 * RATE, CHAIN_ID);
    let mut wrong_book = ctx(None);
    wrong_book.known_chequebook = Some(Address::repeat_byte(1));
    assert!(matches!(
        validate_received(&c, &wrong_book),
        Err(AccountingError::WrongChequebook { .. })
    ));
    let mut not_ours = ctx(None);
    not_ours.own = Address::repeat_byte(2);
    assert!(matches!(
        validate_received(&c, &not_ours),
        Err(AccountingError::WrongBeneficiary(_))
    ));
    let mut undeployed = ctx(None);
    undeployed.facts = None;
    assert_eq!(
        validate_received(&c, &undeployed),
        Err(AccountingError::NotDeployedByFactory(chequebook()))
    );
    let tiny = cheque(&issuer(), RATE + DEDUCTION - 1, CHAIN_ID);
    assert!(matches!(
        validate_received(&tiny, &ctx(None)),
        Err(AccountingError::ChequeValueTooLow(_))
    ));
    let mut poor = ctx(None);
    if let Some(facts) = poor.facts.as_mut() {
        facts.balance = U256::from(5 * RATE - 1);
    }
    assert!(matches!(
        validate_received(&c, &poor),
        Err(AccountingError::BouncingCheque { .. })
    ));
    // Already paid out counts against what the balance must cover.
    if let Some(facts) = poor.facts.as_mut() {
        facts.paid_out = U256::from(1u8);
    }
    assert_eq!(validate_received(&c, &poor).unwrap(), U256::from(4u8));
}

#[test]
fn the_issuer_negotiates_rate_and_deduction() {
    let (rate, ded) = (U256::from(RATE), U256::from(DEDUCTION));
    let amount = U256::from(10u8);
    assert_eq!(
        cheque_value(amount, rate, ded, rate, ded, false).unwrap(),
        U256::from(10 * RATE + DEDUCTION)
    );
    assert_eq!(
        cheque_value(amount, rate, U256::ZERO, rate, ded, true).unwrap(),
        U256::from(10 * RATE)
    );
    assert!(matches!(
        cheque_value(amount, rate + U256::from(1u8), ded, rate, ded, false),
        Err(AccountingError::NegotiateRate { .. })
    ));
    assert!(matches!(
        cheque_value(amount, rate, U256::from(1u8), rate, ded, false),
        Err(AccountingError::NegotiateDeduction { .. })
    ));
    assert_eq!(
        cheque_value(amount, rate, ded, rate, ded, true),
        Err(AccountingError::HaveDeduction)
    );
    assert_eq!(
        available_balance(U256::from(100u8), U256::from(20u8), U256::from(50u8)),
        U256::from(70u8)
    );
}

#[test]
fn emit_cheque_json_has_gos_shape_and_round_trips() {
    let c = cheque(&issuer(), 500, CHAIN_ID);
    let json = String::from_utf8(encode_json(&c)).unwrap();
    let expected = format!(
        "{{\"Chequebook\":\"0x{}\",\"Beneficiary\":\"0x{}\",\"CumulativePayout\":500,\"Signature\":\"{}\"}}",
        "cb".repeat(20),
        "be".repeat(20),
        base64_encode(c.signature.as_bytes())
    );
    assert_eq!(json, expected);
    assert_eq!(decode_json(json.as_bytes()).unwrap(), c);
    // Go decodes keys case-insensitively, ignores unknown keys, takes uint256 numbers.
    let max = U256::MAX.to_string();
    let loose = format!(
        " {{ \"chequebook\" : \"0x{}\", \"extra\": null, \"BENEFICIARY\":\"0x{}\", \"cumulativePayout\": {max}, \"signature\":\"{}\" }} ",
        "CB".repeat(20),
        "be".repeat(20),
        base64_encode(c.signature.as_bytes())
    );
    let parsed = decode_json(loose.as_bytes()).unwrap();
    assert_eq!(parsed.cheque.cumulative_payout, U256::MAX);
    assert_eq!(parsed.cheque.chequebook, chequebook());
    for bad in [
        "",
        "[]",
        "{\"Chequebook\":\"0x00\"}",
        "{\"CumulativePayout\":\"500\"}",
        "{\"CumulativePayout\":-1}",
    ] {
        assert!(matches!(
            decode_json(bad.as_bytes()),
            Err(AccountingError::MalformedCheque(_))
        ));
    }
}

#[test]
fn base64_matches_the_standard_alphabet_with_padding() {
    for (raw, text) in [
        (&b""[..], ""),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg=="),
        (&[0xfb, 0xff][..], "+/8="),
    ] {
        assert_eq!(base64_encode(raw), text);
        assert_eq!(base64_decode(text).unwrap(), raw);
    }
    assert!(base64_decode("Zg=").is_err());
    assert!(base64_decode("Z=g=").is_err());
}
