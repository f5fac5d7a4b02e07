//! What the agent needs from the chain (spec §5): the game's state, the node's stake, the
//! two views Bee's agent calls, transactions, and the terms of a sample (§6.1).

use std::future::Future;

use comb_chain::round::{round_of, round_start};
use comb_chain::{Call, Receipt};
use comb_chain_rpc::types::{RedistributionInfo, StakeInfo};
use comb_chain_rpc::{ChainClient, RpcError};
use comb_primitives::{Address, Signer, B256, U256};

/// The eligibility terms of a sample taken at a block (spec §6.1 steps 3 and 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleTerms {
    /// Stamps newer than this (ns) are skipped: the timestamp of the first block of the
    /// previous round.
    pub consensus_time_ns: u64,
    /// Batches worth less than this per chunk would expire before the claim:
    /// `totalOutPayment + price × (startBlockOf(round + 2) − block)`.
    pub min_batch_value: U256,
}

/// The chain as the agent uses it. [`ChainClient`] implements it over JSON-RPC; tests
/// implement it over an in-process ledger or a fake.
pub trait AgentChain: Send + Sync {
    /// The redistribution game's state at the pending block (§5.1–§5.2).
    fn redistribution(&self) -> impl Future<Output = Result<RedistributionInfo, RpcError>> + Send;
    /// The node's stake (§3).
    fn stake(&self, owner: Address) -> impl Future<Output = Result<StakeInfo, RpcError>> + Send;
    /// `isParticipatingInUpcomingRound(owner, depth)` (§5.5); a revert is
    /// [`RpcError::CallReverted`].
    fn is_participating(
        &self,
        owner: Address,
        depth: u8,
    ) -> impl Future<Output = Result<bool, RpcError>> + Send;
    /// `isWinner(overlay)` (§5.7); a revert is [`RpcError::CallReverted`].
    fn is_winner(&self, overlay: B256) -> impl Future<Output = Result<bool, RpcError>> + Send;
    /// An account's BZZ balance (for the reward of a claim).
    fn balance(&self, account: Address) -> impl Future<Output = Result<U256, RpcError>> + Send;
    /// Signs and submits `call`; a revert is [`RpcError::Reverted`].
    fn send(
        &self,
        signer: &Signer,
        call: Call,
    ) -> impl Future<Output = Result<Receipt, RpcError>> + Send;
    /// The sample terms at `block` (§6.1).
    fn sample_terms(
        &self,
        block: u64,
    ) -> impl Future<Output = Result<SampleTerms, RpcError>> + Send;
}

/// The first block of the round before `block`'s: its timestamp is the consensus time.
pub(crate) fn consensus_block(block: u64) -> u64 {
    round_start(round_of(block).saturating_sub(1))
}

/// `totalOutPayment + price × (startBlockOf(round + 2) − block)` (§6.1 step 3).
pub(crate) fn min_batch_value(block: u64, total_out_payment: U256, price: u64) -> U256 {
    let horizon = round_start(round_of(block).saturating_add(2)).saturating_sub(block);
    total_out_payment.saturating_add(U256::from(price).saturating_mul(U256::from(horizon)))
}

/// Seconds to nanoseconds, saturating.
pub(crate) fn seconds_to_ns(seconds: u64) -> u64 {
    seconds.saturating_mul(1_000_000_000)
}

impl AgentChain for ChainClient {
    async fn redistribution(&self) -> Result<RedistributionInfo, RpcError> {
        ChainClient::redistribution(self).await
    }

    async fn stake(&self, owner: Address) -> Result<StakeInfo, RpcError> {
        ChainClient::stake(self, owner).await
    }

    async fn is_participating(&self, owner: Address, depth: u8) -> Result<bool, RpcError> {
        ChainClient::is_participating(self, owner, depth).await
    }

    async fn is_winner(&self, overlay: B256) -> Result<bool, RpcError> {
        ChainClient::is_winner(self, overlay).await
    }

    async fn balance(&self, account: Address) -> Result<U256, RpcError> {
        ChainClient::balance(self, account).await
    }

    async fn send(&self, signer: &Signer, call: Call) -> Result<Receipt, RpcError> {
        ChainClient::send(self, signer, call).await
    }

    async fn sample_terms(&self, block: u64) -> Result<SampleTerms, RpcError> {
        let consensus = consensus_block(block);
        let timestamp = self
            .block(consensus)
            .await?
            .map_or(0, |block| block.header.timestamp);
        let postage = self.postage().await?;
        let price = self.price().await?;
        Ok(SampleTerms {
            consensus_time_ns: seconds_to_ns(timestamp),
            min_batch_value: min_batch_value(
                block,
                postage.current_total_out_payment,
                u64::from(price.current_price),
            ),
        })
    }
}

/// A shared chain backend (the node keeps one [`ChainClient`] for all its tasks).
impl<T: AgentChain> AgentChain for std::sync::Arc<T> {
    async fn redistribution(&self) -> Result<RedistributionInfo, RpcError> {
        T::redistribution(self).await
    }

    async fn stake(&self, owner: Address) -> Result<StakeInfo, RpcError> {
        T::stake(self, owner).await
    }

    async fn is_participating(&self, owner: Address, depth: u8) -> Result<bool, RpcError> {
        T::is_participating(self, owner, depth).await
    }

    async fn is_winner(&self, overlay: B256) -> Result<bool, RpcError> {
        T::is_winner(self, overlay).await
    }

    async fn balance(&self, account: Address) -> Result<U256, RpcError> {
        T::balance(self, account).await
    }

    async fn send(&self, signer: &Signer, call: Call) -> Result<Receipt, RpcError> {
        T::send(self, signer, call).await
    }

    async fn sample_terms(&self, block: u64) -> Result<SampleTerms, RpcError> {
        T::sample_terms(self, block).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comb_chain::round::ROUND_LENGTH;

    #[test]
    fn terms_follow_the_round_arithmetic() {
        assert_eq!(consensus_block(3 * ROUND_LENGTH + 80), 2 * ROUND_LENGTH);
        assert_eq!(consensus_block(10), 0);
        // At block 80 of round 3, round 5 starts 2*152 - 80 blocks later.
        let block = 3 * ROUND_LENGTH + 80;
        assert_eq!(
            min_batch_value(block, U256::from(7u8), 2),
            U256::from(7 + 2 * (2 * ROUND_LENGTH - 80))
        );
    }
}
