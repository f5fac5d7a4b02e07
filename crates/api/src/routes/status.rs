//! Node status endpoints: `/health`, `/readiness`, `/node`, `/status`, `/addresses`,
//! `/peers`, `/topology`, `/chainstate`, `/reservestate`, `/wallet`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::types::{Health, NodeInfo};
use crate::{ApiError, NodeApi, API_VERSION, VERSION};

fn health_body(status: &str) -> Health {
    Health {
        status: status.to_string(),
        version: VERSION.to_string(),
        api_version: API_VERSION.to_string(),
    }
}

/// `GET /health`: the process is up.
pub async fn health() -> Json<Health> {
    Json(health_body("ok"))
}

/// `GET /readiness`: 200 when the node serves requests, 400 while it starts (as Bee).
pub async fn readiness<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    if node.is_ready() {
        Json(health_body("ready")).into_response()
    } else {
        (StatusCode::BAD_REQUEST, Json(health_body("notReady"))).into_response()
    }
}

/// `GET /node`.
pub async fn node_info<B: NodeApi>(State(node): State<Arc<B>>) -> Json<NodeInfo> {
    Json(node.node_info())
}

/// `GET /status`.
pub async fn status<B: NodeApi>(State(node): State<Arc<B>>) -> Result<Response, ApiError> {
    Ok(Json(node.status().await?).into_response())
}

/// `GET /addresses`.
pub async fn addresses<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(node.addresses()).into_response()
}

/// `GET /peers`.
pub async fn peers<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(node.peers()).into_response()
}

/// `GET /topology`.
pub async fn topology<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(node.topology()).into_response()
}

/// `GET /chainstate`.
pub async fn chain_state<B: NodeApi>(State(node): State<Arc<B>>) -> Result<Response, ApiError> {
    Ok(Json(node.chain_state().await?).into_response())
}

/// `GET /reservestate`.
pub async fn reserve_state<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(node.reserve_state()).into_response()
}

/// `GET /wallet`.
pub async fn wallet<B: NodeApi>(State(node): State<Arc<B>>) -> Result<Response, ApiError> {
    Ok(Json(node.wallet().await?).into_response())
}
