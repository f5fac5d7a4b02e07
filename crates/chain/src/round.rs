//! Rounds and phases of the redistribution game (spec §5.1): one truth for the numbers.

/// Blocks per round (`ROUND_LENGTH`, Bee `DefaultBlocksPerRound`).
pub const ROUND_LENGTH: u64 = 152;
/// Blocks per phase (`ROUND_LENGTH / 4`, Bee `DefaultBlocksPerPhase`).
pub const PHASE_LENGTH: u64 = ROUND_LENGTH / 4;

/// The round a block belongs to.
pub fn round_of(block: u64) -> u64 {
    block / ROUND_LENGTH
}

/// The first block of a round.
pub fn round_start(round: u64) -> u64 {
    round.saturating_mul(ROUND_LENGTH)
}

/// The phases of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Blocks 0–37 (commits are refused at 37).
    Commit,
    /// Blocks 38–75.
    Reveal,
    /// Blocks 76–151.
    Claim,
}

/// The phase a block is in.
pub fn phase_of(block: u64) -> Phase {
    match block % ROUND_LENGTH {
        p if p < PHASE_LENGTH => Phase::Commit,
        p if p < 2 * PHASE_LENGTH => Phase::Reveal,
        _ => Phase::Claim,
    }
}

/// Whether the block is the last of the commit phase, where commits are refused.
pub fn is_commit_last_block(block: u64) -> bool {
    block % ROUND_LENGTH == PHASE_LENGTH - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_block_in_round() {
        assert_eq!(phase_of(0), Phase::Commit);
        assert_eq!(phase_of(37), Phase::Commit);
        assert!(is_commit_last_block(37));
        assert!(!is_commit_last_block(36));
        assert_eq!(phase_of(38), Phase::Reveal);
        assert_eq!(phase_of(75), Phase::Reveal);
        assert_eq!(phase_of(76), Phase::Claim);
        assert_eq!(phase_of(151), Phase::Claim);
        assert_eq!(phase_of(152), Phase::Commit);
        assert_eq!(round_of(151), 0);
        assert_eq!(round_of(152), 1);
    }
}
