//! `@ethersphere/bee-js` 12, unchanged, against a node of a real `comb devnet` process: every
//! status, postage, data and content endpoint, and the staking, redistribution and SWAP
//! endpoints (balances, settlements, chequebook, cheques, cash-out) (tests/bee-js/run.mjs);
//! then `comb status`, `comb staking` and `comb governance` against the same devnet.
//! Needs Node.js and npm (the npm registry is reachable); installs the package on first run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn bee_js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bee-js")
}

fn ensure_installed(dir: &Path) {
    if dir.join("node_modules/@ethersphere/bee-js").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("npm is needed for the bee-js compatibility test");
    assert!(status.success(), "npm ci failed");
}

#[test]
fn bee_js_12_works_against_a_devnet_node() {
    let dir = bee_js_dir();
    ensure_installed(&dir);
    let devnet = common::DevnetProcess::start(2, 200);
    let output = Command::new("node")
        .arg("run.mjs")
        .arg(devnet.api(0))
        .arg(devnet.api(1))
        .current_dir(&dir)
        .output()
        .unwrap();
    // `comb status` reads every node of the devnet: round state and stake.
    let status = Command::new(env!("CARGO_BIN_EXE_comb"))
        .arg("status")
        .arg("--devnet")
        .arg(devnet.dir.path())
        .output()
        .unwrap();
    let api = devnet.api(0);
    let comb = |args: &[&str]| -> serde_json::Value {
        let output = Command::new(env!("CARGO_BIN_EXE_comb"))
            .args(args)
            .args(["--api", &api, "--json"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            output.status.success(),
            "comb {args:?}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_str(&stdout).unwrap()
    };
    // The staking architecture through the CLI: a user stake at the bronze tier locked for
    // 30 days, a proposal to change the bronze discount, a vote with the stake's weight.
    let staked = comb(&[
        "staking",
        "stake",
        "1000000000000000000",
        "--lock-blocks",
        "518400",
    ]);
    assert_eq!(staked["txHash"].as_str().unwrap().len(), 66, "{staked}");
    let user = comb(&["staking", "user"]);
    assert_eq!(user["amount"], "1000000000000000000", "{user}");
    // Without `--json` the CLI names each field and tells amounts in BZZ.
    let human = Command::new(env!("CARGO_BIN_EXE_comb"))
        .args(["staking", "user", "--api", &api])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(human.contains("amount: 100 BZZ"), "{human}");
    assert!(human.contains("discountBp: 500"), "{human}");
    assert_eq!(user["discountBp"], 500, "bronze tier: {user}");
    assert_ne!(user["weight"], "0", "{user}");
    let proposal = comb(&[
        "governance",
        "propose",
        "--param",
        "bronzeDiscount",
        "--value",
        "600",
    ]);
    let proposal_id = proposal["id"].as_u64().unwrap();
    let id = proposal_id.to_string();
    comb(&["governance", "vote", &id, "yes"]);
    let proposals = comb(&["governance", "proposals"]);
    let listed = proposals["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == proposal_id)
        .unwrap()
        .clone();
    assert_eq!(listed["yes"], user["weight"], "{listed}");
    assert_eq!(listed["action"]["param"], "bronzeDiscount", "{listed}");
    let provider = comb(&["staking", "provider"]);
    assert!(provider["scoreBp"].is_u64(), "{provider}");
    assert_ne!(provider["stakedAmount"], "0", "{provider}");
    let parameters = comb(&["staking", "parameters"]);
    assert_eq!(parameters["bronzeDiscount"], 500, "{parameters}");
    let challenges = comb(&["staking", "challenges"]);
    assert!(challenges["challenges"].is_array(), "{challenges}");
    devnet.stop();
    let status_text = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success(), "{status_text}");
    assert_eq!(status_text.matches(" overlay ").count(), 2, "{status_text}");
    // The devnet stakes 10 BZZ per node (and bee-js deposited 100 BZZ more at node 0);
    // amounts are told in BZZ, each with its label.
    assert_eq!(
        status_text.matches("stake: 10 BZZ").count()
            + status_text.matches("stake: 110 BZZ").count(),
        2,
        "staked: {status_text}"
    );
    assert!(
        status_text.contains("redistribution: round "),
        "{status_text}"
    );
    assert_eq!(status_text.matches("wallet: ").count(), 2, "{status_text}");
    assert!(!status_text.contains(" PLUR"), "{status_text}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "bee-js checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("40 passed, 0 failed"), "{stdout}");
}
