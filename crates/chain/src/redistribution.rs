//! The Redistribution contract (spec §5): commit, reveal and claim; the seed and anchors;
//! truth and winner drawn by stake density; freezes for liars and no-shows; claim-proof
//! verification; the pot to the winner's owner.

use comb_postage::bucket_of;
use comb_postage::stamp::{stamp_digest, StampIndex};
use comb_primitives::crypto::recover_digest;
use comb_primitives::keccak::keccak256_concat;
use comb_primitives::proximity::in_proximity;
use comb_primitives::{Address, B256, U256};
use comb_sampling::verify::{verify_inclusion, verify_soc};
use comb_sampling::{wrap_commit, ClaimProof, SamplingError, WitnessIndices};
use serde::{Deserialize, Serialize};

use crate::env::{Env, Events};
use crate::events::Event;
use crate::oracle::PriceOracle;
use crate::postage::PostageStamp;
use crate::round::{is_commit_last_block, phase_of, round_of, Phase, ROUND_LENGTH};
use crate::staking::StakeRegistry;
use crate::token::Token;
use crate::ChainError;

/// `sampleMaxValue` default: `1284401 × 10^66` (spec §5.8 step 6).
pub fn default_sample_max_value() -> U256 {
    U256::from(1_284_401u64).saturating_mul(U256::from(10u8).pow(U256::from(66u8)))
}

/// Admin-settable parameters (`setFreezingParams`, `setSampleMaxValue`), spec defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedistributionParams {
    /// Freeze multiplier for revealing a hash other than the truth (1).
    pub penalty_multiplier_disagreement: u64,
    /// Freeze multiplier for committing without revealing (2).
    pub penalty_multiplier_non_revealed: u64,
    /// Disagreeing revealers are frozen when `prevrandao % 100 < factor` (100: always).
    pub penalty_random_factor: u64,
    /// The last witness's transformed address must be below this (reserve-size estimate).
    pub sample_max_value: U256,
}

impl Default for RedistributionParams {
    fn default() -> Self {
        Self {
            penalty_multiplier_disagreement: 1,
            penalty_multiplier_non_revealed: 2,
            penalty_random_factor: 100,
            sample_max_value: default_sample_max_value(),
        }
    }
}

/// How a commit of the claimed round fared: what the staking architecture's score and
/// penalty ladder react to (`staking-architecture.md` § Provider performance score,
/// § Penalty ladder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// Revealed the truth.
    Agreed,
    /// Revealed something else; `frozen` tells whether Bee's random factor froze it.
    Disagreed {
        /// Whether Bee's freeze applied.
        frozen: bool,
    },
    /// Committed without revealing (always frozen).
    NotRevealed,
}

/// comb's hooks into `claim` (`staking-architecture.md`): called after Bee's freeze of each
/// commit, and instead of Bee's "whole pot to the winner" payout.
pub trait ClaimHooks {
    /// Reacts to how one commit of the claimed round fared; Bee's freeze is applied already.
    fn on_commit(
        &mut self,
        env: &Env,
        staking: &mut StakeRegistry,
        token: &mut Token,
        events: &mut Events,
        owner: Address,
        outcome: CommitOutcome,
    ) -> Result<(), ChainError>;

    /// Pays the winner out of the pot.
    fn pay_winner(
        &mut self,
        env: &Env,
        postage: &mut PostageStamp,
        token: &mut Token,
        events: &mut Events,
        winner: &Reveal,
    ) -> Result<(), ChainError>;
}

/// Bee's claim without comb's extensions: no reaction to outcomes, the whole pot to the
/// winner.
#[derive(Debug, Clone, Copy, Default)]
pub struct BeeClaim;

impl ClaimHooks for BeeClaim {
    fn on_commit(
        &mut self,
        _env: &Env,
        _staking: &mut StakeRegistry,
        _token: &mut Token,
        _events: &mut Events,
        _owner: Address,
        _outcome: CommitOutcome,
    ) -> Result<(), ChainError> {
        Ok(())
    }

    fn pay_winner(
        &mut self,
        env: &Env,
        postage: &mut PostageStamp,
        token: &mut Token,
        events: &mut Events,
        winner: &Reveal,
    ) -> Result<(), ChainError> {
        postage.withdraw(env.block, token, events, winner.owner)?;
        Ok(())
    }
}

