//! comb's staking-architecture endpoints (`staking-architecture.md`): `/staking/…` and
//! `/governance/…`. See [`crate::architecture`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::Value;

use crate::architecture::{ArchitectureApi, ChallengeRequest, Created};
use crate::incentives::TxHash;
use crate::routes::stake::tx_hash as tx;
use crate::{params, ApiError};

fn id(value: &str) -> Result<u64, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::bad_request("invalid path params: id: want a number"))
}

/// `GET /staking/parameters`.
pub async fn parameters<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(node.architecture_parameters().await?))
}

/// `GET /staking/provider`.
pub async fn own_provider<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(node.provider(None).await?))
}

/// `GET /staking/provider/{address}`.
pub async fn provider<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(node.provider(Some(params::owner(&address)?)).await?))
}

/// `GET /staking/challenges`.
pub async fn challenges<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(node.challenges().await?))
}

/// `POST /staking/challenges` with `{"provider": "0x…", "chunk": "…"}`.
pub async fn open_challenge<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
    body: axum::body::Bytes,
) -> Result<Json<Created>, ApiError> {
    let request: ChallengeRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    Ok(Json(node.open_challenge(request).await?))
}

/// `POST /staking/challenges/{id}/settle`.
pub async fn settle_challenge<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
    Path(challenge): Path<String>,
) -> Result<Json<TxHash>, ApiError> {
    Ok(tx(node.settle_challenge(id(&challenge)?).await?))
}

/// `GET /staking/user`.
pub async fn own_user_stake<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(node.user_stake(None).await?))
}

/// `GET /staking/user/{address}`.
pub async fn user_stake<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(node.user_stake(Some(params::owner(&address)?)).await?))
}

/// `POST /staking/user/stake/{amount}?lockBlocks=N` (lock 0 by default).
pub async fn stake_user<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
    Path(amount): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<TxHash>, ApiError> {
    let amount = params::amount("amount", &amount)?;
    let lock_blocks = match query.get("lockBlocks") {
        None => 0,
        Some(value) => value
            .parse()
            .map_err(|_| ApiError::bad_request("invalid query params: lockBlocks"))?,
    };
    Ok(tx(node.stake_user(amount, lock_blocks).await?))
}

/// `POST /staking/user/unbond`.
pub async fn unbond_user<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<TxHash>, ApiError> {
    Ok(tx(node.unbond_user().await?))
}

/// `POST /staking/user/withdraw`.
pub async fn withdraw_user<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<TxHash>, ApiError> {
    Ok(tx(node.withdraw_user().await?))
}

/// `POST /staking/user/rewards`.
pub async fn claim_user_rewards<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<TxHash>, ApiError> {
    Ok(tx(node.claim_user_rewards().await?))
}

/// `GET /governance/proposals`.
pub async fn proposals<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(node.proposals().await?))
}

/// `POST /governance/proposals` with the proposal's action as JSON.
pub async fn propose<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
    body: axum::body::Bytes,
) -> Result<Json<Created>, ApiError> {
    let action: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    Ok(Json(node.propose(action).await?))
}

/// `POST /governance/proposals/{id}/vote/{yes|no}`.
pub async fn vote<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
    Path((proposal, choice)): Path<(String, String)>,
) -> Result<Json<TxHash>, ApiError> {
    let support = match choice.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(ApiError::bad_request("invalid path params: want yes or no")),
    };
    Ok(tx(node.vote(id(&proposal)?, support).await?))
}

/// `POST /governance/proposals/{id}/execute`.
pub async fn execute<B: ArchitectureApi>(
    State(node): State<Arc<B>>,
    Path(proposal): Path<String>,
) -> Result<Json<TxHash>, ApiError> {
    Ok(tx(node.execute_proposal(id(&proposal)?).await?))
}
