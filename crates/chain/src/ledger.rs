//! The ledger: genesis, a pending block that transactions are applied to as they arrive, and
//! sealing blocks with their state root.
//!
//! **Randomness.** Each block's `prevrandao` is `keccak256(randomness_seed || parent_hash ||
//! u64be(number))`, where `randomness_seed` is a genesis parameter. It is deterministic (a
//! restarted chain reproduces it) and unpredictable to anyone who does not know the seed; on
//! a dev chain whoever runs it knows it, which is fine for a dev chain and nothing more.
//!
//! **Block opening.** When a block opens, [`State::begin_block`] runs before its
//! transactions (a system step, like Ethereum's beacon-root update): it draws the segments
//! of availability challenges opened earlier from the new block's randomness. It is
//! idempotent, so a restored chain repeats it harmlessly.
//!
//! **Failed transactions** are refused with their error and are not included: they change
//! nothing, not even the sender's nonce.

use std::collections::BTreeMap;

use comb_primitives::keccak::keccak256_concat;
use comb_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

use crate::architecture::Architecture;
use crate::chequebook::Chequebooks;
use crate::env::Env;
use crate::events::Event;
use crate::oracle::PriceOracle;
use crate::params::ArchitectureParams;
use crate::postage::{PostageParams, PostageStamp};
use crate::redistribution::{Redistribution, RedistributionParams};
use crate::staking::StakeRegistry;
use crate::state::{Outcome, State};
use crate::token::Token;
use crate::tx::SignedTransaction;
use crate::ChainError;

/// Everything that defines a chain at block 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GenesisConfig {
    /// The chain id transactions and cheques are signed for.
    pub chain_id: u64,
    /// The Swarm network id overlays are derived with.
    pub network_id: u64,
    /// Genesis token allocation in PLUR.
    pub allocations: BTreeMap<Address, U256>,
    /// Postage parameters.
    pub postage: PostageParams,
    /// Redistribution parameters.
    pub redistribution: RedistributionParams,
    /// Seed of the per-block randomness.
    pub randomness_seed: B256,
    /// The oracle's price at deployment (PLUR per chunk per block; never below the
    /// minimum of 24000), as the admin's `setPrice` would set it.
    pub initial_price: u32,
    /// Timestamp of block 0 (seconds).
    pub timestamp: u64,
    /// Parameters of comb's staking architecture (`staking-architecture.md`).
    #[serde(default)]
    pub staking_architecture: ArchitectureParams,
}

impl Default for GenesisConfig {
    fn default() -> Self {
        Self {
            chain_id: 1337,
            network_id: 1337,
            allocations: BTreeMap::new(),
            postage: PostageParams::default(),
            redistribution: RedistributionParams::default(),
            randomness_seed: B256::ZERO,
            initial_price: crate::oracle::MINIMUM_PRICE_UPSCALED as u32
                >> crate::oracle::PRICE_UPSCALE_BITS,
            timestamp: 0,
            staking_architecture: ArchitectureParams::default(),
        }
    }
}

/// A block header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockHeader {
    /// Block number.
    pub number: u64,
    /// Hash of the previous block (zero for block 0).
    pub parent_hash: B256,
    /// Seconds since the Unix epoch.
    pub timestamp: u64,
    /// The block's randomness.
    pub prevrandao: B256,
    /// keccak256 of the state after the block.
    pub state_root: B256,
    /// Hashes of the block's transactions, in order.
    pub transactions: Vec<B256>,
}

impl BlockHeader {
    /// The block hash: keccak256 of the header's canonical JSON.
    pub fn hash(&self) -> Result<B256, ChainError> {
        let json = serde_json::to_vec(self).map_err(|_| ChainError::Arithmetic)?;
        Ok(B256::from(comb_primitives::keccak256(json)))
    }
}

/// What a successful transaction did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// Transaction hash.
    pub transaction_hash: B256,
    /// Block it is in.
    pub block_number: u64,
    /// Sender.
    pub from: Address,
    /// Return value.
    pub outcome: Outcome,
    /// Events, in order.
    pub events: Vec<Event>,
}

/// A sealed block with its transactions and receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    /// Header.
    pub header: BlockHeader,
    /// Transactions, in order.
    pub transactions: Vec<SignedTransaction>,
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
}

/// The block being built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    number: u64,
    parent_hash: B256,
    timestamp: u64,
    prevrandao: B256,
    transactions: Vec<SignedTransaction>,
    receipts: Vec<Receipt>,
}

/// The dev chain: state, head and pending block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    config: GenesisConfig,
    state: State,
    head: BlockHeader,
    pending: Pending,
}

fn randomness(seed: &B256, parent_hash: &B256, number: u64) -> B256 {
    B256::from(keccak256_concat(&[
        seed.as_slice(),
        parent_hash.as_slice(),
        &number.to_be_bytes(),
    ]))
}

