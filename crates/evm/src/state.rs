//! The world state with its history: every account and storage slot keeps the value it had
//! after each block that changed it, so a read at any block is one ordered-map lookup.
//!
//! Bee reads state at past blocks: its transaction monitor asks for a nonce at
//! `head − 12` (`eth_getTransactionCount` with a block number), and a dev chain that can
//! answer `eth_call`, `eth_getBalance` and `eth_getStorageAt` at any block is what anvil and
//! geth archive nodes offer. Keeping the history also makes `evm_revert` a truncation.
//!
//! [`StateAt`] is a read view at one block; it implements revm's [`DatabaseRef`], so the EVM
//! executes against it directly. Writes go to one block number at a time
//! ([`State::apply`]); the block being built writes at its own number, which reads at
//! earlier numbers never see.
//!
//! **Roots.** [`State::state_root`] is the Ethereum state root (the Merkle-Patricia trie of
//! `keccak256(address) → rlp(nonce, balance, storageRoot, codeHash)`), with each account's
//! storage root cached and recomputed only for accounts whose storage changed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;

use alloy_consensus::constants::{EMPTY_ROOT_HASH, KECCAK_EMPTY};
use alloy_primitives::{Address, B256, U256};
use alloy_trie::root::{state_root_unsorted, storage_root_unhashed};
use alloy_trie::TrieAccount;
use revm::bytecode::Bytecode;
use revm::database_interface::DatabaseRef;
use revm::state::{AccountInfo, EvmState};

/// An account as the state keeps it: what the state trie commits to, less the storage root
/// (which is derived).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    /// The nonce.
    pub nonce: u64,
    /// The balance in wei.
    pub balance: U256,
    /// `keccak256` of the code; [`KECCAK_EMPTY`] for an account without code.
    pub code_hash: B256,
}

/// Values by the block after which they hold; `None` for an account that does not exist.
type History<T> = BTreeMap<u64, T>;

/// The value a history had after block `at`: the last entry at or before it.
fn value_at<T: Copy>(history: &History<T>, at: u64) -> Option<T> {
    history.range(..=at).next_back().map(|(_, value)| *value)
}

/// The world state at every block.
#[derive(Debug, Clone, Default)]
pub struct State {
    accounts: HashMap<Address, History<Option<Account>>>,
    storage: HashMap<Address, HashMap<U256, History<U256>>>,
    codes: HashMap<B256, Bytecode>,
    /// The latest storage root of each account with storage.
    storage_roots: HashMap<Address, B256>,
    /// Accounts whose storage changed since their root was last computed.
    dirty: HashSet<Address>,
    /// Every write since the last [`State::take_journal`], for the store.
    journal: Vec<Write>,
}

/// One write to the state, as the store persists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Account `address` after block `at` (`None`: it does not exist).
    Account(u64, Address, Option<Account>),
    /// Slot `slot` of `address` after block `at`.
    Storage(u64, Address, U256, U256),
    /// Code by its hash.
    Code(B256, Bytecode),
}

impl State {
    /// The account `address` after block `at`.
    pub fn account(&self, address: Address, at: u64) -> Option<Account> {
        self.accounts
            .get(&address)
            .and_then(|history| value_at(history, at))
            .flatten()
    }

    /// Storage slot `slot` of `address` after block `at` (zero when never written).
    pub fn storage(&self, address: Address, slot: U256, at: u64) -> U256 {
        self.storage
            .get(&address)
            .and_then(|slots| slots.get(&slot))
            .and_then(|history| value_at(history, at))
            .unwrap_or_default()
    }

    /// The code with hash `hash` (empty when unknown).
    pub fn code(&self, hash: &B256) -> Bytecode {
        self.codes.get(hash).cloned().unwrap_or_default()
    }

    /// The code of `address` after block `at`.
    pub fn code_of(&self, address: Address, at: u64) -> Bytecode {
        match self.account(address, at) {
            Some(account) if account.code_hash != KECCAK_EMPTY => self.code(&account.code_hash),
            _ => Bytecode::default(),
        }
    }

    /// Sets an account outright at block `at` (genesis allocations, test balance setters).
    pub fn set_account(
        &mut self,
        address: Address,
        at: u64,
        account: Account,
        code: Option<Bytecode>,
    ) {
        if let Some(code) = code {
            self.set_code(account.code_hash, code);
        }
        self.write_account(address, at, Some(account));
    }

    fn set_code(&mut self, hash: B256, code: Bytecode) {
        if !self.codes.contains_key(&hash) {
            self.journal.push(Write::Code(hash, code.clone()));
            self.codes.insert(hash, code);
        }
    }

