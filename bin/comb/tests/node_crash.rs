//! A node killed with SIGKILL during an upload and restarted still holds every chunk it
//! acknowledged, and its stamp issuer continues without reusing an index (issue: "The node
//! network", Done when). And a node killed after a deferred upload answered, before any of
//! its pushes went out, pushes them after the restart (issue: "A data path you can trust").
//! Real `comb chain` and `comb node` processes on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use comb_chain_rpc::dev::dev_key;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_chain(dir: &Path) -> (Child, String) {
    let mut chain = Command::new(env!("CARGO_BIN_EXE_comb"))
        .args([
            "chain",
            "--listen",
            "127.0.0.1:0",
            "--block-time",
            "50",
            "--data",
        ])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = chain.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().expect("comb chain printed no URL").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].trim().to_string();
        }
    };
    // Keep draining stdout so the chain never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (chain, url)
}

fn start_node(dir: &Path, api_port: u16, chain: &str) -> Child {
    start_node_with(dir, api_port, chain, 0, 0, None)
}

/// A `comb node` with dev key `key`, its p2p port (0: any) and an optional bootnode.
fn start_node_with(
    dir: &Path,
    api_port: u16,
    chain: &str,
    key: usize,
    p2p_port: u16,
    bootnode: Option<&str>,
) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_comb"));
    command
        .args(["node", "--p2p-addr"])
        .arg(format!("127.0.0.1:{p2p_port}"))
        .args(["--chain-rpc", chain, "--api-addr"])
        .arg(format!("127.0.0.1:{api_port}"))
        .arg("--data-dir")
        .arg(dir)
        .env("COMB_PRIVATE_KEY", hex::encode(dev_key(key)))
        .env("COMB_BATCH_BLOCK_THRESHOLD", "2")
        .env("RUST_LOG", "info,comb_net=debug")
        .stdout(Stdio::null())
        .stderr(log_file(dir));
    if let Some(bootnode) = bootnode {
        command.args(["--bootnode", bootnode]);
    }
    command.spawn().unwrap()
}

/// Where a node's log goes: beside its data directory, appended across restarts.
fn log_file(dir: &Path) -> Stdio {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.with_extension("log"))
        .unwrap();
    Stdio::from(file)
}

