//! Availability challenges from the node's side (`staking-architecture.md` § Availability
//! challenge): the node answers every challenge against its own stake automatically from
//! its reserve, and opens challenges against others for chunks stamped with its batches.
//!
//! The answerer follows the ledger's `ChallengeOpened` events for the node's address (and,
//! at start, the open challenges already waiting). Once the segment is drawn (the block
//! after the opening) it builds the BMT inclusion proof of that segment from the stored
//! chunk (for a single-owner chunk: of the wrapped chunk, with the owner's signature) and
//! sends `AnswerChallenge`. A chunk the node no longer holds cannot be answered: that is
//! logged, and the challenge fails when its window closes.

use std::collections::BTreeMap;
use std::sync::Arc;

use comb_chain::challenge::{Challenge, SegmentProof};
use comb_chain::events::Event;
use comb_chain::Call;
use comb_primitives::bmt::{BmtTree, PlainHasher};
use comb_primitives::chunk::split_span;
use comb_primitives::soc::{chunk_type, ChunkType, SingleOwnerChunk};
use comb_primitives::{Chunk, B256};
use comb_sampling::SocProof;
use tokio::sync::watch;

use crate::node::Node;
use crate::NodeError;

/// Blocks between two attempts at the same challenge.
const RETRY_BLOCKS: u64 = 3;

/// The proof that `chunk` holds its segment `segment` (`storage-incentives.md` §1.4).
pub fn segment_proof(chunk: &Chunk, segment: u8) -> Result<SegmentProof, NodeError> {
    let invalid = |e: comb_primitives::PrimitivesError| NodeError::Io(e.to_string());
    let (wrapped, soc) = match chunk_type(chunk).map_err(invalid)? {
        ChunkType::Content => (chunk.clone(), None),
        ChunkType::SingleOwner => {
            let soc = SingleOwnerChunk::from_chunk(chunk).map_err(invalid)?;
            let proof = SocProof {
                signer: *soc.owner(),
                signature: *soc.signature(),
                identifier: *soc.id(),
                chunk_addr: *soc.wrapped().address(),
            };
            (soc.wrapped().clone(), Some(proof))
        }
    };
    let (span, payload) = split_span(wrapped.data()).map_err(invalid)?;
    let tree = BmtTree::build(&PlainHasher, &span, payload).map_err(invalid)?;
    let proof = tree.proof(usize::from(segment)).map_err(invalid)?;
    Ok(SegmentProof {
        segment: B256::from(proof.segment),
        sisters: proof.sisters.map(B256::from),
        span: u64::from_le_bytes(proof.span),
        soc,
    })
}

/// Challenges against this node still to answer: id → the block of the last attempt.
type Pending = BTreeMap<u64, Option<u64>>;

/// Answers the challenges against the node until `stop` turns true.
pub(crate) async fn run(node: Arc<Node>, mut stop: watch::Receiver<bool>) {
    let own = node.signer.address();
    let mut pending = Pending::new();
    let mut scanned: Option<u64> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(crate::agent::POLL_INTERVAL) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let Ok(head) = node.chain.head().await.map(|h| h.number) else {
            continue;
        };
        match scanned {
            None => {
                // At start: whatever is already open against us.
                if let Ok(architecture) = node.chain.architecture().await {
                    for (id, challenge) in architecture.challenges.open_challenges() {
                        if challenge.provider == own {
                            pending.entry(*id).or_insert(None);
                        }
                    }
                    scanned = Some(head);
                }
            }
            Some(from) if head > from => {
                let to = head.min(from.saturating_add(1_000));
                if let Ok(records) = node.chain.events(from.saturating_add(1), to).await {
                    for record in records {
                        if let Event::ChallengeOpened { id, provider, .. } = record.event {
                            if provider == own {
                                pending.entry(id).or_insert(None);
                            }
                        }
                    }
                    scanned = Some(to);
                }
            }
            Some(_) => {}
        }
        if !pending.is_empty() {
            answer_pending(&node, &mut pending, head).await;
        }
    }
}

/// Tries every pending challenge whose segment is drawn and whose last attempt is old.
async fn answer_pending(node: &Node, pending: &mut Pending, head: u64) {
    let Ok(architecture) = node.chain.architecture().await else {
        return;
    };
    let open = architecture.challenges.open_challenges();
    // Answered, settled or expired: no longer open.
    pending.retain(|id, _| open.contains_key(id));
    for (id, last_try) in pending.iter_mut() {
        let Some(challenge) = open.get(id) else {
            continue;
        };
        let Some(segment) = challenge.segment else {
            continue;
        };
        if last_try.is_some_and(|at| head < at.saturating_add(RETRY_BLOCKS)) {
            continue;
        }
        *last_try = Some(head);
        match answer(node, *id, challenge, segment).await {
            Ok(()) => {
                tracing::info!(id, chunk = %challenge.chunk_address, "answered an availability challenge")
            }
            Err(error) => {
                tracing::warn!(id, chunk = %challenge.chunk_address, %error, "cannot answer an availability challenge")
            }
        }
    }
}

async fn answer(node: &Node, id: u64, challenge: &Challenge, segment: u8) -> Result<(), NodeError> {
    let address = challenge.chunk_address;
    let reserve = node.store.reserve.clone();
    let chunk = tokio::task::spawn_blocking(move || reserve.get(&address))
        .await
        .map_err(|e| NodeError::Io(e.to_string()))??
        .ok_or_else(|| NodeError::Io(format!("chunk {address} is not in the reserve")))?;
    let proof = segment_proof(&chunk, segment)?;
    node.chain
        .send(
            &node.signer,
            Call::AnswerChallenge {
                id,
                proof: Box::new(proof),
            },
        )
        .await?;
    Ok(())
}
