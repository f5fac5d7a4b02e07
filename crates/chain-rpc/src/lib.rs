//! comb's dev chain as a service: the [`comb_chain`] ledger persisted in redb ([`store`]),
//! a block producer ([`producer`]), a JSON-RPC 2.0 server over HTTP ([`server`]), its async
//! client and the [`ChainBackend`] trait the node talks to the chain through ([`client`]),
//! and the dev genesis with its funded accounts ([`dev`]).
//!
//! **Pending state.** Transactions are applied to the pending block as they arrive, and
//! every view evaluates the state including them, at the pending block's number: what
//! Ethereum nodes answer for the `"pending"` block tag ([`views`]). `eth_blockNumber`, blocks
//! and events are those of sealed blocks.
//!
//! **Durability.** A transaction's receipt is returned only after the transaction is
//! committed to the store; a sealed block, the state after it and the new head are written
//! in one atomic commit. After a crash the chain resumes at its last sealed block and
//! replays the acknowledged transactions of the pending block ([`store`]).
#![warn(clippy::arithmetic_side_effects)]

pub mod chain;
pub mod client;
pub mod dev;
mod error;
pub mod jsonrpc;
pub mod producer;
pub mod server;
pub mod service;
pub mod store;
pub mod types;
pub mod views;

pub use chain::Chain;
pub use client::{ChainBackend, ChainClient};
pub use error::RpcError;
pub use service::{ChainService, ServiceConfig};
pub use store::{Genesis, Opened, Store};
