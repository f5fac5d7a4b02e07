//! Integration tests: real comb nodes over loopback TCP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use comb_net::topology::distance_cmp;
use comb_net::wire::{frame, pb};
use comb_net::{protocols, LocalStore, NetConfig, NetError};
use comb_net::{MemoryStore, Network};
use comb_primitives::overlay::overlay_address;
use comb_primitives::proximity::proximity;
use comb_primitives::{Chunk, Signer, B256};
use std::sync::Arc;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_connects_two_nodes_and_they_learn_each_others_overlay() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;

    let info = b.net.connect(a.addr()).await.expect("handshake succeeds");
    assert_eq!(info.overlay, a.overlay());
    assert_eq!(info.eth_address, a.signer.address());
    assert_eq!(info.peer_id, a.net.peer_id());
    assert_eq!(info.bin, proximity(&a.overlay().0, &b.overlay().0));

    wait_until(LIMIT, "a sees b", || a.has_peer(&b.overlay())).await;
    let seen = a.net.peer(&b.overlay()).unwrap();
    assert_eq!(seen.eth_address, b.signer.address());
    assert!(seen.full_node);
    assert_eq!(a.net.topology().connected, 1);
    // Connecting again returns the known peer.
    assert_eq!(b.net.connect(a.addr()).await.unwrap().overlay, a.overlay());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_network_id_is_refused() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let other = NetConfig {
        network_id: NETWORK_ID + 1,
        ..config()
    };
    let b = start(other, &postage, None).await;

    let result = b.net.connect(a.addr()).await;
    assert!(
        matches!(
            result,
            Err(NetError::NetworkIdMismatch {
                ours: 11,
                theirs: 10
            })
        ),
        "{result:?}"
    );
    assert!(b.net.peers().is_empty());
    assert!(a.net.peers().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hive_introduces_peers_through_a_bootnode() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;
    b.net.connect(a.addr()).await.unwrap();

    let c = start(
        NetConfig {
            bootnodes: vec![a.addr()],
            ..config()
        },
        &postage,
        None,
    )
    .await;
    wait_until(LIMIT, "c connects to b through a", || {
        c.has_peer(&a.overlay()) && c.has_peer(&b.overlay())
    })
    .await;
    wait_until(LIMIT, "b sees c", || b.has_peer(&c.overlay())).await;
    assert_eq!(c.net.topology().population, 2);
}

