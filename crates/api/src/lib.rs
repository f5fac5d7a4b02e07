//! comb's HTTP API in Bee's shape: the same paths, headers, status codes and JSON field names
//! as Bee's OpenAPI, so that Bee's own JavaScript client (`@ethersphere/bee-js` 12) works
//! against a comb node unchanged. Errors are Bee's `{"code", "message"}` JSON with the right
//! 4xx. The API holds no state: every handler calls the node through [`NodeApi`].

pub mod architecture;
pub mod backend;
pub mod cors;
mod error;
pub mod incentives;
pub mod metrics;
pub mod params;
pub mod routes;
pub mod swap;
pub mod types;

use std::future::Future;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::Router;
use tokio::net::TcpListener;

pub use backend::{
    BodyStream, BuyBatch, ByteRange, BzzResponse, BzzUpload, DataStream, FeedUpdate, FileDownload,
    NodeApi, Postage, SocDownload, UploadOptions, Uploaded,
};
pub use error::ApiError;
pub use swap::SwapApi;

/// The node version reported by `/health`.
pub const VERSION: &str = concat!("comb-", env!("CARGO_PKG_VERSION"));
/// The Bee API version this API follows: Bee 2.7.0's, which `@ethersphere/bee-js` 12.1.0
/// (the 12.x release installable from the npm registry here) supports; bee-js compares the
/// major version.
pub const API_VERSION: &str = "7.3.0";

