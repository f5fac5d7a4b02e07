//! The signed peer address (Bee `pkg/bzz`): underlays, overlay, nonce, timestamp and
//! chequebook, signed with the node's overlay key, and its verification.
//!
//! Signed data (handshake 15): `"bee-handshake-" ‖ underlays ‖ overlay(32) ‖
//! networkID(8, big-endian) ‖ nonce(32) ‖ timestamp(8, big-endian) ‖ chequebook(20, zero if
//! none)`, hashed the way Bee's `crypto.Signer.Sign` does for arbitrary data:
//! `keccak256("\x19Ethereum Signed Message:\n" ‖ decimal(len) ‖ data)`. The verifier recovers
//! the Ethereum address and requires `overlay = overlay_address(eth, network_id, nonce)`.
//!
//! Handshake 14 (Bee up to v2.7, audit H-2) signs only `"bee-handshake-" ‖ underlays ‖
//! overlay(32) ‖ networkID(8, big-endian)`, and its address has no nonce, timestamp or
//! chequebook (the nonce travels beside it). An address keeps the [`Scheme`] it was signed
//! under: a record is only ever sent to peers that verify that scheme.

use std::time::{SystemTime, UNIX_EPOCH};

use comb_primitives::crypto::recover_prehash;
use comb_primitives::keccak::keccak256_concat;
use comb_primitives::overlay::overlay_address;
use comb_primitives::{Address, Signature, Signer, B256};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

use crate::protocols;
use crate::wire::pb;
use crate::NetError;

/// Prefix of the signed data.
const SIGN_PREFIX: &[u8] = b"bee-handshake-";
/// Marks Bee's list form of several underlays.
const UNDERLAY_LIST_PREFIX: u8 = 0x99;
/// How far in the future a timestamp may be (Bee `bzz.MaxClockSkew`).
const MAX_CLOCK_SKEW_SECS: u64 = 60;

/// What a [`BzzAddress`]'s signature covers, by the handshake version that signs so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Handshake 15 and hive 2 (Bee v2.8 on): nonce, timestamp and chequebook signed too.
    #[default]
    V15,
    /// Handshake 14 and hive 1.1 (Bee up to v2.7): underlays, overlay and network id only.
    V14,
}

impl Scheme {
    /// The scheme of a handshake protocol id, if it is one: the version that stream speaks.
    pub fn of_handshake(protocol: &str) -> Option<Self> {
        match protocol {
            protocols::HANDSHAKE => Some(Self::V15),
            protocols::HANDSHAKE_V14 => Some(Self::V14),
            _ => None,
        }
    }

    /// The handshake protocol id that signs addresses so.
    pub fn handshake(self) -> &'static str {
        match self {
            Self::V15 => protocols::HANDSHAKE,
            Self::V14 => protocols::HANDSHAKE_V14,
        }
    }

    /// The hive protocol id that carries addresses signed so.
    pub fn hive(self) -> &'static str {
        match self {
            Self::V15 => protocols::HIVE,
            Self::V14 => protocols::HIVE_V1,
        }
    }
}

/// A verified (or self-signed) peer address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BzzAddress {
    /// Where the node can be dialled, each with `/p2p/<peer id>`.
    pub underlays: Vec<Multiaddr>,
    /// The node's overlay address.
    pub overlay: B256,
    /// The overlay key's signature over the signed data.
    pub signature: Signature,
    /// The overlay nonce.
    pub nonce: B256,
    /// Signing time, Unix seconds.
    pub timestamp: u64,
    /// The node's chequebook, if it has one.
    pub chequebook: Option<Address>,
    /// The Ethereum address of the overlay key (recovered from the signature).
    pub ethereum: Address,
    /// What the signature covers.
    pub scheme: Scheme,
}

impl BzzAddress {
    /// Signs a fresh address for this node.
    pub fn sign(
        signer: &Signer,
        underlays: Vec<Multiaddr>,
        network_id: u64,
        nonce: B256,
        timestamp: u64,
        chequebook: Option<Address>,
    ) -> Result<Self, NetError> {
        let overlay = overlay_address(&signer.address(), network_id, &nonce);
        let underlay_bytes = serialize_underlays(&underlays);
        let hash = signed_hash(
            &underlay_bytes,
            &overlay,
            network_id,
            &nonce,
            timestamp,
            chequebook.as_ref(),
        );
        let signature = signer
            .sign_prehash(&hash)
            .map_err(|e| NetError::Signing(e.to_string()))?;
        Ok(Self {
            underlays,
            overlay,
            signature,
            nonce,
            timestamp,
            chequebook,
            ethereum: signer.address(),
            scheme: Scheme::V15,
        })
    }

