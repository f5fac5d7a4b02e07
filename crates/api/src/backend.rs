//! What the API needs from a node. The node crate implements [`NodeApi`]; the API is an HTTP
//! adapter over it and holds no state of its own.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use comb_postage::Stamp;
use comb_primitives::{Chunk, B256, U256};
use futures_util::Stream;

use crate::types::{
    Addresses, Buckets, ChainState, GlobalBatch, Peers, ReserveState, StampBatch, Status, Topology,
    Wallet,
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

/// The node's services as the API uses them. Every method maps to one endpoint family;
/// errors are already [`ApiError`]s with Bee's status codes.
pub trait NodeApi: Send + Sync + 'static {
    /// Whether the node is ready to serve (`/readiness`).
    fn is_ready(&self) -> bool;
    /// `/status`.
    fn status(&self) -> impl Future<Output = Result<Status, ApiError>> + Send;
    /// `/addresses`.
    fn addresses(&self) -> Addresses;
    /// `/peers`.
    fn peers(&self) -> Peers;
    /// `/topology`.
    fn topology(&self) -> Topology;
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
        batch: B256,
        body: BodyStream,
    ) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// The size of the data under a reference.
    fn bytes_size(&self, reference: B256) -> impl Future<Output = Result<u64, ApiError>> + Send;
    /// Streams the data under a reference.
    fn download_bytes(
        &self,
        reference: B256,
    ) -> impl Future<Output = Result<(u64, DataStream), ApiError>> + Send;
    /// Stores and pushes one chunk the client built (CAC or SOC).
    fn upload_chunk(
        &self,
        chunk: Chunk,
        postage: Postage,
    ) -> impl Future<Output = Result<B256, ApiError>> + Send;
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
}
