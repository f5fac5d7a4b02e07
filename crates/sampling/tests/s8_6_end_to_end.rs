//! spec §8.6: the end-to-end sample, reserve commitment, stamps and claim proofs of Bee's
//! `TestMakeInclusionProofsRegression`, byte for byte. The expected sample table and proofs
//! are the spec's own text (tests/data), compared line for line.
#![allow(clippy::unwrap_used)]

use std::fmt::Write;

use comb_postage::{Stamp, StampIndex};
use comb_primitives::soc::{ChunkType, SingleOwnerChunk};
use comb_primitives::{keccak256, Chunk, Signer, B256};
use comb_sampling::verify::{verify_inclusion, verify_soc};
use comb_sampling::{
    make_inclusion_proofs, transformed_address, ClaimProof, Sample, SampleItem, SamplingError,
    TransformHasher, WitnessIndices,
};

const ANCHOR1: [u8; 1] = [0x64];
const ANCHOR2: [u8; 1] = [0x1e];

fn regression_sample() -> Sample {
    let signer = Signer::from_bytes(&[0x30; 32]).unwrap();
    let batch_id = B256::from(keccak256(b"The Inverted Jenny"));
    let index = StampIndex::from_u64(0x0000_0000_0008_0303);
    let timestamp = 0x0000_0000_0003_0308;
    let hasher = TransformHasher::new(&ANCHOR1);
    let mut sample = Sample::new();
    for i in 1..=16 {
        let cac = Chunk::content(format!("Unstoppable data! Chunk #{i}").as_bytes()).unwrap();
        let (chunk, kind) = if i % 2 == 1 {
            let id = B256::from(keccak256(format!("ID #{i}").as_bytes()));
            let soc = SingleOwnerChunk::sign(&signer, id, cac).unwrap();
            (soc.to_chunk(), ChunkType::SingleOwner)
        } else {
            (cac, ChunkType::Content)
        };
        let stamp = Stamp::sign(&signer, chunk.address(), batch_id, index, timestamp).unwrap();
        let transformed = transformed_address(&hasher, &chunk, kind).unwrap();
        sample.insert(SampleItem {
            transformed_address: transformed,
            chunk,
            kind,
            stamp,
        });
    }
    sample
}

#[test]
fn sorted_sample_matches_the_spec_table() {
    let sample = regression_sample();
    let mut rendered = String::new();
    for (pos, item) in sample.items().iter().enumerate() {
        let kind = match item.kind {
            ChunkType::Content => "CAC",
            ChunkType::SingleOwner => "SOC",
        };
        writeln!(
            rendered,
            "{pos:>2}  {kind}  {}  {}",
            hex::encode(item.chunk.address()),
            hex::encode(item.transformed_address)
        )
        .unwrap();
    }
    assert_eq!(rendered, include_str!("data/s8_6_sorted_sample.txt"));
}

#[test]
fn reserve_commitment_matches() {
    assert_eq!(
        hex::encode(regression_sample().reserve_commitment().unwrap()),
        "b012904b0c3e6462158b4416556caa888031a79bad46d2ffa7012408c9c38aa8"
    );
}

fn render_segments(out: &mut String, name: &str, segments: &[B256; 7]) {
    writeln!(out, "  {name}:").unwrap();
    for (i, segment) in segments.iter().enumerate() {
        writeln!(out, "    [{i}] {}", hex::encode(segment)).unwrap();
    }
}

fn render(out: &mut String, name: &str, position: usize, proof: &ClaimProof) {
    let kind = if proof.soc_proof.is_some() {
        "SOC"
    } else {
        "CAC"
    };
    writeln!(
        out,
        "{name} (sample pos {position}, {kind}, chunkSpan {}):",
        proof.chunk_span
    )
    .unwrap();
    render_segments(out, "proofSegments", &proof.proof_segments);
    writeln!(out, "  proveSegment: {}", hex::encode(proof.prove_segment)).unwrap();
    render_segments(out, "proofSegments2", &proof.proof_segments2);
    writeln!(
        out,
        "  proveSegment2: {}",
        hex::encode(proof.prove_segment2)
    )
    .unwrap();
    render_segments(out, "proofSegments3", &proof.proof_segments3);
    let postage = &proof.postage_proof;
    writeln!(
        out,
        "  postageProof: postageId {}, index {}, timeStamp {}",
        hex::encode(postage.postage_id),
        postage.index,
        postage.time_stamp
    )
    .unwrap();
    writeln!(
        out,
        "    signature {}",
        hex::encode(postage.signature.as_bytes())
    )
    .unwrap();
    match &proof.soc_proof {
        None => writeln!(out, "  socProof: []").unwrap(),
        Some(soc) => {
            writeln!(out, "  socProof[0]: signer {}", hex::encode(soc.signer)).unwrap();
            writeln!(
                out,
                "    signature {}",
                hex::encode(soc.signature.as_bytes())
            )
            .unwrap();
            writeln!(out, "    identifier {}", hex::encode(soc.identifier)).unwrap();
            writeln!(out, "    chunkAddr {}", hex::encode(soc.chunk_addr)).unwrap();
        }
    }
}

