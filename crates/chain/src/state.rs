//! The whole ledger state, and the dispatch of one call to the contract modules.

use std::collections::BTreeMap;

use comb_primitives::keccak::keccak256;
use comb_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

use crate::accounts::{
    CHALLENGES, COMPENSATION_POOL, GOVERNANCE, POSTAGE_STAMP, STAKE_REGISTRY, USER_REWARD_POOL,
    USER_STAKING,
};
use crate::architecture::Architecture;
use crate::chequebook::Chequebooks;
use crate::env::{Env, Events};
use crate::events::Event;
use crate::governance::ProposalAction;
use crate::oracle::PriceOracle;
use crate::params::{apply_bp, Param};
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
    /// comb's staking architecture (`staking-architecture.md`).
    #[serde(default)]
    pub architecture: Architecture,
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
    /// An id (a challenge or a proposal).
    Id(u64),
    /// A block number (the end of unbonding).
    Block(u64),
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
                if [USER_STAKING, CHALLENGES, GOVERNANCE, USER_REWARD_POOL].contains(to) {
                    return Err(ChainError::BookKeptAccount(*to));
                }
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
            } => {
                self.postage_discount(env, events, *initial_balance_per_chunk, *depth)?;
                self.postage
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
                    .map(Outcome::BatchId)
            }
            Call::TopUp {
                batch_id,
                topup_per_chunk,
            } => {
                if let Some(depth) = self.postage.batch(batch_id).map(|b| b.depth) {
                    self.postage_discount(env, events, *topup_per_chunk, depth)?;
                }
                self.postage
                    .top_up(env, &mut self.token, events, *batch_id, *topup_per_chunk)
                    .map(|()| Outcome::None)
            }
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
            } => {
                self.architecture
                    .ladder
                    .check_may_commit(&env.sender, env.block)?;
                self.redistribution
                    .commit(env, &self.staking, price, events, *obfuscated_hash, *round)
                    .map(|()| Outcome::None)
            }
            Call::Reveal {
                depth,
                hash,
                reveal_nonce,
            } => {
                self.redistribution.reveal(
                    env,
                    &self.staking,
                    events,
                    *depth,
                    *hash,
                    *reveal_nonce,
                )?;
                let height = self.staking.stake(&env.sender).map_or(0, |s| s.height);
                self.architecture
                    .challenges
                    .note_reveal(env.sender, *depth, height);
                Ok(Outcome::None)
            }
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
                    &mut self.architecture,
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
            Call::OpenChallenge {
                provider,
                chunk_address,
                stamp,
            } => {
                let a = &mut self.architecture;
                a.challenges
                    .open(
                        env,
                        &a.params,
                        &self.staking,
                        &self.postage,
                        &mut self.token,
                        events,
                        *provider,
                        *chunk_address,
                        stamp,
                    )
                    .map(Outcome::Id)
            }
            Call::AnswerChallenge { id, proof } => {
                let a = &mut self.architecture;
                a.challenges
                    .answer(env, &a.params, &mut self.token, events, *id, proof)
                    .map(|()| Outcome::None)
            }
            Call::SettleChallenge { id } => {
                let a = &mut self.architecture;
                a.challenges
                    .settle(
                        env,
                        &a.params,
                        &mut self.staking,
                        &mut a.ladder,
                        &mut a.scores,
                        &mut self.token,
                        events,
                        *id,
                    )
                    .map(|()| Outcome::None)
            }
            Call::StakeUser {
                amount,
                lock_blocks,
            } => {
                let a = &mut self.architecture;
                a.users
                    .stake_user(
                        env,
                        &a.params,
                        &mut self.token,
                        &a.rewards,
                        events,
                        *amount,
                        *lock_blocks,
                    )
                    .map(|()| Outcome::None)
            }
            Call::UnbondUser => {
                let a = &mut self.architecture;
                a.users
                    .unbond_user(env, &a.params, &a.rewards, events)
                    .map(Outcome::Block)
            }
            Call::WithdrawUser => {
                let a = &mut self.architecture;
                a.users
                    .withdraw_user(env, &mut self.token, &mut a.rewards, events)
                    .map(Outcome::Amount)
            }
            Call::ClaimUserRewards => {
                let a = &mut self.architecture;
                a.users
                    .claim_rewards(env, &mut self.token, &mut a.rewards, events)
                    .map(Outcome::Amount)
            }
            Call::Propose { action } => {
                let a = &mut self.architecture;
                a.governance
                    .propose(env, &a.params, &a.users, &mut self.token, events, action)
                    .map(Outcome::Id)
            }
            Call::Vote { id, support } => {
                let a = &mut self.architecture;
                a.governance
                    .vote(env, &a.users, events, *id, *support)
                    .map(|()| Outcome::None)
            }
            Call::Execute { id } => {
                let a = &mut self.architecture;
                let decision = a.governance.execute(
                    env,
                    &a.params,
                    &mut a.rewards,
                    &mut self.token,
                    events,
                    *id,
                )?;
                if decision.passed {
                    self.apply_action(env, events, &decision.action)?;
                }
                Ok(Outcome::None)
            }
        }
    }

    /// The block-opening step of the staking architecture: draws the segments of
    /// availability challenges opened in earlier blocks from this block's randomness
    /// (`staking-architecture.md` § Availability challenge). The ledger runs it when it
    /// opens block `number`; it is idempotent.
    pub fn begin_block(&mut self, number: u64, prevrandao: &B256) {
        self.architecture.challenges.begin_block(number, prevrandao);
    }

    /// The user-staking tier discount on a postage payment of `per_chunk × 2^depth`
    /// (`staking-architecture.md` § User staking): the compensation pool pays the discount
    /// to the payer before the postage contract takes the full amount, so the batch is
    /// credited in full. No discount when the pool cannot pay it.
    fn postage_discount(
        &mut self,
        env: &Env,
        events: &mut Events,
        per_chunk: U256,
        depth: u8,
    ) -> Result<(), ChainError> {
        let a = &self.architecture;
        let bp = a.users.discount_bp(&a.params, &env.sender);
        if bp == 0 {
            return Ok(());
        }
        let Some(total) = U256::from(1u8)
            .checked_shl(usize::from(depth))
            .and_then(|chunks| chunks.checked_mul(per_chunk))
        else {
            return Ok(());
        };
        let discount = apply_bp(total, bp).unwrap_or(U256::ZERO);
        if discount.is_zero() || self.token.balance_of(&COMPENSATION_POOL) < discount {
            return Ok(());
        }
        self.token
            .transfer(&COMPENSATION_POOL, &env.sender, discount)?;
        events.push(Event::PostageDiscount {
            payer: env.sender,
            amount: discount,
        });
        Ok(())
    }

    /// Applies a passed proposal's action (`staking-architecture.md` § Governance).
    fn apply_action(
        &mut self,
        env: &Env,
        events: &mut Events,
        action: &ProposalAction,
    ) -> Result<(), ChainError> {
        match action {
            ProposalAction::SetParameter { param, value } => {
                match param {
                    Param::TargetRedundancy => {
                        let target =
                            u16::try_from(*value).map_err(|_| ChainError::InvalidParameter)?;
                        self.oracle.set_target_redundancy(target);
                    }
                    Param::MinimumStake => self.staking.set_min_stake(*value),
                    other => self.architecture.params.set(*other, *value)?,
                }
                events.push(Event::ParameterChanged {
                    param: *param,
                    value: *value,
                });
            }
            ProposalAction::ExcludeProvider { owner, slash_bp } => {
                self.architecture.ladder.exclude(
                    env.block,
                    &mut self.staking,
                    &mut self.token,
                    events,
                    *owner,
                    *slash_bp,
                )?;
            }
            ProposalAction::ReinstateProvider { owner } => {
                self.architecture.ladder.reinstate(events, *owner);
            }
        }
        Ok(())
    }

    /// Checks the ledger's bookkeeping invariants: the token balances sum to the supply; the
    /// stake registry holds exactly the deposited stake; the postage contract holds at least
    /// the pot; each staking-architecture account holds exactly what its books say (user
    /// stakes, challenge bonds, proposal deposits, the user-reward pool); and
    /// (`staking-architecture.md` § Invariant) the plain accounts plus the postage contract
    /// (pot and batch balances), provider stakes, user stakes, challenge bonds, chequebook
    /// balances, the compensation pool, the user-reward pool and proposal deposits sum to the
    /// supply. Returns a description of the first violation.
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
        let a = &self.architecture;
        let books = [
            ("user stakes", USER_STAKING, a.users.total_staked()),
            ("challenge bonds", CHALLENGES, a.challenges.total_bonds()),
            (
                "proposal deposits",
                GOVERNANCE,
                a.governance.total_deposits(),
            ),
            ("user-reward pool", USER_REWARD_POOL, a.rewards.balance),
        ];
        for (name, account, booked) in books {
            let held = self.token.balance_of(&account);
            if held != booked {
                return Err(format!(
                    "{name} are booked at {booked}, the account holds {held}"
                ));
            }
        }
        let chequebooks = self.chequebooks.total_balance(&self.token);
        let special = [
            POSTAGE_STAMP,
            STAKE_REGISTRY,
            USER_STAKING,
            CHALLENGES,
            GOVERNANCE,
            USER_REWARD_POOL,
            COMPENSATION_POOL,
        ];
        let plain = self
            .token
            .balances()
            .iter()
            .filter(|(account, _)| {
                !special.contains(account) && self.chequebooks.get(account).is_none()
            })
            .fold(U256::ZERO, |sum, (_, b)| sum.saturating_add(*b));
        let total = [
            plain,
            postage,
            staked,
            a.users.total_staked(),
            a.challenges.total_bonds(),
            chequebooks,
            self.token.balance_of(&COMPENSATION_POOL),
            a.rewards.balance,
            a.governance.total_deposits(),
        ]
        .into_iter()
        .fold(U256::ZERO, |sum, v| sum.saturating_add(v));
        if total != self.token.total_supply() {
            return Err(format!(
                "accounts, pot, stakes, bonds, chequebooks, pools and deposits sum to {total}, supply is {}",
                self.token.total_supply()
            ));
        }
        Ok(())
    }
}