    fn write_account(&mut self, address: Address, at: u64, account: Option<Account>) {
        self.journal.push(Write::Account(at, address, account));
        self.accounts
            .entry(address)
            .or_default()
            .insert(at, account);
    }

    /// The writes since the last call, oldest first.
    pub fn take_journal(&mut self) -> Vec<Write> {
        std::mem::take(&mut self.journal)
    }

    /// Every write that makes up this state, oldest block first (for rewriting the store).
    pub fn all_writes(&self) -> Vec<Write> {
        let mut writes: Vec<Write> = self
            .codes
            .iter()
            .map(|(hash, code)| Write::Code(*hash, code.clone()))
            .collect();
        for (address, history) in &self.accounts {
            for (at, account) in history {
                writes.push(Write::Account(*at, *address, *account));
            }
        }
        for (address, slots) in &self.storage {
            for (slot, history) in slots {
                for (at, value) in history {
                    writes.push(Write::Storage(*at, *address, *slot, *value));
                }
            }
        }
        writes
    }

    /// Replays writes read back from the store (not journaled again).
    pub fn restore(&mut self, writes: impl IntoIterator<Item = Write>) {
        for write in writes {
            match write {
                Write::Account(at, address, account) => {
                    self.accounts
                        .entry(address)
                        .or_default()
                        .insert(at, account);
                }
                Write::Storage(at, address, slot, value) => {
                    self.storage
                        .entry(address)
                        .or_default()
                        .entry(slot)
                        .or_default()
                        .insert(at, value);
                    self.dirty.insert(address);
                }
                Write::Code(hash, code) => {
                    self.codes.insert(hash, code);
                }
            }
        }
    }

    /// Sets a storage slot outright at block `at`.
    pub fn set_storage(&mut self, address: Address, slot: U256, at: u64, value: U256) {
        self.journal.push(Write::Storage(at, address, slot, value));
        self.storage
            .entry(address)
            .or_default()
            .entry(slot)
            .or_default()
            .insert(at, value);
        self.dirty.insert(address);
    }

    /// Writes the changes of one executed transaction at block `at`, as Ethereum commits
    /// them: untouched accounts are skipped; self-destructed accounts and touched empty
    /// accounts (EIP-161) cease to exist, with their storage; changed slots are written.
    pub fn apply(&mut self, at: u64, changes: &EvmState) {
        for (address, account) in changes {
            if !account.is_touched() {
                continue;
            }
            if account.is_selfdestructed() || account.is_empty() {
                self.write_account(*address, at, None);
                self.clear_storage(*address, at);
                continue;
            }
            if account.is_created() {
                // A new contract starts with empty storage, whatever its address held.
                self.clear_storage(*address, at);
            }
            let info = &account.info;
            if let Some(code) = &info.code {
                if info.code_hash != KECCAK_EMPTY {
                    self.set_code(info.code_hash, code.clone());
                }
            }
            self.write_account(
                *address,
                at,
                Some(Account {
                    nonce: info.nonce,
                    balance: info.balance,
                    code_hash: info.code_hash,
                }),
            );
            for (slot, value) in account.changed_storage_slots() {
                self.set_storage(*address, *slot, at, value.present_value);
            }
        }
    }

    fn clear_storage(&mut self, address: Address, at: u64) {
        let Some(slots) = self.storage.get_mut(&address) else {
            return;
        };
        let mut cleared = Vec::new();
        for (slot, history) in slots.iter_mut() {
            if value_at(history, at).is_some_and(|value| !value.is_zero()) {
                history.insert(at, U256::ZERO);
                cleared.push(*slot);
            }
        }
        for slot in cleared {
            self.journal
                .push(Write::Storage(at, address, slot, U256::ZERO));
        }
        self.dirty.insert(address);
    }

    /// Forgets everything written after block `at` (`evm_revert`).
    pub fn truncate(&mut self, at: u64) {
        let after = at.saturating_add(1);
        self.journal.retain(|write| match write {
            Write::Account(block, ..) | Write::Storage(block, ..) => *block <= at,
            Write::Code(..) => true,
        });
        self.accounts.retain(|_, history| {
            history.split_off(&after);
            !history.is_empty()
        });
        for (address, slots) in &mut self.storage {
            slots.retain(|_, history| {
                history.split_off(&after);
                !history.is_empty()
            });
            self.dirty.insert(*address);
        }
    }

