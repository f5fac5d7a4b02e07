//! The node's libp2p identity: an ed25519 keypair, separate from the overlay (secp256k1)
//! signer, as Bee keeps its libp2p key apart from its Swarm key. Persist it with
//! [`encode_keypair`] and restore it with [`decode_keypair`] so that a node keeps its peer id.

use libp2p::identity::Keypair;

use crate::NetError;

/// A fresh libp2p keypair.
pub fn generate_keypair() -> Keypair {
    Keypair::generate_ed25519()
}

/// The keypair's persistable bytes (libp2p's protobuf key encoding, any key type).
pub fn encode_keypair(keypair: &Keypair) -> Result<Vec<u8>, NetError> {
    keypair
        .to_protobuf_encoding()
        .map_err(|e| NetError::Transport(format!("encode libp2p key: {e}")))
}

/// Restores a keypair from [`encode_keypair`]'s bytes.
pub fn decode_keypair(bytes: &[u8]) -> Result<Keypair, NetError> {
    Keypair::from_protobuf_encoding(bytes)
        .map_err(|e| NetError::Transport(format!("decode libp2p key: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keypair_bytes_round_trip_to_the_same_peer_id() {
        let keypair = generate_keypair();
        let bytes = encode_keypair(&keypair).unwrap();
        let back = decode_keypair(&bytes).unwrap();
        assert_eq!(keypair.public().to_peer_id(), back.public().to_peer_id());
        assert!(decode_keypair(b"garbage").is_err());
    }
}
