//! The bzz handshake (`/swarm/handshake/15.0.0/handshake`, no headers exchange): the
//! dialler sends `Syn{ObservedUnderlay}`, the listener answers `SynAck{Syn, Ack}`, the
//! dialler finishes with `Ack`. Each `Ack` carries a signed [`BzzAddress`], the network id,
//! the full-node flag and the nonce. Each side checks the network id, the signature and that
//! the overlay derives from the recovered Ethereum address, the network id and the nonce;
//! any failure closes the connection.
//!
//! The stream ends as Bee ends it, with `FullClose` on both roles (our FIN, then the peer's
//! end-of-stream): the listener registers the peer, then closes; the dialler starts its
//! protocols only after the listener's end-of-stream (audit H-16, H-17). Every message of
//! the handshake waits up to `handshake_timeout` (default 30 s: a Bee listener may first
//! wait 10 s for the dialler's addresses, then gives itself 15 s; audit H-14).
//! [`dial`] and [`answer`] run over any stream; the tests play Bee's side byte by byte.
//!
//! Two versions are spoken (audit H-2): 15.0.0 (Bee v2.8 on) and 14.0.0 (Bee up to v2.7),
//! whose `Ack` carries the nonce in field 4 and an address of fields 1–3 signed over less
//! ([`crate::bzz::Scheme`]). The dialler offers 15.0.0 first and 14.0.0 second, and the
//! listener answers either, so comb connects to Bee nodes of both generations.

use std::time::Duration;

use futures::io::{AsyncRead, AsyncWrite};
use libp2p::{Multiaddr, PeerId};

use crate::bzz::{peer_id_of, with_peer_id, BzzAddress, Scheme};
use crate::peers::{PeerInfo, PeerManager};
use crate::protocols::{HANDSHAKE, HANDSHAKE_V14};
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Longest welcome message accepted and sent (Bee `MaxWelcomeMessageLength`).
pub const MAX_WELCOME_MESSAGE: usize = 140;

/// What the handshake established about a peer.
#[derive(Debug)]
pub(crate) struct Handshaked {
    pub(crate) address: BzzAddress,
    pub(crate) full_node: bool,
}

/// What the handshake tells about this node and checks of the peer.
pub(crate) struct Local<'a> {
    pub(crate) network_id: u64,
    pub(crate) address: &'a BzzAddress,
    /// The same address signed as handshake 14 signs it; `None` if it could not be signed
    /// (a 14.0.0 handshake then fails).
    pub(crate) address_v14: Option<&'a BzzAddress>,
    pub(crate) full_node: bool,
    pub(crate) welcome_message: String,
}

/// The dialler's side over any stream: `Syn` → `SynAck` → `Ack`, then Bee's full close
/// (our FIN, then the listener's end-of-stream, which a Bee listener sends only once it has
/// registered us: audit H-17). Protocols may be opened once this returns.
pub(crate) async fn dial<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
    local: &Local<'_>,
    version: Scheme,
    peer: PeerId,
    remote: &Multiaddr,
) -> Result<Handshaked, NetError> {
    stream
        .send(&pb::Syn {
            observed_underlay: with_peer_id(remote, peer).to_vec(),
        })
        .await?;
    let syn_ack: pb::SynAck = stream.recv().await?;
    let ack = syn_ack
        .ack
        .ok_or_else(|| NetError::Malformed("synack without ack".into()))?;
    let theirs = check_ack(local, version, peer, &ack)?;
    stream.send(&own_ack(local, version)?).await?;
    stream.full_close().await?;
    Ok(theirs)
}

/// The listener's side over any stream: read `Syn`, answer `SynAck` (the connection's
/// remote address as observed, when known), read and check `Ack`, run `register` (the peer
/// is known before the stream ends, as in Bee), then Bee's full close: our FIN, then the
/// dialler's end-of-stream (audit H-16; dropping the stream instead resets it).
pub(crate) async fn answer<S, T>(
    stream: &mut MessageStream<S>,
    local: &Local<'_>,
    version: Scheme,
    peer: PeerId,
    observed: Option<&Multiaddr>,
    register: impl FnOnce(Handshaked) -> Result<T, NetError>,
) -> Result<T, NetError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _syn: pb::Syn = stream.recv().await?;
    let observed = observed
        .map(|address| with_peer_id(address, peer).to_vec())
        .unwrap_or_default();
    stream
        .send(&pb::SynAck {
            syn: Some(pb::Syn {
                observed_underlay: observed,
            }),
            ack: Some(own_ack(local, version)?),
        })
        .await?;
    let ack: pb::Ack = stream.recv().await?;
    let theirs = check_ack(local, version, peer, &ack)?;
    let registered = register(theirs)?;
    stream.full_close().await?;
    Ok(registered)
}

