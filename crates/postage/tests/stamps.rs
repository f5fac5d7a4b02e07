//! Stamp codec, signing, issuing and validation (spec §2.7–§2.10, vectors §8.6 and §8.7).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use comb_postage::stamp::stamp_digest;
use comb_postage::{
    validate_stamp, Batch, MemoryStampItems, PostageError, Stamp, StampIndex, StampIssuer, Stamper,
};
use comb_primitives::{keccak256, Address, Signer, B256, U256};
use proptest::prelude::*;

const KEY: &str = "634fb5a872396d9693e5c9f9d7233cfa93f395c093371017ff44aa9ae6564cdd";

fn b256(s: &str) -> B256 {
    s.parse().unwrap()
}

fn batch(owner: Address, id: B256, depth: u8, bucket_depth: u8, immutable: bool) -> Batch {
    Batch {
        id,
        owner,
        depth,
        bucket_depth,
        immutable,
        value: U256::from(1_000_000u64),
        start_block: 1,
    }
}

struct Vector {
    chunk: &'static str,
    batch: &'static str,
    bucket: u32,
    position: u32,
    timestamp: u64,
    prehash: &'static str,
    stamp: &'static str,
}

const BATCH: &str = "b3efd3908d0fc4f1b740b0bc56aa52babce3c5388fe799ecbaa8ecd55584cad4";

/// spec §8.7 (nectar `reference-stamps.json`, generated with bee v2.7.0).
const VECTORS: [Vector; 4] = [
    Vector {
        chunk: "0000000000000000000000000000000000000000000000000000000000000002",
        batch: "0000000000000000000000000000000000000000000000000000000000000001",
        bucket: 0,
        position: 0,
        timestamp: 3,
        prehash: "f4fe8b1b61d3ac2155c07fbfe445599a4119fbd29b1125b5ac0d06964f76ec20",
        stamp: "0000000000000000000000000000000000000000000000000000000000000001\
                0000000000000000\
                0000000000000003\
                496cb9ac06221d39c3f6a7dd3b9c2301c1f923162b90d5443e42023f34ff908945b0da1c297190f111b7c6ebc828648ead8f7fce06c0364cb5a833410230c5c01c",
    },
    Vector {
        chunk: "a53fa0152bc2dcf30e7246545646ea9d88ee20efcc1650c552eb7a7721575a2e",
        batch: BATCH,
        bucket: 42303,
        position: 0,
        timestamp: 1786739294100367587,
        prehash: "50f4fc3565021baf88241978739a416880fcb51c4f0f929ea1d625bf414f327c",
        stamp: "b3efd3908d0fc4f1b740b0bc56aa52babce3c5388fe799ecbaa8ecd55584cad4\
                0000a53f00000000\
                18cbc5ebe315a8e3\
                27b31fab8c44374edabf2a189f4e8d74d08a1e9d5d99d9957e3c39eae4c4c27541311ef4d3a6989494644626ae2759050e9090ada9e8c5596f9fc991cac8e7161b",
    },
    Vector {
        chunk: "a53f1104cc19c37bb902316b299fed2618c10a0b8fc8de468cf619282a65891c",
        batch: BATCH,
        bucket: 42303,
        position: 1234,
        timestamp: 1786739294166325661,
        prehash: "895a68a3bacae7da52f6bcdede488118d0228e1e0270773c8cca829bf82d1212",
        stamp: "b3efd3908d0fc4f1b740b0bc56aa52babce3c5388fe799ecbaa8ecd55584cad4\
                0000a53f000004d2\
                18cbc5ebe704199d\
                87e9f64d9c24e0e2c58b0f2f249f3d8eaea84b15119665f9ab457bcc6207370f79d8dbe49af4c73afe51e58e9efcb44345956dd7ef3d129b9f9d899c5c8690331b",
    },
    Vector {
        chunk: "8001ac928c1a983609e69da935ed86db97704a5ff682a33331b83e889ad35cf2",
        batch: BATCH,
        bucket: 32769,
        position: 65535,
        timestamp: 1786739297490769984,
        prehash: "758393ec780fcef31a65fe4fc67063a7523e6a70cdc8c9daf31ded50b6d6a731",
        stamp: "b3efd3908d0fc4f1b740b0bc56aa52babce3c5388fe799ecbaa8ecd55584cad4\
                000080010000ffff\
                18cbc5ecad2b1840\
                b6b86cd057f36cd186e77024cdff219bf5650be53ecfd886b6626590c601e9b73d540de2d498f9083345cb7ca08b3612ddd16a68bd915a611bf09c45163f10c91b",
    },
];