    /// Signs this node's address as handshake 14 does (no timestamp, no chequebook).
    pub fn sign_v14(
        signer: &Signer,
        underlays: Vec<Multiaddr>,
        network_id: u64,
        nonce: B256,
    ) -> Result<Self, NetError> {
        let overlay = overlay_address(&signer.address(), network_id, &nonce);
        let hash = signed_hash_v14(&serialize_underlays(&underlays), &overlay, network_id);
        let signature = signer
            .sign_prehash(&hash)
            .map_err(|e| NetError::Signing(e.to_string()))?;
        Ok(Self {
            underlays,
            overlay,
            signature,
            nonce,
            timestamp: 0,
            chequebook: None,
            ethereum: signer.address(),
            scheme: Scheme::V14,
        })
    }

    /// Handshake 14's `BzzAddress`: fields 1–3 only (the nonce goes in `Ack.Nonce`).
    pub fn to_pb_v14(&self) -> pb::BzzAddress {
        pb::BzzAddress {
            underlay: serialize_underlays(&self.underlays),
            signature: self.signature.as_bytes().to_vec(),
            overlay: self.overlay.to_vec(),
            ..pb::BzzAddress::default()
        }
    }

    /// Hive 1.1's `BzzAddress`: fields 1–4, the nonce included.
    pub fn to_pb_hive_v1(&self) -> pb::BzzAddress {
        pb::BzzAddress {
            nonce: self.nonce.to_vec(),
            ..self.to_pb_v14()
        }
    }

    /// Parses and verifies an address signed as handshake 14 signs (fields 1–3; the nonce
    /// given beside it: `Ack.Nonce`, or hive 1.1's field 4).
    pub fn verify_v14(
        message: &pb::BzzAddress,
        network_id: u64,
        nonce: &[u8],
    ) -> Result<Self, NetError> {
        let (overlay, nonce, signature, underlays) = parts(message, nonce)?;
        let hash = signed_hash_v14(&message.underlay, &overlay, network_id);
        let ethereum = owner(&hash, &signature, &overlay, network_id, &nonce)?;
        Ok(Self {
            underlays,
            overlay,
            signature,
            nonce,
            timestamp: 0,
            chequebook: None,
            ethereum,
            scheme: Scheme::V14,
        })
    }

    /// The protobuf form.
    pub fn to_pb(&self) -> pb::BzzAddress {
        pb::BzzAddress {
            underlay: serialize_underlays(&self.underlays),
            signature: self.signature.as_bytes().to_vec(),
            overlay: self.overlay.to_vec(),
            nonce: self.nonce.to_vec(),
            timestamp: i64::try_from(self.timestamp).unwrap_or(i64::MAX),
            chequebook_address: self.chequebook.map(|c| c.to_vec()).unwrap_or_default(),
        }
    }

    /// Parses and verifies a received address for `network_id`. `fallback_nonce` is used
    /// when the message carries none (handshake 14 put it in `Ack.Nonce`).
    pub fn verify(
        message: &pb::BzzAddress,
        network_id: u64,
        fallback_nonce: Option<&[u8]>,
    ) -> Result<Self, NetError> {
        let bad = |what: &str| NetError::InvalidBzzAddress(what.to_string());
        let nonce_bytes = if message.nonce.is_empty() {
            fallback_nonce.unwrap_or_default()
        } else {
            message.nonce.as_slice()
        };
        let (overlay, nonce, signature, underlays) = parts(message, nonce_bytes)?;
        let timestamp = u64::try_from(message.timestamp).map_err(|_| bad("negative timestamp"))?;
        if timestamp == 0 {
            return Err(bad("timestamp must be positive"));
        }
        if timestamp > unix_now().saturating_add(MAX_CLOCK_SKEW_SECS) {
            return Err(bad("timestamp in the future"));
        }
        // Bee always sends 20 bytes, all zero without a chequebook (audit H-7): that is
        // no chequebook, not one at the zero address.
        let chequebook = match message.chequebook_address.len() {
            0 => None,
            20 => Some(Address::from_slice(&message.chequebook_address))
                .filter(|address| *address != Address::ZERO),
            _ => return Err(bad("chequebook is neither empty nor 20 bytes")),
        };
        let hash = signed_hash(
            &message.underlay,
            &overlay,
            network_id,
            &nonce,
            timestamp,
            chequebook.as_ref(),
        );
        let ethereum = owner(&hash, &signature, &overlay, network_id, &nonce)?;
        Ok(Self {
            underlays,
            overlay,
            signature,
            nonce,
            timestamp,
            chequebook,
            ethereum,
            scheme: Scheme::V15,
        })
    }

