//! `/pins` (content kept regardless of eviction) and `/tags` (an upload's progress).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::params;
use crate::types::{PinList, ReferenceResponse, TagInfo, TagList};
use crate::{ApiError, NodeApi};

/// Bee's `{"code", "message"}` body for a successful call.
fn status(code: StatusCode) -> Response {
    (
        code,
        Json(serde_json::json!({
            "code": code.as_u16(),
            "message": code.canonical_reason().unwrap_or(""),
        })),
    )
        .into_response()
}

/// `POST /pins/{reference}`: 201 when newly pinned, 200 when it already was.
pub async fn pin<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let reference = params::hash("reference", &reference)?;
    Ok(if node.pin(reference).await? {
        status(StatusCode::CREATED)
    } else {
        status(StatusCode::OK)
    })
}

/// `DELETE /pins/{reference}`.
pub async fn unpin<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let reference = params::hash("reference", &reference)?;
    node.unpin(reference).await?;
    Ok(status(StatusCode::OK))
}

/// `GET /pins`.
pub async fn list<B: NodeApi>(State(node): State<Arc<B>>) -> Result<Json<PinList>, ApiError> {
    Ok(Json(PinList {
        references: node.pins()?.iter().map(hex::encode).collect(),
    }))
}

/// `GET /pins/check[?ref=]`: one JSON object per line (Bee's stream of
/// `PinIntegrityResponse`), for the pin named by `ref` or for every pin.
pub async fn check<B: NodeApi>(
    State(node): State<Arc<B>>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let reference = match query.get("ref") {
        Some(value) => Some(params::hash("ref", value).map_err(|_| {
            ApiError::bad_request("invalid query params: ref: want 64 hex characters")
        })?),
        None => None,
    };
    let mut body = String::new();
    for line in node.pin_check(reference)? {
        body.push_str(
            &serde_json::to_string(&line).map_err(|e| ApiError::internal(e.to_string()))?,
        );
        body.push('\n');
    }
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

/// `GET /pins/{reference}`: 404 when not pinned.
pub async fn get<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(reference): Path<String>,
) -> Result<Json<ReferenceResponse>, ApiError> {
    let reference = params::hash("reference", &reference)?;
    if !node.is_pinned(reference)? {
        return Err(ApiError::not_found("pin not found"));
    }
    Ok(Json(ReferenceResponse {
        reference: hex::encode(reference),
    }))
}

/// Body of `POST /tags` and `PATCH /tags/{uid}`.
#[derive(Debug, Default, Deserialize)]
pub struct TagAddress {
    /// The reference to bind the tag to.
    #[serde(default)]
    pub address: Option<String>,
}

/// The optional `{"address"}` of a tag request; an empty body (bee-js sends none, and no
/// content type) means no address.
fn tag_address(body: &[u8]) -> Result<Option<comb_primitives::B256>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: TagAddress = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    parsed
        .address
        .filter(|a| !a.is_empty())
        .map(|a| params::hash("address", &a))
        .transpose()
}

/// `POST /tags`.
pub async fn create_tag<B: NodeApi>(
    State(node): State<Arc<B>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let address = tag_address(&body)?;
    Ok((StatusCode::CREATED, Json(node.create_tag(address))).into_response())
}

/// `GET /tags`.
pub async fn tags<B: NodeApi>(State(node): State<Arc<B>>) -> Json<TagList> {
    Json(TagList { tags: node.tags() })
}

/// `GET /tags/{uid}`.
pub async fn tag<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(uid): Path<String>,
) -> Result<Json<TagInfo>, ApiError> {
    Ok(Json(node.tag(params::tag_uid(&uid)?)?))
}

/// `DELETE /tags/{uid}`.
pub async fn delete_tag<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(uid): Path<String>,
) -> Result<StatusCode, ApiError> {
    node.delete_tag(params::tag_uid(&uid)?)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PATCH /tags/{uid}` with `{"address"}`.
pub async fn update_tag<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(uid): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let uid = params::tag_uid(&uid)?;
    let address = tag_address(&body)?
        .ok_or_else(|| ApiError::bad_request("invalid body: address required"))?;
    node.update_tag(uid, address)?;
    Ok(status(StatusCode::OK))
}
