//! The node's SWAP endpoints ([`comb_api::SwapApi`], spec `swap.md` §1.1, §1.6, §3.7, §4.2,
//! §5.2) over [`crate::swap::Swap`].

use std::collections::BTreeMap;

use comb_accounting::{AccountingError, PeerState, I256};
use comb_api::swap::{
    not_allowed, too_many_requests, Accounting, Balance, Balances, CashoutResult, CashoutStatus,
    ChequeView, ChequebookAddress, ChequebookBalance, LastCheques, PeerAccounting, PeerCheques,
    Settlement, Settlements, TransactionResponse,
};
use comb_api::{ApiError, SwapApi};
use comb_chain_rpc::producer::unix_now;
use comb_primitives::{B256, U256};

use crate::swap::state::{RefreshRecord, StoredCheque};
use crate::{Node, NodeError};

fn peer_hex(peer: &B256) -> String {
    hex::encode(peer)
}

fn cheque_view(cheque: &StoredCheque) -> ChequeView {
    ChequeView {
        beneficiary: cheque.beneficiary.to_checksum(None),
        chequebook: cheque.chequebook.to_checksum(None),
        payout: cheque.cumulative_payout.to_string(),
    }
}

fn tx(hash: B256) -> TransactionResponse {
    TransactionResponse {
        transaction_hash: format!("{hash:#x}"),
    }
}

/// Bee's statuses for SWAP failures.
fn api_error(error: NodeError) -> ApiError {
    match error {
        NodeError::Accounting(AccountingError::OutOfFunds { .. }) => {
            ApiError::bad_request("insufficient funds")
        }
        NodeError::Swap(message) if message == "no prior cheque" => ApiError::not_found(message),
        NodeError::Swap(message) if message == "no chequebook" => {
            not_allowed("chequebook not available")
        }
        other => ApiError::internal(other.to_string()),
    }
}

fn balance_of(peer: &B256, state: &PeerState, compensated: bool) -> Balance {
    let value: I256 = if compensated {
        state.compensated_balance().unwrap_or(state.balance)
    } else {
        state.balance
    };
    Balance {
        peer: peer_hex(peer),
        balance: value.to_string(),
    }
}

/// One peer's row of `GET /accounting`, computed as Bee v2.7's `PeerAccounting` does.
///
/// The "current" thresholds add what time-based settlement forgives to the static ones. Bee
/// takes `min(elapsed seconds, 1)` there, not `max`: whatever the time since the last refresh,
/// at most one second's refresh is added (and none within the same second). comb shows the same
/// numbers, quirk included, so that tools reading Bee's values read comb's alike.
/// `currentThresholdGiven` uses the refresh rate of the peer's kind (full or light),
/// `currentThresholdReceived` our own full rate, as Bee does.
/// `rates` are the accounting's `(full, light)` refresh rates.
fn peer_accounting(state: &PeerState, rates: (I256, I256), now: u64) -> PeerAccounting {
    let (full_rate, light_rate) = rates;
    let peer_rate = if state.full_node {
        full_rate
    } else {
        light_rate
    };
    let forgiven = |since: u64, rate: I256| {
        if now.saturating_sub(since) >= 1 {
            rate
        } else {
            I256::ZERO
        }
    };
    let current_given = state
        .disconnect_limit
        .saturating_add(forgiven(state.refresh_received_timestamp, peer_rate));
    let current_received = state
        .payment_threshold
        .saturating_add(forgiven(state.refresh_timestamp, full_rate));
    PeerAccounting {
        balance: state
            .compensated_balance()
            .unwrap_or(state.balance)
            .to_string(),
        consumed_balance: state.balance.to_string(),
        threshold_received: state.payment_threshold.to_string(),
        threshold_given: state.payment_threshold_for_peer.to_string(),
        current_threshold_received: current_received.to_string(),
        current_threshold_given: current_given.to_string(),
        surplus_balance: state.surplus.to_string(),
        reserved_balance: state.reserved.to_string(),
        shadow_reserved_balance: state.shadow_reserved.to_string(),
        ghost_balance: state.ghost.to_string(),
    }
}

/// Per-peer `(received, sent)` into Bee's settlements body.
fn settlements(totals: BTreeMap<B256, (U256, U256)>) -> Settlements {
    let (mut received, mut sent) = (U256::ZERO, U256::ZERO);
    let settlements = totals
        .iter()
        .map(|(peer, (r, s))| {
            received = received.saturating_add(*r);
            sent = sent.saturating_add(*s);
            Settlement {
                peer: peer_hex(peer),
                received: r.to_string(),
                sent: s.to_string(),
            }
        })
        .collect();
    Settlements {
        total_received: received.to_string(),
        total_sent: sent.to_string(),
        settlements,
    }
}

