//! A 5-node devnet in which one node has a libp2p identity of Bee's kind, ECDSA P-256
//! (audit L-6), from a key file written before it starts (`keys/libp2p.key` may hold any
//! key type libp2p encodes). Chunks go both ways through it: an upload at an ed25519 node
//! downloads at the ECDSA node, and an upload at the ECDSA node downloads elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use comb_node::devnet::{Devnet, DevnetConfig};

mod common;
use common::{buy_usable_batch, json, random_bytes, upload_bytes};

/// The node given the ECDSA identity.
const BEE_LIKE: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_an_ecdsa_p256_identity_exchanges_chunks_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let keypair = libp2p::identity::Keypair::generate_ecdsa();
    let encoded = comb_net::encode_keypair(&keypair).unwrap();
    let net = Devnet::start_with(
        &DevnetConfig {
            nodes: 5,
            block_time_ms: 100,
            dir: dir.path().to_path_buf(),
            base_port: 0,
            batch_block_threshold: 2,
            minimum_validity_blocks: Some(40),
            stakes_bzz: Vec::new(),
        },
        |index, config| {
            if index == BEE_LIKE {
                let keys = config.data_dir.join("keys");
                std::fs::create_dir_all(&keys).unwrap();
                std::fs::write(keys.join("libp2p.key"), &encoded).unwrap();
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(
        net.nodes[BEE_LIKE].node.network().peer_id(),
        keypair.public().to_peer_id(),
        "the node runs with the ECDSA identity"
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    // Both directions: into the ECDSA node and out of it.
    for (uploader, downloader, seed) in [(0, BEE_LIKE, 1u64), (BEE_LIKE, 4, 2u64)] {
        let api = net.nodes[uploader].api_url();
        let batch = buy_usable_batch(&client, &api, 20, 100_000).await;
        let data = random_bytes(300 * 1024, seed);
        let (reference, _) = upload_bytes(&client, &api, &batch, &data, Some(false)).await;
        let response = client
            .get(format!(
                "{}/bytes/{reference}",
                net.nodes[downloader].api_url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let downloaded = response.bytes().await.unwrap();
        assert!(
            downloaded.as_ref() == data.as_slice(),
            "node {uploader} -> node {downloader} differs"
        );
    }
    // Bee's `POST /pingpong/{address}` from the ECDSA node to its bootnode: `{"rtt": "<Go
    // duration>"}`; a peer it is not connected to is 404 with Bee's JSON.
    let api = net.nodes[BEE_LIKE].api_url();
    let bootnode = hex::encode(net.nodes[0].node.overlay());
    let response = client
        .post(format!("{api}/pingpong/{bootnode}"))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    let rtt = body["rtt"].as_str().unwrap();
    assert!(
        rtt.ends_with("s") && rtt.chars().next().unwrap().is_ascii_digit(),
        "{rtt}"
    );
    let stranger = "ab".repeat(32);
    let response = client
        .post(format!("{api}/pingpong/{stranger}"))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], 404);
    let response = client
        .post(format!("{api}/pingpong/nothex"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    net.shutdown().await.unwrap();
}
