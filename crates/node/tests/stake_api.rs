//! The staking endpoints of one node (spec `storage-incentives.md` §3, §5.9, §6; Bee's
//! `/stake`, `/stake/withdrawable`, `/redistributionstate`, `/rchash`): deposits land in the
//! stake registry, bad input is a 400 with Bee's JSON and changes nothing, and `/rchash`
//! samples the node's reserve.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use comb_node::devnet::Devnet;
use serde_json::Value;

mod common;
use common::{buy_usable_batch, json, test_devnet};

async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    json(client.get(url).send().await.unwrap()).await
}

async fn post(client: &reqwest::Client, url: String) -> (u16, Value) {
    json(client.post(url).send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stake_deposit_withdrawable_state_and_rchash() {
    let dir = tempfile::tempdir().unwrap();
    let net = Devnet::start(&test_devnet(dir.path(), 1)).await.unwrap();
    let api = net.nodes[0].api_url();
    let http = reqwest::Client::new();

    let (status, body) = get(&http, format!("{api}/stake")).await;
    assert_eq!((status, body["stakedAmount"].clone()), (200, "0".into()));

    // Bad amounts: 400 with Bee's error body, nothing staked.
    for bad in ["abc", "0", "-5", "1"] {
        let (status, body) = post(&http, format!("{api}/stake/{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["code"], 400, "{body}");
        assert!(body["message"].as_str().unwrap().len() > 3, "{body}");
    }
    let (_, body) = get(&http, format!("{api}/stake")).await;
    assert_eq!(
        body["stakedAmount"], "0",
        "a reverted deposit staked something"
    );

    // 10 BZZ, the registry's minimum.
    let minimum = "100000000000000000";
    let (status, body) = post(&http, format!("{api}/stake/{minimum}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["txHash"].as_str().unwrap().len(), 66, "{body}");
    let (_, body) = get(&http, format!("{api}/stake")).await;
    assert_eq!(body["stakedAmount"], minimum);

    // The surplus over `committedStake × price` (rounding) is withdrawable, once.
    let (status, body) = get(&http, format!("{api}/stake/withdrawable")).await;
    assert_eq!(status, 200, "{body}");
    let surplus: u128 = body["withdrawableAmount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        surplus < 24_000 << 10,
        "more than one price unit of surplus: {surplus}"
    );
    let delete = || async {
        json(
            http.delete(format!("{api}/stake/withdrawable"))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    if surplus > 0 {
        let (status, body) = delete().await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["txHash"].as_str().unwrap().len(), 66, "{body}");
        let (_, body) = get(&http, format!("{api}/stake")).await;
        let staked: u128 = body["stakedAmount"].as_str().unwrap().parse().unwrap();
        assert_eq!(staked, 100_000_000_000_000_000 - surplus);
    }
    let (_, body) = get(&http, format!("{api}/stake/withdrawable")).await;
    assert_eq!(body["withdrawableAmount"], "0");
    let (status, body) = delete().await;
    assert_eq!(status, 400, "nothing to withdraw: {body}");
    // `DELETE /stake` (migration) only works on a paused contract: Bee's 400, stake untouched.
    let (_, before) = get(&http, format!("{api}/stake")).await;
    let (status, body) = json(http.delete(format!("{api}/stake")).send().await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["message"], "contract is not paused", "{body}");
    assert_eq!(body["code"], 400, "{body}");
    let (_, after) = get(&http, format!("{api}/stake")).await;
    assert_eq!(before, after);

    // The agent reports once it has seen a block.
    let deadline = Instant::now() + Duration::from_secs(20);
    let state = loop {
        let (status, body) = get(&http, format!("{api}/redistributionstate")).await;
        if status == 200 && body["block"].as_u64().unwrap_or(0) > 0 {
            break body;
        }
        assert!(Instant::now() < deadline, "no redistribution state: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(state["round"], state["block"].as_u64().unwrap() / 152);
    assert_eq!(state["isFrozen"], false);
    assert_eq!(state["reward"], "0");
    assert_eq!(state["lastWonRound"], 0);
    assert_eq!(state["isHealthy"], false, "a lone node has no peer");
    assert!(state["lastSampleDurationSeconds"].is_number());

    // `/rchash`: an empty reserve samples nothing; bad parameters are 400.
    let anchors = format!("{}/{}", "11".repeat(32), "22".repeat(32));
    let (status, body) = get(&http, format!("{api}/rchash/0/{anchors}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"], 0);
    assert!(body["proofs"].is_null());
    assert!(body["durationSeconds"].as_f64().unwrap() >= 0.0);
    for bad in [
        format!("300/{anchors}"),
        format!("0/zz/{}", "22".repeat(32)),
    ] {
        let (status, body) = get(&http, format!("{api}/rchash/{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // With ~100 chunks in the reserve the sample is full and its claim proofs are built.
    let batch = buy_usable_batch(&http, &api, 20, 100_000).await;
    let data: Vec<u8> = (0..400_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let response = http
        .post(format!("{api}/bytes"))
        .header("swarm-postage-batch-id", &batch)
        // Direct: the chunks go to this node's reserve (a deferred upload keeps them in the
        // push queue until a storer receipts them). A lone full node is the closest node to
        // every chunk, so it is their storer and the upload succeeds, as on Bee
        // (`ErrWantSelf`).
        .header("swarm-deferred-upload", "false")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap().to_string();
    let downloaded = http
        .get(format!("{api}/bytes/{reference}"))
        .send()
        .await
        .unwrap();
    assert_eq!(downloaded.status().as_u16(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().as_ref(), data.as_slice());
    let (status, body) = get(&http, format!("{api}/rchash/0/{anchors}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"], 16, "{body}");
    assert_eq!(body["hash"].as_str().unwrap().len(), 64);
    // Bee's shape (`pkg/api/rchash.go`): an object of three proofs, hex without `0x`, the
    // stamp's index and timestamp as hexadecimal numbers, `socProof` null for a CAC.
    let proofs = &body["proofs"];
    for name in ["proof1", "proof2", "proofLast"] {
        let proof = &proofs[name];
        for list in ["proofSegments", "proofSegments2", "proofSegments3"] {
            let segments = proof[list]
                .as_array()
                .unwrap_or_else(|| panic!("{name}.{list}: {body}"));
            assert_eq!(segments.len(), 7, "{name}.{list}");
            assert!(segments.iter().all(|s| {
                let s = s.as_str().unwrap();
                s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
            }));
        }
        assert_eq!(proof["proveSegment"].as_str().unwrap().len(), 64, "{name}");
        assert_eq!(proof["proveSegment2"].as_str().unwrap().len(), 64, "{name}");
        assert!(proof["chunkSpan"].as_u64().unwrap() > 0, "{name}");
        let stamp = &proof["postageProof"];
        assert_eq!(stamp["signature"].as_str().unwrap().len(), 130, "{name}");
        assert_eq!(stamp["postageId"], batch.as_str(), "{name}");
        for number in ["index", "timeStamp"] {
            let text = stamp[number].as_str().unwrap();
            assert!(
                !text.starts_with("0x") && u64::from_str_radix(text, 16).is_ok(),
                "{name}.{number}: {text}"
            );
        }
        assert!(proof["socProof"].is_null(), "{name}: a content chunk");
    }
    assert!(proofs.as_array().is_none());
    // Another anchor draws another sample.
    let other = format!("{}/{}", "33".repeat(32), "22".repeat(32));
    let (_, again) = get(&http, format!("{api}/rchash/0/{other}")).await;
    assert_ne!(again["hash"], body["hash"]);

    net.shutdown().await.unwrap();
}
