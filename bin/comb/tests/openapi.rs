//! Bee's own OpenAPI (v2.7.0, `tests/openapi/bee-v2.7.0/`) fuzzed by schemathesis against a node
//! of a real `comb devnet` process: no 5xx, and every status, content type and body as the
//! yaml says, where the yaml is repaired to what Bee's handlers really answer
//! (`tests/openapi/repair.py`, each change with its reason; `tests/openapi/README.md`).
//!
//! Needs schemathesis (`st`, PyPI; `.ci/run` installs it into a virtual environment and puts it
//! on the PATH) and the Python that runs it (PyYAML comes with schemathesis). `COMB_SCHEMATHESIS`
//! names another `st`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Operations comb does not serve yet, left out of the run: access control (grantees), PSS
/// and GSOC are issue 9's work. comb answers them 404; Bee's yaml has no 404 for them.
const NOT_SERVED: &str = "^/(grantee|pss|gsoc)";

/// Examples per operation and phase: enough to reach every operation's parameters, within a
/// couple of minutes on CI's two cores.
const EXAMPLES: &str = "25";

fn openapi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/openapi")
}

/// `st`: `COMB_SCHEMATHESIS`, else the one on the PATH.
fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("COMB_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("st"))
        .find(|candidate| candidate.is_file())
        .expect("schemathesis (`st`, PyPI) is needed; .ci/run installs it")
}

/// The Python of `st`'s own environment (it has PyYAML), else `python3`.
fn python_beside(st: &Path) -> PathBuf {
    let beside = st.with_file_name("python3");
    if beside.is_file() {
        beside
    } else {
        PathBuf::from("python3")
    }
}

/// One `st run`; its output on failure. It runs in the schema's folder, where schemathesis
/// leaves its `.schemathesis` cache.
fn run(st: &Path, schema: &Path, api: &str, extra: &[&str]) {
    let output = Command::new(st)
        .current_dir(schema.parent().unwrap())
        .arg("run")
        .arg(schema)
        .args(["--url", api])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--max-examples", EXAMPLES, "--seed", "1", "--no-shrink"])
        .args(["--workers", "2", "--request-timeout", "20"])
        .args(["--exclude-path-regex", NOT_SERVED])
        .args(["--output-truncate", "true"])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("passed"), "{text}");
}

#[test]
fn bees_openapi_holds_against_a_devnet_node() {
    let st = schemathesis();
    let repaired = tempfile::tempdir().unwrap();
    let status = Command::new(python_beside(&st))
        .arg(openapi_dir().join("repair.py"))
        .arg(repaired.path())
        .status()
        .unwrap();
    assert!(status.success(), "repair.py failed");
    let schema = repaired.path().join("Swarm.yaml");

    let devnet = common::DevnetProcess::start(2, 200);
    let api = devnet.api(0);
    // Bought first: the run itself may spend the wallet (it buys batches and stakes).
    let batch = devnet.buy_usable_batch(0);
    // Generated data first, in every phase: random batch ids, references and peers.
    run(&st, &schema, &api, &[]);
    // Then with the usable batch on every upload, so uploads are stored and pushed. (Its
    // coverage phase is left out: schemathesis 4.32 fails internally there when a header is
    // fixed with `-H`.)
    let header = format!("swarm-postage-batch-id: {batch}");
    run(
        &st,
        &schema,
        &api,
        &["-H", &header, "--phases", "examples,fuzzing,stateful"],
    );
    devnet.stop();
}
