//! Data endpoints: `/bytes`, `/chunks`, `/envelope`, `/stewardship`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use comb_primitives::{Chunk, CHUNK_SIZE, SPAN_SIZE};
use futures_util::TryStreamExt;

use crate::backend::{BodyStream, Postage};
use crate::params;
use crate::types::{Envelope, ReferenceResponse, Retrievable};
use crate::{ApiError, NodeApi};

fn reference_response(reference: &comb_primitives::B256) -> Response {
    (
        StatusCode::CREATED,
        Json(ReferenceResponse {
            reference: hex::encode(reference),
        }),
    )
        .into_response()
}

/// A request body as the stream the node reads.
pub fn body_stream(body: Body) -> BodyStream {
    Box::pin(body.into_data_stream().map_err(std::io::Error::other))
}

/// `POST /bytes`: splits the body into a chunk tree, stamped with the batch in
/// `swarm-postage-batch-id`.
pub async fn upload_bytes<B: NodeApi>(
    State(node): State<Arc<B>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let options = params::upload_options(&headers)?;
    let uploaded = node.upload_bytes(options, body_stream(body)).await?;
    let mut response = reference_response(&uploaded.reference);
    if let Ok(tag) = axum::http::HeaderValue::from_str(&uploaded.tag.to_string()) {
        response.headers_mut().insert("swarm-tag", tag);
        response.headers_mut().insert(
            "access-control-expose-headers",
            axum::http::HeaderValue::from_static("swarm-tag"),
        );
    }
    Ok(response)
}

/// `GET /bytes/{reference}`: the data, streamed; `Range` gives 206 with the part,
/// `If-None-Match` with the reference gives 304. Chunks missing before the first byte is
/// sent give Bee's 404 JSON; a chunk missing later aborts the connection, so that a client
/// never takes a short body for the whole.
pub async fn download_bytes<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = params::hash("reference", &reference)?;
    params::refuse_unsupported(&headers)?;
    let range = params::range_header(&headers)?;
    let file = node.download_bytes(reference, range).await?;
    let mut response = crate::routes::content::file_response(&headers, file, Vec::new());
    response
        .headers_mut()
        .remove("access-control-expose-headers");
    Ok(response)
}

/// `HEAD /bytes/{reference}`: the headers `GET` would send, without the data.
pub async fn head_bytes<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let reference = params::hash("reference", &reference)?;
    let size = node.bytes_size(reference).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, size.to_string()),
            (header::ACCEPT_RANGES, "bytes".to_string()),
            (header::ETAG, format!("\"{}\"", hex::encode(reference))),
        ],
        Body::empty(),
    )
        .into_response())
}

/// The largest `/chunks` body: a single-owner chunk, `id (32) ‖ signature (65) ‖ span (8) ‖
/// payload (≤ 4096)` (Bee `swarm.SocMaxChunkSize`).
pub const MAX_CHUNK_BODY: usize = 32 + 65 + SPAN_SIZE + CHUNK_SIZE;

/// `POST /chunks`: one chunk the client built, stamped with the batch in
/// `swarm-postage-batch-id` or carrying a client-made stamp in `swarm-postage-stamp`. As in
/// Bee, a body of at most 4104 bytes is a content-addressed chunk (`span ‖ payload`, the
/// payload possibly zero-padded past its span); a longer one, up to 4201 bytes, must be a
/// valid single-owner chunk.
pub async fn upload_chunk<B: NodeApi>(
    State(node): State<Arc<B>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    params::refuse_unsupported(&headers)?;
    let postage = match (
        params::stamp_header(&headers)?,
        params::optional_batch_header(&headers)?,
    ) {
        (Some(stamp), _) => Postage::Stamp(stamp),
        (None, Some(batch)) => Postage::Batch(batch),
        (None, None) => {
            return Err(ApiError::bad_request(
                "invalid header params: swarm-postage-batch-id or swarm-postage-stamp required",
            ))
        }
    };
    let deferred = params::bool_header(&headers, "swarm-deferred-upload", true)?;
    let tag = params::tag_header(&headers)?;
    let data = axum::body::to_bytes(body, MAX_CHUNK_BODY)
        .await
        .map_err(|_| {
            ApiError::too_large(format!("chunk data larger than {MAX_CHUNK_BODY} bytes"))
        })?;
    if data.len() < SPAN_SIZE {
        return Err(ApiError::bad_request(format!(
            "chunk data of {} bytes is shorter than the 8-byte span",
            data.len()
        )));
    }
    let chunk = if data.len() <= SPAN_SIZE + CHUNK_SIZE {
        Chunk::content_from_data(data.to_vec())
            .map_err(|e| ApiError::bad_request(format!("invalid chunk: {e}")))?
    } else {
        comb_primitives::soc::SingleOwnerChunk::parse(&data)
            .map(|soc| soc.to_chunk())
            .and_then(|chunk| {
                comb_primitives::soc::SingleOwnerChunk::from_chunk(&chunk).map(|_| chunk)
            })
            .map_err(|e| ApiError::bad_request(format!("chunk data is invalid: {e}")))?
    };
    let address = node.upload_chunk(chunk, postage, deferred, tag).await?;
    Ok(reference_response(&address))
}

/// `GET /chunks/{address}`: the chunk's wire data.
pub async fn download_chunk<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(address): Path<String>,
) -> Result<Response, ApiError> {
    let address = params::hash("address", &address)?;
    let chunk = node.download_chunk(address).await?;
    Ok((
        [(header::CONTENT_TYPE, "binary/octet-stream")],
        chunk.into_data(),
    )
        .into_response())
}

/// `POST /envelope/{address}`: a stamp for a chunk the client builds.
pub async fn envelope<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(address): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let address = params::hash("address", &address)?;
    let batch = params::batch_header(&headers)?;
    let (stamp, issuer) = node.envelope(batch, address).await?;
    Ok((
        StatusCode::CREATED,
        Json(Envelope {
            issuer: hex::encode(issuer),
            index: hex::encode(stamp.index.to_bytes()),
            timestamp: hex::encode(stamp.timestamp.to_be_bytes()),
            signature: hex::encode(stamp.signature.as_bytes()),
        }),
    )
        .into_response())
}

/// `GET /stewardship/{reference}`.
pub async fn is_retrievable<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(reference): Path<String>,
) -> Result<Json<Retrievable>, ApiError> {
    let reference = params::hash("reference", &reference)?;
    Ok(Json(Retrievable {
        is_retrievable: node.is_retrievable(reference).await?,
    }))
}

/// `PUT /stewardship/{reference}`: re-uploads the content with the batch in the header.
pub async fn reupload<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let reference = params::hash("reference", &reference)?;
    let batch = params::batch_header(&headers)?;
    node.reupload(reference, batch).await?;
    Ok(StatusCode::OK)
}
