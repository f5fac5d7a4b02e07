//! The storage-incentive agent inside the node (spec `storage-incentives.md` §5.9): a task
//! that ticks [`comb_incentives::Driver`] once per new block with the node's [`Health`], and
//! keeps the agent's last [`Status`] for `GET /redistributionstate`.
//!
//! comb's choices where Bee's are not established:
//! * **synced** means the last complete pullsync round pulled from at least one
//!   neighbourhood peer, stored no new chunk and failed with none (Bee: sync rate 0);
//! * **healthy** means the node has at least one connected peer (Bee compares its storage
//!   radius with its neighbours'; comb's peers do not exchange radii);
//! * the chain is polled every [`POLL_INTERVAL`]; a tick runs only when the head moved.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use comb_chain_rpc::ChainClient;
use comb_incentives::{
    AgentConfig, Driver, Health, SampleRequest, Sampler, StateFile, Status, StoreSampler,
};
use comb_store::default_sampler_threads;
use tokio::sync::watch;

use crate::node::Node;
use crate::NodeError;

/// How often the agent looks for a new block.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// The agent's state file in the data directory.
pub const STATE_FILE: &str = "redistribution.json";

/// The concrete driver a node runs.
pub(crate) type NodeDriver = Driver<Arc<ChainClient>, StoreSampler>;

/// What the API reads of the agent, and the operator's pause switch.
#[derive(Debug)]
pub(crate) struct AgentShared {
    status: Mutex<Option<Status>>,
    paused: AtomicBool,
}

impl AgentShared {
    /// A switch set to `paused`, with no status yet.
    pub(crate) fn new(paused: bool) -> Self {
        Self {
            status: Mutex::new(None),
            paused: AtomicBool::new(paused),
        }
    }

    /// The agent's status after its last tick, `None` before the first.
    pub(crate) fn status(&self) -> Option<Status> {
        self.status.lock().ok().and_then(|status| status.clone())
    }

    fn set_status(&self, status: Status) {
        if let Ok(mut slot) = self.status.lock() {
            *slot = Some(status);
        }
    }

    /// Pauses or resumes the agent (spec §5.9 rails: a committed round still finishes).
    pub(crate) fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
    }

    /// Whether the agent is paused.
    pub(crate) fn paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
}

/// The reserve sampler the agent and `/rchash` use: every core of the machine.
pub(crate) fn sampler(node_store: &comb_store::Store) -> StoreSampler {
    StoreSampler::new(
        node_store.reserve.clone(),
        node_store.batches.clone(),
        default_sampler_threads(),
    )
}

/// Opens the driver over the node's chain, reserve and state file.
pub(crate) fn open_driver(node: &Node) -> Result<NodeDriver, NodeError> {
    let config = AgentConfig {
        overlay: node.overlay,
        reveal_wrong_hash: node.config.test_reveal_wrong_hash,
    };
    let file = StateFile::new(node.config.data_dir.join(STATE_FILE));
    Ok(Driver::open(
        Arc::clone(&node.chain),
        sampler(&node.store),
        node.signer.clone(),
        config,
        file,
    )?)
}

/// The node's condition as the agent's rails need it (see the module docs).
pub(crate) fn health(node: &Node) -> Health {
    Health {
        synced: node.network.sync_status().caught_up(),
        healthy: !node.network.peers().is_empty(),
        paused: node.agent.paused(),
        storage_radius: node.store.reserve.storage_radius().unwrap_or(0),
    }
}

/// Ticks the driver once per new block until `stop` turns true.
pub(crate) async fn run(node: Arc<Node>, mut driver: NodeDriver, mut stop: watch::Receiver<bool>) {
    node.agent.set_status(driver.status());
    let mut last_block = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let head = match node.chain.block_number().await {
            Ok(head) => head,
            Err(error) => {
                tracing::debug!(%error, "incentive agent: chain unreachable");
                continue;
            }
        };
        if last_block == Some(head) {
            continue;
        }
        last_block = Some(head);
        let health = health(&node);
        if let Err(error) = driver.tick(&health).await {
            tracing::warn!(%error, "incentive agent: tick failed");
        }
        let status = driver.status();
        node.metrics
            .agent_moved(node.agent.status().as_ref(), &status);
        node.agent.set_status(status);
    }
}

/// Samples the reserve now with `rules` (for `/rchash`), returning the sample and how long
/// it took.
pub(crate) async fn sample_now(
    node: &Node,
    rules: comb_sampling::SampleRules,
) -> Result<(comb_sampling::Sample, Duration), NodeError> {
    let radius = node.store.reserve.storage_radius().unwrap_or(0);
    let started = std::time::Instant::now();
    let sample = sampler(&node.store)
        .sample(SampleRequest {
            round: 0,
            rules,
            radius,
        })
        .await?;
    Ok((sample, started.elapsed()))
}
