//! The chain: a pool of signed transactions, blocks sealed from it by revm, and every query
//! Bee and Ethereum tools make of blocks, transactions, receipts, logs and state.
//!
//! **Blocks.** Block `n + 1` executes the pool's transactions in arrival order, each sender's
//! in nonce order, until the block's gas is used; a transaction whose nonce is ahead of its
//! sender's waits, one whose nonce has passed is dropped. Its header is a Prague header as
//! anvil's (withdrawals, blob gas, beacon root and requests hash present and empty), with:
//! - `timestamp = max(parent + 1, now + evm_increaseTime offset)` in whole seconds, strictly
//!   increasing, as Bee's block-number estimate needs;
//! - `baseFeePerGas` by EIP-1559 from the parent;
//! - `mixHash` (`prevrandao`) = `keccak256(seed ‖ parentHash ‖ u64be(number))`;
//! - the real state, transactions and receipts roots, and the logs bloom.
//!
//! **Admission** (`eth_sendRawTransaction`) refuses, with geth's messages and changing
//! nothing: an undecodable envelope, blob transactions, a wrong chain id, a legacy
//! transaction without EIP-155, a bad signature, a nonce already used, a duplicate, a gas
//! limit below the intrinsic gas or above the block's, a fee cap below the next base fee or
//! below the tip, a balance below `gas × feeCap + value`, and an underpriced replacement.
//! A transaction that passes and later reverts is mined with status 0.
//!
//! **Calls** (`eth_call`, `eth_estimateGas`) run on the state after the block asked for,
//! with that block's header as block context, the nonce check off and, when the request
//! names no fee, the base-fee check off (as geth).

use std::collections::{BTreeMap, HashMap};

use alloy_consensus::constants::KECCAK_EMPTY;
use alloy_consensus::proofs::{calculate_receipt_root, calculate_transaction_root};
use alloy_consensus::{
    BlockBody, Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, Transaction,
    TxEnvelope, TxType, EMPTY_OMMER_ROOT_HASH, EMPTY_ROOT_HASH,
};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_eips::eip2718::Decodable2718;
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bloom, Bytes, Log, TxKind, B256, U256};
use alloy_rlp::Encodable;
use alloy_rpc_types_eth::{Filter, FilterBlockOption, TransactionRequest};
use comb_primitives::keccak::keccak256_concat;
use revm::bytecode::Bytecode;
use revm::context::result::{EVMError, ExecutionResult, InvalidTransaction};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::cfg::gas::calculate_initial_tx_gas_for_tx;
use revm::database::CacheDB;
use revm::database_interface::{DatabaseCommit, WrapDatabaseRef};
use revm::primitives::hardfork::SpecId;
use revm::state::EvmState;
use revm::{ExecuteEvm, MainBuilder, MainContext};

use crate::genesis::Genesis;
use crate::state::{Account, State, Write};
use crate::EvmError;

/// The hardfork the chain executes: Prague, as anvil 1.7 and Gnosis Chain.
pub const SPEC: SpecId = SpecId::PRAGUE;
/// The tip `eth_maxPriorityFeePerGas` suggests: 1 gwei, as anvil's.
pub const SUGGESTED_TIP: u128 = 1_000_000_000;
/// The largest raw transaction admitted: 128 KiB, geth's `txMaxSize`.
pub const MAX_TX_SIZE: usize = 128 * 1024;
/// EIP-3860's initcode limit: twice the 24,576-byte code limit.
pub const MAX_INITCODE_SIZE: usize = 49_152;
/// Pending transactions one sender may have.
pub const MAX_POOL_PER_SENDER: usize = 4_096;
/// Pending transactions in all.
pub const MAX_POOL: usize = 16_384;
/// EIP-4844's blob base fee update fraction (Prague), for the `BLOBBASEFEE` context.
const BLOB_UPDATE_FRACTION: u64 = 5_007_716;

/// A transaction in a block, with its outcome.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MinedTx {
    /// The signed transaction.
    pub tx: TxEnvelope,
    /// Who signed it.
    pub sender: Address,
    /// Its position in the block.
    pub index: u64,
    /// Whether it succeeded (receipt status 1).
    pub success: bool,
    /// Gas it used.
    pub gas_used: u64,
    /// Gas used by the block up to and including it.
    pub cumulative_gas_used: u64,
    /// The price per gas it paid.
    pub effective_gas_price: u128,
    /// The contract it created.
    pub contract_address: Option<Address>,
    /// Its logs.
    pub logs: Vec<Log>,
    /// The index in the block of its first log.
    pub first_log_index: u64,
}

impl MinedTx {
    /// Its consensus receipt, as the receipts root commits to it.
    pub fn receipt(&self) -> ReceiptEnvelope {
        receipt_envelope(self.tx.tx_type(), self.receipt_body(self.logs.clone()))
    }

    /// The receipt body with logs of another form (RPC logs carry their block).
    pub fn receipt_body<L>(&self, logs: Vec<L>) -> Receipt<L> {
        Receipt {
            status: Eip658Value::Eip658(self.success),
            cumulative_gas_used: self.cumulative_gas_used,
            logs,
        }
    }
}

