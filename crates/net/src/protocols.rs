//! Protocol ids: Bee's `/swarm/<protocol>/<version>/<stream>` (`p2p.NewSwarmStreamName`).

use libp2p::StreamProtocol;

/// The bzz handshake (no headers exchange on this stream).
pub const HANDSHAKE: &str = "/swarm/handshake/15.0.0/handshake";
/// Hive peer exchange.
pub const HIVE: &str = "/swarm/hive/2.0.0/peers";
/// Pushsync.
pub const PUSHSYNC: &str = "/swarm/pushsync/1.3.1/pushsync";
/// Retrieval.
pub const RETRIEVAL: &str = "/swarm/retrieval/1.4.0/retrieval";
/// Pullsync: ranges of a bin.
pub const PULLSYNC: &str = "/swarm/pullsync/1.4.0/pullsync";
/// Pullsync: the bin cursors.
pub const PULLSYNC_CURSORS: &str = "/swarm/pullsync/1.4.0/cursors";

/// Every protocol a comb node answers.
pub const ALL: [&str; 6] = [
    HANDSHAKE,
    HIVE,
    PUSHSYNC,
    RETRIEVAL,
    PULLSYNC,
    PULLSYNC_CURSORS,
];

/// The libp2p protocol for `id`.
pub fn stream_protocol(id: &'static str) -> StreamProtocol {
    StreamProtocol::new(id)
}
