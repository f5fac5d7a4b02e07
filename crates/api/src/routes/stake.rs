//! Staking and redistribution endpoints (Bee's `/stake`, `/redistributionstate`,
//! `/rchash`; spec `storage-incentives.md` §3, §5.9, §6).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;

use crate::incentives::{
    IncentivesApi, RedistributionState, ReserveSampleTiming, StakedAmount, TxHash,
    WithdrawableStake,
};
use crate::{params, ApiError};

/// A transaction's hash as Bee answers it (`{"txHash": "0x…"}`).
pub(crate) fn tx_hash(hash: comb_primitives::B256) -> Json<TxHash> {
    Json(TxHash {
        tx_hash: format!("{hash}"),
    })
}

/// `GET /redistributionstate`.
pub async fn redistribution_state<B: IncentivesApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<RedistributionState>, ApiError> {
    Ok(Json(node.redistribution_state().await?))
}

/// `GET /stake`.
pub async fn staked<B: IncentivesApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<StakedAmount>, ApiError> {
    Ok(Json(StakedAmount {
        staked_amount: node.staked_amount().await?.to_string(),
    }))
}

/// `POST /stake/{amount}`: adds `amount` PLUR to the stake.
pub async fn deposit<B: IncentivesApi>(
    State(node): State<Arc<B>>,
    Path(amount): Path<String>,
) -> Result<Json<TxHash>, ApiError> {
    let amount = params::amount("amount", &amount)?;
    if amount.is_zero() {
        return Err(ApiError::bad_request("amount: must be above zero"));
    }
    Ok(tx_hash(node.deposit_stake(amount).await?))
}

/// `GET /stake/withdrawable`.
pub async fn withdrawable<B: IncentivesApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<WithdrawableStake>, ApiError> {
    Ok(Json(WithdrawableStake {
        withdrawable_amount: node.withdrawable_stake().await?.to_string(),
    }))
}

/// `DELETE /stake/withdrawable`: withdraws the surplus stake.
pub async fn withdraw<B: IncentivesApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<TxHash>, ApiError> {
    Ok(tx_hash(node.withdraw_stake().await?))
}

/// `DELETE /stake`: migrates the stake out of a paused contract.
pub async fn migrate<B: IncentivesApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<TxHash>, ApiError> {
    Ok(tx_hash(node.migrate_stake().await?))
}

/// `GET /rchash/{depth}/{anchor1}/{anchor2}`: samples the reserve now and reports how long
/// it took.
pub async fn rchash<B: IncentivesApi>(
    State(node): State<Arc<B>>,
    Path((depth, anchor1, anchor2)): Path<(String, String, String)>,
) -> Result<Json<ReserveSampleTiming>, ApiError> {
    let depth = params::depth("depth", &depth)?;
    let anchor1 = params::hex_bytes("anchor1", &anchor1)?;
    let anchor2 = params::hex_bytes("anchor2", &anchor2)?;
    Ok(Json(node.reserve_sample(depth, anchor1, anchor2).await?))
}
