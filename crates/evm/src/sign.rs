//! Signing transactions with a comb key (libsecp256k1), for the node's chain client and the
//! dev chain's tests: EIP-1559 (type 2) as Bee sends them.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Signature, U256};
use comb_primitives::Signer;

use crate::EvmError;

/// The transaction type and its `to`, for callers that build transactions.
pub use alloy_consensus::TxEip1559 as Eip1559;
pub use alloy_primitives::TxKind;

/// Signs `tx` with `signer`: the signature over its EIP-1559 signing hash.
pub fn sign_eip1559(signer: &Signer, tx: TxEip1559) -> Result<TxEnvelope, EvmError> {
    let hash = tx.signature_hash();
    let bytes = signer
        .sign_prehash(&hash.0)
        .map_err(|e| EvmError::InvalidSignature(e.to_string()))?;
    let signature = Signature::new(
        U256::from_be_slice(&bytes.0[..32]),
        U256::from_be_slice(&bytes.0[32..64]),
        bytes.0[64] == 28,
    );
    Ok(TxEnvelope::from(tx.into_signed(signature)))
}

/// The EIP-2718 bytes of a signed transaction, as `eth_sendRawTransaction` takes them.
pub fn raw(tx: &TxEnvelope) -> Vec<u8> {
    tx.encoded_2718()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, TxKind};

    #[test]
    fn a_signed_transaction_recovers_to_its_signer() {
        let signer = Signer::from_bytes(&[7u8; 32]).unwrap();
        let tx = TxEip1559 {
            chain_id: 1337,
            nonce: 3,
            gas_limit: 21_000,
            max_fee_per_gas: 2_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(Address::repeat_byte(1)),
            value: U256::from(5),
            ..TxEip1559::default()
        };
        let envelope = sign_eip1559(&signer, tx).unwrap();
        assert_eq!(
            alloy_consensus::transaction::SignerRecoverable::recover_signer(&envelope).unwrap(),
            signer.address()
        );
        // Type 2: the EIP-2718 bytes start with the type byte.
        assert_eq!(raw(&envelope)[0], 0x02);
    }
}
