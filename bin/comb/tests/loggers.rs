//! Bee's `/loggers` API on a real `comb devnet` process: the list in Bee's shape, and a
//! verbosity set through the API changes what the process logs from then on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::DevnetProcess;

fn b64(text: &str) -> String {
    // Go's base64.URLEncoding, written out: what Bee's `id` field carries.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn json(response: reqwest::blocking::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(serde_json::Value::Null))
}

fn debug_lines(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains(" DEBUG ") || l.contains(" TRACE "))
        .count()
}

#[test]
fn loggers_list_and_set_verbosity_live() {
    let devnet = DevnetProcess::start(2, 200);
    let api = devnet.api(0);
    let http = reqwest::blocking::Client::new();

    // The devnet logs warnings by default: every comb crate is at "warning".
    let (status, all) = json(http.get(format!("{api}/loggers")).send().unwrap());
    assert_eq!(status, 200, "{all}");
    let loggers = all["loggers"].as_array().unwrap();
    let net = loggers
        .iter()
        .find(|l| l["subsystem"] == "comb_net")
        .unwrap_or_else(|| panic!("no comb_net: {all}"));
    assert_eq!(net["verbosity"], "warning", "{all}");
    assert_eq!(net["logger"], "comb_net");
    assert_eq!(net["id"], b64("comb_net"));
    assert_eq!(all["tree"]["comb_net"]["+"][0], "warning|comb_net", "{all}");
    assert_eq!(debug_lines(&devnet.log()), 0, "{}", devnet.log());

    // A regular expression sets the incentive agent and the network to "all".
    let exp = b64("^comb_(incentives|net)$");
    let (status, body) = json(http.put(format!("{api}/loggers/{exp}/all")).send().unwrap());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({"message": "OK", "code": 200}));
    let (status, some) = json(http.get(format!("{api}/loggers/{exp}")).send().unwrap());
    assert_eq!(status, 200, "{some}");
    let some = some["loggers"].as_array().unwrap().clone();
    assert_eq!(some.len(), 2, "{some:?}");
    assert!(some.iter().all(|l| l["verbosity"] == "all"), "{some:?}");
    let (_, node) = json(
        http.get(format!("{api}/loggers/{}", b64("comb_node")))
            .send()
            .unwrap(),
    );
    assert_eq!(node["loggers"][0]["verbosity"], "warning", "{node}");

    // The agent decides at every block: its debug lines now reach the log.
    let deadline = Instant::now() + Duration::from_secs(30);
    while debug_lines(&devnet.log()) == 0 {
        assert!(Instant::now() < deadline, "no debug line: {}", devnet.log());
        std::thread::sleep(Duration::from_millis(100));
    }

    // Bad input is Bee's 400 and changes nothing.
    let (status, body) = json(
        http.put(format!("{api}/loggers/{}/loud", b64("comb_node")))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = json(
        http.put(format!("{api}/loggers/{}/info", b64("(")))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = json(
        http.get(format!("{api}/loggers/{}", b64("(")))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 400, "{body}");
    let (_, node) = json(
        http.get(format!("{api}/loggers/{}", b64("comb_node")))
            .send()
            .unwrap(),
    );
    assert_eq!(node["loggers"][0]["verbosity"], "warning", "{node}");
    devnet.stop();
}
