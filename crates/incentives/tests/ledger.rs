//! The driver plays the redistribution game (spec §5) against comb-chain's real ledger, in
//! process: it samples real stamped chunks, commits, reveals and claims, and the ledger
//! accepts the claim and pays the pot. A restart between commit and reveal still reveals;
//! a node told to lie is frozen for disagreeing (§5.7).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use comb_chain::round::{round_start, PHASE_LENGTH};
use comb_chain::{Call, Ledger, Receipt, Transaction};
use comb_chain_rpc::types::{RedistributionInfo, StakeInfo};
use comb_chain_rpc::{views, RpcError};
use comb_incentives::{AgentChain, AgentConfig, Driver, SampleTerms, StateFile};
use comb_primitives::{Address, Signer, B256, U256};
use common::{batch_from, genesis, health, populate, MemorySampler};

/// The ledger shared by the nodes' drivers.
#[derive(Clone)]
struct LedgerChain(Arc<Mutex<Ledger>>);

impl LedgerChain {
    fn with<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> R {
        f(&mut self.0.lock().unwrap())
    }

    fn advance_to(&self, block: u64) {
        self.with(|ledger| ledger.advance_to(block, 5).unwrap());
    }

    fn send_now(&self, signer: &Signer, call: Call) -> Receipt {
        self.with(|ledger| submit(ledger, signer, call)).unwrap()
    }
}

fn submit(ledger: &mut Ledger, signer: &Signer, call: Call) -> Result<Receipt, RpcError> {
    let tx = Transaction {
        chain_id: ledger.config().chain_id,
        nonce: views::nonce(ledger, &signer.address()),
        call,
    };
    ledger
        .submit(tx.sign(signer).unwrap())
        .map_err(RpcError::Reverted)
}

impl AgentChain for LedgerChain {
    async fn redistribution(&self) -> Result<RedistributionInfo, RpcError> {
        Ok(self.with(|l| views::redistribution(l)))
    }

    async fn stake(&self, owner: Address) -> Result<StakeInfo, RpcError> {
        Ok(self.with(|l| views::stake(l, &owner)))
    }

    async fn is_participating(&self, owner: Address, depth: u8) -> Result<bool, RpcError> {
        self.with(|l| views::is_participating(l, &owner, depth))
            .map_err(RpcError::CallReverted)
    }

    async fn is_winner(&self, overlay: B256) -> Result<bool, RpcError> {
        self.with(|l| views::is_winner(l, &overlay))
            .map_err(RpcError::CallReverted)
    }

    async fn balance(&self, account: Address) -> Result<U256, RpcError> {
        Ok(self.with(|l| views::balance(l, &account)))
    }

    async fn send(&self, signer: &Signer, call: Call) -> Result<Receipt, RpcError> {
        self.with(|l| submit(l, signer, call))
    }

    async fn sample_terms(&self, _block: u64) -> Result<SampleTerms, RpcError> {
        // Stamps are issued before the game starts and the batch outlives it.
        Ok(SampleTerms {
            consensus_time_ns: u64::MAX,
            min_batch_value: U256::ZERO,
        })
    }
}

/// A ledger with a stamped reserve and one staked node per entry of `stakes`.
fn setup(stakes: &[u64]) -> (LedgerChain, Vec<Signer>, MemorySampler) {
    let config = genesis(stakes.len() as u8);
    let chain = LedgerChain(Arc::new(Mutex::new(Ledger::genesis(config).unwrap())));
    let (nodes, sampler) = populate(
        stakes,
        &mut |signer, call| chain.send_now(signer, call),
        &|id| chain.with(|l| batch_from(*id, l.state().postage.batch(id).unwrap())),
    );
    (chain, nodes, sampler)
}

fn overlay_of(chain: &LedgerChain, node: &Signer) -> B256 {
    chain.with(|l| l.state().staking.stake(&node.address()).unwrap().overlay)
}

type TestDriver = Driver<LedgerChain, MemorySampler>;

fn open_driver(
    chain: &LedgerChain,
    sampler: &MemorySampler,
    node: &Signer,
    file: &StateFile,
    lie: bool,
) -> TestDriver {
    let mut config = AgentConfig::new(overlay_of(chain, node));
    config.reveal_wrong_hash = lie;
    // Reproducible nonces: the transactions, and so the blocks' randomness, are the same
    // on every run.
    let mut counter = 0u8;
    Driver::open(
        chain.clone(),
        sampler.clone(),
        node.clone(),
        config,
        file.clone(),
    )
    .unwrap()
    .with_nonces(move || {
        counter = counter.wrapping_add(1);
        B256::repeat_byte(counter)
    })
}

