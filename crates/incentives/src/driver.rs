//! Runs the [`Agent`] against the chain and the reserve (spec §5.9): each [`Driver::tick`]
//! reads a [`ChainView`], lets the agent decide, saves the state, carries the actions out
//! (sample, commit, reveal, claim) and feeds the results back, saving after each.
//!
//! Call `tick` once a block (Bee polls every 5 blocks; more often is harmless). A sample
//! runs inside the tick, so a tick in the claim phase can take as long as the sample.

use std::time::Instant;

use comb_chain::events::Event;
use comb_chain::round::{is_commit_last_block, Phase};
use comb_chain::Call;
use comb_chain_rpc::RpcError;
use comb_primitives::{Signer, B256, U256};
use comb_sampling::{make_inclusion_proofs, SampleRules};

use crate::state::CommitStage;
use crate::{
    Action, Agent, AgentChain, AgentConfig, ChainView, Decision, Health, IncentivesError,
    SampleRecord, SampleRequest, Sampler, StakeView, StateFile, Status,
};

/// Where reveal nonces come from.
type NonceSource = Box<dyn FnMut() -> B256 + Send + Sync>;

/// The agent wired to a chain, a sampler, the node's key and its state file.
pub struct Driver<C, S> {
    chain: C,
    sampler: S,
    signer: Signer,
    agent: Agent,
    file: StateFile,
    nonces: NonceSource,
}

impl<C: AgentChain, S: Sampler> Driver<C, S> {
    /// A driver resuming from the state saved in `file` (empty if there is none).
    pub fn open(
        chain: C,
        sampler: S,
        signer: Signer,
        config: AgentConfig,
        file: StateFile,
    ) -> Result<Self, IncentivesError> {
        let state = file.load()?;
        Ok(Self {
            chain,
            sampler,
            signer,
            agent: Agent::new(config, state),
            file,
            nonces: Box::new(|| B256::from(rand::random::<[u8; 32]>())),
        })
    }

    /// Draws reveal nonces from `nonces` instead of the OS's randomness (for reproducible
    /// tests: a nonce must stay secret until the reveal, spec §5.3).
    pub fn with_nonces(mut self, nonces: impl FnMut() -> B256 + Send + Sync + 'static) -> Self {
        self.nonces = Box::new(nonces);
        self
    }

    /// The decision core and its state.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// The chain backend.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// Bee's `/redistributionstate` snapshot (spec §5.9).
    pub fn status(&self) -> Status {
        self.agent.status()
    }

    /// Reads what the agent needs of the chain at the pending block.
    pub async fn view(&self, health: &Health) -> Result<ChainView, IncentivesError> {
        let overlay = self.agent.config().overlay;
        let owner = self.signer.address();
        let info = self.chain.redistribution().await?;
        let stake_info = self.chain.stake(owner).await?;
        let stake = stake_info.record.map(|record| StakeView {
            overlay: record.overlay,
            height: record.height,
            last_updated_block: record.last_updated_block,
            effective_stake: stake_info.effective_stake,
        });
        let ours = info
            .commits
            .iter()
            .filter(|_| info.current_commit_round == info.round)
            .find(|commit| commit.overlay == overlay);
        let mut view = ChainView {
            block: info.block_number,
            round: info.round,
            phase: info.phase,
            last_commit_block: is_commit_last_block(info.block_number),
            anchor: info.current_round_anchor,
            seed: info.seed,
            current_claim_round: info.current_claim_round,
            stake,
            participating: None,
            is_winner: None,
            committed: ours.is_some(),
            revealed: ours.is_some_and(|commit| commit.revealed),
        };
        if view.phase == Phase::Claim {
            if let Some(stake) = &view.stake {
                let depth = health.storage_radius.saturating_add(stake.height);
                view.participating =
                    reverted_as_none(self.chain.is_participating(owner, depth).await)?;
            }
            let revealed_here = self.agent.state().commit.as_ref().is_some_and(|commit| {
                commit.round == view.round
                    && matches!(commit.stage, CommitStage::Revealed | CommitStage::Claiming)
            });
            if revealed_here && view.revealed {
                view.is_winner = reverted_as_none(self.chain.is_winner(overlay).await)?;
            }
        }
        Ok(view)
    }

