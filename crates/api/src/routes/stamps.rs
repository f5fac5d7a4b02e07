//! Postage endpoints: buy, list, inspect, top up and dilute batches (Bee's `/stamps` and
//! `/batches`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::backend::BuyBatch;
use crate::params;
use crate::types::{BatchIdResponse, GlobalBatches, Stamps};
use crate::{ApiError, NodeApi};

fn batch_id_response(
    status: StatusCode,
    id: &comb_primitives::B256,
    tx: &comb_primitives::B256,
) -> Response {
    (
        status,
        Json(BatchIdResponse {
            batch_id: hex::encode(id),
            tx_hash: format!("{tx}"),
        }),
    )
        .into_response()
}

/// `POST /stamps/{amount}/{depth}`: buys a batch (header `immutable`, query `label`).
pub async fn buy<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path((amount, depth)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let order = BuyBatch {
        amount: params::amount("amount", &amount)?,
        depth: params::depth("depth", &depth)?,
        immutable: params::bool_header(&headers, "immutable", true)?,
        label: query.get("label").cloned().unwrap_or_default(),
    };
    let (id, tx) = node.buy_batch(order).await?;
    Ok(batch_id_response(StatusCode::CREATED, &id, &tx))
}

/// `PATCH /stamps/topup/{id}/{amount}`.
pub async fn top_up<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path((id, amount)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = params::hash("batch_id", &id)?;
    let tx = node.top_up(id, params::amount("amount", &amount)?).await?;
    Ok(batch_id_response(StatusCode::ACCEPTED, &id, &tx))
}

/// `PATCH /stamps/dilute/{id}/{depth}`.
pub async fn dilute<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path((id, depth)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = params::hash("batch_id", &id)?;
    let tx = node.dilute(id, params::depth("depth", &depth)?).await?;
    Ok(batch_id_response(StatusCode::ACCEPTED, &id, &tx))
}

/// `GET /stamps`: the node's own batches.
pub async fn list<B: NodeApi>(State(node): State<Arc<B>>) -> Result<Json<Stamps>, ApiError> {
    Ok(Json(Stamps {
        stamps: node.own_batches().await?,
    }))
}

/// `GET /stamps/{id}`.
pub async fn get<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = params::hash("batch_id", &id)?;
    let wanted = hex::encode(id);
    node.own_batches()
        .await?
        .into_iter()
        .find(|batch| batch.batch_id == wanted)
        .map(|batch| Json(batch).into_response())
        .ok_or_else(|| ApiError::not_found("issuer does not exist"))
}

/// `GET /stamps/{id}/buckets`.
pub async fn buckets<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = params::hash("batch_id", &id)?;
    Ok(Json(node.buckets(id)?).into_response())
}

/// `GET /batches`: every live batch on chain.
pub async fn all<B: NodeApi>(State(node): State<Arc<B>>) -> Result<Json<GlobalBatches>, ApiError> {
    Ok(Json(GlobalBatches {
        batches: node.all_batches().await?,
    }))
}