/// The round the scenarios play: stakes need two rounds to mature (§5.3).
const ROUND: u64 = 3;

#[tokio::test]
async fn one_node_plays_a_full_round_and_its_claim_is_accepted() {
    let (chain, nodes, sampler) = setup(&[1]);
    let node = &nodes[0];
    let dir = tempfile::tempdir().unwrap();
    let file = StateFile::new(dir.path().join("agent.json"));
    let mut driver = open_driver(&chain, &sampler, node, &file, false);

    // Claim phase of the round before: selected, samples.
    chain.advance_to(round_start(ROUND - 1) + 2 * PHASE_LENGTH);
    driver.tick(&health()).await.unwrap();
    let sample = driver.agent().state().sample.clone().expect("sampled");
    assert_eq!(sample.round, ROUND);
    assert_eq!(sample.items.len(), 16);

    // Commit phase: commits.
    chain.advance_to(round_start(ROUND) + 1);
    driver.tick(&health()).await.unwrap();
    let committed = chain.with(|l| views::redistribution(l).commits);
    assert_eq!(committed.len(), 1);
    assert_eq!(driver.status().last_played_round, ROUND);

    // Restart between commit and reveal: the secret comes back from the file.
    drop(driver);
    let mut driver = open_driver(&chain, &sampler, node, &file, false);

    // Reveal phase: reveals.
    chain.advance_to(round_start(ROUND) + PHASE_LENGTH + 1);
    driver.tick(&health()).await.unwrap();
    let reveals = chain.with(|l| views::redistribution(l).reveals);
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].hash, sample.hash);

    // Claim phase: wins (alone) and claims; the ledger verifies the proofs and pays.
    chain.advance_to(round_start(ROUND) + 2 * PHASE_LENGTH + 1);
    let before = chain.with(|l| views::balance(l, &node.address()));
    driver.tick(&health()).await.unwrap();
    let after = chain.with(|l| views::balance(l, &node.address()));
    let info = chain.with(|l| views::redistribution(l));
    assert_eq!(
        info.current_claim_round, ROUND,
        "the claim was not accepted"
    );
    assert_eq!(info.winner.unwrap().owner, node.address());
    let status = driver.status();
    assert_eq!(status.last_won_round, ROUND);
    assert_eq!(status.reward, after - before);
    // The same tick sampled for the next round.
    assert_eq!(status.last_selected_round, ROUND + 1);
}

#[tokio::test]
async fn a_lying_node_is_frozen_and_stops_playing() {
    // The truth is drawn by stake density (§5.6): the honest nodes hold 10^4 times the
    // liar's stake, so the lie is the truth with probability 1/20001 (and the nonces make
    // the draw the same on every run).
    let (chain, nodes, sampler) = setup(&[10_000, 10_000, 1]);
    let dir = tempfile::tempdir().unwrap();
    let mut drivers: Vec<TestDriver> = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let file = StateFile::new(dir.path().join(format!("agent{i}.json")));
            open_driver(&chain, &sampler, node, &file, i == 2)
        })
        .collect();
    for block in [
        round_start(ROUND - 1) + 2 * PHASE_LENGTH,
        round_start(ROUND) + 1,
        round_start(ROUND) + PHASE_LENGTH + 1,
        round_start(ROUND) + 2 * PHASE_LENGTH + 1,
    ] {
        chain.advance_to(block);
        for (i, driver) in drivers.iter_mut().enumerate() {
            let decisions = driver.tick(&health()).await.unwrap();
            eprintln!("block {block} node {i}: {decisions:?}");
        }
    }
    let info = chain.with(|l| views::redistribution(l));
    assert_eq!(info.current_claim_round, ROUND);
    let winner = info.winner.unwrap().owner;
    assert_ne!(winner, nodes[2].address(), "the liar won");
    let liar = chain.with(|l| views::stake(l, &nodes[2].address()));
    assert!(liar.frozen, "the liar was not frozen: {liar:?}");
    let honest = chain.with(|l| views::stake(l, &nodes[0].address()));
    assert!(!honest.frozen);
    // The liar's next tick sees the freeze; it neither samples nor commits.
    chain.advance_to(round_start(ROUND) + 2 * PHASE_LENGTH + 2);
    let decisions = drivers[2].tick(&health()).await.unwrap();
    assert!(
        decisions.iter().all(|d| d.action.is_none()),
        "{decisions:?}"
    );
    assert_eq!(drivers[2].status().last_frozen_round, ROUND);
    assert!(drivers[2].status().is_frozen);
    let won: u64 = drivers
        .iter()
        .map(|d| d.status().last_won_round)
        .max()
        .unwrap();
    assert_eq!(won, ROUND);
}

