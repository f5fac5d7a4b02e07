//! The chequebook side of SWAP: deployment and funding at first start (spec `swap.md` §4.3),
//! issuing cheques (§3.4, §3.6), receiving them (§3.5), cash-out, deposit and withdrawal
//! (§4.2, §5.2).

use comb_accounting::cheque::{
    available_balance, cheque_value, decode_json, encode_json, validate_received, ChequebookFacts,
    ReceiveContext,
};
use comb_accounting::{AccountingError, U256};
use comb_chain::chequebook::Chequebooks;
use comb_chain::events::Event;
use comb_chain::Call;
use comb_chain_rpc::ChainClient;
use comb_net::ChequeRates;
use comb_primitives::cheque::Cheque;
use comb_primitives::{Address, Signer, B256};

use super::config::SwapConfig;
use super::state::{CashoutRecord, StoredCheque, SwapState};
use super::Swap;
use crate::NodeError;

/// Blocks per `comb_getEvents` request while looking for our chequebook.
const EVENT_WINDOW: u64 = 10_000;

/// Finds our chequebook, or deploys and funds one (spec §4.3 steps 2–6): the address in the
/// state file if the factory knows it, else a `SimpleSwapDeployed` event naming us as
/// issuer, else `deploySimpleSwap(us, 0, random salt)` followed by a deposit of
/// `chequebook_deposit` PLUR (a plain token transfer, §4.2).
pub(super) async fn init(
    config: &SwapConfig,
    signer: &Signer,
    chain: &ChainClient,
    state: &SwapState,
) -> Result<Address, NodeError> {
    let me = signer.address();
    if let Some(address) = state.chequebook {
        match chain.chequebook(address).await? {
            Some(info) if info.issuer == me => return Ok(address),
            _ => tracing::warn!(%address, "stored chequebook unknown to the factory"),
        }
    }
    if let Some(address) = find_deployed(chain, me).await? {
        tracing::info!(%address, "found our chequebook on chain");
        return Ok(address);
    }
    let salt = B256::from(rand::random::<[u8; 32]>());
    let receipt = chain
        .send(signer, Call::DeployChequebook { issuer: me, salt })
        .await?;
    let address = receipt
        .events
        .iter()
        .find_map(|event| match event {
            Event::SimpleSwapDeployed {
                contract_address, ..
            } => Some(*contract_address),
            _ => None,
        })
        .unwrap_or_else(|| Chequebooks::chequebook_address(&me, &salt));
    tracing::info!(%address, "chequebook deployed");
    let deposit = U256::from(config.chequebook_deposit);
    if !deposit.is_zero() {
        let transfer = Call::Transfer {
            to: address,
            amount: deposit,
        };
        if let Err(error) = chain.send(signer, transfer).await {
            tracing::warn!(%error, %deposit, "initial chequebook deposit failed");
        }
    }
    Ok(address)
}

/// The chequebook a `SimpleSwapDeployed` event names us the issuer of, if any.
async fn find_deployed(chain: &ChainClient, me: Address) -> Result<Option<Address>, NodeError> {
    let head = chain.block_number().await?;
    let mut from = 0u64;
    while from <= head {
        let to = from.saturating_add(EVENT_WINDOW).min(head);
        for record in chain.events(from, to).await? {
            if let Event::SimpleSwapDeployed {
                contract_address,
                issuer,
            } = record.event
            {
                if issuer == me {
                    return Ok(Some(contract_address));
                }
            }
        }
        from = to.saturating_add(1);
    }
    Ok(None)
}

fn swap_error(message: &str) -> NodeError {
    NodeError::Swap(message.to_string())
}

