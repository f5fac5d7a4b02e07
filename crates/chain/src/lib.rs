//! comb's dev ledger: a pure, deterministic state machine that plays Swarm's contracts —
//! the BZZ token, PostageStamp (spec `storage-incentives.md` §2), PriceOracle (§4),
//! StakeRegistry (§3), Redistribution (§5) and chequebooks (`swap.md` §4) — with signed
//! transactions, blocks, per-block randomness and an event log.
//!
//! A transaction either succeeds with events or fails with a named [`ChainError`] and
//! changes nothing: it is applied to a copy of the state that replaces the original only on
//! success. No clocks, sockets or disks here; persistence and the RPC server sit on top.
#![warn(clippy::arithmetic_side_effects)]

pub mod accounts;
pub mod chequebook;
pub mod env;
mod error;
pub mod events;
pub mod ledger;
pub mod oracle;
pub mod postage;
pub mod redistribution;
pub mod round;
pub mod staking;
pub mod state;
pub mod token;
pub mod tx;

pub use error::ChainError;
pub use ledger::{Block, BlockHeader, GenesisConfig, Ledger, Receipt};
pub use state::{Outcome, State};
pub use tx::{Call, SignedTransaction, Transaction};
