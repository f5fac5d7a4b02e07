//! Availability challenges (`staking-architecture.md` § Availability challenge), which Bee
//! does not have: a batch owner challenges a staked provider to prove it holds a chunk the
//! challenger stamped and that lies in the provider's area of responsibility.
//!
//! 1. `OpenChallenge` escrows a bond. The ledger checks the stamp (the challenger owns the
//!    live batch, the index fits the batch and the chunk's bucket, the signature recovers to
//!    the owner), that the provider is staked and revealed a depth before, and that
//!    `PO(chunk, overlay) ≥ last revealed depth − height`.
//! 2. The segment to prove (0..128) is drawn from the randomness of the block after the
//!    opening block: [`Challenges::begin_block`] runs when that block opens (a system step
//!    of the ledger, like a beacon-root update), so the segment is fixed before the
//!    provider can answer and unknown when the challenger opens.
//! 3. `AnswerChallenge` within `challenge_window` blocks after opening with a BMT inclusion
//!    proof of the segment (`storage-incentives.md` §1.4; for a single-owner chunk also the
//!    owner's signature over the wrapped chunk). A correct answer pays the bond to the
//!    provider. **A wrong proof reverts** and changes nothing, so the provider may retry
//!    within the window; only the lack of a correct answer by the window's end counts.
//! 4. `SettleChallenge` after the window without an answer (anyone may call): the penalty
//!    ladder applies, the challenger gets its bond back plus `2 × bond` from the slashed
//!    stake (at most what was slashed), the rest of the slash goes to the compensation pool.

use std::collections::BTreeMap;

use comb_postage::bucket_of;
use comb_postage::stamp::{stamp_digest, StampIndex};
use comb_primitives::bmt::{InclusionProof, BMT_DEPTH};
use comb_primitives::crypto::recover_digest;
use comb_primitives::keccak::keccak256_concat;
use comb_primitives::proximity::in_proximity;
use comb_primitives::soc::{soc_address, soc_digest};
use comb_primitives::{Address, B256, U256};
use comb_sampling::{PostageProof, SocProof};
use serde::{Deserialize, Serialize};

use crate::accounts::CHALLENGES;
use crate::env::{Env, Events};
use crate::events::Event;
use crate::ladder::{Compensation, Ladder, Offence};
use crate::params::ArchitectureParams;
use crate::postage::PostageStamp;
use crate::score::{ScoreEvent, Scores};
use crate::staking::StakeRegistry;
use crate::token::Token;
use crate::ChainError;

/// Segments in a chunk's BMT.
const SEGMENTS: u64 = 128;

/// A BMT inclusion proof of the challenged segment (`storage-incentives.md` §1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentProof {
    /// The proved 32-byte segment.
    pub segment: B256,
    /// Its sisters from the leaf level up.
    pub sisters: [B256; BMT_DEPTH],
    /// The (wrapped) content chunk's span.
    pub span: u64,
    /// For a single-owner chunk: the owner's signature over the wrapped chunk, whose BMT
    /// the proof is then of.
    pub soc: Option<SocProof>,
}

/// An open challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    /// Who challenged (a batch owner).
    pub challenger: Address,
    /// The challenged provider (stake owner).
    pub provider: Address,
    /// The chunk to prove.
    pub chunk_address: B256,
    /// The escrowed bond.
    pub bond: U256,
    /// Block the challenge was opened in.
    pub opened_at: u64,
    /// The segment to prove, drawn when the next block opens.
    pub segment: Option<u8>,
}

/// Open challenges and each provider's last revealed depth.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenges {
    next_id: u64,
    open: BTreeMap<u64, Challenge>,
    /// `(depth, height)` of each provider's last reveal.
    depths: BTreeMap<Address, (u8, u8)>,
}

impl Challenges {
    /// The open challenge `id`.
    pub fn challenge(&self, id: u64) -> Option<&Challenge> {
        self.open.get(&id)
    }

    /// All open challenges.
    pub fn open_challenges(&self) -> &BTreeMap<u64, Challenge> {
        &self.open
    }