#[test]
fn s8_7_reference_stamps_sign_marshal_and_validate() {
    let signer = Signer::from_hex(KEY).unwrap();
    for v in VECTORS {
        let chunk = b256(v.chunk);
        let index = StampIndex {
            bucket: v.bucket,
            position: v.position,
        };
        let digest = stamp_digest(&chunk, &b256(v.batch), index, v.timestamp);
        assert_eq!(hex::encode(digest), v.prehash);
        let stamp = Stamp::sign(&signer, &chunk, b256(v.batch), index, v.timestamp).unwrap();
        let expected: String = v.stamp.split_whitespace().collect();
        assert_eq!(hex::encode(stamp.to_bytes()), expected);
        assert_eq!(Stamp::from_bytes(&stamp.to_bytes()).unwrap(), stamp);

        // The geometric vectors are valid stamps of a depth-32, bucket-depth-16 batch.
        if v.bucket != 0 {
            let batches = HashMap::from([(
                b256(v.batch),
                batch(signer.address(), b256(v.batch), 32, 16, false),
            )]);
            validate_stamp(&stamp, &chunk, &batches).unwrap();
        }
    }
}

#[test]
fn s8_6_postage_proof_signatures() {
    // The three postage proofs of spec §8.6, over the witnesses' (SOC or CAC) addresses.
    let signer = Signer::from_bytes(&[0x30; 32]).unwrap();
    let batch_id = B256::from(keccak256(b"The Inverted Jenny"));
    assert_eq!(
        batch_id,
        b256("4c8efc14c8e3cee608174f995d7afe155897bf643a31226e4f1363bc97686aef")
    );
    let index = StampIndex::from_u64(u64::from_be_bytes(
        hex::decode("0000000000080303").unwrap().try_into().unwrap(),
    ));
    let timestamp =
        u64::from_be_bytes(hex::decode("0000000000030308").unwrap().try_into().unwrap());
    let cases = [
        ("535e6df58a122a8f5e6c851c19b3e042f4cd1b5c5a8c499581c9f6d4e3509182", "72db148cd9a4fe75127fac2069811e233c93e54e4877c452a24cd708b89a5380", "b0274fcda59e8aaffee803021971a764a017ce2c0f41c8ceb6eefdea807056f621a98feab5ebf33bb6065e49c050f413ec8840b008fc224d882ce5244ce3e0171c"),
        ("04a60acb043bf6af06f8f102e1e7f566603162b471324df5c20234913c7bf878", "9cc1b02a30da7bfcb51858a5778a3d1cfa71918c93ab4f64140ecc48e7854bcd", "bc302a0e738745d7f274b8be58ee3b38ddb2b5d191f041c26de54642443f703d64250fdc50cbd0a4b428e1b72090e497a7a217f18b55b204dc33dc65a873b1781b"),
        ("5ba2c8b912fad4aeb4a11a960946d07b9f66bc40ac54d87224914d75f5aeea5f", "d5c450bab74637fbb51a3a1eb20d712136a529cd7dee012208057c88dea25109", "6747c58ce8613486c696f5bb7393c9c59094371969c3a52bfaf75192c605f4ad7c70c6e71fdd320e20d005e42e94ee32102c234eb465f4f5fd9db60fcad0356b1c"),
    ];
    for (chunk, prehash, signature) in cases {
        let chunk = b256(chunk);
        assert_eq!(
            hex::encode(stamp_digest(&chunk, &batch_id, index, timestamp)),
            prehash
        );
        let stamp = Stamp::sign(&signer, &chunk, batch_id, index, timestamp).unwrap();
        assert_eq!(hex::encode(stamp.signature.as_bytes()), signature);
        assert_eq!(stamp.recover_signer(&chunk).unwrap(), signer.address());
    }
}

