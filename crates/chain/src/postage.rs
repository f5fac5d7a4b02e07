//! The PostageStamp contract (spec §2.1–§2.6): batches bought with BZZ, the cumulative
//! per-chunk payout, lazy expiry, and the pot that pays the redistribution winner.

use std::collections::{BTreeMap, BTreeSet};

use comb_postage::batch_id;
use comb_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

use crate::accounts::POSTAGE_STAMP;
use crate::env::{Env, Events};
use crate::events::Event;
use crate::token::Token;
use crate::ChainError;

/// Admin-settable parameters of the postage contract, with the spec's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostageParams {
    /// Smallest bucket depth a batch may use (16 on mainnet).
    pub minimum_bucket_depth: u8,
    /// Blocks a new batch must at least pay for (17280, about a day).
    pub minimum_validity_blocks: u64,
}

impl Default for PostageParams {
    fn default() -> Self {
        Self {
            minimum_bucket_depth: 16,
            minimum_validity_blocks: 17_280,
        }
    }
}

/// One batch as the contract stores it (spec §2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Stamp signer; batches of a zero owner do not exist.
    pub owner: Address,
    /// `2^depth` chunks.
    pub depth: u8,
    /// `2^bucket_depth` buckets.
    pub bucket_depth: u8,
    /// Whether a full bucket is an error for the issuer.
    pub immutable: bool,
    /// `currentTotalOutPayment` at purchase plus the balance per chunk.
    pub normalised_balance: U256,
    /// Set at creation and on increaseDepth, not on topUp.
    pub last_updated_block: u64,
}

/// The contract's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostageStamp {
    /// Parameters.
    pub params: PostageParams,
    batches: BTreeMap<B256, BatchRecord>,
    /// Batches ordered by normalised balance, cheapest first (the contract's order tree;
    /// equal balances are ordered by id).
    order: BTreeSet<(U256, B256)>,
    last_price: u64,
    last_updated_block: u64,
    total_out_payment: U256,
    valid_chunk_count: U256,
    pot: U256,
    last_expiry_balance: U256,
}

fn pow2(exponent: u8) -> Result<U256, ChainError> {
    U256::from(1u8)
        .checked_shl(usize::from(exponent))
        .ok_or(ChainError::Arithmetic)
}

fn mul(a: U256, b: U256) -> Result<U256, ChainError> {
    a.checked_mul(b).ok_or(ChainError::Arithmetic)
}

fn add(a: U256, b: U256) -> Result<U256, ChainError> {
    a.checked_add(b).ok_or(ChainError::Arithmetic)
}

fn sub(a: U256, b: U256) -> Result<U256, ChainError> {
    a.checked_sub(b).ok_or(ChainError::Arithmetic)
}

impl PostageStamp {
    /// A contract with no batches, price `initial_price`, deployed at `block`.
    pub fn new(params: PostageParams, initial_price: u64, block: u64) -> Self {
        Self {
            params,
            batches: BTreeMap::new(),
            order: BTreeSet::new(),
            last_price: initial_price,
            last_updated_block: block,
            total_out_payment: U256::ZERO,
            valid_chunk_count: U256::ZERO,
            pot: U256::ZERO,
            last_expiry_balance: U256::ZERO,
        }
    }

    /// `currentTotalOutPayment()`: the cumulative per-chunk cost since deployment (§2.2).
    pub fn current_total_out_payment(&self, block: u64) -> Result<U256, ChainError> {
        let blocks = block.saturating_sub(self.last_updated_block);
        add(
            self.total_out_payment,
            mul(U256::from(self.last_price), U256::from(blocks))?,
        )
    }

    /// `lastPrice`: PLUR per chunk per block.
    pub fn last_price(&self) -> u64 {
        self.last_price
    }

    /// `minimumInitialBalancePerChunk()` = `minimumValidityBlocks × lastPrice`.
    pub fn minimum_initial_balance_per_chunk(&self) -> Result<U256, ChainError> {
        mul(
            U256::from(self.params.minimum_validity_blocks),
            U256::from(self.last_price),
        )
    }

    /// The batch record, if it exists (expired but not yet removed batches exist).
    pub fn batch(&self, id: &B256) -> Option<&BatchRecord> {
        self.batches.get(id)
    }

    /// All batches.
    pub fn batches(&self) -> &BTreeMap<B256, BatchRecord> {
        &self.batches
    }

    /// `remainingBalance(id)`: per-chunk balance left, 0 once expired.
    pub fn remaining_balance(&self, id: &B256, block: u64) -> Result<U256, ChainError> {
        let batch = self.batches.get(id).ok_or(ChainError::BatchDoesNotExist)?;
        let paid = self.current_total_out_payment(block)?;
        Ok(batch.normalised_balance.saturating_sub(paid))
    }

    /// The pot as stored (before the survivors' share of a pending expiry pass).
    pub fn pot(&self) -> U256 {
        self.pot
    }

