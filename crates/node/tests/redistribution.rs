//! The redistribution game on a devnet of real nodes over loopback TCP (issue "The incentive
//! loop end to end", Done when; spec `storage-incentives.md` §5, §6): every node stakes at
//! start, the nodes' agents sample, commit, reveal and claim on their own, and the test only
//! watches the ledger's events and the nodes' `/redistributionstate`.
//!
//! Five nodes: 0 and 1 are honest; 2 reveals a wrong hash (the test-only switch) and must be
//! frozen for 1 × 152 × 2^depth blocks; 3 is killed after committing and kept down through
//! the reveal phase and must be frozen 2 × …; 4 is killed after committing and restarted
//! before the reveal phase ends, and must reveal and not be frozen. The run lasts until at
//! least three rounds have been claimed.
//!
//! Then availability challenges (`staking-architecture.md`), opened through node 0's API on
//! the root chunk it stamped: node 1 answers one automatically within the window; node 2,
//! whose reserve lost the chunk, fails one, settled through the API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use comb_chain::events::Event;
use comb_chain::oracle::CHANGE_RATE;
use comb_chain::round::{phase_of, round_of, round_start, Phase, PHASE_LENGTH, ROUND_LENGTH};
use comb_chain_rpc::types::EventRecord;
use comb_chain_rpc::ChainClient;
use comb_node::devnet::{Devnet, DevnetConfig};
use comb_node::RunningNode;
use comb_primitives::{Address, B256, U256};

mod common;
use common::{buy_usable_batch, json, random_bytes};

const LIAR: usize = 2;
const KEPT_DOWN: usize = 3;
const RESTARTED: usize = 4;
/// Honest stakes dwarf the liar's, so the truth is the honest hash (the truth is drawn
/// weighted by stake density, §5.6).
const STAKES_BZZ: [u64; 5] = [100_000, 100_000, 10, 100_000, 100_000];

/// The oracle's `adjustPrice(redundancy)` (spec §4), written out independently of the
/// ledger: the upscaled price after a claim in `round`.
fn adjusted_price(upscaled: u64, last_adjusted: u64, round: u64, redundancy: u16) -> u64 {
    let step = |price: u64, rate: u64| ((u128::from(price) * u128::from(rate)) >> 20) as u64;
    let mut price = step(upscaled, CHANGE_RATE[usize::from(redundancy.min(8))]);
    for _ in 0..round.saturating_sub(last_adjusted).saturating_sub(1) {
        price = step(price, CHANGE_RATE[0]);
    }
    price.max(24_000 << 10)
}

struct Watcher {
    client: ChainClient,
    events: Vec<EventRecord>,
    scanned: u64,
}

impl Watcher {
    async fn head(&self) -> u64 {
        self.client.head().await.unwrap().number
    }

    async fn catch_up(&mut self) {
        let head = self.head().await;
        if head > self.scanned {
            let new = self.client.events(self.scanned + 1, head).await.unwrap();
            self.events.extend(new);
            self.scanned = head;
        }
    }

    /// (claim block, winner address, pot) for every claim so far.
    fn claims(&self) -> Vec<(u64, Address, U256)> {
        self.events
            .iter()
            .filter_map(|record| match &record.event {
                Event::PotWithdrawn {
                    recipient,
                    total_amount,
                } => Some((record.block_number, *recipient, *total_amount)),
                _ => None,
            })
            .collect()
    }

    fn in_tx<'a>(&'a self, tx: &'a B256) -> impl Iterator<Item = &'a Event> + 'a {
        self.events
            .iter()
            .filter(move |r| r.transaction_hash == *tx)
            .map(|r| &r.event)
    }

    /// (round, overlay, blocks) of every freeze.
    fn freezes(&self) -> Vec<(u64, B256, u64)> {
        self.events
            .iter()
            .filter_map(|record| match &record.event {
                Event::StakeFrozen { overlay, time, .. } => {
                    Some((round_of(record.block_number), *overlay, *time))
                }
                _ => None,
            })
            .collect()
    }

    /// The reveals of `round`: overlay → revealed hash.
    fn reveals(&self, round: u64) -> HashMap<B256, B256> {
        self.events
            .iter()
            .filter_map(|record| match &record.event {
                Event::Revealed {
                    round: r,
                    overlay,
                    reserve_commitment,
                    ..
                } if *r == round => Some((*overlay, *reserve_commitment)),
                _ => None,
            })
            .collect()
    }
}

