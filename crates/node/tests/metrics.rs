//! `GET /metrics` (issue "For the people who run and use a node", item 2): scraped from a
//! three-node devnet before and after an upload at a full node and a download at the light
//! node (which holds no reserve, so it must retrieve every chunk), checked by
//! `promtool check metrics` and family by family.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use comb_node::devnet::Devnet;

mod common;
use common::{buy_usable_batch, random_bytes, test_devnet, upload_bytes};

/// Every sample of a Prometheus text page: `name{labels}` → value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (key, value) = line.rsplit_once(' ').unwrap();
            (key.to_string(), value.parse().unwrap())
        })
        .collect()
}

fn value(samples: &HashMap<String, f64>, key: &str) -> f64 {
    samples.get(key).copied().unwrap_or(0.0)
}

async fn scrape(client: &reqwest::Client, api: &str) -> String {
    let response = client.get(format!("{api}/metrics")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

/// `promtool check metrics` (Prometheus' own linter) reads the page from stdin.
fn promtool_check(text: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package `prometheus`) is needed; .ci/run installs it");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_an_upload_and_a_download() {
    let dir = tempfile::tempdir().unwrap();
    let net = Devnet::start_with(&test_devnet(dir.path(), 3), |i, config| {
        // Node 2 is a light node: it keeps no reserve, so its download is retrieved.
        config.full_node = i < 2;
    })
    .await
    .unwrap();
    let (up, down) = (net.nodes[0].api_url(), net.nodes[2].api_url());
    let client = reqwest::Client::new();

    let before_up = scrape(&client, &up).await;
    promtool_check(&before_up);
    let before_down = samples(&scrape(&client, &down).await);

    let batch = buy_usable_batch(&client, &up, 20, 100_000).await;
    let data = random_bytes(300_000, 7);
    let (reference, _) = upload_bytes(&client, &up, &batch, &data, Some(false)).await;
    let downloaded = client
        .get(format!("{down}/bytes/{reference}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(downloaded.as_ref(), data.as_slice());
    // A 404 to see an unmatched route counted.
    let missing = client
        .get(format!("{up}/no-such-route"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);

    let page_up = scrape(&client, &up).await;
    promtool_check(&page_up);
    let page_down = scrape(&client, &down).await;
    promtool_check(&page_down);
    let (after_up, after_down) = (samples(&page_up), samples(&page_down));
    let before_up = samples(&before_up);

    // The upload: 300,000 bytes in 74 leaf chunks under one root.
    let grew = |after: &HashMap<String, f64>, before: &HashMap<String, f64>, key: &str| {
        value(after, key) - value(before, key)
    };
    assert_eq!(
        grew(
            &after_up,
            &before_up,
            "comb_upload_bytes_total{kind=\"bytes\"}"
        ),
        300_000.0
    );
    let chunks = grew(&after_up, &before_up, "comb_upload_chunks_total");
    assert_eq!(chunks, 75.0, "74 leaves and one root");
    assert_eq!(
        grew(
            &after_up,
            &before_up,
            "comb_upload_duration_seconds_count{kind=\"bytes\"}"
        ),
        1.0
    );
    // A direct upload pushed every chunk and waited for its receipt.
    assert!(
        grew(
            &after_up,
            &before_up,
            "comb_pushsync_requests_total{outcome=\"ok\"}"
        ) >= chunks
    );
    assert_eq!(
        value(
            &after_up,
            "comb_http_requests_total{route=\"/bytes\",method=\"POST\",status=\"201\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &after_up,
            "comb_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"
        ),
        1.0
    );
    assert!(
        value(
            &after_up,
            "comb_http_request_duration_seconds_count{route=\"/bytes\"}"
        ) >= 1.0
    );

    // The download at the light node: every byte counted, every chunk retrieved.
    assert_eq!(
        grew(
            &after_down,
            &before_down,
            "comb_download_bytes_total{kind=\"bytes\"}"
        ),
        300_000.0
    );
    assert_eq!(
        grew(
            &after_down,
            &before_down,
            "comb_download_duration_seconds_count{kind=\"bytes\"}"
        ),
        1.0
    );
    assert!(
        grew(
            &after_down,
            &before_down,
            "comb_retrieval_requests_total{outcome=\"ok\"}"
        ) >= chunks,
        "{page_down}"
    );
    assert!(
        value(
            &after_down,
            "comb_retrieval_request_duration_seconds_count{outcome=\"ok\"}"
        ) >= chunks
    );
    assert_eq!(
        value(
            &after_down,
            "comb_http_requests_total{route=\"/bytes/{reference}\",method=\"GET\",status=\"200\"}"
        ),
        1.0
    );

    // State read at the scrape: the full node's reserve holds the upload, every node
    // sees the other two, the light node owes for its download, the chain is followed.
    assert!(value(&after_up, "comb_reserve_size_chunks") >= chunks);
    assert_eq!(value(&after_up, "comb_connected_peers"), 2.0);
    assert_eq!(value(&after_down, "comb_connected_peers"), 2.0);
    assert!(
        value(
            &after_down,
            "comb_accounting_balance_au{side=\"owed_by_us\"}"
        ) > 0.0
    );
    assert!(after_up.contains_key("comb_settlements_plur{kind=\"cheque\",direction=\"sent\"}"));
    assert!(value(&after_up, "comb_chain_head_block") > 0.0);
    assert!(value(&after_up, "comb_chain_head_lag_blocks") < 50.0);
    // The agent reports its round and exactly one phase once it has ticked.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = samples(&scrape(&client, &up).await);
        let phases: f64 = ["commit", "reveal", "claim"]
            .iter()
            .map(|phase| {
                value(
                    &page,
                    &format!("comb_redistribution_phase{{phase=\"{phase}\"}}"),
                )
            })
            .sum();
        if phases == 1.0 {
            assert!(page.contains_key("comb_redistribution_round"));
            break;
        }
        assert!(Instant::now() < deadline, "no redistribution phase");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    net.shutdown().await.unwrap();
}
