//! Bee's content API on a 3-node devnet over loopback TCP (issue: "Bee's content API", Done
//! when): a website collection uploaded at one node is served by every path at another with
//! the right content types and the reference Bee's algorithm gives; single files with name
//! and type; SOCs (a forged signature is refused); a feed updated three times; pins; tags.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use comb_manifest::website::feed_update_id;
use comb_manifest::Collection;
use comb_node::devnet::{Devnet, DevnetConfig};

mod common;
use comb_primitives::soc::soc_digest;
use comb_primitives::{Chunk, Signer, B256};
use common::{buy_usable_batch, json};
use serde_json::Value;

const WEBSITE: [(&str, &[u8]); 5] = [
    (
        "index.html",
        b"<html><body><h1>comb</h1><img src=\"img/logo.png\"></body></html>",
    ),
    ("css/style.css", b"body { color: #333; }"),
    (
        "img/logo.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image bytes",
    ),
    ("docs/guide/index.html", b"<h1>guide</h1>"),
    ("404.html", b"<h1>not here</h1>"),
];

fn website_tar() -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in WEBSITE {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// The collection's reference as Bee computes it, from comb-manifest (whose layout is
/// checked against Bee's own vectors).
fn expected_website_reference() -> String {
    let mut store: HashMap<B256, Chunk> = HashMap::new();
    let mut collection = Collection::new();
    for (path, data) in WEBSITE {
        let file = comb_filetree::split_bytes(data, &mut store).unwrap();
        collection.add_file(path, file).unwrap();
    }
    let mut root = collection
        .finish(Some("index.html"), Some("404.html"))
        .unwrap();
    hex::encode(root.save(&mut store).unwrap())
}

async fn get(client: &reqwest::Client, url: String) -> reqwest::Response {
    client.get(url).send().await.unwrap()
}

/// Polls `url` until it answers `status` (content spreads by push sync; the downloader may
/// ask before the closest node has it).
async fn get_until(client: &reqwest::Client, url: &str, status: u16) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = get(client, url.to_string()).await;
        if response.status().as_u16() == status || Instant::now() > deadline {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Signs a SOC the way a client (bee-js) does: returns the wrapped data and the signature.
fn sign_soc(signer: &Signer, id: &B256, payload: &[u8]) -> (Vec<u8>, String) {
    let wrapped = Chunk::content(payload).unwrap();
    let signature = signer
        .sign_digest(&soc_digest(id, wrapped.address()))
        .unwrap();
    (wrapped.data().to_vec(), hex::encode(signature.as_bytes()))
}

/// `POST /soc/{owner}/{id}?sig=` at `api`; the status and JSON answer.
async fn post_soc(
    client: &reqwest::Client,
    api: &str,
    batch: &str,
    owner_hex: &str,
    id: &B256,
    sig: &str,
    data: Vec<u8>,
) -> (u16, serde_json::Value) {
    let url = format!("{api}/soc/{owner_hex}/{}?sig={sig}", hex::encode(id));
    let request = client.post(url).header("swarm-postage-batch-id", batch);
    json(request.body(data).send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn website_files_socs_feeds_pins_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let net = Devnet::start(&DevnetConfig {
        nodes: 3,
        block_time_ms: 100,
        dir: dir.path().to_path_buf(),
        base_port: 0,
        batch_block_threshold: 2,
        minimum_validity_blocks: Some(40),
        // Not about the redistribution game: no stakes, no agent transactions.
        stakes_bzz: Vec::new(),
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let up = net.nodes[0].api_url();
    let down = net.nodes[2].api_url();
    let batch = buy_usable_batch(&client, &up, 20, 100_000).await;

    // A website as a tar collection.
    let response = client
        .post(format!("{up}/bzz"))
        .header("swarm-postage-batch-id", &batch)
        .header("swarm-collection", "true")
        .header("content-type", "application/x-tar")
        .header("swarm-index-document", "index.html")
        .header("swarm-error-document", "404.html")
        .body(website_tar())
        .send()
        .await
        .unwrap();
    let tag: u64 = header(&response, "swarm-tag").parse().unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    let site = body["reference"].as_str().unwrap().to_string();
    assert_eq!(site, expected_website_reference());

    let index = get_until(&client, &format!("{down}/bzz/{site}/"), 200).await;
    assert_eq!(index.status().as_u16(), 200);
    assert_eq!(header(&index, "content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header(&index, "content-disposition"),
        "inline; filename=\"index.html\""
    );
    assert_eq!(index.bytes().await.unwrap().as_ref(), WEBSITE[0].1);
    let types = [
        "text/html; charset=utf-8",
        "text/css; charset=utf-8",
        "image/png",
        "text/html; charset=utf-8",
        "text/html; charset=utf-8",
    ];
    for ((path, data), content_type) in WEBSITE.iter().zip(types) {
        let file = get_until(&client, &format!("{down}/bzz/{site}/{path}"), 200).await;
        assert_eq!(file.status().as_u16(), 200, "{path}");
        assert_eq!(header(&file, "content-type"), content_type, "{path}");
        assert_eq!(file.bytes().await.unwrap().as_ref(), *data, "{path}");
    }
    let no_slash = get(&client, format!("{down}/bzz/{site}")).await;
    assert_eq!(no_slash.bytes().await.unwrap().as_ref(), WEBSITE[0].1);
    let directory = get(&client, format!("{down}/bzz/{site}/docs/guide")).await;
    assert_eq!(directory.status().as_u16(), 308);
    assert_eq!(
        header(&directory, "location"),
        format!("/bzz/{site}/docs/guide/")
    );
    let guide = get(&client, format!("{down}/bzz/{site}/docs/guide/")).await;
    assert_eq!(guide.bytes().await.unwrap().as_ref(), WEBSITE[3].1);
    let missing = get(&client, format!("{down}/bzz/{site}/no/such/page")).await;
    // Bee serves the website's error document for a missing path, with 200.
    assert_eq!(missing.status().as_u16(), 200);
    assert_eq!(missing.bytes().await.unwrap().as_ref(), WEBSITE[4].1);

    // The upload's tag counted it.
    let (status, tag_info) = json(get(&client, format!("{up}/tags/{tag}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(tag_info["address"], Value::String(site.clone()));
    assert!(tag_info["split"].as_u64().unwrap() >= 6, "{tag_info}");
    assert_eq!(tag_info["split"], tag_info["stored"]);

    // A single file with a name and a content type.
    let response = client
        .post(format!("{up}/bzz?name=notes.txt"))
        .header("swarm-postage-batch-id", &batch)
        .header("content-type", "text/plain")
        .body("plain notes")
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    let notes = body["reference"].as_str().unwrap().to_string();
    let file = get_until(&client, &format!("{down}/bzz/{notes}"), 200).await;
    assert_eq!(header(&file, "content-type"), "text/plain");
    assert_eq!(
        header(&file, "content-disposition"),
        "inline; filename=\"notes.txt\""
    );
    assert_eq!(file.text().await.unwrap(), "plain notes");
    let (status, body) = json(
        client
            .post(format!("{up}/bzz"))
            .header("swarm-postage-batch-id", &batch)
            .header("swarm-collection", "true")
            .header("content-type", "application/x-tar")
            .body("this is not a tar archive at all".repeat(20))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // SOCs: a good one is stored and served; a forged signature is refused.
    let owner = Signer::random();
    let owner_hex = hex::encode(owner.address());
    let id = B256::repeat_byte(0x11);
    let (data, sig) = sign_soc(&owner, &id, b"single owner payload");
    let (status, body) = post_soc(&client, &up, &batch, &owner_hex, &id, &sig, data.clone()).await;
    assert_eq!(status, 201, "{body}");
    let soc = get_until(
        &client,
        &format!("{down}/soc/{owner_hex}/{}", hex::encode(id)),
        200,
    )
    .await;
    assert_eq!(header(&soc, "swarm-soc-signature"), sig);
    assert_eq!(soc.bytes().await.unwrap().as_ref(), b"single owner payload");
    let (_, forged) = sign_soc(&Signer::random(), &id, b"single owner payload");
    let (status, body) = post_soc(&client, &up, &batch, &owner_hex, &id, &forged, data).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["message"].as_str().unwrap().contains("signature"));

    // A sequence feed: no update yet is 404; after three updates the latest and the next
    // index are served.
    let topic = [0x42u8; 32];
    let topic_hex = hex::encode(topic);
    let feed_url = format!("{down}/feeds/{owner_hex}/{topic_hex}");
    assert_eq!(get(&client, feed_url.clone()).await.status().as_u16(), 404);
    let site_bytes = hex::decode(&site).unwrap();
    let payloads: [&[u8]; 3] = [b"first", b"second", &site_bytes];
    for (index, payload) in payloads.iter().enumerate() {
        let id = feed_update_id(&topic, index as u64);
        let (data, sig) = sign_soc(&owner, &id, payload);
        let (status, body) = post_soc(&client, &up, &batch, &owner_hex, &id, &sig, data).await;
        assert_eq!(status, 201, "{body}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let latest = loop {
        let response = get(&client, feed_url.clone()).await;
        if header(&response, "swarm-feed-index") == "0000000000000002" {
            break response;
        }
        assert!(Instant::now() < deadline, "feed never reached index 2");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(header(&latest, "swarm-feed-index-next"), "0000000000000003");
    assert_eq!(header(&latest, "swarm-feed-resolved-version"), "v2");
    assert_eq!(
        latest.bytes().await.unwrap().as_ref(),
        site_bytes.as_slice()
    );
    // Bee 2.7 resolves a legacy update (`timestamp ‖ reference`) to the referenced data
    // (`Swarm-Feed-Resolved-Version: v1`) and, with `Swarm-Only-Root-Chunk`, serves only
    // the root chunk: span and payload.
    let target = b"what the legacy update points to".to_vec();
    let (target_ref, _) = common::upload_bytes(&client, &up, &batch, &target, Some(false)).await;
    let legacy_topic = [0x43u8; 32];
    let mut legacy = 1_700_000_000u64.to_be_bytes().to_vec();
    legacy.extend(hex::decode(&target_ref).unwrap());
    let id = feed_update_id(&legacy_topic, 0);
    let (data, sig) = sign_soc(&owner, &id, &legacy);
    let (status, body) = post_soc(&client, &up, &batch, &owner_hex, &id, &sig, data).await;
    assert_eq!(status, 201, "{body}");
    let legacy_url = format!("{down}/feeds/{owner_hex}/{}", hex::encode(legacy_topic));
    let resolved = get_until(&client, &legacy_url, 200).await;
    assert_eq!(header(&resolved, "swarm-feed-resolved-version"), "v1");
    assert_eq!(header(&resolved, "swarm-feed-index"), "0000000000000000");
    assert_eq!(resolved.bytes().await.unwrap().as_ref(), target.as_slice());
    let root_only = client
        .get(&legacy_url)
        .header("swarm-only-root-chunk", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(root_only.status().as_u16(), 200);
    let mut expected = (target.len() as u64).to_le_bytes().to_vec();
    expected.extend(&target);
    assert_eq!(
        root_only.bytes().await.unwrap().as_ref(),
        expected.as_slice()
    );
    // The feed's manifest resolves to the website its latest update points to.
    let (status, body) = json(
        client
            .post(format!("{up}/feeds/{owner_hex}/{topic_hex}"))
            .header("swarm-postage-batch-id", &batch)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let feed_manifest = body["reference"].as_str().unwrap().to_string();
    let via_feed = get_until(&client, &format!("{down}/bzz/{feed_manifest}/"), 200).await;
    assert_eq!(header(&via_feed, "swarm-feed-index"), "0000000000000002");
    assert_eq!(via_feed.bytes().await.unwrap().as_ref(), WEBSITE[0].1);

    // Pins: the website is pinned with every chunk under it; unpinning removes it.
    let response = client
        .post(format!("{down}/pins/{site}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let response = client
        .post(format!("{down}/pins/{site}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (_, pins) = json(get(&client, format!("{down}/pins")).await).await;
    assert_eq!(pins["references"], serde_json::json!([site.clone()]));
    assert_eq!(
        get(&client, format!("{down}/pins/{site}"))
            .await
            .status()
            .as_u16(),
        200
    );
    // 5 files of one chunk each, and the manifest's nodes.
    let pinned = net.nodes[2].node.store().pins.chunk_count().unwrap();
    assert!(pinned >= 6, "{pinned} chunks pinned");
    // Bee's `GET /pins/check`: one JSON line per pin, every chunk there and valid; `ref`
    // names one pin.
    for url in [
        format!("{down}/pins/check"),
        format!("{down}/pins/check?ref={site}"),
    ] {
        let response = get(&client, url.clone()).await;
        assert_eq!(response.status().as_u16(), 200, "{url}");
        assert_eq!(
            header(&response, "content-type"),
            "application/json; charset=utf-8"
        );
        let text = response.text().await.unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(
            lines,
            vec![
                serde_json::json!({"reference": site, "total": pinned, "missing": 0, "invalid": 0})
            ],
            "{url}"
        );
    }
    let bad = get(&client, format!("{down}/pins/check?ref=xyz")).await;
    assert_eq!(bad.status().as_u16(), 400);
    let response = client
        .delete(format!("{down}/pins/{site}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        get(&client, format!("{down}/pins/{site}"))
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(net.nodes[2].node.store().pins.chunk_count().unwrap(), 0);

    net.shutdown().await.unwrap();
}