/// The receipt envelope of a transaction type.
pub fn receipt_envelope<L>(tx_type: TxType, receipt: Receipt<L>) -> ReceiptEnvelope<L>
where
    L: AsRef<Log> + Clone + std::fmt::Debug + Eq + Send + Sync,
{
    let with_bloom = ReceiptWithBloom::from(receipt);
    match tx_type {
        TxType::Legacy => ReceiptEnvelope::Legacy(with_bloom),
        TxType::Eip2930 => ReceiptEnvelope::Eip2930(with_bloom),
        TxType::Eip1559 => ReceiptEnvelope::Eip1559(with_bloom),
        TxType::Eip4844 => ReceiptEnvelope::Eip4844(with_bloom),
        TxType::Eip7702 => ReceiptEnvelope::Eip7702(with_bloom),
    }
}

/// A sealed block.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Block {
    /// Its header.
    pub header: Header,
    /// `keccak256(rlp(header))`.
    pub hash: B256,
    /// Length of the RLP-encoded block.
    pub size: u64,
    /// Its transactions with their outcomes.
    pub transactions: Vec<MinedTx>,
}

/// A transaction waiting in the pool.
#[derive(Debug, Clone)]
pub struct PendingTx {
    /// The signed transaction.
    pub tx: TxEnvelope,
    /// Who signed it.
    pub sender: Address,
    /// Its place in the order of arrival.
    pub seq: u64,
}

/// What [`EvmChain::admit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    /// The transaction's hash.
    pub hash: B256,
    /// The pending transaction it replaced (same sender and nonce, higher fees).
    pub replaced: Option<B256>,
}

/// Where a mined transaction is.
#[derive(Debug, Clone, Copy)]
struct Location {
    block: u64,
    index: usize,
}

/// The dev chain.
#[derive(Debug, Clone)]
pub struct EvmChain {
    genesis: Genesis,
    state: State,
    blocks: Vec<Block>,
    hashes: Vec<B256>,
    by_hash: HashMap<B256, u64>,
    mined: HashMap<B256, Location>,
    pool: Vec<PendingTx>,
    time_offset: u64,
    /// `evm_snapshot`s: whole copies of the chain (without their own snapshots). A dev
    /// chain's tests take few; a copy makes `evm_revert` exact for every kind of change,
    /// `anvil_setBalance` included.
    snapshots: BTreeMap<u64, Box<EvmChain>>,
    next_snapshot: u64,
    next_seq: u64,
}

/// What [`EvmChain::call`] returns: the output and the gas used.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// Return data.
    pub output: Bytes,
    /// Gas used (after refunds).
    pub gas_used: u64,
}

impl EvmChain {
    /// A chain at block 0 from `genesis`.
    pub fn new(genesis: Genesis) -> Result<Self, EvmError> {
        genesis.validate()?;
        let mut state = State::default();
        for (address, account) in &genesis.alloc {
            let code = account
                .code
                .as_ref()
                .filter(|code| !code.is_empty())
                .map(|code| Bytecode::new_raw_checked(code.clone()))
                .transpose()
                .map_err(|e| EvmError::Genesis(format!("the code of {address}: {e:?}")))?;
            let code_hash = code.as_ref().map_or(KECCAK_EMPTY, |code| code.hash_slow());
            state.set_account(
                *address,
                0,
                Account {
                    nonce: account.nonce,
                    balance: account.balance,
                    code_hash,
                },
                code,
            );
            for (slot, value) in &account.storage {
                state.set_storage(*address, *slot, 0, *value);
            }
        }
        let state_root = state.state_root(0);
        let header = Header {
            parent_hash: B256::ZERO,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: genesis.coinbase,
            state_root,
            transactions_root: EMPTY_ROOT_HASH,
            receipts_root: EMPTY_ROOT_HASH,
            logs_bloom: Bloom::ZERO,
            difficulty: U256::ZERO,
            number: 0,
            gas_limit: genesis.gas_limit,
            gas_used: 0,
            timestamp: genesis.timestamp,
            extra_data: Bytes::new(),
            mix_hash: randomness(&genesis.randomness_seed, &B256::ZERO, 0),
            nonce: Default::default(),
            base_fee_per_gas: Some(genesis.base_fee),
            withdrawals_root: Some(EMPTY_ROOT_HASH),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            requests_hash: Some(EMPTY_REQUESTS_HASH),
            block_access_list_hash: None,
            slot_number: None,
        };
        let block = seal(header, Vec::new());
        let mut chain = Self {
            genesis,
            state,
            blocks: Vec::new(),
            hashes: Vec::new(),
            by_hash: HashMap::new(),
            mined: HashMap::new(),
            pool: Vec::new(),
            time_offset: 0,
            snapshots: BTreeMap::new(),
            next_snapshot: 0,
            next_seq: 0,
        };
        chain.push_block(block);
        Ok(chain)
    }

