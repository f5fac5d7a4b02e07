//! The data path on a 4-node devnet over loopback TCP (issue: "A data path you can trust"):
//! uploads at node 0 download byte-identical at other nodes right after the upload returns,
//! in both of Bee's upload modes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use comb_node::devnet::{Devnet, DevnetConfig};

mod common;
use common::{buy_usable_batch, json, random_bytes};

async fn devnet(dir: &std::path::Path) -> Devnet {
    Devnet::start(&DevnetConfig {
        nodes: 4,
        block_time_ms: 100,
        dir: dir.to_path_buf(),
        base_port: 0,
        batch_block_threshold: 2,
        minimum_validity_blocks: Some(40),
        stakes_bzz: Vec::new(),
    })
    .await
    .unwrap()
}

/// File sizes for the immediate-download test: 10 files of 8–32 MiB, or `COMB_DATA_PATH_MIB`
/// MiB each when set (a quicker local run).
fn sizes() -> Vec<usize> {
    if let Some(mib) = std::env::var("COMB_DATA_PATH_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        return vec![mib << 20; 10];
    }
    (0..10u64)
        .map(|i| {
            (8usize << 20)
                + (random_bytes(8, i + 100)[0] as usize % 25) * (1 << 20)
                + i as usize * 977
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_uploads_download_at_once_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(dir.path()).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let uploader = net.nodes[0].api_url();
    let batch = buy_usable_batch(&client, &uploader, 22, 100_000).await;
    for (i, size) in sizes().into_iter().enumerate() {
        let data = random_bytes(size, 1000 + i as u64);
        let started = Instant::now();
        let response = client
            .post(format!("{uploader}/bytes"))
            .header("swarm-postage-batch-id", &batch)
            .header("swarm-deferred-upload", "false")
            .body(data.clone())
            .send()
            .await
            .unwrap();
        let (status, body) = json(response).await;
        assert_eq!(status, 201, "{body}");
        let up = started.elapsed();
        let reference = body["reference"].as_str().unwrap().to_string();
        let downloader = net.nodes[1 + i % 3].api_url();
        let started = Instant::now();
        let response = client
            .get(format!("{downloader}/bytes/{reference}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let downloaded = response.bytes().await;
        let downloaded =
            downloaded.unwrap_or_else(|e| panic!("file {i} ({size} bytes) broke off: {e}"));
        assert_eq!(downloaded.len(), size, "file {i}");
        assert!(downloaded.as_ref() == data.as_slice(), "file {i} differs");
        eprintln!(
            "file {i}: {size} bytes, up {:?}, down at node {} {:?}",
            up,
            1 + i % 3,
            started.elapsed()
        );
    }
    net.shutdown().await.unwrap();
}
