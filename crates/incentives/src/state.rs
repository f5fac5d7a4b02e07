//! What the agent keeps across steps and restarts (spec §5.9; DESIGN principle 5: a node
//! killed between commit and reveal reveals after restart).

use comb_postage::Stamp;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, B256, U256};
use comb_sampling::{Sample, SampleItem};
use serde::{Deserialize, Serialize};

use crate::IncentivesError;

/// One sample item in a storable form: the chunk, its type and its stamp (spec §6.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredItem {
    /// The transformed address.
    pub transformed_address: B256,
    /// The chunk address (the SOC address for a SOC).
    pub address: B256,
    /// The chunk's wire data, hex.
    pub data: String,
    /// Whether the chunk is a SOC.
    pub soc: bool,
    /// The 113-byte stamp, hex (spec §2.7).
    pub stamp: String,
}

impl StoredItem {
    fn from_item(item: &SampleItem) -> Self {
        Self {
            transformed_address: item.transformed_address,
            address: *item.chunk.address(),
            data: hex::encode(item.chunk.data()),
            soc: item.kind == ChunkType::SingleOwner,
            stamp: hex::encode(item.stamp.to_bytes()),
        }
    }

    fn to_item(&self) -> Result<SampleItem, String> {
        let data = hex::decode(&self.data).map_err(|e| format!("chunk data: {e}"))?;
        let stamp = hex::decode(&self.stamp).map_err(|e| format!("stamp: {e}"))?;
        let stamp = Stamp::from_bytes(&stamp).map_err(|e| format!("stamp: {e}"))?;
        Ok(SampleItem {
            transformed_address: self.transformed_address,
            chunk: Chunk::new_unchecked(self.address, data),
            kind: if self.soc {
                ChunkType::SingleOwner
            } else {
                ChunkType::Content
            },
            stamp,
        })
    }
}

/// A reserve sample taken for a round (spec §5.9 `SampleData`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SampleRecord {
    /// The round the sample plays in (sampled in the previous round's claim phase).
    pub round: u64,
    /// The anchor the sample is keyed by (the claim's first anchor, §6.5).
    pub anchor: B256,
    /// The committed depth.
    pub depth: u8,
    /// The reserve commitment (§6.4).
    pub hash: B256,
    /// The items, ascending by transformed address.
    pub items: Vec<StoredItem>,
}

impl SampleRecord {
    /// Records `sample`, taken for `round` with `anchor` at `depth`.
    pub fn new(
        round: u64,
        anchor: B256,
        depth: u8,
        sample: &Sample,
    ) -> Result<Self, IncentivesError> {
        Ok(Self {
            round,
            anchor,
            depth,
            hash: sample.reserve_commitment()?,
            items: sample.items().iter().map(StoredItem::from_item).collect(),
        })
    }

    /// The sample again, for the claim proofs (§6.5).
    pub fn sample(&self) -> Result<Sample, String> {
        let mut sample = Sample::new();
        for item in &self.items {
            sample.insert(item.to_item()?);
        }
        Ok(sample)
    }
}

/// How far a round's commit has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CommitStage {
    /// The secret is on disk and the commit is being sent (after a crash the chain tells
    /// whether it landed).
    Committing,
    /// The commit is on chain.
    Committed,
    /// The reveal is being sent.
    Revealing,
    /// The reveal is on chain.
    Revealed,
    /// The claim is being sent.
    Claiming,
    /// The round is over for this node (claimed, lost, or claimed by someone else).
    Done,
}

/// A round the node plays: everything the reveal and the claim need (spec §5.3, §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitRecord {
    /// The round.
    pub round: u64,
    /// The committed depth.
    pub depth: u8,
    /// The committed (and revealed) reserve commitment; differs from the sample's hash only
    /// under [`crate::AgentConfig::reveal_wrong_hash`].
    pub hash: B256,
    /// The secret reveal nonce.
    pub nonce: B256,
    /// `wrapCommit(overlay, depth, hash, nonce)`.
    pub obfuscated_hash: B256,
    /// The stage reached.
    pub stage: CommitStage,
    /// The sample, for the claim proofs.
    pub sample: SampleRecord,
}

/// Bee's `/redistributionstate` counters (spec §5.9).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// The last round the node won and claimed.
    pub last_won_round: u64,
    /// The last round the node committed in.
    pub last_played_round: u64,
    /// The last round the node saw its stake frozen in.
    pub last_frozen_round: u64,
    /// The last round the node was selected to play in (`isParticipatingInUpcomingRound`).
    pub last_selected_round: u64,
    /// How long the last sample took, in seconds.
    pub last_sample_duration_seconds: f64,
    /// PLUR won in claims, in total.
    pub reward: U256,
    /// Transaction fees paid, in total (the dev ledger charges none).
    pub fees: U256,
}

/// Everything the agent persists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentState {
    /// The sample for the next round, taken in this round's claim phase.
    pub sample: Option<SampleRecord>,
    /// The round being played.
    pub commit: Option<CommitRecord>,
    /// The counters.
    pub history: History,
}