/// A commit of the current commit round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// Committing overlay.
    pub overlay: B256,
    /// Its owner.
    pub owner: Address,
    /// Whether it was revealed.
    pub revealed: bool,
    /// Height at commit time.
    pub height: u8,
    /// Effective stake at commit time.
    pub stake: U256,
    /// `wrapCommit(overlay, depth, hash, nonce)`.
    pub obfuscated_hash: B256,
    /// Index of its reveal, once revealed.
    pub reveal_index: usize,
}

/// A reveal of the current reveal round; the winner is one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reveal {
    /// Revealing overlay.
    pub overlay: B256,
    /// Its owner.
    pub owner: Address,
    /// Revealed (committed) depth.
    pub depth: u8,
    /// Stake at commit time.
    pub stake: U256,
    /// `stake × 2^(depth − height)`.
    pub stake_density: U256,
    /// Revealed reserve commitment.
    pub hash: B256,
}

/// The contract's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redistribution {
    /// Parameters.
    pub params: RedistributionParams,
    seed: B256,
    current_commit_round: u64,
    current_reveal_round: u64,
    current_claim_round: u64,
    current_reveal_round_anchor: B256,
    commits: Vec<Commit>,
    reveals: Vec<Reveal>,
    winner: Option<Reveal>,
}

/// The truth and winner of a round as `winnerSelection` computes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The truth's reserve commitment.
    pub truth_hash: B256,
    /// The truth's depth.
    pub truth_depth: u8,
    /// The winner.
    pub winner: Reveal,
    /// Reveals that agreed with the truth (the redundancy the price adjusts by).
    pub redundancy: u16,
}

const LOW_128: U256 = U256::from_limbs([u64::MAX, u64::MAX, 0, 0]);
const TWO_POW_128: U256 = U256::from_limbs([0, 0, 1, 0]);

fn draw(seed: &B256, tag: u8, index: u64) -> U256 {
    let index = U256::from(index).to_be_bytes::<32>();
    let hash = keccak256_concat(&[seed.as_slice(), &[tag], &index]);
    U256::from_be_bytes(hash) & LOW_128
}

/// One step of the streaming weighted draw: does `density` replace the current pick?
fn picks(random: U256, sum: U256, density: U256) -> Result<bool, ChainError> {
    let left = random.checked_mul(sum).ok_or(ChainError::Arithmetic)?;
    let right = density
        .checked_mul(TWO_POW_128)
        .ok_or(ChainError::Arithmetic)?;
    Ok(left < right)
}

fn pow2(exponent: u8) -> Result<U256, ChainError> {
    U256::from(1u8)
        .checked_shl(usize::from(exponent))
        .ok_or(ChainError::Arithmetic)
}

fn inclusion_error(error: SamplingError) -> ChainError {
    match error {
        SamplingError::InclusionProofFailed(n) => ChainError::InclusionProofFailed(n),
        SamplingError::SocVerificationFailed => ChainError::SocVerificationFailed,
        SamplingError::SocCalcNotMatching => ChainError::SocCalcNotMatching,
        _ => ChainError::InclusionProofFailed(0),
    }
}

impl Default for Redistribution {
    fn default() -> Self {
        Self::new(RedistributionParams::default())
    }
}

impl Redistribution {
    /// A fresh contract with seed 0.
    pub fn new(params: RedistributionParams) -> Self {
        Self {
            params,
            seed: B256::ZERO,
            current_commit_round: 0,
            current_reveal_round: 0,
            current_claim_round: 0,
            current_reveal_round_anchor: B256::ZERO,
            commits: Vec::new(),
            reveals: Vec::new(),
            winner: None,
        }
    }

    /// The raw stored seed.
    pub fn seed(&self) -> B256 {
        self.seed
    }

    /// `currentCommitRound`.
    pub fn current_commit_round(&self) -> u64 {
        self.current_commit_round
    }

    /// `currentRevealRound`.
    pub fn current_reveal_round(&self) -> u64 {
        self.current_reveal_round
    }

    /// `currentClaimRound`: the last claimed round.
    pub fn current_claim_round(&self) -> u64 {
        self.current_claim_round
    }

    /// `currentRevealRoundAnchor`.
    pub fn current_reveal_round_anchor(&self) -> B256 {
        self.current_reveal_round_anchor
    }

    /// The commits of the current commit round.
    pub fn commits(&self) -> &[Commit] {
        &self.commits
    }

