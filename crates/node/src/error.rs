use thiserror::Error;

/// Why the node could not start or do what it was asked.
#[derive(Debug, Error)]
pub enum NodeError {
    /// A configuration value is missing or malformed.
    #[error("configuration: {0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("i/o: {0}")]
    Io(String),
    /// The chunk store failed.
    #[error("store: {0}")]
    Store(#[from] comb_store::StoreError),
    /// The chain could not be reached or refused a transaction.
    #[error("chain: {0}")]
    Chain(#[from] comb_chain_rpc::RpcError),
    /// The network failed.
    #[error("network: {0}")]
    Network(#[from] comb_net::NetError),
    /// The storage-incentive agent failed (its state file, a sample).
    #[error("incentives: {0}")]
    Incentives(#[from] comb_incentives::IncentivesError),
    /// Bandwidth accounting or a cheque was refused (spec `swap.md` §1, §3).
    #[error("accounting: {0}")]
    Accounting(#[from] comb_accounting::AccountingError),
    /// A SWAP operation could not run (no chequebook, peer unknown, …).
    #[error("swap: {0}")]
    Swap(String),
    /// The client's input is not what the endpoint takes: a malformed tar archive, a chunk
    /// that is not one, a collection without files.
    #[error("{0}")]
    InvalidInput(String),
    /// The request body could not be read to its end (the client went away or sent a
    /// broken stream).
    #[error("reading the request body: {0}")]
    Body(String),
    /// A direct upload (`swarm-deferred-upload: false`) ended with chunks that no storer
    /// receipted. They are stored here and queued for the pusher.
    #[error("{failed} of {total} chunks got no receipt from their neighbourhood; they are stored and will be pushed again")]
    NotReceipted {
        /// Chunks without a receipt.
        failed: u64,
        /// Chunks of the upload.
        total: u64,
    },
}

/// The one place where the node's errors become HTTP answers (Bee's status codes and
/// `{code, message}` bodies): a client's mistake is a 4xx, only the node's own failure a
/// 5xx.
impl From<NodeError> for comb_api::ApiError {
    fn from(error: NodeError) -> Self {
        use comb_api::ApiError;
        use comb_postage::PostageError;
        use comb_store::StoreError;
        let message = error.to_string();
        match error {
            NodeError::InvalidInput(_) | NodeError::Body(_) | NodeError::Config(_) => {
                ApiError::bad_request(message)
            }
            NodeError::Store(StoreError::Postage(PostageError::BucketFull(_))) => {
                ApiError::payment_required("batch is overissued")
            }
            NodeError::Store(StoreError::Postage(PostageError::BatchNotFound(_))) => {
                ApiError::not_found(message)
            }
            NodeError::Store(StoreError::OverwriteNewerChunk { .. }) => {
                ApiError::bad_request(message)
            }
            NodeError::NotReceipted { .. } | NodeError::Network(_) | NodeError::Chain(_) => {
                ApiError::unavailable(message)
            }
            _ => ApiError::internal(message),
        }
    }
}
