//! secp256k1 signing and recovery with Ethereum's conventions (spec §1.6), on libsecp256k1.
//!
//! Signatures are 65 bytes `r || s || v` with `v ∈ {27, 28}`, deterministic (RFC 6979) and
//! low-S, so they reproduce Bee's byte for byte. Bee's signer always signs the EIP-191 hash
//! of a 32-byte digest; [`Signer::sign_digest`] does the same, [`Signer::sign_prehash`] signs
//! a hash as is (EIP-712 cheques use it).

use alloy_primitives::Address;
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, PublicKey, SecretKey, SECP256K1};

use crate::keccak::{keccak256, keccak256_concat};
use crate::PrimitivesError;

/// Length of a signature in bytes.
pub const SIGNATURE_SIZE: usize = 65;

/// A 65-byte Ethereum signature `r(32) || s(32) || v(1)` with `v ∈ {27, 28}`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; SIGNATURE_SIZE]);

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({})", hex::encode(self.0))
    }
}

/// Signatures travel as `0x`-prefixed hex strings in JSON.
impl serde::Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("0x{}", hex::encode(self.0)))
    }
}

impl<'de> serde::Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        let bytes = hex::decode(text.trim_start_matches("0x")).map_err(serde::de::Error::custom)?;
        Self::from_slice(&bytes).map_err(serde::de::Error::custom)
    }
}

impl Signature {
    /// Parses 65 bytes; the recovery byte must be 27 or 28.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, PrimitivesError> {
        let array: [u8; SIGNATURE_SIZE] = bytes.try_into().map_err(|_| {
            PrimitivesError::InvalidSignature(format!("{} bytes, expected 65", bytes.len()))
        })?;
        let signature = Self(array);
        signature.recovery_id()?;
        Ok(signature)
    }

    /// The raw 65 bytes.
    pub fn as_bytes(&self) -> &[u8; SIGNATURE_SIZE] {
        &self.0
    }

    fn recovery_id(&self) -> Result<RecoveryId, PrimitivesError> {
        match self.0[64] {
            27 => Ok(RecoveryId::Zero),
            28 => Ok(RecoveryId::One),
            v => Err(PrimitivesError::InvalidSignature(format!(
                "recovery byte {v}, expected 27 or 28"
            ))),
        }
    }
}

/// `H("\x19Ethereum Signed Message:\n32" || digest)`: the EIP-191 hash Bee signs (spec §0).
pub fn eip191_hash(digest: &[u8; 32]) -> [u8; 32] {
    keccak256_concat(&[b"\x19Ethereum Signed Message:\n32", digest])
}

/// The Ethereum address of a public key: the last 20 bytes of `H(x || y)` (spec §1.6).
pub fn ethereum_address(key: &PublicKey) -> Address {
    // An uncompressed SEC1 point is 0x04 || x || y.
    let point = key.serialize_uncompressed();
    let hash = keccak256(&point[1..]);
    Address::from_slice(&hash[12..])
}

/// Recovers the address that signed `hash` as is (no prefix).
pub fn recover_prehash(hash: &[u8; 32], signature: &Signature) -> Result<Address, PrimitivesError> {
    let recovery_id = signature.recovery_id()?;
    let recoverable = RecoverableSignature::from_compact(&signature.0[..64], recovery_id)
        .map_err(|e| PrimitivesError::InvalidSignature(e.to_string()))?;
    let key = SECP256K1
        .recover_ecdsa(Message::from_digest(*hash), &recoverable)
        .map_err(|e| PrimitivesError::InvalidSignature(e.to_string()))?;
    Ok(ethereum_address(&key))
}

/// Recovers the address that signed the EIP-191 hash of `digest`, as Bee's `crypto.Recover`.
pub fn recover_digest(
    digest: &[u8; 32],
    signature: &Signature,
) -> Result<Address, PrimitivesError> {
    recover_prehash(&eip191_hash(digest), signature)
}

/// A secp256k1 private key with its Ethereum address.
#[derive(Clone)]
pub struct Signer {
    key: SecretKey,
    address: Address,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.address)
    }
}

impl Signer {
    /// A signer from a 32-byte big-endian private key.
    pub fn from_bytes(secret: &[u8; 32]) -> Result<Self, PrimitivesError> {
        let key =
            SecretKey::from_byte_array(*secret).map_err(|_| PrimitivesError::InvalidPrivateKey)?;
        let address = ethereum_address(&key.public_key(SECP256K1));
        Ok(Self { key, address })
    }

