//! Bandwidth incentives wired into the node (spec `swap.md`): the pure
//! [`comb_accounting::Accounting`] behind a mutex with wall-clock seconds, as the network's
//! [`comb_net::Accounting`] hook; time-based settlement (pseudosettle, §1.6) and SWAP
//! cheques (§3) carried out when the accounting asks for them; the chequebook deployed and
//! funded at first start (§4.3); the cheque store persisted in the data dir (§3.7).
//!
//! * Every pushsync and retrieval exchange on both sides goes through `prepare` / `apply` /
//!   `cleanup` (§1.3–§1.4), with originated vs forwarded debt as the network reports it
//!   (§1.9).
//! * Peers connect and disconnect with the network's handshake (§1.2). A disconnect, a
//!   disconnect-threshold breach (§1.4) or a failed refresh (§1.6) blocklists the peer for
//!   `blocklistUntil` seconds: the network drops and refuses it, and so does the
//!   accounting's `connect`.
//! * Thresholds are announced on every connection and after each growth (§1.7).

mod chequebook;
pub mod config;
pub mod state;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

// The accounting's clock: wall-clock Unix seconds, floored (spec §8).
use comb_chain_rpc::producer::unix_now;

use comb_accounting::pseudosettle::check_ack;
use comb_accounting::{
    Accounting, Blocklist, CreditAction, CreditDecision, DebitAction, PeerState, RefreshAck,
    RefreshFailure, Settlement, U256,
};
use comb_chain_rpc::ChainClient;
use comb_net::{ChequeRates, Direction, Exchange, NetError, Network, Reservation};
use comb_primitives::{Address, Signer, B256};

pub use config::SwapConfig;
use state::{RefreshRecord, SwapState};

use crate::NodeError;

/// A reserved exchange.
enum Action {
    Credit(CreditAction),
    Debit(DebitAction),
}

/// The node's bandwidth accounting and settlement (spec `swap.md` §1–§3).
pub struct Swap {
    config: SwapConfig,
    signer: Signer,
    chain_id: u64,
    chain: Arc<ChainClient>,
    accounting: Mutex<Accounting>,
    actions: Mutex<HashMap<u64, Action>>,
    next_id: AtomicU64,
    state: Mutex<SwapState>,
    state_path: PathBuf,
    /// The network, once attached; taken out at shutdown to break the cycle network →
    /// accounting hook (this) → network, so that the node's store closes.
    network: Mutex<Option<Network>>,
    me: Weak<Swap>,
    /// One cheque issued at a time, so the available balance needs no in-flight term.
    issuing: tokio::sync::Mutex<()>,
    /// One cheque received at a time (the cheque store's global lock, spec §3.5 step 3).
    receiving: tokio::sync::Mutex<()>,
    /// One cash-out at a time (Bee's semaphore of size 1, spec §5.2).
    pub(crate) cashing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Swap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Swap({})", self.signer.address())
    }
}

impl Swap {
    /// Loads the SWAP state from `data_dir`, finds or deploys and funds the chequebook when
    /// SWAP is on (spec §4.3), and sets up the accounting, with the light factors for a
    /// light node (spec §1.7).
    pub async fn open(
        config: SwapConfig,
        full_node: bool,
        data_dir: &std::path::Path,
        signer: Signer,
        chain_id: u64,
        chain: Arc<ChainClient>,
    ) -> Result<Arc<Self>, NodeError> {
        let state_path = state::path(data_dir);
        let mut loaded = state::load(&state_path)?;
        if config.enable {
            match chequebook::init(&config, &signer, &chain, &loaded).await {
                Ok(address) => loaded.chequebook = Some(address),
                Err(error) => {
                    tracing::warn!(%error, "no chequebook: paying by time-based settlement only");
                    loaded.chequebook = None;
                }
            }
            state::save(&state_path, &loaded)?;
        }
        let mut accounting_config = config.accounting(loaded.chequebook.is_some());
        if !full_node {
            // Spec §1.7: a light node's accounting runs at the light ("enforced") refresh
            // rate; the threshold it grants full peers stays the configured one, so that
            // they accept it (their minimum is 2 × the full rate).
            accounting_config.refresh_rate = accounting_config
                .refresh_rate
                .checked_div(U256::from(accounting_config.light_factor.max(1)))
                .unwrap_or_default();
        }
        let accounting = Accounting::new(accounting_config)
            .map_err(|e| NodeError::Config(format!("accounting: {e}")))?;
        Ok(Arc::new_cyclic(|me| Self {
            config,
            signer,
            chain_id,
            chain,
            accounting: Mutex::new(accounting),
            actions: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            state: Mutex::new(loaded),
            state_path,
            network: Mutex::new(None),
            me: me.clone(),
            issuing: tokio::sync::Mutex::new(()),
            receiving: tokio::sync::Mutex::new(()),
            cashing: tokio::sync::Mutex::new(()),
        }))
    }