    /// The libp2p peer id named in the underlays (`/p2p/…`), if any.
    pub fn peer_id(&self) -> Option<PeerId> {
        self.underlays.iter().find_map(peer_id_of)
    }
}

/// The peer id in a multiaddr's `/p2p/` component.
pub fn peer_id_of(address: &Multiaddr) -> Option<PeerId> {
    address.iter().find_map(|protocol| match protocol {
        Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}

/// `address` with `/p2p/<peer>` at the end (unless it already names a peer).
pub fn with_peer_id(address: &Multiaddr, peer: PeerId) -> Multiaddr {
    if peer_id_of(address).is_some() {
        address.clone()
    } else {
        address.clone().with(Protocol::P2p(peer))
    }
}

/// Bee's underlay encoding: one multiaddr as its bytes, otherwise `0x99 ‖ (uvarint(len) ‖
/// bytes)*`.
pub fn serialize_underlays(addresses: &[Multiaddr]) -> Vec<u8> {
    if let [single] = addresses {
        return single.to_vec();
    }
    let mut out = vec![UNDERLAY_LIST_PREFIX];
    for address in addresses {
        let bytes = address.to_vec();
        prost::encoding::encode_varint(bytes.len() as u64, &mut out);
        out.extend_from_slice(&bytes);
    }
    out
}

/// Most underlays one BzzAddress may carry (Bee `pkg/bzz/underlay.go`, audit H-10).
pub const MAX_UNDERLAYS: usize = 20;
/// Most bytes the serialized underlays may take (same).
pub const MAX_UNDERLAY_BYTES: usize = 2048;

/// The underlays this node signs, within Bee's limits: loopback addresses are left out
/// when there is any other (Bee leaves loopback out of its host addresses; a node on
/// loopback only, as in a devnet, keeps them), then at most [`MAX_UNDERLAYS`], then as many
/// as fit [`MAX_UNDERLAY_BYTES`] serialized, in the order given.
pub fn limit_underlays(addresses: Vec<Multiaddr>) -> Vec<Multiaddr> {
    let is_loopback = |address: &Multiaddr| {
        address.iter().any(|part| match part {
            Protocol::Ip4(ip) => ip.is_loopback(),
            Protocol::Ip6(ip) => ip.is_loopback(),
            _ => false,
        })
    };
    let mut kept: Vec<Multiaddr> = if addresses.iter().all(is_loopback) {
        addresses
    } else {
        addresses.into_iter().filter(|a| !is_loopback(a)).collect()
    };
    kept.truncate(MAX_UNDERLAYS);
    while kept.len() > 1 && serialize_underlays(&kept).len() > MAX_UNDERLAY_BYTES {
        kept.pop();
    }
    kept
}

/// Parses [`serialize_underlays`]' output, refusing more than Bee's limits.
pub fn deserialize_underlays(bytes: &[u8]) -> Result<Vec<Multiaddr>, NetError> {
    let bad = |e: String| NetError::InvalidBzzAddress(format!("underlay: {e}"));
    if bytes.len() > MAX_UNDERLAY_BYTES {
        return Err(bad(format!(
            "{} bytes, more than {MAX_UNDERLAY_BYTES}",
            bytes.len()
        )));
    }
    match bytes.split_first() {
        None => Err(bad("empty".into())),
        Some((&UNDERLAY_LIST_PREFIX, mut rest)) => {
            let mut out = Vec::new();
            while !rest.is_empty() {
                let length =
                    prost::encoding::decode_varint(&mut rest).map_err(|e| bad(e.to_string()))?;
                let length = usize::try_from(length).map_err(|e| bad(e.to_string()))?;
                if length > rest.len() {
                    return Err(bad("entry longer than the data".into()));
                }
                let (entry, tail) = rest.split_at(length);
                out.push(Multiaddr::try_from(entry.to_vec()).map_err(|e| bad(e.to_string()))?);
                if out.len() > MAX_UNDERLAYS {
                    return Err(bad(format!("more than {MAX_UNDERLAYS} addresses")));
                }
                rest = tail;
            }
            Ok(out)
        }
        Some(_) => Ok(vec![
            Multiaddr::try_from(bytes.to_vec()).map_err(|e| bad(e.to_string()))?
        ]),
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Bee's `hashWithEthereumPrefix` for arbitrary-length data.
pub fn eip191_hash_bytes(data: &[u8]) -> [u8; 32] {
    let length = data.len().to_string();
    keccak256_concat(&[b"\x19Ethereum Signed Message:\n", length.as_bytes(), data])
}

fn signed_hash(
    underlays: &[u8],
    overlay: &B256,
    network_id: u64,
    nonce: &B256,
    timestamp: u64,
    chequebook: Option<&Address>,
) -> [u8; 32] {
    let mut data = Vec::with_capacity(SIGN_PREFIX.len() + underlays.len() + 100);
    data.extend_from_slice(SIGN_PREFIX);
    data.extend_from_slice(underlays);
    data.extend_from_slice(overlay.as_slice());
    data.extend_from_slice(&network_id.to_be_bytes());
    data.extend_from_slice(nonce.as_slice());
    data.extend_from_slice(&timestamp.to_be_bytes());
    data.extend_from_slice(chequebook.map(|c| c.as_slice()).unwrap_or(&[0u8; 20]));
    eip191_hash_bytes(&data)
}

/// What both schemes parse alike: the overlay, the nonce (`nonce`: where the scheme keeps
/// it), the signature and the underlays (at least one).
fn parts(
    message: &pb::BzzAddress,
    nonce: &[u8],
) -> Result<(B256, B256, Signature, Vec<Multiaddr>), NetError> {
    let bad = |what: &str| NetError::InvalidBzzAddress(what.to_string());
    let overlay = fixed32(&message.overlay).ok_or_else(|| bad("overlay is not 32 bytes"))?;
    let nonce = fixed32(nonce).ok_or_else(|| bad("nonce is not 32 bytes"))?;
    let signature = Signature::from_slice(&message.signature)
        .map_err(|e| NetError::InvalidBzzAddress(format!("signature: {e}")))?;
    let underlays = deserialize_underlays(&message.underlay)?;
    if underlays.is_empty() {
        return Err(bad("no underlay"));
    }
    Ok((overlay, nonce, signature, underlays))
}

/// The Ethereum address that signed `hash`, if the overlay derives from it, the network id
/// and the nonce (audit H-6).
fn owner(
    hash: &[u8; 32],
    signature: &Signature,
    overlay: &B256,
    network_id: u64,
    nonce: &B256,
) -> Result<Address, NetError> {
    let ethereum = recover_prehash(hash, signature)
        .map_err(|e| NetError::InvalidBzzAddress(format!("recover: {e}")))?;
    if overlay_address(&ethereum, network_id, nonce) != *overlay {
        return Err(NetError::InvalidBzzAddress(
            "overlay does not match the signer, network id and nonce".into(),
        ));
    }
    Ok(ethereum)
}

/// Handshake 14's signed data, hashed as Bee's `Sign` hashes (EIP-191): `"bee-handshake-" ‖
/// underlays ‖ overlay ‖ networkID (8, big-endian)` (Bee v2.7.1 `pkg/bzz/address.go`
/// `generateSignData`).
fn signed_hash_v14(underlays: &[u8], overlay: &B256, network_id: u64) -> [u8; 32] {
    let mut data = Vec::with_capacity(SIGN_PREFIX.len() + underlays.len() + 40);
    data.extend_from_slice(SIGN_PREFIX);
    data.extend_from_slice(underlays);
    data.extend_from_slice(overlay.as_slice());
    data.extend_from_slice(&network_id.to_be_bytes());
    eip191_hash_bytes(&data)
}

fn fixed32(bytes: &[u8]) -> Option<B256> {
    (bytes.len() == 32).then(|| B256::from_slice(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underlays_keep_within_bees_limits() {
        let public: Multiaddr = "/ip4/203.0.113.9/tcp/1634".parse().unwrap();
        let loopback: Multiaddr = "/ip4/127.0.0.1/tcp/1634".parse().unwrap();
        // Loopback goes when there is anything else, stays when it is all there is.
        assert_eq!(
            limit_underlays(vec![loopback.clone(), public.clone()]),
            vec![public.clone()]
        );
        assert_eq!(
            limit_underlays(vec![loopback.clone()]),
            vec![loopback.clone()]
        );
        // At most 20.
        let many: Vec<Multiaddr> = (0..30u16)
            .map(|port| format!("/ip4/203.0.113.9/tcp/{port}").parse().unwrap())
            .collect();
        let kept = limit_underlays(many.clone());
        assert_eq!(kept, many[..MAX_UNDERLAYS].to_vec());
        // Bee refuses more than 20 or more than 2048 bytes: so does comb, on receipt.
        let mut list = vec![UNDERLAY_LIST_PREFIX];
        for address in &many[..21] {
            prost::encoding::encode_varint(address.to_vec().len() as u64, &mut list);
            list.extend_from_slice(&address.to_vec());
        }
        assert!(deserialize_underlays(&list).is_err());
        assert_eq!(
            deserialize_underlays(&serialize_underlays(&kept)).unwrap(),
            kept
        );
        let long = vec![0u8; MAX_UNDERLAY_BYTES + 1];
        assert!(deserialize_underlays(&long).is_err());
    }

    fn address(port: u16) -> Multiaddr {
        format!("/ip4/127.0.0.1/tcp/{port}/p2p/{}", PeerId::random())
            .parse()
            .unwrap()
    }

    #[test]
    fn eip191_of_32_bytes_matches_the_digest_form() {
        let digest = [9u8; 32];
        assert_eq!(
            eip191_hash_bytes(&digest),
            comb_primitives::crypto::eip191_hash(&digest)
        );
    }

    #[test]
    fn underlays_round_trip_in_both_forms() {
        let one = vec![address(1)];
        assert_eq!(serialize_underlays(&one), one[0].to_vec());
        assert_eq!(
            deserialize_underlays(&serialize_underlays(&one)).unwrap(),
            one
        );
        let two = vec![address(1), address(2)];
        let bytes = serialize_underlays(&two);
        assert_eq!(bytes[0], UNDERLAY_LIST_PREFIX);
        assert_eq!(deserialize_underlays(&bytes).unwrap(), two);
        assert!(deserialize_underlays(&[UNDERLAY_LIST_PREFIX, 200]).is_err());
        assert!(deserialize_underlays(&[]).is_err());
    }

    #[test]
    fn signed_address_verifies_and_tampering_fails() {
        let signer = Signer::random();
        let nonce = B256::repeat_byte(3);
        let signed =
            BzzAddress::sign(&signer, vec![address(5)], 10, nonce, unix_now(), None).unwrap();
        let message = signed.to_pb();
        let verified = BzzAddress::verify(&message, 10, None).unwrap();
        assert_eq!(verified, signed);
        assert_eq!(verified.ethereum, signer.address());

        assert!(
            BzzAddress::verify(&message, 11, None).is_err(),
            "other network"
        );
        let mut tampered = message.clone();
        tampered.underlay = address(6).to_vec();
        assert!(BzzAddress::verify(&tampered, 10, None).is_err());
        let mut tampered = message.clone();
        tampered.nonce = vec![4u8; 32];
        assert!(BzzAddress::verify(&tampered, 10, None).is_err());
        let mut tampered = message;
        tampered.signature.truncate(10);
        assert!(BzzAddress::verify(&tampered, 10, None).is_err());
    }

    #[test]
    fn future_and_zero_timestamps_are_refused() {
        let signer = Signer::random();
        let nonce = B256::ZERO;
        let future = unix_now() + 3600;
        let signed = BzzAddress::sign(&signer, vec![address(5)], 1, nonce, future, None).unwrap();
        assert!(BzzAddress::verify(&signed.to_pb(), 1, None).is_err());
        let zero = BzzAddress::sign(&signer, vec![address(5)], 1, nonce, 0, None).unwrap();
        assert!(BzzAddress::verify(&zero.to_pb(), 1, None).is_err());
    }
}
