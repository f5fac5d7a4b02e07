//! Peer health from status snapshots, as Bee's salud judges it (`pkg/salud`): every
//! `health_interval` the node asks each connected full-node peer for its
//! [`Snapshot`](crate::wire::pb::Snapshot) (10 s each) and marks it healthy or not;
//! pushsync and retrieval then try the closest **healthy** peer first and fall back to the
//! closest of all ([`crate::forward`]), as Bee's do. One deliberate difference: a peer not
//! yet judged counts as healthy. Bee starts every peer unhealthy, so a new peer gets
//! traffic only when no healthy one is a candidate until salud's next round; in comb that
//! would send pushes past the closest peer whenever some peers were judged and a newer,
//! closer one was not, and a chunk would be stored off its closest node.
//!
//! The rules ([`judge`]), Bee's: a peer whose snapshot does not come is unhealthy; one in
//! another mode is left as it was. Of the others, those in a bin with at most
//! [`MIN_PEERS_PER_BIN`] responding peers are healthy whatever they report (every bin keeps
//! some peers). Any other is unhealthy if the network radius (the most common storage
//! radius reported) is above 0 and its radius is below it minus one, if it answered slower
//! than the 80th percentile of answers, if it has fewer connections than the 80th
//! percentile, or if its batch commitment is not the most common one; else healthy.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use comb_primitives::B256;

use crate::peers::PeerManager;
use crate::wire::pb;

/// Responding peers a bin keeps healthy whatever they report (Bee `DefaultMinPeersPerBin`).
pub const MIN_PEERS_PER_BIN: usize = 3;
/// How long one snapshot may take (Bee's salud `requestTimeout`).
pub const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(10);
/// The percentile of answer times and connection counts a healthy peer must meet.
const PERCENTILE: f64 = 0.8;

/// One peer's answer in a health round.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The peer.
    pub overlay: B256,
    /// Its bin (proximity order to us).
    pub bin: u8,
    /// How long its snapshot took.
    pub duration: Duration,
    /// What it said.
    pub snapshot: pb::Snapshot,
}

/// The most common value of `values` (the smallest of equally common ones); `None` when
/// empty.
fn most_common<T: Copy + Ord>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: std::collections::BTreeMap<T, usize> = std::collections::BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    let mut best: Option<(T, usize)> = None;
    for (value, count) in counts {
        if best.is_none_or(|(_, most)| count > most) {
            best = Some((value, count));
        }
    }
    best.map(|(value, _)| value)
}

/// Judges the samples of one round (all in this node's mode); returns each peer's health.
pub fn judge(samples: &[Sample]) -> Vec<(B256, bool)> {
    if samples.is_empty() {
        return Vec::new();
    }
    let at = ((samples.len() as f64 * PERCENTILE) as usize).min(samples.len() - 1);
    let mut durations: Vec<Duration> = samples.iter().map(|s| s.duration).collect();
    durations.sort();
    let slowest_allowed = durations[at];
    let mut connections: Vec<u64> = samples.iter().map(|s| s.snapshot.connected_peers).collect();
    connections.sort_by(|a, b| b.cmp(a));
    let fewest_allowed = connections[at];
    let network_radius =
        most_common(samples.iter().map(|s| s.snapshot.storage_radius)).unwrap_or(0);
    let commitment = most_common(samples.iter().map(|s| s.snapshot.batch_commitment)).unwrap_or(0);
    let mut per_bin: HashMap<u8, usize> = HashMap::new();
    for sample in samples {
        *per_bin.entry(sample.bin).or_default() += 1;
    }
    samples
        .iter()
        .map(|sample| {
            let bin_count = per_bin.get(&sample.bin).copied().unwrap_or(0);
            if bin_count <= MIN_PEERS_PER_BIN {
                return (sample.overlay, true);
            }
            let healthy = !(network_radius > 0
                && sample.snapshot.storage_radius < network_radius - 1)
                && sample.duration <= slowest_allowed
                && sample.snapshot.connected_peers >= fewest_allowed
                && sample.snapshot.batch_commitment == commitment;
            if !healthy {
                // Bee lowers the bin's count as it marks a peer unhealthy.
                if let Some(count) = per_bin.get_mut(&sample.bin) {
                    *count = count.saturating_sub(1);
                }
            }
            (sample.overlay, healthy)
        })
        .collect()
}