    /// Gives SWAP the network it settles over; call once, right after the network started.
    pub fn attach(&self, network: Network) {
        *self.network.lock().unwrap_or_else(PoisonError::into_inner) = Some(network);
    }

    /// Lets go of the network (at shutdown).
    pub fn detach(&self) {
        self.network
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// The attached network.
    pub(super) fn network(&self) -> Option<Network> {
        self.network
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The configuration.
    pub fn config(&self) -> &SwapConfig {
        &self.config
    }

    /// Our chequebook, if SWAP is on and it exists (spec §4.3).
    pub fn chequebook(&self) -> Option<Address> {
        self.state().chequebook
    }

    /// The accounting's view of one peer (spec §1.1).
    pub fn peer_state(&self, peer: &B256) -> Option<PeerState> {
        self.accounting().peer(peer).cloned()
    }

    /// Every peer the accounting knows, with its state (spec §1.1).
    pub fn peer_states(&self) -> Vec<(B256, PeerState)> {
        let accounting = self.accounting();
        accounting
            .peers()
            .map(|(peer, state)| (*peer, state.clone()))
            .collect()
    }

    /// The accounting's refresh rates, `(full, light)`, AU per second (spec §1.6, §1.7).
    pub fn refresh_rates(&self) -> (comb_accounting::I256, comb_accounting::I256) {
        let accounting = self.accounting();
        (
            accounting.refresh_rate(true),
            accounting.refresh_rate(false),
        )
    }

    /// A copy of the persisted state (cheques, refresh totals, cash-outs).
    pub fn snapshot(&self) -> SwapState {
        self.state().clone()
    }

    fn accounting(&self) -> MutexGuard<'_, Accounting> {
        self.accounting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn state(&self) -> MutexGuard<'_, SwapState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the persisted state and writes it.
    fn update<T>(&self, change: impl FnOnce(&mut SwapState) -> T) -> T {
        let mut state = self.state();
        let out = change(&mut state);
        if let Err(error) = state::save(&self.state_path, &state) {
            tracing::error!(%error, "saving the swap state failed");
        }
        out
    }

    fn keep(&self, action: Action) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.actions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, action);
        id
    }

