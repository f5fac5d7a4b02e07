//! SWAP bandwidth incentives end to end (spec `swap.md`) with real nodes over loopback TCP
//! and the dev chain: a light node downloading from a full node settles by time
//! (pseudosettle) and by cheques; the cheques show in both nodes' APIs and cash out on the
//! ledger; balances mirror each other; a light node that does not pay is cut off at the
//! disconnect threshold and refused for the blocklist duration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use comb_chain_rpc::dev::{dev_genesis, dev_key};
use comb_chain_rpc::producer::unix_now;
use comb_chain_rpc::{ChainClient, ChainService, Genesis, ServiceConfig};
use comb_node::swap::SwapConfig;
use comb_node::{start, NodeConfig, RunningNode};
use common::{buy_usable_batch, json};
use serde_json::Value;

struct Net {
    chain: ChainService,
    nodes: Vec<RunningNode>,
    _dir: tempfile::TempDir,
}

fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// The dev chain (100 ms blocks) and one node per `(full_node, swap)`, node 0 the others'
/// bootnode; waits until node 0 sees every other node.
async fn start_net(nodes: Vec<(bool, SwapConfig)>) -> Net {
    let dir = tempfile::tempdir().unwrap();
    let mut genesis = dev_genesis().unwrap();
    genesis.timestamp = unix_now();
    let chain = ChainService::start(ServiceConfig {
        data_dir: dir.path().join("chain"),
        genesis: Genesis::OrCreate(genesis),
        listen: local(),
        block_time: Duration::from_millis(100),
    })
    .await
    .unwrap();
    let mut running: Vec<RunningNode> = Vec::new();
    for (index, (full_node, swap)) in nodes.into_iter().enumerate() {
        let bootnodes = running
            .first()
            .map(|first| {
                first
                    .node
                    .network()
                    .listen_addrs()
                    .iter()
                    .map(|a| a.to_string())
                    .collect()
            })
            .unwrap_or_default();
        let config = NodeConfig {
            data_dir: dir.path().join(format!("node-{index}")),
            api_addr: local(),
            p2p_addr: local(),
            chain_rpc: chain.url(),
            bootnodes,
            private_key: Some(hex::encode(dev_key(index))),
            batch_block_threshold: 2,
            full_node,
            swap,
            ..NodeConfig::default()
        };
        running.push(start(config).await.unwrap());
    }
    let net = Net {
        chain,
        nodes: running,
        _dir: dir,
    };
    let wanted = net.nodes.len() - 1;
    wait_until("nodes connected", Duration::from_secs(20), || async {
        net.nodes[0].node.network().peers().len() >= wanted
    })
    .await;
    net
}

impl Net {
    async fn shutdown(self) {
        for node in self.nodes {
            node.shutdown().await;
        }
        self.chain.shutdown().await.unwrap();
    }
}

/// Polls `check` every 50 ms until it holds, failing after `within`.
async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    json(client.get(url).send().await.unwrap()).await
}

/// `n` pseudo-random bytes (xorshift), so that every chunk is new.
fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Uploads `data` at `api` and returns the reference.
async fn upload(client: &reqwest::Client, api: &str, batch: &str, data: Vec<u8>) -> String {
    let response = client
        .post(format!("{api}/bytes"))
        .header("swarm-postage-batch-id", batch)
        .body(data)
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    body["reference"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downloading_light_node_pays_by_time_and_by_cheque() {
    let net = start_net(vec![
        (true, SwapConfig::default()),
        (false, SwapConfig::default()),
    ])
    .await;
    let client = reqwest::Client::new();
    let (server, downloader) = (&net.nodes[0], &net.nodes[1]);
    let (server_api, downloader_api) = (server.api_url(), downloader.api_url());
    let server_overlay = hex::encode(server.node.overlay());
    let downloader_overlay = hex::encode(downloader.node.overlay());

    let batch = buy_usable_batch(&client, &server_api, 20, 20_000).await;
    let data = random_bytes(40 * 4096, 7);
    let reference = upload(&client, &server_api, &batch, data.clone()).await;

    let started = Instant::now();
    let response = client
        .get(format!("{downloader_api}/bytes/{reference}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status != 200 {
        eprintln!("{:?}", response.text().await);
        eprintln!("downloader {:?}", downloader.node.swap().peer_states());
        eprintln!("server {:?}", server.node.swap().peer_states());
        eprintln!("peers {:?}", downloader.node.network().peers());
    }
    assert_eq!(status, 200);
    let response = client
        .get(format!("{downloader_api}/bytes/{reference}"))
        .send()
        .await
        .unwrap();
    let body = response.bytes().await;
    if body.is_err() {
        eprintln!("downloader {:?}", downloader.node.swap().peer_states());
        eprintln!("server {:?}", server.node.swap().peer_states());
        eprintln!("downloader {:?}", downloader.node.swap().snapshot());
        eprintln!("server {:?}", server.node.swap().snapshot());
    }
    assert_eq!(body.unwrap().as_ref(), data.as_slice());
    eprintln!("downloaded {} bytes in {:?}", data.len(), started.elapsed());

    let server_state = server.node.swap().snapshot();
    let downloader_state = downloader.node.swap().snapshot();
    eprintln!("server: {server_state:?}");
    eprintln!("downloader: {downloader_state:?}");
    let _ = (server_overlay, downloader_overlay);
    net.shutdown().await;
}
