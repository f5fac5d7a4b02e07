//! Node status endpoints: `/health`, `/readiness`, `/node`, `/status`, `/addresses`,
//! `/peers`, `/topology`, `/chainstate`, `/reservestate`, `/wallet`.

use std::collections::HashMap;
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

/// `GET /status/neighborhoods`.
pub async fn neighborhoods<B: NodeApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<crate::types::Neighborhoods>, ApiError> {
    Ok(Json(node.neighborhoods()?))
}

/// `GET /loggers`.
pub async fn loggers<B: NodeApi>(
    State(node): State<Arc<B>>,
) -> Result<Json<crate::types::Loggers>, ApiError> {
    Ok(Json(node.loggers(None)?))
}

/// `GET /loggers/{exp}`.
pub async fn loggers_matching<B: NodeApi>(
    State(node): State<Arc<B>>,
    axum::extract::Path(exp): axum::extract::Path<String>,
) -> Result<Json<crate::types::Loggers>, ApiError> {
    Ok(Json(node.loggers(Some(&exp))?))
}

/// `PUT /loggers/{exp}/{verbosity}`: Bee answers `{"message":"OK","code":200}`.
pub async fn set_logger_verbosity<B: NodeApi>(
    State(node): State<Arc<B>>,
    axum::extract::Path((exp, verbosity)): axum::extract::Path<(String, String)>,
) -> Result<Response, ApiError> {
    node.set_logger_verbosity(&exp, &verbosity)?;
    Ok(Json(serde_json::json!({"message": "OK", "code": 200})).into_response())
}

/// `GET /addresses`.
pub async fn addresses<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(node.addresses()).into_response()
}

/// `GET /peers`.
pub async fn peers<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(node.peers()).into_response()
}

/// `POST /pingpong/{address}` (Bee's `RttMs`: `{"rtt": "<Go duration>"}`).
pub async fn pingpong<B: NodeApi>(
    State(node): State<Arc<B>>,
    axum::extract::Path(address): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let overlay = crate::params::hash("address", &address)?;
    let rtt = node.ping(overlay).await?;
    Ok(Json(serde_json::json!({ "rtt": go_duration(rtt) })).into_response())
}

/// A duration as Go's `time.Duration.String` writes it (Bee's API sends durations so):
/// under a second in the largest of ns, µs and ms that keeps the value ≥ 1, with the
/// fraction's trailing zeros dropped ("850ns", "1.5µs", "12.345678ms"); from a second on as
/// hours, minutes and seconds ("1.5s", "2m3.25s", "1h0m0s").
pub fn go_duration(duration: std::time::Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".to_string();
    }
    let fraction = |value: u128, unit: u128, digits: usize, suffix: &str| {
        let whole = value / unit;
        let rest = value % unit;
        if rest == 0 {
            format!("{whole}{suffix}")
        } else {
            let rest = format!("{rest:0digits$}");
            format!("{whole}.{}{suffix}", rest.trim_end_matches('0'))
        }
    };
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return fraction(nanos, 1_000, 3, "µs");
    }
    if nanos < 1_000_000_000 {
        return fraction(nanos, 1_000_000, 6, "ms");
    }
    let seconds = nanos / 1_000_000_000;
    let sub = nanos % 1_000_000_000;
    let (hours, minutes, secs) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    let secs = fraction(secs * 1_000_000_000 + sub, 1_000_000_000, 9, "s");
    match (hours, minutes) {
        (0, 0) => secs,
        (0, m) => format!("{m}m{secs}"),
        (h, m) => format!("{h}h{m}m{secs}"),
    }
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

/// `GET /status/peers`.
pub async fn status_peers<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(node.peer_statuses().await).into_response()
}

/// `GET /`: Bee's greeting, which bee-js' `checkConnection` looks for.
pub async fn root() -> &'static str {
    "Ethereum Swarm Bee\n"
}

/// `POST /wallet/withdraw/{coin}?amount=&address=` (Bee's `walletWithdrawHandler`).
pub async fn withdraw<B: NodeApi>(
    State(node): State<Arc<B>>,
    axum::extract::Path(coin): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let amount = query
        .get("amount")
        .ok_or_else(|| ApiError::bad_request("invalid query params: amount is required"))
        .and_then(|value| crate::params::amount("amount", value))?;
    let address = query
        .get("address")
        .ok_or_else(|| ApiError::bad_request("invalid query params: address is required"))
        .and_then(|value| crate::params::address("query", "address", value))?;
    let coin = if coin.eq_ignore_ascii_case("bzz") {
        crate::types::Coin::Bzz
    } else if coin.eq_ignore_ascii_case("nativetoken") {
        crate::types::Coin::NativeToken
    } else {
        return Err(ApiError::bad_request(
            "only BZZ or NativeToken options are accepted",
        ));
    };
    let hash = node.withdraw(coin, amount, address).await?;
    Ok(Json(crate::types::TransactionHash {
        transaction_hash: format!("{hash:#x}"),
    })
    .into_response())
}

