//! Helpers shared by the node's devnet tests.
#![allow(clippy::unwrap_used, dead_code)]

use std::time::{Duration, Instant};

use comb_node::devnet::DevnetConfig;
use serde_json::Value;

/// The devnet the tests start unless they say otherwise: `nodes` nodes in `dir`, 100 ms
/// blocks, free ports, batches usable after 2 blocks, no minimum validity, no stakes.
pub fn test_devnet(dir: &std::path::Path, nodes: usize) -> DevnetConfig {
    DevnetConfig {
        nodes,
        block_time_ms: 100,
        dir: dir.to_path_buf(),
        base_port: 0,
        batch_block_threshold: 2,
        minimum_validity_blocks: None,
        stakes_bzz: Vec::new(),
    }
}

/// A response's status and JSON body (`null` when it has none).
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Buys a batch at `api` paid for `blocks` blocks and polls until it is usable.
pub async fn buy_usable_batch(
    client: &reqwest::Client,
    api: &str,
    depth: u8,
    blocks: u128,
) -> String {
    let (status, chain) = json(
        client
            .get(format!("{api}/chainstate"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{chain}");
    let price: u128 = chain["currentPrice"].as_str().unwrap().parse().unwrap();
    let amount = price * blocks;
    let (status, bought) = json(
        client
            .post(format!("{api}/stamps/{amount}/{depth}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{bought}");
    let id = bought["batchID"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, batch) = json(
            client
                .get(format!("{api}/stamps/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        if status == 200 && batch["usable"] == Value::Bool(true) {
            return id;
        }
        assert!(
            Instant::now() < deadline,
            "batch never became usable: {batch}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `len` pseudo-random bytes (xorshift from `seed`), so that every chunk is new.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// `POST /bytes` with the batch (and `swarm-deferred-upload` when given); asserts 201 and
/// returns the reference and the upload's tag.
pub async fn upload_bytes(
    client: &reqwest::Client,
    api: &str,
    batch: &str,
    data: &[u8],
    deferred: Option<bool>,
) -> (String, u64) {
    let mut request = client
        .post(format!("{api}/bytes"))
        .header("swarm-postage-batch-id", batch);
    if let Some(deferred) = deferred {
        request = request.header("swarm-deferred-upload", deferred.to_string());
    }
    let response = request.body(data.to_vec()).send().await.unwrap();
    let tag: u64 = response.headers()["swarm-tag"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    (body["reference"].as_str().unwrap().to_string(), tag)
}