impl Swap {
    /// Issues and sends a cheque worth `amount` AU to `peer` (spec §3.4, §3.6): reads the
    /// receiver's rates, checks them, checks the available balance, signs the new cumulative
    /// payout for our chain id and, only once it was written, stores it as the last cheque
    /// sent and adds it to the total issued.
    pub(super) async fn send_cheque(&self, peer: B256, amount: U256) -> Result<(), NodeError> {
        let _one_at_a_time = self.issuing.lock().await;
        let network = self
            .network()
            .ok_or_else(|| swap_error("network not attached"))?;
        let chequebook = self
            .chequebook()
            .ok_or_else(|| swap_error("no chequebook"))?;
        let beneficiary = network
            .peer(&peer)
            .ok_or_else(|| swap_error("peer not connected"))?
            .eth_address;
        let stream = network.open_cheque_stream(&peer).await?;
        let rates = stream
            .rates()
            .ok_or_else(|| swap_error("no exchange header"))?;
        let (already_deducted, total_issued, last) = {
            let state = self.state();
            (
                state.deducted_by.contains(&peer),
                state.total_issued,
                state
                    .last_sent
                    .get(&beneficiary)
                    .map(|c| c.cumulative_payout)
                    .unwrap_or_default(),
            )
        };
        let value = cheque_value(
            amount,
            rates.exchange,
            rates.deduction,
            U256::from(self.config.exchange_rate),
            U256::from(self.config.deduction),
            already_deducted,
        )?;
        let info = self
            .chain
            .chequebook(chequebook)
            .await?
            .ok_or_else(|| swap_error("own chequebook not on chain"))?;
        let available = available_balance(info.balance, info.total_paid_out, total_issued);
        if value > available {
            return Err(AccountingError::OutOfFunds {
                needed: value,
                available,
            }
            .into());
        }
        let cumulative_payout = last.checked_add(value).ok_or(AccountingError::Overflow)?;
        let signed = Cheque {
            chequebook,
            beneficiary,
            cumulative_payout,
        }
        .sign(&self.signer, self.chain_id)
        .map_err(|e| swap_error(&e.to_string()))?;
        stream.emit(encode_json(&signed)).await?;
        self.update(|state| {
            state
                .last_sent
                .insert(beneficiary, StoredCheque::from(&signed));
            state.total_issued = state.total_issued.saturating_add(value);
            state.peer_beneficiary.insert(peer, beneficiary);
            if !rates.deduction.is_zero() {
                state.deducted_by.insert(peer);
            }
        });
        tracing::debug!(%peer, %amount, %value, "cheque sent");
        Ok(())
    }

    /// Receives a cheque from `peer` after we answered `rates` (spec §3.5): parses the JSON,
    /// reads the chequebook from the chain, validates in Bee's order, stores it as the last
    /// received cheque of its chequebook and credits the accounting (§1.8).
    pub(super) async fn receive_cheque(
        &self,
        peer: B256,
        bytes: &[u8],
        rates: ChequeRates,
    ) -> Result<(), NodeError> {
        let signed = decode_json(bytes)?;
        let _one_at_a_time = self.receiving.lock().await;
        let own = self.signer.address();
        let facts = self
            .chain
            .chequebook(signed.cheque.chequebook)
            .await?
            .map(|info| ChequebookFacts {
                issuer: info.issuer,
                balance: info.balance,
                paid_out: info.paid_out.get(&own).copied().unwrap_or_default(),
            });
        let (known_chequebook, last_cumulative) = {
            let state = self.state();
            (
                state.peer_chequebook.get(&peer).copied(),
                state
                    .last_received
                    .get(&signed.cheque.chequebook)
                    .map(|c| c.cumulative_payout),
            )
        };
        let context = ReceiveContext {
            own,
            chain_id: self.chain_id,
            known_chequebook,
            last_cumulative,
            facts,
            exchange_rate: rates.exchange,
            deduction: rates.deduction,
        };
        let units = validate_received(&signed, &context)?;
        self.update(|state| {
            state
                .last_received
                .insert(signed.cheque.chequebook, StoredCheque::from(&signed));
            state.peer_chequebook.insert(peer, signed.cheque.chequebook);
            if !rates.deduction.is_zero() {
                state.deducted_for.insert(peer);
            }
        });
        let reannounce = self.accounting().notify_payment_received(&peer, units)?;
        self.reannounce(peer, reannounce);
        tracing::debug!(%peer, %units, "cheque received");
        Ok(())
    }

