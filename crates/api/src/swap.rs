//! What the SWAP endpoints need from a node (spec `swap.md` §3.7, §5.2), and their JSON in
//! Bee's shape: Bee's field names, big numbers as decimal strings (Bee's `bigint.BigInt`),
//! addresses as Bee prints them (`0x`-prefixed EIP-55 for Ethereum addresses, bare hex for
//! overlays).

use std::collections::BTreeMap;
use std::future::Future;

use comb_primitives::{B256, U256};
use serde::Serialize;

use crate::ApiError;

/// One peer's balance (`/balances`, `/consumed`; spec §1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    /// The peer's overlay, hex.
    pub peer: String,
    /// The balance in AU, decimal (positive: the peer owes us).
    pub balance: String,
}

/// `GET /balances`, `GET /consumed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balances {
    /// One entry per peer.
    pub balances: Vec<Balance>,
}

/// One peer's settlements (`/settlements`, `/timesettlements`; spec §3.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settlement {
    /// The peer's overlay, hex.
    pub peer: String,
    /// Total received from the peer, decimal.
    pub received: String,
    /// Total sent to the peer, decimal.
    pub sent: String,
}

/// `GET /settlements`, `GET /timesettlements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settlements {
    /// Sum received.
    pub total_received: String,
    /// Sum sent.
    pub total_sent: String,
    /// Per peer.
    pub settlements: Vec<Settlement>,
}

/// `GET /chequebook/address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChequebookAddress {
    /// The chequebook, `0x`-prefixed EIP-55.
    pub chequebook_address: String,
}

/// `GET /chequebook/balance` (spec §3.6, §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChequebookBalance {
    /// The chequebook's token balance, PLUR.
    pub total_balance: String,
    /// What cheques have not yet promised, PLUR.
    pub available_balance: String,
}

/// A cheque as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChequeView {
    /// The beneficiary, `0x`-prefixed EIP-55.
    pub beneficiary: String,
    /// The chequebook, `0x`-prefixed EIP-55.
    pub chequebook: String,
    /// The cumulative payout, PLUR.
    pub payout: String,
}

/// `GET /chequebook/cheque/{peer}` and the entries of `GET /chequebook/cheque`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerCheques {
    /// The peer's overlay, hex.
    pub peer: String,
    /// The last cheque received from the peer.
    pub lastreceived: Option<ChequeView>,
    /// The last cheque sent to the peer.
    pub lastsent: Option<ChequeView>,
}

/// `GET /chequebook/cheque`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastCheques {
    /// One entry per peer with a cheque either way.
    pub lastcheques: Vec<PeerCheques>,
}

/// The outcome of a cash-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CashoutResult {
    /// Who received the payout.
    pub recipient: String,
    /// PLUR paid.
    pub last_payout: String,
    /// Whether the cheque bounced.
    pub bounced: bool,
}

/// `GET /chequebook/cashout/{peer}` (spec §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CashoutStatus {
    /// The peer's overlay, hex.
    pub peer: String,
    /// The cheque last cashed, if any.
    pub last_cashed_cheque: Option<ChequeView>,
    /// Its transaction, if any.
    pub transaction_hash: Option<String>,
    /// Its outcome, if any.
    pub result: Option<CashoutResult>,
    /// PLUR received but not yet cashed.
    pub uncashed_amount: String,
}

/// A transaction the endpoint sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionResponse {
    /// Its hash, `0x`-prefixed.
    pub transaction_hash: String,
}

