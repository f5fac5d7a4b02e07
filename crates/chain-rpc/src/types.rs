//! The shapes of the RPC's view results, shared by the server and the client.
//!
//! Field names are camelCase. Amounts (`U256`) are decimal strings; addresses and hashes are
//! `0x` hex; block numbers, depths and prices are JSON numbers.

use std::collections::BTreeMap;

use comb_chain::events::Event;
use comb_chain::round::Phase;
use comb_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

/// Serde for a `U256` as a decimal string.
pub mod decimal {
    use comb_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the amount as a decimal string.
    pub fn serialize<S: Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<U256, D::Error> {
        let text = String::deserialize(deserializer)?;
        U256::from_str_radix(&text, 10).map_err(serde::de::Error::custom)
    }
}

/// Serde for a map of amounts as decimal strings.
pub mod decimal_map {
    use std::collections::BTreeMap;

    use comb_primitives::{Address, U256};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each amount as a decimal string.
    pub fn serialize<S: Serializer>(
        map: &BTreeMap<Address, U256>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(Some(map.len()))?;
        for (key, value) in map {
            out.serialize_entry(key, &value.to_string())?;
        }
        out.end()
    }

    /// Reads decimal strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<Address, U256>, D::Error> {
        let raw = BTreeMap::<Address, String>::deserialize(deserializer)?;
        raw.into_iter()
            .map(|(k, v)| {
                U256::from_str_radix(&v, 10)
                    .map(|v| (k, v))
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    }
}

/// One event of `comb_getEvents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    /// The block the event's transaction is in.
    pub block_number: u64,
    /// The transaction that emitted it.
    pub transaction_hash: B256,
    /// The event (the ledger's own encoding: tagged by `event`, amounts as the ledger
    /// serialises them).
    pub event: Event,
}

/// A postage batch (`comb_batch`, `comb_batches`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchInfo {
    /// Batch id.
    pub batch_id: B256,
    /// Stamp signer.
    pub owner: Address,
    /// Depth.
    pub depth: u8,
    /// Bucket depth.
    pub bucket_depth: u8,
    /// Immutable flag.
    pub immutable: bool,
    /// Normalised balance.
    #[serde(with = "decimal")]
    pub normalised_balance: U256,
    /// Block of creation or of the last depth increase.
    pub last_updated_block: u64,
    /// `remainingBalance(id)` at the pending block (0 once expired).
    #[serde(with = "decimal")]
    pub remaining_balance: U256,
    /// Whether the batch has expired at the pending block (it exists until an expiry pass
    /// removes it).
    pub expired: bool,
}

/// The postage contract (`comb_postage`), at the pending block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostageInfo {
    /// The block the values are evaluated at (the pending block).
    pub block_number: u64,
    /// `lastPrice`: PLUR per chunk per block.
    pub last_price: u64,
    /// `currentTotalOutPayment()`.
    #[serde(with = "decimal")]
    pub current_total_out_payment: U256,
    /// `pot` as stored (before an expiry pass adds the survivors' share).
    #[serde(with = "decimal")]
    pub pot: U256,
    /// `totalPot()`: the pot after a full expiry pass, capped by the contract's balance.
    #[serde(with = "decimal")]
    pub total_pot: U256,
    /// `validChunkCount` as of the last expiry pass.
    #[serde(with = "decimal")]
    pub valid_chunk_count: U256,
    /// `minimumInitialBalancePerChunk()`.
    #[serde(with = "decimal")]
    pub minimum_initial_balance_per_chunk: U256,
    /// `minimumBucketDepth`.
    pub minimum_bucket_depth: u8,
    /// `minimumValidityBlocks`.
    pub minimum_validity_blocks: u64,
}

/// The price oracle (`comb_price`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceInfo {
    /// `currentPrice()`: PLUR per chunk per block.
    pub current_price: u32,
    /// The price × 2^10 as the contract keeps it.
    pub upscaled: u64,
    /// `lastAdjustedRound`.
    pub last_adjusted_round: u64,
    /// Whether adjustments are paused.
    pub paused: bool,
}

