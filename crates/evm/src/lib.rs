//! comb's Ethereum dev chain: revm executing signed transactions into blocks, served over
//! standard `eth_*` JSON-RPC, so that Bee, its dashboard and every Ethereum tool can talk to a
//! comb devnet (issue 13; `../shared/spec/evm-interface.md` §1.5 and §5).
//!
//! - [`chain`]: the pool, block sealing, receipts, logs and queries;
//! - [`state`]: the world state with its history, revm's database, the state root;
//! - [`genesis`]: chain id, block parameters, dev accounts;
//! - [`rpc`]: the JSON-RPC methods over HTTP and the block producer.
//!
//! revm is pinned exactly and built without default features: pure Rust, no C.
//!
//! - [`sign`]: signing EIP-1559 transactions with a comb key;
//! - [`store`]: persistence in redb; a killed chain restarts at its last block.
//!
//! **Not yet:** the contracts Bee calls (PostageStamp, staking, redistribution, chequebook), which the next
//! issue writes in Solidity.

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