    /// Sum of the escrowed bonds (equals the challenge account's balance).
    pub fn total_bonds(&self) -> U256 {
        self.open
            .values()
            .fold(U256::ZERO, |sum, c| sum.saturating_add(c.bond))
    }

    /// Records the depth and height of a provider's reveal: its area of responsibility
    /// for later challenges.
    pub fn note_reveal(&mut self, owner: Address, depth: u8, height: u8) {
        self.depths.insert(owner, (depth, height));
    }

    /// The block-opening step: draws the segment of every challenge opened before block
    /// `number` from that block's randomness.
    pub fn begin_block(&mut self, number: u64, prevrandao: &B256) {
        for (id, challenge) in self.open.iter_mut() {
            if challenge.segment.is_none() && challenge.opened_at < number {
                let hash = keccak256_concat(&[prevrandao.as_slice(), &id.to_be_bytes()]);
                let draw = U256::from_be_bytes(hash).wrapping_rem(U256::from(SEGMENTS));
                challenge.segment = Some(draw.to::<u8>());
            }
        }
    }

    /// `challenge(provider, chunkAddress, stamp)`: checks the stamp and the provider's area
    /// of responsibility and escrows the bond. Returns the challenge id.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        &mut self,
        env: &Env,
        params: &ArchitectureParams,
        staking: &StakeRegistry,
        postage: &PostageStamp,
        token: &mut Token,
        events: &mut Events,
        provider: Address,
        chunk_address: B256,
        stamp: &PostageProof,
    ) -> Result<u64, ChainError> {
        check_stamp(env, postage, &chunk_address, stamp)?;
        let stake = staking.stake(&provider).ok_or(ChainError::NotStaked)?;
        let (depth, height) = self
            .depths
            .get(&provider)
            .copied()
            .ok_or(ChainError::NoRevealedDepth)?;
        if !in_proximity(
            &chunk_address.0,
            &stake.overlay.0,
            depth.saturating_sub(height),
        ) {
            return Err(ChainError::ChunkOutsideArea);
        }
        let bond = params.challenge_bond;
        token.transfer(&env.sender, &CHALLENGES, bond)?;
        let id = self.next_id;
        self.next_id = id.checked_add(1).ok_or(ChainError::Arithmetic)?;
        self.open.insert(
            id,
            Challenge {
                challenger: env.sender,
                provider,
                chunk_address,
                bond,
                opened_at: env.block,
                segment: None,
            },
        );
        events.push(Event::ChallengeOpened {
            id,
            challenger: env.sender,
            provider,
            chunk_address,
            bond,
        });
        Ok(id)
    }

    /// `answer(id, proof)` by the provider within the window: a correct proof pays it the
    /// bond; a wrong one reverts.
    pub fn answer(
        &mut self,
        env: &Env,
        params: &ArchitectureParams,
        token: &mut Token,
        events: &mut Events,
        id: u64,
        proof: &SegmentProof,
    ) -> Result<(), ChainError> {
        let challenge = self
            .open
            .get(&id)
            .cloned()
            .ok_or(ChainError::UnknownChallenge(id))?;
        if env.sender != challenge.provider {
            return Err(ChainError::Unauthorized(env.sender));
        }
        if env.block > challenge.opened_at.saturating_add(params.challenge_window) {
            return Err(ChainError::ChallengeWindowClosed);
        }
        let segment = challenge
            .segment
            .ok_or(ChainError::ChallengeSegmentNotDrawn)?;
        verify_answer(&challenge.chunk_address, segment, proof)?;
        token.transfer(&CHALLENGES, &challenge.provider, challenge.bond)?;
        self.open.remove(&id);
        events.push(Event::ChallengeAnswered {
            id,
            provider: challenge.provider,
            bond: challenge.bond,
        });
        Ok(())
    }

    /// `settle(id)` after the window without an answer: the ladder punishes the provider,
    /// the challenger gets its bond back and its compensation.
    #[allow(clippy::too_many_arguments)]
    pub fn settle(
        &mut self,
        env: &Env,
        params: &ArchitectureParams,
        staking: &mut StakeRegistry,
        ladder: &mut Ladder,
        scores: &mut Scores,
        token: &mut Token,
        events: &mut Events,
        id: u64,
    ) -> Result<(), ChainError> {
        let challenge = self
            .open
            .get(&id)
            .cloned()
            .ok_or(ChainError::UnknownChallenge(id))?;
        if env.block <= challenge.opened_at.saturating_add(params.challenge_window) {
            return Err(ChainError::ChallengeWindowOpen);
        }
        self.open.remove(&id);
        token.transfer(&CHALLENGES, &challenge.challenger, challenge.bond)?;
        let compensation = challenge
            .bond
            .checked_mul(U256::from(params.challenge_compensation_multiple))
            .ok_or(ChainError::Arithmetic)?;
        let penalty = ladder.punish(
            params,
            env.block,
            staking,
            token,
            events,
            challenge.provider,
            Offence::FailedChallenge,
            Some(Compensation {
                to: challenge.challenger,
                amount: compensation,
            }),
        )?;
        scores.record(
            params,
            events,
            challenge.provider,
            ScoreEvent::FailedChallenge,
        );
        events.push(Event::ChallengeFailed {
            id,
            provider: challenge.provider,
            challenger: challenge.challenger,
            slashed: penalty.slashed,
            compensated: penalty.compensated,
        });
        Ok(())
    }
}

