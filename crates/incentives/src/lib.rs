//! The storage-incentive agent (spec `storage-incentives.md` §5.9, Bee `agent.go`): in the
//! claim phase of round N it checks whether the node plays in N+1 and samples its reserve;
//! in N+1 it commits (§5.3), reveals (§5.4) and, when it is the winner, claims with the three
//! inclusion proofs (§5.8, §6.5).
//!
//! * [`Agent`] — the pure decision core: a [`ChainView`] and the node's [`Health`] in, a list
//!   of [`Decision`]s (each an optional [`Action`] with its reason) out. No I/O.
//! * [`AgentState`] and [`StateFile`] — what must survive a restart (the commit secret, the
//!   committed hash and depth, the sample the claim proofs are built from), saved as JSON
//!   with an atomic rename.
//! * [`Driver`] — runs the agent against an [`AgentChain`] (implemented for
//!   [`comb_chain_rpc::ChainClient`]) and a [`Sampler`] ([`StoreSampler`] samples a
//!   `comb-store` reserve on every core).
//! * [`Status`] — Bee's `/redistributionstate` fields.
#![warn(clippy::arithmetic_side_effects)]

mod action;
mod agent;
mod chain;
mod driver;
mod error;
mod persist;
mod sampler;
mod state;
mod status;
mod view;

pub use action::{Action, Decision};
pub use agent::{Agent, AgentConfig};
pub use chain::{AgentChain, SampleTerms};
pub use driver::Driver;
pub use error::IncentivesError;
pub use persist::StateFile;
pub use sampler::{SampleRequest, Sampler, StoreSampler};
pub use state::{AgentState, CommitRecord, CommitStage, History, SampleRecord, StoredItem};
pub use status::Status;
pub use view::{ChainView, Health, StakeView};