    /// The reveals of the current reveal round.
    pub fn reveals(&self) -> &[Reveal] {
        &self.reveals
    }

    /// The last winner.
    pub fn winner(&self) -> Option<&Reveal> {
        self.winner.as_ref()
    }

    fn seed_for_round(&self, round: u64) -> B256 {
        match round.checked_sub(self.current_reveal_round.saturating_add(1)) {
            Some(skipped) if skipped > 0 => B256::from(keccak256_concat(&[
                self.seed.as_slice(),
                &U256::from(skipped).to_be_bytes::<32>(),
            ])),
            _ => self.seed,
        }
    }

    /// `currentSeed()`: the seed, re-hashed for every round without reveals (§5.2).
    pub fn current_seed(&self, block: u64) -> B256 {
        self.seed_for_round(round_of(block))
    }

    /// `nextSeed()`: the same for the next round.
    pub fn next_seed(&self, block: u64) -> B256 {
        self.seed_for_round(round_of(block).saturating_add(1))
    }

    /// `currentRoundAnchor()` (§5.2): the anchor nodes sample with.
    pub fn current_round_anchor(&self, block: u64) -> Result<B256, ChainError> {
        let phase = phase_of(block);
        let round = round_of(block);
        if phase == Phase::Commit || (round > self.current_reveal_round && phase != Phase::Claim) {
            return Ok(self.current_seed(block));
        }
        if phase == Phase::Claim {
            return Ok(self.next_seed(block));
        }
        Err(ChainError::FirstRevealDone)
    }

    /// `currentMinimumDepth()` (§5.4).
    pub fn current_minimum_depth(&self) -> u8 {
        let diff = self
            .current_commit_round
            .saturating_sub(self.current_claim_round)
            .min(254);
        let skipped = diff.saturating_add(1);
        let winner_depth = self.winner.as_ref().map_or(0, |w| w.depth);
        if skipped >= u64::from(winner_depth) {
            0
        } else {
            winner_depth.saturating_sub(skipped as u8)
        }
    }

    /// `commit(obfuscatedHash, roundNumber)` (§5.3).
    pub fn commit(
        &mut self,
        env: &Env,
        staking: &StakeRegistry,
        price: u32,
        events: &mut Events,
        obfuscated_hash: B256,
        round_number: u64,
    ) -> Result<(), ChainError> {
        let stake = staking.stake(&env.sender).cloned().unwrap_or_default();
        if stake.last_updated_block == 0 {
            return Err(ChainError::NotStaked);
        }
        if stake.last_updated_block >= env.block.saturating_sub(2 * ROUND_LENGTH) {
            return Err(ChainError::MustStake2Rounds);
        }
        let round = round_of(env.block);
        if round_number < round {
            return Err(ChainError::CommitRoundOver);
        }
        if round_number > round {
            return Err(ChainError::CommitRoundNotStarted);
        }
        if phase_of(env.block) != Phase::Commit {
            return Err(ChainError::NotCommitPhase);
        }
        if is_commit_last_block(env.block) {
            return Err(ChainError::PhaseLastBlock);
        }
        if self.current_commit_round != round {
            self.commits.clear();
            self.current_commit_round = round;
        }
        if self.commits.iter().any(|c| c.overlay == stake.overlay) {
            return Err(ChainError::AlreadyCommitted);
        }
        self.commits.push(Commit {
            overlay: stake.overlay,
            owner: env.sender,
            revealed: false,
            height: stake.height,
            stake: staking.node_effective_stake(&env.sender, price, env.block),
            obfuscated_hash,
            reveal_index: 0,
        });
        events.push(Event::Committed {
            round,
            overlay: stake.overlay,
            height: stake.height,
        });
        Ok(())
    }

