//! The node's content services behind `/bzz`, `/soc`, `/feeds`, `/pins` and `/tags`: upload
//! pipelines with tags and pins, manifest and feed resolution, and the traversal that finds
//! every chunk under a reference for pinning.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use comb_api::types::TagInfo;
use comb_api::{
    ApiError, BodyStream, ByteRange, BzzResponse, BzzUpload, DataStream, FeedUpdate, FileDownload,
    SocDownload, UploadOptions, Uploaded,
};
use comb_filetree::Joiner;
use comb_manifest::website::{self, feed_update_id};
use comb_manifest::Node as Manifest;
use comb_postage::Stamp;
use comb_primitives::soc::{soc_address, ChunkType, SingleOwnerChunk};
use comb_primitives::{Address, Chunk, Signature, B256};
use futures_util::{StreamExt, TryStreamExt};

use crate::bzz::{self, Target, WithChunks};
use crate::content::{self, body_reader, NetworkSource, Pipeline, PushMode};
use crate::node::Node;
use crate::tags::Tag;

/// Most manifest-node bytes the pin traversal reads to tell a manifest from a file.
const MANIFEST_PROBE_LIMIT: u64 = 1 << 20;
/// Chunks fetched at once by the pin traversal.
const TRAVERSAL_CONCURRENCY: usize = 32;
/// Feed lookups probe indices up to 2^63 at most.
const FEED_PROBE_LIMIT: u32 = 63;

fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(error.to_string())
}

/// Bee's legacy feed payload: `timestamp (8) ‖ reference (32)`; the reference, if the
/// wrapped chunk is one (padding after the span ignored, as everywhere).
fn legacy_reference(wrapped: &Chunk) -> Option<B256> {
    let payload = comb_filetree::span_payload(wrapped)?;
    (payload.len() == 8 + 32).then(|| B256::from_slice(&payload[8..]))
}

/// The reference a feed update points to for `/bzz`: a legacy payload's reference, or a
/// payload that is exactly one reference (what `bee-js` `uploadReference` writes).
fn feed_target(wrapped: &Chunk) -> Option<B256> {
    legacy_reference(wrapped).or_else(|| {
        let payload = comb_filetree::span_payload(wrapped)?;
        (payload.len() == 32).then(|| B256::from_slice(payload))
    })
}

/// Rounds of asking for a single chunk (a download's root, `/chunks/{address}`) before it is
/// a 404. Two are enough for the hand-over below: once this node has stored the chunk, it
/// has it before its uploader lets go of it.
const ROOT_ROUNDS: u32 = 2;
/// The first pause between two of those rounds; it doubles.
const ROOT_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

impl Node {
    /// The tag `uid`, or Bee's 404.
    pub(crate) fn existing_tag(&self, uid: u64) -> Result<Arc<Tag>, ApiError> {
        self.tags
            .get(uid)
            .ok_or_else(|| ApiError::not_found(format!("tag {uid} not found")))
    }

    pub(crate) fn network_source(&self) -> NetworkSource {
        NetworkSource::new(
            Arc::clone(&self.local),
            self.network.clone(),
            tokio::runtime::Handle::current(),
        )
    }

    /// The pipeline and tag for an upload with these options.
    pub(crate) async fn pipeline(
        &self,
        options: &UploadOptions,
    ) -> Result<(Pipeline, Arc<Tag>), ApiError> {
        let stamper = self.usable_stamper(options.batch).await?;
        let tag = match options.tag {
            Some(uid) => self.existing_tag(uid)?,
            None => self.tags.create(None),
        };
        Ok((
            Pipeline {
                stamper,
                store: Arc::clone(&self.local),
                network: self.network.clone(),
                queue: self.push_queue.clone(),
                tag: Some(Arc::clone(&tag)),
                kind: ChunkType::Content,
                mode: if options.deferred {
                    PushMode::Deferred
                } else {
                    PushMode::Direct
                },
                counter: Some(self.metrics.upload_chunks()),
                full_node: self.config.full_node,
            },
            tag,
        ))
    }

