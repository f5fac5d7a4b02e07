//! Protobuf messages of the Swarm protocols, written by hand with `prost` derives (no
//! `protoc`, no build script). Field names follow Bee's `.proto` files; the tag numbers are
//! the wire contract.
//!
//! Which shapes are confirmed from Bee's sources and which are comb's choice is listed in
//! the crate documentation ([`crate`]).

/// A stream's opening headers (Bee `p2p/libp2p/internal/headers/pb`): every stream of a
/// Swarm protocol (all but the handshake) starts with the opener sending one and the handler
/// answering with one.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Headers {
    /// The key/value pairs.
    #[prost(message, repeated, tag = "1")]
    pub headers: Vec<Header>,
}

/// One header: a string key with a byte value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Header {
    /// The header's name.
    #[prost(string, tag = "1")]
    pub key: String,
    /// The header's value.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// A signed peer address as the handshake and hive carry it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BzzAddress {
    /// The underlay multiaddr(s): one multiaddr's bytes, or Bee's `0x99` list form.
    #[prost(bytes = "vec", tag = "1")]
    pub underlay: Vec<u8>,
    /// 65-byte `r ‖ s ‖ v` signature by the overlay key.
    #[prost(bytes = "vec", tag = "2")]
    pub signature: Vec<u8>,
    /// The 32-byte overlay address.
    #[prost(bytes = "vec", tag = "3")]
    pub overlay: Vec<u8>,
    /// The 32-byte overlay nonce.
    #[prost(bytes = "vec", tag = "4")]
    pub nonce: Vec<u8>,
    /// When the address was signed, in Unix seconds (positive).
    #[prost(int64, tag = "5")]
    pub timestamp: i64,
    /// The node's chequebook: empty or 20 bytes.
    #[prost(bytes = "vec", tag = "6")]
    pub chequebook_address: Vec<u8>,
}

/// Handshake step 1, initiator → responder: the address the initiator dialled.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Syn {
    /// The responder's multiaddr as the initiator sees it, with `/p2p/<peer id>`.
    #[prost(bytes = "vec", tag = "1")]
    pub observed_underlay: Vec<u8>,
}

/// A node's signed self-description in the handshake.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Ack {
    /// The signed address.
    #[prost(message, optional, tag = "1")]
    pub address: Option<BzzAddress>,
    /// The network the node is on.
    #[prost(uint64, tag = "2")]
    pub network_id: u64,
    /// Whether the node stores chunks (full node) or not (light node).
    #[prost(bool, tag = "3")]
    pub full_node: bool,
    /// The overlay nonce (handshake 14 carried it here; comb fills both places).
    #[prost(bytes = "vec", tag = "4")]
    pub nonce: Vec<u8>,
    /// A short greeting (at most 140 characters).
    #[prost(string, tag = "99")]
    pub welcome_message: String,
}

/// Handshake step 2, responder → initiator.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SynAck {
    /// The initiator's address as the responder sees it.
    #[prost(message, optional, tag = "1")]
    pub syn: Option<Syn>,
    /// The responder's signed self-description.
    #[prost(message, optional, tag = "2")]
    pub ack: Option<Ack>,
}

/// Hive: a batch of known peers.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Peers {
    /// The peers' signed addresses.
    #[prost(message, repeated, tag = "1")]
    pub peers: Vec<BzzAddress>,
}

/// Pushsync: a chunk with its stamp travelling towards its neighbourhood.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PushDelivery {
    /// The chunk's 32-byte address.
    #[prost(bytes = "vec", tag = "1")]
    pub address: Vec<u8>,
    /// The chunk's wire data.
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
    /// The 113-byte postage stamp.
    #[prost(bytes = "vec", tag = "3")]
    pub stamp: Vec<u8>,
}

/// Pushsync: the storer's statement of custody, or an error.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Receipt {
    /// The stored chunk's address.
    #[prost(bytes = "vec", tag = "1")]
    pub address: Vec<u8>,
    /// The storer's EIP-191 signature over the 32 address bytes.
    #[prost(bytes = "vec", tag = "2")]
    pub signature: Vec<u8>,
    /// The storer's overlay nonce, so the overlay can be derived from the signer.
    #[prost(bytes = "vec", tag = "3")]
    pub nonce: Vec<u8>,
    /// Set instead of the other fields when the push failed.
    #[prost(string, tag = "4")]
    pub err: String,
    /// The storer's storage depth when it stored the chunk.
    #[prost(uint32, tag = "5")]
    pub storage_radius: u32,
}

/// Retrieval: a request for one chunk.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Request {
    /// The wanted chunk's address.
    #[prost(bytes = "vec", tag = "1")]
    pub addr: Vec<u8>,
}

/// Retrieval: the chunk's data and stamp, or an error.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RetrievalDelivery {
    /// The chunk's wire data.
    #[prost(bytes = "vec", tag = "1")]
    pub data: Vec<u8>,
    /// The 113-byte postage stamp.
    #[prost(bytes = "vec", tag = "2")]
    pub stamp: Vec<u8>,
    /// Set instead of the other fields when the chunk could not be served.
    #[prost(string, tag = "3")]
    pub err: String,
}

/// Pullsync cursors stream: the request (empty).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PullSyn {}

/// Pullsync cursors stream: the last bin id of each of the 32 bins, and the reserve epoch.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PullAck {
    /// The last bin id per bin (0 for an empty bin).
    #[prost(uint64, repeated, tag = "1")]
    pub cursors: Vec<u64>,
    /// Changes when the reserve was reset, telling pullers to start over.
    #[prost(uint64, tag = "2")]
    pub epoch: u64,
}

