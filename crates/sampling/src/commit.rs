//! The obfuscated commitment a node commits to before revealing (spec §5.3 `wrapCommit`).

use comb_primitives::keccak::keccak256_concat;
use comb_primitives::B256;

/// `H(overlay(32) || depth(1) || reserveCommitment(32) || revealNonce(32))`: what `commit`
/// carries and `reveal` must reproduce (Bee `Agent.wrapCommit`, contract `wrapCommit`).
pub fn wrap_commit(
    overlay: &B256,
    depth: u8,
    reserve_commitment: &B256,
    reveal_nonce: &B256,
) -> B256 {
    B256::from(keccak256_concat(&[
        overlay.as_slice(),
        &[depth],
        reserve_commitment.as_slice(),
        reveal_nonce.as_slice(),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s8_9_wrap_commit_vector() {
        let overlay: B256 = "a602fa47b3e8ce39ffc2017ad9069ff95eb58c051b1cfa2b0d86bc44a5433733"
            .parse()
            .unwrap();
        let b5: B256 = "b5555b33".repeat(8).parse().unwrap();
        assert_eq!(
            wrap_commit(&overlay, 6, &b5, &b5).to_string(),
            "0x3a3c0eb4f4fe2838a24edbbeb6745d1707a3596fdb0b0c49cfa1384f6adf9e9c"
        );
    }
}