impl Node {
    fn balance(&self, peer: B256, compensated: bool) -> Result<Balance, ApiError> {
        self.swap
            .peer_state(&peer)
            .map(|state| balance_of(&peer, &state, compensated))
            .ok_or_else(|| ApiError::not_found("no balance for peer"))
    }

    fn all_balances(&self, compensated: bool) -> Balances {
        Balances {
            balances: self
                .swap
                .peer_states()
                .iter()
                .map(|(peer, state)| balance_of(peer, state, compensated))
                .collect(),
        }
    }

    /// Cheque totals per peer: (received, sent) cumulative payouts, PLUR (spec §3.7).
    fn cheque_totals(&self) -> BTreeMap<B256, (U256, U256)> {
        let state = self.swap.snapshot();
        let mut totals: BTreeMap<B256, (U256, U256)> = BTreeMap::new();
        for (peer, _) in state.peer_chequebook.iter() {
            if let Some(cheque) = state.last_received_from(peer) {
                totals.entry(*peer).or_default().0 = cheque.cumulative_payout;
            }
        }
        for (peer, _) in state.peer_beneficiary.iter() {
            if let Some(cheque) = state.last_sent_to(peer) {
                totals.entry(*peer).or_default().1 = cheque.cumulative_payout;
            }
        }
        totals
    }

    fn peer_cheques_of(&self, peer: &B256) -> PeerCheques {
        let state = self.swap.snapshot();
        PeerCheques {
            peer: peer_hex(peer),
            lastreceived: state.last_received_from(peer).as_ref().map(cheque_view),
            lastsent: state.last_sent_to(peer).as_ref().map(cheque_view),
        }
    }
}

impl SwapApi for Node {
    fn accounting(&self) -> Accounting {
        let rates = self.swap.refresh_rates();
        let now = unix_now();
        Accounting {
            peer_data: self
                .swap
                .peer_states()
                .iter()
                .map(|(peer, state)| (peer_hex(peer), peer_accounting(state, rates, now)))
                .collect(),
        }
    }

    fn balances(&self) -> Balances {
        self.all_balances(true)
    }

    fn peer_balance(&self, peer: B256) -> Result<Balance, ApiError> {
        self.balance(peer, true)
    }

    fn consumed(&self) -> Balances {
        self.all_balances(false)
    }

    fn peer_consumed(&self, peer: B256) -> Result<Balance, ApiError> {
        self.balance(peer, false)
    }

    fn settlements(&self) -> Settlements {
        settlements(self.cheque_totals())
    }

    fn peer_settlements(&self, peer: B256) -> Result<Settlement, ApiError> {
        let (received, sent) = self
            .cheque_totals()
            .remove(&peer)
            .ok_or_else(|| ApiError::not_found("no settlements for peer"))?;
        Ok(Settlement {
            peer: peer_hex(&peer),
            received: received.to_string(),
            sent: sent.to_string(),
        })
    }

    fn time_settlements(&self) -> Settlements {
        let state = self.swap.snapshot();
        let mut totals: BTreeMap<B256, (U256, U256)> = BTreeMap::new();
        let records = |map: &BTreeMap<B256, RefreshRecord>| {
            map.iter()
                .map(|(peer, record)| (*peer, record.total))
                .collect::<Vec<_>>()
        };
        for (peer, total) in records(&state.refresh_received) {
            totals.entry(peer).or_default().0 = total;
        }
        for (peer, total) in records(&state.refresh_sent) {
            totals.entry(peer).or_default().1 = total;
        }
        settlements(totals)
    }

    fn chequebook_address(&self) -> Result<ChequebookAddress, ApiError> {
        let address = self
            .swap
            .chequebook()
            .ok_or_else(|| api_error(NodeError::Swap("no chequebook".into())))?;
        Ok(ChequebookAddress {
            chequebook_address: address.to_checksum(None),
        })
    }

    async fn chequebook_balance(&self) -> Result<ChequebookBalance, ApiError> {
        let (total, available) = self.swap.chequebook_balance().await.map_err(api_error)?;
        Ok(ChequebookBalance {
            total_balance: total.to_string(),
            available_balance: available.to_string(),
        })
    }

