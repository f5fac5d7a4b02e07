//! Response bodies with Bee's JSON field names, as `@ethersphere/bee-js` 12 validates them.
//! Token amounts are strings of decimal digits; addresses and hashes are lowercase hex.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /health` and `GET /readiness`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `"ok"` for health; `"ready"` or `"notReady"` for readiness.
    pub status: String,
    /// The node's version.
    pub version: String,
    /// The API version it speaks (Bee's numbering).
    pub api_version: String,
}

/// `GET /node`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    /// `"full"`, `"light"`, `"ultra-light"` or `"dev"`.
    pub bee_mode: String,
    /// Whether the node has a chequebook.
    pub chequebook_enabled: bool,
    /// Whether SWAP settlement is on.
    pub swap_enabled: bool,
}

/// `GET /status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Overlay address (hex).
    pub overlay: String,
    /// Proximity of the peer reporting to this node (256 for the node itself, as Bee).
    pub proximity: u16,
    /// Mode, as in [`NodeInfo`].
    pub bee_mode: String,
    /// Chunks in the reserve.
    pub reserve_size: u64,
    /// Chunks in the reserve within the storage radius.
    pub reserve_size_within_radius: u64,
    /// Chunks per second being pulled.
    pub pullsync_rate: f64,
    /// Storage radius.
    pub storage_radius: u8,
    /// Connected peers.
    pub connected_peers: u64,
    /// Peers in the neighbourhood.
    pub neighborhood_size: u64,
    /// Σ 2^depth over all batches.
    pub batch_commitment: u64,
    /// Whether the node is reachable from outside.
    pub is_reachable: bool,
    /// Last block the batch store has processed.
    pub last_synced_block: u64,
    /// Storage radius plus reserve doublings.
    pub committed_depth: u8,
    /// Whether the node is still warming up.
    pub is_warming_up: bool,
    /// `/status/peers` only: the peer's snapshot did not come (its other fields are then
    /// zero). Left out when false, as Bee does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub request_failed: bool,
}

/// `GET /status/peers`: every connected full-node peer's own status snapshot, nearest
/// bin last (sorted by proximity, as Bee).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StatusPeers {
    /// The snapshots.
    pub snapshots: Vec<Status>,
}

/// One neighbourhood of `GET /status/neighborhoods` (Bee v2.7 `statusNeighborhoodResponse`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NeighborhoodStatus {
    /// The neighbourhood's prefix as a bit string of committed-depth bits ("0110…").
    pub neighborhood: String,
    /// Reserve items whose address falls in the neighbourhood.
    pub reserve_size_within_radius: u64,
    /// Proximity of the neighbourhood to the node's overlay, at most the committed depth.
    pub proximity: u8,
}

/// `GET /status/neighborhoods`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Neighborhoods {
    /// One per neighbourhood the node stores for (`2^capacity doubling` of them).
    pub neighborhoods: Vec<NeighborhoodStatus>,
}

/// One logger of `GET /loggers` (Bee v2.7 `loggerInfo`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoggerInfo {
    /// The logger's name, its path with `/` between the parts (comb: the tracing target with
    /// `/` for `::`).
    pub logger: String,
    /// `none`, `error`, `warning`, `info`, `debug` or `all`.
    pub verbosity: String,
    /// The logger's id, what an expression is matched against (comb: the tracing target).
    pub subsystem: String,
    /// The subsystem in URL-safe base64, what `/loggers/{exp}` takes.
    pub id: String,
}

/// One level of the `GET /loggers` tree (Bee's `data`): the loggers named by the path so far
/// (`"verbosity|id"`), and the next level.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoggerNode {
    /// The next path part.
    #[serde(rename = "/", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub next: BTreeMap<String, LoggerNode>,
    /// `"verbosity|id"` of the loggers whose path ends here.
    #[serde(rename = "+", default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

/// `GET /loggers`, `GET /loggers/{exp}` (Bee's `loggerResult`; `loggers` is `null` when
/// nothing matched, as Bee's empty Go slice).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Loggers {
    /// The loggers as a tree of their path parts.
    pub tree: BTreeMap<String, LoggerNode>,
    /// The loggers, flat.
    pub loggers: Option<Vec<LoggerInfo>>,
}

