//! The store: a reopened chain is the chain that was closed — blocks, state root, pending
//! transactions, reverts and the clock — and a different genesis is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy_primitives::{Address, TxKind, U256};
use comb_evm::genesis::dev_signer;
use comb_evm::sign::{raw, sign_eip1559, Eip1559};
use comb_evm::{EvmError, Genesis, Mining, Node, OpenWith, Store};

fn transfer(nonce: u64, value: u64) -> Vec<u8> {
    let tx = Eip1559 {
        chain_id: 1337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(value),
        ..Eip1559::default()
    };
    raw(&sign_eip1559(&dev_signer(0).unwrap(), tx).unwrap())
}

fn open(dir: &std::path::Path, genesis: &Genesis) -> Node {
    let (store, chain, _) = Store::open(dir, OpenWith::OrCreate(genesis.clone())).unwrap();
    // A producer that never ticks in the test: blocks come from `mine`.
    Node::persistent(
        chain,
        store,
        Mining::Interval(std::time::Duration::from_secs(3600)),
    )
}

#[test]
fn a_reopened_chain_has_its_blocks_state_pool_reverts_and_clock() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = Genesis::dev(1_000).unwrap();
    let node = open(dir.path(), &genesis);
    let first = node.send_raw(&transfer(0, 1)).unwrap();
    node.mine(None).unwrap();
    node.send_raw(&transfer(1, 2)).unwrap();
    node.mine(None).unwrap();
    // Pending at the close: one transaction, and one waiting behind a gap.
    let pending = node.send_raw(&transfer(2, 3)).unwrap();
    let gapped = node.send_raw(&transfer(4, 5)).unwrap();
    node.increase_time(50).unwrap();
    let (head, root, hash) = {
        let chain = node.chain();
        (
            chain.head_number(),
            chain.head().header.state_root,
            chain.head().hash,
        )
    };
    drop(node);

    let node = open(dir.path(), &genesis);
    {
        let chain = node.chain();
        assert_eq!(chain.head_number(), head);
        assert_eq!(chain.head().hash, hash);
        assert_eq!(chain.head().header.state_root, root);
        assert!(chain.mined_tx(&first).is_some());
        assert!(chain.pending_tx(&pending).is_some());
        assert!(chain.pending_tx(&gapped).is_some());
        assert_eq!(
            chain.balance(Address::repeat_byte(0x42), head),
            U256::from(3)
        );
        assert_eq!(chain.time_offset(), 50);
    }
    node.mine(None).unwrap();
    assert!(node.chain().mined_tx(&pending).is_some());
    assert!(
        node.chain().pending_tx(&gapped).is_some(),
        "a transaction behind a gap waits"
    );

    // A revert is persisted: the reverted blocks do not come back.
    let snapshot = node.chain().snapshot();
    let before = node.chain().head().hash;
    node.send_raw(&transfer(3, 7)).unwrap();
    node.mine(None).unwrap();
    node.mine(None).unwrap();
    assert!(node.revert(snapshot).unwrap());
    drop(node);
    let node = open(dir.path(), &genesis);
    let chain = node.chain();
    assert_eq!(chain.head().hash, before);
    assert_eq!(
        chain.balance(Address::repeat_byte(0x42), chain.head_number()),
        U256::from(6)
    );
    assert_eq!(
        chain.pool().len(),
        1,
        "the gapped transaction is pending again, the reverted one is gone"
    );
}

#[test]
fn a_different_genesis_is_refused_and_the_store_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = Genesis::dev(1_000).unwrap();
    drop(open(dir.path(), &genesis));
    let other = Genesis {
        chain_id: 5,
        ..genesis.clone()
    };
    match Store::open(dir.path(), OpenWith::Exactly(other)) {
        Err(EvmError::GenesisMismatch) => {}
        Err(other) => panic!("expected a genesis mismatch, got {other}"),
        Ok(_) => panic!("a different genesis was accepted"),
    }
    let (_, chain, opened) = Store::open(dir.path(), OpenWith::Exactly(genesis)).unwrap();
    assert!(!opened.created);
    assert_eq!(chain.chain_id(), 1337);
}
