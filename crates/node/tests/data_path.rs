//! The data path on a 4-node devnet over loopback TCP (issue: "A data path you can trust"):
//! uploads at node 0 download byte-identical at other nodes right after the upload returns,
//! in both of Bee's upload modes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use comb_node::devnet::{Devnet, DevnetConfig};
use comb_primitives::{Chunk, B256};

mod common;
use common::{buy_usable_batch, json, random_bytes, upload_bytes};

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

/// File sizes for the immediate-download tests: 10 files of 8–32 MiB (sizes drawn from a
/// fixed seed), or `COMB_DATA_PATH_MIB` MiB each when set (a quicker local run).
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
        let (reference, _) = upload_bytes(&client, &uploader, &batch, &data, Some(false)).await;
        let up = started.elapsed();
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

async fn download(client: &reqwest::Client, api: &str, reference: &str) -> Vec<u8> {
    let response = client
        .get(format!("{api}/bytes/{reference}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_uploads_answer_at_once_and_download_once_synced() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(dir.path()).await;
    let client = reqwest::Client::new();
    let uploader = net.nodes[0].api_url();
    let batch = buy_usable_batch(&client, &uploader, 22, 100_000).await;
    // The same ten files as the direct test at a quarter of their size (2–8 MiB): the
    // direct test carries the full load; this one proves the deferred mode end to end.
    for (i, size) in sizes().into_iter().enumerate() {
        let i = i as u64;
        let data = random_bytes(size / 4, 77 + i);
        // No `swarm-deferred-upload` header on the first: deferred is Bee's default.
        let mode = (i > 0).then_some(true);
        let (reference, tag) = upload_bytes(&client, &uploader, &batch, &data, mode).await;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (status, info) = json(
                client
                    .get(format!("{uploader}/tags/{tag}"))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, 200, "{info}");
            let split = info["split"].as_u64().unwrap();
            assert_eq!(info["stored"].as_u64().unwrap(), split, "{info}");
            if split > 0 && info["synced"].as_u64().unwrap() == split {
                break;
            }
            assert!(Instant::now() < deadline, "never synced: {info}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(net.nodes[0].node.store().push_queue.len().unwrap(), 0);
        let downloader = net.nodes[1 + i as usize % 3].api_url();
        assert!(
            download(&client, &downloader, &reference).await == data,
            "file {i}"
        );
    }
    net.shutdown().await.unwrap();
}

/// A chunk as bee-js's `MerkleTree` makes it: the payload zero-padded to 4096 bytes past
/// its span (the BMT hash, hence the address, is the same as unpadded).
fn padded(span: u64, payload: &[u8]) -> Chunk {
    let mut padded = payload.to_vec();
    padded.resize(4096, 0);
    Chunk::content_with_span(span, &padded).unwrap()
}

/// The chunk tree of `data` (one level of intermediates: up to 128 leaves), every chunk
/// padded as bee-js pads it; the root last.
fn padded_tree(data: &[u8]) -> Vec<Chunk> {
    let leaves: Vec<Chunk> = data
        .chunks(4096)
        .map(|piece| padded(piece.len() as u64, piece))
        .collect();
    assert!(leaves.len() > 1 && leaves.len() <= 128);
    let refs: Vec<u8> = leaves.iter().flat_map(|c| c.address().0).collect();
    let root = padded(data.len() as u64, &refs);
    leaves.into_iter().chain([root]).collect()
}

async fn post_chunk(client: &reqwest::Client, api: &str, batch: &str, chunk: &Chunk) -> B256 {
    let response = client
        .post(format!("{api}/chunks"))
        .header("swarm-postage-batch-id", batch)
        .header("swarm-deferred-upload", "false")
        .body(chunk.data().to_vec())
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    body["reference"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_built_as_bee_js_builds_it_downloads_and_never_breaks_a_good_copy() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(dir.path()).await;
    let client = reqwest::Client::new();
    let uploader = net.nodes[0].api_url();
    let batch = buy_usable_batch(&client, &uploader, 22, 100_000).await;

    // Content that only ever existed padded: uploaded chunk by chunk, root last.
    let data = random_bytes(5 * 4096 + 1234, 4242);
    let tree = padded_tree(&data);
    for chunk in &tree {
        assert_eq!(
            post_chunk(&client, &uploader, &batch, chunk).await,
            *chunk.address()
        );
    }
    let root = hex::encode(tree.last().unwrap().address());
    assert_eq!(root, hex::encode(comb_filetree::root_hash(&data).unwrap()));
    for node in &net.nodes[1..] {
        assert!(download(&client, &node.api_url(), &root).await == data);
    }
    let response = client
        .get(format!("{}/chunks/{root}", net.nodes[2].api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.bytes().await.unwrap().len(), 8 + 4096);

    // Content uploaded unpadded and downloaded, then re-uploaded padded: still downloads,
    // and the stored copies are the first ones.
    let data = random_bytes(7 * 4096 + 99, 4343);
    let second = net.nodes[2].api_url();
    let second_batch = buy_usable_batch(&client, &second, 22, 100_000).await;
    let (reference, _) = upload_bytes(&client, &uploader, &batch, &data, Some(false)).await;
    assert!(download(&client, &net.nodes[1].api_url(), &reference).await == data);
    for chunk in padded_tree(&data) {
        post_chunk(&client, &uploader, &batch, &chunk).await;
        post_chunk(&client, &second, &second_batch, &chunk).await;
    }
    for node in &net.nodes {
        assert!(download(&client, &node.api_url(), &reference).await == data);
    }
    let root: B256 = reference.parse().unwrap();
    let stored = net.nodes[0]
        .node
        .store()
        .reserve
        .get(&root)
        .unwrap()
        .unwrap_or_else(|| panic!("root not at the uploader"));
    assert_eq!(
        stored.data().len(),
        8 + 8 * 32,
        "the unpadded root was replaced"
    );
    net.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_bee_errors_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(dir.path()).await;
    let client = reqwest::Client::new();
    let api = net.nodes[0].api_url();
    let batch = buy_usable_batch(&client, &api, 22, 100_000).await;
    let small = buy_usable_batch(&client, &api, 17, 100_000).await;
    let reserve = || net.nodes[0].node.store().reserve.size().unwrap();
    let queued = || net.nodes[0].node.store().push_queue.len().unwrap();
    let unknown = "ab".repeat(32);
    let body = random_bytes(10_000, 5);
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        (
            "unknown batch",
            client
                .post(format!("{api}/bytes"))
                .header("swarm-postage-batch-id", &unknown)
                .body(body.clone()),
            404,
        ),
        (
            "malformed batch header",
            client
                .post(format!("{api}/bytes"))
                .header("swarm-postage-batch-id", "xyz")
                .body(body.clone()),
            400,
        ),
        (
            "malformed deferred header",
            client
                .post(format!("{api}/bytes"))
                .header("swarm-postage-batch-id", &batch)
                .header("swarm-deferred-upload", "maybe")
                .body(body.clone()),
            400,
        ),
        (
            "access control asked for",
            client
                .post(format!("{api}/bytes"))
                .header("swarm-postage-batch-id", &batch)
                .header("swarm-act", "true")
                .body(body.clone()),
            400,
        ),
        (
            "access control on /bzz",
            client
                .post(format!("{api}/bzz?name=a.txt"))
                .header("swarm-postage-batch-id", &batch)
                .header("swarm-act", "true")
                .body(body.clone()),
            400,
        ),
        (
            "erasure coding asked for",
            client
                .post(format!("{api}/bytes"))
                .header("swarm-postage-batch-id", &batch)
                .header("swarm-redundancy-level", "1")
                .body(body.clone()),
            400,
        ),
        (
            "chunk body too large",
            client
                .post(format!("{api}/chunks"))
                .header("swarm-postage-batch-id", &batch)
                .body(vec![0u8; 4202]),
            413,
        ),
        (
            "SOC body with a bad signature",
            client
                .post(format!("{api}/chunks"))
                .header("swarm-postage-batch-id", &batch)
                .body(vec![1u8; 4150]),
            400,
        ),
        (
            "chunk not found",
            client.get(format!("{api}/chunks/{unknown}")),
            404,
        ),
        (
            "bytes not found",
            client.get(format!("{api}/bytes/{unknown}")),
            404,
        ),
    ];
    let before = (reserve(), queued());
    for (what, request, want) in cases {
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_eq!(status, want, "{what}: {body}");
        assert_eq!(
            body["code"].as_u64(),
            Some(u64::from(want)),
            "{what}: {body}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: {body}"
        );
        assert_eq!((reserve(), queued()), before, "{what} stored something");
    }

    // An immutable depth-17 batch holds two chunks per bucket: 20 MiB over-issues it. Bee
    // answers 402 (the client's mistake), not 500.
    let (status, body) = json(
        client
            .post(format!("{api}/bytes"))
            .header("swarm-postage-batch-id", &small)
            .body(random_bytes(20 << 20, 17))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 402, "{body}");
    assert_eq!(body["message"], "batch is overissued");
    net.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_and_etags_on_bytes_and_bzz() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(dir.path()).await;
    let client = reqwest::Client::new();
    let api = net.nodes[0].api_url();
    let other = net.nodes[2].api_url();
    let batch = buy_usable_batch(&client, &api, 22, 100_000).await;
    let data = random_bytes(3 * 4096 + 1000, 31);
    let size = data.len();
    let (reference, _) = upload_bytes(&client, &api, &batch, &data, Some(false)).await;
    let response = client
        .post(format!("{api}/bzz?name=data.bin"))
        .header("swarm-postage-batch-id", &batch)
        .header("content-type", "application/octet-stream")
        .header("swarm-deferred-upload", "false")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    let manifest = body["reference"].as_str().unwrap().to_string();

    for url in [
        format!("{other}/bytes/{reference}"),
        format!("{other}/bzz/{manifest}/"),
    ] {
        let full = client.get(&url).send().await.unwrap();
        assert_eq!(full.status().as_u16(), 200, "{url}");
        assert_eq!(full.headers()["accept-ranges"], "bytes");
        let etag = full.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(etag, format!("\"{reference}\""), "{url}");
        assert!(full.bytes().await.unwrap().as_ref() == data.as_slice());

        for (range, start, end) in [
            ("bytes=100-199", 100, 200),
            ("bytes=4090-4200", 4090, 4201),
            (&format!("bytes={}-", size - 10) as &str, size - 10, size),
            ("bytes=-50", size - 50, size),
            (&format!("bytes=0-{}", size + 100) as &str, 0, size),
        ] {
            let part = client
                .get(&url)
                .header("range", range)
                .send()
                .await
                .unwrap();
            assert_eq!(part.status().as_u16(), 206, "{url} {range}");
            assert_eq!(
                part.headers()["content-range"].to_str().unwrap(),
                format!("bytes {start}-{}/{size}", end - 1),
                "{url} {range}"
            );
            assert_eq!(
                part.headers()["content-length"].to_str().unwrap(),
                (end - start).to_string()
            );
            assert!(
                part.bytes().await.unwrap().as_ref() == &data[start..end],
                "{url} {range}"
            );
        }
        let (status, body) = json(
            client
                .get(&url)
                .header("range", format!("bytes={}-", size + 1))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 416, "{url}: {body}");

        let cached = client
            .get(&url)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(cached.status().as_u16(), 304, "{url}");
        assert_eq!(cached.headers()["etag"].to_str().unwrap(), etag);
        assert!(cached.bytes().await.unwrap().is_empty());
        let stale = client
            .get(&url)
            .header("if-none-match", format!("\"{}\"", "00".repeat(32)))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status().as_u16(), 200, "{url}");

        let head = client.head(&url).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200, "{url}");
        assert_eq!(
            head.headers()["content-length"].to_str().unwrap(),
            size.to_string()
        );
        assert_eq!(head.headers()["etag"].to_str().unwrap(), etag);
    }
    net.shutdown().await.unwrap();
}
