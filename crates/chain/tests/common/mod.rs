//! A test harness over the pure ledger: funded signers, nonces, block advancing.
#![allow(dead_code, clippy::unwrap_used)]

pub mod arch;
pub mod game;

use std::collections::BTreeMap;

use comb_chain::{Call, ChainError, GenesisConfig, Ledger, Receipt, Transaction};
use comb_primitives::{Address, Signer, B256, U256};

/// 1 BZZ in PLUR.
pub fn bzz(n: u64) -> U256 {
    U256::from(n) * U256::from(10_000_000_000_000_000u64)
}

/// A deterministic signer.
pub fn signer(i: u8) -> Signer {
    let mut key = [0x11u8; 32];
    key[31] = i.wrapping_add(1);
    Signer::from_bytes(&key).unwrap()
}

pub struct Harness {
    pub ledger: Ledger,
}

impl Harness {
    /// A chain where signers 0..count hold `each` PLUR.
    pub fn new(count: u8, each: U256, tweak: impl FnOnce(&mut GenesisConfig)) -> Self {
        let allocations: BTreeMap<Address, U256> =
            (0..count).map(|i| (signer(i).address(), each)).collect();
        let mut config = GenesisConfig {
            allocations,
            randomness_seed: B256::repeat_byte(0x42),
            ..GenesisConfig::default()
        };
        tweak(&mut config);
        Self {
            ledger: Ledger::genesis(config).unwrap(),
        }
    }

    pub fn send(&mut self, from: &Signer, call: Call) -> Result<Receipt, ChainError> {
        let tx = Transaction {
            chain_id: self.ledger.config().chain_id,
            nonce: self.ledger.state().nonce(&from.address()),
            call,
        };
        self.ledger.submit(tx.sign(from).unwrap())
    }

    /// Seals blocks until transactions go into block `number`.
    pub fn advance_to(&mut self, number: u64) {
        self.ledger.advance_to(number, 5).unwrap();
    }

    pub fn block(&self) -> u64 {
        self.ledger.pending_number()
    }

    pub fn balance(&self, who: &Address) -> U256 {
        self.ledger.state().token.balance_of(who)
    }

    /// Submits a call that must fail with `expected` and leave the state unchanged.
    pub fn expect_revert(&mut self, from: &Signer, call: Call, expected: ChainError) {
        let before = self.ledger.state().root().unwrap();
        assert_eq!(self.send(from, call), Err(expected));
        assert_eq!(
            self.ledger.state().root().unwrap(),
            before,
            "state changed by a reverted call"
        );
    }
}
