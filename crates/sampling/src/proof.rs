//! Claim proofs (spec §6.5, mirroring the contract's `ChunkInclusionProof` of §5.8).
//!
//! For each of the three witnesses chosen by the second anchor the proof shows: the witness's
//! address segment inside the reserve-commitment chunk (whose sister is its transformed
//! address), a plain BMT proof and an anchor-keyed BMT proof of the same data segment of the
//! (wrapped) chunk, the postage stamp, and for a SOC the owner's signature.

use comb_postage::Stamp;
use comb_primitives::bmt::{BmtTree, InclusionProof, KeyedHasher, PlainHasher, BMT_DEPTH};
use comb_primitives::chunk::split_span;
use comb_primitives::soc::{ChunkType, SingleOwnerChunk, SOC_HEADER_SIZE};
use comb_primitives::{Address, PrimitivesError, Signature, B256, U256};

use crate::sample::{Sample, SampleItem};
use crate::{SamplingError, COMMITMENT_SPAN, SAMPLE_SIZE};

/// The postage part of a claim proof (contract `PostageProof`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostageProof {
    /// The batch owner's stamp signature.
    pub signature: Signature,
    /// The batch id.
    pub postage_id: B256,
    /// The stamp index as one `uint64` (bucket in the high 32 bits).
    pub index: u64,
    /// The stamp timestamp (ns).
    pub time_stamp: u64,
}

impl From<&Stamp> for PostageProof {
    fn from(stamp: &Stamp) -> Self {
        Self {
            signature: stamp.signature,
            postage_id: stamp.batch_id,
            index: stamp.index.as_u64(),
            time_stamp: stamp.timestamp,
        }
    }
}

/// The SOC part of a claim proof (contract `SOCProof`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocProof {
    /// The SOC owner.
    pub signer: Address,
    /// The owner's signature over `H(identifier || chunkAddr)`.
    pub signature: Signature,
    /// The SOC identifier.
    pub identifier: B256,
    /// The wrapped CAC's address.
    pub chunk_addr: B256,
}

/// One witness's proof, field for field the contract's `ChunkInclusionProof`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimProof {
    /// Sisters of the witness's address segment in the reserve-commitment chunk;
    /// `[0]` is its transformed address.
    pub proof_segments: [B256; BMT_DEPTH],
    /// The witness's (SOC or CAC) address.
    pub prove_segment: B256,
    /// Sisters of data segment `seed % 128` in the plain BMT of the (wrapped) CAC.
    pub proof_segments2: [B256; BMT_DEPTH],
    /// That data segment.
    pub prove_segment2: B256,
    /// The (wrapped) CAC's span as an integer.
    pub chunk_span: u64,
    /// Sisters of the same segment in the anchor-keyed BMT.
    pub proof_segments3: [B256; BMT_DEPTH],
    /// The stamp.
    pub postage_proof: PostageProof,
    /// Present exactly for SOC witnesses.
    pub soc_proof: Option<SocProof>,
}

/// Which sample items are the witnesses and which data segment is proved (spec §6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WitnessIndices {
    /// `anchor2 mod 15`.
    pub first: usize,
    /// `anchor2 mod 14`, plus one if at least `first`.
    pub second: usize,
    /// Always 15, the largest item.
    pub last: usize,
    /// `anchor2 mod 128`: the data segment proved in each witness.
    pub segment: usize,
}

impl WitnessIndices {
    /// Derives the indices from the second anchor read as a big-endian integer (the
    /// contract's `seed`).
    pub fn from_anchor(anchor2: &[u8]) -> Self {
        let seed = U256::from_be_slice(anchor2);
        let modulo = |m: u64| -> usize { seed.wrapping_rem(U256::from(m)).to::<usize>() };
        let first = modulo(15);
        let mut second = modulo(14);
        if second >= first {
            second = second.saturating_add(1);
        }
        Self {
            first,
            second,
            last: SAMPLE_SIZE.saturating_sub(1),
            segment: modulo(128),
        }
    }
}

fn to_b256(segments: &[[u8; 32]; BMT_DEPTH]) -> [B256; BMT_DEPTH] {
    segments.map(B256::from)
}

/// Builds the three claim proofs (for `first`, `second`, `last`) from a full sample.
/// `anchor1` is the anchor the sample was taken with; `anchor2` the claim round's seed.
pub fn make_inclusion_proofs(
    sample: &Sample,
    anchor1: &[u8],
    anchor2: &[u8],
) -> Result<[ClaimProof; 3], SamplingError> {
    let items = sample.items();
    if items.len() != SAMPLE_SIZE {
        return Err(SamplingError::IncompleteSample {
            expected: SAMPLE_SIZE,
            actual: items.len(),
        });
    }
    let indices = WitnessIndices::from_anchor(anchor2);
    let commitment = BmtTree::build(
        &PlainHasher,
        &COMMITMENT_SPAN.to_le_bytes(),
        &sample.commitment_content(),
    )?;
    let keyed = KeyedHasher::new(anchor1);
    let witness = |position: usize| -> Result<ClaimProof, SamplingError> {
        let item = items.get(position).ok_or(SamplingError::IncompleteSample {
            expected: SAMPLE_SIZE,
            actual: items.len(),
        })?;
        let rc_proof = commitment.proof(position.saturating_mul(2))?;
        witness_proof(item, &rc_proof, &keyed, indices.segment)
    };
    Ok([
        witness(indices.first)?,
        witness(indices.second)?,
        witness(indices.last)?,
    ])
}

fn witness_proof(
    item: &SampleItem,
    rc_proof: &InclusionProof,
    keyed: &KeyedHasher,
    segment: usize,
) -> Result<ClaimProof, SamplingError> {
    let (content_data, soc_proof) = match item.kind {
        ChunkType::Content => (item.chunk.data(), None),
        ChunkType::SingleOwner => {
            let soc = SingleOwnerChunk::parse(item.chunk.data())?;
            let wrapped = item
                .chunk
                .data()
                .get(SOC_HEADER_SIZE..)
                .ok_or(PrimitivesError::SocTooShort(item.chunk.data().len()))?;
            let proof = SocProof {
                signer: *soc.owner(),
                signature: *soc.signature(),
                identifier: *soc.id(),
                chunk_addr: *soc.wrapped().address(),
            };
            (wrapped, Some(proof))
        }
    };
    let (span, payload) = split_span(content_data)?;
    let plain = BmtTree::build(&PlainHasher, &span, payload)?.proof(segment)?;
    let keyed_proof = BmtTree::build(keyed, &span, payload)?.proof(segment)?;
    Ok(ClaimProof {
        proof_segments: to_b256(&rc_proof.sisters),
        prove_segment: B256::from(rc_proof.segment),
        proof_segments2: to_b256(&plain.sisters),
        prove_segment2: B256::from(plain.segment),
        chunk_span: u64::from_le_bytes(span),
        proof_segments3: to_b256(&keyed_proof.sisters),
        postage_proof: PostageProof::from(&item.stamp),
        soc_proof,
    })
}
