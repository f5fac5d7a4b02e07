//! Bee's per-peer bandwidth accounting as a pure state machine (spec `swap.md` §0–§2).
//!
//! Everything here is deterministic and free of I/O: time is an explicit input in whole
//! Unix seconds, and the asynchronous parts of Bee (pseudosettle refreshes, cheques,
//! blocklisting) are returned to the caller as values ([`Settlement`], [`Blocklist`],
//! re-announced thresholds) which the node then carries out and reports back through the
//! `notify_*` methods of [`Accounting`].
//!
//! Balances follow Bee's sign convention (spec §1.1): **positive means the peer owes us**,
//! negative means we owe the peer. Amounts are accounting units (AU).
#![warn(clippy::arithmetic_side_effects)]

mod amount;
pub mod cheque;
pub mod config;
mod credit;
mod debit;
mod error;
mod ledger;
mod payment;
pub mod peer;
pub mod pricer;
pub mod pseudosettle;
mod settle;

pub use alloy_primitives::{I256, U256};
pub use comb_primitives::B256;
pub use config::AccountingConfig;
pub use credit::{CreditAction, CreditDecision, PreparedCredit};
pub use debit::DebitAction;
pub use error::AccountingError;
pub use ledger::{Accounting, Blocklist, BlocklistReason};
pub use payment::{RefreshAck, RefreshFailure, RefreshReceipt};
pub use peer::PeerState;
pub use pricer::FixedPricer;
pub use settle::Settlement;