/// Runs the dialler's side on a new connection to `peer` at `remote`, admits the peer and
/// announces it once the stream has ended.
pub(crate) async fn initiate(
    peers: &PeerManager,
    local: &Local<'_>,
    timeout: Duration,
    peer: PeerId,
    remote: Multiaddr,
) -> Result<PeerInfo, NetError> {
    let run = async {
        let (mut stream, protocol) = peers
            .open_raw_any(peer, &[HANDSHAKE, HANDSHAKE_V14])
            .await?;
        let version = Scheme::of_handshake(protocol).unwrap_or(Scheme::V15);
        stream.set_timeout(timeout);
        dial(&mut stream, local, version, peer, &remote).await
    };
    let handshaked = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| NetError::Timeout("handshake"))??;
    let (info, new) = peers.admit(peer, handshaked.address, handshaked.full_node)?;
    if new {
        peers.announce(&info);
    }
    Ok(info)
}

/// Runs the listener's side on an inbound handshake stream; the peer is admitted before
/// the stream ends and announced after.
pub(crate) async fn respond<S: AsyncRead + AsyncWrite + Unpin>(
    peers: &PeerManager,
    local: &Local<'_>,
    version: Scheme,
    timeout: Duration,
    peer: PeerId,
    stream: S,
) -> Result<PeerInfo, NetError> {
    let remote = peers.state().remote_addrs.get(&peer).cloned();
    let run = async {
        let mut stream = MessageStream::new(stream, timeout);
        answer(
            &mut stream,
            local,
            version,
            peer,
            remote.as_ref(),
            |handshaked| peers.admit(peer, handshaked.address, handshaked.full_node),
        )
        .await
    };
    let (info, new) = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| NetError::Timeout("handshake"))??;
    if new {
        peers.announce(&info);
    }
    Ok(info)
}

fn own_ack(local: &Local<'_>, version: Scheme) -> Result<pb::Ack, NetError> {
    let mut welcome = local.welcome_message.clone();
    if welcome.len() > MAX_WELCOME_MESSAGE {
        let mut end = MAX_WELCOME_MESSAGE;
        while !welcome.is_char_boundary(end) {
            end = end.saturating_sub(1);
        }
        welcome.truncate(end);
    }
    let (address, nonce) = match version {
        // Handshake 15.0.0's Ack has no field 4 (the nonce is in the BzzAddress; audit
        // M-5): nothing is sent there. A peer's field 4 is still read as a fallback.
        Scheme::V15 => (local.address.to_pb(), Vec::new()),
        // Handshake 14.0.0: the address of fields 1–3, the nonce in `Ack.Nonce = 4`.
        Scheme::V14 => {
            let address = local
                .address_v14
                .ok_or_else(|| NetError::Signing("no handshake 14 address".into()))?;
            (address.to_pb_v14(), address.nonce.to_vec())
        }
    };
    Ok(pb::Ack {
        address: Some(address),
        network_id: local.network_id,
        full_node: local.full_node,
        nonce,
        welcome_message: welcome,
    })
}

fn check_ack(
    local: &Local<'_>,
    version: Scheme,
    peer: PeerId,
    ack: &pb::Ack,
) -> Result<Handshaked, NetError> {
    if ack.network_id != local.network_id {
        return Err(NetError::NetworkIdMismatch {
            ours: local.network_id,
            theirs: ack.network_id,
        });
    }
    let message = ack
        .address
        .as_ref()
        .ok_or_else(|| NetError::Malformed("ack without address".into()))?;
    let address = match version {
        Scheme::V15 => BzzAddress::verify(message, local.network_id, Some(&ack.nonce))?,
        Scheme::V14 => BzzAddress::verify_v14(message, local.network_id, &ack.nonce)?,
    };
    // An underlay naming a peer id must name the one we are talking to.
    if address
        .underlays
        .iter()
        .filter_map(peer_id_of)
        .any(|named| named != peer)
    {
        return Err(NetError::InvalidBzzAddress(
            "underlay names another peer id".into(),
        ));
    }
    if ack.welcome_message.len() > MAX_WELCOME_MESSAGE {
        return Err(NetError::Malformed("welcome message too long".into()));
    }
    Ok(Handshaked {
        address,
        full_node: ack.full_node,
    })
}

