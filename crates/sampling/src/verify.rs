//! The pure checks of a claim proof (spec §5.8 `inclusionFunction` and `socFunction`); the
//! ledger adds the proximity, stamp, order and reserve-size checks that need its state.

use comb_primitives::bmt::{InclusionProof, KeyedHasher};
use comb_primitives::crypto::recover_digest;
use comb_primitives::keccak::keccak256_concat;
use comb_primitives::soc::{soc_address, soc_digest};
use comb_primitives::B256;

use crate::proof::ClaimProof;
use crate::{SamplingError, COMMITMENT_SPAN};

fn segment_proof(segment: &B256, sisters: &[B256; 7], index: usize, span: u64) -> InclusionProof {
    InclusionProof {
        index,
        segment: segment.0,
        sisters: sisters.map(|s| s.0),
        span: span.to_le_bytes(),
    }
}

/// `inclusionFunction`: checks that the witness at sample `position` is in the reserve
/// commitment `reserve_commitment`, that its plain and keyed proofs of data segment
/// `segment` agree, and that its transformed address (keyed with `anchor`, the reveal round's
/// anchor) is the commitment's sister segment. Returns the transformed address.
/// Errors are the contract's `InclusionProofFailed(2|3|4)` and `(1)`.
pub fn verify_inclusion(
    proof: &ClaimProof,
    reserve_commitment: &B256,
    position: usize,
    anchor: &[u8],
    segment: usize,
) -> Result<B256, SamplingError> {
    let keyed = segment_proof(
        &proof.prove_segment2,
        &proof.proof_segments3,
        segment,
        proof.chunk_span,
    );
    let mut transformed = B256::from(keyed.chunk_address_with(&KeyedHasher::new(anchor)));

    let rc = segment_proof(
        &proof.prove_segment,
        &proof.proof_segments,
        position.saturating_mul(2),
        COMMITMENT_SPAN,
    );
    if rc.chunk_address() != reserve_commitment.0 {
        return Err(SamplingError::InclusionProofFailed(1));
    }
    if proof.proof_segments2[0] != proof.proof_segments3[0] {
        return Err(SamplingError::InclusionProofFailed(2));
    }
    let original = proof
        .soc_proof
        .as_ref()
        .map_or(proof.prove_segment, |soc| soc.chunk_addr);
    let plain = segment_proof(
        &proof.prove_segment2,
        &proof.proof_segments2,
        segment,
        proof.chunk_span,
    );
    if plain.chunk_address() != original.0 {
        return Err(SamplingError::InclusionProofFailed(3));
    }
    if proof.soc_proof.is_some() {
        transformed = B256::from(keccak256_concat(&[
            proof.prove_segment.as_slice(),
            transformed.as_slice(),
        ]));
    }
    if proof.proof_segments[0] != transformed {
        return Err(SamplingError::InclusionProofFailed(4));
    }
    Ok(transformed)
}

/// `socFunction`: for a SOC witness, the signature recovers to the signer and
/// `H(identifier || signer)` is the proved address. A CAC witness passes.
pub fn verify_soc(proof: &ClaimProof) -> Result<(), SamplingError> {
    let Some(soc) = &proof.soc_proof else {
        return Ok(());
    };
    let digest = soc_digest(&soc.identifier, &soc.chunk_addr);
    match recover_digest(&digest, &soc.signature) {
        Ok(signer) if signer == soc.signer => {}
        _ => return Err(SamplingError::SocVerificationFailed),
    }
    if soc_address(&soc.identifier, &soc.signer) != proof.prove_segment {
        return Err(SamplingError::SocCalcNotMatching);
    }
    Ok(())
}