/// One peer's accounting as Bee's `GET /accounting` shows it (Bee v2.7 `peerDataResponse`,
/// spec `swap.md` §1.1). Every value is a decimal string in accounting units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerAccounting {
    /// `balance − surplus`, as `/balances` shows it (spec §1.1 compensated balance).
    pub balance: String,
    /// The raw balance, as `/consumed` shows it (spec §1.1).
    pub consumed_balance: String,
    /// The threshold the peer announced to us (spec §1.1 `paymentThreshold`).
    pub threshold_received: String,
    /// The threshold we grant the peer (spec §1.1 `paymentThresholdForPeer`).
    pub threshold_given: String,
    /// `thresholdReceived` plus what time-based settlement forgives since our last refresh.
    pub current_threshold_received: String,
    /// The disconnect limit plus what time-based settlement forgives since the peer's last
    /// refresh.
    pub current_threshold_given: String,
    /// The peer's overpayment (spec §1.1 surplus).
    pub surplus_balance: String,
    /// Prepared, unapplied credits (spec §1.1 `reservedBalance`).
    pub reserved_balance: String,
    /// Prepared debits and cheques in flight (spec §1.1 `shadowReservedBalance`).
    pub shadow_reserved_balance: String,
    /// Prepared debits that could not be applied (spec §1.1 `ghostBalance`).
    pub ghost_balance: String,
}

/// `GET /accounting`: every peer the accounting knows, keyed by overlay hex (Bee's `peerData`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accounting {
    /// Per peer.
    pub peer_data: BTreeMap<String, PeerAccounting>,
}

/// The SWAP side of a node (spec `swap.md` §1.1, §3.7, §4.2, §5.2). Errors carry Bee's
/// status: 404 for an unknown peer or a missing cheque, 400 for insufficient funds, 429 for
/// a concurrent cash-out, 405 when SWAP is off.
pub trait SwapApi: Send + Sync + 'static {
    /// `GET /balances`: `balance − surplus` per peer (spec §1.1 compensated balance).
    fn balances(&self) -> Balances;
    /// `GET /accounting`: the whole per-peer accounting state (spec §1.1, Bee's
    /// `accountingInfoHandler`).
    fn accounting(&self) -> Accounting;
    /// `GET /balances/{peer}`.
    fn peer_balance(&self, peer: B256) -> Result<Balance, ApiError>;
    /// `GET /consumed`: the raw balance per peer (spec §1.1).
    fn consumed(&self) -> Balances;
    /// `GET /consumed/{peer}`.
    fn peer_consumed(&self, peer: B256) -> Result<Balance, ApiError>;
    /// `GET /settlements`: cheque totals per peer, PLUR (spec §3.7).
    fn settlements(&self) -> Settlements;
    /// `GET /settlements/{peer}`.
    fn peer_settlements(&self, peer: B256) -> Result<Settlement, ApiError>;
    /// `GET /timesettlements`: pseudosettle totals per peer, AU (spec §1.6, §3.7).
    fn time_settlements(&self) -> Settlements;
    /// `GET /chequebook/address`.
    fn chequebook_address(&self) -> Result<ChequebookAddress, ApiError>;
    /// `GET /chequebook/balance`.
    fn chequebook_balance(
        &self,
    ) -> impl Future<Output = Result<ChequebookBalance, ApiError>> + Send;
    /// `GET /chequebook/cheque`.
    fn last_cheques(&self) -> LastCheques;
    /// `GET /chequebook/cheque/{peer}`.
    fn peer_cheques(&self, peer: B256) -> PeerCheques;
    /// `POST /chequebook/cashout/{peer}`.
    fn cashout(
        &self,
        peer: B256,
    ) -> impl Future<Output = Result<TransactionResponse, ApiError>> + Send;
    /// `GET /chequebook/cashout/{peer}`.
    fn cashout_status(&self, peer: B256) -> Result<CashoutStatus, ApiError>;
    /// `POST /chequebook/deposit?amount=`.
    fn deposit(
        &self,
        amount: U256,
    ) -> impl Future<Output = Result<TransactionResponse, ApiError>> + Send;
    /// `POST /chequebook/withdraw?amount=`.
    fn withdraw(
        &self,
        amount: U256,
    ) -> impl Future<Output = Result<TransactionResponse, ApiError>> + Send;
}

/// 429: another cash-out is running (Bee: "simultaneous on-chain operations not supported",
/// spec §5.2).
pub fn too_many_requests(message: impl Into<String>) -> ApiError {
    ApiError::new(axum::http::StatusCode::TOO_MANY_REQUESTS, message)
}

/// 405: SWAP is off or there is no chequebook (Bee answers `ErrChainDisabled` so).
pub fn not_allowed(message: impl Into<String>) -> ApiError {
    ApiError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, message)
}
