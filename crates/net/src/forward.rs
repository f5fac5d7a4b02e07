//! Trying peers for a chunk, shared by pushsync and retrieval, at the origin and when
//! forwarding: peers are tried one after another (the closest **healthy** peer first, as
//! Bee's pushsync and retrieval pick; then the closest of all; [`crate::health`]), each
//! attempt is booked through the accounting hook, and misbehaviour is counted against the
//! peer that failed.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use comb_primitives::{Signer, B256};

use crate::accounting::{Accounting, Exchange, Reserved, Service};
use crate::config::NetConfig;
use crate::peers::{deadline, PeerManager};
use crate::storage::{LocalStore, StampValidator};
use crate::NetError;

/// What pushsync and retrieval use, and nothing more: the peers (to pick and open), the
/// store, the stamp validator, the accounting hook, the overlay key, and the configuration.
pub(crate) struct ChunkContext<'a> {
    /// Connected peers, streams to them, penalties.
    pub peers: &'a PeerManager,
    /// The local store.
    pub store: &'a dyn LocalStore,
    /// Checks stamps.
    pub validator: &'a dyn StampValidator,
    /// Books every exchange (spec `swap.md` §1.4).
    pub accounting: &'a Arc<dyn Accounting>,
    /// Signs receipts.
    pub signer: &'a Signer,
    /// Our overlay nonce, sent in receipts.
    pub nonce: B256,
    /// Timeouts, attempts, network id.
    pub config: &'a NetConfig,
}

impl ChunkContext<'_> {
    /// The storage depth: the neighbourhood depth lowered to the store's radius.
    pub fn depth(&self) -> u8 {
        self.peers.depth_within(self.store.storage_radius())
    }

    /// Our overlay.
    pub fn overlay(&self) -> B256 {
        self.peers.overlay()
    }
}

/// Which peers may be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// The origin: any peer, closest to the chunk first; each attempt has the full request
    /// timeout.
    Origin,
    /// A forwarder: only peers strictly closer to the chunk than this node, all attempts
    /// within three quarters of the request timeout.
    Forward,
}

/// How long the origin waits before asking again when every peer refused for accounting
/// reasons (overdraft: our debt must first be settled, spec `swap.md` §1.3 step 5).
const OVERDRAFT_RETRY: Duration = Duration::from_millis(50);

/// Tries up to `max_attempts` peers (never one in `tried`) for `address`; `attempt` performs
/// the exchange with one peer. Returns the first success, else the last error
/// ([`NetError::NoPeer`] if no peer could be tried). `timeout_label` names a timed-out
/// attempt.
///
/// At the origin, when the accounting refused every peer (our debt to each is at its
/// threshold), the round is repeated after [`OVERDRAFT_RETRY`] until the request timeout:
/// settlement frees credit within about a second (spec §1.5–§1.6).
pub(crate) async fn try_peers<T, F, Fut>(
    ctx: &ChunkContext<'_>,
    service: Service,
    route: Route,
    address: B256,
    tried: Vec<B256>,
    timeout_label: &'static str,
    mut attempt: F,
) -> Result<T, NetError>
where
    F: FnMut(B256) -> Fut,
    Fut: Future<Output = Result<T, NetError>>,
{
    let overall = deadline(ctx.config.request_timeout);
    loop {
        let (result, refused_only) = try_round(
            ctx,
            service,
            route,
            address,
            tried.clone(),
            timeout_label,
            &mut attempt,
        )
        .await;
        let retry = result.is_err()
            && refused_only
            && route == Route::Origin
            && Instant::now() + OVERDRAFT_RETRY < overall
            && !ctx.peers.is_shut_down();
        if !retry {
            return result;
        }
        tokio::time::sleep(OVERDRAFT_RETRY).await;
    }
}