#[cfg(test)]
mod tests {
    //! Bee's side of the handshake played by hand over an in-memory duplex stream: every
    //! message Bee sends is encoded here from Bee's `handshake.proto` (audit M-3..M-6),
    //! signed as Bee's `pkg/bzz/address.go` signs (H-4, H-5), and every message comb sends
    //! is read field by field; the stream ends as Bee's `FullClose` ends it (H-16, H-17).
    use super::*;
    use crate::test_support::{
        bytes_field, eip191, fields, read_frame, varint_field, write_frame, Field,
    };
    use comb_primitives::{keccak256, Signer, B256};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
    use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

    const NETWORK_ID: u64 = 10;

    /// Bee's `SynAck{Syn{ObservedUnderlay: comb as Bee sees it, /p2p/<comb>} = 1, Ack = 2}`.
    fn bee_syn_ack(comb_peer: PeerId, ack: &[u8]) -> Vec<u8> {
        let seen: Multiaddr = format!("/ip4/198.51.100.3/tcp/5555/p2p/{comb_peer}")
            .parse()
            .unwrap();
        let mut inner_syn = Vec::new();
        bytes_field(1, &seen.to_vec(), &mut inner_syn);
        let mut syn_ack = Vec::new();
        bytes_field(1, &inner_syn, &mut syn_ack);
        bytes_field(2, ack, &mut syn_ack);
        syn_ack
    }

    /// comb's own addresses for a 14.0.0 stream.
    fn local_v14<'a>(address: &'a BzzAddress, v14: &'a BzzAddress, welcome: &str) -> Local<'a> {
        Local {
            network_id: NETWORK_ID,
            address,
            address_v14: Some(v14),
            full_node: true,
            welcome_message: welcome.to_string(),
        }
    }

