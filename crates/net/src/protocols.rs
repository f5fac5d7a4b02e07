//! Protocol ids: Bee's `/swarm/<protocol>/<version>/<stream>` (`p2p.NewSwarmStreamName`).

use libp2p::StreamProtocol;

/// The bzz handshake (no headers exchange on this stream).
pub const HANDSHAKE: &str = "/swarm/handshake/15.0.0/handshake";
/// The bzz handshake of Bee up to v2.7 (audit H-2): the address without nonce, timestamp and
/// chequebook, the nonce in `Ack` field 4, the signature over less.
pub const HANDSHAKE_V14: &str = "/swarm/handshake/14.0.0/handshake";
/// Hive peer exchange.
pub const HIVE: &str = "/swarm/hive/2.0.0/peers";
/// Hive of Bee up to v2.7 (audit H-2): addresses as handshake 14 signs them, with the nonce.
pub const HIVE_V1: &str = "/swarm/hive/1.1.0/peers";
/// Pushsync.
pub const PUSHSYNC: &str = "/swarm/pushsync/1.3.1/pushsync";
/// Retrieval.
pub const RETRIEVAL: &str = "/swarm/retrieval/1.4.0/retrieval";
/// Pullsync: ranges of a bin.
pub const PULLSYNC: &str = "/swarm/pullsync/1.4.0/pullsync";
/// Pullsync: the bin cursors.
pub const PULLSYNC_CURSORS: &str = "/swarm/pullsync/1.4.0/cursors";

/// Pricing: payment threshold announcements (spec `swap.md` §1.7).
pub const PRICING: &str = "/swarm/pricing/1.0.0/pricing";
/// Pseudosettle: time-based settlement (spec `swap.md` §1.6).
pub const PSEUDOSETTLE: &str = "/swarm/pseudosettle/1.0.0/pseudosettle";
/// Swap: cheques (spec `swap.md` §3.3).
pub const SWAP: &str = "/swarm/swap/1.0.0/swap";

/// Status: a node's snapshot of itself (Bee `pkg/status`, audit S-1).
pub const STATUS: &str = "/swarm/status/1.1.3/status";

/// Pingpong: round-trip greetings (Bee `pkg/pingpong`, audit S-2).
pub const PINGPONG: &str = "/swarm/pingpong/1.0.0/pingpong";

/// Every protocol a comb node answers.
pub const ALL: [&str; 13] = [
    HANDSHAKE,
    HANDSHAKE_V14,
    HIVE,
    HIVE_V1,
    PUSHSYNC,
    RETRIEVAL,
    PULLSYNC,
    PULLSYNC_CURSORS,
    PRICING,
    PSEUDOSETTLE,
    SWAP,
    STATUS,
    PINGPONG,
];

/// The libp2p protocol for `id`.
pub fn stream_protocol(id: &'static str) -> StreamProtocol {
    StreamProtocol::new(id)
}
