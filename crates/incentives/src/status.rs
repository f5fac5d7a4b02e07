//! The agent's status in the shape of Bee's `GET /redistributionstate` (spec §5.9).

use comb_chain::round::Phase;
use comb_primitives::U256;
use serde::Serialize;

/// A snapshot of the agent for the API (Bee's `/redistributionstate` fields, camelCase).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Whether the stake is frozen (§5.7).
    pub is_frozen: bool,
    /// Whether the reserve is synced.
    pub is_fully_synced: bool,
    /// Whether the node is healthy.
    pub is_healthy: bool,
    /// The operator's pause switch.
    pub is_paused: bool,
    /// The phase of the last block seen.
    pub phase: Phase,
    /// The round of the last block seen.
    pub round: u64,
    /// The last block seen.
    pub block: u64,
    /// The last round won and claimed.
    pub last_won_round: u64,
    /// The last round committed in.
    pub last_played_round: u64,
    /// The last round the stake was seen frozen in.
    pub last_frozen_round: u64,
    /// The last round the node was selected to play in.
    pub last_selected_round: u64,
    /// How long the last sample took, in seconds.
    pub last_sample_duration_seconds: f64,
    /// PLUR won in total.
    #[serde(with = "decimal")]
    pub reward: U256,
    /// Fees paid in total.
    #[serde(with = "decimal")]
    pub fees: U256,
}

/// Amounts as decimal strings, as Bee's API writes big integers.
mod decimal {
    use comb_primitives::U256;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }
}