/// The router with every endpoint, over a node.
pub fn router<B: NodeApi + SwapApi>(node: Arc<B>) -> Router {
    use routes::{architecture, content, data, pins, stake, stamps, status};
    Router::new()
        .route("/", get(status::root))
        .route("/robots.txt", get(status::robots))
        .route("/connect/{*address}", post(status::connect::<B>))
        .route(
            "/peers/{address}",
            axum::routing::delete(status::disconnect::<B>),
        )
        .route("/blocklist", get(status::blocklist::<B>))
        .route(
            "/welcome-message",
            get(status::welcome_message::<B>).post(status::set_welcome_message::<B>),
        )
        .route("/health", get(status::health))
        .route("/readiness", get(status::readiness::<B>))
        .route("/node", get(status::node_info::<B>))
        .route("/status", get(status::status::<B>))
        .route("/status/peers", get(status::status_peers::<B>))
        .route("/status/neighborhoods", get(status::neighborhoods::<B>))
        .route("/loggers", get(status::loggers::<B>))
        .route("/loggers/{exp}", get(status::loggers_matching::<B>))
        .route(
            "/loggers/{exp}/{verbosity}",
            axum::routing::put(status::set_logger_verbosity::<B>),
        )
        .route("/addresses", get(status::addresses::<B>))
        .route("/peers", get(status::peers::<B>))
        .route("/topology", get(status::topology::<B>))
        .route("/pingpong/{address}", post(status::pingpong::<B>))
        .route("/chainstate", get(status::chain_state::<B>))
        .route("/reservestate", get(status::reserve_state::<B>))
        .route("/wallet", get(status::wallet::<B>))
        .route("/wallet/withdraw/{coin}", post(status::withdraw::<B>))
        .route("/transactions", get(status::transactions))
        .route(
            "/transactions/{hash}",
            get(status::transaction)
                .post(status::transaction)
                .delete(status::transaction),
        )
        .route("/stamps", get(stamps::list::<B>))
        .route("/stamps/{id}", get(stamps::get::<B>))
        .route("/stamps/{id}/buckets", get(stamps::buckets::<B>))
        .route("/stamps/{amount}/{depth}", post(stamps::buy::<B>))
        .route("/stamps/topup/{id}/{amount}", patch(stamps::top_up::<B>))
        .route("/stamps/dilute/{id}/{depth}", patch(stamps::dilute::<B>))
        .route("/batches", get(stamps::all::<B>))
        .route("/bytes", post(data::upload_bytes::<B>))
        .route(
            "/bytes/{reference}",
            get(data::download_bytes::<B>).head(data::head_bytes::<B>),
        )
        .route("/chunks", post(data::upload_chunk::<B>))
        .route("/chunks/stream", get(routes::stream::chunk_stream::<B>))
        .route("/chunks/{address}", get(data::download_chunk::<B>))
        .route("/envelope/{address}", post(data::envelope::<B>))
        .route(
            "/stewardship/{reference}",
            get(data::is_retrievable::<B>).put(data::reupload::<B>),
        )
        .route("/bzz", post(content::upload::<B>))
        .route("/bzz/{reference}", get(content::download_root::<B>))
        .route("/bzz/{reference}/", get(content::download_root::<B>))
        .route("/bzz/{reference}/{*path}", get(content::download_path::<B>))
        .route(
            "/soc/{owner}/{id}",
            post(content::upload_soc::<B>).get(content::download_soc::<B>),
        )
        .route(
            "/feeds/{owner}/{topic}",
            post(content::create_feed::<B>).get(content::feed::<B>),
        )
        .route("/pins", get(pins::list::<B>))
        .route("/pins/check", get(pins::check::<B>))
        .route(
            "/pins/{reference}",
            post(pins::pin::<B>)
                .delete(pins::unpin::<B>)
                .get(pins::get::<B>),
        )
        .route("/tags", post(pins::create_tag::<B>).get(pins::tags::<B>))
        .route(
            "/tags/{uid}",
            get(pins::tag::<B>)
                .delete(pins::delete_tag::<B>)
                .patch(pins::update_tag::<B>),
        )
        .route(
            "/redistributionstate",
            get(stake::redistribution_state::<B>),
        )
        .route(
            "/stake",
            get(stake::staked::<B>).delete(stake::migrate::<B>),
        )
        .route("/stake/{amount}", post(stake::deposit::<B>))
        .route(
            "/stake/withdrawable",
            get(stake::withdrawable::<B>).delete(stake::withdraw::<B>),
        )
        .route(
            "/rchash/{depth}/{anchor1}/{anchor2}",
            get(stake::rchash::<B>),
        )
        .route("/staking/parameters", get(architecture::parameters::<B>))
        .route("/staking/provider", get(architecture::own_provider::<B>))
        .route(
            "/staking/provider/{address}",
            get(architecture::provider::<B>),
        )
        .route(
            "/staking/challenges",
            get(architecture::challenges::<B>).post(architecture::open_challenge::<B>),
        )
        .route(
            "/staking/challenges/{id}/settle",
            post(architecture::settle_challenge::<B>),
        )
        .route("/staking/user", get(architecture::own_user_stake::<B>))
        .route(
            "/staking/user/{address}",
            get(architecture::user_stake::<B>),
        )
        .route(
            "/staking/user/stake/{amount}",
            post(architecture::stake_user::<B>),
        )
        .route("/staking/user/unbond", post(architecture::unbond_user::<B>))
        .route(
            "/staking/user/withdraw",
            post(architecture::withdraw_user::<B>),
        )
        .route(
            "/staking/user/rewards",
            post(architecture::claim_user_rewards::<B>),
        )
        .route(
            "/governance/proposals",
            get(architecture::proposals::<B>).post(architecture::propose::<B>),
        )
        .route(
            "/governance/proposals/{id}/vote/{choice}",
            post(architecture::vote::<B>),
        )
        .route(
            "/governance/proposals/{id}/execute",
            post(architecture::execute::<B>),
        )
        .route("/metrics", get(status::metrics::<B>))
        .merge(routes::swap::routes::<B>())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "Not Found") })
        // Every route and the fallback (`unmatched`), after routing so the pattern is known.
        .layer(axum::middleware::from_fn_with_state(
            node.http_metrics(),
            metrics::track,
        ))
        .with_state(node)
}

/// Serves the API on `listener`, with CORS for the origins in `cors`, until `shutdown`
/// resolves.
pub async fn serve<B: NodeApi + SwapApi>(
    listener: TcpListener,
    node: Arc<B>,
    cors: cors::Cors,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use tower_layer::Layer;
    // Around the router, not inside it (`Router::layer`): there axum adds the `Allow`
    // header of a 405 only after the middleware ran, and the preflight needs it.
    // The chunk stream checks a WebSocket's origin against the same configuration.
    let router = router(node).layer(axum::Extension(cors.clone()));
    let app = axum::middleware::from_fn_with_state(cors, cors::layer).layer(router);
    axum::serve(
        listener,
        axum::ServiceExt::<axum::extract::Request>::into_make_service(app),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