#[test]
fn claim_proofs_match_inclusion_proofs_json() {
    let sample = regression_sample();
    let indices = WitnessIndices::from_anchor(&ANCHOR2);
    assert_eq!(
        (indices.first, indices.second, indices.last, indices.segment),
        (0, 3, 15, 30)
    );
    let proofs = make_inclusion_proofs(&sample, &ANCHOR1, &ANCHOR2).unwrap();
    let mut rendered = String::new();
    for ((name, position), proof) in [("proof1", 0), ("proof2", 3), ("proofLast", 15)]
        .into_iter()
        .zip(proofs.iter())
    {
        render(&mut rendered, name, position, proof);
    }
    assert_eq!(rendered, include_str!("data/s8_6_inclusion_proofs.txt"));
}

#[test]
fn built_proofs_pass_the_contract_checks_and_tampering_fails_them() {
    let sample = regression_sample();
    let commitment = sample.reserve_commitment().unwrap();
    let proofs = make_inclusion_proofs(&sample, &ANCHOR1, &ANCHOR2).unwrap();
    for (position, proof) in [0, 3, 15].into_iter().zip(proofs.iter()) {
        let transformed = verify_inclusion(proof, &commitment, position, &ANCHOR1, 30).unwrap();
        assert_eq!(transformed, sample.items()[position].transformed_address);
        verify_soc(proof).unwrap();
    }
    let proof = &proofs[1];
    // A wrong commitment, a wrong position, a wrong anchor, a broken data proof.
    assert_eq!(
        verify_inclusion(proof, &B256::ZERO, 3, &ANCHOR1, 30),
        Err(SamplingError::InclusionProofFailed(1))
    );
    assert_eq!(
        verify_inclusion(proof, &commitment, 4, &ANCHOR1, 30),
        Err(SamplingError::InclusionProofFailed(1))
    );
    assert_eq!(
        verify_inclusion(proof, &commitment, 3, &[0x65], 30),
        Err(SamplingError::InclusionProofFailed(4))
    );
    let mut tampered = proof.clone();
    tampered.proof_segments2[0] = B256::repeat_byte(1);
    assert_eq!(
        verify_inclusion(&tampered, &commitment, 3, &ANCHOR1, 30),
        Err(SamplingError::InclusionProofFailed(2))
    );
    let mut tampered = proof.clone();
    tampered.proof_segments2[4] = B256::repeat_byte(1);
    assert_eq!(
        verify_inclusion(&tampered, &commitment, 3, &ANCHOR1, 30),
        Err(SamplingError::InclusionProofFailed(3))
    );
    // The SOC proof: a wrong signer, a wrong identifier.
    let mut tampered = proof.clone();
    tampered.soc_proof.as_mut().unwrap().signer = Signer::random().address();
    assert_eq!(
        verify_soc(&tampered),
        Err(SamplingError::SocVerificationFailed)
    );
    let mut tampered = proof.clone();
    tampered.soc_proof.as_mut().unwrap().identifier = B256::ZERO;
    assert_eq!(
        verify_soc(&tampered),
        Err(SamplingError::SocVerificationFailed)
    );
}

#[test]
fn proofs_need_a_full_sample() {
    let mut sample = Sample::new();
    for item in regression_sample().items().iter().take(15) {
        sample.insert(item.clone());
    }
    assert_eq!(
        make_inclusion_proofs(&sample, &ANCHOR1, &ANCHOR2),
        Err(SamplingError::IncompleteSample {
            expected: 16,
            actual: 15
        })
    );
    // A short sample still commits: span 64·n (spec §6.4).
    let chunk = sample.commitment_chunk().unwrap();
    assert_eq!(chunk.span(), 15 * 64);
}