    /// `reveal(depth, hash, revealNonce)` (§5.4).
    pub fn reveal(
        &mut self,
        env: &Env,
        staking: &StakeRegistry,
        events: &mut Events,
        depth: u8,
        hash: B256,
        reveal_nonce: B256,
    ) -> Result<(), ChainError> {
        let round = round_of(env.block);
        if round != self.current_commit_round {
            return Err(ChainError::NoCommitsReceived);
        }
        if phase_of(env.block) != Phase::Reveal {
            return Err(ChainError::NotRevealPhase);
        }
        if depth < self.current_minimum_depth() {
            return Err(ChainError::OutOfDepth);
        }
        if round != self.current_reveal_round {
            self.current_reveal_round_anchor = self.current_round_anchor(env.block)?;
            self.reveals.clear();
            self.current_reveal_round = round;
            events.push(Event::CurrentRevealAnchor {
                round,
                anchor: self.current_reveal_round_anchor,
            });
            self.seed = B256::from(keccak256_concat(&[
                self.seed.as_slice(),
                env.prevrandao.as_slice(),
            ]));
        }
        let overlay = staking
            .stake(&env.sender)
            .map(|s| s.overlay)
            .unwrap_or_default();
        let obfuscated = wrap_commit(&overlay, depth, &hash, &reveal_nonce);
        let index = self
            .commits
            .iter()
            .position(|c| c.overlay == overlay && c.obfuscated_hash == obfuscated)
            .ok_or(ChainError::NoMatchingCommit)?;
        let reveal_index = self.reveals.len();
        let anchor = self.current_reveal_round_anchor;
        let commit = self
            .commits
            .get_mut(index)
            .ok_or(ChainError::NoMatchingCommit)?;
        let responsibility = depth
            .checked_sub(commit.height)
            .ok_or(ChainError::Arithmetic)?;
        if !in_proximity(&commit.overlay.0, &anchor.0, responsibility) {
            return Err(ChainError::OutOfDepthReveal(anchor));
        }
        if commit.revealed {
            return Err(ChainError::AlreadyRevealed);
        }
        commit.revealed = true;
        commit.reveal_index = reveal_index;
        let stake_density = commit
            .stake
            .checked_mul(pow2(responsibility)?)
            .ok_or(ChainError::Arithmetic)?;
        self.reveals.push(Reveal {
            overlay: commit.overlay,
            owner: commit.owner,
            depth,
            stake: commit.stake,
            stake_density,
            hash,
        });
        events.push(Event::Revealed {
            round,
            overlay: commit.overlay,
            stake: commit.stake,
            stake_density,
            reserve_commitment: hash,
            depth,
        });
        Ok(())
    }

    fn reveal_of(&self, commit: &Commit) -> Option<&Reveal> {
        if commit.revealed {
            self.reveals.get(commit.reveal_index)
        } else {
            None
        }
    }

    /// `getCurrentTruth()` (§5.6): a stake-density-weighted draw among the reveals.
    pub fn current_truth(&self) -> Result<(B256, u8), ChainError> {
        let mut sum = U256::ZERO;
        let mut truth = (B256::ZERO, 0u8);
        for (i, commit) in self.commits.iter().enumerate() {
            if let Some(reveal) = self.reveal_of(commit) {
                sum = sum
                    .checked_add(reveal.stake_density)
                    .ok_or(ChainError::Arithmetic)?;
                if picks(draw(&self.seed, b'0', i as u64), sum, reveal.stake_density)? {
                    truth = (reveal.hash, reveal.depth);
                }
            }
        }
        Ok(truth)
    }

    /// The truth, winner and redundancy (`winnerSelection` and `isWinner` without effects).
    pub fn selection(&self) -> Result<Option<Selection>, ChainError> {
        let (truth_hash, truth_depth) = self.current_truth()?;
        let mut sum = U256::ZERO;
        let mut redundancy: u16 = 0;
        let mut winner = None;
        for commit in &self.commits {
            let Some(reveal) = self.reveal_of(commit) else {
                continue;
            };
            if reveal.hash == truth_hash && reveal.depth == truth_depth {
                sum = sum
                    .checked_add(reveal.stake_density)
                    .ok_or(ChainError::Arithmetic)?;
                if picks(
                    draw(&self.seed, b'1', u64::from(redundancy)),
                    sum,
                    reveal.stake_density,
                )? {
                    winner = Some(reveal.clone());
                }
                redundancy = redundancy.checked_add(1).ok_or(ChainError::Arithmetic)?;
            }
        }
        Ok(winner.map(|winner| Selection {
            truth_hash,
            truth_depth,
            winner,
            redundancy,
        }))
    }

    /// `isWinner(overlay)` in the claim phase of the current reveal round.
    pub fn is_winner(&self, block: u64, overlay: &B256) -> Result<bool, ChainError> {
        self.check_claimable(block)?;
        Ok(self
            .selection()?
            .is_some_and(|s| &s.winner.overlay == overlay))
    }