    /// A chain read back from the store: its genesis, its blocks from 0, every state write
    /// and the pool in arrival order. Refused when the replayed state's root is not the head's.
    pub fn restore(
        genesis: Genesis,
        blocks: Vec<Block>,
        writes: Vec<Write>,
        pool: Vec<(u64, TxEnvelope)>,
        time_offset: u64,
        head_root: Option<B256>,
    ) -> Result<(Self, Vec<(B256, EvmError)>), EvmError> {
        let mut chain = Self::new(genesis)?;
        let genesis_hash = chain.head().hash;
        let mut blocks = blocks.into_iter();
        match blocks.next() {
            Some(first) if first.hash == genesis_hash => {}
            _ => return Err(EvmError::Corrupt("block 0 is not this genesis's".into())),
        }
        chain.state = State::default();
        chain.state.restore(writes);
        for block in blocks {
            if block.header.number != chain.head_number().saturating_add(1)
                || block.header.parent_hash != chain.head().hash
            {
                return Err(EvmError::Corrupt(format!(
                    "block {} does not follow the head",
                    block.header.number
                )));
            }
            chain.push_block(block);
        }
        let head = chain.head_number();
        let root = chain.state.state_root(head);
        // After `anvil_setBalance` the head's state is no longer its header's; the store keeps
        // the root it has then.
        let expected = head_root.unwrap_or(chain.head().header.state_root);
        if root != expected {
            return Err(EvmError::Corrupt(format!(
                "the state root {root} of the stored state is not the expected {expected} of block {head}"
            )));
        }
        chain.state.take_journal();
        chain.time_offset = time_offset;
        let mut refused = Vec::new();
        for (seq, tx) in pool {
            let hash = *tx.tx_hash();
            // The stored arrival order stands: the next arrival comes after every stored one.
            chain.next_seq = seq;
            if let Err(error) = chain.admit(tx) {
                refused.push((hash, error));
            }
            chain.next_seq = seq.saturating_add(1);
        }
        Ok((chain, refused))
    }

    /// The state writes since the last call (the store persists them).
    pub fn take_journal(&mut self) -> Vec<Write> {
        self.state.take_journal()
    }

    /// The total `evm_increaseTime` offset in seconds.
    pub fn time_offset(&self) -> u64 {
        self.time_offset
    }

