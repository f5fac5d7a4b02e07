//! The redb store: blocks, state and head survive a reopen; acknowledged pending
//! transactions are replayed into the same pending block; inconsistent stores and foreign
//! genesis configurations are refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use comb_chain::{Call, Ledger, Transaction};
use comb_chain_rpc::dev::{dev_account, dev_genesis};
use comb_chain_rpc::{Chain, Genesis, RpcError, Store};
use comb_primitives::{Address, U256};

fn transfer(chain: &Chain, from: usize, to: Address, amount: u64) {
    let signer = dev_account(from).unwrap().signer;
    let nonce = chain.view(|l| l.state().nonce(&signer.address())).unwrap();
    let tx = Transaction {
        chain_id: 1337,
        nonce,
        call: Call::Transfer {
            to,
            amount: U256::from(amount),
        },
    }
    .sign(&signer)
    .unwrap();
    chain.submit(tx).unwrap();
}

#[test]
fn reopen_restores_head_state_and_replays_pending_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = dev_genesis().unwrap();
    let recipient = Address::repeat_byte(0x42);

    let (chain, opened) = Chain::open(dir.path(), Genesis::Exactly(genesis.clone())).unwrap();
    assert!(opened.created);
    for block in 0..3u64 {
        transfer(&chain, 0, recipient, 1 + block);
        transfer(&chain, 1, recipient, 10);
        chain.seal(1_000 + block).unwrap();
    }
    // Two acknowledged transactions in the pending block, not sealed.
    transfer(&chain, 2, recipient, 7);
    transfer(&chain, 2, recipient, 8);
    let before: Ledger = chain.view(Ledger::clone).unwrap();
    assert_eq!(before.head().number, 3);
    assert_eq!(chain.store().pending_transactions().unwrap().len(), 2);
    drop(chain);

    let (chain, opened) = Chain::open(dir.path(), Genesis::Stored).unwrap();
    assert!(!opened.created);
    assert_eq!(opened.replayed, 2);
    let after: Ledger = chain.view(Ledger::clone).unwrap();
    // Same head, same state (pending transactions included), same pending block.
    assert_eq!(after, before);
    assert_eq!(after.head().state_root, before.head().state_root);
    assert_eq!(
        after.state().token.balance_of(&recipient),
        U256::from(1 + 2 + 3 + 30 + 15)
    );
    // Sealing after the restart gives the block the first run would have sealed.
    let mut expected = before.clone();
    let expected_block = expected.seal(2_000).unwrap();
    let header = chain.seal(2_000).unwrap();
    assert_eq!(header, expected_block.header);
    assert_eq!(chain.block(4).unwrap().unwrap(), expected_block);
    assert!(chain.store().pending_transactions().unwrap().is_empty());
    // Every sealed block is stored, block 0 included.
    let blocks = chain.store().blocks(0, 10).unwrap();
    assert_eq!(
        blocks.iter().map(|b| b.header.number).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    assert_eq!(blocks[1].transactions.len(), 2);
    assert_eq!(blocks[4].transactions.len(), 2);
    drop(chain);

    // The same genesis is accepted, another one is refused.
    assert!(Chain::open(dir.path(), Genesis::Exactly(genesis.clone())).is_ok());
    assert!(Chain::open(dir.path(), Genesis::OrCreate(Default::default())).is_ok());
    let mut other = genesis;
    other.chain_id = 1;
    assert!(matches!(
        Chain::open(dir.path(), Genesis::Exactly(other)),
        Err(RpcError::GenesisMismatch)
    ));
}

#[test]
fn an_empty_store_needs_a_genesis() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Chain::open(dir.path(), Genesis::Stored),
        Err(RpcError::NoGenesis)
    ));
    assert!(Store::exists(dir.path()));
    // Still usable afterwards.
    let (_, opened) = Chain::open(dir.path(), Genesis::OrCreate(dev_genesis().unwrap())).unwrap();
    assert!(opened.created);
}

#[test]
fn a_state_that_does_not_match_the_head_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (chain, _) = Chain::open(dir.path(), Genesis::Exactly(dev_genesis().unwrap())).unwrap();
    transfer(&chain, 0, Address::repeat_byte(1), 5);
    chain.seal(10).unwrap();
    let block = chain.block(1).unwrap().unwrap();
    let genesis_state = Ledger::genesis(dev_genesis().unwrap())
        .unwrap()
        .state()
        .clone();
    // Simulate a store whose snapshot is not the state after its head.
    chain
        .store()
        .commit_block(&block, &genesis_state, 10)
        .unwrap();
    drop(chain);
    match Chain::open(dir.path(), Genesis::Stored) {
        Err(RpcError::Corrupt(message)) => assert!(message.contains("state root"), "{message}"),
        other => panic!("expected a corrupt store, got {other:?}"),
    }
}