    /// `validChunkCount` as of the last expiry pass.
    pub fn valid_chunk_count(&self) -> U256 {
        self.valid_chunk_count
    }

    /// `lastExpiryBalance`.
    pub fn last_expiry_balance(&self) -> U256 {
        self.last_expiry_balance
    }

    /// `expiredBatchesExist()`.
    pub fn expired_batches_exist(&self, block: u64) -> Result<bool, ChainError> {
        let paid = self.current_total_out_payment(block)?;
        Ok(self
            .order
            .first()
            .is_some_and(|(balance, _)| *balance <= paid))
    }

    fn insert(&mut self, id: B256, record: BatchRecord) {
        self.order.insert((record.normalised_balance, id));
        self.batches.insert(id, record);
    }

    fn remove(&mut self, id: &B256) -> Option<BatchRecord> {
        let record = self.batches.remove(id)?;
        self.order.remove(&(record.normalised_balance, *id));
        Some(record)
    }

    /// `createBatch` (§2.3). The payer is `env.sender`; the id hashes the payer, not the owner.
    #[allow(clippy::too_many_arguments)]
    pub fn create_batch(
        &mut self,
        env: &Env,
        token: &mut Token,
        events: &mut Events,
        owner: Address,
        initial_balance_per_chunk: U256,
        depth: u8,
        bucket_depth: u8,
        nonce: B256,
        immutable: bool,
    ) -> Result<B256, ChainError> {
        if owner == Address::ZERO {
            return Err(ChainError::ZeroAddress);
        }
        if bucket_depth == 0
            || bucket_depth < self.params.minimum_bucket_depth
            || bucket_depth >= depth
        {
            return Err(ChainError::InvalidDepth);
        }
        let id = batch_id(&env.sender, &nonce);
        if self.batches.contains_key(&id) {
            return Err(ChainError::BatchExists);
        }
        if initial_balance_per_chunk < self.minimum_initial_balance_per_chunk()? {
            return Err(ChainError::InsufficientBalance);
        }
        let chunks = pow2(depth)?;
        let total_amount = mul(initial_balance_per_chunk, chunks)?;
        token.transfer(&env.sender, &POSTAGE_STAMP, total_amount)?;
        let normalised_balance = add(
            self.current_total_out_payment(env.block)?,
            initial_balance_per_chunk,
        )?;
        if normalised_balance.is_zero() {
            return Err(ChainError::ZeroBalance);
        }
        self.expire_limited(env.block, u64::MAX)?;
        self.valid_chunk_count = add(self.valid_chunk_count, chunks)?;
        self.insert(
            id,
            BatchRecord {
                owner,
                depth,
                bucket_depth,
                immutable,
                normalised_balance,
                last_updated_block: env.block,
            },
        );
        events.push(Event::BatchCreated {
            batch_id: id,
            total_amount,
            normalised_balance,
            owner,
            depth,
            bucket_depth,
            immutable,
        });
        Ok(id)
    }

    /// `topUp` (§2.4): anyone may add `topup_per_chunk` to every chunk of a live batch.
    pub fn top_up(
        &mut self,
        env: &Env,
        token: &mut Token,
        events: &mut Events,
        id: B256,
        topup_per_chunk: U256,
    ) -> Result<(), ChainError> {
        let batch = self
            .batches
            .get(&id)
            .cloned()
            .ok_or(ChainError::BatchDoesNotExist)?;
        let paid = self.current_total_out_payment(env.block)?;
        if batch.normalised_balance <= paid {
            return Err(ChainError::BatchExpired);
        }
        if batch.depth <= self.params.minimum_bucket_depth {
            return Err(ChainError::BatchTooSmall);
        }
        let remaining = sub(batch.normalised_balance, paid)?;
        if add(remaining, topup_per_chunk)? < self.minimum_initial_balance_per_chunk()? {
            return Err(ChainError::InsufficientBalance);
        }
        let total_amount = mul(topup_per_chunk, pow2(batch.depth)?)?;
        token.transfer(&env.sender, &POSTAGE_STAMP, total_amount)?;
        let normalised_balance = add(batch.normalised_balance, topup_per_chunk)?;
        self.remove(&id);
        self.insert(
            id,
            BatchRecord {
                normalised_balance,
                ..batch
            },
        );
        events.push(Event::BatchTopUp {
            batch_id: id,
            topup_amount: total_amount,
            normalised_balance,
        });
        Ok(())
    }

