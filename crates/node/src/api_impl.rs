//! The node's services behind Bee's HTTP API ([`comb_api::NodeApi`]).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use comb_api::types::{
    Addresses, Bin, BinPeer, Bucket, Buckets, ChainState, GlobalBatch, Peer, Peers, ReserveState,
    StampBatch, Status, TagInfo, Topology, Wallet,
};
use comb_api::{
    ApiError, BodyStream, BuyBatch, ByteRange, BzzResponse, BzzUpload, FeedUpdate, FileDownload,
    NodeApi, Postage, SocDownload, UploadOptions, Uploaded,
};
use comb_chain::{Call, Outcome};
use comb_filetree::Joiner;
use comb_postage::{validate_stamp, Batch, Stamp, BUCKET_DEPTH};
use comb_primitives::{Address, Chunk, Signature, B256, U256};
use futures_util::StreamExt;

use crate::content;
use crate::node::Node;
use crate::tags::Tag;

pub(crate) fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(error.to_string())
}

pub(crate) fn chain_error(error: comb_chain_rpc::RpcError) -> ApiError {
    match error.chain_error() {
        Some(reverted) => ApiError::bad_request(format!("transaction reverted: {reverted}")),
        None => ApiError::unavailable(format!("chain: {error}")),
    }
}

/// Seconds a batch lasts at the current price, assuming 5-second blocks (Gnosis).
fn ttl(remaining: U256, price: U256) -> i64 {
    if price.is_zero() {
        return -1;
    }
    let blocks = remaining / price;
    i64::try_from(
        blocks
            .saturating_mul(U256::from(5u8))
            .min(U256::from(i64::MAX as u64)),
    )
    .unwrap_or(i64::MAX)
}

