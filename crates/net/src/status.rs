//! Status (`/swarm/status/1.1.3/status`, Bee `pkg/status`, audit S-1 and M-25): the opener
//! sends `Get{}`, the handler answers one [`Snapshot`](pb::Snapshot) of itself and both end
//! the stream with Bee's full close. Bee's salud asks every connected peer for one and
//! routes pushes and retrievals to healthy peers first, so a node without this protocol is
//! "unhealthy" to Bee for good.
//!
//! What comb reports, each computed when asked: the reserve's size, in all and within the
//! storage radius, and the radius ([`LocalStore::status`](crate::LocalStore::status)); the
//! committed depth (the radius: comb does not double its reserve); the batch commitment
//! (the sum of `2^depth` over the batch store) and the batch store's last processed block;
//! the connected full-node peers and those at proximity `≥` the radius (Bee counts the same
//! from kademlia); the mode (`"full"` or `"light"`); the pullsync rate (chunks per second
//! the last pullsync round stored). `IsReachable` is `false`: comb has no reachability
//! check (no AutoNAT, audit L-11), and it does not claim what it has not checked.
//! `Metrics` is empty.

use comb_primitives::B256;
use futures::io::{AsyncRead, AsyncWrite};

use crate::peers::PeerManager;
use crate::protocols::STATUS;
use crate::storage::LocalStore;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// This node's snapshot, as the handler sends it: from the store, the peers, the last
/// pullsync rate and the node's mode.
pub(crate) fn local_snapshot(
    store: &dyn LocalStore,
    peers: &PeerManager,
    pullsync_rate: f64,
    full_node: bool,
) -> pb::Snapshot {
    let store = store.status();
    let (connected, neighbourhood) = {
        let state = peers.state();
        (
            state.topology.peers().len() as u64,
            state.topology.neighbours(store.storage_radius).len() as u64,
        )
    };
    pb::Snapshot {
        reserve_size: store.reserve_size,
        pullsync_rate,
        storage_radius: u32::from(store.storage_radius),
        connected_peers: connected,
        neighborhood_size: neighbourhood,
        bee_mode: if full_node { "full" } else { "light" }.to_string(),
        batch_commitment: store.batch_commitment,
        is_reachable: false,
        reserve_size_within_radius: store.reserve_size_within_radius,
        last_synced_block: store.last_synced_block,
        committed_depth: u32::from(store.committed_depth),
        metrics: Default::default(),
    }
}

