//! Helpers for the crate's unit tests: a [`Node`] without a swarm, over a memory store.

use std::collections::HashMap;
use std::sync::Arc;

use comb_postage::Batch;
use comb_primitives::{Signer, B256};

use crate::accounting::NoAccounting;
use crate::bzz::BzzAddress;
use crate::node::{Node, NodeParts};
use crate::storage::BatchValidator;
use crate::{MemoryStore, NetConfig};

/// A node with overlay zero over `store`; its commands go nowhere; no stamp is valid.
pub(crate) fn node(store: Arc<MemoryStore>) -> Arc<Node> {
    node_with(
        store,
        Arc::new(BatchValidator(HashMap::<B256, Batch>::new())),
    )
}

/// Accepts every stamp (for handler tests whose subject is not stamp validation).
pub(crate) struct AnyStamp;

impl crate::storage::StampValidator for AnyStamp {
    fn validate(
        &self,
        _chunk: &comb_primitives::Chunk,
        _stamp: &comb_postage::Stamp,
    ) -> Result<(), comb_postage::PostageError> {
        Ok(())
    }
}

/// A full-node peer registered with `node` as if its handshake had completed: its libp2p
/// peer id and overlay.
pub(crate) fn connected_peer(node: &Node) -> (libp2p::PeerId, B256) {
    let peer_id = libp2p::identity::Keypair::generate_ed25519()
        .public()
        .to_peer_id();
    let address = BzzAddress::sign(
        &Signer::random(),
        vec![format!("/ip4/127.0.0.1/tcp/1700/p2p/{peer_id}")
            .parse()
            .unwrap()],
        1,
        B256::ZERO,
        crate::bzz::unix_now(),
        None,
    )
    .unwrap();
    let overlay = address.overlay;
    node.peers
        .state()
        .remote_addrs
        .insert(peer_id, "/ip4/127.0.0.1/tcp/1700".parse().unwrap());
    node.peers.register_peer(peer_id, address, true).unwrap();
    (peer_id, overlay)
}

/// A node like [`node`] whose stamps are checked by `validator`.
pub(crate) fn node_with(
    store: Arc<MemoryStore>,
    validator: Arc<dyn crate::storage::StampValidator>,
) -> Arc<Node> {
    let signer = Signer::random();
    let (commands, _) = tokio::sync::mpsc::unbounded_channel();
    let mut local_address = BzzAddress::sign(
        &signer,
        vec!["/ip4/127.0.0.1/tcp/1634".parse().unwrap()],
        1,
        B256::ZERO,
        crate::bzz::unix_now(),
        None,
    )
    .unwrap();
    // Overlay zero keeps the tests' proximity arithmetic plain; the address is never
    // verified here.
    local_address.overlay = B256::ZERO;
    Arc::new(Node::new(NodeParts {
        config: NetConfig::default(),
        signer,
        peer_id: libp2p::identity::Keypair::generate_ed25519()
            .public()
            .to_peer_id(),
        local_address,
        listen_addrs: Vec::new(),
        store,
        validator,
        accounting: Arc::new(NoAccounting),
        commands,
    }))
}

/// What Bee's `crypto.Signer.Sign` signs for arbitrary data, written out (audit H-5):
/// `keccak256("\x19Ethereum Signed Message:\n" ‖ decimal(len) ‖ data)`.
pub(crate) fn eip191(data: &[u8]) -> [u8; 32] {
    let mut prefixed = format!("\x19Ethereum Signed Message:\n{}", data.len()).into_bytes();
    prefixed.extend_from_slice(data);
    comb_primitives::keccak256(&prefixed)
}

/// Appends `value` as a protobuf varint.
pub(crate) fn varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Writes one `uvarint(len) ‖ message` frame, as Bee's delimited writer does.
pub(crate) async fn write_frame(stream: &mut tokio::io::DuplexStream, message: &[u8]) {
    use tokio::io::AsyncWriteExt;
    let mut frame = Vec::new();
    varint(message.len() as u64, &mut frame);
    frame.extend_from_slice(message);
    stream.write_all(&frame).await.unwrap();
}

/// Reads one `uvarint(len) ‖ message` frame.
pub(crate) async fn read_frame(stream: &mut tokio::io::DuplexStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut len = 0u64;
    let mut shift = 0;
    loop {
        let byte = stream.read_u8().await.unwrap();
        len |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            break;
        }
        shift += 7;
    }
    let mut message = vec![0u8; usize::try_from(len).unwrap()];
    stream.read_exact(&mut message).await.unwrap();
    message
}

/// Bee's `FullClose` from the test's end: our FIN, then the peer's end with nothing before
/// it.
pub(crate) async fn bee_full_close(stream: &mut tokio::io::DuplexStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty(), "data where the end was expected: {rest:?}");
}

/// A content chunk made from `label` and `n`, with a stamp of a test batch at position `n`.
pub(crate) fn stamped_chunk(label: &str, n: u64) -> (comb_primitives::Chunk, comb_postage::Stamp) {
    let chunk = comb_primitives::Chunk::content(format!("{label} {n}").as_bytes()).unwrap();
    let stamp = comb_postage::Stamp::sign(
        &Signer::from_bytes(&[9u8; 32]).unwrap(),
        chunk.address(),
        B256::repeat_byte(0xbb),
        comb_postage::StampIndex {
            bucket: 0,
            position: u32::try_from(n).unwrap(),
        },
        1,
    )
    .unwrap();
    (chunk, stamp)
}

/// A length-delimited protobuf field (wire type 2), written by hand.
pub(crate) fn bytes_field(field: u64, value: &[u8], out: &mut Vec<u8>) {
    varint(field << 3 | 2, out);
    varint(value.len() as u64, out);
    out.extend_from_slice(value);
}

/// A varint protobuf field (wire type 0), written by hand.
pub(crate) fn varint_field(field: u64, value: u64, out: &mut Vec<u8>) {
    varint(field << 3, out);
    varint(value, out);
}

/// A protobuf field as read back by hand: a varint or bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    Varint(u64),
    Bytes(Vec<u8>),
}

fn read_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = bytes[*at];
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return value;
        }
        shift += 7;
    }
}

/// Parses a protobuf message into (field number, value) by hand.
pub(crate) fn fields(bytes: &[u8]) -> Vec<(u64, Field)> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < bytes.len() {
        let key = read_varint(bytes, &mut at);
        let value = match key & 7 {
            0 => Field::Varint(read_varint(bytes, &mut at)),
            2 => {
                let len = read_varint(bytes, &mut at) as usize;
                at += len;
                Field::Bytes(bytes[at - len..at].to_vec())
            }
            other => panic!("unexpected wire type {other}"),
        };
        out.push((key >> 3, value));
    }
    out
}
