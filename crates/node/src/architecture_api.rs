//! The staking-architecture endpoints on the node (`staking-architecture.md`): views read
//! the ledger's architecture state (`comb_architecture`), actions sign with the node's key.

use comb_api::architecture::{ArchitectureApi, ChallengeRequest, Created};
use comb_api::ApiError;
use comb_chain::architecture::Architecture;
use comb_chain::events::Event;
use comb_chain::governance::ProposalAction;
use comb_chain::Call;
use comb_primitives::{Address, B256, U256};
use comb_sampling::PostageProof;
use serde_json::{json, Value};

use crate::api_impl::{chain_error, internal};
use crate::node::Node;

impl Node {
    async fn architecture(&self) -> Result<Architecture, ApiError> {
        self.chain.architecture().await.map_err(chain_error)
    }
}

fn amount(value: U256) -> Value {
    Value::String(value.to_string())
}

impl ArchitectureApi for Node {
    async fn architecture_parameters(&self) -> Result<Value, ApiError> {
        serde_json::to_value(&self.architecture().await?.params).map_err(internal)
    }

    async fn provider(&self, owner: Option<Address>) -> Result<Value, ApiError> {
        let owner = owner.unwrap_or_else(|| self.signer.address());
        let architecture = self.architecture().await?;
        let stake = self.chain.stake(owner).await.map_err(chain_error)?;
        let standing = architecture.ladder.standing(&owner);
        let offences: Vec<Value> = standing
            .offences
            .iter()
            .map(|(offence, block)| json!({"offence": offence, "block": block}))
            .collect();
        Ok(json!({
            "address": owner,
            "overlay": stake.record.as_ref().map(|r| r.overlay),
            "stakedAmount": amount(stake.record.as_ref().map_or(U256::ZERO, |r| r.potential_stake)),
            "frozen": stake.frozen,
            "scoreBp": architecture.scores.score(&architecture.params, &owner),
            "offences": offences,
            "suspendedUntil": standing.suspended_until,
            "excluded": standing.excluded,
        }))
    }

    async fn challenges(&self) -> Result<Value, ApiError> {
        let architecture = self.architecture().await?;
        let window = architecture.params.challenge_window;
        let list: Vec<Value> = architecture
            .challenges
            .open_challenges()
            .iter()
            .map(|(id, c)| {
                json!({
                    "id": id,
                    "challenger": c.challenger,
                    "provider": c.provider,
                    "chunkAddress": c.chunk_address,
                    "bond": amount(c.bond),
                    "openedAt": c.opened_at,
                    "answerBy": c.opened_at.saturating_add(window),
                    "segment": c.segment,
                })
            })
            .collect();
        Ok(json!({ "challenges": list }))
    }

    async fn open_challenge(&self, request: ChallengeRequest) -> Result<Created, ApiError> {
        let (_, stamp) = self.chunk_with_stamp(request.chunk).await?;
        let receipt = self
            .send_call(Call::OpenChallenge {
                provider: request.provider,
                chunk_address: request.chunk,
                stamp: PostageProof::from(&stamp),
            })
            .await?;
        let id = receipt
            .events
            .iter()
            .find_map(|event| match event {
                Event::ChallengeOpened { id, .. } => Some(*id),
                _ => None,
            })
            .ok_or_else(|| internal("the ledger opened no challenge"))?;
        Ok(Created {
            id,
            tx_hash: format!("{}", receipt.transaction_hash),
        })
    }

    async fn settle_challenge(&self, id: u64) -> Result<B256, ApiError> {
        self.send_for_hash(Call::SettleChallenge { id }).await
    }

    async fn user_stake(&self, owner: Option<Address>) -> Result<Value, ApiError> {
        let owner = owner.unwrap_or_else(|| self.signer.address());
        let architecture = self.architecture().await?;
        let users = &architecture.users;
        let stake = users.stake(&owner).cloned().unwrap_or_default();
        let claimable = users
            .claimable(&architecture.rewards, &owner)
            .map_err(internal)?;
        Ok(json!({
            "address": owner,
            "amount": amount(stake.amount),
            "lockEnd": stake.lock_end,
            "unbondingEnd": stake.unbonding_end,
            "weight": amount(stake.weight),
            "discountBp": users.discount_bp(&architecture.params, &owner),
            "claimableRewards": amount(claimable),
        }))
    }

    async fn stake_user(&self, amount: U256, lock_blocks: u64) -> Result<B256, ApiError> {
        if amount.is_zero() {
            return Err(ApiError::bad_request("amount: must be above zero"));
        }
        self.send_for_hash(Call::StakeUser {
            amount,
            lock_blocks,
        })
        .await
    }

    async fn unbond_user(&self) -> Result<B256, ApiError> {
        self.send_for_hash(Call::UnbondUser).await
    }

    async fn withdraw_user(&self) -> Result<B256, ApiError> {
        self.send_for_hash(Call::WithdrawUser).await
    }

    async fn claim_user_rewards(&self) -> Result<B256, ApiError> {
        self.send_for_hash(Call::ClaimUserRewards).await
    }

    async fn proposals(&self) -> Result<Value, ApiError> {
        let architecture = self.architecture().await?;
        let timelock = architecture.params.timelock;
        let list: Vec<Value> = architecture
            .governance
            .proposals()
            .iter()
            .map(|(id, p)| {
                json!({
                    "id": id,
                    "proposer": p.proposer,
                    "action": p.action,
                    "deposit": amount(p.deposit),
                    "votingEnd": p.voting_end,
                    "executableFrom": p.voting_end.saturating_add(timelock),
                    "totalWeight": amount(p.total_weight),
                    "yes": amount(p.yes),
                    "no": amount(p.no),
                })
            })
            .collect();
        Ok(json!({ "proposals": list }))
    }

    async fn propose(&self, action: Value) -> Result<Created, ApiError> {
        let action: ProposalAction = serde_json::from_value(action)
            .map_err(|e| ApiError::bad_request(format!("invalid proposal: {e}")))?;
        let receipt = self.send_call(Call::Propose { action }).await?;
        let id = receipt
            .events
            .iter()
            .find_map(|event| match event {
                Event::Proposed { id, .. } => Some(*id),
                _ => None,
            })
            .ok_or_else(|| internal("the ledger made no proposal"))?;
        Ok(Created {
            id,
            tx_hash: format!("{}", receipt.transaction_hash),
        })
    }

    async fn vote(&self, id: u64, support: bool) -> Result<B256, ApiError> {
        self.send_for_hash(Call::Vote { id, support }).await
    }

    async fn execute_proposal(&self, id: u64) -> Result<B256, ApiError> {
        self.send_for_hash(Call::Execute { id }).await
    }
}
