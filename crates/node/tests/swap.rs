//! SWAP bandwidth incentives end to end (spec `swap.md`) with real nodes over loopback TCP
//! and the dev chain: a light node downloading from a full node settles by time
//! (pseudosettle) and by cheques; the cheques show in both nodes' APIs and cash out on the
//! ledger; balances mirror each other; a light node that does not pay is cut off at the
//! disconnect threshold and refused for the blocklist duration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use comb_chain_rpc::dev::{dev_genesis, dev_key};
use comb_chain_rpc::producer::unix_now;
use comb_chain_rpc::{ChainClient, ChainService, Genesis, ServiceConfig};
use comb_node::swap::SwapConfig;
use comb_node::{start, NodeConfig, RunningNode};
use common::{buy_usable_batch, json, random_bytes};
use serde_json::Value;

struct Net {
    chain: ChainService,
    nodes: Vec<RunningNode>,
    _dir: tempfile::TempDir,
}

fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// The dev chain (100 ms blocks) and one node per `(full_node, swap)`, node 0 the others'
/// bootnode; waits until node 0 sees every other node.
async fn start_net(nodes: Vec<(bool, SwapConfig)>) -> Net {
    let dir = tempfile::tempdir().unwrap();
    let mut genesis = dev_genesis().unwrap();
    genesis.timestamp = unix_now();
    let chain = ChainService::start(ServiceConfig {
        data_dir: dir.path().join("chain"),
        genesis: Genesis::OrCreate(genesis),
        listen: local(),
        block_time: Duration::from_millis(100),
    })
    .await
    .unwrap();
    let mut running: Vec<RunningNode> = Vec::new();
    for (index, (full_node, swap)) in nodes.into_iter().enumerate() {
        let bootnodes = running
            .first()
            .map(|first| {
                first
                    .node
                    .network()
                    .listen_addrs()
                    .iter()
                    .map(|a| a.to_string())
                    .collect()
            })
            .unwrap_or_default();
        let config = NodeConfig {
            data_dir: dir.path().join(format!("node-{index}")),
            api_addr: local(),
            p2p_addr: local(),
            chain_rpc: chain.url(),
            bootnodes,
            private_key: Some(hex::encode(dev_key(index))),
            batch_block_threshold: 2,
            full_node,
            swap,
            ..NodeConfig::default()
        };
        running.push(start(config).await.unwrap());
    }
    let net = Net {
        chain,
        nodes: running,
        _dir: dir,
    };
    let wanted = net.nodes.len() - 1;
    wait_until("nodes connected", Duration::from_secs(20), || async {
        net.nodes[0].node.network().peers().len() >= wanted
    })
    .await;
    net
}

impl Net {
    async fn shutdown(self) {
        for node in self.nodes {
            node.shutdown().await;
        }
        self.chain.shutdown().await.unwrap();
    }
}

/// Polls `check` every 50 ms until it holds, failing after `within`.
async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    json(client.get(url).send().await.unwrap()).await
}

/// Uploads `data` at `api` and returns the reference.
async fn upload(client: &reqwest::Client, api: &str, batch: &str, data: Vec<u8>) -> String {
    let response = client
        .post(format!("{api}/bytes"))
        .header("swarm-postage-batch-id", batch)
        .body(data)
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    body["reference"].as_str().unwrap().to_string()
}

/// A server granting its light peers 10,000,000 AU (a tenth of 100,000,000, within Bee's
/// configurable maximum of 24 × the refresh rate), so that a test download settles in a few
/// rounds; every other value is Bee's default.
fn generous_server() -> SwapConfig {
    SwapConfig {
        payment_threshold: 100_000_000,
        ..SwapConfig::default()
    }
}

