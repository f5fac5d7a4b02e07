//! Every message comb sends or receives, byte for byte as Bee's `.proto` files define it
//! (audit §2, rows M-1..M-23; the handshake, status and pingpong messages are tested with
//! their protocols in the crate). Each test writes Bee's encoding by hand — field number,
//! wire type, value — decodes it with comb's message type, and checks that comb's encoding
//! of the same values is exactly those bytes (proto3, fields in tag order, repeated scalars
//! packed: what Bee's gogo-protobuf writes).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use comb_net::wire::pb;
use prost::Message;

fn varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A length-delimited field (wire type 2).
fn bytes(field: u64, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3 | 2, &mut out);
    varint(value.len() as u64, &mut out);
    out.extend_from_slice(value);
    out
}

/// A varint field (wire type 0).
fn number(field: u64, value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3, &mut out);
    varint(value, &mut out);
    out
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// Bee's bytes decode to `expected`, and comb encodes `expected` as Bee's bytes.
fn both_ways<M: Message + Default + PartialEq + std::fmt::Debug>(bee: &[u8], expected: &M) {
    assert_eq!(&M::decode(bee).unwrap(), expected, "decoding Bee's bytes");
    assert_eq!(expected.encode_to_vec(), bee, "comb's encoding");
}

#[test]
fn headers_m1_m2() {
    // Headers{repeated Header headers = 1}, Header{string key = 1; bytes value = 2}.
    let header = cat(&[bytes(1, b"exchange"), bytes(2, &[0x01, 0x86, 0xa0])]);
    let bee = bytes(1, &header);
    both_ways(
        &bee,
        &pb::Headers {
            headers: vec![pb::Header {
                key: "exchange".into(),
                value: vec![0x01, 0x86, 0xa0],
            }],
        },
    );
    both_ways(&[], &pb::Headers::default());
}

#[test]
fn hive_peers_m7_m8() {
    // Peers{repeated BzzAddress peers = 1}; BzzAddress{Underlay = 1, Signature = 2,
    // Overlay = 3, Nonce = 4, int64 Timestamp = 5, ChequebookAddress = 6}.
    let address = cat(&[
        bytes(1, &[0x04, 127, 0, 0, 1]),
        bytes(2, &[0xaa; 65]),
        bytes(3, &[0xbb; 32]),
        bytes(4, &[0xcc; 32]),
        number(5, 1_700_000_000),
        bytes(6, &[0u8; 20]),
    ]);
    let bee = bytes(1, &address);
    both_ways(
        &bee,
        &pb::Peers {
            peers: vec![pb::BzzAddress {
                underlay: vec![0x04, 127, 0, 0, 1],
                signature: vec![0xaa; 65],
                overlay: vec![0xbb; 32],
                nonce: vec![0xcc; 32],
                timestamp: 1_700_000_000,
                chequebook_address: vec![0u8; 20],
            }],
        },
    );
}

#[test]
fn pushsync_delivery_and_receipt_m9_m10() {
    // Delivery{bytes Address = 1; bytes Data = 2; bytes Stamp = 3}.
    let bee = cat(&[
        bytes(1, &[1; 32]),
        bytes(2, &[2; 4104]),
        bytes(3, &[3; 113]),
    ]);
    both_ways(
        &bee,
        &pb::PushDelivery {
            address: vec![1; 32],
            data: vec![2; 4104],
            stamp: vec![3; 113],
        },
    );
    // Receipt{bytes Address = 1; bytes Signature = 2; bytes Nonce = 3; string Err = 4;
    // uint32 StorageRadius = 5}.
    let bee = cat(&[
        bytes(1, &[1; 32]),
        bytes(2, &[4; 65]),
        bytes(3, &[5; 32]),
        number(5, 11),
    ]);
    both_ways(
        &bee,
        &pb::Receipt {
            address: vec![1; 32],
            signature: vec![4; 65],
            nonce: vec![5; 32],
            err: String::new(),
            storage_radius: 11,
        },
    );
    let bee = bytes(4, b"no storer");
    both_ways(
        &bee,
        &pb::Receipt {
            err: "no storer".into(),
            ..pb::Receipt::default()
        },
    );
}

