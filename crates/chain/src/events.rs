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

    // ---- staking architecture (staking-architecture.md) ----
    /// A provider's performance score moved (§ Provider performance score).
    ScoreChanged {
        /// Provider (stake owner).
        owner: Address,
        /// Why.
        reason: crate::score::ScoreEvent,
        /// New score in basis points.
        score: u64,
    },
    /// The claimed pot was split (§ Provider performance score, § User staking).
    PotShared {
        /// The winner's owner.
        winner: Address,
        /// PLUR paid to the winner.
        payout: U256,
        /// PLUR paid to the user-reward pool.
        user_rewards: U256,
        /// PLUR withheld; it stays in the pot.
        withheld: U256,
    },
    /// The penalty ladder applied (§ Penalty ladder).
    ProviderPenalised {
        /// Provider.
        owner: Address,
        /// The offence.
        offence: crate::ladder::Offence,
        /// Its number in the window.
        nth: u64,
        /// PLUR slashed.
        slashed: U256,
        /// End of a suspension it started.
        suspended_until: Option<u64>,
    },
    /// Slashed stake compensated an affected user.
    Compensated {
        /// The user.
        to: Address,
        /// PLUR.
        amount: U256,
    },
    /// Governance excluded a provider (security breach).
    ProviderExcluded {
        /// Provider.
        owner: Address,
        /// PLUR slashed.
        slashed: U256,
    },
    /// Governance lifted an exclusion.
    ProviderReinstated {
        /// Provider.
        owner: Address,
    },
    /// An availability challenge was opened (§ Availability challenge).
    ChallengeOpened {
        /// Challenge id.
        id: u64,
        /// Challenger.
        challenger: Address,
        /// Provider.
        provider: Address,
        /// Chunk to prove.
        chunk_address: B256,
        /// Bond.
        bond: U256,
    },
    /// A challenge was answered correctly; the bond went to the provider.
    ChallengeAnswered {
        /// Challenge id.
        id: u64,
        /// Provider.
        provider: Address,
        /// Bond paid.
        bond: U256,
    },
    /// A challenge went unanswered.
    ChallengeFailed {
        /// Challenge id.
        id: u64,
        /// Provider.
        provider: Address,
        /// Challenger.
        challenger: Address,
        /// PLUR slashed.
        slashed: U256,
        /// PLUR of it paid to the challenger (besides its bond).
        compensated: U256,
    },
    /// A user stake changed (§ User staking).
    UserStaked {
        /// Staker.
        owner: Address,
        /// Total staked.
        amount: U256,
        /// Lock end.
        lock_end: u64,
        /// Governance weight.
        weight: U256,
    },
    /// A user stake started unbonding.
    UserUnbonding {
        /// Staker.
        owner: Address,
        /// First block of withdrawal.
        withdrawable_from: u64,
    },
    /// A user stake was withdrawn.
    UserWithdrawn {
        /// Staker.
        owner: Address,
        /// PLUR of stake.
        amount: U256,
        /// PLUR of rewards paid with it.
        rewards: U256,
    },
    /// User rewards were claimed.
    UserRewardsClaimed {
        /// Staker.
        owner: Address,
        /// PLUR.
        amount: U256,
    },
    /// The compensation pool paid a tier discount on postage (§ User staking).
    PostageDiscount {
        /// Payer.
        payer: Address,
        /// PLUR paid by the pool.
        amount: U256,
    },
    /// A proposal was made (§ Governance).
    Proposed {
        /// Proposal id.
        id: u64,
        /// Proposer.
        proposer: Address,
        /// Its action.
        action: crate::governance::ProposalAction,
        /// End of voting.
        voting_end: u64,
    },
    /// A vote was cast.
    Voted {
        /// Proposal id.
        id: u64,
        /// Voter.
        voter: Address,
        /// For or against.
        support: bool,
        /// Weight counted.
        weight: U256,
    },
    /// A proposal was executed (finalised).
    ProposalExecuted {
        /// Proposal id.
        id: u64,
        /// Whether quorum was reached.
        quorum: bool,
        /// Whether it passed (and its action applied).
        passed: bool,
    },
    /// A parameter changed by governance.
    ParameterChanged {
        /// The parameter.
        param: crate::params::Param,
        /// Its new value.
        value: U256,
    },
}
