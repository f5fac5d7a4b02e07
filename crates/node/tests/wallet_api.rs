//! `POST /wallet/withdraw/{coin}` and `/transactions` as Bee serves them (`pkg/api/wallet.go`,
//! `transaction.go`), against a one-node devnet: a withdrawal to a whitelisted address moves
//! exactly the amount; every refusal is a 400 with Bee's message and moves nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use comb_node::devnet::Devnet;
use comb_primitives::Address;

mod common;
use common::{json, test_devnet};

async fn bzz_balance(client: &reqwest::Client, api: &str) -> u128 {
    let (status, wallet) = json(client.get(format!("{api}/wallet")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{wallet}");
    wallet["bzzBalance"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawals_follow_bees_rules_and_nothing_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let allowed = Address::repeat_byte(0xa1);
    let net = Devnet::start_with(&test_devnet(dir.path(), 1), |_, config| {
        config.withdrawal_addresses_whitelist = vec![allowed];
    })
    .await
    .unwrap();
    let api = net.nodes[0].api_url();
    let client = reqwest::Client::new();
    let post = |path: String| {
        let client = client.clone();
        let api = api.clone();
        async move { json(client.post(format!("{api}{path}")).send().await.unwrap()).await }
    };

    let before = bzz_balance(&client, &api).await;
    assert!(before > 1_000, "the devnet funds its nodes");
    let (status, body) = post(format!(
        "/wallet/withdraw/BZZ?amount=1000&address={allowed}"
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let hash = body["transactionHash"].as_str().unwrap();
    assert!(hash.starts_with("0x") && hash.len() == 66, "{hash}");
    assert_eq!(bzz_balance(&client, &api).await, before - 1_000);

    let other = Address::repeat_byte(0xb2);
    let refused = [
        (
            format!("/wallet/withdraw/bzz?amount=1&address={other}"),
            "provided address not whitelisted",
        ),
        (
            format!(
                "/wallet/withdraw/bzz?amount={}&address={allowed}",
                before * 2
            ),
            "not enough balance",
        ),
        (
            format!("/wallet/withdraw/doge?amount=1&address={allowed}"),
            "only BZZ or NativeToken options are accepted",
        ),
        (
            format!("/wallet/withdraw/nativetoken?amount=1&address={allowed}"),
            "no native token",
        ),
        (format!("/wallet/withdraw/bzz?address={allowed}"), "amount"),
        (
            "/wallet/withdraw/bzz?amount=1&address=0x12".to_string(),
            "address",
        ),
    ];
    for (path, message) in refused {
        let (status, body) = post(path.clone()).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["code"], 400, "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{path}: {body}"
        );
    }
    assert_eq!(bzz_balance(&client, &api).await, before - 1_000);

    // comb's transactions are mined before the call that sent them returns: none pending.
    let (status, body) = json(
        client
            .get(format!("{api}/transactions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, serde_json::json!({"pendingTransactions": []}))
    );
    for method in [
        reqwest::Method::GET,
        reqwest::Method::POST,
        reqwest::Method::DELETE,
    ] {
        let (status, body) = json(
            client
                .request(method.clone(), format!("{api}/transactions/{hash}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 404, "{method}: {body}");
        assert_eq!(body["message"], "unknown transaction");
        let (status, _) = json(
            client
                .request(method.clone(), format!("{api}/transactions/0x1234"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{method}");
    }
    net.shutdown().await.unwrap();
}
