//! The one error type of the crate.

use comb_chain::ChainError;
use thiserror::Error;

/// Everything that can go wrong in the store, the producer, the server or the client.
#[derive(Debug, Error)]
pub enum RpcError {
    /// The ledger refused a transaction: it reverted and changed nothing. Over RPC this is
    /// the JSON-RPC error with code [`crate::jsonrpc::EXECUTION_ERROR`] and the
    /// [`ChainError`] as its data.
    #[error("transaction reverted: {0}")]
    Reverted(ChainError),
    /// A view refused to answer with a contract error (e.g. `WrongPhase` for
    /// `isParticipatingInUpcomingRound`); same wire form as [`RpcError::Reverted`].
    #[error("call reverted: {0}")]
    CallReverted(ChainError),
    /// The ledger failed outside a transaction (sealing, restoring, replaying).
    #[error("ledger error: {0}")]
    Ledger(ChainError),
    /// The redb database failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// The store's contents are inconsistent (missing entries, a state root that does not
    /// match the head); the chain refuses to start on it.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// A new data directory needs a genesis configuration.
    #[error("the store holds no chain and no genesis configuration was given")]
    NoGenesis,
    /// The genesis configuration given differs from the one the store was created with.
    #[error("the genesis configuration given differs from the one the store was created with")]
    GenesisMismatch,
    /// An earlier storage failure stopped the chain; it accepts no more writes.
    #[error("the chain has stopped after a storage failure: {0}")]
    Stopped(String),
    /// A private key is not a valid secp256k1 key.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// Signing a transaction failed.
    #[error("signing failed: {0}")]
    Signing(ChainError),
    /// JSON encoding or decoding failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// An I/O error (binding a socket, reading a file).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The HTTP transport failed (client side).
    #[error("HTTP error: {0}")]
    Http(String),
    /// The server answered with a JSON-RPC error.
    #[error("JSON-RPC error {code}: {message}")]
    Rpc {
        /// The JSON-RPC error code.
        code: i64,
        /// The error message.
        message: String,
        /// The error data, if any.
        data: Option<serde_json::Value>,
    },
    /// The server's answer is not a valid JSON-RPC response or has an unexpected shape.
    #[error("invalid response: {0}")]
    InvalidResponse(String),
}

impl RpcError {
    /// The contract error, if this is a revert of a transaction or a view.
    pub fn chain_error(&self) -> Option<&ChainError> {
        match self {
            Self::Reverted(e) | Self::CallReverted(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn storage(error: impl Into<redb::Error>) -> Self {
        Self::Storage(error.into().to_string())
    }
}

impl From<reqwest::Error> for RpcError {
    fn from(error: reqwest::Error) -> Self {
        Self::Http(error.to_string())
    }
}
