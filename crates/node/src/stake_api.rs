//! The storage-incentive endpoints on the node (spec `storage-incentives.md` §3, §5.9, §6):
//! the stake in the stake registry, the agent's status and an on-demand reserve sample.

use comb_api::incentives::{
    ChunkInclusionProof, ChunkInclusionProofs, IncentivesApi, PostageProofView,
    RedistributionState, ReserveSampleTiming, SocProofView,
};
use comb_api::ApiError;
use comb_chain::round::Phase;
use comb_chain::Call;
use comb_primitives::{B256, U256};
use comb_sampling::{make_inclusion_proofs, SampleRules, SAMPLE_SIZE};

use crate::api_impl::{chain_error, internal};
use crate::node::Node;

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Commit => "commit",
        Phase::Reveal => "reveal",
        Phase::Claim => "claim",
    }
}

impl Node {
    async fn stake_info(&self) -> Result<comb_chain_rpc::types::StakeInfo, ApiError> {
        self.chain
            .stake(self.signer.address())
            .await
            .map_err(chain_error)
    }

    /// Deposits `amount` PLUR of stake for the node's overlay (Bee's `manageStake` with the
    /// overlay nonce zero and height 0; spec §3.1); the transaction's hash.
    pub async fn stake(&self, amount: U256) -> Result<B256, crate::NodeError> {
        let receipt = self
            .chain
            .send(
                &self.signer,
                Call::ManageStake {
                    nonce: B256::ZERO,
                    amount,
                    height: 0,
                },
            )
            .await?;
        Ok(receipt.transaction_hash)
    }
}

impl IncentivesApi for Node {
    async fn redistribution_state(&self) -> Result<RedistributionState, ApiError> {
        let status = self
            .agent
            .status()
            .ok_or_else(|| ApiError::unavailable("the redistribution agent has not started"))?;
        Ok(RedistributionState {
            minimum_gas_funds: "0".to_string(),
            has_sufficient_funds: true,
            is_frozen: status.is_frozen,
            is_fully_synced: status.is_fully_synced,
            phase: phase_name(status.phase).to_string(),
            round: status.round,
            last_won_round: status.last_won_round,
            last_played_round: status.last_played_round,
            last_frozen_round: status.last_frozen_round,
            last_selected_round: status.last_selected_round,
            last_sample_duration_seconds: status.last_sample_duration_seconds,
            block: status.block,
            reward: status.reward.to_string(),
            fees: status.fees.to_string(),
            is_healthy: status.is_healthy,
            is_paused: status.is_paused,
        })
    }

    async fn staked_amount(&self) -> Result<U256, ApiError> {
        Ok(self
            .stake_info()
            .await?
            .record
            .map_or(U256::ZERO, |record| record.potential_stake))
    }

    async fn deposit_stake(&self, amount: U256) -> Result<B256, ApiError> {
        self.stake(amount).await.map_err(|error| match error {
            crate::NodeError::Chain(error) => chain_error(error),
            other => internal(other),
        })
    }

    async fn withdrawable_stake(&self) -> Result<U256, ApiError> {
        Ok(self.stake_info().await?.withdrawable_stake)
    }

    async fn withdraw_stake(&self) -> Result<B256, ApiError> {
        if self.withdrawable_stake().await?.is_zero() {
            return Err(ApiError::bad_request("no withdrawable stake"));
        }
        self.send_for_hash(Call::WithdrawFromStake).await
    }

    /// Migration is for a paused staking contract (spec `storage-incentives.md` §3.4). comb's
    /// own chain has no admin and so no pause: its registry is never paused, and this is
    /// always Bee's answer for a running contract, 400 "contract is not paused", with nothing
    /// sent. Bee checks `paused()` first and answers the same. On an EVM chain (issue 14's
    /// StakeRegistry) the node is to ask `paused()` and send `migrateStake()`.
    async fn migrate_stake(&self) -> Result<B256, ApiError> {
        Err(ApiError::bad_request("contract is not paused"))
    }

    /// Samples with every chunk eligible by time (the consensus time is now) and no minimum
    /// batch value, as Bee's `/rchash` does.
    async fn reserve_sample(
        &self,
        depth: u8,
        anchor1: Vec<u8>,
        anchor2: Vec<u8>,
    ) -> Result<ReserveSampleTiming, ApiError> {
        let rules = SampleRules {
            anchor: anchor1.clone(),
            committed_depth: depth,
            consensus_time_ns: crate::content::now_ns(),
            min_batch_value: U256::ZERO,
        };
        let (sample, took) = crate::agent::sample_now(self, rules)
            .await
            .map_err(|e| internal(e.to_string()))?;
        let hash = sample
            .reserve_commitment()
            .map_err(|e| internal(e.to_string()))?;
        let proofs = if sample.items().len() == SAMPLE_SIZE {
            let proofs = make_inclusion_proofs(&sample, &anchor1, &anchor2)
                .map_err(|e| internal(e.to_string()))?;
            let [first, second, last] = proofs;
            Some(ChunkInclusionProofs {
                proof1: render_proof(&first),
                proof2: render_proof(&second),
                proof_last: render_proof(&last),
            })
        } else {
            None
        };
        Ok(ReserveSampleTiming {
            duration_seconds: took.as_secs_f64(),
            hash: hex::encode(hash),
            items: sample.items().len(),
            proofs,
        })
    }
}

/// A claim proof as Bee's `/rchash` renders it (`renderChunkInclusionProof`).
fn render_proof(proof: &comb_sampling::ClaimProof) -> ChunkInclusionProof {
    let hashes = |segments: &[B256]| segments.iter().map(hex::encode).collect::<Vec<_>>();
    ChunkInclusionProof {
        proof_segments: hashes(&proof.proof_segments),
        prove_segment: hex::encode(proof.prove_segment),
        proof_segments2: hashes(&proof.proof_segments2),
        prove_segment2: hex::encode(proof.prove_segment2),
        chunk_span: proof.chunk_span,
        proof_segments3: hashes(&proof.proof_segments3),
        postage_proof: PostageProofView {
            signature: hex::encode(proof.postage_proof.signature.as_bytes()),
            postage_id: hex::encode(proof.postage_proof.postage_id),
            index: format!("{:x}", proof.postage_proof.index),
            time_stamp: format!("{:x}", proof.postage_proof.time_stamp),
        },
        soc_proof: proof.soc_proof.map(|soc| {
            vec![SocProofView {
                signer: hex::encode(soc.signer),
                signature: hex::encode(soc.signature.as_bytes()),
                identifier: hex::encode(soc.identifier),
                chunk_addr: hex::encode(soc.chunk_addr),
            }]
        }),
    }
}
