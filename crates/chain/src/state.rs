//! The whole ledger state, and the dispatch of one call to the contract modules.

use std::collections::BTreeMap;

use comb_primitives::keccak::keccak256;
use comb_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

use crate::accounts::{POSTAGE_STAMP, STAKE_REGISTRY};
use crate::chequebook::Chequebooks;
use crate::env::{Env, Events};
use crate::events::Event;
use crate::oracle::PriceOracle;
use crate::postage::PostageStamp;
use crate::redistribution::Redistribution;
use crate::staking::StakeRegistry;
use crate::token::Token;
use crate::tx::Call;
use crate::ChainError;

/// Everything the ledger knows, in one value: applying a transaction maps one `State` to the
/// next. It serialises canonically (ordered maps), and its keccak is the block's state root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Each account's next nonce.
    pub nonces: BTreeMap<Address, u64>,
    /// BZZ balances, contracts included.
    pub token: Token,
    /// PostageStamp.
    pub postage: PostageStamp,
    /// PriceOracle.
    pub oracle: PriceOracle,
    /// StakeRegistry.
    pub staking: StakeRegistry,
    /// Redistribution.
    pub redistribution: Redistribution,
    /// Chequebooks.
    pub chequebooks: Chequebooks,
}

/// What a successful call returns besides its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "value")]
pub enum Outcome {
    /// Nothing to return.
    None,
    /// A batch id (createBatch).
    BatchId(B256),
    /// An address (deployChequebook).
    Address(Address),
    /// An amount (withdrawals, cashing).
    Amount(U256),
}

impl State {
    /// The state root: keccak256 of the canonical JSON.
    pub fn root(&self) -> Result<B256, ChainError> {
        let json = serde_json::to_vec(self).map_err(|_| ChainError::Arithmetic)?;
        Ok(B256::from(keccak256(json)))
    }

    /// The account's next nonce.
    pub fn nonce(&self, account: &Address) -> u64 {
        self.nonces.get(account).copied().unwrap_or(0)
    }

    /// Runs one call. On error the state may be partly changed: callers apply calls to a
    /// copy (see [`crate::ledger::Ledger::submit`]).
    pub fn dispatch(
        &mut self,
        env: &Env,
        chain_id: u64,
        call: &Call,
        events: &mut Events,
    ) -> Result<Outcome, ChainError> {
        let price = self.oracle.current_price();
        match call {
            Call::Transfer { to, amount } => {
                self.token.transfer(&env.sender, to, *amount)?;
                events.push(Event::Transfer {
                    from: env.sender,
                    to: *to,
                    value: *amount,
                });
                Ok(Outcome::None)
            }
            Call::CreateBatch {
                owner,
                initial_balance_per_chunk,
                depth,
                bucket_depth,
                nonce,
                immutable,
            } => self
                .postage
                .create_batch(
                    env,
                    &mut self.token,
                    events,
                    *owner,
                    *initial_balance_per_chunk,
                    *depth,
                    *bucket_depth,
                    *nonce,
                    *immutable,
                )
                .map(Outcome::BatchId),
            Call::TopUp {
                batch_id,
                topup_per_chunk,
            } => self
                .postage
                .top_up(env, &mut self.token, events, *batch_id, *topup_per_chunk)
                .map(|()| Outcome::None),
            Call::IncreaseDepth {
                batch_id,
                new_depth,
            } => self
                .postage
                .increase_depth(env, events, *batch_id, *new_depth)
                .map(|()| Outcome::None),
            Call::ExpireLimited { limit } => self
                .postage
                .expire_limited(env.block, *limit)
                .map(|()| Outcome::None),
            Call::ManageStake {
                nonce,
                amount,
                height,
            } => self
                .staking
                .manage_stake(
                    env,
                    &mut self.token,
                    events,
                    price,
                    *nonce,
                    *amount,
                    *height,
                )
                .map(|()| Outcome::None),
            Call::WithdrawFromStake => self
                .staking
                .withdraw_from_stake(env, &mut self.token, events, price)
                .map(Outcome::Amount),
            Call::Commit {
                obfuscated_hash,
                round,
            } => self
                .redistribution
                .commit(env, &self.staking, price, events, *obfuscated_hash, *round)
                .map(|()| Outcome::None),
            Call::Reveal {
                depth,
                hash,
                reveal_nonce,
            } => self
                .redistribution
                .reveal(env, &self.staking, events, *depth, *hash, *reveal_nonce)
                .map(|()| Outcome::None),
            Call::Claim { proofs } => self
                .redistribution
                .claim(
                    env,
                    &mut self.staking,
                    &mut self.oracle,
                    &mut self.postage,
                    &mut self.token,
                    events,
                    proofs,
                )
                .map(|_| Outcome::None),
            Call::DeployChequebook { issuer, salt } => self
                .chequebooks
                .deploy(env, events, *issuer, *salt)
                .map(Outcome::Address),
            Call::CashCheque {
                chequebook,
                recipient,
                cumulative_payout,
                signature,
            } => self
                .chequebooks
                .cash_cheque_beneficiary(
                    env,
                    &mut self.token,
                    events,
                    chain_id,
                    *chequebook,
                    *recipient,
                    *cumulative_payout,
                    signature,
                )
                .map(Outcome::Amount),
            Call::WithdrawChequebook { chequebook, amount } => self
                .chequebooks
                .withdraw(env, &mut self.token, events, *chequebook, *amount)
                .map(|()| Outcome::None),
        }
    }

    /// Checks the ledger's bookkeeping invariants: the token balances sum to the supply; the
    /// stake registry holds exactly the deposited stake; the postage contract holds at least
    /// the pot. Returns a description of the first violation.
    pub fn check_conservation(&self) -> Result<(), String> {
        let sum = self.token.sum_of_balances();
        if sum != self.token.total_supply() {
            return Err(format!(
                "balances sum to {sum}, supply is {}",
                self.token.total_supply()
            ));
        }
        let staked = self.staking.total_potential_stake();
        let registry = self.token.balance_of(&STAKE_REGISTRY);
        if staked != registry {
            return Err(format!(
                "stakes sum to {staked}, the registry holds {registry}"
            ));
        }
        let postage = self.token.balance_of(&POSTAGE_STAMP);
        if self.postage.pot() > postage {
            return Err(format!(
                "pot {} exceeds the postage balance {postage}",
                self.postage.pot()
            ));
        }
        Ok(())
    }
}
