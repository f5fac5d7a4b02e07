//! `GET /stamps[/{id}]`'s `amount` as Bee reports it (issue "For the people who run and use
//! a node", shape differences): the PLUR per chunk paid at creation plus every top-up (Bee's
//! stamp issuer `Amount`, `pkg/postage/service.go` `HandleTopUp`), not the balance left, so
//! it does not fall as blocks pass and a dilution leaves it alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use comb_node::devnet::Devnet;
use serde_json::Value;

mod common;
use common::{buy_usable_batch, json, test_devnet};

async fn stamp(client: &reqwest::Client, api: &str, id: &str) -> Value {
    let (status, body) = json(
        client
            .get(format!("{api}/stamps/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn wait_for(
    client: &reqwest::Client,
    api: &str,
    id: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = stamp(client, api, id).await;
        if done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{what}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stamp_amount_is_what_was_paid_per_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let net = Devnet::start(&test_devnet(dir.path(), 1)).await.unwrap();
    let api = net.nodes[0].api_url();
    let client = reqwest::Client::new();
    let (_, chain) = json(
        client
            .get(format!("{api}/chainstate"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let price: u128 = chain["currentPrice"].as_str().unwrap().parse().unwrap();
    let paid = price * 100_000;
    let id = buy_usable_batch(&client, &api, 20, 100_000).await;

    let first = stamp(&client, &api, &id).await;
    assert_eq!(first["amount"], paid.to_string(), "{first}");
    // Blocks pass: the TTL falls, the amount paid stays.
    let later = wait_for(&client, &api, &id, "the TTL never fell", |body| {
        body["batchTTL"].as_i64().unwrap() < first["batchTTL"].as_i64().unwrap()
    })
    .await;
    assert_eq!(later["amount"], paid.to_string(), "{later}");
    let (_, list) = json(client.get(format!("{api}/stamps")).send().await.unwrap()).await;
    let listed = list["stamps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["batchID"] == id.as_str())
        .unwrap_or_else(|| panic!("not listed: {list}"))
        .clone();
    assert_eq!(listed["amount"], paid.to_string(), "{listed}");

    // A top-up adds its amount per chunk.
    let top_up = price * 50_000;
    let (status, body) = json(
        client
            .patch(format!("{api}/stamps/topup/{id}/{top_up}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let total = (paid + top_up).to_string();
    wait_for(&client, &api, &id, "top-up not reported", |body| {
        body["amount"] == total.as_str()
    })
    .await;

    // A dilution halves the balance per chunk on chain but not what was paid.
    let (status, body) = json(
        client
            .patch(format!("{api}/stamps/dilute/{id}/21"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let diluted = wait_for(&client, &api, &id, "dilution not seen", |body| {
        body["depth"] == 21
    })
    .await;
    assert_eq!(diluted["amount"], total.as_str(), "{diluted}");
    net.shutdown().await.unwrap();
}