/// `GET /addresses`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Addresses {
    /// Overlay (hex).
    pub overlay: String,
    /// Multiaddresses the node listens on.
    pub underlay: Vec<String>,
    /// Ethereum address (0x hex).
    pub ethereum: String,
    /// Compressed secp256k1 public key (hex).
    pub public_key: String,
    /// Public key used for PSS (the same key).
    pub pss_public_key: String,
}

/// One peer in `GET /peers`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Peer {
    /// Overlay (hex).
    pub address: String,
    /// Whether it is a full node.
    pub full_node: bool,
}

/// A refused peer in `GET /blocklist` (Bee's `BlockListedPeer`: the peer's fields inline).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BlocklistedPeer {
    /// Overlay (hex).
    pub address: String,
    /// Whether it is a full node.
    pub full_node: bool,
    /// Why it is refused.
    pub reason: String,
    /// Seconds it stays refused.
    pub duration: u64,
}

/// `GET /blocklist`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Blocklist {
    /// Refused peers.
    pub peers: Vec<BlocklistedPeer>,
}

/// `GET /peers`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Peers {
    /// Connected peers.
    pub peers: Vec<Peer>,
}

/// A peer address in a topology bin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BinPeer {
    /// Overlay (hex).
    pub address: String,
}

/// One proximity-order bin in `GET /topology`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Bin {
    /// Known peers in the bin.
    pub population: u64,
    /// Connected peers in the bin.
    pub connected: u64,
    /// The connected peers.
    pub connected_peers: Vec<BinPeer>,
    /// Known but not connected peers.
    pub disconnected_peers: Vec<BinPeer>,
}

/// `GET /topology`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Topology {
    /// The node's overlay (hex).
    pub base_addr: String,
    /// Known peers.
    pub population: u64,
    /// Connected peers.
    pub connected: u64,
    /// Time of the snapshot (RFC 3339).
    pub timestamp: String,
    /// Peers wanted in the neighbourhood.
    pub nn_low_watermark: u64,
    /// Neighbourhood depth.
    pub depth: u8,
    /// `"Public"`, `"Private"` or `"Unknown"`.
    pub reachability: String,
    /// `"Available"`, `"Unavailable"` or `"Unknown"`.
    pub network_availability: String,
    /// Bins `bin_0` … `bin_31`.
    pub bins: std::collections::BTreeMap<String, Bin>,
}

/// `GET /chainstate`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ChainState {
    /// Last block the node has processed.
    pub block: u64,
    /// The chain's latest block.
    pub chain_tip: u64,
    /// Cumulative per-chunk payout (PLUR, decimal).
    pub total_amount: String,
    /// PLUR per chunk per block (decimal).
    pub current_price: String,
    /// Blocks a new batch must at least pay for.
    pub minimum_validity_blocks: u64,
}

/// `GET /reservestate`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ReserveState {
    /// Σ 2^depth over all batches.
    pub commitment: u64,
    /// Reserve radius from the batches.
    pub radius: u8,
    /// Storage radius.
    pub storage_radius: u8,
    /// Reserve doublings.
    pub reserve_capacity_doubling: u8,
}

/// `GET /wallet`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Wallet {
    /// BZZ balance in PLUR (decimal).
    pub bzz_balance: String,
    /// Native token balance in wei (decimal).
    pub native_token_balance: String,
    /// Chain id.
    #[serde(rename = "chainID")]
    pub chain_id: u64,
    /// Chequebook address (0x hex; zero address if none).
    pub chequebook_contract_address: String,
    /// The node's wallet address (0x hex).
    pub wallet_address: String,
}

/// A batch this node owns, as `GET /stamps` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StampBatch {
    /// Batch id (hex).
    #[serde(rename = "batchID")]
    pub batch_id: String,
    /// The fullest bucket's count.
    pub utilization: u32,
    /// Whether the batch can stamp now.
    pub usable: bool,
    /// The label it was bought with.
    pub label: String,
    /// Depth.
    pub depth: u8,
    /// Remaining balance per chunk (PLUR, decimal).
    pub amount: String,
    /// Bucket depth.
    pub bucket_depth: u8,
    /// Block it was bought in.
    pub block_number: u64,
    /// Immutable flag.
    pub immutable_flag: bool,
    /// Seconds until expiry at the current price.
    #[serde(rename = "batchTTL")]
    pub batch_ttl: i64,
}

