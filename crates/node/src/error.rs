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
}
