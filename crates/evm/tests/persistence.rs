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

/// `evm_revert` and `anvil_setBalance` sent as JSON-RPC (the methods tests use) are
/// persisted: a reopened chain is the reverted one, with the balances set, and a balance set
/// after a snapshot is undone by the revert.
#[test]
fn reverts_and_balances_sent_over_json_rpc_survive_a_restart() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let genesis = Genesis::dev(1_000).unwrap();
    let rich = Address::repeat_byte(0x77);
    let call = |node: &Node, method: &str, params: serde_json::Value| {
        let answer =
            node.answer(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    };
    let node = open(dir.path(), &genesis);
    call(&node, "anvil_setBalance", json!([rich, "0x64"]));
    node.send_raw(&transfer(0, 1)).unwrap();
    node.mine(None).unwrap();
    let snapshot = call(&node, "evm_snapshot", json!([]));
    let kept = node.chain().head().hash;
    call(&node, "anvil_setBalance", json!([rich, "0x1"]));
    node.send_raw(&transfer(1, 2)).unwrap();
    call(&node, "evm_mine", json!([]));
    call(&node, "evm_mine", json!([]));
    assert_eq!(call(&node, "evm_revert", json!([snapshot])), json!(true));
    {
        let chain = node.chain();
        assert_eq!(
            chain.balance(rich, chain.head_number()),
            U256::from(100),
            "the revert undoes the later balance"
        );
    }
    // A balance set at the head after the revert, then a restart without a new block.
    call(&node, "anvil_setBalance", json!([rich, "0x2a"]));
    drop(node);
    let node = open(dir.path(), &genesis);
    {
        let chain = node.chain();
        assert_eq!(chain.head().hash, kept);
        assert_eq!(chain.balance(rich, chain.head_number()), U256::from(42));
        assert!(chain.pool().is_empty());
    }
    // The chain goes on from there, and again after one more restart.
    node.send_raw(&transfer(1, 3)).unwrap();
    node.mine(None).unwrap();
    let head = node.chain().head().hash;
    drop(node);
    let node = open(dir.path(), &genesis);
    assert_eq!(node.chain().head().hash, head);
    let chain = node.chain();
    assert_eq!(
        chain.balance(Address::repeat_byte(0x42), chain.head_number()),
        U256::from(4)
    );
}

/// Transactions pending across two restarts keep their arrival order: a transaction
/// admitted after the first restart comes after those stored before it.
#[test]
fn pending_transactions_keep_their_order_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = Genesis::dev(1_000).unwrap();
    let node = open(dir.path(), &genesis);
    let first = node.send_raw(&transfer(0, 1)).unwrap();
    let second = node.send_raw(&transfer(1, 1)).unwrap();
    drop(node);
    let node = open(dir.path(), &genesis);
    let third = node.send_raw(&transfer(2, 1)).unwrap();
    drop(node);
    let node = open(dir.path(), &genesis);
    let order: Vec<_> = node
        .chain()
        .pool()
        .iter()
        .map(|p| *p.tx.tx_hash())
        .collect();
    assert_eq!(order, vec![first, second, third]);
    let seqs: Vec<u64> = node.chain().pool().iter().map(|p| p.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

/// A record torn off at the end of `pool.log` (a write cut short) is ignored; the whole
/// records before it are pending after the restart, and a block empties the log.
#[test]
fn a_torn_pool_log_record_is_ignored() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let genesis = Genesis::dev(1_000).unwrap();
    let node = open(dir.path(), &genesis);
    let first = node.send_raw(&transfer(0, 1)).unwrap();
    let second = node.send_raw(&transfer(1, 1)).unwrap();
    drop(node);
    let log = dir.path().join(comb_evm::store::POOL_LOG);
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    // A header announcing 200 bytes, and only 5 of them.
    file.write_all(&200u32.to_le_bytes()).unwrap();
    file.write_all(&[1, 2, 3, 4, 5]).unwrap();
    drop(file);
    let node = open(dir.path(), &genesis);
    let pending: Vec<_> = node
        .chain()
        .pool()
        .iter()
        .map(|p| *p.tx.tx_hash())
        .collect();
    assert_eq!(pending, vec![first, second]);
    node.mine(None).unwrap();
    assert_eq!(
        std::fs::metadata(&log).unwrap().len(),
        0,
        "a sealed block empties the log"
    );
    drop(node);
    let node = open(dir.path(), &genesis);
    assert!(node.chain().pool().is_empty());
    assert!(node.chain().mined_tx(&second).is_some());
}