fn address_in_bucket(bucket: u16, salt: u8) -> B256 {
    let mut address = B256::repeat_byte(salt);
    address[..2].copy_from_slice(&bucket.to_be_bytes());
    address
}

#[test]
fn issuer_fills_a_bucket_then_immutable_refuses() {
    let owner = Signer::from_hex(KEY).unwrap();
    let b = batch(owner.address(), B256::repeat_byte(9), 18, 16, true);
    let mut issuer = StampIssuer::new(&b).unwrap();
    for expected in 0..4 {
        let index = issuer
            .next_index(&address_in_bucket(7, expected as u8))
            .unwrap();
        assert_eq!(
            index,
            StampIndex {
                bucket: 7,
                position: expected
            }
        );
    }
    assert_eq!(issuer.utilization(), 4);
    assert!(issuer.is_full());
    assert_eq!(
        issuer.next_index(&address_in_bucket(7, 99)),
        Err(PostageError::BucketFull(7))
    );
    // Other buckets are unaffected.
    assert_eq!(
        issuer.next_index(&address_in_bucket(8, 0)).unwrap(),
        StampIndex {
            bucket: 8,
            position: 0
        }
    );
    assert_eq!(issuer.buckets()[7], 4);
    assert_eq!(issuer.buckets()[8], 1);
}

#[test]
fn mutable_batch_wraps_around() {
    let owner = Signer::from_hex(KEY).unwrap();
    let b = batch(owner.address(), B256::repeat_byte(9), 17, 16, false);
    let mut issuer = StampIssuer::new(&b).unwrap();
    let positions: Vec<u32> = (0..5)
        .map(|i| {
            issuer
                .next_index(&address_in_bucket(3, i))
                .unwrap()
                .position
        })
        .collect();
    assert_eq!(positions, [0, 1, 0, 1, 0]);
}

#[test]
fn restamping_a_chunk_reuses_its_index_with_a_new_timestamp() {
    let owner = Signer::from_hex(KEY).unwrap();
    let b = batch(owner.address(), B256::repeat_byte(9), 20, 16, true);
    let mut stamper = Stamper::new(
        &b,
        StampIssuer::new(&b).unwrap(),
        MemoryStampItems::default(),
        owner,
    )
    .unwrap();
    let address = address_in_bucket(1, 1);
    let first = stamper.stamp(&address, &address, 100).unwrap();
    let other = stamper
        .stamp(&address_in_bucket(1, 2), &address_in_bucket(1, 2), 101)
        .unwrap();
    let again = stamper.stamp(&address, &address, 200).unwrap();
    assert_eq!(first.index, again.index);
    assert_eq!(again.timestamp, 200);
    assert_ne!(first.signature, again.signature);
    assert_eq!(other.index.position, 1);
    assert_eq!(stamper.issuer().buckets()[1], 2);
}

#[test]
fn stamper_refuses_a_signer_that_does_not_own_the_batch() {
    let owner = Signer::from_hex(KEY).unwrap();
    let b = batch(owner.address(), B256::repeat_byte(9), 20, 16, true);
    let result = Stamper::new(
        &b,
        StampIssuer::new(&b).unwrap(),
        MemoryStampItems::default(),
        Signer::random(),
    );
    assert!(matches!(result, Err(PostageError::NotBatchOwner { .. })));
}

#[test]
fn counters_survive_a_round_trip() {
    let owner = Signer::from_hex(KEY).unwrap();
    let b = batch(owner.address(), B256::repeat_byte(9), 20, 16, true);
    let mut issuer = StampIssuer::new(&b).unwrap();
    issuer.next_index(&address_in_bucket(5, 0)).unwrap();
    let mut restored = StampIssuer::from_counters(&b, Some(issuer.buckets().to_vec())).unwrap();
    assert_eq!(
        restored
            .next_index(&address_in_bucket(5, 1))
            .unwrap()
            .position,
        1
    );
    assert!(StampIssuer::from_counters(&b, Some(vec![0; 3])).is_err());
}