    /// `increaseDepth` (§2.5): the owner dilutes the remaining balance over a larger batch.
    pub fn increase_depth(
        &mut self,
        env: &Env,
        events: &mut Events,
        id: B256,
        new_depth: u8,
    ) -> Result<(), ChainError> {
        let batch = self.batches.get(&id).cloned();
        let batch = match batch {
            Some(batch) if batch.owner == env.sender => batch,
            _ => return Err(ChainError::NotBatchOwner),
        };
        if new_depth <= self.params.minimum_bucket_depth || new_depth <= batch.depth {
            return Err(ChainError::DepthNotIncreasing);
        }
        let paid = self.current_total_out_payment(env.block)?;
        if batch.normalised_balance <= paid {
            return Err(ChainError::BatchExpired);
        }
        let factor = pow2(new_depth.saturating_sub(batch.depth))?;
        let new_remaining = sub(batch.normalised_balance, paid)?
            .checked_div(factor)
            .ok_or(ChainError::Arithmetic)?;
        if new_remaining < self.minimum_initial_balance_per_chunk()? {
            return Err(ChainError::InsufficientBalance);
        }
        self.expire_limited(env.block, u64::MAX)?;
        self.valid_chunk_count = sub(
            add(self.valid_chunk_count, pow2(new_depth)?)?,
            pow2(batch.depth)?,
        )?;
        let normalised_balance = add(paid, new_remaining)?;
        self.remove(&id);
        self.insert(
            id,
            BatchRecord {
                depth: new_depth,
                normalised_balance,
                last_updated_block: env.block,
                ..batch
            },
        );
        events.push(Event::BatchDepthIncrease {
            batch_id: id,
            new_depth,
            normalised_balance,
        });
        Ok(())
    }

    /// `expireLimited(limit)` (§2.6): removes up to `limit` expired batches, cheapest first,
    /// paying each one's share into the pot, then the survivors' share since the last pass.
    pub fn expire_limited(&mut self, block: u64, limit: u64) -> Result<(), ChainError> {
        let start = self.last_expiry_balance;
        let paid = self.current_total_out_payment(block)?;
        let mut remaining_steps = limit;
        while remaining_steps > 0 {
            remaining_steps = remaining_steps.saturating_sub(1);
            let Some((balance, id)) = self.order.first().copied() else {
                self.last_expiry_balance = paid;
                break;
            };
            if balance > paid {
                self.last_expiry_balance = paid;
                break;
            }
            let record = self.remove(&id).ok_or(ChainError::BatchDoesNotExist)?;
            let chunks = pow2(record.depth)?;
            self.valid_chunk_count = self
                .valid_chunk_count
                .checked_sub(chunks)
                .ok_or(ChainError::InsufficientChunkCount)?;
            // The batch paid from the last pass up to its own end.
            self.pot = add(
                self.pot,
                mul(chunks, record.normalised_balance.saturating_sub(start))?,
            )?;
        }
        if self.last_expiry_balance < start {
            return Err(ChainError::TotalOutpaymentDecreased);
        }
        self.pot = add(
            self.pot,
            mul(
                self.valid_chunk_count,
                sub(self.last_expiry_balance, start)?,
            )?,
        )?;
        Ok(())
    }

    /// `totalPot()`: runs a full expiry pass, then `min(pot, token balance of the contract)`.
    pub fn total_pot(&mut self, block: u64, token: &Token) -> Result<U256, ChainError> {
        self.expire_limited(block, u64::MAX)?;
        Ok(self.pot.min(token.balance_of(&POSTAGE_STAMP)))
    }

    /// `withdraw(beneficiary)` (REDISTRIBUTOR_ROLE): pays the whole pot out.
    pub fn withdraw(
        &mut self,
        block: u64,
        token: &mut Token,
        events: &mut Events,
        beneficiary: Address,
    ) -> Result<U256, ChainError> {
        let amount = self.total_pot(block, token)?;
        token.transfer(&POSTAGE_STAMP, &beneficiary, amount)?;
        events.push(Event::PotWithdrawn {
            recipient: beneficiary,
            total_amount: amount,
        });
        self.pot = U256::ZERO;
        Ok(amount)
    }

    /// Pays `amount` of the pot to `beneficiary` and leaves the rest in the pot for the next
    /// round (comb's scaled payout, `staking-architecture.md` § Provider performance score).
    /// Runs a full expiry pass first, like [`PostageStamp::withdraw`].
    pub fn withdraw_part(
        &mut self,
        block: u64,
        token: &mut Token,
        events: &mut Events,
        beneficiary: Address,
        amount: U256,
    ) -> Result<(), ChainError> {
        let total = self.total_pot(block, token)?;
        let rest = sub(total, amount)?;
        token.transfer(&POSTAGE_STAMP, &beneficiary, amount)?;
        events.push(Event::PotWithdrawn {
            recipient: beneficiary,
            total_amount: amount,
        });
        self.pot = rest;
        Ok(())
    }

    /// `setPrice(p)` (PRICE_ORACLE_ROLE): settles the payout so far at the old price first.
    pub fn set_price(
        &mut self,
        block: u64,
        events: &mut Events,
        price: u64,
    ) -> Result<(), ChainError> {
        if self.last_price != 0 {
            self.total_out_payment = self.current_total_out_payment(block)?;
        }
        self.last_price = price;
        self.last_updated_block = block;
        events.push(Event::PriceUpdate { price });
        Ok(())
    }
}
