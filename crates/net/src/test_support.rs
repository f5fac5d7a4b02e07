//! Helpers for the crate's unit tests: a [`Node`] without a swarm, over a memory store.

use std::collections::HashMap;
use std::sync::Arc;

use comb_postage::Batch;
use comb_primitives::{Signer, B256};

use crate::accounting::NoAccounting;
use crate::bzz::BzzAddress;
use crate::node::{Node, NodeParts};
use crate::storage::BatchValidator;
use crate::{MemoryStore, NetConfig};

/// A node with overlay zero over `store`; its commands go nowhere.
pub(crate) fn node(store: Arc<MemoryStore>) -> Arc<Node> {
    let signer = Signer::random();
    let (commands, _) = tokio::sync::mpsc::unbounded_channel();
    let local_address = BzzAddress::sign(
        &signer,
        vec!["/ip4/127.0.0.1/tcp/1634".parse().unwrap()],
        1,
        B256::ZERO,
        crate::bzz::unix_now(),
        None,
    )
    .unwrap();
    Arc::new(Node::new(NodeParts {
        config: NetConfig::default(),
        signer,
        overlay: B256::ZERO,
        peer_id: libp2p::identity::Keypair::generate_ed25519()
            .public()
            .to_peer_id(),
        local_address,
        listen_addrs: Vec::new(),
        store,
        validator: Arc::new(BatchValidator(HashMap::<B256, Batch>::new())),
        accounting: Arc::new(NoAccounting),
        commands,
    }))
}
