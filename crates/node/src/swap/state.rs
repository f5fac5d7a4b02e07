//! What SWAP keeps on disk (spec `swap.md` §1.6 pseudosettle records, §3.6–§3.7 cheque
//! store, §4.3 chequebook, §5.2 cash-outs): one JSON file, `swap.json` in the data dir,
//! rewritten atomically (temporary file, then rename) after every change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use comb_accounting::pseudosettle::SettlementRecord;
use comb_primitives::cheque::{Cheque, SignedCheque};
use comb_primitives::{Address, Signature, B256, U256};
use serde::{Deserialize, Serialize};

use crate::NodeError;

/// A signed cheque as stored (spec §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCheque {
    /// The issuer's chequebook.
    pub chequebook: Address,
    /// The beneficiary.
    pub beneficiary: Address,
    /// Cumulative PLUR.
    pub cumulative_payout: U256,
    /// The issuer's EIP-712 signature.
    pub signature: Signature,
}

impl From<&SignedCheque> for StoredCheque {
    fn from(c: &SignedCheque) -> Self {
        Self {
            chequebook: c.cheque.chequebook,
            beneficiary: c.cheque.beneficiary,
            cumulative_payout: c.cheque.cumulative_payout,
            signature: c.signature,
        }
    }
}

impl StoredCheque {
    /// The cheque with its signature.
    pub fn signed(&self) -> SignedCheque {
        SignedCheque {
            cheque: Cheque {
                chequebook: self.chequebook,
                beneficiary: self.beneficiary,
                cumulative_payout: self.cumulative_payout,
            },
            signature: self.signature,
        }
    }
}

/// A `pseudosettle_total_{sent,received}_<peer>` record (spec §1.6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRecord {
    /// The receiver's timestamp of the last refresh, Unix seconds.
    pub timestamp: i64,
    /// The payer's clock when it checked that ack (sent records only).
    pub check_timestamp: i64,
    /// Sum of accepted amounts, AU.
    pub total: U256,
}

impl RefreshRecord {
    /// As the accounting crate's record.
    pub fn record(&self) -> SettlementRecord {
        SettlementRecord {
            timestamp: self.timestamp,
            check_timestamp: self.check_timestamp,
            total: self.total,
        }
    }
}

/// The last cash-out of a chequebook's cheques (spec §5.2, Bee's `swap_cashout_<chequebook>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CashoutRecord {
    /// The transaction.
    pub transaction_hash: B256,
    /// The cheque cashed.
    pub cheque: StoredCheque,
    /// Who received the payout.
    pub recipient: Address,
    /// PLUR paid by this cash-out (`ChequeCashed.totalPayout`).
    pub total_payout: U256,
    /// The cumulative payout the event reported.
    pub cumulative_payout: U256,
    /// Whether the cheque bounced.
    pub bounced: bool,
}

/// Everything SWAP persists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SwapState {
    /// Our chequebook (`swap_chequebook`, spec §4.3).
    pub chequebook: Option<Address>,
    /// PLUR promised by all cheques issued (`swap_chequebook_total_issued_`, spec §3.6).
    pub total_issued: U256,
    /// Last cheque issued per beneficiary (spec §3.6–§3.7).
    pub last_sent: BTreeMap<Address, StoredCheque>,
    /// Last cheque received per chequebook (spec §3.5, §3.7).
    pub last_received: BTreeMap<Address, StoredCheque>,
    /// Peer → its beneficiary address (`swap_peer_beneficiary_`, spec §3.7).
    pub peer_beneficiary: BTreeMap<B256, Address>,
    /// Peer → its chequebook (`swap_peer_chequebook_`, spec §3.7).
    pub peer_chequebook: BTreeMap<B256, Address>,
    /// Peers whose deduction we took (`swap_deducted_for_peer_`, spec §3.4).
    pub deducted_for: BTreeSet<B256>,
    /// Peers we paid a deduction (`swap_deducted_by_peer_`, spec §3.4).
    pub deducted_by: BTreeSet<B256>,
    /// Refreshes we sent, per peer (spec §1.6).
    pub refresh_sent: BTreeMap<B256, RefreshRecord>,
    /// Refreshes we received, per peer (spec §1.6).
    pub refresh_received: BTreeMap<B256, RefreshRecord>,
    /// Last cash-out per chequebook (spec §5.2).
    pub cashouts: BTreeMap<Address, CashoutRecord>,
}

impl SwapState {
    /// The peer whose chequebook is `chequebook` (`swap_chequebook_peer_`).
    pub fn peer_of_chequebook(&self, chequebook: &Address) -> Option<B256> {
        self.peer_chequebook
            .iter()
            .find(|(_, c)| *c == chequebook)
            .map(|(p, _)| *p)
    }

    /// The peer whose beneficiary is `beneficiary` (`swap_beneficiary_peer_`).
    pub fn peer_of_beneficiary(&self, beneficiary: &Address) -> Option<B256> {
        self.peer_beneficiary
            .iter()
            .find(|(_, b)| *b == beneficiary)
            .map(|(p, _)| *p)
    }

    /// The last cheque received from `peer`.
    pub fn last_received_from(&self, peer: &B256) -> Option<StoredCheque> {
        self.peer_chequebook
            .get(peer)
            .and_then(|c| self.last_received.get(c))
            .copied()
    }

    /// The last cheque sent to `peer`.
    pub fn last_sent_to(&self, peer: &B256) -> Option<StoredCheque> {
        self.peer_beneficiary
            .get(peer)
            .and_then(|b| self.last_sent.get(b))
            .copied()
    }
}

/// The state file in `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("swap.json")
}

/// Reads the state, empty if there is no file yet.
pub fn load(path: &Path) -> Result<SwapState, NodeError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| NodeError::Io(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SwapState::default()),
        Err(e) => Err(NodeError::Io(format!("{}: {e}", path.display()))),
    }
}

/// Writes the state atomically.
pub fn save(path: &Path, state: &SwapState) -> Result<(), NodeError> {
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| NodeError::Io(e.to_string()))?;
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| NodeError::Io(format!("{}: {e}", path.display())))
}