    fn take(&self, id: u64) -> Option<Action> {
        self.actions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id)
    }

    /// Disconnects and refuses a peer for the accounting's blocklist duration (spec §1.2).
    fn block(&self, peer: B256, blocklist: Blocklist) {
        tracing::info!(%peer, seconds = blocklist.seconds, reason = ?blocklist.reason, "blocklisting peer");
        if let Some(network) = self.network() {
            network.blocklist(&peer, Duration::from_secs(blocklist.seconds.max(1)));
        }
    }

    /// Starts the settlements the accounting asked for (spec §1.5).
    fn settle(&self, peer: B256, settlement: Settlement) {
        if settlement.is_empty() {
            return;
        }
        let Some(me) = self.me.upgrade() else {
            return;
        };
        if let Some(amount) = settlement.refresh {
            let me = Arc::clone(&me);
            tokio::spawn(async move { me.refresh(peer, amount).await });
        }
        if let Some(amount) = settlement.cheque {
            tokio::spawn(async move { me.pay(peer, amount).await });
        }
    }

    /// Re-announces a grown threshold (spec §1.7).
    fn reannounce(&self, peer: B256, threshold: Option<U256>) {
        let (Some(threshold), Some(network)) = (threshold, self.network()) else {
            return;
        };
        tokio::spawn(async move {
            if let Err(error) = network.announce_threshold(&peer, threshold).await {
                tracing::debug!(%peer, %error, "threshold re-announcement failed");
            }
        });
    }

    /// Pseudosettle payer (spec §1.6): pays `amount`, checks the ack against the last sent
    /// record and reports to the accounting, which may blocklist the peer.
    async fn refresh(&self, peer: B256, amount: U256) {
        let last = self
            .state()
            .refresh_sent
            .get(&peer)
            .copied()
            .unwrap_or_default();
        let result = match self.network() {
            Some(network) => network.refresh(&peer, amount).await,
            None => Err(NetError::NotConnected),
        };
        let check_time = unix_now();
        let outcome = match result {
            Ok((accepted, timestamp)) => {
                let checked = i64::try_from(check_time)
                    .map_err(|_| comb_accounting::AccountingError::Overflow)
                    .and_then(|now| check_ack(amount, accepted, timestamp, &last.record(), now));
                match checked {
                    Ok(alleged_interval) => {
                        self.update(|state| {
                            let record = state.refresh_sent.entry(peer).or_default();
                            record.total = record.total.saturating_add(accepted);
                            record.timestamp = timestamp;
                            record.check_timestamp = i64::try_from(check_time).unwrap_or(0);
                        });
                        Ok(RefreshAck {
                            accepted,
                            alleged_interval,
                        })
                    }
                    Err(error) => {
                        tracing::info!(%peer, %error, "refresh acknowledgement refused");
                        Err(RefreshFailure::Other)
                    }
                }
            }
            Err(NetError::NotConnected) => Err(RefreshFailure::PeerNotFound),
            Err(error) => {
                tracing::debug!(%peer, %error, "refresh failed");
                Err(RefreshFailure::Other)
            }
        };
        let blocked = self
            .accounting()
            .notify_refreshment_sent(&peer, amount, outcome, check_time);
        match blocked {
            Ok(Some(blocklist)) => self.block(peer, blocklist),
            Ok(None) => {}
            Err(error) => tracing::debug!(%peer, %error, "refresh bookkeeping failed"),
        }
    }

    /// Sends a cheque for `amount` AU and reports to the accounting (spec §1.5
    /// NotifyPaymentSent).
    async fn pay(&self, peer: B256, amount: U256) {
        let result = self.send_cheque(peer, amount).await;
        if let Err(error) = &result {
            tracing::info!(%peer, %error, "cheque not sent");
        }
        if let Err(error) =
            self.accounting()
                .notify_payment_sent(&peer, amount, result.is_ok(), unix_now())
        {
            tracing::debug!(%peer, %error, "payment bookkeeping failed");
        }
    }
}

impl comb_net::Accounting for Swap {
    fn prepare(&self, exchange: &Exchange) -> Result<Reservation, String> {
        let now = unix_now();
        let price = U256::from(exchange.price);
        match exchange.direction {
            Direction::Credit => {
                if self.config.test_freeloader {
                    return Ok(Reservation::new(*exchange, 0));
                }
                let prepared = self
                    .accounting()
                    .prepare_credit(exchange.peer, price, exchange.originated, now)
                    .map_err(|e| e.to_string())?;
                self.settle(exchange.peer, prepared.settlement);
                match prepared.decision {
                    CreditDecision::Reserved(action) => Ok(Reservation::new(
                        *exchange,
                        self.keep(Action::Credit(action)),
                    )),
                    CreditDecision::Overdraft {
                        expected_debt,
                        limit,
                    } => Err(format!(
                        "overdraft: expected debt {expected_debt} above {limit}"
                    )),
                }
            }
            Direction::Debit => {
                let action = self
                    .accounting()
                    .prepare_debit(exchange.peer, price)
                    .map_err(|e| e.to_string())?;
                Ok(Reservation::new(
                    *exchange,
                    self.keep(Action::Debit(action)),
                ))
            }
        }
    }