/// Serves one `Get` with the snapshot `snapshot` makes when it arrives (Bee's handler also
/// takes a stream that ends before the `Get`).
pub(crate) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: MessageStream<S>,
    snapshot: impl FnOnce() -> pb::Snapshot,
) -> Result<(), NetError> {
    match stream.recv::<pb::StatusGet>().await {
        Ok(_) => {}
        Err(NetError::Io(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(error) => return Err(error),
    }
    stream.send(&snapshot()).await?;
    let _ = stream.full_close().await;
    Ok(())
}

/// Asks the connected peer `overlay` for its snapshot.
pub(crate) async fn peer_snapshot(
    peers: &PeerManager,
    overlay: &B256,
) -> Result<pb::Snapshot, NetError> {
    let mut stream = peers.open(overlay, STATUS).await?;
    ask(&mut stream).await
}

/// The opener's side over any stream: `Get{}`, the `Snapshot`, then the full close.
pub(crate) async fn ask<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
) -> Result<pb::Snapshot, NetError> {
    stream.send(&pb::StatusGet {}).await?;
    let snapshot: pb::Snapshot = stream.recv().await?;
    let _ = stream.full_close().await;
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    //! Bee's side by hand over an in-memory duplex: Bee's `Get{}` is the empty message (a
    //! frame of length 0); Bee's `Snapshot` is encoded from `status.proto` field by field.
    use super::*;
    use crate::storage::LocalStore;
    use crate::test_support::node;
    use crate::MemoryStore;
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_util::compat::TokioAsyncReadCompatExt;

    fn put_chunks(store: &MemoryStore, n: u64) {
        for i in 0..n {
            let (chunk, stamp) = crate::test_support::stamped_chunk("status chunk", i);
            store.put(chunk, stamp).unwrap();
        }
    }

    #[tokio::test]
    async fn bee_asks_and_reads_each_field_where_status_proto_puts_it() {
        let store = Arc::new(MemoryStore::new(B256::ZERO));
        put_chunks(&store, 3);
        let node = node(Arc::clone(&store));
        let (server, mut bee) = tokio::io::duplex(64 * 1024);
        let served = {
            let node = Arc::clone(&node);
            tokio::spawn(async move {
                serve(
                    MessageStream::new(server.compat(), Duration::from_secs(5)),
                    || node.snapshot(),
                )
                .await
            })
        };
        // Bee's Get{}: an empty message, framed.
        bee.write_all(&[0x00]).await.unwrap();
        let len = bee.read_u8().await.unwrap();
        let mut snapshot = vec![0u8; usize::from(len)];
        bee.read_exact(&mut snapshot).await.unwrap();
        // Field 1 ReserveSize = 3 (varint); field 2 PullsyncRate is a double (wire type 1,
        // 0 before any round, so proto3 leaves it out); field 3 StorageRadius 0 is left out;
        // field 6 BeeMode "full"; field 8 IsReachable false is left out.
        let mut expected = vec![0x08, 3];
        expected.extend_from_slice(&[0x32, 4]);
        expected.extend_from_slice(b"full");
        // Field 9 ReserveSizeWithinRadius = 3 (radius 0: everything).
        expected.extend_from_slice(&[0x48, 3]);
        assert_eq!(snapshot, expected);
        // Bee's FullClose; comb ends its side too.
        crate::test_support::bee_full_close(&mut bee).await;
        served.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_snapshot_from_bee_decodes_field_by_field() {
        let (client, mut bee) = tokio::io::duplex(64 * 1024);
        let asked = tokio::spawn(async move {
            let mut stream = MessageStream::new(client.compat(), Duration::from_secs(5));
            ask(&mut stream).await
        });
        // comb's Get{}.
        assert_eq!(bee.read_u8().await.unwrap(), 0);
        let mut message = vec![0x08, 0xe8, 0x07]; // ReserveSize 1000
        message.push(0x11); // PullsyncRate: field 2, wire type 1 (fixed64 double)
        message.extend_from_slice(&2.5f64.to_le_bytes());
        message.extend_from_slice(&[0x18, 8]); // StorageRadius 8
        message.extend_from_slice(&[0x20, 40]); // ConnectedPeers 40
        message.extend_from_slice(&[0x28, 6]); // NeighborhoodSize 6
        message.extend_from_slice(&[0x32, 4]);
        message.extend_from_slice(b"full"); // BeeMode
        message.extend_from_slice(&[0x38, 0x80, 0x80, 0x04]); // BatchCommitment 65536
        message.extend_from_slice(&[0x40, 1]); // IsReachable
        message.extend_from_slice(&[0x48, 0xe7, 0x07]); // ReserveSizeWithinRadius 999
        message.extend_from_slice(&[0x50, 0x64]); // LastSyncedBlock 100
        message.extend_from_slice(&[0x58, 9]); // CommittedDepth 9
                                               // Metrics: map entry {key = 1: "k", value = 2: "v"} as field 12.
        message.extend_from_slice(&[0x62, 6, 0x0a, 1, b'k', 0x12, 1, b'v']);
        let mut frame = vec![u8::try_from(message.len()).unwrap()];
        frame.extend_from_slice(&message);
        bee.write_all(&frame).await.unwrap();
        bee.shutdown().await.unwrap();
        let snapshot = asked.await.unwrap().unwrap();
        assert_eq!(snapshot.reserve_size, 1000);
        assert_eq!(snapshot.pullsync_rate, 2.5);
        assert_eq!(snapshot.storage_radius, 8);
        assert_eq!(snapshot.connected_peers, 40);
        assert_eq!(snapshot.neighborhood_size, 6);
        assert_eq!(snapshot.bee_mode, "full");
        assert_eq!(snapshot.batch_commitment, 65536);
        assert!(snapshot.is_reachable);
        assert_eq!(snapshot.reserve_size_within_radius, 999);
        assert_eq!(snapshot.last_synced_block, 100);
        assert_eq!(snapshot.committed_depth, 9);
        assert_eq!(snapshot.metrics.get("k").map(String::as_str), Some("v"));
    }
}
