//! The node's libp2p identity: an ed25519 keypair, separate from the overlay (secp256k1)
//! signer, as Bee keeps its libp2p key apart from its Swarm key. Persist it with
//! [`encode_keypair`] and restore it with [`decode_keypair`] so that a node keeps its peer id.
//!
//! Peers' identities of every key type go-libp2p verifies but RSA are accepted: ed25519,
//! secp256k1 and **ECDSA P-256**, which is Bee's (audit L-6: Bee's keystore key is
//! `secp256r1`, sent by go-libp2p as a PKIX DER public key). Without the `ecdsa` feature
//! libp2p-noise could not decode a Bee node's identity and no handshake would finish. RSA is
//! left out: Bee never uses it, and it would pull in another crypto stack.

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
    use libp2p::identity::{KeyType, PublicKey};

    /// A go-libp2p ECDSA public key as Bee sends it in the noise handshake, built by hand:
    /// libp2p's `PublicKey{KeyType Type = 1; bytes Data = 2}` with `Type = ECDSA (3)` and
    /// `Data` Go's `x509.MarshalPKIXPublicKey` of a P-256 point: the fixed SPKI header
    /// (SEQUENCE, id-ecPublicKey 1.2.840.10045.2.1, prime256v1 1.2.840.10045.3.1.7, BIT
    /// STRING) and the uncompressed point `04 ‖ X ‖ Y`.
    #[test]
    fn a_go_libp2p_ecdsa_p256_public_key_decodes() {
        // The point: take a real one (its DER tail is the 65 uncompressed bytes).
        let keypair = Keypair::generate_ecdsa();
        let der = keypair.public().try_into_ecdsa().unwrap().encode_der();
        let point = &der[der.len() - 65..];
        assert_eq!(point[0], 0x04);
        let header = hex_bytes("3059301306072a8648ce3d020106082a8648ce3d030107034200");
        let mut data = header;
        data.extend_from_slice(point);
        assert_eq!(data.len(), 91);
        let mut protobuf = vec![0x08, 0x03, 0x12, 91];
        protobuf.extend_from_slice(&data);
        let decoded = PublicKey::try_decode_protobuf(&protobuf).unwrap();
        assert_eq!(decoded.key_type(), KeyType::Ecdsa);
        assert_eq!(decoded, keypair.public());
        assert_eq!(decoded.to_peer_id(), keypair.public().to_peer_id());
        // A secp256k1 key (go-libp2p's `Type = Secp256k1 (2)`, 33 compressed bytes).
        let secp = Keypair::generate_secp256k1();
        let compressed = secp.public().try_into_secp256k1().unwrap().to_bytes();
        let mut protobuf = vec![0x08, 0x02, 0x12, 33];
        protobuf.extend_from_slice(&compressed);
        assert_eq!(
            PublicKey::try_decode_protobuf(&protobuf).unwrap(),
            secp.public()
        );
    }

    fn hex_bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn keypair_bytes_round_trip_to_the_same_peer_id() {
        let keypair = generate_keypair();
        let bytes = encode_keypair(&keypair).unwrap();
        let back = decode_keypair(&bytes).unwrap();
        assert_eq!(keypair.public().to_peer_id(), back.public().to_peer_id());
        assert!(decode_keypair(b"garbage").is_err());
    }
}