    fn check_claimable(&self, block: u64) -> Result<(), ChainError> {
        let round = round_of(block);
        if phase_of(block) != Phase::Claim {
            return Err(ChainError::NotClaimPhase);
        }
        if round != self.current_reveal_round {
            return Err(ChainError::NoReveals);
        }
        if round <= self.current_claim_round {
            return Err(ChainError::AlreadyClaimed);
        }
        Ok(())
    }

    /// `isParticipatingInUpcomingRound(owner, depth)` (§5.5, Bee `IsPlaying`).
    pub fn is_participating_in_upcoming_round(
        &self,
        block: u64,
        staking: &StakeRegistry,
        owner: &Address,
        depth: u8,
    ) -> Result<bool, ChainError> {
        let stake = staking.stake(owner).cloned().unwrap_or_default();
        let responsibility = depth
            .checked_sub(stake.height)
            .ok_or(ChainError::Arithmetic)?;
        if phase_of(block) == Phase::Reveal {
            return Err(ChainError::WrongPhase);
        }
        if stake.last_updated_block == 0 {
            return Err(ChainError::NotStaked);
        }
        if stake.last_updated_block >= block.saturating_sub(2 * ROUND_LENGTH) {
            return Err(ChainError::MustStake2Rounds);
        }
        let anchor = self.current_round_anchor(block)?;
        Ok(in_proximity(&stake.overlay.0, &anchor.0, responsibility))
    }

    /// `claim(proof1, proof2, proofLast)` (§5.7, §5.8): selects the winner, freezes
    /// offenders, adjusts the price, verifies the winner's proofs and pays it the pot.
    /// `hooks` see each commit's outcome after Bee's freeze and pay the winner
    /// ([`BeeClaim`] pays the whole pot as Bee does).
    #[allow(clippy::too_many_arguments)]
    pub fn claim(
        &mut self,
        env: &Env,
        staking: &mut StakeRegistry,
        oracle: &mut PriceOracle,
        postage: &mut PostageStamp,
        token: &mut Token,
        events: &mut Events,
        proofs: &[ClaimProof; 3],
        hooks: &mut dyn ClaimHooks,
    ) -> Result<Reveal, ChainError> {
        self.check_claimable(env.block)?;
        let selection = self.selection()?.ok_or(ChainError::NoReveals)?;
        events.push(Event::TruthSelected {
            hash: selection.truth_hash,
            depth: selection.truth_depth,
        });
        self.apply_penalties(env, staking, token, events, &selection, hooks)?;
        match oracle.adjust_price(env.block, selection.redundancy)? {
            Some(price) => postage.set_price(env.block, events, u64::from(price))?,
            None => events.push(Event::PriceAdjustmentSkipped {
                redundancy: selection.redundancy,
            }),
        }
        let round = round_of(env.block);
        self.current_claim_round = round;
        let winner = selection.winner;
        self.winner = Some(winner.clone());

        self.verify_proofs(postage, &winner, proofs)?;

        hooks.pay_winner(env, postage, token, events, &winner)?;
        events.push(Event::WinnerSelected {
            overlay: winner.overlay,
            owner: winner.owner,
            depth: winner.depth,
            hash: winner.hash,
        });
        events.push(Event::ChunkCount {
            valid_chunk_count: postage.valid_chunk_count(),
        });
        Ok(winner)
    }