    /// Binds the tag and pins, once an upload's root is known.
    async fn finish_upload(
        &self,
        options: &UploadOptions,
        tag: &Tag,
        reference: B256,
    ) -> Result<Uploaded, ApiError> {
        tag.set_address(reference);
        if options.pin {
            self.pin_reference(reference).await?;
        }
        Ok(Uploaded {
            reference,
            tag: tag.uid,
        })
    }

    pub(crate) async fn upload_bytes_with(
        &self,
        options: UploadOptions,
        body: BodyStream,
    ) -> Result<Uploaded, ApiError> {
        let (pipeline, tag) = self.pipeline(&options).await?;
        let report = content::upload(body, pipeline).await?;
        self.finish_upload(&options, &tag, report.reference).await
    }

    pub(crate) async fn upload_bzz_with(
        &self,
        options: UploadOptions,
        kind: BzzUpload,
        body: BodyStream,
    ) -> Result<Uploaded, ApiError> {
        let (pipeline, tag) = self.pipeline(&options).await?;
        let (feed, reader) = body_reader(body);
        let (fed, report) = tokio::join!(
            feed,
            pipeline.run(move |sink| bzz::produce(kind, reader, sink))
        );
        let report = report?;
        fed.map_err(crate::error::NodeError::Body)?;
        self.finish_upload(&options, &tag, report.reference).await
    }

    /// Streams the file whose root chunk is `root`, or the part `range` names; `known`
    /// holds chunks not stored under their own address (a SOC's wrapped chunk). The root
    /// chunk is fetched before anything is answered, so a missing root is a clean 404; a
    /// chunk missing later ends the stream with an error (the connection is aborted).
    pub(crate) async fn stream_file(
        &self,
        root: B256,
        known: HashMap<B256, Chunk>,
        range: Option<ByteRange>,
    ) -> Result<(u64, Option<(u64, u64)>, DataStream), ApiError> {
        let size = match known.get(&root) {
            Some(chunk) => chunk.span(),
            None => self.download_chunk_any(root).await?.span(),
        };
        let part = match range {
            None => None,
            Some(range) => Some(range.resolve(size).ok_or_else(|| {
                ApiError::range_not_satisfiable(format!(
                    "range not satisfiable: the content has {size} bytes"
                ))
            })?),
        };
        let source = WithChunks {
            source: self.network_source(),
            known,
        };
        let (sender, receiver) =
            tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(16);
        tokio::task::spawn_blocking(move || {
            let mut writer = content::ChannelWriter::new(sender.clone());
            let result = Joiner::new(source, root).and_then(|joiner| match part {
                Some((start, len)) => joiner.copy_range_to(start, len, &mut writer),
                None => joiner.copy_to(&mut writer),
            });
            if let Err(error) = result {
                let _ = sender.blocking_send(Err(std::io::Error::other(error.to_string())));
            }
        });
        Ok((size, part, content::receiver_stream(receiver)))
    }

    /// The data under a reference as `/bytes` serves it.
    pub(crate) async fn bytes_download(
        &self,
        reference: B256,
        range: Option<ByteRange>,
    ) -> Result<FileDownload, ApiError> {
        let (size, range, stream) = self.stream_file(reference, HashMap::new(), range).await?;
        Ok(FileDownload {
            size,
            stream,
            content_type: Some("application/octet-stream".to_string()),
            filename: None,
            etag: reference,
            range,
            feed_index: None,
        })
    }

    /// A chunk from the local store or the network, or 404.
    pub(crate) async fn download_chunk_any(&self, address: B256) -> Result<Chunk, ApiError> {
        self.chunk_with_any_stamp(address)
            .await
            .map(|(chunk, _)| chunk)
    }

    /// The chunk and the stamp on it if known: from the local store, else from the network
    /// (a Bee peer delivers no stamp; such a chunk is not cached).
    ///
    /// Asked [`ROOT_ROUNDS`] times, [`ROOT_PAUSE`] apart, local store first each time: a chunk
    /// just uploaded elsewhere can be handed from its uploader's push queue to this node's
    /// reserve between the local look and the network's answer, and is then found on the next
    /// round. A reference nobody has is still a 404 within a fraction of a second.
    async fn chunk_with_any_stamp(
        &self,
        address: B256,
    ) -> Result<(Chunk, Option<Stamp>), ApiError> {
        self.chunk_in_rounds(address, ROOT_ROUNDS).await
    }

