//! `comb hash` against Bee's file hash vectors.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn comb() -> Command {
    Command::new(env!("CARGO_BIN_EXE_comb"))
}

fn hash_file(contents: &[u8]) -> Output {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents).unwrap();
    file.flush().unwrap();
    comb().arg("hash").arg(file.path()).output().unwrap()
}

fn stdout_of(output: &Output) -> &str {
    assert!(
        output.status.success(),
        "comb failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::str::from_utf8(&output.stdout).unwrap()
}

#[test]
fn hashes_an_empty_file() {
    let output = hash_file(b"");
    assert_eq!(
        stdout_of(&output),
        "b34ca8c22b9e982354f9c7f50b470d66db428d880c8a904d5fe4ec9713171526\n"
    );
}

/// Bee `pkg/file/pipeline/builder/builder_test.go` `TestHelloWorld`.
#[test]
fn hashes_hello_world() {
    let output = hash_file(b"hello world");
    assert_eq!(
        stdout_of(&output),
        "92672a471f4419b255d7cb0cf313474a6f5856fb347c5ece85fb706d644b630f\n"
    );
}

/// Bee `pkg/file/testing/vector.go` vector 12: 2·4096 + 32 bytes of `i mod 255`.
#[test]
fn hashes_a_multi_chunk_file() {
    let data: Vec<u8> = (0..2 * 4096 + 32).map(|i| (i % 255) as u8).collect();
    let output = hash_file(&data);
    assert_eq!(
        stdout_of(&output),
        "61416726988f77b874435bdd89a419edc3861111884fd60e8adf54e2f299efd6\n"
    );
}

/// Bee `pkg/file/splitter/internal/job_test.go` `TestSplitterJobPartialSingleChunk`, from
/// standard input.
#[test]
fn hashes_standard_input() {
    let mut child = comb()
        .args(["hash", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"foo").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        stdout_of(&output),
        "2387e8e7d8a48c2a9339c97c1dc3461a9a7aa07e994c5cb8b38fd7c1b3e6ea48\n"
    );
}

#[test]
fn missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = comb()
        .arg("hash")
        .arg(dir.path().join("absent"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("absent"));
}