impl Node {
    /// Bee's mode name: `full` stores and forwards, `light` only uploads and downloads.
    fn mode(&self) -> &'static str {
        if self.config.full_node {
            "full"
        } else {
            "light"
        }
    }

    fn chain_state_now(&self) -> Result<comb_store::ChainState, ApiError> {
        self.store.batches.chain_state().map_err(internal)
    }

    async fn stamp_batch(&self, batch: &Batch) -> Result<StampBatch, ApiError> {
        let state = self.chain_state_now()?;
        let remaining = batch.value.saturating_sub(state.total_amount);
        let utilization = self
            .stamper(batch)?
            .lock()
            .map(|s| s.issuer().utilization())
            .unwrap_or(0);
        let label = self
            .labels
            .lock()
            .ok()
            .and_then(|labels| labels.get(&batch.id).cloned())
            .unwrap_or_default();
        Ok(StampBatch {
            batch_id: hex::encode(batch.id),
            utilization,
            usable: self.is_usable(batch).await,
            label,
            depth: batch.depth,
            // Bee's stamp issuer `Amount`: PLUR paid per chunk at creation and by top-ups,
            // unchanged by the blocks that pass (the remaining balance is `batchTTL`'s).
            amount: self
                .store
                .batches
                .paid_per_chunk(&batch.id)
                .map_err(internal)?
                .unwrap_or_default()
                .to_string(),
            bucket_depth: batch.bucket_depth,
            block_number: batch.start_block,
            immutable_flag: batch.immutable,
            batch_ttl: ttl(remaining, state.current_price),
        })
    }

    fn own_live_batches(&self) -> Result<Vec<Batch>, ApiError> {
        let owner = self.signer.address();
        let mut batches: Vec<Batch> = self
            .store
            .batches
            .live_batches()
            .map_err(internal)?
            .into_values()
            .filter(|b| b.owner == owner)
            .collect();
        batches.sort_by_key(|b| (b.start_block, b.id));
        Ok(batches)
    }

    /// Signs and sends `call` with the node's key; a revert is a 400.
    pub(crate) async fn send_call(&self, call: Call) -> Result<comb_chain::Receipt, ApiError> {
        self.chain
            .send(&self.signer, call)
            .await
            .map_err(chain_error)
    }

    /// [`Node::send_call`], answering the transaction's hash.
    pub(crate) async fn send_for_hash(&self, call: Call) -> Result<B256, ApiError> {
        Ok(self.send_call(call).await?.transaction_hash)
    }

    /// Sends a transaction and waits until the follower has seen its block, so that what it
    /// changed (a new batch, a top-up, a dilution) is in the batch store when this returns.
    async fn transact(&self, call: Call) -> Result<comb_chain::Receipt, ApiError> {
        let receipt = self.send_call(call).await?;
        self.await_block(receipt.block_number).await;
        Ok(receipt)
    }

    /// Waits until the follower has seen `block`, so that a bought batch is known locally.
    async fn await_block(&self, block: u64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while self.chain_state_now().map(|s| s.block).unwrap_or(0) < block
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl NodeApi for Node {
    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Bee's rules (`walletWithdrawHandler`): the address must be whitelisted
    /// (`withdrawal-addresses-whitelist`), the amount within the balance.
    async fn withdraw(
        &self,
        coin: comb_api::types::Coin,
        amount: U256,
        to: Address,
    ) -> Result<B256, ApiError> {
        if !self.config.withdrawal_addresses_whitelist.contains(&to) {
            return Err(ApiError::bad_request("provided address not whitelisted"));
        }
        match coin {
            comb_api::types::Coin::NativeToken => Err(ApiError::bad_request(
                "comb's chain has no native token (it charges no gas): nothing to withdraw",
            )),
            comb_api::types::Coin::Bzz => {
                let balance = self
                    .chain
                    .balance(self.signer.address())
                    .await
                    .map_err(chain_error)?;
                if amount > balance {
                    return Err(ApiError::bad_request("not enough balance"));
                }
                self.send_for_hash(Call::Transfer { to, amount }).await
            }
        }
    }

    async fn metrics(&self) -> Result<String, ApiError> {
        let gauges = self.metric_gauges().await;
        self.metrics
            .render(&gauges)
            .map_err(|e| ApiError::internal(format!("metrics: {e}")))
    }

    fn http_metrics(&self) -> Arc<comb_api::metrics::HttpMetrics> {
        self.metrics.http()
    }

    fn node_info(&self) -> comb_api::types::NodeInfo {
        let chequebook = self.swap.chequebook().is_some();
        comb_api::types::NodeInfo {
            bee_mode: self.mode().to_string(),
            chequebook_enabled: chequebook,
            swap_enabled: self.config.swap.enable && chequebook,
        }
    }

    async fn status(&self) -> Result<Status, ApiError> {
        // The snapshot peers get over the status protocol: one set of numbers.
        let mut status = status_of(self.network.local_status(), self.overlay, 256);
        status.is_warming_up = false;
        Ok(status)
    }

    async fn peer_statuses(&self) -> comb_api::types::StatusPeers {
        let peers: Vec<_> = self
            .network
            .peers()
            .into_iter()
            .filter(|p| p.full_node)
            .collect();
        let asks = peers.into_iter().map(|peer| async move {
            let asked = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                self.network.peer_status(&peer.overlay),
            )
            .await;
            match asked {
                Ok(Ok(snapshot)) => status_of(snapshot, peer.overlay, u16::from(peer.bin)),
                _ => Status {
                    request_failed: true,
                    ..status_of(Default::default(), peer.overlay, u16::from(peer.bin))
                },
            }
        });
        let mut snapshots = futures_util::future::join_all(asks).await;
        snapshots.sort_by_key(|s| s.proximity);
        comb_api::types::StatusPeers { snapshots }
    }

    fn neighborhoods(&self) -> Result<comb_api::types::Neighborhoods, ApiError> {
        // comb's reserve has no capacity doubling: the committed depth is the storage radius
        // and the node stores for one neighbourhood, its own, holding every reserve item in
        // the bins at or above the radius.
        let reserve = &self.store.reserve;
        let depth = reserve
            .storage_radius()
            .map_err(|e| ApiError::internal(format!("unable to get neighborhoods status: {e}")))?;
        let items = reserve
            .size_within_radius()
            .map_err(|e| ApiError::internal(format!("unable to get neighborhoods status: {e}")))?;
        Ok(comb_api::types::Neighborhoods {
            neighborhoods: vec![comb_api::types::NeighborhoodStatus {
                neighborhood: neighborhood_bits(&self.overlay, depth),
                reserve_size_within_radius: items,
                proximity: depth,
            }],
        })
    }

    fn loggers(&self, exp: Option<&str>) -> Result<comb_api::types::Loggers, ApiError> {
        let exp = exp.map(crate::logging::decode_exp).transpose()?;
        crate::logging::loggers(exp.as_deref())
    }

    fn set_logger_verbosity(&self, exp: &str, verbosity: &str) -> Result<(), ApiError> {
        let exp = crate::logging::decode_exp(exp)?;
        crate::logging::control()
            .ok_or_else(crate::logging::no_control)?
            .set(&exp, verbosity)
    }

    fn addresses(&self) -> Addresses {
        let public_key = self.signer.public_key_compressed();
        Addresses {
            overlay: hex::encode(self.overlay),
            underlay: self
                .network
                .listen_addrs()
                .iter()
                .map(|a| a.to_string())
                .collect(),
            ethereum: self.signer.address().to_checksum(None),
            public_key: hex::encode(public_key),
            pss_public_key: hex::encode(public_key),
        }
    }

    async fn ping(&self, overlay: B256) -> Result<std::time::Duration, ApiError> {
        if self.network.peer(&overlay).is_none() {
            return Err(ApiError::not_found(format!("peer {overlay} not connected")));
        }
        self.network
            .ping(&overlay)
            .await
            .map_err(|e| ApiError::internal(format!("pingpong to {overlay}: {e}")))
    }

    async fn connect(&self, address: String) -> Result<B256, ApiError> {
        let address: comb_net::Multiaddr = address
            .parse()
            .map_err(|e| ApiError::bad_request(format!("invalid multiaddress {address}: {e}")))?;
        self.network
            .connect(address.clone())
            .await
            .map(|peer| peer.overlay)
            .map_err(|e| ApiError::internal(format!("connect to {address}: {e}")))
    }

    fn disconnect(&self, overlay: B256) -> Result<(), ApiError> {
        self.network
            .disconnect(&overlay)
            .map_err(|_| ApiError::not_found("peer not found"))
    }

    fn blocklist(&self) -> comb_api::types::Blocklist {
        comb_api::types::Blocklist {
            peers: self
                .network
                .blocklisted()
                .into_iter()
                .map(|b| comb_api::types::BlocklistedPeer {
                    // A peer refused before its handshake has no overlay: Bee lists only
                    // overlays it knows, the zero address stands in.
                    address: hex::encode(b.overlay.unwrap_or_default()),
                    full_node: b.full_node,
                    reason: b.reason.to_string(),
                    duration: b.remaining.as_secs(),
                })
                .collect(),
        }
    }

    fn welcome_message(&self) -> String {
        self.network.welcome_message()
    }

    fn set_welcome_message(&self, message: &str) -> Result<(), ApiError> {
        self.network
            .set_welcome_message(message)
            .map_err(|e| ApiError::bad_request(e.to_string()))
    }

    fn peers(&self) -> Peers {
        Peers {
            peers: self
                .network
                .peers()
                .into_iter()
                .map(|p| Peer {
                    address: hex::encode(p.overlay),
                    full_node: p.full_node,
                })
                .collect(),
        }
    }

    fn topology(&self) -> Topology {
        let snapshot = self.network.topology();
        let mut bins = BTreeMap::new();
        for bin in &snapshot.bins {
            let connected: Vec<BinPeer> = bin
                .connected_peers
                .iter()
                .map(|o| BinPeer {
                    address: hex::encode(o),
                })
                .collect();
            bins.insert(
                format!("bin_{}", bin.po),
                Bin {
                    population: bin.population as u64,
                    connected: bin.connected as u64,
                    connected_peers: connected,
                    disconnected_peers: Vec::new(),
                },
            );
        }
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Topology {
            base_addr: hex::encode(snapshot.base),
            population: snapshot.population as u64,
            connected: snapshot.connected as u64,
            // Bee's `time.Time` in JSON: RFC 3339 (Bee adds nanoseconds; whole seconds here).
            timestamp: crate::tags::rfc3339(timestamp),
            nn_low_watermark: snapshot.saturation as u64,
            depth: snapshot.depth,
            reachability: "Public".to_string(),
            network_availability: "Available".to_string(),
            bins,
        }
    }

    async fn chain_state(&self) -> Result<ChainState, ApiError> {
        let state = self.chain_state_now()?;
        let tip = self.chain.block_number().await.map_err(chain_error)?;
        let postage = self.chain.postage().await.map_err(chain_error)?;
        Ok(ChainState {
            block: state.block,
            chain_tip: tip,
            total_amount: state.total_amount.to_string(),
            current_price: state.current_price.to_string(),
            minimum_validity_blocks: postage.minimum_validity_blocks,
        })
    }

    fn reserve_state(&self) -> ReserveState {
        let radius = self.store.reserve.storage_radius().unwrap_or(0);
        ReserveState {
            commitment: self
                .store
                .batches
                .total_chunks()
                .ok()
                .and_then(|t| u64::try_from(t).ok())
                .unwrap_or(0),
            radius: self
                .store
                .batches
                .reserve_radius(self.store.reserve.capacity())
                .unwrap_or(0),
            storage_radius: radius,
            reserve_capacity_doubling: 0,
        }
    }

    async fn wallet(&self) -> Result<Wallet, ApiError> {
        let balance = self
            .chain
            .balance(self.signer.address())
            .await
            .map_err(chain_error)?;
        Ok(Wallet {
            bzz_balance: balance.to_string(),
            // comb's chain charges no gas and has no native token (until the node is on an
            // EVM): the balance is truly 0.
            native_token_balance: "0".to_string(),
            chain_id: self.chain_id,
            // Bee's zero address when the node has no chequebook.
            chequebook_contract_address: self
                .swap
                .chequebook()
                .unwrap_or(comb_primitives::Address::ZERO)
                .to_checksum(None),
            wallet_address: self.signer.address().to_checksum(None),
        })
    }

    async fn buy_batch(&self, order: BuyBatch) -> Result<(B256, B256), ApiError> {
        if order.depth <= BUCKET_DEPTH {
            return Err(ApiError::bad_request(format!(
                "depth {} must be above the bucket depth {BUCKET_DEPTH}",
                order.depth
            )));
        }
        let receipt = self
            .transact(Call::CreateBatch {
                owner: self.signer.address(),
                initial_balance_per_chunk: order.amount,
                depth: order.depth,
                bucket_depth: BUCKET_DEPTH,
                nonce: B256::from(rand::random::<[u8; 32]>()),
                immutable: order.immutable,
            })
            .await?;
        let Outcome::BatchId(id) = receipt.outcome else {
            return Err(ApiError::internal("createBatch returned no batch id"));
        };
        if let Ok(mut labels) = self.labels.lock() {
            labels.insert(id, order.label);
        }
        Ok((id, receipt.transaction_hash))
    }

    async fn top_up(&self, id: B256, amount: U256) -> Result<B256, ApiError> {
        self.live_batch(&id)?;
        let receipt = self
            .transact(Call::TopUp {
                batch_id: id,
                topup_per_chunk: amount,
            })
            .await?;
        Ok(receipt.transaction_hash)
    }

    async fn dilute(&self, id: B256, depth: u8) -> Result<B256, ApiError> {
        self.live_batch(&id)?;
        let receipt = self
            .transact(Call::IncreaseDepth {
                batch_id: id,
                new_depth: depth,
            })
            .await?;
        Ok(receipt.transaction_hash)
    }

    async fn own_batches(&self) -> Result<Vec<StampBatch>, ApiError> {
        let mut out = Vec::new();
        for batch in self.own_live_batches()? {
            out.push(self.stamp_batch(&batch).await?);
        }
        Ok(out)
    }

    fn buckets(&self, id: B256) -> Result<Buckets, ApiError> {
        let batch = self.live_batch(&id)?;
        if batch.owner != self.signer.address() {
            return Err(ApiError::not_found("issuer does not exist"));
        }
        let stamper = self.stamper(&batch)?;
        let stamper = stamper
            .lock()
            .map_err(|_| ApiError::internal("stamper poisoned"))?;
        let issuer = stamper.issuer();
        Ok(Buckets {
            depth: stamper.batch().depth,
            bucket_depth: stamper.batch().bucket_depth,
            bucket_upper_bound: issuer.bucket_upper_bound(),
            buckets: issuer
                .buckets()
                .iter()
                .enumerate()
                .map(|(i, count)| Bucket {
                    bucket_id: i as u32,
                    collisions: *count,
                })
                .collect(),
        })
    }

    async fn all_batches(&self) -> Result<Vec<GlobalBatch>, ApiError> {
        let state = self.chain_state_now()?;
        let mut batches: Vec<Batch> = self
            .store
            .batches
            .live_batches()
            .map_err(internal)?
            .into_values()
            .collect();
        batches.sort_by_key(|b| b.id);
        Ok(batches
            .into_iter()
            .map(|b| GlobalBatch {
                batch_id: hex::encode(b.id),
                batch_ttl: ttl(
                    b.value.saturating_sub(state.total_amount),
                    state.current_price,
                ),
                bucket_depth: b.bucket_depth,
                depth: b.depth,
                immutable: b.immutable,
                owner: b.owner.to_checksum(None),
                start: b.start_block,
                value: b.value.to_string(),
            })
            .collect())
    }

    async fn upload_bytes(
        &self,
        options: UploadOptions,
        body: BodyStream,
    ) -> Result<Uploaded, ApiError> {
        let started = Instant::now();
        let body = self.metrics.count_upload("bytes", body);
        let uploaded = self.upload_bytes_with(options, body).await;
        self.metrics.upload_done("bytes", started);
        uploaded
    }

    async fn bytes_size(&self, reference: B256) -> Result<u64, ApiError> {
        Ok(self.download_chunk_any(reference).await?.span())
    }

    async fn download_bytes(
        &self,
        reference: B256,
        range: Option<ByteRange>,
    ) -> Result<FileDownload, ApiError> {
        let started = Instant::now();
        let mut download = self.bytes_download(reference, range).await?;
        download.stream = self
            .metrics
            .count_download("bytes", started, download.stream);
        Ok(download)
    }

    async fn upload_chunk(
        &self,
        chunk: Chunk,
        postage: Postage,
        deferred: bool,
        tag: Option<u64>,
    ) -> Result<B256, ApiError> {
        let started = Instant::now();
        let size = chunk.data().len();
        let stamped_here = matches!(postage, Postage::Batch(_));
        let uploaded = self.upload_one_chunk(chunk, postage, deferred, tag).await;
        if uploaded.is_ok() {
            self.metrics.uploaded("chunks", size);
            // The pipeline counts the chunks it stores; a client's stamp skips it.
            if !stamped_here {
                self.metrics.upload_chunks().inc();
            }
        }
        self.metrics.upload_done("chunks", started);
        uploaded
    }

    async fn check_upload(&self, batch: B256, tag: Option<u64>) -> Result<(), ApiError> {
        self.usable_stamper(batch).await?;
        if let Some(uid) = tag {
            self.existing_tag(uid)?;
        }
        Ok(())
    }

    async fn download_chunk(&self, address: B256) -> Result<Chunk, ApiError> {
        let started = Instant::now();
        let chunk = self.download_chunk_any(address).await?;
        self.metrics
            .downloaded("chunks", chunk.data().len(), started);
        Ok(chunk)
    }

    async fn envelope(&self, batch: B256, address: B256) -> Result<(Stamp, Vec<u8>), ApiError> {
        let stamper = self.usable_stamper(batch).await?;
        let stamp = tokio::task::spawn_blocking(move || {
            stamper
                .lock()
                .map_err(|_| "stamper poisoned".to_string())
                .and_then(|mut s| {
                    s.stamp(&address, &address, content::now_ns())
                        .map_err(|e| e.to_string())
                })
        })
        .await
        .map_err(internal)?
        .map_err(ApiError::internal)?;
        Ok((stamp, self.signer.address().to_vec()))
    }

    /// Whether every chunk is retrievable now: each is asked for once (Bee's traversal asks
    /// once too), so content that is missing answers `false` promptly.
    async fn is_retrievable(&self, reference: B256) -> Result<bool, ApiError> {
        let source = self.network_source().asking_once();
        let all_there = tokio::task::spawn_blocking(move || {
            Joiner::new(source, reference)
                .and_then(|joiner| joiner.copy_to(&mut std::io::sink()))
                .is_ok()
        })
        .await
        .map_err(internal)?;
        Ok(all_there)
    }

    async fn reupload(&self, reference: B256, batch: B256) -> Result<(), ApiError> {
        let mut data = self.bytes_download(reference, None).await?.stream;
        let mut body = Vec::new();
        while let Some(piece) = data.next().await {
            body.extend_from_slice(&piece.map_err(internal)?);
        }
        let stream: BodyStream = Box::pin(futures_util::stream::iter(vec![Ok(Bytes::from(body))]));
        let options = UploadOptions {
            batch,
            pin: false,
            tag: None,
            deferred: true,
        };
        let again = self.upload_bytes(options, stream).await?.reference;
        if again != reference {
            return Err(ApiError::internal(
                "re-upload produced a different reference",
            ));
        }
        Ok(())
    }

    async fn upload_bzz(
        &self,
        options: UploadOptions,
        kind: BzzUpload,
        body: BodyStream,
    ) -> Result<Uploaded, ApiError> {
        let started = Instant::now();
        let body = self.metrics.count_upload("bzz", body);
        let uploaded = self.upload_bzz_with(options, kind, body).await;
        self.metrics.upload_done("bzz", started);
        uploaded
    }

    async fn download_bzz(
        &self,
        reference: B256,
        path: String,
        range: Option<ByteRange>,
    ) -> Result<BzzResponse, ApiError> {
        let started = Instant::now();
        Ok(
            match self.download_bzz_with(reference, path, range).await? {
                BzzResponse::File(mut file) => {
                    file.stream = self.metrics.count_download("bzz", started, file.stream);
                    BzzResponse::File(file)
                }
                redirect => redirect,
            },
        )
    }

    async fn upload_soc(
        &self,
        owner: Address,
        id: B256,
        signature: Signature,
        data: Vec<u8>,
        options: UploadOptions,
    ) -> Result<B256, ApiError> {
        let started = Instant::now();
        let size = data.len();
        let uploaded = self
            .upload_soc_with(owner, id, signature, data, options)
            .await;
        if uploaded.is_ok() {
            self.metrics.uploaded("soc", size);
        }
        self.metrics.upload_done("soc", started);
        uploaded
    }

    async fn download_soc(&self, owner: Address, id: B256) -> Result<SocDownload, ApiError> {
        let started = Instant::now();
        let mut soc = self.download_soc_with(owner, id).await?;
        soc.content.stream = self
            .metrics
            .count_download("soc", started, soc.content.stream);
        Ok(soc)
    }

    async fn create_feed_manifest(
        &self,
        owner: Address,
        topic: Vec<u8>,
        options: UploadOptions,
    ) -> Result<B256, ApiError> {
        self.create_feed_manifest_with(owner, topic, options).await
    }

    async fn feed_lookup(&self, owner: Address, topic: Vec<u8>) -> Result<FeedUpdate, ApiError> {
        self.feed_lookup_with(owner, topic).await
    }

    async fn pin(&self, reference: B256) -> Result<bool, ApiError> {
        self.pin_reference(reference).await
    }

    async fn unpin(&self, reference: B256) -> Result<(), ApiError> {
        let pins = self.store.pins.clone();
        let removed = tokio::task::spawn_blocking(move || pins.unpin(&reference))
            .await
            .map_err(internal)?
            .map_err(internal)?;
        if removed {
            Ok(())
        } else {
            Err(ApiError::not_found(format!("{reference} is not pinned")))
        }
    }

    fn pins(&self) -> Result<Vec<B256>, ApiError> {
        self.store.pins.roots().map_err(internal)
    }

    fn is_pinned(&self, reference: B256) -> Result<bool, ApiError> {
        self.store.pins.is_pinned(&reference).map_err(internal)
    }

    fn pin_check(
        &self,
        reference: Option<B256>,
    ) -> Result<Vec<comb_api::types::PinIntegrity>, ApiError> {
        let roots = match reference {
            Some(root) => vec![root],
            None => self.store.pins.roots().map_err(internal)?,
        };
        roots
            .into_iter()
            .map(|root| {
                let check = self.store.pins.check(&root).map_err(internal)?;
                Ok(comb_api::types::PinIntegrity {
                    reference: hex::encode(root),
                    total: check.total,
                    missing: check.missing,
                    invalid: check.invalid,
                })
            })
            .collect()
    }

    fn create_tag(&self, address: Option<B256>) -> TagInfo {
        Node::tag_info(&self.tags.create(address))
    }

    fn tag(&self, uid: u64) -> Result<TagInfo, ApiError> {
        self.existing_tag(uid).map(|t| Node::tag_info(&t))
    }

    fn tags(&self) -> Vec<TagInfo> {
        self.tags.list().iter().map(|t| Node::tag_info(t)).collect()
    }

    fn delete_tag(&self, uid: u64) -> Result<(), ApiError> {
        if self.tags.delete(uid) {
            Ok(())
        } else {
            Err(ApiError::not_found(format!("tag {uid} not found")))
        }
    }

    fn update_tag(&self, uid: u64, address: B256) -> Result<(), ApiError> {
        self.existing_tag(uid)?.set_address(address);
        Ok(())
    }
}

