//! `@ethersphere/bee-js` 12, unchanged, against a node of a real `comb devnet` process: every
//! status, postage and data endpoint of the node-network issue (tests/bee-js/run.mjs).
//! Needs Node.js and npm (the npm registry is reachable); installs the package on first run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let data = tempfile::tempdir().unwrap();
    let mut devnet = Command::new(env!("CARGO_BIN_EXE_comb"))
        .args([
            "devnet",
            "--nodes",
            "2",
            "--block-time",
            "200",
            "--base-port",
            "0",
            "--dir",
        ])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let manifest = data.path().join("devnet.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !manifest.exists() {
        assert!(Instant::now() < deadline, "devnet.json never appeared");
        assert!(
            devnet.try_wait().unwrap().is_none(),
            "comb devnet exited early"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let api = manifest["nodes"][0]["api"].as_str().unwrap().to_string();

    let output = Command::new("node")
        .arg("run.mjs")
        .arg(&api)
        .current_dir(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);

    let _ = Command::new("kill")
        .arg("-INT")
        .arg(devnet.id().to_string())
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while devnet.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            devnet.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        output.status.success(),
        "bee-js checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("22 passed, 0 failed"), "{stdout}");
}
