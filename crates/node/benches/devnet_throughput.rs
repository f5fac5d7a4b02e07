//! Upload and download throughput of a large file through the HTTP API of a 4-node devnet
//! (in one process, real TCP, SWAP on with the devnet's settlement rules), and the process's
//! resident memory: a deferred upload at node 0 (answered once stored there), a direct
//! upload (answered once every chunk is receipted), and a cold download of the direct upload
//! at node 3 right after it returned. One measured run, not a
//! criterion loop: a 256 MiB transfer is too long to repeat many times.
//!
//! `cargo bench -p comb-node --bench devnet_throughput` (size in MiB via `COMB_BENCH_MIB`;
//! `COMB_BENCH_ONLY_DEFERRED=1` stops after the deferred upload).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

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

fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
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
    // `COMB_BENCH_SETTLEMENT_FACTOR=n` multiplies the refresh rate and the payment
    // threshold of every node by n: no longer Bee's settlement rules, but it shows what the
    // data path does when settlement (at most one payment per peer per second) is not the
    // limit.
    let factor: u64 = std::env::var("COMB_BENCH_SETTLEMENT_FACTOR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let net = Devnet::start_with(
        &DevnetConfig {
            nodes: 4,
            block_time_ms: 200,
            dir: dir.path().to_path_buf(),
            base_port: 0,
            batch_block_threshold: 2,
            minimum_validity_blocks: None,
            // Not about the redistribution game: no stakes, no agent transactions.
            stakes_bzz: Vec::new(),
        },
        |_, config| {
            config.swap.refresh_rate = config.swap.refresh_rate.saturating_mul(factor);
            config.swap.payment_threshold = config.swap.payment_threshold.saturating_mul(factor);
        },
    )
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
    let bytes = (mib << 20) as f64 / 1e6;
    let upload = |payload: Vec<u8>, deferred: bool| {
        let client = client.clone();
        let up = up.clone();
        let batch = batch.clone();
        async move {
            let started = Instant::now();
            let response: serde_json::Value = client
                .post(format!("{up}/bytes"))
                .header("swarm-postage-batch-id", &batch)
                .header("swarm-deferred-upload", deferred.to_string())
                .body(payload)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let reference = response["reference"]
                .as_str()
                .unwrap_or_else(|| panic!("upload failed: {response}"))
                .to_string();
            (started.elapsed(), reference)
        }
    };

    // 1. Deferred upload (Bee's default): answered once stored at node 0.
    let first = data(mib << 20, 1);
    let (deferred, _) = upload(first, true).await;
    eprintln!("deferred upload done: {:.2} s", deferred.as_secs_f64());
    if std::env::var("COMB_BENCH_ONLY_DEFERRED").is_ok() {
        println!(
            "deferred upload at node 0: {:.2} s, {:.1} MB/s",
            deferred.as_secs_f64(),
            bytes / deferred.as_secs_f64()
        );
        return;
    }
    // Let its pushes finish before the next figure.
    while net.nodes[0].node.store().push_queue.len().unwrap() > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after_deferred = resident_mib();

    // 2. Direct upload: answered once every chunk has a receipt.
    let second = data(mib << 20, 2);
    let (direct, reference) = upload(second.clone(), false).await;

    // `COMB_BENCH_QUIET_DOWNLOAD=1`: wait until pull sync has copied every chunk before the
    // download, to see the download alone (no longer the "right after").
    if std::env::var("COMB_BENCH_QUIET_DOWNLOAD").is_ok() {
        let mut last = (0u64, Instant::now());
        loop {
            let total: u64 = net
                .nodes
                .iter()
                .map(|n| n.node.store().reserve.size().unwrap())
                .sum();
            if total != last.0 {
                last = (total, Instant::now());
            } else if last.1.elapsed() > Duration::from_secs(2) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // 3. Cold download at node 3 right after the direct upload.
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
    assert!(downloaded.as_ref() == second.as_slice(), "download differs");
    if std::env::var("COMB_BENCH_QUIET_DOWNLOAD").is_ok() {
        let sizes: Vec<u64> = net
            .nodes
            .iter()
            .map(|n| n.node.store().reserve.size().unwrap())
            .collect();
        let started = Instant::now();
        let again = client
            .get(format!("{down}/bytes/{reference}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        eprintln!(
            "reserve sizes {sizes:?}; second download at node 3: {:.2} s, {} bytes",
            started.elapsed().as_secs_f64(),
            again.len()
        );
    }

    println!("devnet_throughput: {mib} MiB of random data, 4 nodes + chain in one process, settlement factor {factor}");
    for (what, took) in [
        ("deferred upload at node 0", deferred),
        ("direct upload at node 0  ", direct),
        ("cold download at node 3  ", download),
    ] {
        println!(
            "{what}: {:.2} s, {:.1} MB/s",
            took.as_secs_f64(),
            bytes / took.as_secs_f64()
        );
    }
    println!(
        "resident memory after the deferred upload: {after_deferred:.0} MiB; at the end: {:.0} MiB (whole process, incl. the test buffers)",
        resident_mib()
    );
    net.shutdown().await.unwrap();
}