/// One health round over the connected full-node peers.
pub(crate) async fn round(manager: &Arc<PeerManager>, full_node: bool) {
    let peers: Vec<(B256, u8)> = {
        let state = manager.state();
        state
            .topology
            .peers()
            .into_iter()
            .map(|overlay| (overlay, state.topology.bin_of(&overlay)))
            .collect()
    };
    let mode = if full_node { "full" } else { "light" };
    let asks = peers.into_iter().map(|(overlay, bin)| {
        let manager = Arc::clone(manager);
        async move {
            let started = Instant::now();
            let answer = tokio::time::timeout(
                SNAPSHOT_TIMEOUT,
                crate::status::peer_snapshot(&manager, &overlay),
            )
            .await;
            match answer {
                Ok(Ok(snapshot)) => Ok(Sample {
                    overlay,
                    bin,
                    duration: started.elapsed(),
                    snapshot,
                }),
                _ => Err(overlay),
            }
        }
    });
    let answers = futures::future::join_all(asks).await;
    let mut samples = Vec::new();
    let mut verdicts = Vec::new();
    for answer in answers {
        match answer {
            Ok(sample) if sample.snapshot.bee_mode == mode => samples.push(sample),
            Ok(_) => {}
            Err(overlay) => verdicts.push((overlay, false)),
        }
    }
    verdicts.extend(judge(&samples));
    let mut state = manager.state();
    for (overlay, healthy) in verdicts {
        if state.peers.contains_key(&overlay) {
            state.health.insert(overlay, healthy);
        }
    }
}

/// Runs health rounds until shutdown: the first once a peer is connected, then every
/// `health_interval`.
pub(crate) async fn run(manager: Arc<PeerManager>, interval: Option<Duration>, full_node: bool) {
    let Some(interval) = interval else {
        return;
    };
    let mut shutdown = manager.shutdown_signal();
    loop {
        let registered = manager.registered();
        tokio::pin!(registered);
        registered.as_mut().enable();
        if manager.state().peers.is_empty() {
            tokio::select! {
                _ = registered => {}
                _ = shutdown.changed() => return,
            }
        }
        if manager.is_shut_down() {
            return;
        }
        round(&manager, full_node).await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: u8, bin: u8, millis: u64, radius: u32, peers: u64, commitment: u64) -> Sample {
        Sample {
            overlay: B256::repeat_byte(n),
            bin,
            duration: Duration::from_millis(millis),
            snapshot: pb::Snapshot {
                storage_radius: radius,
                connected_peers: peers,
                batch_commitment: commitment,
                bee_mode: "full".into(),
                ..pb::Snapshot::default()
            },
        }
    }

    fn health(verdicts: &[(B256, bool)], n: u8) -> bool {
        verdicts
            .iter()
            .find(|(overlay, _)| *overlay == B256::repeat_byte(n))
            .unwrap()
            .1
    }

    #[test]
    fn a_sparse_bin_keeps_its_peers_healthy_whatever_they_report() {
        let verdicts = judge(&[
            sample(1, 0, 10, 5, 50, 100),
            sample(2, 0, 5000, 0, 0, 7),
            sample(3, 1, 10, 5, 50, 100),
        ]);
        assert!(verdicts.iter().all(|(_, healthy)| *healthy));
    }

    #[test]
    fn in_a_full_bin_the_outliers_are_unhealthy() {
        // Ten peers in bin 2: radius 8 and commitment 100 are the most common.
        let mut samples: Vec<Sample> = (1..=10).map(|n| sample(n, 2, 10, 8, 50, 100)).collect();
        samples[0] = sample(1, 2, 10, 6, 50, 100); // radius below 8 - 1
        samples[1] = sample(2, 2, 10, 7, 50, 100); // radius 8 - 1: still fine
        samples[2] = sample(3, 2, 10, 8, 50, 99); // another commitment
        samples[3] = sample(4, 2, 9000, 8, 50, 100); // slower than the 80th percentile
        samples[4] = sample(5, 2, 10, 8, 1, 100); // fewer connections than the 80th percentile
        let verdicts = judge(&samples);
        assert!(!health(&verdicts, 1));
        assert!(health(&verdicts, 2));
        assert!(!health(&verdicts, 3));
        assert!(!health(&verdicts, 4));
        assert!(!health(&verdicts, 5));
        for n in 6..=10 {
            assert!(health(&verdicts, n), "peer {n}");
        }
    }
}