    /// The genesis the chain started from.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.genesis.chain_id
    }

    /// The number of the latest block.
    pub fn head_number(&self) -> u64 {
        self.blocks.len().saturating_sub(1) as u64
    }

    /// The latest block.
    pub fn head(&self) -> &Block {
        // The chain always holds its genesis block.
        &self.blocks[self.blocks.len() - 1]
    }

    /// Block `number`.
    pub fn block(&self, number: u64) -> Option<&Block> {
        self.blocks.get(usize::try_from(number).ok()?)
    }

    /// The block with hash `hash`.
    pub fn block_by_hash(&self, hash: &B256) -> Option<&Block> {
        self.by_hash.get(hash).and_then(|n| self.block(*n))
    }

    /// The block a tag or number names; `pending` is the latest (the dev chain shows no
    /// pending block).
    pub fn resolve(&self, tag: BlockNumberOrTag) -> Result<u64, EvmError> {
        let number = match tag {
            BlockNumberOrTag::Earliest => 0,
            BlockNumberOrTag::Number(n) => n,
            _ => self.head_number(),
        };
        if number > self.head_number() {
            return Err(EvmError::BlockNotFound);
        }
        Ok(number)
    }

    /// The block a block id (number, tag or hash, EIP-1898) names.
    pub fn resolve_id(&self, id: BlockId) -> Result<u64, EvmError> {
        match id {
            BlockId::Number(tag) => self.resolve(tag),
            BlockId::Hash(hash) => self
                .by_hash
                .get(&hash.block_hash)
                .copied()
                .ok_or(EvmError::BlockNotFound),
        }
    }

    /// The base fee the next block will have.
    pub fn next_base_fee(&self) -> u64 {
        let parent = &self.head().header;
        alloy_eips::eip1559::calc_next_block_base_fee(
            parent.gas_used,
            parent.gas_limit,
            parent.base_fee_per_gas.unwrap_or(self.genesis.base_fee),
            BaseFeeParams::ethereum(),
        )
    }

    /// The account `address` after block `at`.
    pub fn account(&self, address: Address, at: u64) -> Option<Account> {
        self.state.account(address, at)
    }

    /// The balance of `address` after block `at`.
    pub fn balance(&self, address: Address, at: u64) -> U256 {
        self.account(address, at)
            .map(|a| a.balance)
            .unwrap_or_default()
    }

    /// The nonce of `address` after block `at`.
    pub fn nonce(&self, address: Address, at: u64) -> u64 {
        self.account(address, at)
            .map(|a| a.nonce)
            .unwrap_or_default()
    }

    /// The nonce the sender's next transaction needs, counting the pool: Bee's
    /// `PendingNonceAt`.
    pub fn pending_nonce(&self, address: Address) -> u64 {
        let mut next = self.nonce(address, self.head_number());
        let mut nonces: Vec<u64> = self
            .pool
            .iter()
            .filter(|p| p.sender == address)
            .map(|p| p.tx.nonce())
            .collect();
        nonces.sort_unstable();
        for nonce in nonces {
            if nonce == next {
                next = next.saturating_add(1);
            }
        }
        next
    }

    /// The code of `address` after block `at`.
    pub fn code(&self, address: Address, at: u64) -> Bytes {
        self.state.code_of(address, at).original_bytes()
    }

    /// Storage slot `slot` of `address` after block `at`.
    pub fn storage(&self, address: Address, slot: U256, at: u64) -> U256 {
        self.state.storage(address, slot, at)
    }

    /// Sets the balance of `address` in the latest block's state (`anvil_setBalance`,
    /// tests only; the state root of that block is not recomputed).
    pub fn set_balance(&mut self, address: Address, balance: U256) {
        let at = self.head_number();
        let mut account = self.account(address, at).unwrap_or(Account {
            nonce: 0,
            balance: U256::ZERO,
            code_hash: KECCAK_EMPTY,
        });
        account.balance = balance;
        self.state.set_account(address, at, account, None);
    }

    /// The transactions waiting in the pool.
    pub fn pool(&self) -> &[PendingTx] {
        &self.pool
    }

    /// A mined transaction and its block.
    pub fn mined_tx(&self, hash: &B256) -> Option<(&Block, &MinedTx)> {
        let location = self.mined.get(hash)?;
        let block = self.block(location.block)?;
        Some((block, block.transactions.get(location.index)?))
    }

    /// A pending transaction.
    pub fn pending_tx(&self, hash: &B256) -> Option<&PendingTx> {
        self.pool.iter().find(|p| p.tx.tx_hash() == hash)
    }

    /// Admits a raw signed transaction (EIP-2718 bytes) to the pool; its hash.
    pub fn send_raw(&mut self, raw: &[u8]) -> Result<Admitted, EvmError> {
        let mut bytes = raw;
        let tx =
            TxEnvelope::decode_2718(&mut bytes).map_err(|e| EvmError::Decode(e.to_string()))?;
        if !bytes.is_empty() {
            return Err(EvmError::Decode(format!(
                "{} bytes after the transaction",
                bytes.len()
            )));
        }
        self.admit(tx)
    }

    /// Admits a decoded transaction (see the module docs for what is refused).
    pub fn admit(&mut self, tx: TxEnvelope) -> Result<Admitted, EvmError> {
        if tx.is_eip4844() {
            return Err(EvmError::BlobsUnsupported);
        }
        match tx.chain_id() {
            Some(id) if id != self.chain_id() => {
                return Err(EvmError::WrongChainId {
                    got: id,
                    want: self.chain_id(),
                })
            }
            None => return Err(EvmError::Unprotected),
            Some(_) => {}
        }
        let size = tx.eip2718_encoded_length();
        if size > MAX_TX_SIZE {
            return Err(EvmError::Oversized {
                size,
                limit: MAX_TX_SIZE,
            });
        }
        if tx.kind().is_create() && tx.input().len() > MAX_INITCODE_SIZE {
            return Err(EvmError::InitcodeTooLarge(tx.input().len()));
        }
        let sender = recover_sender(&tx)?;
        let hash = *tx.tx_hash();
        if self.mined.contains_key(&hash) || self.pending_tx(&hash).is_some() {
            return Err(EvmError::AlreadyKnown);
        }
        let head = self.head_number();
        let state_nonce = self.nonce(sender, head);
        if tx.nonce() < state_nonce {
            return Err(EvmError::NonceTooLow {
                tx: tx.nonce(),
                state: state_nonce,
            });
        }
        let env = tx_env(&tx, sender);
        let intrinsic = calculate_initial_tx_gas_for_tx(&env, SPEC, None);
        let needed = intrinsic
            .initial_regular_gas
            .saturating_add(intrinsic.initial_state_gas)
            .max(intrinsic.floor_gas);
        if tx.gas_limit() < needed {
            return Err(EvmError::IntrinsicGasTooLow {
                gas: tx.gas_limit(),
                needed,
            });
        }
        if tx.gas_limit() > self.genesis.gas_limit {
            return Err(EvmError::GasLimitExceeded {
                gas: tx.gas_limit(),
                limit: self.genesis.gas_limit,
            });
        }
        if tx
            .max_priority_fee_per_gas()
            .is_some_and(|tip| tip > tx.max_fee_per_gas())
        {
            return Err(EvmError::TipAboveFeeCap);
        }
        let base_fee = self.next_base_fee();
        if tx.max_fee_per_gas() < u128::from(base_fee) {
            return Err(EvmError::FeeCapTooLow {
                fee_cap: tx.max_fee_per_gas(),
                base_fee,
            });
        }
        if self.account(sender, head).is_some_and(|account| {
            account.code_hash != KECCAK_EMPTY && !self.state.code(&account.code_hash).is_eip7702()
        }) {
            // EIP-3607: a sender with deployed code (a delegation of EIP-7702 excepted).
            return Err(EvmError::SenderNotEoa);
        }
        let have = self.balance(sender, head);
        let want = U256::from(tx.gas_limit())
            .saturating_mul(U256::from(tx.max_fee_per_gas()))
            .saturating_add(tx.value());
        if have < want {
            return Err(EvmError::InsufficientFunds { have, want });
        }
        let mut replaced = None;
        if let Some(position) = self
            .pool
            .iter()
            .position(|p| p.sender == sender && p.tx.nonce() == tx.nonce())
        {
            let old = &self.pool[position].tx;
            let bumped = |new: u128, old: u128| new.saturating_mul(10) >= old.saturating_mul(11);
            let old_tip = old
                .max_priority_fee_per_gas()
                .unwrap_or(old.max_fee_per_gas());
            let new_tip = tx
                .max_priority_fee_per_gas()
                .unwrap_or(tx.max_fee_per_gas());
            if !bumped(tx.max_fee_per_gas(), old.max_fee_per_gas()) || !bumped(new_tip, old_tip) {
                return Err(EvmError::ReplacementUnderpriced);
            }
            replaced = Some(*self.pool.remove(position).tx.tx_hash());
        }
        if replaced.is_none() {
            let from_sender = self.pool.iter().filter(|p| p.sender == sender).count();
            if from_sender >= MAX_POOL_PER_SENDER || self.pool.len() >= MAX_POOL {
                return Err(EvmError::PoolFull);
            }
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        self.pool.push(PendingTx { tx, sender, seq });
        Ok(Admitted { hash, replaced })
    }

    /// The timestamp the next block gets at wall-clock time `now` (seconds).
    pub fn next_timestamp(&self, now: u64) -> u64 {
        let parent = self.head().header.timestamp;
        now.saturating_add(self.time_offset)
            .max(parent.saturating_add(1))
    }

    /// Moves the chain's clock forward by `seconds` (`evm_increaseTime`); the total offset.
    pub fn increase_time(&mut self, seconds: u64) -> u64 {
        self.time_offset = self.time_offset.saturating_add(seconds);
        self.time_offset
    }

    fn block_env(&self, number: u64, timestamp: u64, base_fee: u64, prevrandao: B256) -> BlockEnv {
        let mut env = BlockEnv {
            number: U256::from(number),
            beneficiary: self.genesis.coinbase,
            timestamp: U256::from(timestamp),
            gas_limit: self.genesis.gas_limit,
            basefee: base_fee,
            difficulty: U256::ZERO,
            prevrandao: Some(prevrandao),
            ..BlockEnv::default()
        };
        env.blob_excess_gas_and_price = Some(BlobExcessGasAndPrice::new(0, BLOB_UPDATE_FRACTION));
        env
    }

    /// The environment of the block the next seal makes at `timestamp`: number head + 1,
    /// the next base fee and its prevrandao.
    fn next_block_env(&self, timestamp: u64) -> BlockEnv {
        let head = self.head();
        let number = head.header.number.saturating_add(1);
        self.block_env(
            number,
            timestamp,
            self.next_base_fee(),
            randomness(&self.genesis.randomness_seed, &head.hash, number),
        )
    }

    /// The gas a call may use: what it asks for, at most the block gas limit (the block
    /// gas limit when it asks for nothing).
    fn call_gas_cap(&self, request: &TransactionRequest) -> u64 {
        request
            .gas
            .unwrap_or(self.genesis.gas_limit)
            .min(self.genesis.gas_limit)
    }

    fn cfg(&self) -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(SPEC);
        cfg.chain_id = self.chain_id();
        cfg
    }

    /// Seals the next block at `timestamp` from the pool; the new head's number.
    pub fn mine(&mut self, timestamp: u64) -> u64 {
        let parent_hash = self.head().hash;
        let timestamp = timestamp.max(self.head().header.timestamp.saturating_add(1));
        let number = self.head_number().saturating_add(1);
        let block_env = self.next_block_env(timestamp);
        let base_fee = block_env.basefee;
        let prevrandao = block_env.prevrandao.unwrap_or_default();
        let gas_limit = self.genesis.gas_limit;

        let mut transactions: Vec<MinedTx> = Vec::new();
        let mut changes: Vec<EvmState> = Vec::new();
        let mut remaining = std::mem::take(&mut self.pool);
        {
            let db = CacheDB::new(WrapDatabaseRef(self.state.at(number, &self.hashes)));
            let mut evm = Context::mainnet()
                .with_db(db)
                .with_block(block_env)
                .with_cfg(self.cfg())
                .build_mainnet();
            let mut nonces: HashMap<Address, u64> = HashMap::new();
            let mut cumulative: u64 = 0;
            let mut log_index: u64 = 0;
            loop {
                let mut progress = false;
                let mut waiting = Vec::with_capacity(remaining.len());
                for pending in remaining {
                    let expected = *nonces
                        .entry(pending.sender)
                        .or_insert_with(|| self.state.nonce_at(pending.sender, number));
                    let nonce = pending.tx.nonce();
                    if nonce < expected {
                        tracing::debug!(hash = %pending.tx.tx_hash(), "dropped: nonce passed");
                        continue;
                    }
                    if nonce > expected
                        || cumulative.saturating_add(pending.tx.gas_limit()) > gas_limit
                    {
                        waiting.push(pending);
                        continue;
                    }
                    let env = tx_env(&pending.tx, pending.sender);
                    let outcome = match evm.transact(env) {
                        Ok(outcome) => outcome,
                        Err(EVMError::Transaction(InvalidTransaction::GasPriceLessThanBasefee)) => {
                            // The base fee rose past its fee cap since it came in: it waits
                            // for the fee to fall again, as in geth's pool.
                            waiting.push(pending);
                            continue;
                        }
                        Err(error) => {
                            tracing::info!(hash = %pending.tx.tx_hash(), %error, "dropped from the pool: no longer valid");
                            continue;
                        }
                    };
                    evm.ctx
                        .journaled_state
                        .database
                        .commit(outcome.state.clone());
                    changes.push(outcome.state);
                    let result = outcome.result;
                    let gas_used = result.tx_gas_used();
                    cumulative = cumulative.saturating_add(gas_used);
                    let logs = result.logs().to_vec();
                    let first_log_index = log_index;
                    log_index = log_index.saturating_add(logs.len() as u64);
                    nonces.insert(pending.sender, nonce.saturating_add(1));
                    transactions.push(MinedTx {
                        index: transactions.len() as u64,
                        success: result.is_success(),
                        gas_used,
                        cumulative_gas_used: cumulative,
                        effective_gas_price: pending.tx.effective_gas_price(Some(base_fee)),
                        contract_address: result.created_address(),
                        logs,
                        first_log_index,
                        sender: pending.sender,
                        tx: pending.tx,
                    });
                    progress = true;
                }
                remaining = waiting;
                if !progress {
                    break;
                }
            }
        }
        self.pool = remaining;
        for change in &changes {
            self.state.apply(number, change);
        }
        let state_root = self.state.state_root(number);
        let envelopes: Vec<TxEnvelope> = transactions.iter().map(|t| t.tx.clone()).collect();
        let receipts: Vec<ReceiptEnvelope> = transactions.iter().map(MinedTx::receipt).collect();
        let mut logs_bloom = Bloom::ZERO;
        for receipt in &receipts {
            logs_bloom.accrue_bloom(receipt.logs_bloom());
        }
        let header = Header {
            parent_hash,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: self.genesis.coinbase,
            state_root,
            transactions_root: calculate_transaction_root(&envelopes),
            receipts_root: calculate_receipt_root(&receipts),
            logs_bloom,
            difficulty: U256::ZERO,
            number,
            gas_limit,
            gas_used: transactions.last().map_or(0, |t| t.cumulative_gas_used),
            timestamp,
            extra_data: Bytes::new(),
            mix_hash: prevrandao,
            nonce: Default::default(),
            base_fee_per_gas: Some(base_fee),
            withdrawals_root: Some(EMPTY_ROOT_HASH),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            requests_hash: Some(EMPTY_REQUESTS_HASH),
            block_access_list_hash: None,
            slot_number: None,
        };
        let block = seal(header, transactions);
        self.push_block(block);
        number
    }

    fn push_block(&mut self, block: Block) {
        let number = block.header.number;
        for (index, tx) in block.transactions.iter().enumerate() {
            self.mined.insert(
                *tx.tx.tx_hash(),
                Location {
                    block: number,
                    index,
                },
            );
        }
        self.hashes.push(block.hash);
        self.by_hash.insert(block.hash, number);
        self.blocks.push(block);
    }

    /// Runs a call on the state after block `at` (`eth_call`), changing nothing.
    /// The block a call's block id names: `None` for `pending`, the block the next seal
    /// makes (as anvil: number head + 1, the next base fee and prevrandao, the head's state).
    pub fn resolve_call(&self, id: BlockId) -> Result<Option<u64>, EvmError> {
        match id {
            BlockId::Number(BlockNumberOrTag::Pending) => Ok(None),
            other => self.resolve_id(other).map(Some),
        }
    }

    /// Runs a call on the state after block `at` (`None`: on the pending block) and
    /// changes nothing (`eth_call`).
    pub fn call(
        &self,
        request: &TransactionRequest,
        at: Option<u64>,
    ) -> Result<CallOutcome, EvmError> {
        self.execute_call(request, at, self.call_gas_cap(request))
    }

    fn execute_call(
        &self,
        request: &TransactionRequest,
        at: Option<u64>,
        gas: u64,
    ) -> Result<CallOutcome, EvmError> {
        let (block_env, at) = match at {
            Some(at) => {
                let header = &self.block(at).ok_or(EvmError::BlockNotFound)?.header;
                let env = self.block_env(
                    header.number,
                    header.timestamp,
                    header.base_fee_per_gas.unwrap_or_default(),
                    header.mix_hash,
                );
                (env, at)
            }
            None => {
                let head = &self.head().header;
                let env = self.next_block_env(head.timestamp.saturating_add(1));
                (env, head.number)
            }
        };
        let names_fee = request.gas_price.is_some() || request.max_fee_per_gas.is_some();
        let mut cfg = self.cfg();
        cfg.disable_nonce_check = true;
        // geth and anvil run calls from any address, contracts included.
        cfg.disable_eip3607 = true;
        cfg.disable_base_fee = !names_fee;
        let env = call_env(request, gas, self.chain_id());
        let db = CacheDB::new(WrapDatabaseRef(self.state.at(at, &self.hashes)));
        let mut evm = Context::mainnet()
            .with_db(db)
            .with_block(block_env)
            .with_cfg(cfg)
            .build_mainnet();
        match evm.transact(env) {
            Ok(outcome) => match outcome.result {
                ExecutionResult::Success { output, gas, .. } => Ok(CallOutcome {
                    output: output.into_data(),
                    gas_used: gas.tx_gas_used(),
                }),
                ExecutionResult::Revert { output, .. } => Err(EvmError::Reverted(output)),
                ExecutionResult::Halt { reason, .. } => {
                    Err(EvmError::Halted(halt_message(&format!("{reason:?}"))))
                }
            },
            Err(EVMError::Transaction(invalid)) => Err(EvmError::InvalidCall(invalid.to_string())),
            Err(other) => Err(EvmError::InvalidCall(other.to_string())),
        }
    }

    /// The least gas limit with which the call succeeds (`eth_estimateGas`), found as geth
    /// does: run at the cap, then search between the gas used and the cap.
    pub fn estimate_gas(
        &self,
        request: &TransactionRequest,
        at: Option<u64>,
    ) -> Result<u64, EvmError> {
        let cap = self.call_gas_cap(request);
        // As geth: with a price named, no more gas than the sender can pay for.
        let price = request
            .max_fee_per_gas
            .or(request.gas_price)
            .unwrap_or_default();
        let cap = if price > 0 {
            let head = at.unwrap_or_else(|| self.head_number());
            let spendable = self
                .balance(request.from.unwrap_or_default(), head)
                .saturating_sub(request.value.unwrap_or_default());
            let affordable = spendable / U256::from(price);
            cap.min(u64::try_from(affordable).unwrap_or(u64::MAX))
        } else {
            cap
        };
        let first = self.execute_call(request, at, cap)?;
        let mut low = first.gas_used.saturating_sub(1);
        let mut high = cap;
        // geth's optimistic first guess: what was used plus the 1/64 reserve of EIP-150.
        let guess = first.gas_used.saturating_add(2_300).saturating_mul(64) / 63;
        if guess < high && self.execute_call(request, at, guess).is_ok() {
            high = guess;
        }
        while high.saturating_sub(low) > 1 {
            let middle = low + (high - low) / 2;
            match self.execute_call(request, at, middle) {
                Ok(_) => high = middle,
                Err(EvmError::Reverted(_) | EvmError::Halted(_) | EvmError::InvalidCall(_)) => {
                    low = middle
                }
                Err(other) => return Err(other),
            }
        }
        Ok(high)
    }

    /// The logs a filter matches, in chain order (`eth_getLogs`).
    pub fn logs(&self, filter: &Filter) -> Result<Vec<alloy_rpc_types_eth::Log>, EvmError> {
        let (from, to) = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => {
                let number = *self.by_hash.get(&hash).ok_or(EvmError::BlockNotFound)?;
                (number, number)
            }
            FilterBlockOption::Range {
                from_block,
                to_block,
            } => {
                let head = self.head_number();
                let number = |tag: Option<BlockNumberOrTag>| match tag {
                    None
                    | Some(
                        BlockNumberOrTag::Latest
                        | BlockNumberOrTag::Pending
                        | BlockNumberOrTag::Safe
                        | BlockNumberOrTag::Finalized,
                    ) => head,
                    Some(BlockNumberOrTag::Earliest) => 0,
                    Some(BlockNumberOrTag::Number(n)) => n,
                };
                // As anvil: a range that ends before it starts matches nothing; its end is
                // clamped to the head.
                (number(from_block), number(to_block).min(head))
            }
        };
        let mut logs = Vec::new();
        for number in from..=to {
            let Some(block) = self.block(number) else {
                break;
            };
            if !filter.matches_bloom(block.header.logs_bloom) {
                continue;
            }
            for tx in &block.transactions {
                for (offset, log) in tx.logs.iter().enumerate() {
                    if filter.matches_address(log.address) && filter.matches_topics(log.topics()) {
                        logs.push(rpc_log(block, tx, offset, log));
                    }
                }
            }
        }
        Ok(logs)
    }

    /// Takes a snapshot of the chain (`evm_snapshot`); its id.
    pub fn snapshot(&mut self) -> u64 {
        let id = self.next_snapshot;
        self.next_snapshot = self.next_snapshot.saturating_add(1);
        let snapshots = std::mem::take(&mut self.snapshots);
        let copy = Box::new(self.clone());
        self.snapshots = snapshots;
        self.snapshots.insert(id, copy);
        id
    }

    /// Returns the chain to snapshot `id` (`evm_revert`): blocks, state, pool and clock as
    /// they were. That snapshot and every later one are used up; earlier ones stay. False
    /// for an unknown id.
    pub fn revert(&mut self, id: u64) -> bool {
        let Some(saved) = self.snapshots.remove(&id) else {
            return false;
        };
        let mut earlier = std::mem::take(&mut self.snapshots);
        earlier.split_off(&id);
        let next_snapshot = self.next_snapshot;
        let next_seq = self.next_seq;
        *self = *saved;
        self.snapshots = earlier;
        self.next_snapshot = next_snapshot;
        self.next_seq = next_seq;
        // The store rewrites itself from the whole chain after a revert.
        self.state.take_journal();
        true
    }

    /// Every stored fact of the chain: its blocks and all state writes (the store rewrites
    /// itself from these after `evm_revert`).
    pub fn all_writes(&self) -> Vec<Write> {
        self.state.all_writes()
    }

    /// The blocks from genesis.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The state root after the head as it is now; it differs from the head's header after
    /// `anvil_setBalance`.
    pub fn head_state_root(&mut self) -> B256 {
        let head = self.head_number();
        self.state.state_root(head)
    }
}