    fn apply_penalties(
        &self,
        env: &Env,
        staking: &mut StakeRegistry,
        token: &mut Token,
        events: &mut Events,
        selection: &Selection,
        hooks: &mut dyn ClaimHooks,
    ) -> Result<(), ChainError> {
        let base = ROUND_LENGTH
            .checked_mul(
                1u64.checked_shl(u32::from(selection.truth_depth))
                    .ok_or(ChainError::Arithmetic)?,
            )
            .ok_or(ChainError::Arithmetic)?;
        let random = U256::from_be_bytes(env.prevrandao.0).wrapping_rem(U256::from(100u8));
        let penalise_disagreement = random < U256::from(self.params.penalty_random_factor);
        for commit in &self.commits {
            match self.reveal_of(commit) {
                Some(reveal) => {
                    let agrees = reveal.hash == selection.truth_hash
                        && reveal.depth == selection.truth_depth;
                    if !agrees && penalise_disagreement {
                        let time = base
                            .checked_mul(self.params.penalty_multiplier_disagreement)
                            .ok_or(ChainError::Arithmetic)?;
                        staking.freeze(env.block, events, &reveal.owner, time);
                    }
                    let outcome = if agrees {
                        CommitOutcome::Agreed
                    } else {
                        CommitOutcome::Disagreed {
                            frozen: penalise_disagreement,
                        }
                    };
                    hooks.on_commit(env, staking, token, events, reveal.owner, outcome)?;
                }
                None => {
                    let time = base
                        .checked_mul(self.params.penalty_multiplier_non_revealed)
                        .ok_or(ChainError::Arithmetic)?;
                    staking.freeze(env.block, events, &commit.owner, time);
                    hooks.on_commit(
                        env,
                        staking,
                        token,
                        events,
                        commit.owner,
                        CommitOutcome::NotRevealed,
                    )?;
                }
            }
        }
        Ok(())
    }

    fn verify_proofs(
        &self,
        postage: &PostageStamp,
        winner: &Reveal,
        proofs: &[ClaimProof; 3],
    ) -> Result<(), ChainError> {
        let [proof1, proof2, proof_last] = proofs;
        let indices = WitnessIndices::from_anchor(self.seed.as_slice());
        let anchor = self.current_reveal_round_anchor;
        let witnesses = [
            (proof_last, indices.last, 3u8),
            (proof1, indices.first, 2u8),
            (proof2, indices.second, 1u8),
        ];
        for (proof, position, code) in witnesses {
            if !in_proximity(&proof.prove_segment.0, &anchor.0, winner.depth) {
                return Err(ChainError::OutOfDepthClaim(code));
            }
            verify_inclusion(
                proof,
                &winner.hash,
                position,
                anchor.as_slice(),
                indices.segment,
            )
            .map_err(inclusion_error)?;
            verify_stamp(postage, proof)?;
            verify_soc(proof).map_err(inclusion_error)?;
        }
        let tr1 = U256::from_be_bytes(proof1.proof_segments[0].0);
        let tr2 = U256::from_be_bytes(proof2.proof_segments[0].0);
        let tr_last = U256::from_be_bytes(proof_last.proof_segments[0].0);
        let (lower, upper) = if indices.first < indices.second {
            (tr1, tr2)
        } else {
            (tr2, tr1)
        };
        if lower >= upper {
            return Err(ChainError::RandomElementCheckFailed);
        }
        if upper >= tr_last {
            return Err(ChainError::LastElementCheckFailed);
        }
        if tr_last >= self.params.sample_max_value {
            return Err(ChainError::ReserveCheckFailed);
        }
        Ok(())
    }
}