/// The last lines of a node's log, for a failure message.
fn log_tail(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.with_extension("log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(80)..].join("\n")
}

fn wait_healthy(client: &reqwest::blocking::Client, api: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while client
        .get(format!("{api}/readiness"))
        .send()
        .map(|r| r.status().is_success())
        .ok()
        != Some(true)
    {
        assert!(Instant::now() < deadline, "node never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn json(response: reqwest::blocking::Response) -> serde_json::Value {
    let status = response.status();
    let body: serde_json::Value = response.json().unwrap_or_default();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Buys a depth-20 batch at `api` for two days of 5-second blocks and waits until it is
/// usable.
fn buy_usable_batch(client: &reqwest::blocking::Client, api: &str) -> String {
    let state = json(client.get(format!("{api}/chainstate")).send().unwrap());
    let price: u128 = state["currentPrice"].as_str().unwrap().parse().unwrap();
    let amount = price * 17_280 * 2;
    let batch = json(
        client
            .post(format!("{api}/stamps/{amount}/20"))
            .send()
            .unwrap(),
    )["batchID"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while json(client.get(format!("{api}/stamps/{batch}")).send().unwrap())["usable"] != true {
        assert!(Instant::now() < deadline, "batch never usable");
        std::thread::sleep(Duration::from_millis(50));
    }
    batch
}

fn chunk_data(n: u32) -> Vec<u8> {
    let payload = format!("chunk {n} of an interrupted upload");
    let mut data = (payload.len() as u64).to_le_bytes().to_vec();
    data.extend_from_slice(payload.as_bytes());
    data
}

#[test]
fn a_killed_node_keeps_what_it_acknowledged_and_never_reuses_a_stamp_index() {
    let dir = tempfile::tempdir().unwrap();
    let (mut chain, chain_url) = start_chain(&dir.path().join("chain"));
    let port = free_port();
    let api = format!("http://127.0.0.1:{port}");
    let node_dir = dir.path().join("node");
    let mut node = start_node(&node_dir, port, &chain_url);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    wait_healthy(&client, &api);

    let batch = buy_usable_batch(&client, &api);

    // Upload chunks one by one; each 201 is an acknowledgement.
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, Vec<u8>)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let uploader = {
        let acknowledged = Arc::clone(&acknowledged);
        let stop = Arc::clone(&stop);
        let (api, batch) = (api.clone(), batch.clone());
        std::thread::spawn(move || {
            let client = reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let data = chunk_data(n);
                let response = client
                    .post(format!("{api}/chunks"))
                    .header("swarm-postage-batch-id", &batch)
                    .body(data.clone())
                    .send();
                match response {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let reference = r.json::<serde_json::Value>().unwrap()["reference"]
                            .as_str()
                            .unwrap()
                            .to_string();
                        acknowledged.lock().unwrap().push((reference, data));
                    }
                    _ => break, // the node is gone
                }
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 40 {
        assert!(Instant::now() < deadline, "uploads too slow");
        std::thread::sleep(Duration::from_millis(10));
    }
    node.kill().unwrap(); // SIGKILL, mid-upload
    node.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    uploader.join().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();

    let mut node = start_node(&node_dir, port, &chain_url);
    wait_healthy(&client, &api);
    for (reference, data) in &acknowledged {
        let response = client
            .get(format!("{api}/chunks/{reference}"))
            .send()
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            200,
            "acknowledged chunk {reference} lost"
        );
        assert_eq!(response.bytes().unwrap().as_ref(), data.as_slice());
    }

    // The issuer resumes: a new chunk in a used bucket gets the next slot, not a used one.
    let buckets = json(
        client
            .get(format!("{api}/stamps/{batch}/buckets"))
            .send()
            .unwrap(),
    );
    let used: u64 = buckets["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["collisions"].as_u64().unwrap())
        .sum();
    assert!(
        used >= acknowledged.len() as u64,
        "{used} slots used for {} chunks",
        acknowledged.len()
    );
    let (reference, _) = &acknowledged[0];
    let bucket = u64::from_str_radix(&reference[..4], 16).unwrap();
    let before = buckets["buckets"][bucket as usize]["collisions"]
        .as_u64()
        .unwrap();
    let fresh = format!("{}{}", &reference[..4], "ab".repeat(30));
    let envelope = json(
        client
            .post(format!("{api}/envelope/{fresh}"))
            .header("swarm-postage-batch-id", &batch)
            .send()
            .unwrap(),
    );
    let index = envelope["index"].as_str().unwrap();
    assert_eq!(u64::from_str_radix(&index[..8], 16).unwrap(), bucket);
    assert_eq!(
        u64::from_str_radix(&index[8..], 16).unwrap(),
        before,
        "a stamp index was reused"
    );

    node.kill().unwrap();
    chain.kill().unwrap();
    let _ = node.wait();
    let _ = chain.wait();
}

#[test]
fn a_deferred_upload_reaches_its_storer_after_the_uploader_was_killed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut chain, chain_url) = start_chain(&dir.path().join("chain"));
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // The uploader alone: no peer, so nothing of the upload can be pushed before the kill.
    let (port, p2p) = (free_port(), free_port());
    let api = format!("http://127.0.0.1:{port}");
    let node_dir = dir.path().join("uploader");
    let mut node = start_node_with(&node_dir, port, &chain_url, 0, p2p, None);
    wait_healthy(&client, &api);
    let batch = buy_usable_batch(&client, &api);
    let data: Vec<u8> = (0..(1u32 << 20))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let response = client
        .post(format!("{api}/bytes"))
        .header("swarm-postage-batch-id", &batch)
        .header("swarm-deferred-upload", "true")
        .body(data.clone())
        .send()
        .unwrap();
    let tag = response.headers()["swarm-tag"]
        .to_str()
        .unwrap()
        .to_string();
    let reference = json(response)["reference"].as_str().unwrap().to_string();
    let counters = json(client.get(format!("{api}/tags/{tag}")).send().unwrap());
    let chunks = counters["split"].as_u64().unwrap();
    assert!(chunks > 256, "{counters}");
    assert_eq!(counters["stored"].as_u64(), Some(chunks), "{counters}");
    assert_eq!(
        counters["synced"].as_u64(),
        Some(0),
        "pushed without a peer: {counters}"
    );
    node.kill().unwrap(); // SIGKILL, the whole upload still queued
    node.wait().unwrap();

    // A storer comes up, and the uploader restarts with it as its bootnode.
    let (storer_port, storer_p2p) = (free_port(), free_port());
    let storer_api = format!("http://127.0.0.1:{storer_port}");
    let mut storer = start_node_with(
        &dir.path().join("storer"),
        storer_port,
        &chain_url,
        1,
        storer_p2p,
        None,
    );
    wait_healthy(&client, &storer_api);
    let bootnode = format!("/ip4/127.0.0.1/tcp/{storer_p2p}");
    let mut node = start_node_with(&node_dir, port, &chain_url, 0, p2p, Some(&bootnode));
    wait_healthy(&client, &api);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status = json(client.get(format!("{storer_api}/status")).send().unwrap());
        if status["reserveSize"].as_u64().unwrap_or(0) >= chunks {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the storer never got the upload: {status}\nuploader log:\n{}\nstorer log:\n{}",
            log_tail(&node_dir),
            log_tail(&dir.path().join("storer"))
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // `RUST_LOG=…,comb_net=debug` shows the handshake with the peer, in either log.
    let logs = log_tail(&node_dir) + &log_tail(&dir.path().join("storer"));
    assert!(
        logs.contains("peer connected"),
        "no handshake logged:\n{logs}"
    );
    // With the uploader gone for good, the file downloads from the storer.
    node.kill().unwrap();
    let _ = node.wait();
    let downloaded = client
        .get(format!("{storer_api}/bytes/{reference}"))
        .send()
        .unwrap();
    assert_eq!(downloaded.status().as_u16(), 200);
    assert!(downloaded.bytes().unwrap().as_ref() == data.as_slice());
    storer.kill().unwrap();
    chain.kill().unwrap();
    let _ = storer.wait();
    let _ = chain.wait();
}