impl State {
    fn nonce_at(&self, address: Address, at: u64) -> u64 {
        self.account(address, at)
            .map(|a| a.nonce)
            .unwrap_or_default()
    }
}

/// An RPC log: a mined log with its block, transaction and index.
pub fn rpc_log(block: &Block, tx: &MinedTx, offset: usize, log: &Log) -> alloy_rpc_types_eth::Log {
    alloy_rpc_types_eth::Log {
        inner: log.clone(),
        block_hash: Some(block.hash),
        block_number: Some(block.header.number),
        block_timestamp: Some(block.header.timestamp),
        transaction_hash: Some(*tx.tx.tx_hash()),
        transaction_index: Some(tx.index),
        log_index: Some(tx.first_log_index.saturating_add(offset as u64)),
        removed: false,
    }
}

/// geth's wording for revm's halt reasons.
fn halt_message(reason: &str) -> String {
    if reason.contains("OutOfGas") {
        "out of gas".into()
    } else {
        format!("execution halted: {reason}")
    }
}

/// `keccak256(seed ‖ parentHash ‖ u64be(number))`.
fn randomness(seed: &B256, parent_hash: &B256, number: u64) -> B256 {
    B256::from(keccak256_concat(&[
        seed.as_slice(),
        parent_hash.as_slice(),
        &number.to_be_bytes(),
    ]))
}