/// Five nodes meshed by hive; returns them once everyone sees everyone.
async fn mesh(postage: &Postage, count: usize, template: NetConfig) -> Vec<TestNode> {
    let first = start(template.clone(), postage, None).await;
    let mut nodes = vec![first];
    for _ in 1..count {
        let config = NetConfig {
            bootnodes: vec![nodes[0].addr()],
            ..template.clone()
        };
        nodes.push(start(config, postage, None).await);
    }
    wait_until(LIMIT, "full mesh", || {
        nodes.iter().all(|n| n.net.peers().len() == count - 1)
    })
    .await;
    nodes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushsync_stores_at_the_closest_node_and_returns_a_valid_receipt() {
    let postage = Postage::new();
    let nodes = mesh(&postage, 5, config()).await;

    for round in 0..3 {
        let chunk = Chunk::content(format!("pushed chunk {round}").as_bytes()).unwrap();
        let address = *chunk.address();
        let closest = (0..nodes.len())
            .min_by(|i, j| distance_cmp(&nodes[*i].overlay(), &nodes[*j].overlay(), &address))
            .unwrap();
        let origin = (closest + 1) % nodes.len();
        let stamp = postage.stamp(&chunk);

        let receipt = nodes[origin]
            .net
            .push(chunk.clone(), stamp)
            .await
            .expect("push");
        assert_eq!(receipt.address, address);
        assert_eq!(receipt.storer, nodes[closest].overlay());
        assert_eq!(receipt.storer_eth, nodes[closest].signer.address());
        let (stored, stored_stamp) = nodes[closest].store.get(&address).expect("stored");
        assert_eq!(stored, chunk);
        assert_eq!(stored_stamp, stamp);
        assert!(
            !nodes[origin].store.has(&address),
            "the origin does not store"
        );
    }
}

/// A chain a — b — c (hive dialling off) with overlays chosen so that a chunk near c must
/// travel a → b → c: b's deeper peer a puts b's depth above the chunk's proximity to b
/// (Bee's depth rule with a low watermark and saturation of 1: bin 1, b's shallowest empty
/// bin).
async fn chain(postage: &Postage) -> (TestNode, TestNode, TestNode) {
    let template = NetConfig {
        hive_connect: false,
        saturation: 1,
        saturation_peers: 1,
        ..config()
    };
    let a = start(template.clone(), postage, Some((0b1101_0000, 4))).await;
    let b = start(template.clone(), postage, Some((0b1100_0000, 4))).await;
    let c = start(template, postage, Some((0b0000_0000, 4))).await;
    b.net.connect(a.addr()).await.unwrap();
    b.net.connect(c.addr()).await.unwrap();
    wait_until(LIMIT, "chain is up", || {
        a.net.peers().len() == 1 && b.net.peers().len() == 2 && c.net.peers().len() == 1
    })
    .await;
    (a, b, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushsync_forwards_over_several_hops() {
    let postage = Postage::new();
    let (a, b, c) = chain(&postage).await;
    assert_eq!(b.net.depth(), 1);
    let chunk = chunk_near(&c.overlay(), 8, "multi-hop push");
    let stamp = postage.stamp(&chunk);

    let receipt = a.net.push(chunk.clone(), stamp).await.expect("push");
    assert_eq!(receipt.storer, c.overlay());
    assert!(c.store.in_reserve(chunk.address()));
    assert!(!b.store.has(chunk.address()), "b forwards without storing");
    assert!(!a.store.has(chunk.address()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrieval_fetches_over_several_hops_byte_identical() {
    let postage = Postage::new();
    let (a, b, c) = chain(&postage).await;
    let chunk = chunk_near(&c.overlay(), 8, "multi-hop retrieval");
    let stamp = postage.stamp(&chunk);
    c.store.put(chunk.clone(), stamp).unwrap();

    let (got, got_stamp) = a.net.retrieve(*chunk.address()).await.expect("retrieve");
    assert_eq!(got.address(), chunk.address());
    assert_eq!(got.data(), chunk.data());
    assert_eq!(got_stamp, Some(stamp));
    assert!(b.store.has(chunk.address()), "the forwarder caches");
    assert!(!b.store.in_reserve(chunk.address()));

    let missing = Chunk::content(b"nobody has this").unwrap();
    let result = a.net.retrieve(*missing.address()).await;
    assert!(matches!(result, Err(NetError::NotFound)), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_chunks_and_stamps_are_refused_and_not_stored() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;
    b.net.connect(a.addr()).await.unwrap();
    wait_until(LIMIT, "a sees b", || a.has_peer(&b.overlay())).await;

    // A stamp from a batch nobody knows.
    let chunk = Chunk::content(b"stamped by a stranger").unwrap();
    let stranger = Postage::new();
    let foreign = comb_postage::Stamp::sign(
        &stranger.owner,
        chunk.address(),
        B256::repeat_byte(0x77),
        postage.stamp(&chunk).index,
        1,
    )
    .unwrap();
    let result = a.net.push(chunk.clone(), foreign).await;
    assert!(matches!(result, Err(NetError::Remote(_))), "{result:?}");
    assert!(b.store.is_empty());

    // A chunk whose data does not hash to its address: the origin refuses it...
    let forged = Chunk::new_unchecked(B256::repeat_byte(1), chunk.data().to_vec());
    let result = a.net.push(forged.clone(), postage.stamp(&chunk)).await;
    assert!(
        matches!(result, Err(NetError::InvalidChunk(_))),
        "{result:?}"
    );
    // ...and so does a peer that receives it anyway.
    let delivery = pb::PushDelivery {
        address: forged.address().to_vec(),
        data: forged.data().to_vec(),
        stamp: postage.stamp(&chunk).to_bytes().to_vec(),
    };
    let reply = a
        .net
        .raw_exchange(&b.overlay(), protocols::PUSHSYNC, true, &frame(&delivery))
        .await
        .unwrap();
    let receipt =
        <pb::Receipt as prost::Message>::decode_length_delimited(reply.as_slice()).unwrap();
    assert!(receipt.err.contains("invalid chunk"), "{}", receipt.err);
    assert!(receipt.signature.is_empty());
    assert!(b.store.is_empty());
    wait_until(LIMIT, "b counts it against a", || {
        b.net.peer(&a.overlay()).is_some_and(|p| p.penalties >= 1)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pullsync_converges_a_neighbourhood() {
    let postage = Postage::new();
    let template = NetConfig {
        pullsync_interval: Some(Duration::from_millis(100)),
        ..config()
    };
    let a = start(template.clone(), &postage, None).await;
    let b = start(template, &postage, None).await;
    let mut chunks = Vec::new();
    for i in 0..40 {
        let chunk = Chunk::content(format!("reserve chunk {i}").as_bytes()).unwrap();
        a.store.put(chunk.clone(), postage.stamp(&chunk)).unwrap();
        chunks.push(chunk);
    }
    b.net.connect(a.addr()).await.unwrap();
    wait_until(LIMIT, "b pulls a's reserve", || {
        b.store.len() == chunks.len()
    })
    .await;
    for chunk in &chunks {
        let (got, stamp) = b.store.get(chunk.address()).unwrap();
        assert_eq!(&got, chunk);
        assert_eq!(stamp, postage.stamp(chunk));
    }

    // And the other way, for chunks that arrive later.
    for i in 0..5 {
        let chunk = Chunk::content(format!("late chunk {i}").as_bytes()).unwrap();
        b.store.put(chunk.clone(), postage.stamp(&chunk)).unwrap();
    }
    wait_until(LIMIT, "a pulls b's new chunks", || {
        a.store.len() == chunks.len() + 5
    })
    .await;
    assert_eq!(a.net.peer(&b.overlay()).unwrap().penalties, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_do_not_crash_the_node() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;
    b.net.connect(a.addr()).await.unwrap();
    wait_until(LIMIT, "a sees b", || a.has_peer(&b.overlay())).await;

    let garbage: &[u8] = &[0x05, 0xff, 0xff, 0xff, 0xff, 0xff];
    let huge: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0x0f];
    for (protocol, headers, bytes) in [
        (protocols::PUSHSYNC, true, garbage),
        (protocols::PUSHSYNC, true, huge),
        (protocols::PUSHSYNC, false, garbage),
        (protocols::RETRIEVAL, true, garbage),
        (protocols::PULLSYNC, true, garbage),
        (protocols::HIVE, true, garbage),
    ] {
        // The peer drops the stream; whatever comes back, nothing panics.
        let _ = a
            .net
            .raw_exchange(&b.overlay(), protocol, headers, bytes)
            .await;
    }
    wait_until(LIMIT, "b counts the garbage against a", || {
        b.net.peer(&a.overlay()).is_some_and(|p| p.penalties >= 5)
    })
    .await;

    // b still works.
    let chunk = Chunk::content(b"after the garbage").unwrap();
    let receipt = a
        .net
        .push(chunk.clone(), postage.stamp(&chunk))
        .await
        .expect("push");
    assert_eq!(receipt.storer, b.overlay());
    let (got, _) = a.net.retrieve(*chunk.address()).await.expect("retrieve");
    assert_eq!(got, chunk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_keeps_misbehaving_is_disconnected() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(
        NetConfig {
            max_penalties: 3,
            ..config()
        },
        &postage,
        None,
    )
    .await;
    b.net.connect(a.addr()).await.unwrap();
    wait_until(LIMIT, "a sees b", || a.has_peer(&b.overlay())).await;
    for _ in 0..3 {
        let _ = a
            .net
            .raw_exchange(
                &b.overlay(),
                protocols::PUSHSYNC,
                true,
                &[0x03, 0xff, 0xff, 0xff],
            )
            .await;
    }
    wait_until(LIMIT, "b drops a", || !b.has_peer(&a.overlay())).await;
    wait_until(LIMIT, "a sees the disconnect", || !a.has_peer(&b.overlay())).await;
    let result = a.net.connect(b.addr()).await;
    assert!(
        result.is_err(),
        "a banned peer cannot reconnect: {result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_the_swarm_task() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;
    b.net.connect(a.addr()).await.unwrap();
    a.net.shutdown();
    tokio::time::timeout(LIMIT, a.handle)
        .await
        .unwrap()
        .unwrap();
    wait_until(LIMIT, "b notices", || b.net.peers().is_empty()).await;
    let chunk = Chunk::content(b"nobody to push to").unwrap();
    let result = b.net.push(chunk.clone(), postage.stamp(&chunk)).await;
    assert!(matches!(result, Err(NetError::NoPeer)), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn light_nodes_push_but_are_no_storage_targets() {
    let postage = Postage::new();
    let full = start(config(), &postage, None).await;
    let light = start(
        NetConfig {
            full_node: false,
            ..config()
        },
        &postage,
        None,
    )
    .await;
    let info = light.net.connect(full.addr()).await.unwrap();
    assert!(info.full_node);
    wait_until(LIMIT, "full sees light", || full.has_peer(&light.overlay())).await;
    assert!(!full.net.peer(&light.overlay()).unwrap().full_node);
    assert_eq!(
        full.net.topology().connected,
        0,
        "light peers are not in the bins"
    );

    let chunk = Chunk::content(b"from a light node").unwrap();
    let receipt = light
        .net
        .push(chunk.clone(), postage.stamp(&chunk))
        .await
        .unwrap();
    assert_eq!(receipt.storer, full.overlay());
    // The full node has nowhere to push: the light node is no target.
    let other = Chunk::content(b"from the full node").unwrap();
    let result = full.net.push(other.clone(), postage.stamp(&other)).await;
    assert!(matches!(result, Err(NetError::NoPeer)), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_owner_chunks_are_pushed_and_retrieved() {
    use comb_primitives::soc::SingleOwnerChunk;
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;
    b.net.connect(a.addr()).await.unwrap();
    wait_until(LIMIT, "a sees b", || a.has_peer(&b.overlay())).await;

    let owner = comb_primitives::Signer::random();
    let wrapped = Chunk::content(b"feed update").unwrap();
    let soc = SingleOwnerChunk::sign(&owner, B256::repeat_byte(9), wrapped)
        .unwrap()
        .to_chunk();
    let stamp = postage.stamp(&soc);
    let receipt = a.net.push(soc.clone(), stamp).await.unwrap();
    assert_eq!(receipt.storer, b.overlay());
    let (got, _) = a.net.retrieve(*soc.address()).await.unwrap();
    assert_eq!(got, soc);
}

/// Bee's libp2p identity is ECDSA P-256 (audit L-6): a node with such a key completes the
/// noise handshake and the bzz handshake in both directions and exchanges chunks both ways
/// (retrieval and pushsync) with an ed25519 node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ecdsa_p256_identity_as_bee_uses_connects_and_exchanges_chunks_both_ways() {
    let postage = Postage::new();
    let ecdsa_config = || NetConfig {
        libp2p_key: Some(
            comb_net::encode_keypair(&libp2p::identity::Keypair::generate_ecdsa()).unwrap(),
        ),
        ..config()
    };
    let bee_like = start(ecdsa_config(), &postage, None).await;
    let comb = start(config(), &postage, None).await;
    // comb dials the ECDSA node.
    let info = comb.net.connect(bee_like.addr()).await.expect("handshake");
    assert_eq!(info.overlay, bee_like.overlay());
    assert_eq!(info.peer_id, bee_like.net.peer_id());
    wait_until(LIMIT, "the ECDSA node sees comb", || {
        bee_like.has_peer(&comb.overlay())
    })
    .await;

    for (from, to) in [(&bee_like, &comb), (&comb, &bee_like)] {
        // Retrieval: `to` holds a chunk, `from` fetches it.
        let chunk = Chunk::content(format!("held by {}", to.overlay()).as_bytes()).unwrap();
        let stamp = postage.stamp(&chunk);
        to.store.put(chunk.clone(), stamp).unwrap();
        let (got, got_stamp) = from.net.retrieve(*chunk.address()).await.expect("retrieve");
        assert_eq!(got, chunk);
        assert_eq!(got_stamp, Some(stamp));
        // Pushsync: a chunk in `to`'s neighbourhood, pushed from `from`, receipted by `to`.
        let near = chunk_near(&to.overlay(), 8, &format!("pushed to {}", to.overlay()));
        let stamp = postage.stamp(&near);
        let receipt = from.net.push(near.clone(), stamp).await.expect("push");
        assert_eq!(receipt.storer, to.overlay());
        assert!(to.store.has(near.address()));
    }

    // The ECDSA node dials too.
    let other = start(config(), &postage, None).await;
    let info = bee_like.net.connect(other.addr()).await.expect("handshake");
    assert_eq!(info.overlay, other.overlay());
    wait_until(LIMIT, "the dialled node sees the ECDSA node", || {
        other.has_peer(&bee_like.overlay())
    })
    .await;
}

/// `/swarm/status/1.1.3/status` between two real nodes: the snapshot is the peer's own view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_answers_status_with_its_own_snapshot_and_pings() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;
    b.net.connect(a.addr()).await.unwrap();
    wait_until(LIMIT, "a sees b", || a.has_peer(&b.overlay())).await;
    for i in 0..2 {
        let chunk = Chunk::content(format!("b holds {i}").as_bytes()).unwrap();
        b.store.put(chunk.clone(), postage.stamp(&chunk)).unwrap();
    }
    let snapshot = a.net.peer_status(&b.overlay()).await.expect("status");
    assert_eq!(snapshot.reserve_size, 2);
    assert_eq!(snapshot.reserve_size_within_radius, 2);
    assert_eq!(snapshot.connected_peers, 1);
    assert_eq!(snapshot.neighborhood_size, 1);
    assert_eq!(snapshot.bee_mode, "full");
    assert_eq!(snapshot, b.net.local_status());
    // Pingpong over the same connection.
    let rtt = a.net.ping(&b.overlay()).await.expect("pingpong");
    assert!(rtt < Duration::from_secs(5));
}

/// An advertised (NAT) address is what the node signs as its underlay, and what its peers
/// learn of it, instead of the listen address (audit H-14, H-15).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advertised_address_is_signed_and_learnt_instead_of_the_listen_address() {
    let postage = Postage::new();
    let nat: comb_net::Multiaddr = "/ip4/203.0.113.9/tcp/1634".parse().unwrap();
    let behind_nat = start(
        NetConfig {
            advertise_addrs: vec![nat.clone()],
            ..config()
        },
        &postage,
        None,
    )
    .await;
    let expected = nat.with(libp2p::multiaddr::Protocol::P2p(behind_nat.net.peer_id()));
    assert_eq!(
        behind_nat.net.bzz_address().underlays,
        vec![expected.clone()]
    );
    let other = start(config(), &postage, None).await;
    behind_nat.net.connect(other.addr()).await.unwrap();
    wait_until(LIMIT, "the peer sees the node", || {
        other.has_peer(&behind_nat.overlay())
    })
    .await;
    let seen = other.net.peer(&behind_nat.overlay()).unwrap();
    assert_eq!(seen.underlays, vec![expected]);
}

/// One peer opens 2,000 streams at once: the node refuses what is beyond its per-peer
/// limit stream by stream (rust-yamux's 512-stream cap no longer ends the connection), stays
/// up, keeps that connection, and serves another peer meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_streams_from_one_peer_are_refused_without_harm() {
    let postage = Postage::new();
    let b = start(config(), &postage, None).await;
    let flood = start(config(), &postage, None).await;
    let c = start(config(), &postage, None).await;
    flood.net.connect(b.addr()).await.unwrap();
    c.net.connect(b.addr()).await.unwrap();
    wait_until(LIMIT, "b sees both", || {
        b.has_peer(&flood.overlay()) && b.has_peer(&c.overlay())
    })
    .await;
    // Each stream is held open after its headers: b's pushsync handler waits for a
    // delivery that does not come until its message timeout.
    let target = b.overlay();
    let opened = futures::future::join_all(
        (0..2000).map(|_| flood.net.raw_stream(&target, protocols::PUSHSYNC)),
    )
    .await;
    let held: Vec<_> = opened.into_iter().filter_map(Result::ok).collect();
    assert!(
        held.len() <= comb_net::MAX_INBOUND_PER_PEER,
        "{} streams admitted",
        held.len()
    );
    assert!(!held.is_empty());
    // b serves c meanwhile.
    let chunk = Chunk::content(b"served during the flood").unwrap();
    b.store.put(chunk.clone(), postage.stamp(&chunk)).unwrap();
    let (got, _) = c.net.retrieve(*chunk.address()).await.expect("retrieve");
    assert_eq!(got, chunk);
    // The flooding peer's connection survived.
    drop(held);
    assert!(b.has_peer(&flood.overlay()));
    assert!(flood.has_peer(&b.overlay()));
    let pushed = chunk_near(&b.overlay(), 10, "pushed after the flood");
    let receipt = flood
        .net
        .push(pushed.clone(), postage.stamp(&pushed))
        .await
        .expect("push after the flood");
    assert_eq!(receipt.storer, b.overlay());
}

/// A `/dns4` address is dialled (audit L-12): `localhost` resolves from the hosts file, so
/// nothing leaves the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_address_is_dialled() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;
    let port = a
        .addr()
        .iter()
        .find_map(|part| match part {
            libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
            _ => None,
        })
        .unwrap();
    let by_name: comb_net::Multiaddr =
        format!("/dns4/localhost/tcp/{port}/p2p/{}", a.net.peer_id())
            .parse()
            .unwrap();
    let info = b.net.connect(by_name).await.expect("dial by name");
    assert_eq!(info.overlay, a.overlay());
}

/// A hive message with an entry that does not verify (a relayed record with a broken
/// signature): the good entries are still learnt and dialled, and the sender is not blamed
/// (audit V-3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_hive_entry_is_skipped_and_the_sender_not_blamed() {
    let postage = Postage::new();
    let a = start(config(), &postage, None).await;
    let b = start(config(), &postage, None).await;
    let x = start(config(), &postage, None).await;
    a.net.connect(b.addr()).await.unwrap();
    wait_until(LIMIT, "b sees a", || b.has_peer(&a.overlay())).await;
    let good = x.net.bzz_address().to_pb();
    let mut bad = good.clone();
    bad.signature[10] ^= 0xff;
    let message = pb::Peers {
        peers: vec![bad, good],
    };
    let _ = a
        .net
        .raw_exchange(&b.overlay(), protocols::HIVE, true, &frame(&message))
        .await;
    wait_until(LIMIT, "b dials the good entry", || b.has_peer(&x.overlay())).await;
    assert_eq!(b.net.peer(&a.overlay()).unwrap().penalties, 0);
}

/// Health rounds ask peers for status snapshots and judge them (audit S-1): two comb
/// peers are healthy to each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_are_judged_healthy_from_their_status_snapshots() {
    let postage = Postage::new();
    let quick = || NetConfig {
        health_interval: Some(Duration::from_millis(50)),
        ..config()
    };
    let a = start(quick(), &postage, None).await;
    let b = start(quick(), &postage, None).await;
    b.net.connect(a.addr()).await.unwrap();
    wait_until(LIMIT, "a judges b healthy", || {
        a.net.peer(&b.overlay()).is_some_and(|p| p.healthy)
    })
    .await;
    wait_until(LIMIT, "b judges a healthy", || {
        b.net.peer(&a.overlay()).is_some_and(|p| p.healthy)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_peer_is_dialled_again_when_it_comes_back() {
    let postage = Postage::new();
    let key = comb_net::encode_keypair(&comb_net::generate_keypair()).unwrap();
    let signer = Signer::random();
    let start_a = |listen: comb_net::Multiaddr| {
        let config = NetConfig {
            listen_addrs: vec![listen],
            libp2p_key: Some(key.clone()),
            ..config()
        };
        let signer = signer.clone();
        let validator = postage.validator();
        async move {
            let overlay = overlay_address(&signer.address(), config.network_id, &config.nonce);
            let store = Arc::new(MemoryStore::new(overlay));
            Network::start(config, signer, store, validator)
                .await
                .expect("a starts")
        }
    };
    let (a, a_task) = start_a("/ip4/127.0.0.1/tcp/0".parse().unwrap()).await;
    let listen: comb_net::Multiaddr = a.listen_addrs()[0]
        .to_string()
        .split("/p2p/")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let b = start(config(), &postage, None).await;
    b.net.connect(a.listen_addrs()[0].clone()).await.unwrap();
    let overlay = a.local_overlay();
    a.shutdown();
    tokio::time::timeout(LIMIT, a_task).await.unwrap().unwrap();
    wait_until(LIMIT, "b loses a", || !b.has_peer(&overlay)).await;
    // a comes back at the same address with the same keys; b dials it without being asked.
    let (a, _a_task) = start_a(listen).await;
    assert_eq!(a.local_overlay(), overlay);
    wait_until(LIMIT, "b dials a again", || b.has_peer(&overlay)).await;
    wait_until(LIMIT, "a sees b again", || a.peer(&b.overlay()).is_some()).await;
}
