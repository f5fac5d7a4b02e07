//! The comb node: keys and configuration, the chain follower that mirrors the postage
//! contract into the batch store, the upload and download pipelines, and the wiring of store,
//! network and HTTP API into one running node.

pub mod agent;
mod api_impl;
mod architecture_api;
pub mod bzz;
pub mod challenges;
pub mod config;
pub mod content;
mod content_api;
pub mod devnet;
mod error;
pub mod follower;
pub mod keys;
pub mod logging;
mod metrics;
pub mod narrator;
pub mod node;
pub mod pusher;
mod stake_api;
pub mod storage;
pub mod swap;
mod swap_api;
pub mod tags;

pub use config::{ConfigOverrides, NodeConfig};
pub use error::NodeError;
pub use node::{start, Node, RunningNode};
