//! The crate's one error type.

/// Everything that can go wrong in the network layer.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// Building the libp2p transport or listening failed.
    #[error("transport: {0}")]
    Transport(String),
    /// Dialling a peer failed.
    #[error("dial failed: {0}")]
    Dial(String),
    /// The bzz handshake failed.
    #[error("handshake failed: {0}")]
    Handshake(String),
    /// The peer is on another Swarm network.
    #[error("peer is on network {theirs}, we are on {ours}")]
    NetworkIdMismatch {
        /// Our network id.
        ours: u64,
        /// The peer's network id.
        theirs: u64,
    },
    /// A signed peer address did not verify.
    #[error("invalid bzz address: {0}")]
    InvalidBzzAddress(String),
    /// The peer is not connected (or not past the handshake).
    #[error("peer not connected")]
    NotConnected,
    /// No peer is left to send the request to.
    #[error("no suitable peer")]
    NoPeer,
    /// An operation did not finish in time.
    #[error("timed out: {0}")]
    Timeout(&'static str),
    /// The stream or connection failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A peer sent bytes that are not a valid message of the protocol.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A peer announced a message above the size limit.
    #[error("message of {size} bytes exceeds the limit of {max}")]
    MessageTooLarge {
        /// The announced size.
        size: u64,
        /// The limit.
        max: usize,
    },
    /// A chunk is neither a valid content-addressed nor a valid single-owner chunk.
    #[error("invalid chunk: {0}")]
    InvalidChunk(String),
    /// A postage stamp did not parse or validate.
    #[error("invalid stamp: {0}")]
    InvalidStamp(String),
    /// The stamp's batch is unknown here (expired, or not yet seen: chain lag). Refused, but
    /// not held against the sender.
    #[error("unknown batch {0}")]
    UnknownBatch(comb_primitives::B256),
    /// A pushsync receipt did not verify.
    #[error("invalid receipt: {0}")]
    InvalidReceipt(String),
    /// A receipt came from a node too far from the chunk.
    #[error("shallow receipt: storer at proximity {po}, at least {required} required")]
    ShallowReceipt {
        /// Proximity of the storer to the chunk.
        po: u8,
        /// The proximity required.
        required: u8,
    },
    /// The peer answered with an error.
    #[error("peer error: {0}")]
    Remote(String),
    /// The chunk was not found in the network.
    #[error("chunk not found")]
    NotFound,
    /// The local store refused an operation.
    #[error("store: {0}")]
    Store(String),
    /// Signing failed.
    #[error("signing: {0}")]
    Signing(String),
    /// The accounting refused the exchange.
    #[error("accounting: {0}")]
    Accounting(String),
    /// The network has shut down.
    #[error("network shut down")]
    Shutdown,
    /// A welcome message longer than Bee's limit.
    #[error("welcome message length exceeds maximum of {max}")]
    WelcomeMessageTooLong {
        /// The limit in bytes.
        max: usize,
    },
}

impl NetError {
    /// Whether the error is the peer's fault (a malformed or invalid message), so that it
    /// counts against the peer. Timeouts and broken connections do not.
    pub fn is_misbehaviour(&self) -> bool {
        matches!(
            self,
            NetError::Malformed(_)
                | NetError::MessageTooLarge { .. }
                | NetError::InvalidChunk(_)
                | NetError::InvalidStamp(_)
                | NetError::InvalidReceipt(_)
                | NetError::InvalidBzzAddress(_)
        )
    }
}
