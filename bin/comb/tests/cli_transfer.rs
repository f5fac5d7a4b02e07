//! `comb upload` (buying a batch itself) at one node of a `comb devnet` process and
//! `comb download` at another give back the same bytes; a directory comes back as the same
//! tree; `comb feed update` three times, then `comb feed get`, shows the latest update.
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

    // A directory as a collection, restored at the other node.
    let site = devnet.dir.path().join("site");
    std::fs::create_dir_all(site.join("css/deep")).unwrap();
    let tree: [(&str, &[u8]); 3] = [
        ("index.html", b"<h1>hello</h1>"),
        ("css/style.css", b"h1 { color: red }"),
        ("css/deep/data.bin", &data[..70_000]),
    ];
    for (path, content) in tree {
        std::fs::write(site.join(path), content).unwrap();
    }
    let upload = Command::new(env!("CARGO_BIN_EXE_comb"))
        .arg("upload")
        .arg(&site)
        .args(["--api", &first])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&upload.stderr).to_string();
    assert!(upload.status.success(), "{stderr}");
    let collection = String::from_utf8(upload.stdout).unwrap().trim().to_string();
    let batch = stderr
        .split_whitespace()
        .skip_while(|word| *word != "batch")
        .nth(1)
        .unwrap()
        .to_string();
    let index = reqwest::blocking::get(format!("{second}/bzz/{collection}/")).unwrap();
    assert_eq!(index.text().unwrap(), "<h1>hello</h1>");
    let restored = devnet.dir.path().join("restored");
    let download = Command::new(env!("CARGO_BIN_EXE_comb"))
        .args(["download", &collection, "--api", &second, "-o"])
        .arg(&restored)
        .output()
        .unwrap();
    assert!(
        download.status.success(),
        "{}",
        String::from_utf8_lossy(&download.stderr)
    );
    for (path, content) in tree {
        assert!(
            std::fs::read(restored.join(path)).unwrap() == content,
            "{path}"
        );
    }

    // A feed updated three times.
    let key = "11".repeat(32);
    let owner = hex::encode(comb_primitives::Signer::from_hex(&key).unwrap().address());
    for content in ["one", "two", &collection] {
        let update = Command::new(env!("CARGO_BIN_EXE_comb"))
            .args([
                "feed", "update", "--topic", "my-site", "--key", &key, "--stamp", &batch,
            ])
            .args(["--api", &first, content])
            .output()
            .unwrap();
        assert!(
            update.status.success(),
            "{}",
            String::from_utf8_lossy(&update.stderr)
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let get = Command::new(env!("CARGO_BIN_EXE_comb"))
            .args(["feed", "get", "--topic", "my-site", "--owner", &owner])
            .args(["--api", &second])
            .output()
            .unwrap();
        let shown = String::from_utf8_lossy(&get.stdout).trim().to_string();
        if shown == format!("index 2: {collection}") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "feed get shows {shown:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    devnet.stop();
}
