//! `comb upload` (buying a batch itself) at one node of a `comb devnet` process and
//! `comb download` at another give back the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

#[test]
fn upload_at_one_node_download_at_another() {
    let devnet = common::DevnetProcess::start(2, 100);
    let (first, second) = (devnet.api(0), devnet.api(1));
    let data: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let input = devnet.dir.path().join("input.bin");
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

    let output = devnet.dir.path().join("output.bin");
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
    devnet.stop();
}
