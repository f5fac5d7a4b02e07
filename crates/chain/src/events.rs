//! Events the ledger emits, one variant per contract event the node needs (spec §2–§5,
//! swap.md §4). They are kept in the block's log and served by block range.

use comb_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

/// A contract event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum Event {
    /// Token transfer between accounts (only plain transfers are logged).
    Transfer {
        /// Sender.
        from: Address,
        /// Recipient.
        to: Address,
        /// PLUR.
        value: U256,
    },
    /// `BatchCreated`.
    BatchCreated {
        /// Batch id.
        batch_id: B256,
        /// PLUR paid: balance per chunk × 2^depth.
        total_amount: U256,
        /// The batch's normalised balance.
        normalised_balance: U256,
        /// Stamp signer.
        owner: Address,
        /// Depth.
        depth: u8,
        /// Bucket depth.
        bucket_depth: u8,
        /// Immutable flag.
        immutable: bool,
    },
    /// `BatchTopUp`.
    BatchTopUp {
        /// Batch id.
        batch_id: B256,
        /// PLUR paid.
        topup_amount: U256,
        /// New normalised balance.
        normalised_balance: U256,
    },
    /// `BatchDepthIncrease`.
    BatchDepthIncrease {
        /// Batch id.
        batch_id: B256,
        /// New depth.
        new_depth: u8,
        /// New normalised balance.
        normalised_balance: U256,
    },
    /// `PriceUpdate` of the postage contract: PLUR per chunk per block.
    PriceUpdate {
        /// New price.
        price: u64,
    },
    /// `PotWithdrawn`.
    PotWithdrawn {
        /// Who received the pot.
        recipient: Address,
        /// PLUR paid.
        total_amount: U256,
    },
    /// `StakeUpdated`.
    StakeUpdated {
        /// Staker.
        owner: Address,
        /// Committed stake (price units).
        committed_stake: U256,
        /// Deposited PLUR.
        potential_stake: U256,
        /// Overlay.
        overlay: B256,
        /// Block of the update.
        last_updated_block: u64,
        /// Height.
        height: u8,
    },
    /// `OverlayChanged`.
    OverlayChanged {
        /// Staker.
        owner: Address,
        /// New overlay.
        overlay: B256,
    },
    /// `StakeWithdrawn`.
    StakeWithdrawn {
        /// Staker.
        owner: Address,
        /// PLUR withdrawn.
        amount: U256,
    },
    /// `StakeFrozen`.
    StakeFrozen {
        /// Staker.
        owner: Address,
        /// Its overlay.
        overlay: B256,
        /// Blocks frozen.
        time: u64,
    },
    /// `StakeSlashed`.
    StakeSlashed {
        /// Staker.
        owner: Address,
        /// PLUR taken.
        amount: U256,
    },
    /// `Committed`.
    Committed {
        /// Round.
        round: u64,
        /// Overlay.
        overlay: B256,
        /// Height.
        height: u8,
    },
    /// `CurrentRevealAnchor`: emitted at the first reveal of a round.
    CurrentRevealAnchor {
        /// Round.
        round: u64,
        /// The anchor the round's reveals and claim use.
        anchor: B256,
    },
    /// `Revealed`.
    Revealed {
        /// Round.
        round: u64,
        /// Overlay.
        overlay: B256,
        /// Stake at commit.
        stake: U256,
        /// Stake density.
        stake_density: U256,
        /// Revealed reserve commitment.
        reserve_commitment: B256,
        /// Revealed depth.
        depth: u8,
    },
    /// `TruthSelected`.
    TruthSelected {
        /// The truth's reserve commitment.
        hash: B256,
        /// The truth's depth.
        depth: u8,
    },
    /// `WinnerSelected`.
    WinnerSelected {
        /// Winning overlay.
        overlay: B256,
        /// Its owner, who receives the pot.
        owner: Address,
        /// Its depth.
        depth: u8,
        /// Its reserve commitment.
        hash: B256,
    },
    /// `ChunkCount`: the postage contract's valid chunk count at claim.
    ChunkCount {
        /// Valid chunks.
        valid_chunk_count: U256,
    },
    /// `PriceAdjustmentSkipped`: the oracle is paused.
    PriceAdjustmentSkipped {
        /// Redundancy that would have been used.
        redundancy: u16,
    },
    /// `SimpleSwapDeployed`: a chequebook was created.
    SimpleSwapDeployed {
        /// Chequebook address.
        contract_address: Address,
        /// Its issuer.
        issuer: Address,
    },
    /// `ChequeCashed`.
    ChequeCashed {
        /// Chequebook.
        chequebook: Address,
        /// Beneficiary.
        beneficiary: Address,
        /// Recipient of the payout.
        recipient: Address,
        /// Caller.
        caller: Address,
        /// PLUR paid now.
        total_payout: U256,
        /// The cheque's cumulative payout.
        cumulative_payout: U256,
        /// Caller's fee.
        caller_payout: U256,
    },
    /// `ChequeBounced`.
    ChequeBounced {
        /// Chequebook.
        chequebook: Address,
    },
    /// A chequebook withdrawal by its issuer.
    ChequebookWithdrawn {
        /// Chequebook.
        chequebook: Address,
        /// PLUR withdrawn.
        amount: U256,
    },
}
