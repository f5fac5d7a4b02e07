//! Overlay address derivation (spec §1.8): `H(ethAddr(20) || u64le(networkId) || nonce(32))`.

use alloy_primitives::{Address, B256};

use crate::keccak::keccak256_concat;

/// The overlay address of a node with Ethereum address `ethereum`, on `network_id`, with the
/// 32-byte `nonce` (Bee `NewOverlayFromEthereumAddress`, contract `manageStake`).
pub fn overlay_address(ethereum: &Address, network_id: u64, nonce: &B256) -> B256 {
    B256::from(keccak256_concat(&[
        ethereum.as_slice(),
        &network_id.to_le_bytes(),
        nonce.as_slice(),
    ]))
}