    /// [`Self::chunk_with_any_stamp`] with `rounds` rounds.
    async fn chunk_in_rounds(
        &self,
        address: B256,
        rounds: u32,
    ) -> Result<(Chunk, Option<Stamp>), ApiError> {
        let mut pause = ROOT_PAUSE;
        let mut round = 1;
        loop {
            if let Some((chunk, stamp)) = comb_net::LocalStore::get(self.local.as_ref(), &address) {
                return Ok((chunk, Some(stamp)));
            }
            match self.network.retrieve(address).await {
                Ok((chunk, stamp)) => {
                    if let Some(stamp) = stamp {
                        comb_net::LocalStore::cache(self.local.as_ref(), chunk.clone(), stamp);
                    }
                    return Ok((chunk, stamp));
                }
                Err(e) if round >= rounds => {
                    return Err(ApiError::not_found(format!(
                        "chunk {address} not found: {e}"
                    )))
                }
                Err(_) => {
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                    round += 1;
                }
            }
        }
    }

    /// The chunk and the stamp on it: from the local store, else from the network. A chunk
    /// the network delivered without a stamp is 404 here (its stamp is what is asked for).
    pub(crate) async fn chunk_with_stamp(&self, address: B256) -> Result<(Chunk, Stamp), ApiError> {
        match self.chunk_with_any_stamp(address).await? {
            (chunk, Some(stamp)) => Ok((chunk, stamp)),
            (_, None) => Err(ApiError::not_found(format!(
                "chunk {address} was delivered without its stamp"
            ))),
        }
    }

    pub(crate) async fn download_bzz_with(
        &self,
        reference: B256,
        path: String,
        range: Option<ByteRange>,
    ) -> Result<BzzResponse, ApiError> {
        let mut reference = reference;
        let mut feed_index = None;
        loop {
            // The root manifest chunk is asked for as `/bytes` asks for its root
            // (`chunk_with_any_stamp`): a reference no peer has is a prompt 404, not a wait
            // of `RETRIEVE_DEADLINE`.
            let root = self.download_chunk_any(reference).await?;
            let source = WithChunks {
                source: self.network_source(),
                known: HashMap::from([(reference, root)]),
            };
            let follow_feeds = feed_index.is_none();
            let wanted = path.clone();
            let target = tokio::task::spawn_blocking(move || {
                bzz::resolve_in_manifest(&source, reference, &wanted, follow_feeds)
            })
            .await
            .map_err(internal)??;
            match target {
                Target::File(resolved) => {
                    let (size, part, stream) = self
                        .stream_file(resolved.entry, HashMap::new(), range)
                        .await?;
                    return Ok(bzz::bzz_file(resolved, size, part, stream, feed_index));
                }
                Target::Redirect(path) => return Ok(BzzResponse::Redirect(path)),
                Target::Feed(feed) => {
                    let owner = Address::from(feed.owner);
                    let (index, update) = self.latest_feed_update(owner, &feed.topic).await?;
                    reference = feed_target(update.wrapped()).ok_or_else(|| {
                        ApiError::not_found("the feed's latest update is not a reference")
                    })?;
                    feed_index = Some(hex::encode(index.to_be_bytes()));
                }
            }
        }
    }

    /// The update at `index` of the feed, if it exists and is signed by `owner`.
    async fn feed_update(
        &self,
        owner: Address,
        topic: &[u8],
        index: u64,
    ) -> Result<Option<SingleOwnerChunk>, ApiError> {
        let address = soc_address(&feed_update_id(topic, index), &owner);
        // Asked once: the search for the latest update expects missing indexes and asks
        // for several of them.
        let Ok((chunk, _)) = self.chunk_in_rounds(address, 1).await else {
            return Ok(None);
        };
        let soc = SingleOwnerChunk::from_chunk(&chunk)
            .map_err(|e| ApiError::internal(format!("feed update is not a SOC: {e}")))?;
        Ok((soc.owner() == &owner).then_some(soc))
    }

