//! The crash test of `comb chain`: SIGKILL the process while a client is sending
//! transactions, restart it on the same data directory and port, and check that nothing
//! acknowledged was lost and that the chain goes on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use comb_chain::{Call, Receipt};
use comb_chain_rpc::dev::dev_account;
use comb_chain_rpc::ChainClient;
use comb_primitives::{Address, B256, U256};

const DEADLINE: Duration = Duration::from_secs(20);
const READY: &str = "JSON-RPC listening on ";

/// A running `comb chain`; killed when dropped.
struct ChainProcess {
    child: Child,
    url: String,
    /// What it printed before the URL.
    banner: Vec<String>,
    lines: Receiver<String>,
}

impl ChainProcess {
    fn start(data: &Path, listen: &str) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_comb"));
        command.arg("chain").arg("--data").arg(data).args([
            "--listen",
            listen,
            "--block-time",
            "50",
        ]);
        let started = common::spawn_announcing(command, READY, DEADLINE);
        Self {
            child: started.child,
            url: started.announced,
            banner: started.banner,
            lines: started.lines,
        }
    }

    fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for ChainProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn poll<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_sending_loses_no_acknowledged_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chain");
    let mut first = ChainProcess::start(&data, "127.0.0.1:0");
    let port = first.port();
    let client = Arc::new(ChainClient::with_timeout(&first.url, Duration::from_secs(5)).unwrap());
    let sender = dev_account(0).unwrap();
    let recipient = Address::repeat_byte(0xaa);

    // Send transfers one after the other, recording every acknowledged receipt.
    let accepted: Arc<Mutex<Vec<Receipt>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let sending = tokio::spawn({
        let (client, accepted, stop, signer) = (
            Arc::clone(&client),
            Arc::clone(&accepted),
            Arc::clone(&stop),
            sender.signer.clone(),
        );
        async move {
            let mut amount = 1u64;
            while !stop.load(Ordering::SeqCst) {
                let call = Call::Transfer {
                    to: recipient,
                    amount: U256::from(amount),
                };
                match client.send(&signer, call).await {
                    Ok(receipt) => {
                        accepted.lock().unwrap().push(receipt);
                        amount += 1;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
        }
    });
    poll("30 acknowledged transactions", || async {
        (accepted.lock().unwrap().len() >= 30).then_some(())
    })
    .await;
    // The last head seen before the crash.
    let seen = client.head().await.unwrap();
    assert!(seen.number > 0);
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    sending.await.unwrap();
    let accepted = accepted.lock().unwrap().clone();
    assert!(accepted.len() >= 30);
    drop(first);

    // Restart on the same directory and port.
    let second = ChainProcess::start(&data, &format!("127.0.0.1:{port}"));
    assert_eq!(second.port(), port);
    let client = ChainClient::with_timeout(&second.url, Duration::from_secs(5)).unwrap();
    let restarted_at = client.block_number().await.unwrap();
    eprintln!(
        "{} acknowledged, head {} seen before the kill; {:?}",
        accepted.len(),
        seen.number,
        second.banner.first()
    );
    assert!(second
        .banner
        .iter()
        .any(|l| l.starts_with("Resumed chain 1337")));
    assert!(restarted_at >= seen.number);

    // The block seen before the crash is the same block.
    let block = client.block(seen.number).await.unwrap().unwrap();
    assert_eq!(block.header.state_root, seen.state_root);
    assert_eq!(block.header, seen);

    // Every acknowledged transaction is reflected: in the sender's nonce at once, and in the
    // very block its receipt named once that block is sealed (replayed deterministically).
    assert!(client.nonce(sender.address).await.unwrap() >= accepted.len() as u64);
    let last = accepted.iter().map(|r| r.block_number).max().unwrap();
    poll("the last acknowledged block to be sealed", || async {
        (client.block_number().await.unwrap() >= last).then_some(())
    })
    .await;
    let mut hashes: Vec<B256> = Vec::new();
    for receipt in &accepted {
        let block = client.block(receipt.block_number).await.unwrap().unwrap();
        assert!(
            block.receipts.contains(receipt),
            "transaction {} is missing from block {}",
            receipt.transaction_hash,
            receipt.block_number
        );
        assert!(block
            .header
            .transactions
            .contains(&receipt.transaction_hash));
        hashes.push(receipt.transaction_hash);
    }
    hashes.dedup();
    assert_eq!(hashes.len(), accepted.len());
    assert!(
        last <= restarted_at + 3,
        "acknowledged transactions must land within a few blocks of the restart"
    );

    // The chain keeps producing blocks and accepting transactions.
    poll("new blocks after the restart", || async {
        (client.block_number().await.unwrap() >= restarted_at.max(last) + 3).then_some(())
    })
    .await;
    let receipt = client
        .send(
            &sender.signer,
            Call::Transfer {
                to: recipient,
                amount: U256::from(1u64),
            },
        )
        .await
        .unwrap();
    assert!(receipt.block_number > restarted_at);

    // SIGTERM shuts down cleanly.
    let mut second = second;
    let status = Command::new("kill")
        .args(["-TERM", &second.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + DEADLINE;
    let exit = loop {
        if let Some(exit) = second.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "comb chain did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(exit.success(), "comb chain exited with {exit}");
    // The process has exited: its output ends (the reader sees end of file) at once.
    let output: Vec<String> = second.lines.iter().collect();
    assert!(
        output.iter().any(|l| l.starts_with("Stopped at block")),
        "comb chain did not report a clean stop: {output:?}"
    );

    // The directory holds the dev chain: another genesis is refused.
    let genesis = dir.path().join("genesis.json");
    std::fs::write(&genesis, r#"{"chainId": 5}"#).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_comb"))
        .arg("chain")
        .arg("--data")
        .arg(&data)
        .arg("--genesis")
        .arg(&genesis)
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("genesis configuration given differs"),
        "{stderr}"
    );
}