impl Ledger {
    /// A chain at block 0 from its genesis configuration; block 1 is pending.
    pub fn genesis(config: GenesisConfig) -> Result<Self, ChainError> {
        let mut oracle = PriceOracle::new(0);
        oracle.set_price(config.initial_price);
        let state = State {
            nonces: BTreeMap::new(),
            token: Token::with_allocation(&config.allocations)?,
            postage: PostageStamp::new(
                config.postage.clone(),
                u64::from(oracle.current_price()),
                0,
            ),
            oracle,
            staking: StakeRegistry::new(config.network_id),
            redistribution: Redistribution::new(config.redistribution.clone()),
            chequebooks: Chequebooks::new(),
            architecture: Architecture::new(config.staking_architecture.clone()),
        };
        let head = BlockHeader {
            number: 0,
            parent_hash: B256::ZERO,
            timestamp: config.timestamp,
            prevrandao: randomness(&config.randomness_seed, &B256::ZERO, 0),
            state_root: state.root()?,
            transactions: Vec::new(),
        };
        let pending = Self::open(&config, &head, config.timestamp)?;
        let mut state = state;
        state.begin_block(pending.number, &pending.prevrandao);
        Ok(Self {
            config,
            state,
            head,
            pending,
        })
    }

    fn open(
        config: &GenesisConfig,
        parent: &BlockHeader,
        timestamp: u64,
    ) -> Result<Pending, ChainError> {
        let parent_hash = parent.hash()?;
        let number = parent.number.checked_add(1).ok_or(ChainError::Arithmetic)?;
        Ok(Pending {
            number,
            parent_hash,
            timestamp,
            prevrandao: randomness(&config.randomness_seed, &parent_hash, number),
            transactions: Vec::new(),
            receipts: Vec::new(),
        })
    }

    /// The genesis configuration.
    pub fn config(&self) -> &GenesisConfig {
        &self.config
    }

    /// The state including the pending block's transactions.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The last sealed block's header.
    pub fn head(&self) -> &BlockHeader {
        &self.head
    }

    /// The number of the block transactions are applied to now.
    pub fn pending_number(&self) -> u64 {
        self.pending.number
    }

    /// The environment a call from `sender` would execute in now.
    pub fn pending_env(&self, sender: Address) -> Env {
        Env {
            block: self.pending.number,
            timestamp: self.pending.timestamp,
            prevrandao: self.pending.prevrandao,
            sender,
        }
    }

    /// Applies a signed transaction to the pending block: checks chain id, signature and
    /// nonce, runs the call on a copy of the state, and keeps the copy only on success.
    pub fn submit(&mut self, transaction: SignedTransaction) -> Result<Receipt, ChainError> {
        let tx = &transaction.transaction;
        if tx.chain_id != self.config.chain_id {
            return Err(ChainError::WrongChainId {
                got: tx.chain_id,
                expected: self.config.chain_id,
            });
        }
        let sender = transaction.sender()?;
        let expected = self.state.nonce(&sender);
        if tx.nonce != expected {
            return Err(ChainError::BadNonce {
                got: tx.nonce,
                expected,
            });
        }
        let env = self.pending_env(sender);
        let mut next = self.state.clone();
        let mut events = Vec::new();
        let outcome = next.dispatch(&env, self.config.chain_id, &tx.call, &mut events)?;
        next.nonces.insert(
            sender,
            expected.checked_add(1).ok_or(ChainError::Arithmetic)?,
        );
        let receipt = Receipt {
            transaction_hash: transaction.hash()?,
            block_number: self.pending.number,
            from: sender,
            outcome,
            events,
        };
        self.state = next;
        self.pending.transactions.push(transaction);
        self.pending.receipts.push(receipt.clone());
        Ok(receipt)
    }

    /// Seals the pending block and opens the next one with `next_timestamp`.
    pub fn seal(&mut self, next_timestamp: u64) -> Result<Block, ChainError> {
        let transactions = self
            .pending
            .transactions
            .iter()
            .map(SignedTransaction::hash)
            .collect::<Result<Vec<_>, _>>()?;
        let header = BlockHeader {
            number: self.pending.number,
            parent_hash: self.pending.parent_hash,
            timestamp: self.pending.timestamp,
            prevrandao: self.pending.prevrandao,
            state_root: self.state.root()?,
            transactions,
        };
        let next = Self::open(&self.config, &header, next_timestamp)?;
        self.state.begin_block(next.number, &next.prevrandao);
        let sealed = std::mem::replace(&mut self.pending, next);
        self.head = header.clone();
        Ok(Block {
            header,
            transactions: sealed.transactions,
            receipts: sealed.receipts,
        })
    }

    /// Seals empty blocks until the pending block is `number` (timestamps advance by
    /// `block_time` seconds). Used by tests and by a producer catching up.
    pub fn advance_to(&mut self, number: u64, block_time: u64) -> Result<Vec<Block>, ChainError> {
        let mut blocks = Vec::new();
        while self.pending.number < number {
            let next = self.pending.timestamp.saturating_add(block_time);
            blocks.push(self.seal(next)?);
        }
        Ok(blocks)
    }

    /// Rebuilds a ledger from persisted parts (see the store): the state after `head`.
    pub fn restore(
        config: GenesisConfig,
        state: State,
        head: BlockHeader,
        next_timestamp: u64,
    ) -> Result<Self, ChainError> {
        let pending = Self::open(&config, &head, next_timestamp)?;
        let mut state = state;
        state.begin_block(pending.number, &pending.prevrandao);
        Ok(Self {
            config,
            state,
            head,
            pending,
        })
    }
}