    fn apply(&self, reservation: &mut Reservation) {
        reservation.applied = true;
        let Some(action) = self.take(reservation.id) else {
            return;
        };
        let peer = reservation.exchange.peer;
        let now = unix_now();
        match action {
            Action::Credit(mut action) => {
                let settled = self.accounting().apply_credit(&mut action, now);
                match settled {
                    Ok(settlement) => self.settle(peer, settlement),
                    Err(error) => tracing::debug!(%peer, %error, "credit not applied"),
                }
            }
            Action::Debit(mut action) => {
                let blocked = self.accounting().apply_debit(&mut action, now);
                match blocked {
                    Ok(Some(blocklist)) => self.block(peer, blocklist),
                    Ok(None) => {}
                    Err(error) => tracing::debug!(%peer, %error, "debit not applied"),
                }
            }
        }
    }

    fn cleanup(&self, reservation: Reservation) {
        let Some(action) = self.take(reservation.id) else {
            return;
        };
        let peer = reservation.exchange.peer;
        match action {
            Action::Credit(action) => {
                let _ = self.accounting().cleanup_credit(action);
            }
            Action::Debit(action) => {
                let blocked = self.accounting().cleanup_debit(action, unix_now());
                if let Ok(Some(blocklist)) = blocked {
                    self.block(peer, blocklist);
                }
            }
        }
    }

    fn connected(&self, peer: B256, full_node: bool) -> Result<(), String> {
        self.accounting()
            .connect(peer, full_node, unix_now())
            .map_err(|e| e.to_string())
    }

    fn threshold_for(&self, peer: B256) -> Option<U256> {
        self.accounting().threshold_for_peer(&peer).ok()
    }

    fn disconnected(&self, peer: B256) {
        let blocked = self.accounting().disconnect(&peer, unix_now());
        if let Ok(Some(blocklist)) = blocked {
            tracing::debug!(%peer, seconds = blocklist.seconds, "peer disconnected; blocklisted");
        }
    }

    fn threshold_announced(&self, peer: B256, threshold: U256) -> Result<(), String> {
        self.accounting()
            .notify_payment_threshold(&peer, threshold)
            .map_err(|e| e.to_string())
    }

    fn refresh_received(&self, peer: B256, amount: U256) -> Result<(U256, i64), String> {
        let now = unix_now();
        let mut state = self.state();
        let last = state
            .refresh_received
            .get(&peer)
            .copied()
            .unwrap_or_default();
        let last_timestamp = u64::try_from(last.timestamp).unwrap_or(0);
        let receipt = self
            .accounting()
            .receive_refresh(&peer, amount, last_timestamp, now)
            .map_err(|e| e.to_string())?;
        state.refresh_received.insert(
            peer,
            RefreshRecord {
                timestamp: i64::try_from(now).unwrap_or(i64::MAX),
                check_timestamp: 0,
                total: last.total.saturating_add(receipt.accepted),
            },
        );
        if let Err(error) = state::save(&self.state_path, &state) {
            tracing::error!(%error, "saving the swap state failed");
        }
        drop(state);
        self.reannounce(peer, receipt.reannounce);
        Ok((receipt.accepted, i64::try_from(now).unwrap_or(i64::MAX)))
    }

    fn cheque_rates(&self, peer: B256) -> Option<ChequeRates> {
        if !self.config.enable {
            return None;
        }
        let deducted = self.state().deducted_for.contains(&peer);
        Some(ChequeRates {
            exchange: U256::from(self.config.exchange_rate),
            deduction: if deducted {
                U256::ZERO
            } else {
                U256::from(self.config.deduction)
            },
        })
    }

    fn cheque_received(
        &self,
        peer: B256,
        cheque: Vec<u8>,
        rates: ChequeRates,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'static>> {
        let me = self.me.upgrade();
        Box::pin(async move {
            let me = me.ok_or_else(|| "shutting down".to_string())?;
            me.receive_cheque(peer, &cheque, rates)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
