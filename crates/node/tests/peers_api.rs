//! Bee's peer endpoints over HTTP against a two-node devnet: `POST /connect/{multiaddr}`,
//! `DELETE /peers/{address}`, `GET /blocklist`, `GET /welcome-message`, and Bee's `GET /`
//! greeting that bee-js' `checkConnection` reads (shapes as in Bee's `pkg/api/peer.go`,
//! `router.go`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use comb_node::devnet::Devnet;

mod common;
use common::{json, test_devnet};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_are_connected_disconnected_and_listed_as_bee_does() {
    let dir = tempfile::tempdir().unwrap();
    let net = Devnet::start(&test_devnet(dir.path(), 2)).await.unwrap();
    let api = net.nodes[0].api_url();
    let other = hex::encode(net.nodes[1].node.overlay());
    let http = reqwest::Client::new();

    let root = http.get(format!("{api}/")).send().await.unwrap();
    assert_eq!(root.status().as_u16(), 200);
    assert_eq!(root.text().await.unwrap(), "Ethereum Swarm Bee\n");
    let robots = http.get(format!("{api}/robots.txt")).send().await.unwrap();
    assert_eq!(robots.text().await.unwrap(), "User-agent: *\nDisallow: /\n");

    let (status, body) = json(
        http.get(format!("{api}/welcome-message"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["welcomeMessage"].as_str()), (200, Some("")));
    // Bee's `POST /welcome-message`: set, read back; over 140 bytes or not JSON is 400.
    let greeting = "hello from comb, ✓";
    let (status, body) = json(
        http.post(format!("{api}/welcome-message"))
            .json(&serde_json::json!({ "welcomeMessage": greeting }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, serde_json::json!({"code": 200, "message": "OK"}))
    );
    let (_, body) = json(
        http.get(format!("{api}/welcome-message"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["welcomeMessage"], greeting);
    for bad in [
        serde_json::json!({ "welcomeMessage": "x".repeat(141) }).to_string(),
        "not json".to_string(),
    ] {
        let (status, body) = json(
            http.post(format!("{api}/welcome-message"))
                .body(bad.clone())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (_, body) = json(
        http.get(format!("{api}/welcome-message"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        body["welcomeMessage"], greeting,
        "a refused message changes nothing"
    );
    let (status, body) = json(http.get(format!("{api}/blocklist")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["peers"], serde_json::json!([]));

    // The devnet connected the two: disconnect, then connect again by multiaddress.
    let peers = |body: &serde_json::Value| -> Vec<String> {
        body["peers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["address"].as_str().unwrap().to_string())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = json(http.get(format!("{api}/peers")).send().await.unwrap()).await;
        if peers(&body).contains(&other) {
            break;
        }
        assert!(Instant::now() < deadline, "never connected: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Each peer's own snapshot over the status protocol, and ours with Bee's proximity 256.
    let (status, body) = json(
        http.get(format!("{api}/status/peers"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let snapshots = body["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 1, "{body}");
    assert_eq!(snapshots[0]["overlay"], other.as_str());
    assert_eq!(snapshots[0]["beeMode"], "full");
    assert_eq!(snapshots[0]["connectedPeers"], 1, "{body}");
    assert!(snapshots[0].get("requestFailed").is_none(), "{body}");
    assert!(snapshots[0]["proximity"].as_u64().unwrap() < 256);
    let (_, own) = json(http.get(format!("{api}/status")).send().await.unwrap()).await;
    assert_eq!(own["proximity"], 256, "{own}");
    assert_eq!(own["overlay"], hex::encode(net.nodes[0].node.overlay()));
    assert_eq!(own["connectedPeers"], 1, "{own}");
    assert_eq!(
        own["isReachable"], false,
        "comb checks no reachability: {own}"
    );
    // `/status/neighborhoods`: one neighbourhood (no capacity doubling), at storage radius 0
    // printed as Bee prints depth 0 (256 zeros), with the reserve count `/status` shows.
    let (status, hoods) = json(
        http.get(format!("{api}/status/neighborhoods"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{hoods}");
    let hoods = hoods["neighborhoods"].as_array().unwrap();
    assert_eq!(hoods.len(), 1, "{hoods:?}");
    assert_eq!(hoods[0]["neighborhood"], "0".repeat(256));
    assert_eq!(hoods[0]["proximity"], 0);
    assert_eq!(
        hoods[0]["reserveSizeWithinRadius"], own["reserveSizeWithinRadius"],
        "{hoods:?} {own}"
    );
    // `/topology` as Bee's: an RFC 3339 time (Go's `time.Time`), Bee's low watermark 3.
    let (status, topology) = json(http.get(format!("{api}/topology")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(topology["nnLowWatermark"], 3, "{topology}");
    assert_eq!(
        topology["depth"], 0,
        "one peer is below the watermark: {topology}"
    );
    let timestamp = topology["timestamp"].as_str().unwrap();
    let shape: Vec<bool> = timestamp.chars().map(|c| c.is_ascii_digit()).collect();
    assert_eq!(timestamp.len(), 20, "{timestamp}");
    assert!(
        timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "{timestamp}"
    );
    assert_eq!(
        shape.iter().filter(|digit| **digit).count(),
        14,
        "YYYY-MM-DDTHH:MM:SSZ: {timestamp}"
    );
    assert!(timestamp.starts_with("20"), "{timestamp}");

    let underlay = net.nodes[1].node.network().listen_addrs()[0].to_string();
    let connect = |address: String| {
        let http = http.clone();
        let api = api.clone();
        async move {
            json(
                http.post(format!("{api}/connect{address}"))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    // A peer already connected answers with its overlay at once (as Bee's `Connect`).
    let (status, body) = connect(underlay.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({ "address": other }));

    // Bad input: Bee's 400 and 404, nothing changed.
    let (status, body) = connect("/not-a-multiaddr".into()).await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(400)), "{body}");
    let (status, body) = json(
        http.delete(format!("{api}/peers/{}", "ab".repeat(32)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("peer not found"))
    );
    let (status, _) = json(
        http.delete(format!("{api}/peers/xyz"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    // A port nothing listens on: the dial fails, 500 as in Bee.
    let (status, body) = connect("/ip4/127.0.0.1/tcp/1".into()).await;
    assert_eq!(status, 500, "{body}");
    // Disconnected on request (the accounting may then refuse it for a while: a reconnect
    // right away is not part of this test).
    let (status, body) = json(
        http.delete(format!("{api}/peers/{other}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({"code": 200, "message": "OK"}));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = json(http.get(format!("{api}/peers")).send().await.unwrap()).await;
        if !peers(&body).contains(&other) {
            break;
        }
        assert!(Instant::now() < deadline, "still connected: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    net.shutdown().await.unwrap();
}
