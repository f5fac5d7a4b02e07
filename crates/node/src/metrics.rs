//! The node's Prometheus metrics (`GET /metrics`): one [`Registry`] per node, so the nodes of
//! a devnet in one process keep their own figures. Families, all prefixed `comb_`:
//!
//! * **uploads and downloads** — `upload_bytes_total{kind}`, `upload_chunks_total`,
//!   `upload_duration_seconds{kind}`, `download_bytes_total{kind}`,
//!   `download_duration_seconds{kind}` (`kind`: `bytes`, `bzz`, `chunks`, `soc`); counted as
//!   the bodies stream, timed from the request until the body is sent or abandoned;
//! * **the network's paid services** — `pushsync_requests_total{outcome}`,
//!   `retrieval_requests_total{outcome}` and their duration histograms
//!   ([`comb_net::NetMetrics`]);
//! * **HTTP** — `http_requests_total{route,method,status}`,
//!   `http_request_duration_seconds{route}` ([`comb_api::metrics::HttpMetrics`]);
//! * **state read at each scrape** — `reserve_size_chunks`, `reserve_size_within_radius_chunks`,
//!   `storage_radius`, `connected_peers`, `peers{bin}` (connected, per proximity bin),
//!   `accounting_balance_au{side}` (`owed_to_us` / `owed_by_us`, summed over peers),
//!   `settlements_plur{kind,direction}` (`cheque` / `refresh` totals, `sent` / `received`),
//!   `chain_head_block`, `chain_synced_block`, `chain_head_lag_blocks`,
//!   `redistribution_round`, `redistribution_phase{phase}` (1 for the current phase);
//! * **the redistribution agent's outcomes** — `redistribution_rounds_total{outcome}`
//!   (`selected`, `played`, `won`, `frozen`, counted when the agent's status moves on) and
//!   `redistribution_sample_duration_seconds`.
//!
//! Amounts are 256-bit on chain; gauges carry them as `f64` (exact up to 2^53 PLUR, then
//! rounded), which is what a graph needs.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use comb_api::metrics::HttpMetrics;
use comb_api::{BodyStream, DataStream};
use comb_incentives::Status;
use futures_util::StreamExt;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Which API an upload or download went through.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    /// `bytes`, `bzz`, `chunks` or `soc`.
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BinLabel {
    bin: u8,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SideLabel {
    side: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SettlementLabels {
    kind: &'static str,
    direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabel {
    phase: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

type Seconds = Family<Kind, Histogram, fn() -> Histogram>;
type Amount = Gauge<f64, AtomicU64>;

fn transfer_seconds() -> Histogram {
    // 1 ms to ~9 h, doubling.
    Histogram::new(exponential_buckets(0.001, 2.0, 25))
}

/// A snapshot of the node's state for the gauges, taken by the node at scrape time.
#[derive(Debug, Default, Clone)]
pub(crate) struct Gauges {
    pub reserve_size: u64,
    pub reserve_within_radius: u64,
    pub storage_radius: u8,
    pub peers_per_bin: Vec<(u8, u64)>,
    pub owed_to_us: f64,
    pub owed_by_us: f64,
    /// `(kind, direction, PLUR)`.
    pub settlements: Vec<(&'static str, &'static str, f64)>,
    pub chain_head: Option<u64>,
    pub chain_synced: u64,
    pub round: Option<(u64, &'static str)>,
}

/// Every family of one node; see the module docs.
pub struct NodeMetrics {
    registry: Registry,
    http: Arc<HttpMetrics>,
    upload_bytes: Family<Kind, Counter>,
    upload_chunks: Counter,
    upload_seconds: Seconds,
    download_bytes: Family<Kind, Counter>,
    download_seconds: Seconds,
    reserve_size: Gauge,
    reserve_within_radius: Gauge,
    storage_radius: Gauge,
    connected_peers: Gauge,
    peers: Family<BinLabel, Gauge>,
    balance: Family<SideLabel, Amount>,
    settlements: Family<SettlementLabels, Amount>,
    chain_head: Gauge,
    chain_synced: Gauge,
    chain_lag: Gauge,
    round: Gauge,
    phase: Family<PhaseLabel, Gauge>,
    rounds: Family<OutcomeLabel, Counter>,
    sample_seconds: Histogram,
}

impl std::fmt::Debug for NodeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeMetrics")
    }
}

impl NodeMetrics {
    /// A registry with every family, the network's included.
    pub(crate) fn new(net: &comb_net::NetMetrics) -> Self {
        let mut registry = Registry::with_prefix("comb");
        let http = HttpMetrics::register(&mut registry);
        net.register(&mut registry);
        let mut metrics = Self {
            registry: Registry::default(),
            http,
            upload_bytes: Family::default(),
            upload_chunks: Counter::default(),
            upload_seconds: Family::new_with_constructor(transfer_seconds),
            download_bytes: Family::default(),
            download_seconds: Family::new_with_constructor(transfer_seconds),
            reserve_size: Gauge::default(),
            reserve_within_radius: Gauge::default(),
            storage_radius: Gauge::default(),
            connected_peers: Gauge::default(),
            peers: Family::default(),
            balance: Family::default(),
            settlements: Family::default(),
            chain_head: Gauge::default(),
            chain_synced: Gauge::default(),
            chain_lag: Gauge::default(),
            round: Gauge::default(),
            phase: Family::default(),
            rounds: Family::default(),
            // 10 ms to ~1.4 h.
            sample_seconds: Histogram::new(exponential_buckets(0.01, 2.0, 20)),
        };
        metrics.register_own(&mut registry);
        metrics.registry = registry;
        metrics
    }

    fn register_own(&self, r: &mut Registry) {
        r.register(
            "upload_bytes",
            "Bytes received in upload bodies, by API",
            self.upload_bytes.clone(),
        );
        r.register(
            "upload_chunks",
            "Chunks stamped and stored by uploads",
            self.upload_chunks.clone(),
        );
        r.register(
            "upload_duration_seconds",
            "Time from an upload's request to its answer, by API",
            self.upload_seconds.clone(),
        );
        r.register(
            "download_bytes",
            "Bytes sent in download bodies, by API",
            self.download_bytes.clone(),
        );
        r.register(
            "download_duration_seconds",
            "Time from a download's request to the end of its body, by API",
            self.download_seconds.clone(),
        );
        r.register(
            "reserve_size_chunks",
            "Chunks in the reserve",
            self.reserve_size.clone(),
        );
        r.register(
            "reserve_size_within_radius_chunks",
            "Chunks in the reserve within the storage radius",
            self.reserve_within_radius.clone(),
        );
        r.register(
            "storage_radius",
            "The reserve's storage radius",
            self.storage_radius.clone(),
        );
        r.register(
            "connected_peers",
            "Connected peers",
            self.connected_peers.clone(),
        );
        r.register(
            "peers",
            "Connected peers per proximity bin",
            self.peers.clone(),
        );
        r.register(
            "accounting_balance_au",
            "Bandwidth balances summed over peers, in accounting units: owed_to_us or owed_by_us",
            self.balance.clone(),
        );
        r.register(
            "settlements_plur",
            "Settled totals: cheques in PLUR, time-based refreshes in accounting units",
            self.settlements.clone(),
        );
        r.register(
            "chain_head_block",
            "The chain's latest block",
            self.chain_head.clone(),
        );
        r.register(
            "chain_synced_block",
            "The last block the node's batch store has processed",
            self.chain_synced.clone(),
        );
        r.register(
            "chain_head_lag_blocks",
            "Blocks the node's batch store is behind the chain's head",
            self.chain_lag.clone(),
        );
        r.register(
            "redistribution_round",
            "The redistribution round of the agent's last block",
            self.round.clone(),
        );
        r.register(
            "redistribution_phase",
            "1 for the redistribution phase of the agent's last block",
            self.phase.clone(),
        );
        r.register(
            "redistribution_rounds",
            "Rounds the agent was selected in, played (committed), won, or found frozen",
            self.rounds.clone(),
        );
        r.register(
            "redistribution_sample_duration_seconds",
            "Time the agent's reserve samples took",
            self.sample_seconds.clone(),
        );
    }

    /// The HTTP families, for the router.
    pub(crate) fn http(&self) -> Arc<HttpMetrics> {
        Arc::clone(&self.http)
    }

    /// Sets the gauges from `gauges` and renders every family.
    pub(crate) fn render(&self, gauges: &Gauges) -> Result<String, std::fmt::Error> {
        self.reserve_size.set(as_i64(gauges.reserve_size));
        self.reserve_within_radius
            .set(as_i64(gauges.reserve_within_radius));
        self.storage_radius.set(i64::from(gauges.storage_radius));
        let mut connected = 0u64;
        for (bin, peers) in &gauges.peers_per_bin {
            connected = connected.saturating_add(*peers);
            self.peers
                .get_or_create(&BinLabel { bin: *bin })
                .set(as_i64(*peers));
        }
        self.connected_peers.set(as_i64(connected));
        for (side, value) in [
            ("owed_to_us", gauges.owed_to_us),
            ("owed_by_us", gauges.owed_by_us),
        ] {
            self.balance.get_or_create(&SideLabel { side }).set(value);
        }
        for (kind, direction, value) in &gauges.settlements {
            self.settlements
                .get_or_create(&SettlementLabels { kind, direction })
                .set(*value);
        }
        self.chain_synced.set(as_i64(gauges.chain_synced));
        if let Some(head) = gauges.chain_head {
            self.chain_head.set(as_i64(head));
            self.chain_lag
                .set(as_i64(head.saturating_sub(gauges.chain_synced)));
        }
        if let Some((round, current)) = gauges.round {
            self.round.set(as_i64(round));
            for phase in ["commit", "reveal", "claim"] {
                self.phase
                    .get_or_create(&PhaseLabel { phase })
                    .set(i64::from(phase == current));
            }
        }
        comb_api::metrics::render(&self.registry)
    }

    /// Counts what changed between two statuses of the redistribution agent.
    pub(crate) fn agent_moved(&self, before: Option<&Status>, after: &Status) {
        let Some(before) = before else {
            return;
        };
        for (outcome, was, is) in [
            (
                "selected",
                before.last_selected_round,
                after.last_selected_round,
            ),
            ("played", before.last_played_round, after.last_played_round),
            ("won", before.last_won_round, after.last_won_round),
            ("frozen", before.last_frozen_round, after.last_frozen_round),
        ] {
            if is > was {
                self.rounds.get_or_create(&OutcomeLabel { outcome }).inc();
            }
        }
        if after.last_sample_duration_seconds > 0.0
            && after.last_sample_duration_seconds != before.last_sample_duration_seconds
        {
            self.sample_seconds
                .observe(after.last_sample_duration_seconds);
        }
    }

    /// The counter of chunks uploads stored, for the upload pipeline.
    pub(crate) fn upload_chunks(&self) -> Counter {
        self.upload_chunks.clone()
    }

    /// `bytes` taken by an upload of `kind` that has no body stream (a single chunk).
    pub(crate) fn uploaded(&self, kind: &'static str, bytes: usize) {
        self.upload_bytes
            .get_or_create(&Kind { kind })
            .inc_by(bytes as u64);
    }

    /// `bytes` sent by a download of `kind` that has no body stream (a single chunk), which
    /// took until now since `started`.
    pub(crate) fn downloaded(&self, kind: &'static str, bytes: usize, started: Instant) {
        self.download_bytes
            .get_or_create(&Kind { kind })
            .inc_by(bytes as u64);
        self.download_seconds
            .get_or_create(&Kind { kind })
            .observe(started.elapsed().as_secs_f64());
    }

    /// An upload of `kind` that took until now since `started`.
    pub(crate) fn upload_done(&self, kind: &'static str, started: Instant) {
        self.upload_seconds
            .get_or_create(&Kind { kind })
            .observe(started.elapsed().as_secs_f64());
    }

    /// `body` counted into `upload_bytes_total{kind}` as it is read.
    pub(crate) fn count_upload(&self, kind: &'static str, body: BodyStream) -> BodyStream {
        let bytes = self.upload_bytes.get_or_create(&Kind { kind }).clone();
        Box::pin(body.inspect(move |piece| {
            if let Ok(piece) = piece {
                bytes.inc_by(piece.len() as u64);
            }
        }))
    }

    /// `stream` counted into `download_bytes_total{kind}` as it is sent, and timed from
    /// `started` to its end into `download_duration_seconds{kind}`.
    pub(crate) fn count_download(
        &self,
        kind: &'static str,
        started: Instant,
        mut stream: DataStream,
    ) -> DataStream {
        let bytes = self.download_bytes.get_or_create(&Kind { kind }).clone();
        // Observed when the body is dropped: once sent (hyper stops polling a body with a
        // known length after its last byte, so the stream's end is never seen) or aborted.
        let timer = DropTimer {
            seconds: self.download_seconds.get_or_create(&Kind { kind }).clone(),
            started,
        };
        Box::pin(futures_util::stream::poll_fn(move |cx| {
            let _timer = &timer;
            let next = stream.poll_next_unpin(cx);
            if let Poll::Ready(Some(Ok(piece))) = &next {
                bytes.inc_by(piece.len() as u64);
            }
            next
        }))
    }
}

/// Observes the time since `started` when dropped.
struct DropTimer {
    seconds: Histogram,
    started: Instant,
}

impl Drop for DropTimer {
    fn drop(&mut self) {
        self.seconds.observe(self.started.elapsed().as_secs_f64());
    }
}

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl crate::Node {
    /// The state the gauges show, read now.
    pub(crate) async fn metric_gauges(&self) -> Gauges {
        use comb_api::swap::{Balances, Settlements};
        use comb_api::SwapApi;
        use comb_net::LocalStore;

        let store = self.local.status();
        let mut peers_per_bin: std::collections::BTreeMap<u8, u64> = Default::default();
        for peer in self.network.peers() {
            *peers_per_bin.entry(peer.bin).or_default() += 1;
        }
        let (mut owed_to_us, mut owed_by_us) = (0.0, 0.0);
        let Balances { balances } = self.balances();
        for balance in balances {
            let value: f64 = balance.balance.parse().unwrap_or(0.0);
            if value > 0.0 {
                owed_to_us += value;
            } else {
                owed_by_us -= value;
            }
        }
        let totals = |settlements: Settlements| {
            (
                settlements.total_sent.parse().unwrap_or(0.0),
                settlements.total_received.parse().unwrap_or(0.0),
            )
        };
        let (cheques_sent, cheques_received) = totals(self.settlements());
        let (refresh_sent, refresh_received) = totals(self.time_settlements());
        let round = self.agent.status().map(|status| {
            let phase = match status.phase {
                comb_chain::round::Phase::Commit => "commit",
                comb_chain::round::Phase::Reveal => "reveal",
                comb_chain::round::Phase::Claim => "claim",
            };
            (status.round, phase)
        });
        Gauges {
            reserve_size: store.reserve_size,
            reserve_within_radius: store.reserve_size_within_radius,
            storage_radius: store.storage_radius,
            peers_per_bin: peers_per_bin.into_iter().collect(),
            owed_to_us,
            owed_by_us,
            settlements: vec![
                ("cheque", "sent", cheques_sent),
                ("cheque", "received", cheques_received),
                ("refresh", "sent", refresh_sent),
                ("refresh", "received", refresh_received),
            ],
            chain_head: self.chain.block_number().await.ok(),
            chain_synced: store.last_synced_block,
            round,
        }
    }
}
