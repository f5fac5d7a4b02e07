//! Real nodes on loopback TCP for the integration tests: start, wire up, stamp chunks, wait
//! with a deadline.

#![allow(dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use comb_net::{BatchValidator, MemoryStore, NetConfig, Network};
use comb_postage::{bucket_of, Batch, Stamp, StampIndex, BUCKET_DEPTH};
use comb_primitives::overlay::overlay_address;
use comb_primitives::{Chunk, Signer, B256, U256};
use tokio::task::JoinHandle;

pub const NETWORK_ID: u64 = 10;

/// A batch every test node knows, and its owner.
pub struct Postage {
    pub owner: Signer,
    pub batch: Batch,
}

impl Postage {
    pub fn new() -> Self {
        let owner = Signer::random();
        let batch = Batch {
            id: B256::repeat_byte(0xba),
            owner: owner.address(),
            depth: 24,
            bucket_depth: BUCKET_DEPTH,
            immutable: false,
            value: U256::from(1_000_000u64),
            start_block: 1,
        };
        Self { owner, batch }
    }

    pub fn validator(&self) -> Arc<BatchValidator<HashMap<B256, Batch>>> {
        Arc::new(BatchValidator(HashMap::from([(
            self.batch.id,
            self.batch.clone(),
        )])))
    }

    /// A valid stamp for `chunk`.
    pub fn stamp(&self, chunk: &Chunk) -> Stamp {
        Stamp::sign(
            &self.owner,
            chunk.address(),
            self.batch.id,
            StampIndex {
                bucket: bucket_of(chunk.address(), BUCKET_DEPTH),
                position: 0,
            },
            1_700_000_000_000_000_000,
        )
        .unwrap()
    }
}

pub struct TestNode {
    pub net: Network,
    pub store: Arc<MemoryStore>,
    pub signer: Signer,
    pub handle: JoinHandle<()>,
}

impl TestNode {
    pub fn overlay(&self) -> B256 {
        self.net.local_overlay()
    }

    pub fn addr(&self) -> comb_net::Multiaddr {
        self.net.listen_addrs()[0].clone()
    }

    pub fn has_peer(&self, overlay: &B256) -> bool {
        self.net.peer(overlay).is_some()
    }
}

/// A test configuration: network 10, quick timeouts, pullsync off.
pub fn config() -> NetConfig {
    NetConfig {
        network_id: NETWORK_ID,
        pullsync_interval: None,
        request_timeout: Duration::from_secs(5),
        message_timeout: Duration::from_secs(5),
        handshake_timeout: Duration::from_secs(5),
        ..NetConfig::default()
    }
}

/// Starts a node; `prefix` (value, bits) mines a nonce so the overlay starts with those bits.
pub async fn start(mut config: NetConfig, postage: &Postage, prefix: Option<(u8, u8)>) -> TestNode {
    let signer = Signer::random();
    if let Some((value, bits)) = prefix {
        config.nonce = mine_nonce(&signer, config.network_id, value, bits);
    }
    let overlay = overlay_address(&signer.address(), config.network_id, &config.nonce);
    let store = Arc::new(MemoryStore::new(overlay));
    let (net, handle) = Network::start(config, signer.clone(), store.clone(), postage.validator())
        .await
        .expect("network starts");
    assert_eq!(net.local_overlay(), overlay);
    TestNode {
        net,
        store,
        signer,
        handle,
    }
}

/// Whether the top `bits` bits of `bytes[0]` equal those of `value`.
pub fn has_prefix(address: &B256, value: u8, bits: u8) -> bool {
    let mask = if bits >= 8 { 0xff } else { !(0xffu8 >> bits) };
    address[0] & mask == value & mask
}

fn mine_nonce(signer: &Signer, network_id: u64, value: u8, bits: u8) -> B256 {
    for i in 0u64.. {
        let mut nonce = [0u8; 32];
        nonce[..8].copy_from_slice(&i.to_be_bytes());
        let nonce = B256::from(nonce);
        if has_prefix(
            &overlay_address(&signer.address(), network_id, &nonce),
            value,
            bits,
        ) {
            return nonce;
        }
    }
    unreachable!()
}

/// A content chunk whose address starts with the top `bits` of `value`.
pub fn chunk_with_prefix(value: u8, bits: u8, salt: &str) -> Chunk {
    for i in 0u64.. {
        let chunk = Chunk::content(format!("{salt}-{i}").as_bytes()).unwrap();
        if has_prefix(chunk.address(), value, bits) {
            return chunk;
        }
    }
    unreachable!()
}

/// A content chunk whose address shares at least `bits` leading bits with `target`.
pub fn chunk_near(target: &B256, bits: u32, salt: &str) -> Chunk {
    for i in 0u64.. {
        let chunk = Chunk::content(format!("{salt}-{i}").as_bytes()).unwrap();
        if comb_primitives::proximity::proximity_uncapped(&chunk.address().0, &target.0) >= bits {
            return chunk;
        }
    }
    unreachable!()
}

/// Polls `condition` every 20 ms until it holds; panics with `what` after `limit`.
pub async fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Like [`wait_until`] for an async condition.
pub async fn wait_until_async<F, Fut>(limit: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !condition().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub const LIMIT: Duration = Duration::from_secs(30);