/// A status snapshot (ours or a peer's, spec of Bee's `status.proto`) in the API's shape.
fn status_of(snapshot: comb_net::wire::pb::Snapshot, overlay: B256, proximity: u16) -> Status {
    let depth = |value: u32| u8::try_from(value).unwrap_or(u8::MAX);
    Status {
        overlay: hex::encode(overlay),
        proximity,
        bee_mode: snapshot.bee_mode,
        reserve_size: snapshot.reserve_size,
        reserve_size_within_radius: snapshot.reserve_size_within_radius,
        pullsync_rate: snapshot.pullsync_rate,
        storage_radius: depth(snapshot.storage_radius),
        connected_peers: snapshot.connected_peers,
        neighborhood_size: snapshot.neighborhood_size,
        batch_commitment: snapshot.batch_commitment,
        is_reachable: snapshot.is_reachable,
        last_synced_block: snapshot.last_synced_block,
        committed_depth: depth(snapshot.committed_depth),
        is_warming_up: false,
        request_failed: false,
    }
}

impl Node {
    /// `POST /chunks` without its metrics (see [`NodeApi::upload_chunk`]).
    async fn upload_one_chunk(
        &self,
        chunk: Chunk,
        postage: Postage,
        deferred: bool,
        tag: Option<u64>,
    ) -> Result<B256, ApiError> {
        let kind = comb_primitives::soc::chunk_type(&chunk)
            .map_err(|e| ApiError::bad_request(format!("invalid chunk: {e}")))?;
        let address = *chunk.address();
        let stamp = match postage {
            Postage::Batch(batch) => {
                let (mut pipeline, _tag) = self
                    .pipeline(&UploadOptions {
                        batch,
                        pin: false,
                        tag,
                        deferred,
                    })
                    .await?;
                pipeline.kind = kind;
                pipeline
                    .run(move |sink| {
                        comb_filetree::ChunkSink::put(sink, chunk).map_err(|e| e.to_string())?;
                        Ok(address)
                    })
                    .await?;
                return Ok(address);
            }
            Postage::Stamp(stamp) => stamp,
        };
        validate_stamp(&stamp, &address, &self.store.batches).map_err(|e| {
            let message = format!("invalid stamp: {e}");
            match e {
                comb_postage::PostageError::BatchNotFound(_) => ApiError::not_found(message),
                _ => ApiError::bad_request(message),
            }
        })?;
        let tag = tag.map(|uid| self.existing_tag(uid)).transpose()?;
        // The same two modes as the pipeline: deferred, the push queue holds the chunk until
        // it is receipted; direct, it is stored here and pushed with the pipeline's retries.
        // A tag counts the chunk as the pipeline counts its chunks.
        let store = Arc::clone(&self.local);
        let queue = self.push_queue.clone();
        let stored = chunk.clone();
        let uid = tag.as_ref().map_or(0, |t| t.uid);
        tokio::task::spawn_blocking(move || {
            if deferred {
                queue
                    .enqueue(uid, &[(stored, stamp)])
                    .map_err(|e| ApiError::internal(e.to_string()))
            } else {
                store.store(&stored, &stamp).map_err(ApiError::bad_request)
            }
        })
        .await
        .map_err(internal)??;
        if let Some(tag) = &tag {
            Tag::add(&tag.split, 1);
            Tag::add(&tag.stored, 1);
        }
        if !deferred {
            if !content::push_receipted(&self.network, &chunk, stamp).await {
                return Err(ApiError::unavailable(format!(
                    "chunk {address} got no receipt from its neighbourhood; it is stored here"
                )));
            }
            if let Some(tag) = &tag {
                Tag::add(&tag.sent, 1);
                Tag::add(&tag.synced, 1);
            }
        }
        Ok(address)
    }
}

/// A neighbourhood as Bee prints it (`swarm.Neighborhood.String`): the first `depth` bits of
/// the overlay, most significant first. Bee counts the bits down in a `uint8`, so at depth 0
/// the count wraps and it prints all 256 bits of the prefix, which Bee has zeroed past the
/// depth: 256 zeros. comb prints the same.
pub(crate) fn neighborhood_bits(overlay: &B256, depth: u8) -> String {
    if depth == 0 {
        return "0".repeat(256);
    }
    (0..usize::from(depth))
        .map(|i| {
            if overlay[i / 8] & (0x80 >> (i % 8)) != 0 {
                '1'
            } else {
                '0'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::neighborhood_bits;
    use comb_primitives::B256;

    #[test]
    fn neighborhoods_print_as_bee_does() {
        let mut overlay = B256::ZERO;
        overlay[0] = 0b1010_0000;
        overlay[1] = 0b1100_0000;
        assert_eq!(neighborhood_bits(&overlay, 3), "101");
        assert_eq!(neighborhood_bits(&overlay, 10), "1010000011");
        assert_eq!(neighborhood_bits(&overlay, 0), "0".repeat(256));
    }
}