    fn field(message: &[(u64, Field)], number: u64) -> Field {
        message
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("field {number} missing from {message:?}"))
    }

    fn bytes_of(field: Field) -> Vec<u8> {
        match field {
            Field::Bytes(bytes) => bytes,
            other => panic!("expected bytes, got {other:?}"),
        }
    }

    /// Waits for the end of the stream as Bee's `FullClose` does: no data, then EOF.
    async fn read_eof(stream: &mut DuplexStream) {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte))
            .await
            .expect("the end of the stream in time")
            .unwrap();
        assert_eq!(read, 0, "comb sent data where the end was expected");
    }

    /// A Bee node as the test plays it: its overlay key, nonce and libp2p peer id (ECDSA
    /// P-256, as Bee's).
    struct Bee {
        signer: Signer,
        nonce: B256,
        peer: PeerId,
    }

    impl Bee {
        fn new() -> Self {
            Self {
                signer: Signer::random(),
                nonce: B256::repeat_byte(0x5a),
                peer: libp2p::identity::Keypair::generate_ecdsa()
                    .public()
                    .to_peer_id(),
            }
        }

        fn overlay(&self) -> B256 {
            // keccak256(eth ‖ networkID as 8 bytes little-endian ‖ nonce) (audit H-6).
            let mut data = self.signer.address().to_vec();
            data.extend_from_slice(&NETWORK_ID.to_le_bytes());
            data.extend_from_slice(self.nonce.as_slice());
            B256::from(keccak256(&data))
        }

        fn underlay(&self) -> Vec<u8> {
            // One address: its raw multiaddr bytes (audit H-9).
            let address: Multiaddr = format!("/ip4/192.0.2.7/tcp/1634/p2p/{}", self.peer)
                .parse()
                .unwrap();
            address.to_vec()
        }

        /// Bee's `Ack`: `BzzAddress Address = 1; uint64 NetworkID = 2; bool FullNode = 3;
        /// string WelcomeMessage = 99` (no field 4 in 15.0.0), the address signed over
        /// `"bee-handshake-" ‖ underlay ‖ overlay ‖ networkID (8 BE) ‖ nonce ‖ timestamp
        /// (8 BE) ‖ chequebook (20 zero bytes: Bee always sends 20)` with EIP-191.
        fn ack(&self) -> Vec<u8> {
            let underlay = self.underlay();
            let timestamp = crate::bzz::unix_now();
            let chequebook = [0u8; 20];
            let mut signed = b"bee-handshake-".to_vec();
            signed.extend_from_slice(&underlay);
            signed.extend_from_slice(self.overlay().as_slice());
            signed.extend_from_slice(&NETWORK_ID.to_be_bytes());
            signed.extend_from_slice(self.nonce.as_slice());
            signed.extend_from_slice(&timestamp.to_be_bytes());
            signed.extend_from_slice(&chequebook);
            let signature = self.signer.sign_prehash(&eip191(&signed)).unwrap();
            let signature = signature.as_bytes();
            assert!(signature[64] == 27 || signature[64] == 28);
            let mut address = Vec::new();
            bytes_field(1, &underlay, &mut address);
            bytes_field(2, signature, &mut address);
            bytes_field(3, self.overlay().as_slice(), &mut address);
            bytes_field(4, self.nonce.as_slice(), &mut address);
            varint_field(5, timestamp, &mut address);
            bytes_field(6, &chequebook, &mut address);
            let mut ack = Vec::new();
            bytes_field(1, &address, &mut ack);
            varint_field(2, NETWORK_ID, &mut ack);
            varint_field(3, 1, &mut ack);
            bytes_field(99, b"hello from bee", &mut ack);
            ack
        }

        /// Bee v2.7's `Ack` (handshake 14.0.0): `BzzAddress Address = 1` of fields 1–3
        /// only, `uint64 NetworkID = 2; bool FullNode = 3; bytes Nonce = 4; string
        /// WelcomeMessage = 99`, the address signed over `"bee-handshake-" ‖ underlay ‖
        /// overlay ‖ networkID (8 BE)` with EIP-191 (v2.7.1 `pkg/bzz/address.go`).
        fn ack_v14(&self) -> Vec<u8> {
            let underlay = self.underlay();
            let mut signed = b"bee-handshake-".to_vec();
            signed.extend_from_slice(&underlay);
            signed.extend_from_slice(self.overlay().as_slice());
            signed.extend_from_slice(&NETWORK_ID.to_be_bytes());
            let signature = self.signer.sign_prehash(&eip191(&signed)).unwrap();
            let mut address = Vec::new();
            bytes_field(1, &underlay, &mut address);
            bytes_field(2, signature.as_bytes(), &mut address);
            bytes_field(3, self.overlay().as_slice(), &mut address);
            let mut ack = Vec::new();
            bytes_field(1, &address, &mut ack);
            varint_field(2, NETWORK_ID, &mut ack);
            varint_field(3, 1, &mut ack);
            bytes_field(4, self.nonce.as_slice(), &mut ack);
            bytes_field(99, b"hello from bee 2.7", &mut ack);
            ack
        }
    }

    /// Checks comb's handshake 14 `Ack` field by field against Bee v2.7's `handshake.proto`,
    /// and that its signature verifies over the 14.0.0 signed data, computed here by hand.
    fn check_comb_ack_v14(ack: &[u8], comb: &BzzAddress) {
        let ack = fields(ack);
        assert!(
            ack.iter()
                .all(|(number, _)| [1, 2, 3, 4, 99].contains(number)),
            "fields beyond Bee 2.7's Ack: {ack:?}"
        );
        assert_eq!(field(&ack, 2), Field::Varint(NETWORK_ID));
        assert_eq!(bytes_of(field(&ack, 4)), comb.nonce.to_vec());
        let address = fields(&bytes_of(field(&ack, 1)));
        assert!(
            address.iter().all(|(number, _)| [1, 2, 3].contains(number)),
            "a 14.0.0 BzzAddress has fields 1-3 only: {address:?}"
        );
        let underlay = bytes_of(field(&address, 1));
        let overlay = bytes_of(field(&address, 3));
        assert_eq!(overlay, comb.overlay.to_vec());
        let mut signed = b"bee-handshake-".to_vec();
        signed.extend_from_slice(&underlay);
        signed.extend_from_slice(&overlay);
        signed.extend_from_slice(&NETWORK_ID.to_be_bytes());
        let signature =
            comb_primitives::Signature::from_slice(&bytes_of(field(&address, 2))).unwrap();
        let signer =
            comb_primitives::crypto::recover_prehash(&eip191(&signed), &signature).unwrap();
        assert_eq!(signer, comb.ethereum);
    }

    /// comb's address signed both ways, as a node signs it.
    fn comb_side_v14() -> (
        BzzAddress,
        BzzAddress,
        PeerId,
        Compat<DuplexStream>,
        DuplexStream,
    ) {
        let comb_peer = libp2p::identity::Keypair::generate_ed25519()
            .public()
            .to_peer_id();
        let underlay: Multiaddr = format!("/ip4/127.0.0.1/tcp/1634/p2p/{comb_peer}")
            .parse()
            .unwrap();
        let signer = Signer::random();
        let nonce = B256::repeat_byte(1);
        let address = BzzAddress::sign(
            &signer,
            vec![underlay.clone()],
            NETWORK_ID,
            nonce,
            crate::bzz::unix_now(),
            None,
        )
        .unwrap();
        let v14 = BzzAddress::sign_v14(&signer, vec![underlay], NETWORK_ID, nonce).unwrap();
        let (comb, bee) = tokio::io::duplex(64 * 1024);
        (address, v14, comb_peer, comb.compat(), bee)
    }

    #[tokio::test]
    async fn comb_answers_a_bee_2_7_dialler_with_handshake_14() {
        let bee = Bee::new();
        let (address, v14, _, comb_stream, mut bee_stream) = comb_side_v14();
        let bee_peer = bee.peer;
        let comb = tokio::spawn(async move {
            let local = local_v14(&address, &v14, "");
            let mut stream = MessageStream::new(comb_stream, Duration::from_secs(5));
            answer(&mut stream, &local, Scheme::V14, bee_peer, None, Ok)
                .await
                .map(|handshaked| (handshaked, v14))
        });
        let mut syn = Vec::new();
        bytes_field(1, b"/ip4/127.0.0.1/tcp/1634 as bytes", &mut syn);
        write_frame(&mut bee_stream, &syn).await;
        let syn_ack = fields(&read_frame(&mut bee_stream).await);
        let comb_ack = bytes_of(field(&syn_ack, 2));
        write_frame(&mut bee_stream, &bee.ack_v14()).await;
        bee_stream.shutdown().await.unwrap();
        read_eof(&mut bee_stream).await;
        let (handshaked, v14) = comb.await.unwrap().unwrap();
        check_comb_ack_v14(&comb_ack, &v14);
        assert_eq!(handshaked.address.overlay, bee.overlay());
        assert_eq!(handshaked.address.ethereum, bee.signer.address());
        assert_eq!(handshaked.address.nonce, bee.nonce);
        assert_eq!(handshaked.address.scheme, crate::bzz::Scheme::V14);
        assert!(handshaked.full_node);
    }

    #[tokio::test]
    async fn comb_dials_a_bee_2_7_listener_with_handshake_14() {
        let bee = Bee::new();
        let (address, v14, comb_peer, comb_stream, mut bee_stream) = comb_side_v14();
        let remote: Multiaddr = "/ip4/192.0.2.7/tcp/1634".parse().unwrap();
        let bee_peer = bee.peer;
        let comb = tokio::spawn(async move {
            let local = local_v14(&address, &v14, "hi");
            let mut stream = MessageStream::new(comb_stream, Duration::from_secs(5));
            dial(&mut stream, &local, Scheme::V14, bee_peer, &remote)
                .await
                .map(|handshaked| (handshaked, v14))
        });
        let _syn = read_frame(&mut bee_stream).await;
        write_frame(&mut bee_stream, &bee_syn_ack(comb_peer, &bee.ack_v14())).await;
        let comb_ack = read_frame(&mut bee_stream).await;
        read_eof(&mut bee_stream).await;
        bee_stream.shutdown().await.unwrap();
        let (handshaked, v14) = comb.await.unwrap().unwrap();
        check_comb_ack_v14(&comb_ack, &v14);
        assert_eq!(handshaked.address.overlay, bee.overlay());
    }

    #[tokio::test]
    async fn a_handshake_15_ack_is_refused_on_a_14_stream_and_the_other_way_round() {
        // Each version's signature covers other data: an Ack of the other version does not
        // verify, so a confused peer is refused rather than half-understood.
        for (version, ack) in [
            (Scheme::V14, Bee::new().ack()),
            (Scheme::V15, Bee::new().ack_v14()),
        ] {
            let (address, v14, _, comb_stream, mut bee_stream) = comb_side_v14();
            let comb = tokio::spawn(async move {
                let local = local_v14(&address, &v14, "");
                let peer = libp2p::identity::Keypair::generate_ed25519()
                    .public()
                    .to_peer_id();
                let mut stream = MessageStream::new(comb_stream, Duration::from_secs(5));
                answer(&mut stream, &local, version, peer, None, |_| Ok(())).await
            });
            let mut syn = Vec::new();
            bytes_field(1, b"x", &mut syn);
            write_frame(&mut bee_stream, &syn).await;
            let _syn_ack = read_frame(&mut bee_stream).await;
            write_frame(&mut bee_stream, &ack).await;
            assert!(comb.await.unwrap().is_err(), "{version:?}");
        }
    }

    fn local<'a>(address: &'a BzzAddress, welcome_message: &'a str) -> Local<'a> {
        Local {
            network_id: NETWORK_ID,
            address,
            address_v14: None,
            full_node: true,
            welcome_message: welcome_message.to_string(),
        }
    }

    /// comb's own address and the in-memory stream pair (comb's end, Bee's end).
    fn comb_side() -> (BzzAddress, PeerId, Compat<DuplexStream>, DuplexStream) {
        let comb_peer = libp2p::identity::Keypair::generate_ed25519()
            .public()
            .to_peer_id();
        let underlay: Multiaddr = format!("/ip4/127.0.0.1/tcp/1634/p2p/{comb_peer}")
            .parse()
            .unwrap();
        let address = BzzAddress::sign(
            &Signer::random(),
            vec![underlay],
            NETWORK_ID,
            B256::repeat_byte(1),
            crate::bzz::unix_now(),
            None,
        )
        .unwrap();
        let (comb, bee) = tokio::io::duplex(64 * 1024);
        (address, comb_peer, comb.compat(), bee)
    }

    /// Checks comb's `Ack` field by field against Bee's `handshake.proto`.
    fn check_comb_ack(ack: &[u8], comb: &BzzAddress) {
        let ack = fields(ack);
        assert!(
            ack.iter().all(|(number, _)| [1, 2, 3, 99].contains(number)),
            "fields beyond Bee's Ack: {ack:?}"
        );
        assert_eq!(field(&ack, 2), Field::Varint(NETWORK_ID));
        assert_eq!(field(&ack, 3), Field::Varint(1));
        let address = fields(&bytes_of(field(&ack, 1)));
        assert_eq!(bytes_of(field(&address, 3)), comb.overlay.to_vec());
        assert_eq!(bytes_of(field(&address, 4)), comb.nonce.to_vec());
        assert_eq!(bytes_of(field(&address, 2)).len(), 65);
        assert!(matches!(field(&address, 5), Field::Varint(t) if t > 0));
        let underlays = crate::bzz::deserialize_underlays(&bytes_of(field(&address, 1))).unwrap();
        assert_eq!(underlays, comb.underlays);
    }

    #[tokio::test]
    async fn comb_answers_a_bee_dialler_and_ends_the_stream_as_bee_requires() {
        let bee = Bee::new();
        let (address, _, comb_stream, mut bee_stream) = comb_side();
        let registered = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&registered);
        let observed: Multiaddr = "/ip4/192.0.2.7/tcp/40000".parse().unwrap();
        let bee_peer = bee.peer;
        let comb = tokio::spawn(async move {
            let local = Local {
                network_id: NETWORK_ID,
                address: &address,
                address_v14: None,
                full_node: true,
                welcome_message: String::new(),
            };
            let mut stream = MessageStream::new(comb_stream, Duration::from_secs(5));
            answer(
                &mut stream,
                &local,
                Scheme::V15,
                bee_peer,
                Some(&observed),
                |handshaked| {
                    flag.store(true, Ordering::SeqCst);
                    Ok(handshaked)
                },
            )
            .await
            .map(|handshaked| (handshaked, address))
        });

        // Bee's Syn{ObservedUnderlay = 1}: comb's address as Bee dialled it.
        let mut syn = Vec::new();
        bytes_field(1, b"/ip4/127.0.0.1/tcp/1634 as bytes", &mut syn);
        write_frame(&mut bee_stream, &syn).await;
        // comb's SynAck{Syn = 1, Ack = 2}; the Syn's underlay ends in /p2p/<Bee's id>, which
        // a Bee dialler requires (audit H-3).
        let syn_ack = fields(&read_frame(&mut bee_stream).await);
        let observed = fields(&bytes_of(field(&syn_ack, 1)));
        let observed = Multiaddr::try_from(bytes_of(field(&observed, 1))).unwrap();
        assert_eq!(peer_id_of(&observed), Some(bee.peer));
        let comb_ack = bytes_of(field(&syn_ack, 2));
        // Bee's Ack, then Bee's FullClose: FIN, then wait for comb's end of the stream.
        write_frame(&mut bee_stream, &bee.ack()).await;
        bee_stream.shutdown().await.unwrap();
        read_eof(&mut bee_stream).await;
        assert!(
            registered.load(Ordering::SeqCst),
            "comb ended the stream before it registered the peer"
        );
        let (handshaked, address) = comb.await.unwrap().unwrap();
        check_comb_ack(&comb_ack, &address);
        assert_eq!(handshaked.address.overlay, bee.overlay());
        assert_eq!(handshaked.address.ethereum, bee.signer.address());
        // Bee's 20 zero bytes are signed over and mean "no chequebook" (audit H-7).
        assert_eq!(handshaked.address.chequebook, None);
        assert!(handshaked.full_node);
    }

    #[tokio::test]
    async fn comb_dials_a_bee_listener_and_waits_for_its_end_of_stream() {
        let bee = Bee::new();
        let (address, comb_peer, comb_stream, mut bee_stream) = comb_side();
        let remote: Multiaddr = "/ip4/192.0.2.7/tcp/1634".parse().unwrap();
        let bee_peer = bee.peer;
        let mut comb = tokio::spawn(async move {
            let local = local(&address, "hi");
            let mut stream = MessageStream::new(comb_stream, Duration::from_secs(5));
            dial(&mut stream, &local, Scheme::V15, bee_peer, &remote)
                .await
                .map(|handshaked| (handshaked, address))
        });
        // comb's Syn: the dialled address with Bee's peer id.
        let syn = fields(&read_frame(&mut bee_stream).await);
        let dialled = Multiaddr::try_from(bytes_of(field(&syn, 1))).unwrap();
        assert_eq!(peer_id_of(&dialled), Some(bee.peer));
        // Bee's SynAck{Syn{ObservedUnderlay: comb as Bee sees it}, Ack}.
        write_frame(&mut bee_stream, &bee_syn_ack(comb_peer, &bee.ack())).await;
        // comb's Ack, then comb's FIN.
        let comb_ack = read_frame(&mut bee_stream).await;
        read_eof(&mut bee_stream).await;
        // Bee registers comb now; until Bee ends its side, comb must not start protocols.
        for _ in 0..200 {
            tokio::task::yield_now().await;
        }
        assert!(
            !comb.is_finished(),
            "comb finished the handshake before the listener ended the stream"
        );
        bee_stream.shutdown().await.unwrap();
        let (handshaked, address) = (&mut comb).await.unwrap().unwrap();
        check_comb_ack(&comb_ack, &address);
        assert_eq!(handshaked.address.overlay, bee.overlay());
    }

    #[tokio::test]
    async fn a_bee_ack_with_a_bad_signature_is_refused() {
        let bee = Bee::new();
        let (address, _, comb_stream, mut bee_stream) = comb_side();
        let bee_peer = bee.peer;
        let comb = tokio::spawn(async move {
            let local = local(&address, "");
            let mut stream = MessageStream::new(comb_stream, Duration::from_secs(5));
            answer(&mut stream, &local, Scheme::V15, bee_peer, None, |_| Ok(())).await
        });
        let mut syn = Vec::new();
        bytes_field(1, b"x", &mut syn);
        write_frame(&mut bee_stream, &syn).await;
        let _syn_ack = read_frame(&mut bee_stream).await;
        // Flip a byte of the overlay (field 3 of the address): the signature no longer
        // covers it.
        let mut ack = bee.ack();
        let overlay = bee.overlay();
        let at = ack
            .windows(32)
            .position(|w| w == overlay.as_slice())
            .unwrap();
        ack[at] ^= 1;
        write_frame(&mut bee_stream, &ack).await;
        assert!(comb.await.unwrap().is_err());
    }
}