/// The stamp checks of a challenge: the challenger owns the live batch, the index fits the
/// batch and the chunk's bucket, and the signature recovers to the owner (§2.8, §2.11).
fn check_stamp(
    env: &Env,
    postage: &PostageStamp,
    chunk_address: &B256,
    stamp: &PostageProof,
) -> Result<(), ChainError> {
    let batch = postage
        .batch(&stamp.postage_id)
        .filter(|b| b.owner != Address::ZERO)
        .ok_or(ChainError::BatchDoesNotExist)?;
    if batch.owner != env.sender {
        return Err(ChainError::NotBatchOwner);
    }
    if postage
        .remaining_balance(&stamp.postage_id, env.block)?
        .is_zero()
    {
        return Err(ChainError::BatchExpired);
    }
    let index = StampIndex::from_u64(stamp.index);
    let slot_bits = batch
        .depth
        .checked_sub(batch.bucket_depth)
        .ok_or(ChainError::Arithmetic)?;
    if slot_bits < 32 && u64::from(index.position) >= 1u64 << slot_bits {
        return Err(ChainError::InvalidChallengeStamp);
    }
    if index.bucket != bucket_of(chunk_address, batch.bucket_depth) {
        return Err(ChainError::InvalidChallengeStamp);
    }
    let digest = stamp_digest(chunk_address, &stamp.postage_id, index, stamp.time_stamp);
    match recover_digest(&digest, &stamp.signature) {
        Ok(signer) if signer == batch.owner => Ok(()),
        _ => Err(ChainError::InvalidChallengeStamp),
    }
}

/// Checks that `proof` shows segment `segment` inside the chunk `chunk_address` (for a
/// single-owner chunk: inside its wrapped chunk, signed by the owner).
fn verify_answer(
    chunk_address: &B256,
    segment: u8,
    proof: &SegmentProof,
) -> Result<(), ChainError> {
    let inclusion = InclusionProof {
        index: usize::from(segment),
        segment: proof.segment.0,
        sisters: proof.sisters.map(|s| s.0),
        span: proof.span.to_le_bytes(),
    };
    let proved = B256::from(inclusion.chunk_address());
    let expected = match &proof.soc {
        None => *chunk_address,
        Some(soc) => {
            if soc_address(&soc.identifier, &soc.signer) != *chunk_address {
                return Err(ChainError::ChallengeProofInvalid);
            }
            match recover_digest(
                &soc_digest(&soc.identifier, &soc.chunk_addr),
                &soc.signature,
            ) {
                Ok(signer) if signer == soc.signer => soc.chunk_addr,
                _ => return Err(ChainError::ChallengeProofInvalid),
            }
        }
    };
    if proved != expected {
        return Err(ChainError::ChallengeProofInvalid);
    }
    Ok(())
}
