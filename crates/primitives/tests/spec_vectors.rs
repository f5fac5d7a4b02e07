//! Test vectors of `storage-incentives.md` §8.1–§8.5, each cited by section.
#![allow(clippy::unwrap_used)]

use comb_primitives::bmt::{bmt_hash, keyed_bmt_hash, BmtTree, KeyedHasher, PlainHasher};
use comb_primitives::overlay::overlay_address;
use comb_primitives::soc::{chunk_type, soc_address, ChunkType, SingleOwnerChunk};
use comb_primitives::{Address, Chunk, Signer, B256};

fn h32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

const LADDER: [&str; 8] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5",
    "b4c11951957c6f8f642c4af61cd6b24640fec6dc7fc607ee8206a99e92410d30",
    "21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85",
    "e58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344",
    "0eb01ebfc9ed27500cd4dfc979272d1f0913cc9f66540d7e8005811109e1cf2d",
    "887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968",
    "ffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f83",
];

#[test]
fn s8_1_zero_subtree_ladder() {
    let zero = [0u8; 32];
    let mut node = zero;
    assert_eq!(hex::encode(node), LADDER[0]);
    for expected in &LADDER[1..] {
        node = comb_primitives::keccak::hash_pair(&node, &node);
        assert_eq!(hex::encode(node), *expected);
    }
    // Level 7 is the root of 4096 zero bytes: the tree and the fast path agree.
    let tree = BmtTree::build(&PlainHasher, &[0; 8], &[0u8; 4096]).unwrap();
    let proof = tree.proof(5).unwrap();
    for (level, sister) in proof.sisters.iter().enumerate() {
        assert_eq!(hex::encode(sister), LADDER[level]);
    }
}

#[test]
fn s8_1_proof_correctness_hello_world() {
    let span = 4096u64.to_le_bytes();
    let tree = BmtTree::build(&PlainHasher, &span, b"hello world").unwrap();
    let address = bmt_hash(&span, b"hello world").unwrap();
    assert_eq!(tree.address(), address);

    let proof0 = tree.proof(0).unwrap();
    let expected0: Vec<[u8; 32]> = LADDER[..6]
        .iter()
        .map(|s| h32(s))
        .chain([h32(
            "887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968",
        )])
        .collect();
    assert_eq!(proof0.sisters.to_vec(), expected0);
    assert!(proof0.verify(&address));

    let left_half = h32("745bae095b6ff5416b4a351a167f731db6d6f5924f30cd88d48e74261795d27b");
    for index in [127, 64] {
        let proof = tree.proof(index).unwrap();
        let expected: Vec<[u8; 32]> = LADDER[..6]
            .iter()
            .map(|s| h32(s))
            .chain([left_half])
            .collect();
        assert_eq!(proof.sisters.to_vec(), expected, "segment {index}");
        assert!(proof.verify(&address));
    }
}

#[test]
fn s8_2_cac_addresses() {
    let cases: [(Chunk, &str); 4] = [
        (
            Chunk::content(b"greaterthanspan").unwrap(),
            "27913f1bdb6e8e52cbd5a5fd4ab577c857287edf6969b41efe926b51de0f4f23",
        ),
        (
            Chunk::content_from_data(b"greaterthanspan".to_vec()).unwrap(),
            "95022e6af5c6d6a564ee55a67f8455a3e18c511b5697c932d9e44f07f2fb8c53",
        ),
        (
            Chunk::content(b"foo").unwrap(),
            "2387e8e7d8a48c2a9339c97c1dc3461a9a7aa07e994c5cb8b38fd7c1b3e6ea48",
        ),
        (
            Chunk::content(b"").unwrap(),
            "b34ca8c22b9e982354f9c7f50b470d66db428d880c8a904d5fe4ec9713171526",
        ),
    ];
    for (chunk, expected) in cases {
        assert_eq!(hex::encode(chunk.address()), expected);
        chunk.validate_content().unwrap();
        assert_eq!(chunk_type(&chunk).unwrap(), ChunkType::Content);
    }
}

#[test]
fn s8_2_invalid_cacs_are_rejected() {
    let good = Chunk::content(b"foo").unwrap();
    let mut data = good.data().to_vec();
    data[9] ^= 1;
    let tampered = Chunk::new_unchecked(*good.address(), data);
    assert!(tampered.validate_content().is_err());
    assert!(Chunk::content_from_data(vec![0; 7]).is_err());
    assert!(Chunk::content_from_data(vec![0; 4105]).is_err());
    assert!(Chunk::content(&[0; 4097]).is_err());
}