    /// One step: decide, save, act, save. Returns the decisions taken (each is also logged
    /// with its reason: actions at `info`, waiting at `debug`, as every block repeats them). A failed action is logged and reported to the agent, which retries
    /// when the phase allows; only reading the chain or saving the state fails the tick.
    pub async fn tick(&mut self, health: &Health) -> Result<Vec<Decision>, IncentivesError> {
        let view = self.view(health).await?;
        let nonce = (self.nonces)();
        let decisions = self.agent.step(&view, health, nonce);
        self.file.save(self.agent.state())?;
        for decision in &decisions {
            match &decision.action {
                Some(_) => {
                    tracing::info!(block = view.block, reason = %decision.reason, "incentive agent")
                }
                None => {
                    tracing::debug!(block = view.block, reason = %decision.reason, "incentive agent")
                }
            }
            if let Some(action) = &decision.action {
                self.act(action, &view).await;
                self.file.save(self.agent.state())?;
            }
        }
        Ok(decisions)
    }

    async fn act(&mut self, action: &Action, view: &ChainView) {
        match action {
            Action::Sample {
                round,
                anchor,
                depth,
                radius,
            } => match self.sample(*round, *anchor, *depth, *radius, view).await {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(round, error = %e, "incentive agent: sampling failed");
                    self.agent.sample_failed(*round);
                }
            },
            Action::Commit {
                round,
                obfuscated_hash,
            } => {
                let call = Call::Commit {
                    obfuscated_hash: *obfuscated_hash,
                    round: *round,
                };
                match self.chain.send(&self.signer, call).await {
                    Ok(_) => self.agent.committed(*round),
                    Err(e) => {
                        tracing::warn!(round, error = %e, "incentive agent: commit failed");
                        self.agent.commit_failed(*round);
                    }
                }
            }
            Action::Reveal {
                round,
                depth,
                hash,
                nonce,
            } => {
                let call = Call::Reveal {
                    depth: *depth,
                    hash: *hash,
                    reveal_nonce: *nonce,
                };
                match self.chain.send(&self.signer, call).await {
                    Ok(_) => self.agent.revealed(*round),
                    Err(e) => {
                        tracing::warn!(round, error = %e, "incentive agent: reveal failed");
                        self.agent.reveal_failed(*round);
                    }
                }
            }
            Action::Claim { round } => match self.claim(*round, view).await {
                Ok(reward) => self.agent.claimed(*round, reward),
                Err(e) => {
                    tracing::warn!(round, error = %e, "incentive agent: claim failed");
                    self.agent.claim_failed(*round);
                }
            },
        }
    }

    async fn sample(
        &mut self,
        round: u64,
        anchor: B256,
        depth: u8,
        radius: u8,
        view: &ChainView,
    ) -> Result<(), IncentivesError> {
        let terms = self.chain.sample_terms(view.block).await?;
        let request = SampleRequest {
            round,
            rules: SampleRules {
                anchor: anchor.to_vec(),
                committed_depth: depth,
                consensus_time_ns: terms.consensus_time_ns,
                min_batch_value: terms.min_batch_value,
            },
            radius,
        };
        let started = Instant::now();
        let sample = self.sampler.sample(request).await?;
        let record = SampleRecord::new(round, anchor, depth, &sample)?;
        tracing::info!(
            round,
            items = sample.items().len(),
            hash = %record.hash,
            "incentive agent: sampled"
        );
        self.agent.sampled(record, started.elapsed());
        Ok(())
    }

    /// Builds the three proofs from the round's sample (anchor 1: the sample's anchor;
    /// anchor 2: the seed after the reveals, spec §6.5) and claims; returns the pot paid.
    async fn claim(&self, round: u64, view: &ChainView) -> Result<U256, IncentivesError> {
        let record = self
            .agent
            .state()
            .commit
            .as_ref()
            .filter(|commit| commit.round == round)
            .ok_or(IncentivesError::NoSample(round))?;
        let sample = record
            .sample
            .sample()
            .map_err(|reason| IncentivesError::Corrupt {
                path: self.file.path().to_path_buf(),
                reason,
            })?;
        let proofs = make_inclusion_proofs(
            &sample,
            record.sample.anchor.as_slice(),
            view.seed.as_slice(),
        )?;
        let receipt = self
            .chain
            .send(
                &self.signer,
                Call::Claim {
                    proofs: Box::new(proofs),
                },
            )
            .await?;
        let owner = self.signer.address();
        Ok(receipt
            .events
            .iter()
            .filter_map(|event| match event {
                Event::PotWithdrawn {
                    recipient,
                    total_amount,
                } if *recipient == owner => Some(*total_amount),
                _ => None,
            })
            .fold(U256::ZERO, |sum, amount| sum.saturating_add(amount)))
    }
}

/// A contract revert of a view as "not known", other failures as errors.
fn reverted_as_none(result: Result<bool, RpcError>) -> Result<Option<bool>, IncentivesError> {
    match result {
        Ok(answer) => Ok(Some(answer)),
        Err(RpcError::CallReverted(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
