//! What the agent decides at a step (spec §5.9).

use comb_primitives::B256;

/// One thing for the driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Sample the reserve for `round` (the next round), keyed by `anchor`, at `depth` (§6).
    Sample {
        /// The round the sample plays in.
        round: u64,
        /// `currentRoundAnchor()` in the claim phase: the next round's anchor (§5.2).
        anchor: B256,
        /// The committed depth (`storage radius + height`).
        depth: u8,
        /// The storage radius: the first reserve bin to sample (§6.1 step 1).
        radius: u8,
    },
    /// `commit(obfuscatedHash, round)` (§5.3).
    Commit {
        /// The round.
        round: u64,
        /// `wrapCommit(overlay, depth, hash, nonce)`.
        obfuscated_hash: B256,
    },
    /// `reveal(depth, hash, nonce)` (§5.4).
    Reveal {
        /// The round.
        round: u64,
        /// The committed depth.
        depth: u8,
        /// The committed reserve commitment.
        hash: B256,
        /// The commit's secret nonce.
        nonce: B256,
    },
    /// `claim(proof1, proof2, proofLast)` with proofs built from the round's sample (§5.8).
    Claim {
        /// The round.
        round: u64,
    },
}

/// A decision: what to do (if anything) and why; every step explains itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The action, `None` for a decision to do nothing.
    pub action: Option<Action>,
    /// Why.
    pub reason: String,
}

impl Decision {
    /// A decision to act.
    pub fn act(action: Action, reason: impl Into<String>) -> Self {
        Self {
            action: Some(action),
            reason: reason.into(),
        }
    }

    /// A decision to do nothing.
    pub fn skip(reason: impl Into<String>) -> Self {
        Self {
            action: None,
            reason: reason.into(),
        }
    }
}