#[test]
fn retrieval_request_m11() {
    // Request{bytes Addr = 1}.
    both_ways(&bytes(1, &[9; 32]), &pb::Request { addr: vec![9; 32] });
}

#[test]
fn pullsync_messages_m13_to_m19() {
    // Syn{}: empty.
    both_ways(&[], &pb::PullSyn {});
    // Ack{repeated uint64 Cursors = 1 (packed); uint64 Epoch = 2}.
    let mut packed = Vec::new();
    for cursor in [0u64, 5, 300] {
        varint(cursor, &mut packed);
    }
    let bee = cat(&[bytes(1, &packed), number(2, 77)]);
    both_ways(
        &bee,
        &pb::PullAck {
            cursors: vec![0, 5, 300],
            epoch: 77,
        },
    );
    // Bee also accepts, and comb decodes, the unpacked form.
    let unpacked = cat(&[number(1, 0), number(1, 5), number(1, 300), number(2, 77)]);
    assert_eq!(
        pb::PullAck::decode(unpacked.as_slice()).unwrap().cursors,
        vec![0, 5, 300]
    );
    // Get{int32 Bin = 1; uint64 Start = 2}.
    both_ways(
        &cat(&[number(1, 3), number(2, 1000)]),
        &pb::Get {
            bin: 3,
            start: 1000,
        },
    );
    // Offer{uint64 Topmost = 1; repeated Chunk Chunks = 2}, Chunk{Address = 1,
    // BatchID = 2, StampHash = 3}.
    let chunk = cat(&[bytes(1, &[1; 32]), bytes(2, &[2; 32]), bytes(3, &[3; 32])]);
    let bee = cat(&[number(1, 42), bytes(2, &chunk)]);
    both_ways(
        &bee,
        &pb::Offer {
            topmost: 42,
            chunks: vec![pb::OfferedChunk {
                address: vec![1; 32],
                batch_id: vec![2; 32],
                stamp_hash: vec![3; 32],
            }],
        },
    );
    // Want{bytes BitVector = 1}.
    both_ways(
        &bytes(1, &[0b0000_0101]),
        &pb::Want {
            bit_vector: vec![0b0000_0101],
        },
    );
    // Delivery{bytes Address = 1; bytes Data = 2; bytes Stamp = 3}.
    let bee = cat(&[bytes(1, &[1; 32]), bytes(2, &[7; 100]), bytes(3, &[8; 113])]);
    both_ways(
        &bee,
        &pb::PullDelivery {
            address: vec![1; 32],
            data: vec![7; 100],
            stamp: vec![8; 113],
        },
    );
}

#[test]
fn settlement_messages_m20_to_m23() {
    // pricing AnnouncePaymentThreshold{bytes PaymentThreshold = 1}: big-endian, 13.5 M.
    let threshold = 13_500_000u64.to_be_bytes();
    let trimmed: Vec<u8> = threshold.iter().copied().skip_while(|b| *b == 0).collect();
    both_ways(
        &bytes(1, &trimmed),
        &pb::AnnouncePaymentThreshold {
            payment_threshold: trimmed.clone(),
        },
    );
    // pseudosettle Payment{bytes Amount = 1}, PaymentAck{bytes Amount = 1; int64
    // Timestamp = 2}.
    both_ways(
        &bytes(1, &[0x44, 0xaa, 0x20]),
        &pb::Payment {
            amount: vec![0x44, 0xaa, 0x20],
        },
    );
    both_ways(
        &cat(&[bytes(1, &[0x44, 0xaa, 0x20]), number(2, 1_700_000_123)]),
        &pb::PaymentAck {
            amount: vec![0x44, 0xaa, 0x20],
            timestamp: 1_700_000_123,
        },
    );
    // swap EmitCheque{bytes Cheque = 1}: the cheque's JSON.
    let json = br#"{"Chequebook":"0x0000000000000000000000000000000000000001"}"#;
    both_ways(
        &bytes(1, json),
        &pb::EmitCheque {
            cheque: json.to_vec(),
        },
    );
}