#[test]
fn s8_3_keyed_bmt_sample_vector() {
    let payload: Vec<u8> = (0..4096).map(|i| (i % 256) as u8).collect();
    let chunk = Chunk::content(&payload).unwrap();
    assert_eq!(
        hex::encode(chunk.address()),
        "902406053a7a2f3a17f16097e1d0b4b6a4abeae6b84968f5503ae621f9522e16"
    );
    let anchor = b"swarm-test-anchor-deterministic!";
    let transformed = keyed_bmt_hash(anchor, &4096u64.to_le_bytes(), &payload).unwrap();
    assert_eq!(
        hex::encode(transformed),
        "9dee91d1ed794460474ffc942996bd713176731db4581a3c6470fe9862905a60"
    );
    // A keyed proof verifies under the key and fails without it.
    let tree = BmtTree::build(&KeyedHasher::new(anchor), &4096u64.to_le_bytes(), &payload).unwrap();
    let proof = tree.proof(77).unwrap();
    assert!(proof.verify_keyed(anchor, &transformed));
    assert!(!proof.verify(&transformed));
}

const SOC_KEY: &str = "634fb5a872396d9693e5c9f9d7233cfa93f395c093371017ff44aa9ae6564cdd";
const SOC_SIG: &str = "5acd384febc133b7b245e5ddc62d82d2cded9182d2716126cd8844509af65a053deb418208027f548e3e88343af6f84a8772fb3cebc0a1833a0ea7ec0c1348311b";

#[test]
fn s8_4_single_owner_chunk() {
    let signer = Signer::from_hex(SOC_KEY).unwrap();
    let soc = SingleOwnerChunk::sign(&signer, B256::ZERO, Chunk::content(b"foo").unwrap()).unwrap();
    assert_eq!(hex::encode(soc.signature().as_bytes()), SOC_SIG);
    assert_eq!(
        hex::encode(soc.address()),
        "9d453ebb73b2fedaaf44ceddcf7a0aa37f3e3d6453fea5841c31f0ea6d61dc85"
    );
    let wire = soc.to_chunk();
    let expected_wire = format!("{}{}0300000000000000666f6f", "00".repeat(32), SOC_SIG);
    assert_eq!(hex::encode(wire.data()), expected_wire);

    let parsed = SingleOwnerChunk::from_chunk(&wire).unwrap();
    assert_eq!(parsed.owner(), &signer.address());
    assert_eq!(chunk_type(&wire).unwrap(), ChunkType::SingleOwner);
    assert_eq!(soc_address(&B256::ZERO, &signer.address()), soc.address());
}

#[test]
fn s8_4_tampered_socs_are_rejected() {
    let signer = Signer::from_hex(SOC_KEY).unwrap();
    let soc = SingleOwnerChunk::sign(&signer, B256::ZERO, Chunk::content(b"foo").unwrap()).unwrap();
    let wire = soc.to_chunk();
    // Wrong address.
    let moved = Chunk::new_unchecked(B256::repeat_byte(7), wire.data().to_vec());
    assert!(SingleOwnerChunk::from_chunk(&moved).is_err());
    // Payload changed: the signature recovers someone else, so the address no longer matches.
    let mut data = wire.data().to_vec();
    let last = data.len() - 1;
    data[last] ^= 1;
    assert!(SingleOwnerChunk::from_chunk(&Chunk::new_unchecked(*wire.address(), data)).is_err());
    // Too short.
    assert!(SingleOwnerChunk::parse(&wire.data()[..104]).is_err());
    // Recovery byte outside {27, 28}.
    let mut data = wire.data().to_vec();
    data[32 + 64] = 0;
    assert!(SingleOwnerChunk::from_chunk(&Chunk::new_unchecked(*wire.address(), data)).is_err());
}

