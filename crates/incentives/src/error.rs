//! The crate's one error type.

use thiserror::Error;

/// Why the agent's driver could not complete a step (spec §5.9).
#[derive(Debug, Error)]
pub enum IncentivesError {
    /// The chain could not be reached or refused a call or transaction.
    #[error("chain: {0}")]
    Chain(#[from] comb_chain_rpc::RpcError),
    /// The reserve could not be sampled.
    #[error("store: {0}")]
    Store(#[from] comb_store::StoreError),
    /// A sample or its claim proofs could not be built (spec §6.4, §6.5).
    #[error("sampling: {0}")]
    Sampling(#[from] comb_sampling::SamplingError),
    /// The state file could not be read or written.
    #[error("state file {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The state file does not parse.
    #[error("state file {path}: {reason}")]
    Corrupt {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A sampler thread stopped without a result.
    #[error("the sampler task failed: {0}")]
    SamplerTask(String),
    /// A claim was asked for a round the agent holds no revealed sample of.
    #[error("no revealed sample for round {0}")]
    NoSample(u64),
}
