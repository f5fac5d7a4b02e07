//! The driver over JSON-RPC (spec §5.9): `ChainClient` as the agent's chain, against a
//! `ChainService` on 127.0.0.1 whose blocks the test seals, plays a full round — sample,
//! commit, reveal, claim — and the claim is accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use comb_chain::round::{round_start, PHASE_LENGTH};
use comb_chain::Transaction;
use comb_chain_rpc::{views, ChainClient, ChainService, Genesis, ServiceConfig};
use comb_incentives::{AgentConfig, Driver, StateFile};
use comb_primitives::B256;
use common::{batch_from, genesis, health, populate};

/// Seals blocks until transactions go into block `number`.
fn advance_to(service: &ChainService, number: u64) {
    let chain = service.chain();
    loop {
        let (pending, timestamp) = chain
            .view(|l| (l.pending_number(), l.head().timestamp))
            .unwrap();
        if pending >= number {
            return;
        }
        chain.seal(timestamp + 5).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_plays_a_full_round_over_json_rpc() {
    let dir = tempfile::tempdir().unwrap();
    let service = ChainService::start(ServiceConfig {
        data_dir: dir.path().join("chain"),
        genesis: Genesis::Exactly(genesis(1)),
        listen: "127.0.0.1:0".parse().unwrap(),
        // The test seals the blocks itself.
        block_time: Duration::from_secs(3600),
    })
    .await
    .unwrap();
    let chain = service.chain().clone();
    let (nodes, sampler) = populate(
        &[1],
        &mut |signer, call| {
            let tx = Transaction {
                chain_id: chain.config().chain_id,
                nonce: chain.view(|l| views::nonce(l, &signer.address())).unwrap(),
                call,
            };
            chain.submit(tx.sign(signer).unwrap()).unwrap()
        },
        &|id| {
            chain
                .view(|l| batch_from(*id, l.state().postage.batch(id).unwrap()))
                .unwrap()
        },
    );
    let node = &nodes[0];
    let overlay: B256 = chain
        .view(|l| l.state().staking.stake(&node.address()).unwrap().overlay)
        .unwrap();
    let client = ChainClient::new(service.url()).unwrap();
    let mut driver = Driver::open(
        client,
        sampler,
        node.clone(),
        AgentConfig::new(overlay),
        StateFile::new(dir.path().join("agent.json")),
    )
    .unwrap();

    const ROUND: u64 = 3;
    for block in [
        round_start(ROUND - 1) + 2 * PHASE_LENGTH,
        round_start(ROUND) + 1,
        round_start(ROUND) + PHASE_LENGTH + 1,
        round_start(ROUND) + 2 * PHASE_LENGTH + 1,
    ] {
        advance_to(&service, block);
        let decisions = driver.tick(&health()).await.unwrap();
        assert!(
            decisions.iter().any(|d| d.action.is_some()),
            "nothing done at block {block}: {decisions:?}"
        );
    }
    let claimed = chain
        .view(|l| views::redistribution(l).current_claim_round)
        .unwrap();
    assert_eq!(claimed, ROUND);
    assert_eq!(driver.status().last_won_round, ROUND);
    assert!(driver.status().reward > comb_primitives::U256::ZERO);
    service.shutdown().await.unwrap();
}
