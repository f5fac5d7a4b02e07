//! What the API needs from a node. The node crate implements [`NodeApi`]; the API is an HTTP
//! adapter over it and holds no state of its own.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use comb_postage::Stamp;
use comb_primitives::{Address, Chunk, Signature, B256, U256};
use futures_util::Stream;

use crate::types::{
    Addresses, Buckets, ChainState, GlobalBatch, Peers, ReserveState, StampBatch, Status, TagInfo,
    Topology, Wallet,
};
use crate::ApiError;

/// A request body arriving in pieces.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// A response body leaving in pieces.
pub type DataStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// How a chunk upload is paid for: a batch the node stamps with, or a stamp the client made
/// (from `POST /envelope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Postage {
    /// The node stamps with its own batch.
    Batch(B256),
    /// The client brings a complete stamp.
    Stamp(Stamp),
}

/// The parameters of a batch purchase (`POST /stamps/{amount}/{depth}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyBatch {
    /// PLUR per chunk.
    pub amount: U256,
    /// Depth.
    pub depth: u8,
    /// Immutable flag (header `immutable`).
    pub immutable: bool,
    /// Label (query `label`).
    pub label: String,
}

/// How an upload is paid for and followed (headers `swarm-postage-batch-id`, `swarm-pin`,
/// `swarm-tag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadOptions {
    /// The batch that stamps the chunks.
    pub batch: B256,
    /// Pin the uploaded reference.
    pub pin: bool,
    /// An existing tag to count on; a new one is made when absent.
    pub tag: Option<u64>,
    /// `swarm-deferred-upload` (Bee's default `true`): answer once the chunks are stored
    /// locally and push them in the background; `false` answers only when every chunk has a
    /// receipt from its neighbourhood.
    pub deferred: bool,
}

/// A byte range asked for with `Range: bytes=…` (one range; Bee serves ranges through Go's
/// `http.ServeContent`). It is resolved against the content's size once that is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=start-` or `bytes=start-end` (`end` inclusive).
    From {
        /// First byte.
        start: u64,
        /// Last byte, inclusive; the end of the content when absent.
        end: Option<u64>,
    },
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// The half-open `(start, len)` this range covers in content of `size` bytes, clamped to
    /// the content as RFC 9110 §14.1.2 says; `None` when it is not satisfiable.
    pub fn resolve(&self, size: u64) -> Option<(u64, u64)> {
        match *self {
            ByteRange::From { start, end } => {
                if start >= size {
                    return None;
                }
                let last = end.unwrap_or(u64::MAX).min(size.saturating_sub(1));
                (last >= start).then(|| (start, last - start + 1))
            }
            ByteRange::Suffix(n) => {
                if n == 0 || size == 0 {
                    return None;
                }
                let len = n.min(size);
                Some((size - len, len))
            }
        }
    }
}

/// What `POST /bzz` uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BzzUpload {
    /// One file (`swarm-collection` absent or false).
    File {
        /// File name (query `name`); the data's reference when absent, as in Bee.
        name: Option<String>,
        /// The request's `content-type`.
        content_type: String,
    },
    /// A tar archive of files (`swarm-collection: true`).
    Collection {
        /// `swarm-index-document`.
        index_document: Option<String>,
        /// `swarm-error-document`.
        error_document: Option<String>,
    },
}

/// A finished upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uploaded {
    /// The root reference.
    pub reference: B256,
    /// The tag that counted it.
    pub tag: u64,
}

/// A file served from a manifest, a SOC or a feed.
pub struct FileDownload {
    /// Bytes.
    pub size: u64,
    /// The data.
    pub stream: DataStream,
    /// The entry's `Content-Type` metadata.
    pub content_type: Option<String>,
    /// The entry's file name metadata.
    pub filename: Option<String>,
    /// The data's root reference (the `ETag`).
    pub etag: B256,
    /// The part served, `(start, len)`, when a range was asked for: a 206 answer.
    pub range: Option<(u64, u64)>,
    /// The feed index the content was resolved at, 16 hex characters.
    pub feed_index: Option<String>,
}

/// What `GET /bzz/{ref}/{path}` answers.
pub enum BzzResponse {
    /// A file.
    File(FileDownload),
    /// The path names a directory: redirect to it with a trailing `/`.
    Redirect(String),
}

/// The latest update of a feed.
pub struct FeedUpdate {
    /// Its index.
    pub index: u64,
    /// The index the next update takes.
    pub next: u64,
    /// The update SOC's signature.
    pub signature: Signature,
    /// The update's content: a legacy update's referenced data, else the wrapped chunk's.
    pub content: FileDownload,
    /// The content's root chunk (`span ‖ payload`), served alone for
    /// `Swarm-Only-Root-Chunk: true`.
    pub root: Chunk,
    /// Bee's `Swarm-Feed-Resolved-Version`: `v1` when a legacy payload
    /// (`timestamp ‖ reference`) was resolved to its reference, else `v2`.
    pub resolved_version: &'static str,
}

