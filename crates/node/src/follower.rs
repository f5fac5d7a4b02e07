//! The chain follower: keeps the batch store in step with the chain's postage contract
//! (spec §2.6) by replaying events block by block, then purges expired batches' chunks from
//! the reserve, evicts the cheapest batches' chunks when the reserve is over capacity and
//! lowers the storage radius again when the reserve is under half full (spec §7).

use std::sync::Arc;
use std::time::Duration;

use comb_chain::events::Event;
use comb_chain_rpc::ChainClient;
use comb_postage::Batch;
use comb_primitives::U256;
use comb_store::{BatchEvent, BatchStore, ChainState, Reserve};

use crate::NodeError;

/// Most blocks fetched per events call.
const EVENTS_PER_CALL: u64 = 5_000;

/// Translates one ledger event into the batch store's inputs (none if it does not concern
/// postage). A creation and a top-up also record what was paid ([`BatchEvent::Paid`]), in
/// the same transaction as the balance.
pub fn batch_events(event: &Event, block: u64) -> Vec<BatchEvent> {
    match event {
        Event::BatchCreated {
            batch_id,
            total_amount,
            normalised_balance,
            owner,
            depth,
            bucket_depth,
            immutable,
        } => vec![
            BatchEvent::Created(Batch {
                id: *batch_id,
                owner: *owner,
                depth: *depth,
                bucket_depth: *bucket_depth,
                immutable: *immutable,
                value: *normalised_balance,
                start_block: block,
            }),
            BatchEvent::Paid {
                id: *batch_id,
                total: *total_amount,
            },
        ],
        Event::BatchTopUp {
            batch_id,
            topup_amount,
            normalised_balance,
        } => vec![
            BatchEvent::TopUp {
                id: *batch_id,
                value: *normalised_balance,
            },
            BatchEvent::Paid {
                id: *batch_id,
                total: *topup_amount,
            },
        ],
        Event::BatchDepthIncrease {
            batch_id,
            new_depth,
            normalised_balance,
        } => vec![BatchEvent::DepthIncrease {
            id: *batch_id,
            depth: *new_depth,
            value: *normalised_balance,
        }],
        Event::PriceUpdate { price } => vec![BatchEvent::PriceUpdate {
            price: U256::from(*price),
        }],
        _ => Vec::new(),
    }
}

/// Follows the chain for one node.
#[derive(Debug, Clone)]
pub struct Follower {
    chain: Arc<ChainClient>,
    batches: BatchStore,
    reserve: Reserve,
}

impl Follower {
    /// A follower feeding `batches` from `chain` and maintaining `reserve`.
    pub fn new(chain: Arc<ChainClient>, batches: BatchStore, reserve: Reserve) -> Self {
        Self {
            chain,
            batches,
            reserve,
        }
    }

    /// On a fresh batch store, starts it at block 0 with the chain's genesis price.
    pub async fn initialise(&self) -> Result<(), NodeError> {
        let state = self.batches.chain_state()?;
        if state.block == 0 && state.current_price.is_zero() {
            let genesis = self.chain.genesis().await?;
            self.batches.set_chain_state(&ChainState {
                block: 0,
                total_amount: U256::ZERO,
                current_price: U256::from(genesis.initial_price),
            })?;
        }
        Ok(())
    }

    /// Catches up with the chain's head once; returns the block reached.
    pub async fn step(&self) -> Result<u64, NodeError> {
        let head = self.chain.block_number().await?;
        let mut reached = self.batches.chain_state()?.block;
        while reached < head {
            let to = head.min(reached.saturating_add(EVENTS_PER_CALL));
            let events = self.chain.events(reached.saturating_add(1), to).await?;
            let mut pending = events.iter().peekable();
            for block in reached.saturating_add(1)..=to {
                // The block's accrual at the old price comes before its price update.
                let mut inputs = vec![BatchEvent::Block { number: block }];
                while let Some(record) = pending.next_if(|r| r.block_number == block) {
                    inputs.extend(batch_events(&record.event, block));
                }
                self.batches.apply_many(&inputs)?;
            }
            reached = to;
        }
        let expired = self.batches.remove_expired()?;
        if !expired.is_empty() {
            self.reserve.purge_expired(&expired)?;
        }
        if self.reserve.is_over_capacity()? {
            self.reserve.unreserve(&self.batches)?;
        } else {
            // Bee's periodic check (spec §7): a reserve under half full lowers the radius
            // again, never below the batch store's reserve radius. comb does not measure the
            // pull-sync rate yet, so sync counts as idle.
            let minimum = self.batches.reserve_radius(self.reserve.capacity())?;
            self.reserve.maybe_decrease_radius(minimum, true)?;
        }
        Ok(reached)
    }

    /// Follows the chain until the task is dropped, polling every `interval`.
    pub async fn run(self, interval: Duration) {
        loop {
            // A failed step (chain briefly unreachable) is retried at the next tick.
            let _ = self.step().await;
            tokio::time::sleep(interval).await;
        }
    }
}