/// A chain that refuses the next transaction of each kind listed, once.
#[derive(Clone)]
struct Flaky {
    inner: LedgerChain,
    refuse: Arc<Mutex<Vec<&'static str>>>,
}

impl Flaky {
    fn refuses(&self, call: &Call) -> bool {
        let kind = match call {
            Call::Commit { .. } => "commit",
            Call::Reveal { .. } => "reveal",
            Call::Claim { .. } => "claim",
            _ => "other",
        };
        let mut refuse = self.refuse.lock().unwrap();
        match refuse.iter().position(|k| *k == kind) {
            Some(i) => {
                refuse.remove(i);
                true
            }
            None => false,
        }
    }
}

impl AgentChain for Flaky {
    async fn redistribution(&self) -> Result<RedistributionInfo, RpcError> {
        self.inner.redistribution().await
    }

    async fn stake(&self, owner: Address) -> Result<StakeInfo, RpcError> {
        self.inner.stake(owner).await
    }

    async fn is_participating(&self, owner: Address, depth: u8) -> Result<bool, RpcError> {
        self.inner.is_participating(owner, depth).await
    }

    async fn is_winner(&self, overlay: B256) -> Result<bool, RpcError> {
        self.inner.is_winner(overlay).await
    }

    async fn balance(&self, account: Address) -> Result<U256, RpcError> {
        self.inner.balance(account).await
    }

    async fn send(&self, signer: &Signer, call: Call) -> Result<Receipt, RpcError> {
        if self.refuses(&call) {
            return Err(RpcError::Storage("injected failure".into()));
        }
        self.inner.send(signer, call).await
    }

    async fn sample_terms(&self, block: u64) -> Result<SampleTerms, RpcError> {
        self.inner.sample_terms(block).await
    }
}

#[tokio::test]
async fn failed_transactions_are_retried_at_the_next_block() {
    let (chain, nodes, sampler) = setup(&[1]);
    let node = &nodes[0];
    let flaky = Flaky {
        inner: chain.clone(),
        refuse: Arc::new(Mutex::new(vec!["commit", "reveal", "claim"])),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut driver = Driver::open(
        flaky,
        sampler,
        node.clone(),
        AgentConfig::new(overlay_of(&chain, node)),
        StateFile::new(dir.path().join("agent.json")),
    )
    .unwrap();
    let commits = || chain.with(|l| views::redistribution(l).commits);
    let tick_at = |block: u64| {
        chain.advance_to(block);
        block
    };

    tick_at(round_start(ROUND - 1) + 2 * PHASE_LENGTH);
    driver.tick(&health()).await.unwrap();
    // The commit is refused once, then made at the next block.
    tick_at(round_start(ROUND) + 1);
    driver.tick(&health()).await.unwrap();
    assert!(commits().is_empty());
    assert!(
        driver.agent().state().sample.is_some(),
        "the sample was lost"
    );
    tick_at(round_start(ROUND) + 2);
    driver.tick(&health()).await.unwrap();
    assert_eq!(commits().len(), 1);
    // The reveal likewise.
    tick_at(round_start(ROUND) + PHASE_LENGTH + 1);
    driver.tick(&health()).await.unwrap();
    assert!(!commits()[0].revealed);
    tick_at(round_start(ROUND) + PHASE_LENGTH + 2);
    driver.tick(&health()).await.unwrap();
    assert!(commits()[0].revealed);
    // And the claim.
    tick_at(round_start(ROUND) + 2 * PHASE_LENGTH + 1);
    driver.tick(&health()).await.unwrap();
    assert_eq!(
        chain.with(|l| views::redistribution(l).current_claim_round),
        0
    );
    tick_at(round_start(ROUND) + 2 * PHASE_LENGTH + 2);
    driver.tick(&health()).await.unwrap();
    assert_eq!(
        chain.with(|l| views::redistribution(l).current_claim_round),
        ROUND
    );
    assert_eq!(driver.status().last_won_round, ROUND);
}