#[test]
fn each_validation_step_has_its_own_error() {
    let owner = Signer::from_hex(KEY).unwrap();
    let id = B256::repeat_byte(9);
    let chunk = address_in_bucket(0x1234, 5);
    let good_batch = batch(owner.address(), id, 20, 16, true);
    let batches = HashMap::from([(id, good_batch.clone())]);
    let index = StampIndex {
        bucket: 0x1234,
        position: 3,
    };
    let stamp = Stamp::sign(&owner, &chunk, id, index, 42).unwrap();
    assert_eq!(
        validate_stamp(&stamp, &chunk, &batches).unwrap(),
        good_batch
    );

    // 1. unknown batch
    assert_eq!(
        validate_stamp(&stamp, &chunk, &HashMap::new()),
        Err(PostageError::BatchNotFound(id))
    );
    // 2. signature that does not recover
    let mut broken = stamp;
    broken.signature.0[..64].fill(0);
    assert!(matches!(
        validate_stamp(&broken, &chunk, &batches),
        Err(PostageError::InvalidSignature(_))
    ));
    // 3. bucket mismatch (signed correctly by the owner for the wrong bucket)
    let wrong_bucket = Stamp::sign(
        &owner,
        &chunk,
        id,
        StampIndex {
            bucket: 0x1235,
            position: 3,
        },
        42,
    )
    .unwrap();
    assert!(matches!(
        validate_stamp(&wrong_bucket, &chunk, &batches),
        Err(PostageError::BucketMismatch {
            stamp: 0x1235,
            chunk: 0x1234
        })
    ));
    // 4. position outside the bucket (depth 20 − 16 → 16 slots)
    let outside = Stamp::sign(
        &owner,
        &chunk,
        id,
        StampIndex {
            bucket: 0x1234,
            position: 16,
        },
        42,
    )
    .unwrap();
    assert!(matches!(
        validate_stamp(&outside, &chunk, &batches),
        Err(PostageError::InvalidIndex {
            position: 16,
            upper_bound: 16
        })
    ));
    // 5. signer is not the owner
    let stranger = Stamp::sign(&Signer::random(), &chunk, id, index, 42).unwrap();
    assert!(matches!(
        validate_stamp(&stranger, &chunk, &batches),
        Err(PostageError::OwnerMismatch { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A stamp signed for one chunk fails validation for any other chunk, batch, index or owner.
    #[test]
    fn a_stamp_binds_chunk_batch_index_and_owner(
        chunk in any::<[u8; 32]>(),
        other in any::<[u8; 32]>(),
        position in 0u32..16,
        other_position in 0u32..16,
        timestamp in any::<u64>(),
        owner_key in any::<[u8; 32]>(),
    ) {
        let chunk = B256::from(chunk);
        let other = B256::from(other);
        prop_assume!(chunk != other);
        let owner = match Signer::from_bytes(&owner_key) { Ok(s) => s, Err(_) => return Ok(()) };
        let id = B256::repeat_byte(1);
        let other_id = B256::repeat_byte(2);
        let batches = HashMap::from([
            (id, batch(owner.address(), id, 20, 16, true)),
            (other_id, batch(owner.address(), other_id, 20, 16, true)),
        ]);
        let bucket = comb_postage::bucket_of(&chunk, 16);
        let stamp = Stamp::sign(&owner, &chunk, id, StampIndex { bucket, position }, timestamp).unwrap();
        prop_assert!(validate_stamp(&stamp, &chunk, &batches).is_ok());

        // another chunk (even one in the same bucket)
        prop_assert!(validate_stamp(&stamp, &other, &batches).is_err());
        // another batch with the same owner
        let mut moved = stamp;
        moved.batch_id = other_id;
        prop_assert!(validate_stamp(&moved, &chunk, &batches).is_err());
        // another index
        if other_position != position {
            let mut shifted = stamp;
            shifted.index.position = other_position;
            prop_assert!(validate_stamp(&shifted, &chunk, &batches).is_err());
        }
        // another timestamp
        let mut later = stamp;
        later.timestamp = timestamp.wrapping_add(1);
        prop_assert!(validate_stamp(&later, &chunk, &batches).is_err());
        // another owner
        let mut foreign = batches.clone();
        foreign.insert(id, batch(Signer::random().address(), id, 20, 16, true));
        prop_assert!(validate_stamp(&stamp, &chunk, &foreign).is_err());
    }
}