fn seal(header: Header, transactions: Vec<MinedTx>) -> Block {
    let hash = header.hash_slow();
    let body = BlockBody::<TxEnvelope> {
        transactions: transactions.iter().map(|t| t.tx.clone()).collect(),
        ommers: Vec::new(),
        withdrawals: Some(Default::default()),
    };
    let size = alloy_consensus::Block {
        header: header.clone(),
        body,
    }
    .length() as u64;
    Block {
        header,
        hash,
        size,
        transactions,
    }
}

/// The sender of a signed transaction, recovered with libsecp256k1 (faster than k256).
fn recover_sender(tx: &TxEnvelope) -> Result<Address, EvmError> {
    let signature = tx.signature();
    let mut bytes = [0u8; 65];
    bytes[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
    bytes[32..64].copy_from_slice(&signature.s().to_be_bytes::<32>());
    bytes[64] = if signature.v() { 28 } else { 27 };
    if signature.normalize_s().is_some() {
        // EIP-2: s in the upper half of the curve order is invalid.
        return Err(EvmError::InvalidSignature(
            "s value in the upper half".into(),
        ));
    }
    let hash = tx.signature_hash();
    comb_primitives::crypto::recover_prehash(&hash.0, &comb_primitives::Signature(bytes))
        .map_err(|e| EvmError::InvalidSignature(e.to_string()))
}

/// revm's view of a signed transaction.
fn tx_env(tx: &TxEnvelope, sender: Address) -> TxEnv {
    let legacy_like = matches!(tx.tx_type(), TxType::Legacy | TxType::Eip2930);
    let mut env = TxEnv {
        tx_type: tx.tx_type() as u8,
        caller: sender,
        gas_limit: tx.gas_limit(),
        gas_price: tx.max_fee_per_gas(),
        kind: tx.kind(),
        value: tx.value(),
        data: tx.input().clone(),
        nonce: tx.nonce(),
        chain_id: tx.chain_id(),
        access_list: tx.access_list().cloned().unwrap_or_default(),
        gas_priority_fee: if legacy_like {
            None
        } else {
            tx.max_priority_fee_per_gas()
        },
        ..TxEnv::default()
    };
    if let Some(list) = tx.authorization_list() {
        env.set_signed_authorization(list.to_vec());
    }
    env
}

/// revm's view of an `eth_call` request. Call data may come as `input` or `data` (older
/// go-ethereum clients send `data`); when both are given `input` wins, as in geth.
fn call_env(request: &TransactionRequest, gas: u64, chain_id: u64) -> TxEnv {
    let data = request.input.input().cloned().unwrap_or_default();
    let (gas_price, tip, tx_type) = match (request.max_fee_per_gas, request.gas_price) {
        (Some(fee_cap), _) => (fee_cap, request.max_priority_fee_per_gas, 2),
        (None, Some(price)) => (price, None, 0),
        (None, None) => (0, None, 2),
    };
    TxEnv {
        tx_type,
        caller: request.from.unwrap_or_default(),
        gas_limit: gas,
        gas_price,
        kind: request.to.unwrap_or(TxKind::Create),
        value: request.value.unwrap_or_default(),
        data,
        nonce: request.nonce.unwrap_or_default(),
        chain_id: Some(chain_id),
        access_list: request.access_list.clone().unwrap_or_default(),
        gas_priority_fee: tip.or(if tx_type == 2 { Some(0) } else { None }),
        ..TxEnv::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_chain_has_its_genesis_block_and_next_block_timestamps_strictly_increase() {
        let genesis = Genesis::dev(1_000).unwrap();
        let mut chain = EvmChain::new(genesis).unwrap();
        assert_eq!(chain.head_number(), 0);
        assert_eq!(chain.head().header.timestamp, 1_000);
        // The wall clock behind the chain: the next block still moves on by a second.
        assert_eq!(chain.next_timestamp(500), 1_001);
        let one = chain.mine(chain.next_timestamp(500));
        assert_eq!(one, 1);
        assert_eq!(chain.head().header.timestamp, 1_001);
        assert_eq!(
            chain.head().header.parent_hash,
            chain.block(0).unwrap().hash
        );
        assert_eq!(chain.next_timestamp(2_000), 2_000);
        chain.increase_time(100);
        assert_eq!(chain.next_timestamp(2_000), 2_100);
        // An empty block halves nothing: the base fee falls by 1/8 under an empty parent.
        assert_eq!(chain.next_base_fee(), 1_000_000_000 * 7 / 8 * 7 / 8);
    }

    #[test]
    fn prevrandao_is_the_seeded_hash_of_the_parent_and_number() {
        let genesis = Genesis {
            randomness_seed: B256::repeat_byte(0x5e),
            ..Genesis::dev(10).unwrap()
        };
        let mut chain = EvmChain::new(genesis).unwrap();
        chain.mine(11);
        let parent = chain.block(0).unwrap().hash;
        // keccak256(seed ‖ parentHash ‖ u64be(1)), written out.
        let mut preimage = vec![0x5e; 32];
        preimage.extend_from_slice(parent.as_slice());
        preimage.extend_from_slice(&1u64.to_be_bytes());
        assert_eq!(
            chain.head().header.mix_hash,
            alloy_primitives::keccak256(&preimage)
        );
        // A chain with another seed draws another value.
        let mut other = EvmChain::new(Genesis::dev(10).unwrap()).unwrap();
        other.mine(11);
        assert_ne!(other.head().header.mix_hash, chain.head().header.mix_hash);
    }
}