/// `GET /transactions`. comb's node sends a transaction and waits until it is mined
/// (`ChainClient::send` returns its receipt), so nothing is ever pending: the list is empty,
/// as Bee's is when every transaction went through.
pub async fn transactions() -> Json<crate::types::PendingTransactions> {
    Json(crate::types::PendingTransactions {
        pending_transactions: Vec::new(),
    })
}

/// `GET`, `POST` (resend) and `DELETE` (cancel) `/transactions/{hash}`: with nothing
/// pending (see [`transactions`]) every hash is Bee's 404 `unknown transaction`; a hash
/// that is not 32 bytes of hex is 400.
pub async fn transaction(
    axum::extract::Path(hash): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    crate::params::hash("hash", &hash)?;
    Err(ApiError::not_found("unknown transaction"))
}

/// `GET /metrics`: Prometheus' text format.
pub async fn metrics<B: NodeApi>(State(node): State<Arc<B>>) -> Result<Response, ApiError> {
    let text = node.metrics().await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            crate::metrics::CONTENT_TYPE,
        )],
        text,
    )
        .into_response())
}

/// `GET /robots.txt`: nothing to index (Bee's answer).
pub async fn robots() -> &'static str {
    "User-agent: *\nDisallow: /\n"
}

/// `POST /connect/{multiaddr}`: `{"address": overlay}` once connected.
pub async fn connect<B: NodeApi>(
    State(node): State<Arc<B>>,
    axum::extract::Path(address): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let overlay = node.connect(format!("/{address}")).await?;
    Ok(Json(serde_json::json!({ "address": hex::encode(overlay) })).into_response())
}

/// `DELETE /peers/{address}`: Bee's `{"code": 200, "message": "OK"}`.
pub async fn disconnect<B: NodeApi>(
    State(node): State<Arc<B>>,
    axum::extract::Path(address): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let overlay = crate::params::hash("address", &address)?;
    node.disconnect(overlay)?;
    Ok(Json(serde_json::json!({ "code": 200, "message": "OK" })).into_response())
}

/// `GET /blocklist`.
pub async fn blocklist<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(node.blocklist()).into_response()
}

/// `GET /welcome-message`: `{"welcomeMessage": …}`.
pub async fn welcome_message<B: NodeApi>(State(node): State<Arc<B>>) -> Response {
    Json(serde_json::json!({ "welcomeMessage": node.welcome_message() })).into_response()
}

/// `POST /welcome-message` with `{"welcomeMessage": "…"}`: Bee's `{"code": 200, "message":
/// "OK"}`. A message over 140 bytes is the client's mistake, 400 (Bee answers 500).
pub async fn set_welcome_message<B: NodeApi>(
    State(node): State<Arc<B>>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    struct Request {
        #[serde(rename = "welcomeMessage")]
        welcome_message: String,
    }
    let request: Request = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    node.set_welcome_message(&request.welcome_message)?;
    Ok(Json(serde_json::json!({ "code": 200, "message": "OK" })).into_response())
}

#[cfg(test)]
mod tests {
    use super::go_duration;
    use std::time::Duration;

    /// Go's `time.Duration.String` for these values (from Go's `time` package docs and
    /// behaviour): "0s", "850ns", "1µs", "1.5µs", "12.345678ms", "1s", "1.5s", "2m3.25s",
    /// "1h0m0s".
    #[test]
    fn durations_read_as_go_writes_them() {
        for (duration, go) in [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(850), "850ns"),
            (Duration::from_nanos(1_000), "1µs"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_nanos(12_345_678), "12.345678ms"),
            (Duration::from_secs(1), "1s"),
            (Duration::from_millis(1_500), "1.5s"),
            (Duration::from_millis(123_250), "2m3.25s"),
            (Duration::from_secs(3600), "1h0m0s"),
        ] {
            assert_eq!(go_duration(duration), go);
        }
    }
}