/// `GET /stamps`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stamps {
    /// Owned batches.
    pub stamps: Vec<StampBatch>,
}

/// One bucket in `GET /stamps/{id}/buckets`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    /// Bucket index.
    #[serde(rename = "bucketID")]
    pub bucket_id: u32,
    /// Slots used.
    pub collisions: u32,
}

/// `GET /stamps/{id}/buckets`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Buckets {
    /// Depth.
    pub depth: u8,
    /// Bucket depth.
    pub bucket_depth: u8,
    /// Slots per bucket.
    pub bucket_upper_bound: u64,
    /// Every bucket.
    pub buckets: Vec<Bucket>,
}

/// A batch anyone owns, as `GET /batches` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GlobalBatch {
    /// Batch id (hex).
    #[serde(rename = "batchID")]
    pub batch_id: String,
    /// Seconds until expiry.
    #[serde(rename = "batchTTL")]
    pub batch_ttl: i64,
    /// Bucket depth.
    pub bucket_depth: u8,
    /// Depth.
    pub depth: u8,
    /// Immutable flag.
    pub immutable: bool,
    /// Owner (0x hex).
    pub owner: String,
    /// Block it was bought or last deepened in.
    pub start: u64,
    /// Normalised balance (PLUR, decimal).
    pub value: String,
}

/// `GET /batches`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GlobalBatches {
    /// Every live batch.
    pub batches: Vec<GlobalBatch>,
}

/// `POST /stamps`, `PATCH /stamps/topup`, `PATCH /stamps/dilute`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BatchIdResponse {
    /// Batch id (hex).
    #[serde(rename = "batchID")]
    pub batch_id: String,
    /// Transaction hash (0x hex).
    pub tx_hash: String,
}

/// `POST /bytes`, `POST /chunks`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReferenceResponse {
    /// The Swarm reference (hex).
    pub reference: String,
}

/// `POST /envelope/{address}`: a stamp made for a chunk the client builds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Envelope {
    /// The batch owner's Ethereum address (hex, 20 bytes).
    pub issuer: String,
    /// The 8-byte stamp index (hex).
    pub index: String,
    /// The 8-byte timestamp (hex).
    pub timestamp: String,
    /// The 65-byte signature (hex).
    pub signature: String,
}

/// `GET /stewardship/{ref}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Retrievable {
    /// Whether every chunk of the reference can be retrieved.
    pub is_retrievable: bool,
}

/// Bee's tag (`GET /tags/{uid}`): an upload's counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagInfo {
    /// Identifier.
    pub uid: u64,
    /// RFC 3339 creation time.
    pub started_at: String,
    /// Chunks split.
    pub split: u64,
    /// Chunks already present.
    pub seen: u64,
    /// Chunks stored locally.
    pub stored: u64,
    /// Chunks sent.
    pub sent: u64,
    /// Chunks synced.
    pub synced: u64,
    /// The upload's reference, hex ("" while unknown).
    pub address: String,
}

/// `GET /tags`.
#[derive(Debug, Clone, Serialize)]
pub struct TagList {
    /// The tags.
    pub tags: Vec<TagInfo>,
}

/// `GET /pins`.
#[derive(Debug, Clone, Serialize)]
pub struct PinList {
    /// Pinned references, hex.
    pub references: Vec<String>,
}

/// The coins `POST /wallet/withdraw/{coin}` sends (Bee matches the names case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coin {
    /// The BZZ token.
    Bzz,
    /// The chain's native token (gas).
    NativeToken,
}

/// `{"transactionHash": "0x…"}`: the answer of `POST /wallet/withdraw/{coin}` and of the
/// `/transactions/{hash}` writes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TransactionHash {
    /// `0x`-prefixed hash.
    pub transaction_hash: String,
}

/// `GET /transactions`: the node's transactions sent but not yet mined.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PendingTransactions {
    /// Always empty for comb: see [`crate::routes::status::transactions`].
    pub pending_transactions: Vec<serde_json::Value>,
}

/// One line of `GET /pins/check` (Bee's `PinIntegrityResponse`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PinIntegrity {
    /// The pinned root (hex).
    pub reference: String,
    /// Chunks under it.
    pub total: u64,
    /// Chunks not stored.
    pub missing: u64,
    /// Chunks stored but not valid at their address.
    pub invalid: u64,
}