/// One round of [`try_peers`]; also says whether every candidate was refused by the
/// accounting (no attempt was made).
async fn try_round<T, F, Fut>(
    ctx: &ChunkContext<'_>,
    service: Service,
    route: Route,
    address: B256,
    mut tried: Vec<B256>,
    timeout_label: &'static str,
    attempt: &mut F,
) -> (Result<T, NetError>, bool)
where
    F: FnMut(B256) -> Fut,
    Fut: Future<Output = Result<T, NetError>>,
{
    let shared_deadline = deadline(ctx.config.request_timeout / 4 * 3);
    let mut last = NetError::NoPeer;
    let (mut refused, mut attempted) = (false, false);
    for _ in 0..ctx.config.max_attempts {
        let next = {
            let state = ctx.peers.state();
            let pick = |skip: &[B256]| match route {
                Route::Origin => state.topology.closest_peer(&address, skip),
                Route::Forward => state.topology.closer_peer(&address, skip),
            };
            // Healthy first: skip the tried and every peer judged unhealthy (a peer not
            // yet judged counts as healthy; see `crate::health`). Nothing to skip while no
            // peer is judged unhealthy, the usual case.
            let unhealthy: Vec<B256> = state
                .health
                .iter()
                .filter(|(_, healthy)| !**healthy)
                .map(|(peer, _)| *peer)
                .collect();
            if unhealthy.is_empty() {
                pick(&tried)
            } else {
                let mut skip = tried.clone();
                skip.extend(unhealthy);
                pick(&skip).or_else(|| pick(&tried))
            }
        };
        let Some(peer) = next else {
            break;
        };
        tried.push(peer);
        let budget: Duration = match route {
            Route::Origin => ctx.config.request_timeout,
            Route::Forward => shared_deadline.saturating_duration_since(Instant::now()),
        };
        if budget.is_zero() {
            break;
        }
        let exchange = Exchange::credit(service, peer, address, route == Route::Origin);
        let mut reservation = match Reserved::prepare(ctx.accounting, &exchange) {
            Ok(reservation) => reservation,
            Err(reason) => {
                refused = true;
                last = NetError::Accounting(reason);
                continue;
            }
        };
        attempted = true;
        let result = tokio::time::timeout(budget, attempt(peer))
            .await
            .map_err(|_| NetError::Timeout(timeout_label))
            .and_then(|result| result);
        match result {
            Ok(value) => {
                reservation.apply();
                return (Ok(value), false);
            }
            Err(error) => {
                drop(reservation);
                tracing::debug!(%peer, %address, %error, "attempt failed");
                ctx.peers.penalize_if_misbehaved(&peer, &error);
                last = error;
            }
        }
    }
    (Err(last), refused && !attempted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::node;
    use crate::MemoryStore;
    use std::sync::Mutex;

    /// The order in which `try_peers` tries `peers` for `address` (every attempt fails).
    async fn order(ctx: &ChunkContext<'_>, address: B256) -> Vec<B256> {
        let tried = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&tried);
        let _ = try_peers(
            ctx,
            Service::Retrieval,
            Route::Origin,
            address,
            Vec::new(),
            "test",
            move |peer| {
                record.lock().unwrap().push(peer);
                async { Err::<(), _>(NetError::NotFound) }
            },
        )
        .await;
        let tried = tried.lock().unwrap().clone();
        tried
    }

    #[tokio::test]
    async fn the_closest_healthy_peer_is_tried_first_then_the_closest_of_all() {
        let node = node(Arc::new(MemoryStore::new(B256::ZERO)));
        let address = B256::repeat_byte(0xf0);
        let near = B256::repeat_byte(0xf1);
        let far = B256::repeat_byte(0x80);
        {
            let mut state = node.peers.state();
            state.topology.add(near);
            state.topology.add(far);
        }
        // No health known: by distance.
        assert_eq!(order(&node.chunks(), address).await, vec![near, far]);
        // Only the far one healthy: it goes first.
        node.peers.state().health.insert(far, true);
        node.peers.state().health.insert(near, false);
        assert_eq!(order(&node.chunks(), address).await, vec![far, near]);
        // Both healthy: by distance again.
        node.peers.state().health.insert(near, true);
        assert_eq!(order(&node.chunks(), address).await, vec![near, far]);
    }
}