    /// `POST /chequebook/cashout/{peer}` (spec §5.2): cashes the last cheque received from
    /// `peer` with `cashChequeBeneficiary`, paying into our chequebook if we have one, else
    /// our address; remembers the cash-out. Returns the transaction hash.
    pub async fn cashout(&self, peer: &B256) -> Result<B256, NodeError> {
        let cheque = self
            .state()
            .last_received_from(peer)
            .ok_or_else(|| swap_error("no prior cheque"))?;
        let recipient = self.chequebook().unwrap_or(self.signer.address());
        let receipt = self
            .chain
            .send(
                &self.signer,
                Call::CashCheque {
                    chequebook: cheque.chequebook,
                    recipient,
                    cumulative_payout: cheque.cumulative_payout,
                    signature: cheque.signature,
                },
            )
            .await?;
        let mut record = CashoutRecord {
            transaction_hash: receipt.transaction_hash,
            cheque,
            recipient,
            total_payout: U256::ZERO,
            cumulative_payout: cheque.cumulative_payout,
            bounced: false,
        };
        for event in &receipt.events {
            match event {
                Event::ChequeCashed {
                    total_payout,
                    cumulative_payout,
                    ..
                } => {
                    record.total_payout = *total_payout;
                    record.cumulative_payout = *cumulative_payout;
                }
                Event::ChequeBounced { .. } => record.bounced = true,
                _ => {}
            }
        }
        self.update(|state| state.cashouts.insert(cheque.chequebook, record));
        Ok(receipt.transaction_hash)
    }

    /// `GET /chequebook/cashout/{peer}` (spec §5.2): the last cheque received from `peer`,
    /// the last cash-out of its chequebook if any, and what is still uncashed.
    pub fn cashout_status(
        &self,
        peer: &B256,
    ) -> Result<(StoredCheque, Option<CashoutRecord>, U256), NodeError> {
        let state = self.state();
        let cheque = state
            .last_received_from(peer)
            .ok_or_else(|| swap_error("no prior cheque"))?;
        let cashout = state.cashouts.get(&cheque.chequebook).copied();
        let uncashed = match &cashout {
            None => cheque.cumulative_payout,
            Some(record) => cheque
                .cumulative_payout
                .saturating_sub(record.cumulative_payout),
        };
        Ok((cheque, cashout, uncashed))
    }

    /// `GET /chequebook/balance` (spec §5.2): the chequebook's token balance and what is
    /// not yet promised by cheques (§3.6).
    pub async fn chequebook_balance(&self) -> Result<(U256, U256), NodeError> {
        let chequebook = self
            .chequebook()
            .ok_or_else(|| swap_error("no chequebook"))?;
        let info = self
            .chain
            .chequebook(chequebook)
            .await?
            .ok_or_else(|| swap_error("own chequebook not on chain"))?;
        let issued = self.state().total_issued;
        Ok((
            info.balance,
            available_balance(info.balance, info.total_paid_out, issued),
        ))
    }

    /// `POST /chequebook/deposit?amount=` (spec §4.2): a token transfer from our wallet to
    /// the chequebook, refused when the wallet holds less.
    pub async fn deposit(&self, amount: U256) -> Result<B256, NodeError> {
        let chequebook = self
            .chequebook()
            .ok_or_else(|| swap_error("no chequebook"))?;
        let wallet = self.chain.balance(self.signer.address()).await?;
        if wallet < amount {
            return Err(AccountingError::OutOfFunds {
                needed: amount,
                available: wallet,
            }
            .into());
        }
        let receipt = self
            .chain
            .send(
                &self.signer,
                Call::Transfer {
                    to: chequebook,
                    amount,
                },
            )
            .await?;
        Ok(receipt.transaction_hash)
    }

    /// `POST /chequebook/withdraw?amount=` (spec §4.2): the issuer takes tokens back, at
    /// most the available balance so that issued cheques stay covered (Bee's check).
    pub async fn withdraw(&self, amount: U256) -> Result<B256, NodeError> {
        let chequebook = self
            .chequebook()
            .ok_or_else(|| swap_error("no chequebook"))?;
        let (_, available) = self.chequebook_balance().await?;
        if available < amount {
            return Err(AccountingError::OutOfFunds {
                needed: amount,
                available,
            }
            .into());
        }
        let receipt = self
            .chain
            .send(
                &self.signer,
                Call::WithdrawChequebook { chequebook, amount },
            )
            .await?;
        Ok(receipt.transaction_hash)
    }
}