    /// The state root after block `at`, which must be the latest block written.
    pub fn state_root(&mut self, at: u64) -> B256 {
        for address in std::mem::take(&mut self.dirty) {
            let root = self.storage.get(&address).map_or(EMPTY_ROOT_HASH, |slots| {
                storage_root_unhashed(slots.iter().filter_map(|(slot, history)| {
                    value_at(history, at)
                        .filter(|value| !value.is_zero())
                        .map(|value| (B256::from(*slot), value))
                }))
            });
            self.storage_roots.insert(address, root);
        }
        let roots = &self.storage_roots;
        state_root_unsorted(self.accounts.iter().filter_map(|(address, history)| {
            value_at(history, at).flatten().map(|account| {
                (
                    alloy_primitives::keccak256(address),
                    TrieAccount {
                        nonce: account.nonce,
                        balance: account.balance,
                        storage_root: roots.get(address).copied().unwrap_or(EMPTY_ROOT_HASH),
                        code_hash: account.code_hash,
                    },
                )
            })
        }))
    }

    /// A read view after block `at`, with `hashes[n]` the hash of block `n` for `BLOCKHASH`.
    pub fn at<'a>(&'a self, at: u64, hashes: &'a [B256]) -> StateAt<'a> {
        StateAt {
            state: self,
            at,
            hashes,
        }
    }
}

/// The state after one block, as revm reads it.
#[derive(Debug, Clone, Copy)]
pub struct StateAt<'a> {
    state: &'a State,
    at: u64,
    hashes: &'a [B256],
}

impl DatabaseRef for StateAt<'_> {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.state.account(address, self.at).map(|account| {
            let code = self.state.codes.get(&account.code_hash).cloned();
            AccountInfo {
                balance: account.balance,
                nonce: account.nonce,
                code_hash: account.code_hash,
                code,
                ..AccountInfo::default()
            }
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(self.state.code(&code_hash))
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self.state.storage(address, index, self.at))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(usize::try_from(number)
            .ok()
            .and_then(|n| self.hashes.get(n))
            .copied()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(nonce: u64, balance: u64) -> Account {
        Account {
            nonce,
            balance: U256::from(balance),
            code_hash: KECCAK_EMPTY,
        }
    }

    #[test]
    fn reads_see_the_value_after_their_block_and_truncation_forgets_later_ones() {
        let alice = Address::repeat_byte(1);
        let mut state = State::default();
        state.set_account(alice, 0, account(0, 100), None);
        state.set_account(alice, 3, account(1, 90), None);
        state.set_storage(alice, U256::from(7), 2, U256::from(5));
        assert_eq!(state.account(alice, 0), Some(account(0, 100)));
        assert_eq!(state.account(alice, 2), Some(account(0, 100)));
        assert_eq!(state.account(alice, 3), Some(account(1, 90)));
        assert_eq!(state.account(alice, 9), Some(account(1, 90)));
        assert_eq!(state.storage(alice, U256::from(7), 1), U256::ZERO);
        assert_eq!(state.storage(alice, U256::from(7), 2), U256::from(5));
        state.truncate(2);
        assert_eq!(state.account(alice, 9), Some(account(0, 100)));
        assert_eq!(state.storage(alice, U256::from(7), 9), U256::from(5));
    }

    #[test]
    fn the_state_root_of_nothing_is_the_empty_trie_and_one_account_is_known() {
        let mut state = State::default();
        assert_eq!(state.state_root(0), EMPTY_ROOT_HASH);
        // One account with balance 1 wei and nonce 0, no code, no storage, at the address of
        // all zero bytes. Its root computed independently from the trie's definition:
        // a single leaf whose path is keccak256(address) and whose value is
        // rlp([0, 1, EMPTY_ROOT_HASH, KECCAK_EMPTY]).
        state.set_account(Address::ZERO, 0, account(0, 1), None);
        let leaf_value = {
            let mut body = vec![0x80, 0x01, 0xa0];
            body.extend_from_slice(EMPTY_ROOT_HASH.as_slice());
            body.push(0xa0);
            body.extend_from_slice(KECCAK_EMPTY.as_slice());
            let mut list = vec![0xf8, body.len() as u8];
            list.extend(body);
            list
        };
        // The leaf node: [hex-prefix(path with leaf flag), value].
        let path = alloy_primitives::keccak256(Address::ZERO);
        let mut key = vec![0x20];
        key.extend_from_slice(path.as_slice());
        let mut node_body = vec![0xa1];
        node_body.extend(&key);
        node_body.push(0xb8);
        node_body.push(leaf_value.len() as u8);
        node_body.extend(&leaf_value);
        let mut node = vec![0xf8, node_body.len() as u8];
        node.extend(node_body);
        assert_eq!(state.state_root(0), alloy_primitives::keccak256(&node));
    }
}