#[test]
fn s1_5_dispersed_replica_rule() {
    let mut key = [0u8; 32];
    key[0] = 1;
    let replicas = Signer::from_bytes(&key).unwrap();
    assert_eq!(replicas.address(), comb_primitives::soc::REPLICAS_OWNER);
    let wrapped = Chunk::content(b"replicated").unwrap();
    // A replica id must equal the wrapped address on bytes 1..32.
    let mut good_id = *wrapped.address();
    good_id[0] = 0x42;
    let good = SingleOwnerChunk::sign(&replicas, good_id, wrapped.clone()).unwrap();
    SingleOwnerChunk::from_chunk(&good.to_chunk()).unwrap();
    let bad = SingleOwnerChunk::sign(&replicas, B256::repeat_byte(3), wrapped).unwrap();
    assert!(SingleOwnerChunk::from_chunk(&bad.to_chunk()).is_err());
}

#[test]
fn s8_5_overlay_derivation_bee() {
    let nonce = |n: u64| B256::left_padding_from(&n.to_be_bytes());
    let cases = [
        (
            "1815cac638d1525b47f848daf02b7953e4edd15c",
            1,
            1,
            "a38f7a814d4b249ae9d3821e9b898019c78ac9abe248fff171782c32a3849a17",
        ),
        (
            "1815cac638d1525b47f848daf02b7953e4edd15c",
            1,
            2,
            "c63c10b1728dfc463c64c264f71a621fe640196979375840be42dc496b702610",
        ),
        (
            "d26bc1715e933bd5f8fad16310042f13abc16159",
            2,
            1,
            "9f421f9149b8e31e238cfbdc6e5e833bacf1e42f77f60874d49291292858968e",
        ),
        (
            "ac485e3c63dcf9b4cda9f007628bb0b6fed1c063",
            1,
            0,
            "fe3a6d582c577404fb19df64a44e00d3a3b71230a8464c0dd34af3f0791b45f2",
        ),
    ];
    for (address, network, n, expected) in cases {
        let address: Address = address.parse().unwrap();
        assert_eq!(
            hex::encode(overlay_address(&address, network, &nonce(n))),
            expected
        );
    }
}

#[test]
fn s8_5_overlay_derivation_storage_incentives() {
    let b5 = B256::from(h32(&"b5555b33".repeat(8)));
    let cases = [
        (
            "bFC32C0779b9B17D2e2DCd916493528BF4561142",
            b5,
            "a602fa47b3e8ce39ffc2017ad9069ff95eb58c051b1cfa2b0d86bc44a5433733",
        ),
        (
            "b5CFb878581FD7c0bDC9854de707eD47065388c4",
            b5,
            "a6f955c72d7053f96b91b5470491a0c732b0175af56dcfb7a604b82b16719406",
        ),
        (
            "b5CFb878581FD7c0bDC9854de707eD47065388c4",
            B256::left_padding_from(&[0x03, 0x25, 0xdd]),
            "676766bbae530fd0483e4734e800569c95929b707b9c50f8717dc99f9f91e915",
        ),
        (
            "02c7d652018E232ECBe0145716FF061A5E8917E0",
            b5,
            "a40db58e368ea6856a24c0264ebd73b049f3dc1c2347b1babc901d3e09842dec",
        ),
        (
            "a8bF80107abAFC6eF2192AB1D7Ce3f9D777E1161",
            b5,
            "af217eb0d652baf39ec9464a350c7afc812743fd75ccadf4fcceb6d19a1f190c",
        ),
        (
            "B257DaAc87899038871E3FB280da58191eFB5Ca2",
            b5,
            "aedb2a8007316805b4d64b249ea39c5a1c4a9ce51dc8432724241f41ecb02efb",
        ),
        (
            "77CbAdb1059dDC7334227e025fC940469f52FEd8",
            b5,
            "141680b0d9c7ab250672fd4603ac13e39e47de6e2c93d71bbdc66459a6c5e39f",
        ),
        (
            "4906632d6693733554EE11eA785EB718d2e2ffdA",
            b5,
            "152d169abc6e6a0e0a2a7b78dcfea0bebe32942f05e9bb10ee2996203d5361ef",
        ),
        (
            "8e3cb0148c5f39577fb815dc8c37795e30f5dcfa",
            B256::left_padding_from(&[0x3b, 0xa6]),
            "676720d79d609ed462fadf6f14eb1bf9ec1a90999dd45a671d79a89c7b5ac9d8",
        ),
    ];
    for (address, nonce, expected) in cases {
        let address: Address = address.to_lowercase().parse().unwrap();
        assert_eq!(
            hex::encode(overlay_address(&address, 0, &nonce)),
            expected,
            "{address}"
        );
    }
}
