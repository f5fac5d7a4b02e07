//! Upload and download throughput of a large file through the HTTP API of a 4-node devnet
//! (in one process, real TCP), and the process's resident memory. One measured run, not a
//! criterion loop: a 256 MiB transfer is too long to repeat many times.
//!
//! `cargo bench -p comb-node --bench devnet_throughput` (size in MiB via `COMB_BENCH_MIB`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use comb_node::devnet::{Devnet, DevnetConfig};

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn data(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mib: usize = std::env::var("COMB_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let dir = tempfile::tempdir().unwrap();
    let net = Devnet::start(&DevnetConfig {
        nodes: 4,
        block_time_ms: 200,
        dir: dir.path().to_path_buf(),
        base_port: 0,
        batch_block_threshold: 2,
        minimum_validity_blocks: None,
        // Not about the redistribution game: no stakes, no agent transactions.
        stakes_bzz: Vec::new(),
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3600))
        .build()
        .unwrap();
    let up = net.nodes[0].api_url();
    let down = net.nodes[3].api_url();
    let state: serde_json::Value = client
        .get(format!("{up}/chainstate"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let price: u128 = state["currentPrice"].as_str().unwrap().parse().unwrap();
    let amount = price * 17_280 * 2;
    let bought: serde_json::Value = client
        .post(format!("{up}/stamps/{amount}/22"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let batch = bought["batchID"].as_str().unwrap().to_string();
    loop {
        let batch: serde_json::Value = client
            .get(format!("{up}/stamps/{batch}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if batch["usable"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let payload = data(mib << 20);
    let bytes = payload.len() as f64 / (1 << 20) as f64;

    let started = Instant::now();
    let response: serde_json::Value = client
        .post(format!("{up}/bytes"))
        .header("swarm-postage-batch-id", &batch)
        .body(payload.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let upload = started.elapsed();
    let reference = response["reference"].as_str().unwrap().to_string();
    let after_upload = resident_mib();

    let started = Instant::now();
    let downloaded = client
        .get(format!("{down}/bytes/{reference}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let download = started.elapsed();
    assert!(
        downloaded.as_ref() == payload.as_slice(),
        "download differs"
    );

    println!("devnet_throughput: {mib} MiB, 4 nodes + chain in one process");
    println!(
        "upload   (node 1 API): {:.1} s, {:.1} MiB/s",
        upload.as_secs_f64(),
        bytes / upload.as_secs_f64()
    );
    println!(
        "download (node 4 API): {:.1} s, {:.1} MiB/s",
        download.as_secs_f64(),
        bytes / download.as_secs_f64()
    );
    println!("resident memory after upload: {after_upload:.0} MiB; after download: {:.0} MiB (whole process, incl. the {mib} MiB test buffer twice)", resident_mib());
    net.shutdown().await.unwrap();
}
