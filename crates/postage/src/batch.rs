//! The postage batch as a node knows it (spec §2.1) and the batch id derivation.

use comb_primitives::{keccak::keccak256_concat, Address, B256, U256};

/// A batch's 32-byte id.
pub type BatchId = B256;

/// A postage batch: who may stamp, how many chunks, and how much each chunk has paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The batch id `H(abi.encode(payer, nonce))`.
    pub id: BatchId,
    /// The stamp signer (`owner` in the contract).
    pub owner: Address,
    /// The batch may stamp `2^depth` chunks.
    pub depth: u8,
    /// `2^bucket_depth` buckets (Bee always buys 16).
    pub bucket_depth: u8,
    /// Immutable batches refuse to overwrite a full bucket; mutable ones wrap around.
    pub immutable: bool,
    /// The normalised balance: the cumulative per-chunk payout at which the batch expires.
    pub value: U256,
    /// Block at which the batch was created or last deepened (`lastUpdatedBlockNumber`).
    pub start_block: u64,
}

impl Batch {
    /// Slots per bucket: `2^(depth − bucket_depth)` (spec §2.7), or 0 for inconsistent depths.
    pub fn bucket_upper_bound(&self) -> u64 {
        bucket_upper_bound(self.depth, self.bucket_depth)
    }

    /// Whether the batch is still paid for at a cumulative payout of `total_out_payment`
    /// (spec §2.6: live while `value > currentTotalOutPayment`).
    pub fn is_live(&self, total_out_payment: U256) -> bool {
        self.value > total_out_payment
    }
}

/// Slots per bucket: `2^(depth − bucket_depth)`; 0 if the depths are inconsistent.
pub fn bucket_upper_bound(depth: u8, bucket_depth: u8) -> u64 {
    match depth.checked_sub(bucket_depth) {
        Some(diff) if diff < 64 => 1u64 << diff,
        _ => 0,
    }
}

/// The id of the batch bought by `payer` with `nonce`: `H(0x00×12 || payer || nonce)`, i.e.
/// `keccak256(abi.encode(msg.sender, nonce))` (spec §2.1). The payer is hashed, not the owner.
pub fn batch_id(payer: &Address, nonce: &B256) -> BatchId {
    B256::from(keccak256_concat(&[
        &[0u8; 12],
        payer.as_slice(),
        nonce.as_slice(),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s8_9_batch_id_vector() {
        let payer: Address = "fca295bc36f47a3eb53f657b88f3f324374656c6".parse().unwrap();
        let nonce = B256::left_padding_from(&[0xab, 0xcd]);
        assert_eq!(
            batch_id(&payer, &nonce).to_string(),
            "0xa931e2f2ddec78b5b626ed04415dc360bc9789160843f720915e90cf4ede5dd4"
        );
    }

    #[test]
    fn upper_bound_rejects_inverted_depths() {
        assert_eq!(bucket_upper_bound(20, 16), 16);
        assert_eq!(bucket_upper_bound(16, 16), 1);
        assert_eq!(bucket_upper_bound(15, 16), 0);
    }
}