    /// A signer from a hex private key, with or without `0x`.
    pub fn from_hex(secret: &str) -> Result<Self, PrimitivesError> {
        let bytes = hex::decode(secret.trim_start_matches("0x"))
            .map_err(|e| PrimitivesError::InvalidHex(e.to_string()))?;
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| PrimitivesError::InvalidPrivateKey)?;
        Self::from_bytes(&array)
    }

    /// A fresh random key from the operating system's generator.
    pub fn random() -> Self {
        loop {
            // Nearly every 32-byte string is a valid key; retry the astronomically rare rest.
            if let Ok(signer) = Self::from_bytes(&rand::random::<[u8; 32]>()) {
                return signer;
            }
        }
    }

    /// The 32-byte private key (for key files).
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.key.secret_bytes()
    }

    /// The signer's Ethereum address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The 33-byte compressed SEC1 public key.
    pub fn public_key_compressed(&self) -> [u8; 33] {
        self.key.public_key(SECP256K1).serialize()
    }

    /// The 65-byte uncompressed SEC1 public key.
    pub fn public_key_uncompressed(&self) -> [u8; 65] {
        self.key.public_key(SECP256K1).serialize_uncompressed()
    }

    /// Signs `hash` as is: deterministic (RFC 6979), low-S, v ∈ {27, 28}.
    pub fn sign_prehash(&self, hash: &[u8; 32]) -> Result<Signature, PrimitivesError> {
        let signature = SECP256K1.sign_ecdsa_recoverable(Message::from_digest(*hash), &self.key);
        let (recovery_id, compact) = signature.serialize_compact();
        let mut bytes = [0u8; SIGNATURE_SIZE];
        bytes[..64].copy_from_slice(&compact);
        bytes[64] = match recovery_id {
            RecoveryId::Zero => 27,
            RecoveryId::One => 28,
            // Ids 2 and 3 (x ≥ n) have probability ~2^-127; Ethereum cannot express them.
            _ => {
                return Err(PrimitivesError::InvalidSignature(
                    "recovery id above 1".to_string(),
                ))
            }
        };
        Ok(Signature(bytes))
    }

    /// Signs the EIP-191 hash of a 32-byte digest, as Bee's `crypto.Signer.Sign` does.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<Signature, PrimitivesError> {
        self.sign_prehash(&eip191_hash(digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bee_key_vectors_give_their_addresses() {
        // spec §8.4
        let signer =
            Signer::from_hex("634fb5a872396d9693e5c9f9d7233cfa93f395c093371017ff44aa9ae6564cdd")
                .unwrap();
        assert_eq!(
            hex::encode(signer.address()),
            "8d3766440f0d7b949a5e32995d09619a7f86e632"
        );
        let other =
            Signer::from_hex("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae")
                .unwrap();
        assert_eq!(
            hex::encode(other.address()),
            "2f63cbeb054ce76050827e42dd75268f6b9d87c5"
        );
        // spec §8.6: the ASCII "0" × 32 key.
        let ascii = Signer::from_bytes(&[0x30; 32]).unwrap();
        assert_eq!(
            hex::encode(ascii.address()),
            "827b44d53df2854057713b25cdd653eb70fe36c4"
        );
    }

    #[test]
    fn sign_then_recover_round_trips_and_rejects_bad_v() {
        let signer = Signer::random();
        let digest = keccak256(b"digest");
        let mut signature = signer.sign_digest(&digest).unwrap();
        assert_eq!(
            recover_digest(&digest, &signature).unwrap(),
            signer.address()
        );
        assert_ne!(
            recover_prehash(&digest, &signature).ok(),
            Some(signer.address())
        );
        signature.0[64] = 1;
        assert!(recover_digest(&digest, &signature).is_err());
        assert!(Signature::from_slice(&signature.0).is_err());
        assert!(Signature::from_slice(&[0u8; 64]).is_err());
    }

    #[test]
    fn zero_key_is_rejected() {
        assert_eq!(
            Signer::from_bytes(&[0; 32]).unwrap_err(),
            PrimitivesError::InvalidPrivateKey
        );
    }
}