/// A single-owner chunk as `GET /soc` serves it.
pub struct SocDownload {
    /// The owner's signature.
    pub signature: Signature,
    /// The wrapped data.
    pub content: FileDownload,
}

/// The node's services as the API uses them. Every method maps to one endpoint family;
/// errors are already [`ApiError`]s with Bee's status codes.
pub trait NodeApi:
    crate::incentives::IncentivesApi + crate::architecture::ArchitectureApi + Send + Sync + 'static
{
    /// Whether the node is ready to serve (`/readiness`).
    fn is_ready(&self) -> bool;
    /// `POST /wallet/withdraw/{coin}`: sends `amount` of `coin` from the node's wallet to
    /// `to`, which must be whitelisted; the transaction's hash.
    fn withdraw(
        &self,
        coin: crate::types::Coin,
        amount: U256,
        to: Address,
    ) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `GET /metrics`: the node's metrics in Prometheus' text format
    /// ([`crate::metrics::render`] of its registry, with gauges read now).
    fn metrics(&self) -> impl Future<Output = Result<String, ApiError>> + Send;
    /// The HTTP families the router records into (registered in the node's registry).
    fn http_metrics(&self) -> Arc<crate::metrics::HttpMetrics>;
    /// `/node`: the mode and whether SWAP and a chequebook are on.
    fn node_info(&self) -> crate::types::NodeInfo;
    /// `/status`.
    fn status(&self) -> impl Future<Output = Result<Status, ApiError>> + Send;
    /// `/status/peers`: each connected full-node peer asked for its status snapshot over
    /// the status protocol (10 s each, all at once).
    fn peer_statuses(&self) -> impl Future<Output = crate::types::StatusPeers> + Send;
    /// `/status/neighborhoods`: the neighbourhoods the reserve covers, with their item counts
    /// (Bee's `NeighborhoodsStat`).
    fn neighborhoods(&self) -> Result<crate::types::Neighborhoods, ApiError>;
    /// `GET /loggers[/{exp}]`: the loggers whose id is the expression or matches it (all
    /// without one); `exp` as the path gives it, URL-safe base64.
    fn loggers(&self, exp: Option<&str>) -> Result<crate::types::Loggers, ApiError>;
    /// `PUT /loggers/{exp}/{verbosity}`: sets the verbosity of the matching loggers.
    fn set_logger_verbosity(&self, exp: &str, verbosity: &str) -> Result<(), ApiError>;
    /// `/addresses`.
    fn addresses(&self) -> Addresses;
    /// `/peers`.
    fn peers(&self) -> Peers;
    /// `/topology`.
    fn topology(&self) -> Topology;
    /// `POST /connect/{multiaddr}`: dials `address` (a multiaddress, as the path gives it)
    /// and returns the peer's overlay once the handshake completed (400 for an address that
    /// does not parse, 500 when the connection fails, as Bee).
    fn connect(&self, address: String) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `DELETE /peers/{address}`: closes the connections to a connected peer (404 for
    /// another).
    fn disconnect(&self, overlay: B256) -> Result<(), ApiError>;
    /// `GET /blocklist`.
    fn blocklist(&self) -> crate::types::Blocklist;
    /// `GET /welcome-message`: the message sent in handshakes.
    fn welcome_message(&self) -> String;
    /// `POST /welcome-message`: the greeting of the handshakes from now on.
    fn set_welcome_message(&self, message: &str) -> Result<(), ApiError>;
    /// `POST /pingpong/{address}`: the mean round trip of Bee's pingpong greetings to a
    /// connected peer (404 when it is not connected).
    fn ping(
        &self,
        overlay: B256,
    ) -> impl Future<Output = Result<std::time::Duration, ApiError>> + Send;
    /// `/chainstate`.
    fn chain_state(&self) -> impl Future<Output = Result<ChainState, ApiError>> + Send;
    /// `/reservestate`.
    fn reserve_state(&self) -> ReserveState;
    /// `/wallet`.
    fn wallet(&self) -> impl Future<Output = Result<Wallet, ApiError>> + Send;

    /// Buys a batch; returns its id and the transaction hash.
    fn buy_batch(
        &self,
        order: BuyBatch,
    ) -> impl Future<Output = Result<(B256, B256), ApiError>> + Send;
    /// Tops a batch up by `amount` PLUR per chunk.
    fn top_up(&self, id: B256, amount: U256)
        -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// Increases a batch's depth.
    fn dilute(&self, id: B256, depth: u8) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// The node's own batches.
    fn own_batches(&self) -> impl Future<Output = Result<Vec<StampBatch>, ApiError>> + Send;
    /// Bucket usage of an own batch.
    fn buckets(&self, id: B256) -> Result<Buckets, ApiError>;
    /// Every live batch on chain.
    fn all_batches(&self) -> impl Future<Output = Result<Vec<GlobalBatch>, ApiError>> + Send;

    /// Splits, stamps, stores and pushes a byte stream; returns its reference.
    fn upload_bytes(
        &self,
        options: UploadOptions,
        body: BodyStream,
    ) -> impl Future<Output = Result<Uploaded, ApiError>> + Send;
    /// The size of the data under a reference.
    fn bytes_size(&self, reference: B256) -> impl Future<Output = Result<u64, ApiError>> + Send;
    /// Streams the data under a reference, or the part `range` names.
    fn download_bytes(
        &self,
        reference: B256,
        range: Option<ByteRange>,
    ) -> impl Future<Output = Result<FileDownload, ApiError>> + Send;
    /// Stores and pushes one chunk the client built (CAC or SOC): queued for the pusher when
    /// `deferred`, else pushed before the answer; counted in tag `tag` if given (404 for an
    /// unknown tag).
    fn upload_chunk(
        &self,
        chunk: Chunk,
        postage: Postage,
        deferred: bool,
        tag: Option<u64>,
    ) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// Whether `batch` can stamp uploads now (the node owns it and it is usable), and `tag`,
    /// if given, exists: what `GET /chunks/stream` checks before it upgrades (Bee: 404 for a
    /// batch or tag not found, 422 for a batch not usable yet).
    fn check_upload(
        &self,
        batch: B256,
        tag: Option<u64>,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// One chunk's wire data.
    fn download_chunk(&self, address: B256)
        -> impl Future<Output = Result<Chunk, ApiError>> + Send;
    /// Stamps `address` with `batch` without storing anything; returns the stamp and the
    /// issuer (the batch owner's 20-byte Ethereum address).
    fn envelope(
        &self,
        batch: B256,
        address: B256,
    ) -> impl Future<Output = Result<(Stamp, Vec<u8>), ApiError>> + Send;
    /// Whether every chunk under the reference can be retrieved from the network.
    fn is_retrievable(
        &self,
        reference: B256,
    ) -> impl Future<Output = Result<bool, ApiError>> + Send;
    /// Pushes every chunk under the reference again, re-stamped with `batch`.
    fn reupload(
        &self,
        reference: B256,
        batch: B256,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// `POST /bzz`: a file or a tar collection, with its manifest.
    fn upload_bzz(
        &self,
        options: UploadOptions,
        kind: BzzUpload,
        body: BodyStream,
    ) -> impl Future<Output = Result<Uploaded, ApiError>> + Send;
    /// `GET /bzz/{reference}/{path}`, the whole file or the part `range` names.
    fn download_bzz(
        &self,
        reference: B256,
        path: String,
        range: Option<ByteRange>,
    ) -> impl Future<Output = Result<BzzResponse, ApiError>> + Send;
    /// `POST /soc/{owner}/{id}?sig=`: `data` is the wrapped chunk (span ‖ payload). A
    /// signature that does not recover to `owner` is refused.
    fn upload_soc(
        &self,
        owner: Address,
        id: B256,
        signature: Signature,
        data: Vec<u8>,
        options: UploadOptions,
    ) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `GET /soc/{owner}/{id}`.
    fn download_soc(
        &self,
        owner: Address,
        id: B256,
    ) -> impl Future<Output = Result<SocDownload, ApiError>> + Send;
    /// `POST /feeds/{owner}/{topic}`: stores the feed's root manifest.
    fn create_feed_manifest(
        &self,
        owner: Address,
        topic: Vec<u8>,
        options: UploadOptions,
    ) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `GET /feeds/{owner}/{topic}`: the latest update (404 when there is none).
    fn feed_lookup(
        &self,
        owner: Address,
        topic: Vec<u8>,
    ) -> impl Future<Output = Result<FeedUpdate, ApiError>> + Send;
    /// `POST /pins/{reference}`: pins everything under the reference; `false` when it was
    /// already pinned.
    fn pin(&self, reference: B256) -> impl Future<Output = Result<bool, ApiError>> + Send;
    /// `DELETE /pins/{reference}`.
    fn unpin(&self, reference: B256) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `GET /pins`.
    fn pins(&self) -> Result<Vec<B256>, ApiError>;
    /// `GET /pins/{reference}`.
    fn is_pinned(&self, reference: B256) -> Result<bool, ApiError>;
    /// `GET /pins/check[?ref=]`: the integrity of one pin, or of every pin.
    fn pin_check(
        &self,
        reference: Option<B256>,
    ) -> Result<Vec<crate::types::PinIntegrity>, ApiError>;
    /// `POST /tags`.
    fn create_tag(&self, address: Option<B256>) -> TagInfo;
    /// `GET /tags/{uid}`.
    fn tag(&self, uid: u64) -> Result<TagInfo, ApiError>;
    /// `GET /tags`.
    fn tags(&self) -> Vec<TagInfo>;
    /// `DELETE /tags/{uid}`.
    fn delete_tag(&self, uid: u64) -> Result<(), ApiError>;
    /// `PATCH /tags/{uid}`: binds the tag to a reference.
    fn update_tag(&self, uid: u64, address: B256) -> Result<(), ApiError>;
}
