//! The chain follower against a real chain service: batches appear in the batch store, an
//! expired batch's chunks are purged from the reserve, and over capacity the cheapest batch's
//! chunks go first (spec §2.6, §7).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use comb_chain::{Call, Outcome};
use comb_chain_rpc::dev::{dev_genesis, dev_key};
use comb_chain_rpc::{ChainClient, ChainService, Genesis, ServiceConfig};
use comb_node::follower::Follower;
use comb_postage::Stamp;
use comb_primitives::soc::ChunkType;
use comb_primitives::{Chunk, Signer, B256, U256};
use comb_store::{Store, StoreConfig};

async fn buy(client: &ChainClient, signer: &Signer, per_chunk: u64, nonce: u8) -> B256 {
    let receipt = client
        .send(
            signer,
            Call::CreateBatch {
                owner: signer.address(),
                initial_balance_per_chunk: U256::from(per_chunk),
                depth: 17,
                bucket_depth: 16,
                nonce: B256::repeat_byte(nonce),
                immutable: false,
            },
        )
        .await
        .unwrap();
    match receipt.outcome {
        Outcome::BatchId(id) => id,
        other => panic!("{other:?}"),
    }
}

fn stamped(signer: &Signer, batch: B256, n: u32) -> (Chunk, Stamp, ChunkType) {
    let chunk = Chunk::content(format!("chunk {n} of batch {batch}").as_bytes()).unwrap();
    let index = comb_postage::StampIndex {
        bucket: comb_postage::bucket_of(chunk.address(), 16),
        position: 0,
    };
    let stamp = Stamp::sign(signer, chunk.address(), batch, index, 1).unwrap();
    (chunk, stamp, ChunkType::Content)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_purges_expired_batches_and_evicts_the_cheapest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut genesis = dev_genesis().unwrap();
    // Batches need only 10 blocks of balance, so they can expire within the test.
    genesis.postage.minimum_validity_blocks = 10;
    let chain = ChainService::start(ServiceConfig {
        data_dir: dir.path().join("chain"),
        genesis: Genesis::OrCreate(genesis),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        block_time: Duration::from_millis(20),
    })
    .await
    .unwrap();
    let client = Arc::new(ChainClient::new(chain.url()).unwrap());
    let signer = Signer::from_bytes(&dev_key(0)).unwrap();

    let store = Store::open(
        &dir.path().join("store.redb"),
        &StoreConfig {
            overlay: B256::ZERO,
            reserve_capacity: 30,
            cache_capacity: 10,
        },
    )
    .unwrap();
    let follower = Follower::new(
        Arc::clone(&client),
        store.batches.clone(),
        store.reserve.clone(),
    );
    follower.initialise().await.unwrap();

    // Short-lived (10 blocks), cheap (200 blocks) and dear (2000 blocks) batches.
    let short = buy(&client, &signer, 24_000 * 10, 1).await;
    let cheap = buy(&client, &signer, 24_000 * 200, 2).await;
    let dear = buy(&client, &signer, 24_000 * 2_000, 3).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while [short, cheap, dear]
        .iter()
        .any(|id| store.batches.get(id).unwrap().is_none())
    {
        follower.step().await.unwrap();
        assert!(
            Instant::now() < deadline,
            "the follower never saw the batches"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let items = |batch: B256, from: u32| -> Vec<_> {
        (from..from + 10)
            .map(|n| stamped(&signer, batch, n))
            .collect()
    };
    for batch in [short, cheap, dear] {
        for result in store.reserve.put_many(&items(batch, 0)).unwrap() {
            result.unwrap();
        }
    }
    assert_eq!(store.reserve.size().unwrap(), 30);

    // The short batch expires: its chunks are purged, the others stay.
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.batches.get(&short).unwrap().is_some() {
        follower.step().await.unwrap();
        assert!(Instant::now() < deadline, "the short batch never expired");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(store.reserve.size().unwrap(), 20);
    for (chunk, stamp, _) in items(short, 0) {
        assert!(store
            .reserve
            .stamp_of(chunk.address(), &stamp.batch_id)
            .unwrap()
            .is_none());
    }

    // Over capacity (40 > 30): the cheap batch's chunks go before the dear one's.
    for batch in [cheap, dear] {
        for result in store.reserve.put_many(&items(batch, 100)).unwrap() {
            result.unwrap();
        }
    }
    assert_eq!(store.reserve.size().unwrap(), 40);
    follower.step().await.unwrap();
    assert_eq!(store.reserve.size().unwrap(), 30);
    // Bee's unreserve (spec §7): each pass walks the batches cheapest first, evicting their
    // chunks in bins below the radius, and raises the radius until enough is gone. So the
    // cheap batch keeps nothing below the final radius, and the dear batch lost only chunks
    // below it, and no more than the cheap one.
    let radius = store.reserve.storage_radius().unwrap();
    assert!(radius >= 1);
    let lost = |batch: B256| -> Vec<u8> {
        items(batch, 0)
            .into_iter()
            .chain(items(batch, 100))
            .filter(|(chunk, _, _)| {
                store
                    .reserve
                    .stamp_of(chunk.address(), &batch)
                    .unwrap()
                    .is_none()
            })
            .map(|(chunk, _, _)| store.reserve.bin_of(chunk.address()))
            .collect()
    };
    let kept_below = |batch: B256| {
        items(batch, 0)
            .into_iter()
            .chain(items(batch, 100))
            .filter(|(chunk, _, _)| {
                store
                    .reserve
                    .stamp_of(chunk.address(), &batch)
                    .unwrap()
                    .is_some()
            })
            .filter(|(chunk, _, _)| store.reserve.bin_of(chunk.address()) < radius)
            .count()
    };
    assert_eq!(
        kept_below(cheap),
        0,
        "the cheap batch kept chunks below the radius"
    );
    assert!(
        lost(dear).iter().all(|bin| *bin < radius),
        "the dear batch lost a chunk at or above the radius"
    );
    assert!(lost(dear).len() <= lost(cheap).len());
    assert_eq!(lost(dear).len() + lost(cheap).len(), 10);
    chain.shutdown().await.unwrap();
}
