//! A forwarder's loop, shared by pushsync and retrieval: try peers closer to the chunk than
//! this node, one after another, within one deadline, booking each attempt through the
//! accounting hook and counting misbehaviour against the peer that failed.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use comb_primitives::B256;

use crate::accounting::{Exchange, Service};
use crate::node::{deadline, Node};
use crate::pushsync::penalize_if_misbehaved;
use crate::NetError;

/// Forwards a request for `address` to closer peers (never to one in `tried`), at most
/// `max_attempts` of them within three quarters of the request timeout. `attempt` performs the
/// exchange with one peer; the first success is returned, `None` when every try failed.
pub(crate) async fn forward_to_closer<T, F, Fut>(
    node: &Arc<Node>,
    service: Service,
    address: B256,
    mut tried: Vec<B256>,
    timeout_label: &'static str,
    mut attempt: F,
) -> Option<T>
where
    F: FnMut(B256) -> Fut,
    Fut: Future<Output = Result<T, NetError>>,
{
    let deadline = deadline(node.config.request_timeout / 4 * 3);
    for _ in 0..node.config.max_attempts {
        let Some(peer) = node.state().topology.closer_peer(&address, &tried) else {
            break;
        };
        tried.push(peer);
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        let exchange = Exchange::credit(service, peer, address, false);
        if node.accounting.prepare(&exchange).is_err() {
            continue;
        }
        let result = tokio::time::timeout(remaining, attempt(peer))
            .await
            .map_err(|_| NetError::Timeout(timeout_label))
            .and_then(|result| result);
        match result {
            Ok(value) => {
                node.accounting.apply(&exchange);
                return Some(value);
            }
            Err(error) => {
                tracing::debug!(%peer, %address, %error, "forwarding failed");
                penalize_if_misbehaved(node, &peer, &error);
            }
        }
    }
    None
}