/// `stampFunction` (§2.11): the batch exists, the index is inside its bucket, the bucket is
/// the address's, and the signature recovers to the batch owner. Expiry is not checked.
fn verify_stamp(postage: &PostageStamp, proof: &ClaimProof) -> Result<(), ChainError> {
    let stamp = &proof.postage_proof;
    let batch = postage
        .batch(&stamp.postage_id)
        .filter(|b| b.owner != Address::ZERO)
        .ok_or(ChainError::BatchDoesNotExist)?;
    let index = StampIndex::from_u64(stamp.index);
    // `uint32(index) < 2^(depth − bucketDepth)`: any position passes from 32 bits on.
    let slot_bits = batch
        .depth
        .checked_sub(batch.bucket_depth)
        .ok_or(ChainError::Arithmetic)?;
    if slot_bits < 32 && u64::from(index.position) >= 1u64 << slot_bits {
        return Err(ChainError::IndexOutsideSet);
    }
    if index.bucket != bucket_of(&proof.prove_segment, batch.bucket_depth) {
        return Err(ChainError::BucketDiffers);
    }
    let digest = stamp_digest(
        &proof.prove_segment,
        &stamp.postage_id,
        index,
        stamp.time_stamp,
    );
    match recover_digest(&digest, &stamp.signature) {
        Ok(signer) if signer == batch.owner => Ok(()),
        _ => Err(ChainError::SigRecoveryFailed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staking::MIN_STAKE;
    use std::collections::BTreeMap;

    /// spec §5.7: freezes scale with the truth depth; at depth 10 a disagreement freezes for
    /// 155,648 blocks and a non-reveal for 311,296.
    #[test]
    fn freeze_lengths_at_truth_depth_10() {
        let liar = Address::repeat_byte(1);
        let absent = Address::repeat_byte(2);
        let honest = Address::repeat_byte(3);
        let mut token = Token::with_allocation(&BTreeMap::from([
            (liar, U256::from(MIN_STAKE)),
            (absent, U256::from(MIN_STAKE)),
            (honest, U256::from(MIN_STAKE)),
        ]))
        .unwrap();
        let mut staking = StakeRegistry::new(0);
        let mut events = Vec::new();
        for owner in [liar, absent, honest] {
            let env = Env {
                block: 1,
                timestamp: 0,
                prevrandao: B256::ZERO,
                sender: owner,
            };
            staking
                .manage_stake(
                    &env,
                    &mut token,
                    &mut events,
                    24_000,
                    B256::ZERO,
                    U256::from(MIN_STAKE),
                    0,
                )
                .unwrap();
        }
        let reveal = |owner: Address, hash: u8| Reveal {
            overlay: B256::repeat_byte(hash),
            owner,
            depth: 10,
            stake: U256::from(1u8),
            stake_density: U256::from(1024u32),
            hash: B256::repeat_byte(hash),
        };
        let mut contract = Redistribution {
            reveals: vec![reveal(honest, 7), reveal(liar, 8)],
            ..Redistribution::default()
        };
        let commit = |owner: Address, revealed: bool, reveal_index: usize| Commit {
            overlay: B256::ZERO,
            owner,
            revealed,
            height: 0,
            stake: U256::from(1u8),
            obfuscated_hash: B256::ZERO,
            reveal_index,
        };
        contract.commits = vec![
            commit(honest, true, 0),
            commit(liar, true, 1),
            commit(absent, false, 0),
        ];
        let selection = Selection {
            truth_hash: B256::repeat_byte(7),
            truth_depth: 10,
            winner: reveal(honest, 7),
            redundancy: 1,
        };
        let env = Env {
            block: 1000,
            timestamp: 0,
            prevrandao: B256::ZERO,
            sender: honest,
        };
        contract
            .apply_penalties(
                &env,
                &mut staking,
                &mut token,
                &mut events,
                &selection,
                &mut BeeClaim,
            )
            .unwrap();
        assert_eq!(
            staking.stake(&liar).unwrap().last_updated_block,
            1000 + 155_648
        );
        assert_eq!(
            staking.stake(&absent).unwrap().last_updated_block,
            1000 + 311_296
        );
        assert_eq!(staking.stake(&honest).unwrap().last_updated_block, 1);
    }

    #[test]
    fn seeds_rehash_for_rounds_without_reveals() {
        let contract = Redistribution::default();
        // Rounds 0 and 1 use the stored seed; round 2 hashes it with 1 skipped round.
        assert_eq!(contract.current_seed(0), B256::ZERO);
        assert_eq!(contract.current_seed(ROUND_LENGTH), B256::ZERO);
        let expected = keccak256_concat(&[&[0u8; 32], &U256::from(1u8).to_be_bytes::<32>()]);
        assert_eq!(contract.current_seed(2 * ROUND_LENGTH).0, expected);
        assert_eq!(contract.next_seed(ROUND_LENGTH).0, expected);
        // The claim phase announces the next round's anchor.
        assert_eq!(
            contract.current_round_anchor(ROUND_LENGTH + 80).unwrap().0,
            expected
        );
        assert_eq!(
            contract.current_round_anchor(ROUND_LENGTH + 40).unwrap(),
            B256::ZERO
        );
    }

    #[test]
    fn minimum_depth_follows_the_last_winner() {
        let mut contract = Redistribution::default();
        assert_eq!(contract.current_minimum_depth(), 0);
        contract.winner = Some(Reveal {
            overlay: B256::ZERO,
            owner: Address::ZERO,
            depth: 8,
            stake: U256::ZERO,
            stake_density: U256::ZERO,
            hash: B256::ZERO,
        });
        contract.current_claim_round = 5;
        contract.current_commit_round = 6;
        assert_eq!(contract.current_minimum_depth(), 6);
        contract.current_commit_round = 9;
        assert_eq!(contract.current_minimum_depth(), 3);
        contract.current_commit_round = 200;
        assert_eq!(contract.current_minimum_depth(), 0);
    }
}
