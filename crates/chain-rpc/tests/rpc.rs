//! The JSON-RPC server over a real socket on 127.0.0.1, with the producer sealing blocks
//! every 50 ms, driven by the client and by raw HTTP requests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::time::{Duration, Instant};

use comb_chain::events::Event;
use comb_chain::state::Outcome;
use comb_chain::{Call, ChainError};
use comb_chain_rpc::dev::{dev_account, dev_balance, dev_genesis};
use comb_chain_rpc::jsonrpc::{EXECUTION_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND, PARSE_ERROR};
use comb_chain_rpc::{ChainBackend, ChainClient, ChainService, Genesis, RpcError, ServiceConfig};
use comb_primitives::{Address, B256, U256};
use serde_json::{json, Value};
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(10);

async fn start() -> (ChainService, ChainClient, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let service = ChainService::start(ServiceConfig {
        data_dir: dir.path().to_path_buf(),
        genesis: Genesis::Exactly(dev_genesis().unwrap()),
        listen: "127.0.0.1:0".parse().unwrap(),
        block_time: Duration::from_millis(50),
    })
    .await
    .unwrap();
    let client = ChainClient::new(service.url()).unwrap();
    (service, client, dir)
}

/// Polls `check` until it returns `Some`, failing after the deadline.
async fn poll<T, F: Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the block `number` is sealed.
async fn sealed(client: &ChainClient, number: u64) {
    poll("the block to be sealed", || async {
        (client.block_number().await.unwrap() >= number).then_some(())
    })
    .await;
}

