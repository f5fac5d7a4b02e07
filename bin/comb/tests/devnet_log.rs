//! `comb devnet` tells what it is doing: with data in the nodes' reserves, its output shows a
//! whole round of the redistribution game, commit → reveal → truth and winner → paid, in BZZ.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::DevnetProcess;

/// The round whose commit, reveal, truth, winner and payment all appear in `output`, if any.
fn full_round(output: &str) -> Option<u64> {
    let rounds = output.lines().filter_map(|line| {
        let (_, rest) = line.split_once(" · round ")?;
        let (round, what) = rest.split_once(": ")?;
        what.contains("revealed")
            .then(|| round.parse::<u64>().ok())?
    });
    rounds.into_iter().find(|round| {
        let lines: Vec<&str> = output.lines().collect();
        let committed = lines
            .iter()
            .any(|l| l.contains(&format!("round {round}: node")) && l.ends_with("committed"));
        // The claim of round r comes in its claim phase, before round r + 1's commit phase.
        let claim_phase = format!("round {round} · claim phase");
        let next = format!("round {} · commit phase", round + 1);
        let after: Vec<&&str> = lines
            .iter()
            .skip_while(|l| !l.contains(&claim_phase))
            .take_while(|l| !l.contains(&next))
            .collect();
        committed
            && after.iter().any(|l| l.contains("· truth: depth"))
            && after.iter().any(|l| l.contains("· winner: node"))
            && after
                .iter()
                .any(|l| l.contains(" is paid ") && l.contains(" BZZ"))
    })
}

#[test]
fn the_devnet_log_shows_a_full_round() {
    let devnet = DevnetProcess::start(2, 50);
    let api = devnet.api(0);
    let http = reqwest::blocking::Client::new();
    // Data to sample: a batch and 300 KB (about 75 chunks) in the reserve.
    let batch = devnet.buy_usable_batch(0);
    let data: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let response = http
        .post(format!("{api}/bytes"))
        .header("swarm-postage-batch-id", &batch)
        .body(data)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);

    let deadline = Instant::now() + Duration::from_secs(150);
    let round = loop {
        let output = devnet.output();
        if let Some(round) = full_round(&output) {
            break round;
        }
        assert!(
            Instant::now() < deadline,
            "no full round in the devnet's output:\n{output}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = devnet.output();
    // Phases are told once each, and addresses first.
    assert!(output.starts_with("chain http://127.0.0.1:"), "{output}");
    assert_eq!(
        output
            .matches(&format!("round {round} · reveal phase"))
            .count(),
        1,
        "{output}"
    );
    devnet.stop();
}

#[test]
fn a_round_is_recognised_only_when_whole() {
    let whole = "block 456 · round 3 · commit phase: x\nblock 456 · round 3: node 1 committed\n\
        block 495 · round 3: node 1 revealed depth 0, sample ab…\nblock 532 · round 3 · claim phase: x\n\
        block 534 · truth: depth 0, sample ab…\nblock 534 · winner: node 1 (depth 0) claims the pot\n\
        block 534 · node 1 is paid 0.01 BZZ (0 BZZ to user rewards, 0 BZZ withheld in the pot)\n";
    assert_eq!(full_round(whole), Some(3));
    let unpaid = whole.replace("is paid", "was not paid");
    assert_eq!(full_round(&unpaid), None);
}

#[test]
fn debug_logs_show_a_handshake_with_each_peer() {
    let devnet = DevnetProcess::start_logging(3, 200, Some("debug"));
    let overlays: Vec<String> = (0..3)
        .map(|i| {
            devnet.manifest["nodes"][i]["overlay"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // Each node connects to the two others: every overlay is named in a "peer connected" line
    // at least twice (once by each of the other nodes).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = devnet.log();
        let connected: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("peer connected"))
            .collect();
        let seen = overlays.iter().all(|overlay| {
            connected
                .iter()
                .filter(|l| l.contains(&format!("overlay=0x{overlay}")))
                .count()
                >= 2
        });
        if seen {
            assert!(connected.iter().all(|l| l.contains(" DEBUG ")), "{log}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "handshakes missing from the log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    devnet.stop();
}
