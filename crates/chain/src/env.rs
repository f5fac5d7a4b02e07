//! What a contract call sees of the world: the pending block and the caller, and where its
//! events go.

use comb_primitives::{Address, B256};

use crate::events::Event;

/// The context of one call: the block it executes in and its sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// `block.number` of the block the transaction executes in.
    pub block: u64,
    /// `block.timestamp` (seconds).
    pub timestamp: u64,
    /// `block.prevrandao`: the block's randomness (see [`crate::ledger`] for its derivation).
    pub prevrandao: B256,
    /// `msg.sender`.
    pub sender: Address,
}

/// Events emitted by a call, kept only if the call succeeds.
pub type Events = Vec<Event>;
