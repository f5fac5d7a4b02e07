//! comb's own endpoints for the staking architecture (`staking-architecture.md`), which Bee
//! does not have: provider standing and availability challenges under `/staking/…`, user
//! staking under `/staking/user/…`, governance under `/governance/…`. Views are JSON
//! objects with camelCase fields and amounts as decimal strings; actions answer with the
//! transaction's hash (and the new challenge's or proposal's id).

use std::future::Future;

use comb_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ApiError;

/// `POST /staking/challenges` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeRequest {
    /// The challenged provider's Ethereum address (its stake owner).
    pub provider: Address,
    /// The chunk it must prove, stamped with one of this node's batches.
    pub chunk: B256,
}

/// An action that created something with an id (a challenge, a proposal).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    /// The new challenge's or proposal's id.
    pub id: u64,
    /// `0x`-prefixed transaction hash.
    pub tx_hash: String,
}

/// What the staking-architecture endpoints need of a node.
pub trait ArchitectureApi: Send + Sync + 'static {
    /// `GET /staking/parameters`: every parameter with its current value.
    fn architecture_parameters(&self) -> impl Future<Output = Result<Value, ApiError>> + Send;
    /// `GET /staking/provider[/{address}]`: score, penalty-ladder standing and stake of a
    /// provider (this node when `None`).
    fn provider(
        &self,
        owner: Option<Address>,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send;
    /// `GET /staking/challenges`: the open availability challenges.
    fn challenges(&self) -> impl Future<Output = Result<Value, ApiError>> + Send;
    /// `POST /staking/challenges`: challenges `provider` to prove `chunk`, with the stamp
    /// this node's batch put on it; escrows the bond.
    fn open_challenge(
        &self,
        request: ChallengeRequest,
    ) -> impl Future<Output = Result<Created, ApiError>> + Send;
    /// `POST /staking/challenges/{id}/settle`: settles an unanswered challenge after its
    /// window.
    fn settle_challenge(&self, id: u64) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `GET /staking/user[/{address}]`: a user stake with its tier discount, governance
    /// weight and claimable rewards (this node's account when `None`).
    fn user_stake(
        &self,
        owner: Option<Address>,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send;
    /// `POST /staking/user/stake/{amount}?lockBlocks=`: adds to the user stake.
    fn stake_user(
        &self,
        amount: U256,
        lock_blocks: u64,
    ) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `POST /staking/user/unbond`.
    fn unbond_user(&self) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `POST /staking/user/withdraw`.
    fn withdraw_user(&self) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `POST /staking/user/rewards`: claims the share of the user-reward pool.
    fn claim_user_rewards(&self) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `GET /governance/proposals`.
    fn proposals(&self) -> impl Future<Output = Result<Value, ApiError>> + Send;
    /// `POST /governance/proposals`: `action` is the proposal's JSON (`{"action":
    /// "setParameter", "param": "bronzeDiscount", "value": "600"}`, `excludeProvider`,
    /// `reinstateProvider`).
    fn propose(&self, action: Value) -> impl Future<Output = Result<Created, ApiError>> + Send;
    /// `POST /governance/proposals/{id}/vote/{yes|no}`.
    fn vote(&self, id: u64, support: bool) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `POST /governance/proposals/{id}/execute`.
    fn execute_proposal(&self, id: u64) -> impl Future<Output = Result<B256, ApiError>> + Send;
}