    /// The latest update of a sequence feed: index 0, then 1, 2, 4, … until one is missing,
    /// then a binary search between the last present and the first missing index. Updates
    /// are assumed contiguous, as a sequence feed writes them.
    pub(crate) async fn latest_feed_update(
        &self,
        owner: Address,
        topic: &[u8],
    ) -> Result<(u64, SingleOwnerChunk), ApiError> {
        let no_update = || ApiError::not_found("no update found");
        let mut found = (
            0u64,
            self.feed_update(owner, topic, 0)
                .await?
                .ok_or_else(no_update)?,
        );
        let mut missing = None;
        for exponent in 0..FEED_PROBE_LIMIT {
            let index = 1u64 << exponent;
            match self.feed_update(owner, topic, index).await? {
                Some(update) => found = (index, update),
                None => {
                    missing = Some(index);
                    break;
                }
            }
        }
        let Some(mut high) = missing else {
            return Ok(found);
        };
        while high.saturating_sub(found.0) > 1 {
            let middle = found.0 + (high - found.0) / 2;
            match self.feed_update(owner, topic, middle).await? {
                Some(update) => found = (middle, update),
                None => high = middle,
            }
        }
        Ok(found)
    }

    pub(crate) async fn feed_lookup_with(
        &self,
        owner: Address,
        topic: Vec<u8>,
    ) -> Result<FeedUpdate, ApiError> {
        let (index, update) = self.latest_feed_update(owner, &topic).await?;
        // Bee 2.7's `resolveFeed`: a payload of the legacy length is resolved to its
        // reference when that is retrievable (v1); otherwise, and for any other payload, the
        // wrapped chunk is the content (v2).
        let legacy = match legacy_reference(update.wrapped()) {
            Some(reference) => self.download_chunk_any(reference).await.ok(),
            None => None,
        };
        let (root, resolved_version) = match legacy {
            Some(root) => (root, "v1"),
            None => (update.wrapped().clone(), "v2"),
        };
        let content = self.root_download(root.clone()).await?;
        Ok(FeedUpdate {
            index,
            next: index.saturating_add(1),
            signature: *update.signature(),
            content,
            root,
            resolved_version,
        })
    }

    /// The data a SOC wraps, as a file rooted at the wrapped chunk.
    async fn wrapped_download(&self, soc: &SingleOwnerChunk) -> Result<FileDownload, ApiError> {
        self.root_download(soc.wrapped().clone()).await
    }

    /// The data under `root`, a chunk in hand (not necessarily stored under its address).
    async fn root_download(&self, root_chunk: Chunk) -> Result<FileDownload, ApiError> {
        let root = *root_chunk.address();
        let known = HashMap::from([(root, root_chunk)]);
        let (size, range, stream) = self.stream_file(root, known, None).await?;
        Ok(FileDownload {
            size,
            stream,
            range,
            content_type: Some("application/octet-stream".to_string()),
            filename: None,
            etag: root,
            feed_index: None,
        })
    }

    pub(crate) async fn upload_soc_with(
        &self,
        owner: Address,
        id: B256,
        signature: Signature,
        data: Vec<u8>,
        options: UploadOptions,
    ) -> Result<B256, ApiError> {
        let wrapped = Chunk::content_from_data(data)
            .map_err(|e| ApiError::bad_request(format!("invalid chunk: {e}")))?;
        let soc = SingleOwnerChunk::from_signature(id, signature, wrapped)
            .map_err(|e| ApiError::unauthorized(format!("invalid signature: {e}")))?;
        if soc.owner() != &owner {
            return Err(ApiError::unauthorized(format!(
                "invalid chunk: the signature recovers to {}, not the owner {owner}",
                soc.owner()
            )));
        }
        let chunk = soc.to_chunk();
        let (mut pipeline, tag) = self.pipeline(&options).await?;
        pipeline.kind = ChunkType::SingleOwner;
        let report = pipeline
            .run(move |sink| {
                comb_filetree::ChunkSink::put(sink, chunk.clone()).map_err(|e| e.to_string())?;
                Ok(*chunk.address())
            })
            .await?;
        self.finish_upload(&options, &tag, report.reference)
            .await
            .map(|u| u.reference)
    }