async fn raw(url: &str, body: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn raw_json(url: &str, body: &str) -> Value {
    let (status, text) = raw(url, body).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_id_and_block_number_are_hex_and_blocks_advance() {
    let (service, client, _dir) = start().await;
    let url = service.url();
    let answer = raw_json(&url, r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#).await;
    assert_eq!(
        answer,
        json!({"jsonrpc": "2.0", "id": 1, "result": "0x539"})
    );
    let answer = raw_json(
        &url,
        r#"{"jsonrpc":"2.0","id":"a","method":"eth_blockNumber","params":[]}"#,
    )
    .await;
    let first = answer["result"].as_str().unwrap().to_owned();
    assert!(first.starts_with("0x"), "{first}");
    let first = u64::from_str_radix(&first[2..], 16).unwrap();
    assert_eq!(client.chain_id().await.unwrap(), 1337);
    let later = poll("the head to advance by two blocks", || async {
        let n = client.block_number().await.unwrap();
        (n >= first + 2).then_some(n)
    })
    .await;
    let head = client.head().await.unwrap();
    assert!(head.number >= later);
    let block = client.block(head.number).await.unwrap().unwrap();
    assert_eq!(block.header, head);
    assert_eq!(client.genesis().await.unwrap(), dev_genesis().unwrap());
    service.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_move_balances_and_reverts_change_nothing() {
    let (service, client, _dir) = start().await;
    let alice = dev_account(0).unwrap();
    let bob = Address::repeat_byte(0xb0);
    let amount = U256::from(123_456_789u64);

    let receipt = client
        .send(&alice.signer, Call::Transfer { to: bob, amount })
        .await
        .unwrap();
    assert_eq!(receipt.from, alice.address);
    assert_eq!(
        receipt.events,
        vec![Event::Transfer {
            from: alice.address,
            to: bob,
            value: amount
        }]
    );
    // Views include the pending block: visible before the block is sealed.
    assert_eq!(client.balance(bob).await.unwrap(), amount);
    assert_eq!(
        client.balance(alice.address).await.unwrap(),
        dev_balance() - amount
    );
    assert_eq!(client.nonce(alice.address).await.unwrap(), 1);
    let raw_balance = raw_json(
        &service.url(),
        &format!(r#"{{"jsonrpc":"2.0","id":7,"method":"comb_balance","params":["{bob}"]}}"#),
    )
    .await;
    assert_eq!(raw_balance["result"], json!("123456789"));

    // Bob has no funds: the transfer reverts with the named error and changes nothing.
    let broke = dev_account(100).unwrap();
    assert_eq!(client.balance(broke.address).await.unwrap(), U256::ZERO);
    let error = client
        .send(
            &broke.signer,
            Call::Transfer {
                to: alice.address,
                amount,
            },
        )
        .await
        .unwrap_err();
    match &error {
        RpcError::Reverted(ChainError::InsufficientTokenBalance { account, .. }) => {
            assert_eq!(*account, broke.address)
        }
        other => panic!("expected a revert, got {other:?}"),
    }
    assert_eq!(client.nonce(broke.address).await.unwrap(), 0);
    assert_eq!(client.balance(bob).await.unwrap(), amount);
    assert_eq!(client.nonce(alice.address).await.unwrap(), 1);

    // The wire form of a revert: code 3, the Display as message, the error as data.
    let tx = comb_chain::Transaction {
        chain_id: 1337,
        nonce: 0,
        call: Call::Transfer {
            to: alice.address,
            amount,
        },
    }
    .sign(&broke.signer)
    .unwrap();
    let request =
        json!({"jsonrpc": "2.0", "id": 9, "method": "comb_sendTransaction", "params": [tx]});
    let answer = raw_json(&service.url(), &request.to_string()).await;
    let expected = ChainError::InsufficientTokenBalance {
        account: broke.address,
        balance: "0".into(),
        amount: amount.to_string(),
    };
    assert_eq!(answer["error"]["code"], json!(EXECUTION_ERROR));
    assert_eq!(answer["error"]["message"], json!(expected.to_string()));
    assert_eq!(
        serde_json::from_value::<ChainError>(answer["error"]["data"].clone()).unwrap(),
        expected
    );
    // A replayed transaction is refused by its nonce.
    let tx = comb_chain::Transaction {
        chain_id: 1337,
        nonce: 0,
        call: Call::Transfer { to: bob, amount },
    }
    .sign(&alice.signer)
    .unwrap();
    assert!(matches!(
        client.send_transaction(&tx).await,
        Err(RpcError::Reverted(ChainError::BadNonce {
            got: 0,
            expected: 1
        }))
    ));

    // The transfer ends up in a sealed block.
    sealed(&client, receipt.block_number).await;
    let block = client.block(receipt.block_number).await.unwrap().unwrap();
    assert_eq!(block.receipts, vec![receipt.clone()]);
    assert_eq!(block.header.transactions, vec![receipt.transaction_hash]);
    service.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_and_events() {
    let (service, client, _dir) = start().await;
    let payer = dev_account(3).unwrap();
    let owner = Address::repeat_byte(0x0e);
    let postage = client.postage().await.unwrap();
    assert_eq!(postage.last_price, 24_000);
    let per_chunk = postage.minimum_initial_balance_per_chunk + U256::from(1000u64);
    let receipt = client
        .send(
            &payer.signer,
            Call::CreateBatch {
                owner,
                initial_balance_per_chunk: per_chunk,
                depth: 17,
                bucket_depth: 16,
                nonce: B256::repeat_byte(7),
                immutable: false,
            },
        )
        .await
        .unwrap();
    let Outcome::BatchId(id) = receipt.outcome else {
        panic!(
            "createBatch returns the batch id, got {:?}",
            receipt.outcome
        )
    };
    let batch = client.batch(id).await.unwrap().unwrap();
    assert_eq!(batch.batch_id, id);
    assert_eq!(batch.owner, owner);
    assert_eq!((batch.depth, batch.bucket_depth), (17, 16));
    assert!(!batch.expired);
    assert!(batch.remaining_balance <= per_chunk && !batch.remaining_balance.is_zero());
    assert_eq!(client.batches().await.unwrap(), vec![batch.clone()]);
    assert_eq!(client.batch(B256::repeat_byte(1)).await.unwrap(), None);
    let postage = client.postage().await.unwrap();
    assert_eq!(postage.valid_chunk_count, U256::from(1u64 << 17));
    // Decimal strings on the wire.
    let answer = raw_json(
        &service.url(),
        &format!(r#"{{"jsonrpc":"2.0","id":1,"method":"comb_batch","params":["{id}"]}}"#),
    )
    .await;
    assert_eq!(
        answer["result"]["normalisedBalance"],
        json!(batch.normalised_balance.to_string())
    );

    sealed(&client, receipt.block_number).await;
    let events = client
        .events(receipt.block_number, receipt.block_number)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].block_number, receipt.block_number);
    assert_eq!(events[0].transaction_hash, receipt.transaction_hash);
    assert!(matches!(
        events[0].event,
        Event::BatchCreated { batch_id, owner: o, depth: 17, .. } if batch_id == id && o == owner
    ));
    // A wider range finds the same event; ranges past the head are clipped.
    let all = client
        .events(0, receipt.block_number + 1_000)
        .await
        .unwrap();
    assert_eq!(all, events);
    assert!(client
        .events(receipt.block_number + 1, receipt.block_number)
        .await
        .unwrap()
        .is_empty());
    service.shutdown().await.unwrap();
}

/// Stakes through [`ChainBackend`], as the node will.
async fn stake_through_the_trait<B: ChainBackend>(
    backend: &B,
    node: &comb_chain_rpc::dev::DevAccount,
    amount: U256,
) {
    let stake = backend.stake(node.address).await.unwrap();
    assert_eq!(stake.record, None);
    assert!(!stake.frozen);
    assert_eq!(backend.chain_id().await.unwrap(), 1337);
    backend
        .send(
            &node.signer,
            Call::ManageStake {
                nonce: B256::repeat_byte(9),
                amount,
                height: 0,
            },
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staking_redistribution_price_and_chequebook_views() {
    let (service, client, _dir) = start().await;
    let node = dev_account(4).unwrap();
    let amount = U256::from(comb_chain::staking::MIN_STAKE) * U256::from(2u8);
    stake_through_the_trait(&client, &node, amount).await;
    let stake = client.stake(node.address).await.unwrap();
    let record = stake.record.clone().unwrap();
    assert_eq!(record.potential_stake, amount);
    // Staked in the pending block: frozen for `manageStake`, no effective stake yet. With
    // 50 ms blocks one may have been mined since; frozen and effective stake then agree
    // the other way.
    assert_eq!(
        stake.frozen,
        stake.effective_stake == U256::ZERO,
        "{stake:?}"
    );
    let stake = poll("the stake to count", || async {
        let stake = client.stake(node.address).await.unwrap();
        (!stake.frozen).then_some(stake)
    })
    .await;
    assert!(stake.effective_stake > U256::ZERO, "{stake:?}");

    let price = client.price().await.unwrap();
    assert_eq!(price.current_price, 24_000);
    assert_eq!(price.upscaled, 24_000 << 10);
    let game = client.redistribution().await.unwrap();
    assert_eq!(game.round, game.block_number / 152);
    assert!(game.commits.is_empty() && game.reveals.is_empty() && game.winner.is_none());
    // Contract reverts of views come back as named errors.
    let error = client.is_participating(node.address, 0).await.unwrap_err();
    assert!(
        matches!(
            error.chain_error(),
            Some(ChainError::MustStake2Rounds | ChainError::WrongPhase)
        ),
        "{error:?}"
    );
    let error = client.is_winner(record.overlay).await.unwrap_err();
    assert!(error.chain_error().is_some(), "{error:?}");

    let receipt = client
        .send(
            &node.signer,
            Call::DeployChequebook {
                issuer: node.address,
                salt: B256::ZERO,
            },
        )
        .await
        .unwrap();
    let Outcome::Address(chequebook) = receipt.outcome else {
        panic!("deployChequebook returns the address")
    };
    client
        .send(
            &node.signer,
            Call::Transfer {
                to: chequebook,
                amount: U256::from(5_000u64),
            },
        )
        .await
        .unwrap();
    let info = client.chequebook(chequebook).await.unwrap().unwrap();
    assert_eq!(info.issuer, node.address);
    assert_eq!(info.balance, U256::from(5_000u64));
    assert!(!info.bounced);
    assert_eq!(client.chequebook(node.address).await.unwrap(), None);
    service.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_json_rpc_errors() {
    let (service, client, _dir) = start().await;
    let url = service.url();
    let answer = raw_json(
        &url,
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_nope","params":[]}"#,
    )
    .await;
    assert_eq!(answer["error"]["code"], json!(METHOD_NOT_FOUND));
    assert_eq!(answer["id"], json!(1));
    for body in ["{not json", "", "[1,", "\u{0}"] {
        let answer = raw_json(&url, body).await;
        assert_eq!(answer["error"]["code"], json!(PARSE_ERROR), "{body:?}");
        assert_eq!(answer["id"], Value::Null);
    }
    for body in [
        r#"{"jsonrpc":"2.0","id":2,"method":"comb_balance","params":["0x12"]}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"comb_balance","params":[]}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"comb_balance","params":{"a":1}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"comb_getBlock","params":["tomorrow"]}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"comb_getEvents","params":[0, 20000]}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"comb_isParticipating","params":["0x0000000000000000000000000000000000000001", 300]}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"comb_sendTransaction","params":[{"transaction":1}]}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"eth_chainId","params":[1]}"#,
    ] {
        let answer = raw_json(&url, body).await;
        assert_eq!(answer["error"]["code"], json!(INVALID_PARAMS), "{body}");
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
    }
    for body in [
        r#"42"#,
        r#"{"id":3}"#,
        r#"{"jsonrpc":"1.0","id":3,"method":"eth_chainId"}"#,
        "[]",
    ] {
        let answer = raw_json(&url, body).await;
        assert_eq!(answer["error"]["code"], json!(-32600), "{body}");
    }
    // A batch answers each request; notifications get no answer.
    let answer = raw_json(
        &url,
        r#"[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"x"}]"#,
    )
    .await;
    let answers = answer.as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["result"], json!("0x539"));
    assert_eq!(answers[1]["error"]["code"], json!(METHOD_NOT_FOUND));
    let (status, _) = raw(&url, r#"{"jsonrpc":"2.0","method":"eth_chainId"}"#).await;
    assert_eq!(status, 204);
    // The client reports JSON-RPC errors as such, and the server still works.
    match client.call::<Value>("comb_nope", json!([])).await {
        Err(RpcError::Rpc { code, .. }) => assert_eq!(code, METHOD_NOT_FOUND),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
    assert_eq!(client.chain_id().await.unwrap(), 1337);
    service.shutdown().await.unwrap();
}
