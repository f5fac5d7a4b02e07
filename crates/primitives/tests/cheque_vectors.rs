//! Cheque test vectors of `swap.md` §7.1 (V1, published by Bee) and §7.2 (derived), each
//! cited by section.
#![allow(clippy::unwrap_used)]

use comb_primitives::cheque::{
    domain_separator, Cheque, SignedCheque, CASHOUT_TYPE, CHEQUE_TYPE,
    CUSTOM_DECREASE_TIMEOUT_TYPE, DOMAIN_NAME, DOMAIN_TYPE, DOMAIN_VERSION,
};
use comb_primitives::keccak::{keccak256, keccak256_concat};
use comb_primitives::{address, Signature, Signer, U256};

/// The V1/V2 private key (§7.1).
const KEY: &str = "634fb5a872396d9693e5c9f9d7233cfa93f395c093371017ff44aa9ae6564cdd";
/// Its address (§7.2).
const KEY_ADDRESS: &str = "8d3766440f0d7b949a5e32995d09619a7f86e632";

fn signer() -> Signer {
    Signer::from_hex(KEY).unwrap()
}

/// The V1 cheque (§7.1).
fn v1_cheque() -> Cheque {
    Cheque {
        chequebook: address!("fa02D396842E6e1D319E8E3D4D870338F791AA25"),
        beneficiary: address!("98E6C644aFeB94BBfB9FF60EB26fc9D83BBEcA79"),
        cumulative_payout: U256::from(500u64),
    }
}

fn signature(hex_str: &str) -> Signature {
    Signature::from_slice(&hex::decode(hex_str).unwrap()).unwrap()
}

// ---- §7.1 V1 ----

const V1_SIGNATURE: &str = "171b63fc598ae2c7987f4a756959dadddd84ccd2071e7b5c3aa3437357be47286125edc370c344a163ba7f4183dfd3611996274a13e4b3496610fc00c0e2fc421c";

#[test]
fn s7_1_v1_signature_matches_bee() {
    let signed = v1_cheque().sign(&signer(), 1).unwrap();
    assert_eq!(hex::encode(signed.signature.as_bytes()), V1_SIGNATURE);
    assert_eq!(signed.cheque, v1_cheque());
}

#[test]
fn s7_1_v1_published_signature_recovers_to_the_key() {
    let signed = SignedCheque {
        cheque: v1_cheque(),
        signature: signature(V1_SIGNATURE),
    };
    assert_eq!(hex::encode(signed.recover_issuer(1).unwrap()), KEY_ADDRESS);
}

// ---- §7.2 type hashes and domain parts ----

#[test]
fn s7_2_key_address() {
    assert_eq!(hex::encode(signer().address()), KEY_ADDRESS);
}

#[test]
fn s7_2_domain_type_hash() {
    assert_eq!(
        hex::encode(keccak256(DOMAIN_TYPE)),
        "c2f8787176b8ac6bf7215b4adcc1e069bf4ab82d9ab1df05a57a91d425935b6e"
    );
}

#[test]
fn s7_2_cheque_type_hash() {
    assert_eq!(
        hex::encode(keccak256(CHEQUE_TYPE)),
        "48ebe6deff4a5ee645c01506a026031e2a945d6f41f1f4e5098ad65347492c12"
    );
}

#[test]
fn s7_2_cashout_type_hash() {
    assert_eq!(
        hex::encode(keccak256(CASHOUT_TYPE)),
        "7d824962dd0f01520922ea1766c987b1db570cd5db90bdba5ccf5e3206079502"
    );
}

#[test]
fn s7_2_custom_decrease_timeout_type_hash() {
    assert_eq!(
        hex::encode(keccak256(CUSTOM_DECREASE_TIMEOUT_TYPE)),
        "e95f353750f192082df064ca5142d3a2d6f0bef0f3ffad66d80d8af86b7a749a"
    );
}

#[test]
fn s7_2_domain_name_hash() {
    assert_eq!(
        hex::encode(keccak256(DOMAIN_NAME)),
        "cdeae55d99692d2ef1817623ce631bbabdb8a7b750dae41c238ddda20bef8e7b"
    );
}

#[test]
fn s7_2_domain_version_hash() {
    assert_eq!(
        hex::encode(keccak256(DOMAIN_VERSION)),
        "e6bbd6277e1bf288eed5e8d1780f9a50b239e86b153736bceebccf4ea79d90b3"
    );
}

// ---- §7.2 domain separators ----

#[test]
fn s7_2_domain_separator_chain_1() {
    assert_eq!(
        hex::encode(domain_separator(1)),
        "6e9de3ff7db6cde9c21658f483281ba4eefb92aa1995df47741061001c21f224"
    );
}

#[test]
fn s7_2_domain_separator_chain_100_gnosis() {
    assert_eq!(
        hex::encode(domain_separator(100)),
        "96c88d906ec4db44d18a417ad0c738e5d1176fa13c70907f494fdb4d42ec4203"
    );
}

#[test]
fn s7_2_domain_separator_chain_11155111_sepolia() {
    assert_eq!(
        hex::encode(domain_separator(11_155_111)),
        "608078badb2c312912c91cd1c79ae01863d1971552068c35383b644cd02b19e4"
    );
}

#[test]
fn s7_2_domain_separator_chain_12345_hardhat() {
    assert_eq!(
        hex::encode(domain_separator(12_345)),
        "c575a3c04ce7684a3861c6048bb60f9e95bdfb0ba60a131c06f73034a655a747"
    );
}

// ---- §7.2 V1 struct hash, digests and signatures ----