/// A stake record (`stakes(owner)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StakeRecordInfo {
    /// The overlay the stake plays for.
    pub overlay: B256,
    /// Committed stake in price units.
    #[serde(with = "decimal")]
    pub committed_stake: U256,
    /// PLUR deposited.
    #[serde(with = "decimal")]
    pub potential_stake: U256,
    /// Block of the last change; in the future while frozen.
    pub last_updated_block: u64,
    /// Height (reserve doublings).
    pub height: u8,
}

/// A node's stake (`comb_stake`), at the pending block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StakeInfo {
    /// The staker.
    pub owner: Address,
    /// Its record, `null` if it never staked.
    pub record: Option<StakeRecordInfo>,
    /// `nodeEffectiveStake(owner)`: 0 while frozen or in the block of the last change.
    #[serde(with = "decimal")]
    pub effective_stake: U256,
    /// `withdrawableStake()`.
    #[serde(with = "decimal")]
    pub withdrawable_stake: U256,
    /// Whether `manageStake` would fail with `Frozen` now: the record's
    /// `lastUpdatedBlock` is at or after the pending block.
    pub frozen: bool,
}

/// A commit of the current commit round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitInfo {
    /// Committing overlay.
    pub overlay: B256,
    /// Its owner.
    pub owner: Address,
    /// Whether it was revealed.
    pub revealed: bool,
    /// Height at commit.
    pub height: u8,
    /// Effective stake at commit.
    #[serde(with = "decimal")]
    pub stake: U256,
    /// The obfuscated hash.
    pub obfuscated_hash: B256,
}

/// A reveal of the current reveal round (or the last winner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealInfo {
    /// Revealing overlay.
    pub overlay: B256,
    /// Its owner.
    pub owner: Address,
    /// Revealed depth.
    pub depth: u8,
    /// Stake at commit.
    #[serde(with = "decimal")]
    pub stake: U256,
    /// Stake density.
    #[serde(with = "decimal")]
    pub stake_density: U256,
    /// Reserve commitment.
    pub hash: B256,
}

/// The redistribution game (`comb_redistribution`), at the pending block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedistributionInfo {
    /// The block the values are evaluated at (the pending block).
    pub block_number: u64,
    /// Its round.
    pub round: u64,
    /// Its phase.
    pub phase: Phase,
    /// `currentRoundAnchor()`; `null` while hidden (the contract reverts with
    /// `FirstRevealDone` between the first reveal and the claim phase).
    pub current_round_anchor: Option<B256>,
    /// The stored seed.
    pub seed: B256,
    /// `currentSeed()`.
    pub current_seed: B256,
    /// `currentCommitRound`.
    pub current_commit_round: u64,
    /// `currentRevealRound`.
    pub current_reveal_round: u64,
    /// `currentClaimRound`.
    pub current_claim_round: u64,
    /// Commits of the current commit round.
    pub commits: Vec<CommitInfo>,
    /// Reveals of the current reveal round.
    pub reveals: Vec<RevealInfo>,
    /// The last winner.
    pub winner: Option<RevealInfo>,
    /// `currentMinimumDepth()`.
    pub minimum_depth: u8,
}

/// A chequebook (`comb_chequebook`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChequebookInfo {
    /// Its address.
    pub address: Address,
    /// The cheque signer.
    pub issuer: Address,
    /// PLUR paid out to each beneficiary.
    #[serde(with = "decimal_map")]
    pub paid_out: BTreeMap<Address, U256>,
    /// PLUR paid out in total.
    #[serde(with = "decimal")]
    pub total_paid_out: U256,
    /// Whether a cheque bounced.
    pub bounced: bool,
    /// `balance()`: its token balance.
    #[serde(with = "decimal")]
    pub balance: U256,
}
