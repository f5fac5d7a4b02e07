//! comb's Ethereum dev chain: revm executing signed transactions into blocks, served over
//! standard `eth_*` JSON-RPC, so that Bee, its dashboard and every Ethereum tool can talk to a
//! comb devnet (issue 13; `../shared/spec/evm-interface.md` §1.5 and §5).
//!
//! - [`chain`]: the pool, block sealing, receipts, logs and queries;
//! - [`state`]: the world state with its history, revm's database, the state root;
//! - [`genesis`]: chain id, block parameters, dev accounts and the dev BZZ token;
//! - [`rpc`]: the JSON-RPC methods over HTTP and the block producer;
//! - [`sign`]: signing EIP-1559 transactions with a comb key;
//! - [`store`]: persistence in redb and an append-only pool log; a killed chain restarts at
//!   its last block with every acknowledged transaction.
//!
//! revm is pinned exactly and built without default features: pure Rust, no C.
//!
//! **Not yet:** the Bee-ABI contracts (PostageStamp, staking, redistribution, chequebooks),
//! which the next issue writes in Solidity; the dev BZZ token has no mint or cap yet.

pub mod chain;
pub mod error;
pub mod genesis;
pub mod rpc;
pub mod sign;
pub mod state;
pub mod store;

pub use chain::EvmChain;
pub use error::EvmError;
pub use genesis::{Genesis, GenesisAccount};
pub use rpc::{Mining, Node, Server};
pub use store::{OpenWith, Store};