#[test]
fn s7_2_v1_struct_hash() {
    assert_eq!(
        hex::encode(v1_cheque().struct_hash()),
        "4d7eac16e51edfea83966a068f9dcdfd2bbabf6336b85136e8b8b6bc31acc4f5"
    );
}

#[test]
fn s7_2_v1_digest_chain_1() {
    assert_eq!(
        hex::encode(v1_cheque().digest(1)),
        "69e9ee0a6b81c55324f9ba67f2307cd7ccc86a924ea857eca1818a2392bddf55"
    );
}

#[test]
fn s7_2_v1_digest_chain_100() {
    assert_eq!(
        hex::encode(v1_cheque().digest(100)),
        "a6afa6b715ef4f805e5e9dea4b15420f29c7dbb4f074b11c194989ad324a4078"
    );
}

#[test]
fn s7_2_v1_signature_chain_100() {
    let signed = v1_cheque().sign(&signer(), 100).unwrap();
    assert_eq!(
        hex::encode(signed.signature.as_bytes()),
        "983d06a1c7a04f747e214da30a49d9b1c8767451bb38377a06cdc9b259007d064576be9ed582c4d5ff630c5dcda4c408ae4647833ebd78f8b36320d1254882521c"
    );
    assert_eq!(
        hex::encode(signed.recover_issuer(100).unwrap()),
        KEY_ADDRESS
    );
}

#[test]
fn s7_2_v1_digest_chain_11155111() {
    assert_eq!(
        hex::encode(v1_cheque().digest(11_155_111)),
        "0281b73e161584a9655bfb8362ccdebdf276486c602f9a67a152acad98152379"
    );
}

#[test]
fn s7_2_v1_signature_chain_11155111() {
    let signed = v1_cheque().sign(&signer(), 11_155_111).unwrap();
    assert_eq!(
        hex::encode(signed.signature.as_bytes()),
        "3e48c264de5cb883bcd6efdd3616bf203c4f815859216372ba5c57965e93f4e74ef8be668558a4facfb6bd966b2f5dca1480bf2593737c616120f623779cd6341b"
    );
    assert_eq!(
        hex::encode(signed.recover_issuer(11_155_111).unwrap()),
        KEY_ADDRESS
    );
}

// ---- §7.1 V2 / §7.2 V2 rows: the generic EIP-712 construction the cheque module follows ----

#[test]
fn s7_2_v2_generic_eip712_values_and_s7_1_v2_signature() {
    let domain = keccak256_concat(&[
        &keccak256("EIP712Domain(string name,string version)"),
        &keccak256("test"),
        &keccak256("1.0"),
    ]);
    assert_eq!(
        hex::encode(domain),
        "d452193c704d09f803637b9ae9afaf1811729d2d2cdfcba68e856519c196b732"
    );
    let struct_hash = keccak256_concat(&[&keccak256("MyType(string test)"), &keccak256("abc")]);
    assert_eq!(
        hex::encode(struct_hash),
        "9b27b611f87f684053b2ccd4481b9a5d24119cb78b00300d4fb7090248cc48b1"
    );
    let digest = keccak256_concat(&[&[0x19, 0x01], &domain, &struct_hash]);
    assert_eq!(
        hex::encode(digest),
        "da4625fb6b07e91c94d7be8065666e9e970ef4042f72793ce605bcc54472cebe"
    );
    assert_eq!(
        hex::encode(signer().sign_prehash(&digest).unwrap().as_bytes()),
        "60f054c45d37a0359d4935da0454bc19f02a8c01ceee8a112cfe48c8e2357b842e897f76389fb96947c6d2c80cbfe081052204e7b0c3cc1194a973a09b1614f71c"
    );
}

// ---- recovery ----

#[test]
fn sign_then_recover_round_trips_for_random_keys_and_payouts() {
    for payout in [0u64, 1, 500, u64::MAX] {
        let issuer = Signer::random();
        let cheque = Cheque {
            chequebook: address!("1111111111111111111111111111111111111111"),
            beneficiary: address!("2222222222222222222222222222222222222222"),
            cumulative_payout: U256::from(payout),
        };
        for chain_id in [1u64, 100, 11_155_111, 12_345] {
            let signed = cheque.sign(&issuer, chain_id).unwrap();
            assert_eq!(signed.recover_issuer(chain_id).unwrap(), issuer.address());
        }
    }
    let max = Cheque {
        cumulative_payout: U256::MAX,
        ..v1_cheque()
    };
    let signed = max.sign(&signer(), 100).unwrap();
    assert_eq!(signed.recover_issuer(100).unwrap(), signer().address());
}

#[test]
fn cheque_signed_for_chain_1_does_not_recover_to_the_issuer_on_chain_100() {
    let signed = v1_cheque().sign(&signer(), 1).unwrap();
    assert_eq!(signed.recover_issuer(1).unwrap(), signer().address());
    // Recovery over another digest yields an unrelated address (for V1 it does recover).
    assert_ne!(signed.recover_issuer(100).unwrap(), signer().address());
}

#[test]
fn tampered_cheque_recovers_to_another_address() {
    let signed = v1_cheque().sign(&signer(), 1).unwrap();
    let tampered = SignedCheque {
        cheque: Cheque {
            cumulative_payout: U256::from(501u64),
            ..signed.cheque
        },
        ..signed
    };
    assert_ne!(tampered.recover_issuer(1).ok(), Some(signer().address()));
}

#[test]
fn bad_recovery_byte_is_rejected() {
    let mut bytes = *signature(V1_SIGNATURE).as_bytes();
    bytes[64] = 29;
    assert!(Signature::from_slice(&bytes).is_err());
    let signed = SignedCheque {
        cheque: v1_cheque(),
        signature: Signature(bytes),
    };
    assert!(signed.recover_issuer(1).is_err());
}
