//! A 4-node devnet over loopback TCP (issue: "The node network", Done when): buy a batch at
//! node 1, upload 10 MiB there, download it byte-identical at node 4, and find every chunk in
//! the reserve of the node closest to it. Plus Bee's error answers for bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use comb_node::devnet::{Devnet, DevnetConfig};

mod common;
use comb_primitives::proximity::proximity_uncapped;
use comb_primitives::{Chunk, B256};
use common::{buy_usable_batch, json, random_bytes};
use serde_json::Value;

async fn devnet(nodes: usize, dir: &std::path::Path) -> Devnet {
    Devnet::start(&DevnetConfig {
        nodes,
        block_time_ms: 100,
        dir: dir.to_path_buf(),
        base_port: 0,
        batch_block_threshold: 2,
        minimum_validity_blocks: Some(40),
        // Not about the redistribution game: no stakes, no agent transactions.
        stakes_bzz: Vec::new(),
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_nodes_upload_at_one_download_at_another() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(4, dir.path()).await;
    net.write_manifest(dir.path()).unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("devnet.json")).unwrap()).unwrap();
    assert_eq!(manifest["nodes"].as_array().unwrap().len(), 4);

    let client = reqwest::Client::new();
    let uploader = net.nodes[0].api_url();
    let downloader = net.nodes[3].api_url();
    let batch = buy_usable_batch(&client, &uploader, 20, 100_000).await;

    let data = random_bytes(10 << 20, 7);
    let response = client
        .post(format!("{uploader}/bytes"))
        .header("swarm-postage-batch-id", &batch)
        .body(data.clone())
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap().to_string();
    assert_eq!(
        reference,
        hex::encode(comb_filetree::root_hash(&data).unwrap())
    );

    let response = client
        .get(format!("{downloader}/bytes/{reference}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-length"].to_str().unwrap(),
        (10 << 20).to_string()
    );
    let downloaded = response.bytes().await.unwrap();
    assert!(
        downloaded.as_ref() == data.as_slice(),
        "downloaded bytes differ"
    );

    // Every chunk of the file ends up in the reserve of the node closest to it.
    let mut chunks: Vec<Chunk> = Vec::new();
    comb_filetree::split_bytes(&data, &mut chunks).unwrap();
    let overlays: Vec<B256> = net.nodes.iter().map(|n| n.node.overlay()).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let missing = chunks
            .iter()
            .filter(|chunk| {
                let closest = (0..overlays.len())
                    .max_by_key(|&i| proximity_uncapped(&chunk.address().0, &overlays[i].0))
                    .unwrap();
                !net.nodes[closest]
                    .node
                    .store()
                    .reserve
                    .has(chunk.address())
                    .unwrap()
            })
            .count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} chunks never reached their closest node"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    net.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_bee_errors_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(1, dir.path()).await;
    let client = reqwest::Client::new();
    let api = net.nodes[0].api_url();
    let reserve = &net.nodes[0].node.store().reserve;
    let batch = buy_usable_batch(&client, &api, 17, 100_000).await;
    let chunk = Chunk::content(b"a chunk").unwrap();

    let post_chunk = |data: Vec<u8>, header: (&'static str, String)| {
        client
            .post(format!("{api}/chunks"))
            .header(header.0, header.1)
            .body(data)
            .send()
    };
    // An unknown batch.
    let (status, body) = json(
        post_chunk(
            chunk.data().to_vec(),
            ("swarm-postage-batch-id", "11".repeat(32)),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], 404);
    assert!(body["message"].as_str().unwrap().contains("not found"));
    // A malformed batch id.
    let (status, _) = json(
        post_chunk(
            chunk.data().to_vec(),
            ("swarm-postage-batch-id", "zz".to_string()),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    // A too-large chunk: past the largest single-owner chunk (4201 bytes).
    let (status, body) = json(
        post_chunk(vec![0; 4202], ("swarm-postage-batch-id", batch.clone()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    // Longer than a content-addressed chunk: taken as a single-owner chunk, and this one
    // is not a valid one (Bee: 400 "chunk data is invalid").
    let (status, body) = json(
        post_chunk(vec![0; 4105], ("swarm-postage-batch-id", batch.clone()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // A stamp for another chunk (invalid signature for this address).
    let other = Chunk::content(b"another chunk").unwrap();
    let (status, envelope) = json(
        client
            .post(format!("{api}/envelope/{}", hex::encode(other.address())))
            .header("swarm-postage-batch-id", &batch)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{envelope}");
    let stamp = format!(
        "{batch}{}{}{}",
        envelope["index"].as_str().unwrap(),
        envelope["timestamp"].as_str().unwrap(),
        envelope["signature"].as_str().unwrap()
    );
    let (status, body) = json(
        post_chunk(chunk.data().to_vec(), ("swarm-postage-stamp", stamp))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // A malformed reference.
    let (status, body) = json(
        client
            .get(format!("{api}/bytes/1234"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // Missing postage header on /bytes.
    let (status, _) = json(
        client
            .post(format!("{api}/bytes"))
            .body("x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    // Nothing was stored by any of it.
    assert!(!reserve.has(chunk.address()).unwrap());
    assert_eq!(reserve.size().unwrap(), 0);

    // An expired batch: bought for 40 blocks (4 s), then used after it ran out.
    let (_, chain) = json(
        client
            .get(format!("{api}/chainstate"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let price: u128 = chain["currentPrice"].as_str().unwrap().parse().unwrap();
    let (status, bought) = json(
        client
            .post(format!("{api}/stamps/{}/17", price * 40))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{bought}");
    let short = bought["batchID"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = json(
            client
                .get(format!("{api}/stamps/{short}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        if status == 404 {
            break; // expired and gone from the batch store
        }
        assert!(Instant::now() < deadline, "the short batch never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = json(
        post_chunk(chunk.data().to_vec(), ("swarm-postage-batch-id", short))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(!reserve.has(chunk.address()).unwrap());

    // A good chunk is stored and readable.
    let (status, body) = json(
        post_chunk(chunk.data().to_vec(), ("swarm-postage-batch-id", batch))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let got = client
        .get(format!("{api}/chunks/{}", hex::encode(chunk.address())))
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().as_ref(), chunk.data());
    net.shutdown().await.unwrap();
}