/// `value` of a JSON string field as an integer.
fn int(value: &Value) -> i128 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downloading_light_node_pays_by_time_and_by_cheque() {
    let net = start_net(vec![
        (true, generous_server()),
        (false, SwapConfig::default()),
    ])
    .await;
    let client = reqwest::Client::new();
    let (server, downloader) = (&net.nodes[0], &net.nodes[1]);
    let (server_api, downloader_api) = (server.api_url(), downloader.api_url());
    let server_overlay = hex::encode(server.node.overlay());
    let downloader_overlay = hex::encode(downloader.node.overlay());

    // 120 chunks at 10,000–320,000 AU each: several times the 10,000,000 AU the server
    // grants, far beyond what time-based settlement forgives in the download's seconds.
    let batch = buy_usable_batch(&client, &server_api, 20, 20_000).await;
    let data = random_bytes(120 * 4096, 7);
    let reference = upload(&client, &server_api, &batch, data.clone()).await;
    let started = Instant::now();
    let response = client
        .get(format!("{downloader_api}/bytes/{reference}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), data.as_slice());
    eprintln!("downloaded {} bytes in {:?}", data.len(), started.elapsed());

    // The downloader sent cheques; the server lists the last one as received, the
    // downloader as sent, and both settlements agree.
    let (status, sent) = get(
        &client,
        format!("{downloader_api}/chequebook/cheque/{server_overlay}"),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    let payout = int(&sent["lastsent"]["payout"]);
    assert!(payout > 0, "{sent}");
    let (_, received) = get(&client, format!("{server_api}/chequebook/cheque")).await;
    let entry = received["lastcheques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["peer"] == Value::String(downloader_overlay.clone()))
        .unwrap_or_else(|| panic!("no cheque from the downloader: {received}"))
        .clone();
    assert_eq!(entry["lastreceived"], sent["lastsent"]);
    assert_eq!(entry["lastsent"], Value::Null);
    let (_, address) = get(&client, format!("{downloader_api}/chequebook/address")).await;
    assert_eq!(
        entry["lastreceived"]["chequebook"],
        address["chequebookAddress"]
    );
    // `/wallet` names the same chequebook (Bee's `chequebookContractAddress`).
    let (_, wallet) = get(&client, format!("{downloader_api}/wallet")).await;
    assert_eq!(
        wallet["chequebookContractAddress"], address["chequebookAddress"],
        "{wallet}"
    );
    assert_ne!(
        wallet["chequebookContractAddress"],
        "0x0000000000000000000000000000000000000000"
    );
    let (_, settlements) = get(
        &client,
        format!("{server_api}/settlements/{downloader_overlay}"),
    )
    .await;
    assert_eq!(int(&settlements["received"]), payout);
    assert_eq!(int(&settlements["sent"]), 0);
    let (_, totals) = get(&client, format!("{downloader_api}/settlements")).await;
    assert_eq!(int(&totals["totalSent"]), payout);

    // Time-based settlement happened too, in AU, the same amount on both sides.
    let (_, time_sent) = get(&client, format!("{downloader_api}/timesettlements")).await;
    let (_, time_received) = get(&client, format!("{server_api}/timesettlements")).await;
    assert!(int(&time_sent["totalSent"]) > 0, "{time_sent}");
    eprintln!(
        "cheques {payout} PLUR; time-based {} AU",
        int(&time_sent["totalSent"])
    );

    // Once settlement rests, the two balances mirror each other (spec §1.1: /balances is
    // balance − surplus) and the time totals agree.
    wait_until("balances mirror", Duration::from_secs(10), || async {
        let (_, d) = get(
            &client,
            format!("{downloader_api}/balances/{server_overlay}"),
        )
        .await;
        let (_, s) = get(
            &client,
            format!("{server_api}/balances/{downloader_overlay}"),
        )
        .await;
        let (_, ts) = get(&client, format!("{downloader_api}/timesettlements")).await;
        let (_, tr) = get(&client, format!("{server_api}/timesettlements")).await;
        d["balance"].is_string()
            && int(&d["balance"]) == -int(&s["balance"])
            && ts["totalSent"] == tr["totalReceived"]
    })
    .await;
    let _ = time_received;

    // `/accounting` (Bee's `peerData`): every field a decimal string, the balances the same as
    // `/balances` and `/consumed`, the current thresholds at or above the static ones.
    let (status, accounting) = get(&client, format!("{downloader_api}/accounting")).await;
    assert_eq!(status, 200, "{accounting}");
    let row = &accounting["peerData"][&server_overlay];
    for field in [
        "balance",
        "consumedBalance",
        "thresholdReceived",
        "thresholdGiven",
        "currentThresholdReceived",
        "currentThresholdGiven",
        "surplusBalance",
        "reservedBalance",
        "shadowReservedBalance",
        "ghostBalance",
    ] {
        let value = row[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} not a string: {accounting}"));
        assert!(value.parse::<i128>().is_ok(), "{field}: {value}");
    }
    let (_, balance) = get(
        &client,
        format!("{downloader_api}/balances/{server_overlay}"),
    )
    .await;
    let (_, consumed) = get(
        &client,
        format!("{downloader_api}/consumed/{server_overlay}"),
    )
    .await;
    assert_eq!(row["balance"], balance["balance"], "{accounting}");
    assert_eq!(row["consumedBalance"], consumed["balance"], "{accounting}");
    assert!(int(&row["thresholdReceived"]) > 0, "{accounting}");
    assert!(int(&row["currentThresholdReceived"]) >= int(&row["thresholdReceived"]));
    assert!(int(&row["currentThresholdGiven"]) >= int(&row["thresholdGiven"]));

    // Cash-out moves the cheque's value from the downloader's chequebook to the server's.
    let chain = ChainClient::new(net.chain.url()).unwrap();
    let server_book: comb_primitives::Address =
        get(&client, format!("{server_api}/chequebook/address"))
            .await
            .1["chequebookAddress"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
    let downloader_book: comb_primitives::Address = address["chequebookAddress"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let before = chain
        .chequebook(server_book)
        .await
        .unwrap()
        .unwrap()
        .balance;
    let payer_before = chain
        .chequebook(downloader_book)
        .await
        .unwrap()
        .unwrap()
        .balance;
    let (_, status_before) = get(
        &client,
        format!("{server_api}/chequebook/cashout/{downloader_overlay}"),
    )
    .await;
    let uncashed = int(&status_before["uncashedAmount"]);
    assert_eq!(status_before["transactionHash"], Value::Null);
    let (status, cashed) = json(
        client
            .post(format!(
                "{server_api}/chequebook/cashout/{downloader_overlay}"
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{cashed}");
    assert!(cashed["transactionHash"]
        .as_str()
        .unwrap()
        .starts_with("0x"));
    let after = chain
        .chequebook(server_book)
        .await
        .unwrap()
        .unwrap()
        .balance;
    let payer_after = chain
        .chequebook(downloader_book)
        .await
        .unwrap()
        .unwrap()
        .balance;
    let moved = after - before;
    assert_eq!(moved, payer_before - payer_after);
    assert_eq!(moved.to::<u128>() as i128, uncashed);
    let (_, status_after) = get(
        &client,
        format!("{server_api}/chequebook/cashout/{downloader_overlay}"),
    )
    .await;
    assert_eq!(status_after["transactionHash"], cashed["transactionHash"]);
    assert_eq!(int(&status_after["result"]["lastPayout"]), uncashed);
    assert_eq!(status_after["result"]["bounced"], Value::Bool(false));
    eprintln!("cashed out {moved} PLUR");

    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_light_node_that_does_not_pay_is_cut_off_and_refused() {
    let freeloader = SwapConfig {
        test_freeloader: true,
        ..SwapConfig::default()
    };
    let net = start_net(vec![(true, SwapConfig::default()), (false, freeloader)]).await;
    let client = reqwest::Client::new();
    let (server, downloader) = (&net.nodes[0], &net.nodes[1]);
    let server_api = server.api_url();
    let downloader_overlay = downloader.node.overlay();

    let batch = buy_usable_batch(&client, &server_api, 20, 20_000).await;
    let data = random_bytes(40 * 4096, 11);
    let reference = upload(&client, &server_api, &batch, data).await;
    // Bee's defaults: a light peer is granted 1,350,000 AU and cut off at 125 % of it plus
    // up to a second of refresh (spec §1.4) — a handful of chunks.
    let response = client
        .get(format!("{}/bytes/{reference}", downloader.api_url()))
        .send()
        .await
        .unwrap();
    let complete = response.status().as_u16() == 200 && response.bytes().await.is_ok();
    assert!(!complete, "a freeloader downloaded everything");
    wait_until(
        "server disconnects the freeloader",
        Duration::from_secs(10),
        || async { server.node.network().peer(&downloader_overlay).is_none() },
    )
    .await;
    let state = server.node.swap().peer_state(&downloader_overlay).unwrap();
    assert!(!state.connected);
    let until = state.blocklisted_until.expect("blocklisted");
    eprintln!(
        "cut off at balance {} (limit {}), blocklisted for {} s",
        state.balance,
        state.disconnect_limit,
        until.saturating_sub(unix_now())
    );
    assert!(state.balance >= state.disconnect_limit, "{state:?}");
    // While blocklisted, the freeloader cannot come back: the server refuses its handshake.
    // The dialer may see its side of the handshake finish before the server's refusal
    // arrives, so the dial itself can succeed; the server never takes the peer on, and the
    // dialer loses the connection.
    let server_overlay = server.node.overlay();
    let again = downloader
        .node
        .network()
        .connect(server.node.network().listen_addrs()[0].clone())
        .await;
    assert!(
        server.node.network().peer(&downloader_overlay).is_none(),
        "the server took a blocklisted peer back"
    );
    if again.is_ok() {
        wait_until(
            "the refused dialer loses the connection",
            Duration::from_secs(10),
            || async { downloader.node.network().peer(&server_overlay).is_none() },
        )
        .await;
    }
    assert!(server.node.network().peer(&downloader_overlay).is_none());
    let state = server.node.swap().peer_state(&downloader_overlay).unwrap();
    assert!(
        !state.connected,
        "the accounting reconnected a blocklisted peer"
    );
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_swap_requests_get_bee_errors() {
    let net = start_net(vec![(true, SwapConfig::default())]).await;
    let client = reqwest::Client::new();
    let api = net.nodes[0].api_url();
    let unknown = "ab".repeat(32);
    for (method, path, code) in [
        ("GET", "/balances/xyz".to_string(), 400),
        ("GET", format!("/balances/{unknown}"), 404),
        ("GET", format!("/consumed/{unknown}"), 404),
        ("GET", format!("/settlements/{unknown}"), 404),
        ("GET", format!("/chequebook/cashout/{unknown}"), 404),
        ("POST", format!("/chequebook/cashout/{unknown}"), 404),
        ("POST", "/chequebook/deposit".to_string(), 400),
        ("POST", "/chequebook/deposit?amount=abc".to_string(), 400),
        ("POST", "/chequebook/withdraw?amount=0".to_string(), 400),
        (
            "POST",
            format!("/chequebook/withdraw?amount={}", u128::MAX),
            400,
        ),
    ] {
        let request = match method {
            "GET" => client.get(format!("{api}{path}")),
            _ => client.post(format!("{api}{path}")),
        };
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_eq!(status, code, "{method} {path}: {body}");
        assert_eq!(body["code"], Value::from(code), "{body}");
        assert!(body["message"].is_string(), "{body}");
    }
    // The chequebook was deployed and funded with the default deposit at first start.
    let (status, balance) = get(&client, format!("{api}/chequebook/balance")).await;
    assert_eq!(status, 200);
    assert_eq!(
        int(&balance["totalBalance"]),
        comb_node::swap::config::DEFAULT_CHEQUEBOOK_DEPOSIT as i128
    );
    assert_eq!(balance["availableBalance"], balance["totalBalance"]);
    let (status, deposit) = json(
        client
            .post(format!("{api}/chequebook/deposit?amount=1000"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{deposit}");
    let (status, _) = json(
        client
            .post(format!("{api}/chequebook/withdraw?amount=500"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (_, balance) = get(&client, format!("{api}/chequebook/balance")).await;
    assert_eq!(
        int(&balance["totalBalance"]),
        comb_node::swap::config::DEFAULT_CHEQUEBOOK_DEPOSIT as i128 + 500
    );
    let (_, lists) = get(&client, format!("{api}/chequebook/cheque")).await;
    assert_eq!(lists["lastcheques"], Value::Array(vec![]));
    net.shutdown().await;
}