    fn last_cheques(&self) -> LastCheques {
        let state = self.swap.snapshot();
        let mut peers: Vec<B256> = state
            .peer_chequebook
            .keys()
            .chain(state.peer_beneficiary.keys())
            .copied()
            .collect();
        peers.sort();
        peers.dedup();
        LastCheques {
            lastcheques: peers
                .iter()
                .map(|peer| self.peer_cheques_of(peer))
                .filter(|c| c.lastreceived.is_some() || c.lastsent.is_some())
                .collect(),
        }
    }

    fn peer_cheques(&self, peer: B256) -> PeerCheques {
        self.peer_cheques_of(&peer)
    }

    async fn cashout(&self, peer: B256) -> Result<TransactionResponse, ApiError> {
        let Ok(_one_at_a_time) = self.swap.cashing.try_lock() else {
            return Err(too_many_requests(
                "simultaneous on-chain operations not supported",
            ));
        };
        self.swap.cashout(&peer).await.map(tx).map_err(api_error)
    }

    fn cashout_status(&self, peer: B256) -> Result<CashoutStatus, ApiError> {
        let (cheque, cashout, uncashed) = self.swap.cashout_status(&peer).map_err(api_error)?;
        let _ = cheque;
        Ok(CashoutStatus {
            peer: peer_hex(&peer),
            last_cashed_cheque: cashout.as_ref().map(|c| cheque_view(&c.cheque)),
            transaction_hash: cashout
                .as_ref()
                .map(|c| format!("{:#x}", c.transaction_hash)),
            result: cashout.as_ref().map(|c| CashoutResult {
                recipient: c.recipient.to_checksum(None),
                last_payout: c.total_payout.to_string(),
                bounced: c.bounced,
            }),
            uncashed_amount: uncashed.to_string(),
        })
    }

    async fn deposit(&self, amount: U256) -> Result<TransactionResponse, ApiError> {
        self.swap.deposit(amount).await.map(tx).map_err(api_error)
    }

    async fn withdraw(&self, amount: U256) -> Result<TransactionResponse, ApiError> {
        self.swap.withdraw(amount).await.map(tx).map_err(api_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(value: i64) -> I256 {
        I256::try_from(value).expect("fits")
    }

    /// Bee's `PeerAccounting` arithmetic, worked by hand: default config (refresh rate
    /// 4,500,000 AU/s, light factor 10).
    #[test]
    fn accounting_rows_follow_bee() {
        // The rates as the accounting derives them from its default configuration.
        let accounting =
            comb_accounting::Accounting::new(comb_accounting::AccountingConfig::default())
                .expect("default config");
        let rates = (
            accounting.refresh_rate(true),
            accounting.refresh_rate(false),
        );
        assert_eq!(rates, (amount(4_500_000), amount(450_000)));
        let state = PeerState {
            balance: amount(-700),
            surplus: amount(200),
            reserved: amount(11),
            shadow_reserved: amount(22),
            ghost: amount(33),
            payment_threshold: amount(13_500_000),
            payment_threshold_for_peer: amount(1_350_000),
            disconnect_limit: amount(1_687_500),
            refresh_timestamp: 100,
            refresh_received_timestamp: 1_000,
            full_node: false,
            ..PeerState::default()
        };
        let row = peer_accounting(&state, rates, 1_000);
        assert_eq!(row.balance, "-900");
        assert_eq!(row.consumed_balance, "-700");
        assert_eq!(row.surplus_balance, "200");
        assert_eq!(row.threshold_received, "13500000");
        assert_eq!(row.threshold_given, "1350000");
        // 900 s since our refresh: Bee's min(900, 1) = 1 second at the full rate.
        assert_eq!(row.current_threshold_received, "18000000");
        // The peer refreshed this very second: nothing forgiven yet.
        assert_eq!(row.current_threshold_given, "1687500");
        assert_eq!(row.reserved_balance, "11");
        assert_eq!(row.shadow_reserved_balance, "22");
        assert_eq!(row.ghost_balance, "33");
        // A second later the light peer is forgiven one second at the light rate, 450,000.
        let later = peer_accounting(&state, rates, 1_001);
        assert_eq!(later.current_threshold_given, "2137500");
        let full = PeerState {
            full_node: true,
            ..state
        };
        assert_eq!(
            peer_accounting(&full, rates, 1_001).current_threshold_given,
            "6187500"
        );
    }
}
