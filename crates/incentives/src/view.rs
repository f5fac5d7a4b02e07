//! What the agent sees of the chain and of its own node at one step (spec §5.9).

use comb_chain::round::Phase;
use comb_primitives::{B256, U256};

/// The node's stake record as the agent needs it (spec §3.1, §3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeView {
    /// The overlay the stake plays for.
    pub overlay: B256,
    /// Reserve doublings (SWIP-21): the committed depth is `storage radius + height`.
    pub height: u8,
    /// `lastUpdatedBlock`: in the future while the stake is frozen (§5.7).
    pub last_updated_block: u64,
    /// `nodeEffectiveStake`.
    pub effective_stake: U256,
}

/// The chain at one step, for the pending block (the block the agent's next transaction
/// goes into).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainView {
    /// The pending block.
    pub block: u64,
    /// Its round (`block / 152`, spec §5.1).
    pub round: u64,
    /// Its phase (§5.1).
    pub phase: Phase,
    /// Whether the block is the last of the commit phase, where commits are refused (§5.1).
    pub last_commit_block: bool,
    /// `currentRoundAnchor()` (§5.2); `None` while hidden after the first reveal.
    pub anchor: Option<B256>,
    /// The stored seed: in the claim phase after reveals, the claim proofs' second anchor
    /// (§5.8, §6.5).
    pub seed: B256,
    /// `currentClaimRound` (§5.7): a round at or below it is claimed.
    pub current_claim_round: u64,
    /// The node's stake, `None` if it never staked.
    pub stake: Option<StakeView>,
    /// `isParticipatingInUpcomingRound(owner, committedDepth)` (§5.5), asked in the claim
    /// phase; `None` when not asked or when the call reverted.
    pub participating: Option<bool>,
    /// `isWinner(overlay)` (§5.7), asked in the claim phase; `None` when not asked or when
    /// the call reverted.
    pub is_winner: Option<bool>,
    /// Whether the node's overlay has a commit in this round (§5.3).
    pub committed: bool,
    /// Whether that commit is revealed (§5.4).
    pub revealed: bool,
}

impl ChainView {
    /// Whether the stake is frozen now (§5.7: `lastUpdatedBlock` moved into the future).
    pub fn frozen(&self) -> bool {
        self.stake
            .as_ref()
            .is_some_and(|stake| stake.last_updated_block > self.block)
    }

    /// Whether the node has a stake at all (§5.3 `NotStaked`).
    pub fn staked(&self) -> bool {
        self.stake
            .as_ref()
            .is_some_and(|stake| stake.last_updated_block != 0)
    }
}

/// The node's own condition (spec §5.9: Bee samples only when fully synced and healthy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// The reserve is synced with the neighbourhood (Bee: reserve ≥ 50 % of capacity, sync
    /// rate 0, stabilised).
    pub synced: bool,
    /// The node is healthy (its storage radius agrees with its neighbours').
    pub healthy: bool,
    /// The operator paused the agent: a round already committed still reveals and claims,
    /// no new sample or commit starts.
    pub paused: bool,
    /// The reserve's storage radius (spec §7); plus the stake height it is the committed
    /// depth.
    pub storage_radius: u8,
}