/// Pullsync: ask for the chunks of one bin from a bin id on.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Get {
    /// The bin (proximity order to the serving node), 0..=31.
    #[prost(int32, tag = "1")]
    pub bin: i32,
    /// The first bin id wanted.
    #[prost(uint64, tag = "2")]
    pub start: u64,
}

/// Pullsync: one offered chunk.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OfferedChunk {
    /// The chunk's address.
    #[prost(bytes = "vec", tag = "1")]
    pub address: Vec<u8>,
    /// The batch that stamped it.
    #[prost(bytes = "vec", tag = "2")]
    pub batch_id: Vec<u8>,
    /// `keccak256` of the 113-byte stamp.
    #[prost(bytes = "vec", tag = "3")]
    pub stamp_hash: Vec<u8>,
}

/// Pullsync: the chunks the server has in the asked range.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Offer {
    /// The highest bin id in this offer.
    #[prost(uint64, tag = "1")]
    pub topmost: u64,
    /// The offered chunks in bin-id order.
    #[prost(message, repeated, tag = "2")]
    pub chunks: Vec<OfferedChunk>,
}

/// Pullsync: which offered chunks the puller wants (bit `i` of byte `i / 8`, least
/// significant bit first).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Want {
    /// The bit vector.
    #[prost(bytes = "vec", tag = "1")]
    pub bit_vector: Vec<u8>,
}

/// Pullsync: one wanted chunk with its stamp.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PullDelivery {
    /// The chunk's address (empty when the server no longer has it).
    #[prost(bytes = "vec", tag = "1")]
    pub address: Vec<u8>,
    /// The chunk's wire data.
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
    /// The 113-byte postage stamp.
    #[prost(bytes = "vec", tag = "3")]
    pub stamp: Vec<u8>,
}

/// Pricing (`/swarm/pricing/1.0.0/pricing`): the payment threshold the sender grants the
/// receiver (spec `swap.md` §1.7), big-endian without leading zeros.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AnnouncePaymentThreshold {
    /// The threshold in accounting units.
    #[prost(bytes = "vec", tag = "1")]
    pub payment_threshold: Vec<u8>,
}

/// Pseudosettle (`/swarm/pseudosettle/1.0.0/pseudosettle`): a time-based settlement of
/// `amount` accounting units (spec `swap.md` §1.6), big-endian without leading zeros.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Payment {
    /// The amount the payer attempts to settle.
    #[prost(bytes = "vec", tag = "1")]
    pub amount: Vec<u8>,
}

/// Pseudosettle: the receiver's answer, the amount it accepted and its clock (spec §1.6).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PaymentAck {
    /// The accepted amount, big-endian without leading zeros.
    #[prost(bytes = "vec", tag = "1")]
    pub amount: Vec<u8>,
    /// The receiver's Unix time in seconds.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// Swap (`/swarm/swap/1.0.0/swap`): a signed cheque as Go's `encoding/json` writes it
/// (spec `swap.md` §3.3).
#[derive(Clone, PartialEq, prost::Message)]
pub struct EmitCheque {
    /// The JSON of the signed cheque.
    #[prost(bytes = "vec", tag = "1")]
    pub cheque: Vec<u8>,
}

/// Status (`/swarm/status/1.1.3/status`): the request for a [`Snapshot`] (Bee's `Get{}`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StatusGet {}

/// Status: what a node says of itself (Bee's `status.proto` `Snapshot`, audit M-25). Bee's
/// salud reads it to judge a peer's health.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Snapshot {
    /// Chunks in the reserve.
    #[prost(uint64, tag = "1")]
    pub reserve_size: u64,
    /// Pullsync rate, chunks per second.
    #[prost(double, tag = "2")]
    pub pullsync_rate: f64,
    /// The storage radius.
    #[prost(uint32, tag = "3")]
    pub storage_radius: u32,
    /// Connected peers.
    #[prost(uint64, tag = "4")]
    pub connected_peers: u64,
    /// Connected peers at proximity `≥` the storage radius.
    #[prost(uint64, tag = "5")]
    pub neighborhood_size: u64,
    /// `"full"`, `"light"` or `"ultra-light"`.
    #[prost(string, tag = "6")]
    pub bee_mode: String,
    /// Chunks all known batches commit to (the sum of `2^depth`).
    #[prost(uint64, tag = "7")]
    pub batch_commitment: u64,
    /// Whether the node knows itself reachable from the internet.
    #[prost(bool, tag = "8")]
    pub is_reachable: bool,
    /// Chunks in the reserve within the storage radius.
    #[prost(uint64, tag = "9")]
    pub reserve_size_within_radius: u64,
    /// The last block the node's batch store has processed.
    #[prost(uint64, tag = "10")]
    pub last_synced_block: u64,
    /// The depth the node commits to in the redistribution game.
    #[prost(uint32, tag = "11")]
    pub committed_depth: u32,
    /// Free-form metrics.
    #[prost(map = "string, string", tag = "12")]
    pub metrics: std::collections::HashMap<String, String>,
}

/// Pingpong (`/swarm/pingpong/1.0.0/pingpong`): a greeting.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Ping {
    /// Any text.
    #[prost(string, tag = "1")]
    pub greeting: String,
}

/// Pingpong: the answer, Bee's `"{" + greeting + "}"`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Pong {
    /// The greeting in braces.
    #[prost(string, tag = "1")]
    pub response: String,
}
