//! CORS as Bee answers it (`pkg/api/api.go` `corsHandler`; `pkg/jsonhttp` `HandleMethods`),
//! checked over HTTP against a running node: a preflight gets 204 with the path's methods
//! and Bee's allowed headers, a cross-origin request from an allowed origin gets its origin
//! echoed with credentials, one from another origin gets no CORS header at all.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use comb_node::devnet::Devnet;

mod common;
use common::test_devnet;

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_and_cross_origin_requests_get_bees_cors_headers() {
    let dir = tempfile::tempdir().unwrap();
    let dashboard = "http://localhost:3002";
    let net = Devnet::start_with(&test_devnet(dir.path(), 1), |_, node| {
        node.cors_allowed_origins = vec![dashboard.to_string()];
    })
    .await
    .unwrap();
    let api = net.nodes[0].api_url();
    let http = reqwest::Client::new();

    // The preflight bee-js' upload makes from the dashboard.
    let preflight = http
        .request(reqwest::Method::OPTIONS, format!("{api}/bytes"))
        .header("Origin", dashboard)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "swarm-postage-batch-id, swarm-deferred-upload, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(
        header(&preflight, "access-control-allow-origin").as_deref(),
        Some(dashboard)
    );
    assert_eq!(
        header(&preflight, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(
        header(&preflight, "access-control-allow-methods").as_deref(),
        Some("POST"),
        "the path's own methods"
    );
    assert_eq!(
        header(&preflight, "access-control-max-age").as_deref(),
        Some("3600")
    );
    let allowed = header(&preflight, "access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    for needed in [
        "swarm-postage-batch-id",
        "swarm-deferred-upload",
        "swarm-pin",
        "swarm-tag",
        "swarm-encrypt",
        "swarm-redundancy-level",
        "swarm-act",
        "content-type",
        "range",
    ] {
        assert!(
            allowed.split(", ").any(|h| h == needed),
            "{needed} not in {allowed}"
        );
    }
    // A path with two methods lists both, sorted.
    let preflight = http
        .request(reqwest::Method::OPTIONS, format!("{api}/tags"))
        .header("Origin", dashboard)
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(
        header(&preflight, "access-control-allow-methods").as_deref(),
        Some("GET, HEAD, POST")
    );

    // The request itself: the origin echoed, Bee's methods, the upload tag readable.
    let health = http
        .get(format!("{api}/health"))
        .header("Origin", dashboard)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(
        header(&health, "access-control-allow-origin").as_deref(),
        Some(dashboard)
    );
    assert_eq!(
        header(&health, "access-control-allow-methods").as_deref(),
        Some("GET, HEAD, OPTIONS, POST, PUT, DELETE")
    );
    assert!(header(&health, "access-control-expose-headers")
        .unwrap()
        .contains("Swarm-Tag"));

    // Another origin: served, but no CORS header, so the browser withholds the answer.
    let foreign = http
        .get(format!("{api}/health"))
        .header("Origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 200);
    assert_eq!(header(&foreign, "access-control-allow-origin"), None);
    // Without an origin a preflight still lists the methods, in `Allow`.
    let plain = http
        .request(reqwest::Method::OPTIONS, format!("{api}/bytes"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status().as_u16(), 204);
    assert_eq!(header(&plain, "allow").as_deref(), Some("POST"));
    assert_eq!(header(&plain, "access-control-allow-origin"), None);
    // An unknown path is a 404 for OPTIONS too.
    let unknown = http
        .request(reqwest::Method::OPTIONS, format!("{api}/no-such-endpoint"))
        .header("Origin", dashboard)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    net.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_devnet_allows_every_origin() {
    let dir = tempfile::tempdir().unwrap();
    let net = Devnet::start(&test_devnet(dir.path(), 1)).await.unwrap();
    let api = net.nodes[0].api_url();
    let response = reqwest::Client::new()
        .get(format!("{api}/health"))
        .header("Origin", "https://dashboard.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("https://dashboard.example")
    );
    net.shutdown().await.unwrap();
}
