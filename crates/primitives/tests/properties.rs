//! Property tests for BMT proofs and signatures (issue: foundation, "Done when").
#![allow(clippy::unwrap_used)]

use comb_primitives::bmt::{bmt_hash, BmtTree, KeyedHasher, PlainHasher};
use comb_primitives::crypto::recover_digest;
use comb_primitives::{keccak256, Signer};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_segment_proof_verifies_and_a_flipped_bit_fails(
        payload in proptest::collection::vec(any::<u8>(), 0..=4096),
        key in proptest::collection::vec(any::<u8>(), 1..=40),
    ) {
        let span = (payload.len() as u64).to_le_bytes();
        let address = bmt_hash(&span, &payload).unwrap();
        let tree = BmtTree::build(&PlainHasher, &span, &payload).unwrap();
        prop_assert_eq!(tree.address(), address);
        let keyed = KeyedHasher::new(&key);
        let keyed_tree = BmtTree::build(&keyed, &span, &payload).unwrap();
        for index in 0..128 {
            let proof = tree.proof(index).unwrap();
            prop_assert!(proof.verify(&address));
            let mut wrong = proof;
            wrong.segment[index % 32] ^= 1;
            prop_assert!(!wrong.verify(&address));
            let mut moved = proof;
            moved.index ^= 1;
            prop_assert!(proof.segment == moved.sisters[0] || !moved.verify(&address));

            let keyed_proof = keyed_tree.proof(index).unwrap();
            prop_assert!(keyed_proof.verify_keyed(&key, &keyed_tree.address()));
        }
    }

    #[test]
    fn signatures_recover_their_signer(secret in any::<[u8; 32]>(), message in any::<Vec<u8>>()) {
        prop_assume!(secret != [0u8; 32]);
        if let Ok(signer) = Signer::from_bytes(&secret) {
            let digest = keccak256(&message);
            let signature = signer.sign_digest(&digest).unwrap();
            prop_assert_eq!(recover_digest(&digest, &signature).unwrap(), signer.address());
            // Low-S: s is in the lower half of the curve order.
            prop_assert!(signature.0[32] < 0x80);
        }
    }
}
