//! `comb upload` (buying a batch itself) at one node of a `comb devnet` process and
//! `comb download` at another give back the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn upload_at_one_node_download_at_another() {
    let dir = tempfile::tempdir().unwrap();
    let mut devnet = Command::new(env!("CARGO_BIN_EXE_comb"))
        .args([
            "devnet",
            "--nodes",
            "2",
            "--block-time",
            "100",
            "--base-port",
            "0",
            "--dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let manifest = dir.path().join("devnet.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !manifest.exists() {
        assert!(Instant::now() < deadline, "devnet.json never appeared");
        std::thread::sleep(Duration::from_millis(100));
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let first = manifest["nodes"][0]["api"].as_str().unwrap().to_string();
    let second = manifest["nodes"][1]["api"].as_str().unwrap().to_string();

    let data: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let input = dir.path().join("input.bin");
    std::fs::write(&input, &data).unwrap();
    let upload = Command::new(env!("CARGO_BIN_EXE_comb"))
        .arg("upload")
        .arg(&input)
        .args(["--api", &first])
        .output()
        .unwrap();
    assert!(
        upload.status.success(),
        "{}",
        String::from_utf8_lossy(&upload.stderr)
    );
    let reference = String::from_utf8(upload.stdout).unwrap().trim().to_string();
    let hash = Command::new(env!("CARGO_BIN_EXE_comb"))
        .arg("hash")
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(reference, String::from_utf8(hash.stdout).unwrap().trim());

    let output = dir.path().join("output.bin");
    let download = Command::new(env!("CARGO_BIN_EXE_comb"))
        .args(["download", &reference, "--api", &second, "-o"])
        .arg(&output)
        .output()
        .unwrap();
    assert!(
        download.status.success(),
        "{}",
        String::from_utf8_lossy(&download.stderr)
    );
    assert!(
        std::fs::read(&output).unwrap() == data,
        "downloaded bytes differ"
    );

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
}
