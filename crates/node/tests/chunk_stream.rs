//! `GET /chunks/stream` as Bee serves it: the header checks answer before the upgrade with
//! Bee's statuses; each binary message is a chunk, acknowledged with an empty binary message,
//! counted in the tag and pushed to the network; a text message closes with 1003.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use comb_node::devnet::Devnet;
use comb_primitives::Chunk;
use common::{buy_usable_batch, json, test_devnet};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

/// A chunk's wire data written out by hand: the span (payload length, 8 bytes little-endian)
/// then the payload.
fn wire(payload: &[u8]) -> Vec<u8> {
    let mut data = (payload.len() as u64).to_le_bytes().to_vec();
    data.extend_from_slice(payload);
    data
}

async fn connect(
    api: &str,
    headers: &[(&'static str, String)],
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/chunks/stream", api.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_stream_in_are_acknowledged_counted_and_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let net = Devnet::start(&test_devnet(dir.path(), 2)).await.unwrap();
    let http = reqwest::Client::new();
    let (up, other) = (net.nodes[0].api_url(), net.nodes[1].api_url());
    let batch = buy_usable_batch(&http, &up, 20, 100_000).await;

    // Refused before the upgrade, with Bee's statuses and JSON bodies.
    let stream = format!("{up}/chunks/stream");
    let (status, body) = json(http.get(&stream).send().await.unwrap()).await;
    assert_eq!(status, 400, "no batch: {body}");
    let unknown = "ab".repeat(32);
    let (status, body) = json(
        http.get(&stream)
            .header("swarm-postage-batch-id", &unknown)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "unknown batch: {body}");
    let (status, body) = json(
        http.get(&stream)
            .header("swarm-postage-batch-id", &batch)
            .header("swarm-tag", "987654")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "unknown tag: {body}");
    let (status, body) = json(
        http.get(&stream)
            .header("swarm-postage-batch-id", &batch)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "not a WebSocket handshake: {body}");
    assert_eq!(body["code"], 400);

    // Three chunks under a tag: three empty binary acknowledgements.
    let (status, tag) = json(http.post(format!("{up}/tags")).send().await.unwrap()).await;
    assert_eq!(status, 201, "{tag}");
    let uid = tag["uid"].as_u64().unwrap();
    let mut socket = connect(
        &up,
        &[
            ("swarm-postage-batch-id", batch.clone()),
            ("swarm-tag", uid.to_string()),
        ],
    )
    .await;
    let payloads: Vec<Vec<u8>> = (0..3u8)
        .map(|n| (0..1000 + u32::from(n)).map(|i| (i as u8) ^ n).collect())
        .collect();
    for payload in &payloads {
        socket
            .send(Message::Binary(wire(payload).into()))
            .await
            .unwrap();
        let ack = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("an acknowledgement")
            .unwrap()
            .unwrap();
        assert_eq!(ack, Message::Binary(Vec::new().into()));
    }
    let (_, counted) = json(http.get(format!("{up}/tags/{uid}")).send().await.unwrap()).await;
    assert_eq!(counted["split"], 3, "{counted}");
    assert_eq!(counted["stored"], 3, "{counted}");

    // A text message is no chunk: Bee closes with 1003 "invalid message".
    socket.send(Message::Text("hello".into())).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a close frame")
        .unwrap()
        .unwrap();
    match closed {
        Message::Close(Some(frame)) => {
            assert_eq!(frame.code, CloseCode::Unsupported);
            assert_eq!(frame.reason.as_str(), "invalid message");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }

    // Pushed: the other node serves every chunk, byte for byte.
    for payload in &payloads {
        let data = wire(payload);
        let address = Chunk::content_from_data(data.clone()).unwrap();
        let url = format!("{other}/chunks/{}", hex::encode(address.address()));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let response = http.get(&url).send().await.unwrap();
            if response.status() == 200 {
                assert_eq!(response.bytes().await.unwrap().as_ref(), data.as_slice());
                break;
            }
            assert!(Instant::now() < deadline, "chunk never reached {other}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // And the tag saw them synced.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, counted) = json(http.get(format!("{up}/tags/{uid}")).send().await.unwrap()).await;
        if counted["synced"] == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "never synced: {counted}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    net.shutdown().await.unwrap();
}
