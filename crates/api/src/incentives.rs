//! The storage-incentive part of the API (spec `storage-incentives.md` §3, §5.9, §6): the
//! node's stake (`/stake`, `/stake/withdrawable`), its redistribution agent
//! (`/redistributionstate`) and sample timing (`/rchash`), with Bee's paths and JSON
//! field names.

use std::future::Future;

use comb_primitives::{B256, U256};
use serde::{Deserialize, Serialize};

use crate::ApiError;

/// `GET /redistributionstate` (Bee's `RedistributionStatusResponse`; spec §5.9).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RedistributionState {
    /// Native-token wei the node wants for a round's transactions. comb's ledger charges
    /// no gas, so this is `"0"`.
    pub minimum_gas_funds: String,
    /// Whether the wallet holds at least `minimumGasFunds`.
    pub has_sufficient_funds: bool,
    /// Whether the stake is frozen (§5.7).
    pub is_frozen: bool,
    /// Whether the reserve has caught up with the neighbourhood.
    pub is_fully_synced: bool,
    /// `"commit"`, `"reveal"` or `"claim"`.
    pub phase: String,
    /// The round of the last block the agent saw.
    pub round: u64,
    /// The last round won.
    pub last_won_round: u64,
    /// The last round committed in.
    pub last_played_round: u64,
    /// The last round the stake was seen frozen.
    pub last_frozen_round: u64,
    /// The last round the node's neighbourhood was selected.
    pub last_selected_round: u64,
    /// How long the last sample took.
    pub last_sample_duration_seconds: f64,
    /// The last block the agent saw.
    pub block: u64,
    /// PLUR won in total (decimal string).
    pub reward: String,
    /// Native-token wei spent on the game's transactions (decimal string; `"0"` on comb's
    /// gasless ledger).
    pub fees: String,
    /// Whether the node is healthy.
    pub is_healthy: bool,
    /// comb's addition: the operator's pause switch (a committed round still finishes).
    pub is_paused: bool,
}

/// `GET /stake`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StakedAmount {
    /// PLUR deposited (`potentialStake`, decimal string).
    pub staked_amount: String,
}

/// `GET /stake/withdrawable`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawableStake {
    /// PLUR that `DELETE /stake/withdrawable` would return (decimal string).
    pub withdrawable_amount: String,
}

/// A transaction's hash (`POST /stake/{amount}`, `DELETE /stake/withdrawable`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TxHash {
    /// `0x`-prefixed hash.
    pub tx_hash: String,
}

/// `GET /rchash/{depth}/{anchor1}/{anchor2}`: a reserve sample taken now, for operators to
/// see whether their node samples in time (spec §6).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReserveSampleTiming {
    /// Seconds the sample took.
    pub duration_seconds: f64,
    /// The reserve commitment (hex).
    pub hash: String,
    /// Items in the sample.
    pub items: usize,
    /// The three claim proofs built from it with `anchor2` as the second anchor (§6.5), in
    /// Bee's shape. `null` when the sample is too small to prove (Bee answers 500 then;
    /// comb still reports the sample's timing, which is what the endpoint is for).
    pub proofs: Option<ChunkInclusionProofs>,
}

/// The claim's three proofs as Bee's `/rchash` renders them (`pkg/api/rchash.go`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChunkInclusionProofs {
    /// The first witness.
    pub proof1: ChunkInclusionProof,
    /// The second witness.
    pub proof2: ChunkInclusionProof,
    /// The last (largest) sample item.
    #[serde(rename = "proofLast")]
    pub proof_last: ChunkInclusionProof,
}

/// One witness's proof: hashes as hex without `0x`, as Bee renders them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ChunkInclusionProof {
    /// Sisters in the reserve-commitment chunk.
    pub proof_segments: Vec<String>,
    /// The witness's address segment.
    pub prove_segment: String,
    /// Sisters in the chunk's plain BMT.
    pub proof_segments2: Vec<String>,
    /// The proved data segment.
    pub prove_segment2: String,
    /// The chunk's span.
    pub chunk_span: u64,
    /// Sisters in the anchor-keyed BMT.
    pub proof_segments3: Vec<String>,
    /// The stamp.
    pub postage_proof: PostageProofView,
    /// One entry for a single-owner chunk, `null` otherwise (Bee's nil slice).
    pub soc_proof: Option<Vec<SocProofView>>,
}

/// A stamp in a proof: index and timestamp as hexadecimal numbers without `0x` (Go's
/// `strconv.FormatUint(v, 16)`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PostageProofView {
    /// The 65-byte signature, hex.
    pub signature: String,
    /// The batch id, hex.
    pub postage_id: String,
    /// The stamp index (bucket in the high 32 bits), hex number.
    pub index: String,
    /// The stamp timestamp (ns), hex number.
    pub time_stamp: String,
}

/// A single-owner chunk's part of a proof, hex without `0x`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SocProofView {
    /// The owner.
    pub signer: String,
    /// The owner's signature.
    pub signature: String,
    /// The identifier.
    pub identifier: String,
    /// The wrapped chunk's address.
    pub chunk_addr: String,
}

/// What the storage-incentive endpoints need of a node.
pub trait IncentivesApi: Send + Sync + 'static {
    /// `GET /redistributionstate`.
    fn redistribution_state(
        &self,
    ) -> impl Future<Output = Result<RedistributionState, ApiError>> + Send;
    /// `GET /stake`: the PLUR deposited.
    fn staked_amount(&self) -> impl Future<Output = Result<U256, ApiError>> + Send;
    /// `POST /stake/{amount}`: deposits `amount` PLUR more; the transaction's hash.
    fn deposit_stake(&self, amount: U256) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `GET /stake/withdrawable`.
    fn withdrawable_stake(&self) -> impl Future<Output = Result<U256, ApiError>> + Send;
    /// `DELETE /stake/withdrawable`: withdraws the surplus; the transaction's hash.
    fn withdraw_stake(&self) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `DELETE /stake`: migrates the whole stake out of a paused staking contract (Bee's
    /// `MigrateStake`); 400 "contract is not paused" while the contract runs.
    fn migrate_stake(&self) -> impl Future<Output = Result<B256, ApiError>> + Send;
    /// `GET /rchash/{depth}/{anchor1}/{anchor2}`.
    fn reserve_sample(
        &self,
        depth: u8,
        anchor1: Vec<u8>,
        anchor2: Vec<u8>,
    ) -> impl Future<Output = Result<ReserveSampleTiming, ApiError>> + Send;
}
