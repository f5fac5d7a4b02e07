//! `GET /chunks/stream`: chunks uploaded over a WebSocket (Bee v2.7 `chunkUploadStreamHandler`).
//!
//! The headers are checked before the upgrade, with Bee's HTTP errors: `swarm-postage-batch-id`
//! is required (400), the batch must be the node's and usable (404 / 422), a `swarm-tag` must
//! exist (404). A request from another origin is refused with 403 unless `cors-allowed-origins`
//! allows it (Bee's `checkOrigin`). After the upgrade every binary message is one content-
//! addressed chunk, span ‖ payload; each is stamped with the batch, stored and queued for the
//! pusher, then acknowledged with an empty binary message. A text message closes the socket
//! with 1003 "invalid message"; a message shorter than the span or not a chunk closes it; a
//! chunk that cannot be stamped or stored closes it with 1011 ("batch is overissued" for a full
//! bucket, else "chunk write error"), as Bee does.
//!
//! Bee pushes a stream without a tag "directly", but it acknowledges each chunk before the push
//! and never reports a failed push to the client. comb queues every chunk for its pusher, which
//! starts on it at once and retries until a receipt comes back: to the client the two look
//! alike, and no chunk is lost to a failed push. With a tag the chunks count in it.

use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use comb_primitives::{Chunk, B256, CHUNK_SIZE, SPAN_SIZE};

use crate::backend::Postage;
use crate::cors::Cors;
use crate::params;
use crate::{ApiError, NodeApi};

/// WebSocket close code of a message that is not binary (RFC 6455 §7.4.1, 1003).
const CLOSE_UNSUPPORTED_DATA: u16 = 1003;
/// WebSocket close code of a server failure (1011).
const CLOSE_INTERNAL_ERROR: u16 = 1011;

/// `GET /chunks/stream`.
pub async fn chunk_stream<B: NodeApi>(
    State(node): State<Arc<B>>,
    cors: Option<Extension<Cors>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let batch = params::batch_header(&headers)?;
    let tag = params::tag_header(&headers)?;
    node.check_upload(batch, tag).await?;
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
    {
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok());
        let cors = cors.map(|Extension(cors)| cors).unwrap_or_default();
        if !cors.allows(origin, host) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "websocket: request origin not allowed",
            ));
        }
    }
    let upgrade = upgrade.map_err(|e| ApiError::bad_request(format!("upgrade failed: {e}")))?;
    Ok(upgrade
        .max_message_size(SPAN_SIZE + CHUNK_SIZE)
        .on_upgrade(move |socket| upload_stream(node, socket, batch, tag)))
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// Reads chunks until the client closes, or a message ends the stream.
async fn upload_stream<B: NodeApi>(
    node: Arc<B>,
    mut socket: WebSocket,
    batch: B256,
    tag: Option<u64>,
) {
    while let Some(Ok(message)) = socket.recv().await {
        let data = match message {
            Message::Binary(data) => data,
            Message::Text(_) => {
                close(&mut socket, CLOSE_UNSUPPORTED_DATA, "invalid message").await;
                return;
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Close(_) => return,
        };
        if data.len() < SPAN_SIZE {
            return;
        }
        let Ok(chunk) = Chunk::content_from_data(data.to_vec()) else {
            return;
        };
        if let Err(error) = node
            .upload_chunk(chunk, Postage::Batch(batch), true, tag)
            .await
        {
            let reason = if error.status == StatusCode::PAYMENT_REQUIRED {
                "batch is overissued"
            } else {
                "chunk write error"
            };
            close(&mut socket, CLOSE_INTERNAL_ERROR, reason).await;
            return;
        }
        if socket
            .send(Message::Binary(bytes::Bytes::new()))
            .await
            .is_err()
        {
            return;
        }
    }
}
