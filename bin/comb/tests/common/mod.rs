//! Running a `comb devnet` process for the CLI tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A `comb devnet` process and the manifest it wrote.
pub struct DevnetProcess {
    child: Child,
    /// Its data directory.
    pub dir: tempfile::TempDir,
    /// `devnet.json`.
    pub manifest: serde_json::Value,
}

impl DevnetProcess {
    /// Starts `comb devnet` with `nodes` nodes on free ports and waits for `devnet.json`.
    pub fn start(nodes: u16, block_time_ms: u64) -> Self {
        Self::start_logging(nodes, block_time_ms, None)
    }

    /// [`Self::start`] with `RUST_LOG` set to `rust_log` (else unset: the devnet's default).
    pub fn start_logging(nodes: u16, block_time_ms: u64, rust_log: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_comb"));
        command.env_remove("RUST_LOG");
        if let Some(filter) = rust_log {
            command.env("RUST_LOG", filter);
        }
        let mut child = command
            .args(["devnet", "--base-port", "0"])
            .args([
                "--nodes",
                &nodes.to_string(),
                "--block-time",
                &block_time_ms.to_string(),
            ])
            .arg("--dir")
            .arg(dir.path())
            .stdout(std::fs::File::create(dir.path().join("devnet.stdout")).unwrap())
            .stderr(std::fs::File::create(dir.path().join("devnet.stderr")).unwrap())
            .spawn()
            .unwrap();
        let path = dir.path().join("devnet.json");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !path.exists() {
            assert!(Instant::now() < deadline, "devnet.json never appeared");
            assert!(
                child.try_wait().unwrap().is_none(),
                "comb devnet exited early"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let manifest = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        Self {
            child,
            dir,
            manifest,
        }
    }

    /// What the devnet has logged so far (its stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("devnet.stderr")).unwrap_or_default()
    }

    /// What the devnet has printed so far (its stdout: the addresses, then the commentary).
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("devnet.stdout")).unwrap_or_default()
    }

    /// Buys a batch of depth 20 at node `index` (amply paid) and waits until it is usable;
    /// its id.
    pub fn buy_usable_batch(&self, index: usize) -> String {
        let api = self.api(index);
        let http = reqwest::blocking::Client::new();
        let response = http
            .post(format!("{api}/stamps/500000000/20"))
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let body: serde_json::Value = response.json().unwrap();
        let batch = body["batchID"].as_str().unwrap().to_string();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stamp: serde_json::Value = http
                .get(format!("{api}/stamps/{batch}"))
                .send()
                .unwrap()
                .json()
                .unwrap();
            if stamp["usable"] == true {
                return batch;
            }
            assert!(Instant::now() < deadline, "batch never usable: {stamp}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Node `index`'s API URL.
    pub fn api(&self, index: usize) -> String {
        self.manifest["nodes"][index]["api"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Interrupts the devnet as a user would and waits for it to stop (killing it after 20 s).
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                self.child.kill().unwrap();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A process started with its standard output piped, after it printed a line starting with
/// a prefix (e.g. `comb chain`'s "JSON-RPC listening on ").
pub struct Announced {
    /// The process.
    pub child: Child,
    /// The rest of the line that started with the prefix.
    pub announced: String,
    /// The lines it printed before that one.
    pub banner: Vec<String>,
    /// The lines it prints after.
    pub lines: std::sync::mpsc::Receiver<String>,
}

/// Spawns `command` with its standard output piped and waits up to `within` for a line
/// starting with `prefix`.
pub fn spawn_announcing(mut command: Command, prefix: &str, within: Duration) -> Announced {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + within;
    let mut banner = Vec::new();
    let announced = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no line starting with {prefix:?} within {within:?}"));
        if let Some(rest) = line.strip_prefix(prefix) {
            break rest.trim().to_owned();
        }
        banner.push(line);
    };
    Announced {
        child,
        announced,
        banner,
        lines,
    }
}
