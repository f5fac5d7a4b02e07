//! comb's dev ledger: a pure, deterministic state machine that plays Swarm's contracts —
//! the BZZ token, PostageStamp (spec `storage-incentives.md` §2), PriceOracle (§4),
//! StakeRegistry (§3), Redistribution (§5) and chequebooks (`swap.md` §4) — with signed
//! transactions, blocks, per-block randomness and an event log; and comb's staking
//! architecture on top (`staking-architecture.md`): [`params`], performance [`score`]s, the
//! penalty [`ladder`], availability [`challenge`]s, the compensation and user-reward
//! [`pools`], [`user_staking`] and [`governance`].
//!
//! A transaction either succeeds with events or fails with a named [`ChainError`] and
//! changes nothing: it is applied to a copy of the state that replaces the original only on
//! success. No clocks, sockets or disks here; persistence and the RPC server sit on top.
#![warn(clippy::arithmetic_side_effects)]

pub mod accounts;
pub mod architecture;
pub mod challenge;
pub mod chequebook;
pub mod env;
mod error;
pub mod events;
pub mod governance;
pub mod ladder;
pub mod ledger;
pub mod oracle;
pub mod params;
pub mod pools;
pub mod postage;
pub mod redistribution;
pub mod round;
pub mod score;
pub mod staking;
pub mod state;
pub mod token;
pub mod tx;
pub mod user_staking;

pub use error::ChainError;
pub use ledger::{Block, BlockHeader, GenesisConfig, Ledger, Receipt};
pub use state::{Outcome, State};
pub use tx::{Call, SignedTransaction, Transaction};
