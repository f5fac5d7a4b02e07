//! SWAP endpoints (spec `swap.md` §3.7, §5.2): balances, settlements, chequebook, cheques,
//! cash-out, deposit and withdrawal, in Bee's shape.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::swap::{
    Accounting, Balance, Balances, CashoutStatus, ChequebookAddress, ChequebookBalance,
    LastCheques, PeerCheques, Settlement, Settlements, SwapApi, TransactionResponse,
};
use crate::{params, ApiError, NodeApi};

/// The SWAP routes, to merge into the API's router.
pub fn routes<B: NodeApi + SwapApi>() -> Router<Arc<B>> {
    Router::new()
        .route("/accounting", get(accounting::<B>))
        .route("/balances", get(balances::<B>))
        .route("/balances/{peer}", get(peer_balance::<B>))
        .route("/consumed", get(consumed::<B>))
        .route("/consumed/{peer}", get(peer_consumed::<B>))
        .route("/settlements", get(settlements::<B>))
        .route("/settlements/{peer}", get(peer_settlements::<B>))
        .route("/timesettlements", get(time_settlements::<B>))
        .route("/chequebook/address", get(chequebook_address::<B>))
        .route("/chequebook/balance", get(chequebook_balance::<B>))
        .route("/chequebook/cheque", get(last_cheques::<B>))
        .route("/chequebook/cheque/{peer}", get(peer_cheques::<B>))
        .route(
            "/chequebook/cashout/{peer}",
            post(cashout::<B>).get(cashout_status::<B>),
        )
        .route("/chequebook/deposit", post(deposit::<B>))
        .route("/chequebook/withdraw", post(withdraw::<B>))
}

fn peer(value: &str) -> Result<comb_primitives::B256, ApiError> {
    params::hash("peer", value)
}

/// The `amount` query parameter: a positive decimal (Bee: "did not specify amount").
fn amount(query: &HashMap<String, String>) -> Result<comb_primitives::U256, ApiError> {
    let value = query.get("amount").ok_or_else(|| {
        ApiError::bad_request("invalid query params: amount: did not specify amount")
    })?;
    let amount = params::amount("amount", value)?;
    if amount.is_zero() {
        return Err(ApiError::bad_request(
            "invalid query params: amount: must be positive",
        ));
    }
    Ok(amount)
}

/// `GET /accounting`.
pub async fn accounting<B: SwapApi>(State(node): State<Arc<B>>) -> Json<Accounting> {
    Json(node.accounting())
}

/// `GET /balances`.
pub async fn balances<B: SwapApi>(State(node): State<Arc<B>>) -> Json<Balances> {
    Json(node.balances())
}

/// `GET /balances/{peer}`.
pub async fn peer_balance<B: SwapApi>(
    State(node): State<Arc<B>>,
    Path(p): Path<String>,
) -> Result<Json<Balance>, ApiError> {
    Ok(Json(node.peer_balance(peer(&p)?)?))
}

/// `GET /consumed`.
pub async fn consumed<B: SwapApi>(State(node): State<Arc<B>>) -> Json<Balances> {
    Json(node.consumed())
}

/// `GET /consumed/{peer}`.
pub async fn peer_consumed<B: SwapApi>(
    State(node): State<Arc<B>>,
    Path(p): Path<String>,
) -> Result<Json<Balance>, ApiError> {
    Ok(Json(node.peer_consumed(peer(&p)?)?))
}

/// `GET /settlements`.
pub async fn settlements<B: SwapApi>(State(node): State<Arc<B>>) -> Json<Settlements> {
    Json(node.settlements())
}

/// `GET /settlements/{peer}`.
pub async fn peer_settlements<B: SwapApi>(
    State(node): State<Arc<B>>,
    Path(p): Path<String>,
) -> Result<Json<Settlement>, ApiError> {
    Ok(Json(node.peer_settlements(peer(&p)?)?))
}

/// `GET /timesettlements`.
pub async fn time_settlements<B: SwapApi>(State(node): State<Arc<B>>) -> Json<Settlements> {
    Json(node.time_settlements())
}

/// `GET /chequebook/address`.
pub async fn chequebook_address<B: SwapApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<ChequebookAddress>, ApiError> {
    Ok(Json(node.chequebook_address()?))
}

/// `GET /chequebook/balance`.
pub async fn chequebook_balance<B: SwapApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<ChequebookBalance>, ApiError> {
    Ok(Json(node.chequebook_balance().await?))
}

/// `GET /chequebook/cheque`.
pub async fn last_cheques<B: SwapApi>(State(node): State<Arc<B>>) -> Json<LastCheques> {
    Json(node.last_cheques())
}

/// `GET /chequebook/cheque/{peer}`.
pub async fn peer_cheques<B: SwapApi>(
    State(node): State<Arc<B>>,
    Path(p): Path<String>,
) -> Result<Json<PeerCheques>, ApiError> {
    Ok(Json(node.peer_cheques(peer(&p)?)))
}

/// `POST /chequebook/cashout/{peer}`.
pub async fn cashout<B: SwapApi>(
    State(node): State<Arc<B>>,
    Path(p): Path<String>,
) -> Result<Json<TransactionResponse>, ApiError> {
    Ok(Json(node.cashout(peer(&p)?).await?))
}

/// `GET /chequebook/cashout/{peer}`.
pub async fn cashout_status<B: SwapApi>(
    State(node): State<Arc<B>>,
    Path(p): Path<String>,
) -> Result<Json<CashoutStatus>, ApiError> {
    Ok(Json(node.cashout_status(peer(&p)?)?))
}

/// `POST /chequebook/deposit?amount=`.
pub async fn deposit<B: SwapApi>(
    State(node): State<Arc<B>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<TransactionResponse>, ApiError> {
    Ok(Json(node.deposit(amount(&query)?).await?))
}

/// `POST /chequebook/withdraw?amount=`.
pub async fn withdraw<B: SwapApi>(
    State(node): State<Arc<B>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<TransactionResponse>, ApiError> {
    Ok(Json(node.withdraw(amount(&query)?).await?))
}