async fn redistribution_state(client: &reqwest::Client, node: &RunningNode) -> serde_json::Value {
    let (status, body) = json(
        client
            .get(format!("{}/redistributionstate", node.api_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_play_claim_and_freeze_liars_and_no_shows() {
    // `RUST_LOG=comb_incentives=info` shows each agent decision with its reason.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let config = DevnetConfig {
        nodes: 5,
        block_time_ms: 100,
        dir: dir.path().to_path_buf(),
        base_port: 0,
        batch_block_threshold: 2,
        minimum_validity_blocks: None,
        stakes_bzz: STAKES_BZZ.to_vec(),
    };
    let mut net = Devnet::start_with(&config, |index, node| {
        node.test_reveal_wrong_hash = index == LIAR;
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let client = ChainClient::new(net.chain.url()).unwrap();

    let overlays: Vec<B256> = net.nodes.iter().map(|n| n.node.overlay()).collect();
    let owners: Vec<Address> = net
        .nodes
        .iter()
        .map(|n| n.node.signer().address())
        .collect();
    // Every node staked what it was told (`GET /stake`).
    for (node, bzz) in net.nodes.iter().zip(STAKES_BZZ) {
        let (status, body) = json(
            http.get(format!("{}/stake", node.api_url()))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["stakedAmount"],
            (U256::from(bzz) * U256::from(10_000_000_000_000_000u64)).to_string()
        );
    }

    // Data for the reserves: ~100 chunks, stamped in round 0 so that they are older than
    // the consensus time of the first rounds played (§6.1).
    let uploader = net.nodes[0].api_url();
    let batch = buy_usable_batch(&http, &uploader, 20, 1_000_000).await;
    let response = http
        .post(format!("{uploader}/bytes"))
        .header("swarm-postage-batch-id", &batch)
        .body(random_bytes(400_000, 11))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let (_, uploaded) = json(response).await;
    let root: B256 = uploaded["reference"].as_str().unwrap().parse().unwrap();
    let batch_id: B256 = batch.parse().unwrap();

    let start_price = client.price().await.unwrap();
    let mut start_balances = Vec::new();
    for owner in &owners {
        start_balances.push(client.balance(*owner).await.unwrap());
    }

    let mut watcher = Watcher {
        client: ChainClient::new(net.chain.url()).unwrap(),
        events: Vec::new(),
        scanned: 0,
    };
    let mut kill_round: Option<u64> = None;
    let mut down: Vec<(usize, comb_node::NodeConfig)> = Vec::new();
    let mut restarted: Option<RunningNode> = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        watcher.catch_up().await;
        let head = watcher.head().await;
        let pending = head + 1;
        if kill_round.is_none() && phase_of(pending) == Phase::Commit {
            let info = client.redistribution().await.unwrap();
            let committed = |i: usize| {
                info.current_commit_round == info.round
                    && info.commits.iter().any(|c| c.overlay == overlays[i])
            };
            if committed(KEPT_DOWN) && committed(RESTARTED) {
                kill_round = Some(info.round);
                for index in [RESTARTED, KEPT_DOWN] {
                    let node = net.nodes.remove(index);
                    down.push((index, node.node.config().clone()));
                    node.shutdown().await;
                }
                assert_eq!(
                    phase_of(client.head().await.unwrap().number + 1),
                    Phase::Commit,
                    "the nodes were stopped too late to miss their reveal"
                );
            }
        }
        if let Some(round) = kill_round {
            if restarted.is_none() && pending >= round_start(round) + PHASE_LENGTH {
                assert!(
                    pending < round_start(round) + 2 * PHASE_LENGTH,
                    "missed the reveal phase of round {round}"
                );
                let (_, config) = down.iter().find(|(i, _)| *i == RESTARTED).unwrap();
                restarted = Some(comb_node::start(config.clone()).await.unwrap());
            }
        }
        let done = watcher.claims().len() >= 3
            && kill_round.is_some_and(|round| head >= round_start(round + 1));
        if done {
            break;
        }
        if Instant::now() > deadline {
            let kinds: Vec<String> = watcher
                .events
                .iter()
                .map(|r| format!("{}:{:?}", r.block_number, r.event))
                .filter(|e| !e.contains("Transfer"))
                .collect();
            panic!(
                "game stalled at block {head}: {} claims, kill round {kill_round:?}\n{}",
                watcher.claims().len(),
                kinds.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kill_round = kill_round.unwrap();

    // Every claim: a winner selected by the ledger (which verified the proofs), paid the pot,
    // and the price moved by the oracle's table with the round's redundancy.
    let claims = watcher.claims();
    let mut won: BTreeMap<Address, (U256, u64)> = BTreeMap::new();
    let mut upscaled = start_price.upscaled;
    let mut last_adjusted = start_price.last_adjusted_round;
    let mut price_moved = false;
    for (block, recipient, pot) in &claims {
        let round = round_of(*block);
        assert_eq!(phase_of(*block), Phase::Claim);
        let tx = watcher
            .events
            .iter()
            .find(|r| r.block_number == *block && matches!(r.event, Event::PotWithdrawn { .. }))
            .unwrap()
            .transaction_hash;
        let events: Vec<&Event> = watcher.in_tx(&tx).collect();
        let truth = events
            .iter()
            .find_map(|e| match e {
                Event::TruthSelected { hash, .. } => Some(*hash),
                _ => None,
            })
            .expect("a claim selects the truth");
        let winner = events
            .iter()
            .find_map(|e| match e {
                Event::WinnerSelected { owner, overlay, .. } => Some((*owner, *overlay)),
                _ => None,
            })
            .expect("a claim selects a winner");
        assert_eq!(winner.0, *recipient, "the pot goes to the winner");
        let reveals = watcher.reveals(round);
        assert_eq!(
            reveals.get(&winner.1),
            Some(&truth),
            "the winner revealed the truth"
        );
        assert!(owners.contains(recipient));
        assert!(*pot > U256::ZERO, "round {round} paid an empty pot");
        let entry = won.entry(*recipient).or_default();
        entry.0 += *pot;
        entry.1 = entry.1.max(round);

        let redundancy = reveals.values().filter(|hash| **hash == truth).count() as u16;
        let expected = adjusted_price(upscaled, last_adjusted, round, redundancy);
        let announced = events
            .iter()
            .find_map(|e| match e {
                Event::PriceUpdate { price } => Some(*price),
                _ => None,
            })
            .expect("a claim adjusts the price");
        assert_eq!(
            announced,
            expected >> 10,
            "round {round}, redundancy {redundancy}"
        );
        price_moved |= expected != upscaled;
        upscaled = expected;
        last_adjusted = round;
    }
    assert!(price_moved, "no claim moved the price");

    // Liar: frozen 1 × 152 × 2^0 blocks each time it revealed; honest nodes never.
    let freezes = watcher.freezes();
    let liar_freezes: Vec<_> = freezes.iter().filter(|f| f.1 == overlays[LIAR]).collect();
    assert!(
        !liar_freezes.is_empty(),
        "the liar was never frozen: {freezes:?}"
    );
    assert!(
        liar_freezes.iter().all(|f| f.2 == ROUND_LENGTH),
        "{freezes:?}"
    );
    for honest in [0, 1, RESTARTED] {
        assert!(
            freezes.iter().all(|f| f.1 != overlays[honest]),
            "honest node {honest} was frozen: {freezes:?}"
        );
    }
    // Kept down through the reveal: frozen 2 × 152 in the claim of the kill round.
    assert!(
        freezes.contains(&(kill_round, overlays[KEPT_DOWN], 2 * ROUND_LENGTH)),
        "node {KEPT_DOWN} not frozen 2×: {freezes:?}"
    );
    // Restarted before the reveal phase ended: it revealed the truth.
    let reveals = watcher.reveals(kill_round);
    assert!(
        reveals.contains_key(&overlays[RESTARTED]),
        "the restarted node did not reveal in round {kill_round}"
    );
    assert!(!reveals.contains_key(&overlays[KEPT_DOWN]));

    // Wallets grew by exactly the pots won; `/redistributionstate` reports the wins.
    let mut live: Vec<(usize, &RunningNode)> = net
        .nodes
        .iter()
        .map(|n| {
            (
                overlays
                    .iter()
                    .position(|o| *o == n.node.overlay())
                    .unwrap(),
                n,
            )
        })
        .collect();
    if let Some(node) = &restarted {
        live.push((RESTARTED, node));
    }
    for (index, owner) in owners.iter().enumerate() {
        let balance = client.balance(*owner).await.unwrap();
        let (pots, _) = won.get(owner).copied().unwrap_or_default();
        assert_eq!(
            balance,
            start_balances[index] + pots,
            "node {index}'s wallet"
        );
    }
    for (index, node) in live {
        let (pots, last_won) = won.get(&owners[index]).copied().unwrap_or_default();
        // The agent books a win when it sees its claim mined, which may be a block after
        // the claim event the watcher read: poll until it has.
        let deadline = Instant::now() + Duration::from_secs(30);
        let state = loop {
            let state = redistribution_state(&http, node).await;
            if state["reward"] == pots.to_string() || Instant::now() > deadline {
                break state;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(state["reward"], pots.to_string(), "node {index}: {state}");
        assert_eq!(state["lastWonRound"], last_won, "node {index}: {state}");
        assert!(state["round"].as_u64().unwrap() > kill_round, "{state}");
        assert!(["commit", "reveal", "claim"].contains(&state["phase"].as_str().unwrap()));
        if index == LIAR {
            assert!(state["lastFrozenRound"].as_u64().unwrap() > 0, "{state}");
        } else {
            assert!(
                state["lastPlayedRound"].as_u64().unwrap() >= kill_round,
                "{state}"
            );
        }
    }

    // Availability challenges (`staking-architecture.md`): node 0 stamped the upload's root
    // chunk. Node 1 holds it and answers a challenge on its own, within the window.
    let challenge = |provider: usize| {
        let http = http.clone();
        let uploader = uploader.clone();
        let provider = owners[provider];
        async move {
            let (status, body) = json(
                http.post(format!("{uploader}/staking/challenges"))
                    .body(serde_json::json!({"provider": provider, "chunk": root}).to_string())
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body["id"].as_u64().unwrap()
        }
    };
    let answered_id = challenge(1).await;
    let window_end = watcher.head().await + 38;
    loop {
        watcher.catch_up().await;
        let answered = watcher.events.iter().any(|r| {
            matches!(r.event, Event::ChallengeAnswered { id, provider, .. }
                if id == answered_id && provider == owners[1])
        });
        if answered {
            break;
        }
        assert!(
            watcher.head().await <= window_end + 2,
            "node 1 did not answer challenge {answered_id} within the window"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The liar's reserve loses the chunk: its challenge goes unanswered, is settled through
    // the API after the window, slashes the provider and compensates the challenger.
    let liar = net
        .nodes
        .iter()
        .find(|n| n.node.overlay() == overlays[LIAR])
        .unwrap();
    assert!(liar.node.store().reserve.remove(&root, &batch_id).unwrap());
    let failed_id = challenge(LIAR).await;
    let (_, listed) = json(
        http.get(format!("{uploader}/staking/challenges"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let open = listed["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == failed_id)
        .unwrap()
        .clone();
    let answer_by = open["answerBy"].as_u64().unwrap();
    let settle_url = format!("{uploader}/staking/challenges/{failed_id}/settle");
    let (status, body) = json(http.post(&settle_url).send().await.unwrap()).await;
    assert_eq!(status, 400, "settled inside the window: {body}");
    while watcher.head().await <= answer_by {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = json(http.post(&settle_url).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    // The settlement's block must be sealed before its events are readable.
    let settled_deadline = Instant::now() + Duration::from_secs(20);
    let (slashed, compensated) = loop {
        watcher.catch_up().await;
        let failed = watcher.events.iter().find_map(|r| match &r.event {
            Event::ChallengeFailed {
                id,
                provider,
                challenger,
                slashed,
                compensated,
            } if *id == failed_id => {
                assert_eq!((*provider, *challenger), (owners[LIAR], owners[0]));
                Some((*slashed, *compensated))
            }
            _ => None,
        });
        if let Some(found) = failed {
            break found;
        }
        assert!(
            Instant::now() < settled_deadline,
            "the unanswered challenge did not fail"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(slashed > U256::ZERO && compensated > U256::ZERO);
    assert!(!watcher.events.iter().any(|r| matches!(
        r.event,
        Event::ChallengeAnswered { id, .. } if id == failed_id
    )));
    let (_, standing) = json(
        http.get(format!("{uploader}/staking/provider/{}", owners[LIAR]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        standing["offences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["offence"] == "failedChallenge"),
        "{standing}"
    );

    // Conservation over the whole run.
    net.chain
        .chain()
        .view(|ledger| ledger.state().check_conservation())
        .unwrap()
        .unwrap();

    if let Some(node) = restarted {
        node.shutdown().await;
    }
    net.shutdown().await.unwrap();
}
