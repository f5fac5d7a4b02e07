use comb_primitives::{Address, B256};
use thiserror::Error;

/// Why a transaction reverted or was refused. Names follow the contracts' custom errors
/// (spec `storage-incentives.md` §2–§5, `swap.md` §4) so that a failure reads the same as on
/// chain. A reverted transaction changes no state.
#[derive(Debug, Error, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChainError {
    // ---- transaction envelope ----
    /// The signature does not recover.
    #[error("invalid transaction signature: {0}")]
    InvalidSignature(String),
    /// The transaction was signed for another chain.
    #[error("wrong chain id {got}, this chain is {expected}")]
    WrongChainId {
        /// Chain id in the transaction.
        got: u64,
        /// This chain's id.
        expected: u64,
    },
    /// The nonce is not the sender's next nonce (replay protection).
    #[error("nonce {got} is not the sender's next nonce {expected}")]
    BadNonce {
        /// Nonce in the transaction.
        got: u64,
        /// The sender's next nonce.
        expected: u64,
    },
    /// Arithmetic overflowed or underflowed (Solidity 0.8 would panic and revert).
    #[error("arithmetic overflow or underflow")]
    Arithmetic,
    /// The caller lacks the role this function needs.
    #[error("{0} is not allowed to call this function")]
    Unauthorized(Address),

    // ---- token ----
    /// ERC20: the sender's balance is lower than the amount.
    #[error("token balance {balance} of {account} is lower than {amount}")]
    InsufficientTokenBalance {
        /// Account debited.
        account: Address,
        /// Its balance.
        balance: String,
        /// The amount asked.
        amount: String,
    },

    // ---- postage (§2) ----
    /// createBatch with a zero owner.
    #[error("ZeroAddress")]
    ZeroAddress,
    /// Bucket depth zero, below the minimum, or not below the depth.
    #[error("InvalidDepth")]
    InvalidDepth,
    /// A batch with this id exists already.
    #[error("BatchExists")]
    BatchExists,
    /// The balance per chunk is below `minimumInitialBalancePerChunk`.
    #[error("InsufficientBalance")]
    InsufficientBalance,
    /// The normalised balance would be zero.
    #[error("ZeroBalance")]
    ZeroBalance,
    /// No batch with this id.
    #[error("BatchDoesNotExist")]
    BatchDoesNotExist,
    /// The batch has expired.
    #[error("BatchExpired")]
    BatchExpired,
    /// topUp of a batch whose depth is not above the minimum bucket depth.
    #[error("BatchTooSmall")]
    BatchTooSmall,
    /// increaseDepth by someone other than the owner.
    #[error("NotBatchOwner")]
    NotBatchOwner,
    /// increaseDepth to a depth not above the current one (or the minimum bucket depth).
    #[error("DepthNotIncreasing")]
    DepthNotIncreasing,
    /// The expiry pass would decrease `lastExpiryBalance`.
    #[error("TotalOutpaymentDecreased")]
    TotalOutpaymentDecreased,
    /// The valid chunk count would underflow.
    #[error("InsufficientChunkCount")]
    InsufficientChunkCount,

    // ---- price oracle (§4) ----
    /// The price was already adjusted this round.
    #[error("PriceAlreadyAdjusted")]
    PriceAlreadyAdjusted,
    /// adjustPrice with redundancy 0.
    #[error("UnexpectedZero")]
    UnexpectedZero,

    // ---- staking (§3) ----
    /// The first deposit is below `MIN_STAKE × 2^height`.
    #[error("BelowMinimumStake")]
    BelowMinimumStake,
    /// The stake is frozen.
    #[error("Frozen")]
    Frozen,
    /// A deposit would lower the committed stake.
    #[error("DecreasedCommitment")]
    DecreasedCommitment,

    // ---- redistribution (§5) ----
    /// The sender has no stake.
    #[error("NotStaked")]
    NotStaked,
    /// The stake was created, changed or unfrozen within the last two rounds.
    #[error("MustStake2Rounds")]
    MustStake2Rounds,
    /// Commit for a round that is over.
    #[error("CommitRoundOver")]
    CommitRoundOver,
    /// Commit for a round that has not started.
    #[error("CommitRoundNotStarted")]
    CommitRoundNotStarted,
    /// Not in the commit phase.
    #[error("NotCommitPhase")]
    NotCommitPhase,
    /// Commits are refused at the last block of the commit phase (block 37).
    #[error("PhaseLastBlock")]
    PhaseLastBlock,
    /// The overlay committed already this round.
    #[error("AlreadyCommitted")]
    AlreadyCommitted,
    /// Reveal in a round without commits.
    #[error("NoCommitsReceived")]
    NoCommitsReceived,
    /// Not in the reveal phase.
    #[error("NotRevealPhase")]
    NotRevealPhase,
    /// The revealed depth is below the current minimum depth.
    #[error("OutOfDepth")]
    OutOfDepth,
    /// No commit matches the revealed values.
    #[error("NoMatchingCommit")]
    NoMatchingCommit,
    /// The overlay is not within the revealed depth of the round anchor.
    #[error("OutOfDepthReveal({0})")]
    OutOfDepthReveal(B256),
    /// The commit was revealed already.
    #[error("AlreadyRevealed")]
    AlreadyRevealed,
    /// The anchor is hidden between the first reveal and the claim phase.
    #[error("FirstRevealDone")]
    FirstRevealDone,
    /// isParticipatingInUpcomingRound during the reveal phase.
    #[error("WrongPhase")]
    WrongPhase,
    /// Not in the claim phase.
    #[error("NotClaimPhase")]
    NotClaimPhase,
    /// Claim in a round without reveals.
    #[error("NoReveals")]
    NoReveals,
    /// The round was claimed already.
    #[error("AlreadyClaimed")]
    AlreadyClaimed,
    /// A witness is not within the winner's depth of the anchor (3 = last, 2 = first, 1 = second).
    #[error("OutOfDepthClaim({0})")]
    OutOfDepthClaim(u8),
    /// `InclusionProofFailed(n)`: a BMT proof does not lead where it must.
    #[error("InclusionProofFailed({0})")]
    InclusionProofFailed(u8),
    /// A witness's stamp index is outside its bucket.
    #[error("IndexOutsideSet")]
    IndexOutsideSet,
    /// A witness's stamp bucket is not its address's bucket.
    #[error("BucketDiffers")]
    BucketDiffers,
    /// A witness's stamp does not recover to the batch owner.
    #[error("SigRecoveryFailed")]
    SigRecoveryFailed,
    /// A SOC witness's signature does not recover to its signer.
    #[error("SocVerificationFailed")]
    SocVerificationFailed,
    /// A SOC witness's address is not `H(identifier || signer)`.
    #[error("SocCalcNotMatching")]
    SocCalcNotMatching,
    /// The two random witnesses are out of order.
    #[error("RandomElementCheckFailed")]
    RandomElementCheckFailed,
    /// The last witness is not the largest.
    #[error("LastElementCheckFailed")]
    LastElementCheckFailed,
    /// The last witness's transformed address is too large for the claimed reserve.
    #[error("ReserveCheckFailed")]
    ReserveCheckFailed,

    // ---- chequebook (swap.md §4) ----
    /// No chequebook at this address.
    #[error("no chequebook at {0}")]
    UnknownChequebook(Address),
    /// A chequebook with this address exists already.
    #[error("chequebook {0} exists already")]
    ChequebookExists(Address),
    /// The issuer's cheque signature does not recover to the issuer.
    #[error("invalid issuer signature")]
    InvalidIssuerSignature,
    /// The cumulative payout is below what was paid out already (SafeMath underflow).
    #[error("cumulative payout below the amount paid out already")]
    CumulativePayoutTooLow,
    /// The payout is lower than the caller's fee.
    #[error("payout lower than the caller payout")]
    CallerPayoutTooHigh,
    /// Withdrawal above the liquid balance.
    #[error("amount exceeds the chequebook's liquid balance")]
    LiquidBalanceExceeded,

    // ---- staking architecture (staking-architecture.md) ----
    /// A plain transfer to an account whose balance the staking architecture keeps books
    /// for (user stakes, challenge bonds, proposal deposits, the user-reward pool); the
    /// compensation pool accepts plain transfers (donations).
    #[error("{0} only receives tokens through its own calls")]
    BookKeptAccount(Address),
    /// A governance parameter value outside its range (§ Governance).
    #[error("InvalidParameter")]
    InvalidParameter,
    /// The provider is suspended after failed challenges (§ Penalty ladder).
    #[error("ProviderSuspended until block {until}")]
    ProviderSuspended {
        /// First block it may commit again.
        until: u64,
    },
    /// The provider was excluded by governance (§ Penalty ladder).
    #[error("ProviderExcluded")]
    ProviderExcluded,
    /// A challenge against a provider that never revealed a depth (§ Availability challenge).
    #[error("NoRevealedDepth")]
    NoRevealedDepth,
    /// The challenged chunk is outside the provider's area of responsibility.
    #[error("ChunkOutsideArea")]
    ChunkOutsideArea,
    /// The challenge's stamp index or signature does not fit the chunk and batch.
    #[error("InvalidChallengeStamp")]
    InvalidChallengeStamp,
    /// No open challenge with this id.
    #[error("UnknownChallenge({0})")]
    UnknownChallenge(u64),
    /// The challenge's segment is drawn when the next block opens; answer from then.
    #[error("ChallengeSegmentNotDrawn")]
    ChallengeSegmentNotDrawn,
    /// The answer window is over.
    #[error("ChallengeWindowClosed")]
    ChallengeWindowClosed,
    /// The answer window is still open; settle after it.
    #[error("ChallengeWindowOpen")]
    ChallengeWindowOpen,
    /// The inclusion proof does not lead to the challenged chunk.
    #[error("ChallengeProofInvalid")]
    ChallengeProofInvalid,
    /// A zero amount where a positive one is needed (§ User staking).
    #[error("ZeroAmount")]
    ZeroAmount,
    /// The sender has no user stake.
    #[error("NoUserStake")]
    NoUserStake,
    /// The user stake is locked.
    #[error("UserStakeLocked until block {until}")]
    UserStakeLocked {
        /// Lock end.
        until: u64,
    },
    /// The user stake is unbonding already.
    #[error("UserUnbonding")]
    UserUnbonding,
    /// Withdrawal before unbonding started.
    #[error("UserNotUnbonding")]
    UserNotUnbonding,
    /// Withdrawal before the unbonding period ended.
    #[error("UnbondingNotOver until block {until}")]
    UnbondingNotOver {
        /// First block of withdrawal.
        until: u64,
    },
    /// No open proposal with this id (§ Governance).
    #[error("UnknownProposal({0})")]
    UnknownProposal(u64),
    /// The voting period is over.
    #[error("VotingClosed")]
    VotingClosed,
    /// The sender voted on this proposal already.
    #[error("AlreadyVoted")]
    AlreadyVoted,
    /// The sender has no governance weight.
    #[error("NoVotingWeight")]
    NoVotingWeight,
    /// Execution before the voting period and the timelock are over.
    #[error("TimelockNotOver until block {until}")]
    TimelockNotOver {
        /// First block of execution.
        until: u64,
    },
}