    pub(crate) async fn download_soc_with(
        &self,
        owner: Address,
        id: B256,
    ) -> Result<SocDownload, ApiError> {
        let chunk = self.download_chunk_any(soc_address(&id, &owner)).await?;
        let soc = SingleOwnerChunk::from_chunk(&chunk)
            .map_err(|e| ApiError::internal(format!("chunk is not a single owner chunk: {e}")))?;
        let content = self.wrapped_download(&soc).await?;
        Ok(SocDownload {
            signature: *soc.signature(),
            content,
        })
    }

    pub(crate) async fn create_feed_manifest_with(
        &self,
        owner: Address,
        topic: Vec<u8>,
        options: UploadOptions,
    ) -> Result<B256, ApiError> {
        let mut manifest = website::feed_manifest(&owner.0 .0, &topic)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let (pipeline, tag) = self.pipeline(&options).await?;
        let report = pipeline
            .run(move |sink| manifest.save(sink).map_err(|e| e.to_string()))
            .await?;
        self.finish_upload(&options, &tag, report.reference)
            .await
            .map(|u| u.reference)
    }

    /// Every chunk of the file tree under `root`, level by level.
    async fn file_chunks(&self, root: B256) -> Result<Vec<(Chunk, Stamp)>, ApiError> {
        let mut out = Vec::new();
        let mut level = vec![root];
        while !level.is_empty() {
            let fetched: Vec<(Chunk, Stamp)> = futures_util::stream::iter(level)
                .map(|address| self.chunk_with_stamp(address))
                .buffered(TRAVERSAL_CONCURRENCY)
                .try_collect()
                .await?;
            let mut next = Vec::new();
            for (chunk, stamp) in fetched {
                next.extend(comb_filetree::child_references(&chunk));
                out.push((chunk, stamp));
            }
            level = next;
        }
        Ok(out)
    }

    /// Every chunk under a reference: its file tree and, when it is a manifest, every
    /// manifest node and every entry's file tree, recursively (Bee's traversal).
    pub(crate) async fn traverse(&self, reference: B256) -> Result<Vec<(Chunk, Stamp)>, ApiError> {
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        let mut queue = vec![reference];
        while let Some(next) = queue.pop() {
            if !seen.insert(next) {
                continue;
            }
            let chunks = self.file_chunks(next).await?;
            let size = chunks.first().map(|(c, _)| c.span()).unwrap_or(0);
            if size <= MANIFEST_PROBE_LIMIT {
                let known: HashMap<B256, Chunk> = chunks
                    .iter()
                    .map(|(c, _)| (*c.address(), c.clone()))
                    .collect();
                let mut bytes = Vec::new();
                let joined = Joiner::new(&known, next).and_then(|j| j.copy_to(&mut bytes));
                if joined.is_ok() {
                    if let Ok(node) = Manifest::unmarshal(&bytes) {
                        if node.entry() != B256::ZERO {
                            queue.push(node.entry());
                        }
                        queue.extend(node.forks().filter_map(|(_, child)| child.reference()));
                    }
                }
            }
            all.extend(chunks);
        }
        Ok(all)
    }

    /// Pins `reference` with every chunk under it; `false` if it already was pinned.
    pub(crate) async fn pin_reference(&self, reference: B256) -> Result<bool, ApiError> {
        if self.store.pins.is_pinned(&reference).map_err(internal)? {
            return Ok(false);
        }
        let chunks = self.traverse(reference).await?;
        let pins = self.store.pins.clone();
        tokio::task::spawn_blocking(move || pins.pin(&reference, &chunks))
            .await
            .map_err(internal)?
            .map_err(internal)
    }

    pub(crate) fn tag_info(tag: &Tag) -> TagInfo {
        TagInfo {
            uid: tag.uid,
            started_at: tag.started_at.clone(),
            split: Tag::get(&tag.split),
            seen: Tag::get(&tag.seen),
            stored: Tag::get(&tag.stored),
            sent: Tag::get(&tag.sent),
            synced: Tag::get(&tag.synced),
            address: tag.address().map(hex::encode).unwrap_or_default(),
        }
    }
}
