//! The devnet's running commentary (`comb devnet`'s output): what happens on the chain and
//! between the nodes, one readable line each, with nodes called by their devnet index and
//! amounts in BZZ.
//!
//! Every block it reports a phase change of the redistribution game once (spec
//! `storage-incentives.md` §5.1), then the block's events: commits, reveals, the truth and the
//! winner, the pot paid and how it was shared, freezes, slashes and penalties, availability
//! challenges opened, answered and failed, batches bought, cheques cashed and bounced (SWAP
//! `swap.md` §4). Cheques are signed off chain, so the nodes' own SWAP state is read for the
//! cheques sent: a line when a node's last cheque to a peer grows.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use comb_chain::events::Event;
use comb_chain::round::{phase_of, round_of, Phase};
use comb_chain_rpc::types::EventRecord;
use comb_primitives::{Address, B256, U256};

/// PLUR in one BZZ (the token has 16 decimals).
const PLUR_PER_BZZ: u64 = 10_000_000_000_000_000;

/// An amount of PLUR in BZZ, with the decimals it needs ("1.5 BZZ", "0.0000024 BZZ",
/// "0 BZZ").
pub fn bzz(plur: U256) -> String {
    let unit = U256::from(PLUR_PER_BZZ);
    let whole = plur / unit;
    let fraction = plur % unit;
    if fraction.is_zero() {
        return format!("{whole} BZZ");
    }
    let digits = format!("{:0>16}", fraction.to_string());
    format!("{whole}.{} BZZ", digits.trim_end_matches('0'))
}

/// A hash shortened for reading: its first 4 bytes in hex and an ellipsis.
fn short(hash: &B256) -> String {
    format!("{}…", hex::encode(&hash[..4]))
}

/// Who is who: nodes' overlays, Ethereum addresses and chequebooks, by name.
#[derive(Debug, Clone, Default)]
pub struct Names {
    overlays: HashMap<B256, String>,
    addresses: HashMap<Address, String>,
}

impl Names {
    /// Names `name` by its overlay, its Ethereum address and, if it has one, its chequebook.
    pub fn add(
        &mut self,
        name: impl Into<String>,
        overlay: B256,
        address: Address,
        chequebook: Option<Address>,
    ) {
        let name = name.into();
        self.overlays.insert(overlay, name.clone());
        if let Some(book) = chequebook {
            self.addresses.insert(book, format!("{name}'s chequebook"));
        }
        self.addresses.insert(address, name);
    }

    fn overlay(&self, overlay: &B256) -> String {
        self.overlays
            .get(overlay)
            .cloned()
            .unwrap_or_else(|| format!("overlay {}", short(overlay)))
    }

    fn address(&self, address: &Address) -> String {
        self.addresses
            .get(address)
            .cloned()
            .unwrap_or_else(|| format!("{address}"))
    }
}

/// Turns blocks, events and cheques into lines; remembers the phase and the cheques seen.
#[derive(Debug, Default)]
pub struct Narrator {
    names: Names,
    phase: Option<(u64, Phase)>,
    cheques: BTreeMap<(String, B256), U256>,
    /// The last round with reveals, and whether a winner was selected in it.
    revealed: Option<(u64, bool)>,
}

/// The order a block's events are told in: the truth and the winner before the pot.
fn rank(event: &Event) -> u8 {
    match event {
        Event::TruthSelected { .. } => 0,
        Event::WinnerSelected { .. } => 1,
        Event::PotShared { .. } => 2,
        _ => 3,
    }
}

/// Sorts one block's events into the order they are told in (stable otherwise).
pub fn in_telling_order(events: &mut [EventRecord]) {
    events.sort_by_key(|record| (record.block_number, rank(&record.event)));
}

impl Narrator {
    /// A narrator that knows these names.
    pub fn new(names: Names) -> Self {
        Self {
            names,
            ..Self::default()
        }
    }

    /// Lines when `block` starts a new phase (or is the first block seen), and when the round
    /// before ended with reveals but no claim.
    pub fn block(&mut self, block: u64) -> Vec<String> {
        let now = (round_of(block), phase_of(block));
        if self.phase == Some(now) {
            return Vec::new();
        }
        self.phase = Some(now);
        let (round, phase) = now;
        let mut lines = Vec::new();
        if let Some((revealed, false)) = self.revealed.filter(|(r, _)| *r < round) {
            lines.push(format!(
                "block {block} · round {revealed} ended without a claim: its pot carries over"
            ));
            self.revealed = None;
        }
        let what = match phase {
            Phase::Commit => "commit phase: nodes in the drawn neighbourhood commit",
            Phase::Reveal => "reveal phase: committed nodes reveal their samples",
            Phase::Claim => "claim phase: the winner claims the pot",
        };
        lines.push(format!("block {block} · round {round} · {what}"));
        lines
    }

    /// The line for one event, if it is one a devnet user follows.
    pub fn event(&mut self, record: &EventRecord) -> Option<String> {
        match &record.event {
            Event::Revealed { round, .. } if self.revealed.is_none_or(|(r, _)| r != *round) => {
                self.revealed = Some((*round, false));
            }
            Event::WinnerSelected { .. } => {
                if let Some((_, claimed)) = &mut self.revealed {
                    *claimed = true;
                }
            }
            _ => {}
        }
        let n = &self.names;
        let text = match &record.event {
            Event::Committed { round, overlay, .. } => {
                format!("round {round}: {} committed", n.overlay(overlay))
            }
            Event::Revealed {
                round,
                overlay,
                depth,
                reserve_commitment,
                ..
            } => format!(
                "round {round}: {} revealed depth {depth}, sample {}",
                n.overlay(overlay),
                short(reserve_commitment)
            ),
            Event::TruthSelected { hash, depth } => {
                format!("truth: depth {depth}, sample {}", short(hash))
            }
            Event::WinnerSelected { overlay, depth, .. } => {
                format!(
                    "winner: {} (depth {depth}) claims the pot",
                    n.overlay(overlay)
                )
            }
            Event::PotShared {
                winner,
                payout,
                user_rewards,
                withheld,
            } => format!(
                "{} is paid {} ({} to user rewards, {} withheld in the pot)",
                n.address(winner),
                bzz(*payout),
                bzz(*user_rewards),
                bzz(*withheld)
            ),
            Event::StakeFrozen { owner, time, .. } => {
                format!("{} frozen for {time} blocks", n.address(owner))
            }
            Event::StakeSlashed { owner, amount } => {
                format!("{} slashed {}", n.address(owner), bzz(*amount))
            }
            Event::ProviderPenalised {
                owner,
                offence,
                nth,
                slashed,
                suspended_until,
            } => {
                let suspended = suspended_until
                    .map(|until| format!(", suspended until block {until}"))
                    .unwrap_or_default();
                format!(
                    "{} penalised for {offence:?} (offence {nth} in the window): slashed {}{suspended}",
                    n.address(owner),
                    bzz(*slashed)
                )
            }
            Event::ChallengeOpened {
                id,
                challenger,
                provider,
                chunk_address,
                bond,
            } => format!(
                "challenge {id} opened by {} against {} for chunk {} (bond {})",
                n.address(challenger),
                n.address(provider),
                short(chunk_address),
                bzz(*bond)
            ),
            Event::ChallengeAnswered { id, provider, bond } => format!(
                "challenge {id} answered by {}; the bond of {} goes to it",
                n.address(provider),
                bzz(*bond)
            ),
            Event::ChallengeFailed {
                id,
                provider,
                slashed,
                compensated,
                ..
            } => format!(
                "challenge {id} unanswered: {} slashed {}, {} to the challenger",
                n.address(provider),
                bzz(*slashed),
                bzz(*compensated)
            ),
            Event::Compensated { to, amount } => {
                format!("{} compensated {}", n.address(to), bzz(*amount))
            }
            Event::BatchCreated {
                batch_id,
                owner,
                depth,
                total_amount,
                ..
            } => format!(
                "{} bought batch {} (depth {depth}) for {}",
                n.address(owner),
                short(batch_id),
                bzz(*total_amount)
            ),
            Event::ChequeCashed {
                chequebook,
                beneficiary,
                total_payout,
                cumulative_payout,
                ..
            } => format!(
                "{} cashed a cheque from {}: {} (cumulative {})",
                n.address(beneficiary),
                n.address(chequebook),
                bzz(*total_payout),
                bzz(*cumulative_payout)
            ),
            Event::ChequeBounced { chequebook } => {
                format!("a cheque from {} bounced", n.address(chequebook))
            }
            _ => return None,
        };
        Some(format!("block {} · {text}", record.block_number))
    }

    /// A line when `from`'s last cheque to `peer` has grown to `cumulative` PLUR.
    pub fn cheque_sent(&mut self, from: &str, peer: B256, cumulative: U256) -> Option<String> {
        let key = (from.to_string(), peer);
        let before = self.cheques.insert(key, cumulative).unwrap_or_default();
        (cumulative > before).then(|| {
            format!(
                "{from} sent {} a cheque of {} (cumulative {})",
                self.names.overlay(&peer),
                bzz(cumulative - before),
                bzz(cumulative)
            )
        })
    }
}

/// Follows the devnet until `shutdown` resolves, writing each line to `out`: the chain's blocks
/// and events from `client`, and each node's cheques sent (`nodes`: name and node).
pub async fn run(
    client: comb_chain_rpc::ChainClient,
    nodes: Vec<(String, std::sync::Arc<crate::Node>)>,
    poll: Duration,
    mut out: impl FnMut(&str) + Send,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut names = Names::default();
    for (name, node) in &nodes {
        names.add(
            name.clone(),
            node.overlay(),
            node.signer().address(),
            node.swap().chequebook(),
        );
    }
    let mut narrator = Narrator::new(names);
    let mut next: Option<u64> = None;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(poll) => {}
        }
        let Ok(tip) = client.block_number().await else {
            continue;
        };
        let from = next.unwrap_or(tip);
        if from > tip {
            continue;
        }
        let Ok(mut events) = client.events(from, tip).await else {
            continue;
        };
        in_telling_order(&mut events);
        let mut events = events.into_iter().peekable();
        for block in from..=tip {
            for line in narrator.block(block) {
                out(&line);
            }
            while let Some(record) = events.next_if(|r| r.block_number <= block) {
                if let Some(line) = narrator.event(&record) {
                    out(&line);
                }
            }
        }
        next = Some(tip.saturating_add(1));
        for (name, node) in &nodes {
            let state = node.swap().snapshot();
            for peer in state.peer_beneficiary.keys() {
                if let Some(cheque) = state.last_sent_to(peer) {
                    if let Some(line) = narrator.cheque_sent(name, *peer, cheque.cumulative_payout)
                    {
                        out(&line);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(block: u64, event: Event) -> EventRecord {
        EventRecord {
            block_number: block,
            transaction_hash: B256::ZERO,
            event,
        }
    }

    #[test]
    fn amounts_read_in_bzz() {
        assert_eq!(bzz(U256::ZERO), "0 BZZ");
        assert_eq!(bzz(U256::from(PLUR_PER_BZZ) * U256::from(3u8)), "3 BZZ");
        assert_eq!(bzz(U256::from(15_000_000_000_000_000u64)), "1.5 BZZ");
        assert_eq!(bzz(U256::from(24_000u64)), "0.0000000000024 BZZ");
    }

    #[test]
    fn phases_are_told_once_each() {
        let mut narrator = Narrator::default();
        assert!(narrator.block(150)[0].contains("round 0 · claim"));
        assert!(narrator.block(151).is_empty());
        assert!(narrator.block(152)[0].contains("round 1 · commit"));
        assert!(narrator.block(189).is_empty());
        assert!(narrator.block(190)[0].contains("round 1 · reveal"));
        // A round with reveals and no winner says so when the next begins.
        let reveal = Event::Revealed {
            round: 1,
            overlay: B256::ZERO,
            stake: U256::ZERO,
            stake_density: U256::ZERO,
            reserve_commitment: B256::ZERO,
            depth: 0,
        };
        narrator.event(&record(191, reveal));
        let next = narrator.block(304);
        assert_eq!(next.len(), 2, "{next:?}");
        assert!(
            next[0].contains("round 1 ended without a claim"),
            "{next:?}"
        );
        assert!(narrator.block(456)[0].contains("round 3 · commit"));
    }

    #[test]
    fn a_round_reads_with_node_names() {
        let mut names = Names::default();
        let (overlay, owner, book) = (
            B256::repeat_byte(1),
            Address::repeat_byte(2),
            Address::repeat_byte(3),
        );
        names.add("node 1", overlay, owner, Some(book));
        let mut narrator = Narrator::new(names);
        let mut line = |block, event| narrator.event(&record(block, event)).unwrap();
        assert_eq!(
            line(
                160,
                Event::Committed {
                    round: 1,
                    overlay,
                    height: 0
                }
            ),
            "block 160 · round 1: node 1 committed"
        );
        assert_eq!(
            line(
                229,
                Event::PotShared {
                    winner: owner,
                    payout: U256::from(PLUR_PER_BZZ),
                    user_rewards: U256::ZERO,
                    withheld: U256::ZERO,
                }
            ),
            "block 229 · node 1 is paid 1 BZZ (0 BZZ to user rewards, 0 BZZ withheld in the pot)"
        );
        assert_eq!(
            line(
                300,
                Event::StakeFrozen {
                    owner,
                    overlay,
                    time: 152
                }
            ),
            "block 300 · node 1 frozen for 152 blocks"
        );
        assert!(line(
            301,
            Event::ChequeCashed {
                chequebook: book,
                beneficiary: Address::repeat_byte(9),
                recipient: Address::repeat_byte(9),
                caller: Address::repeat_byte(9),
                total_payout: U256::from(5u8),
                cumulative_payout: U256::from(5u8),
                caller_payout: U256::ZERO,
            }
        )
        .contains("from node 1's chequebook"));
        // Price updates are not news.
        assert_eq!(
            narrator.event(&record(1, Event::PriceUpdate { price: 1 })),
            None
        );
        // The truth and the winner are told before the pot, whatever the chain's order.
        let mut events = vec![
            record(
                5,
                Event::PotShared {
                    winner: owner,
                    payout: U256::ZERO,
                    user_rewards: U256::ZERO,
                    withheld: U256::ZERO,
                },
            ),
            record(
                5,
                Event::WinnerSelected {
                    overlay,
                    owner,
                    depth: 0,
                    hash: B256::ZERO,
                },
            ),
            record(4, Event::PriceUpdate { price: 1 }),
        ];
        in_telling_order(&mut events);
        assert!(matches!(events[0].event, Event::PriceUpdate { .. }));
        assert!(matches!(events[1].event, Event::WinnerSelected { .. }));
        assert!(matches!(events[2].event, Event::PotShared { .. }));
    }

    #[test]
    fn a_cheque_is_told_when_it_grows() {
        let mut narrator = Narrator::default();
        let peer = B256::repeat_byte(4);
        assert!(narrator
            .cheque_sent("node 0", peer, U256::from(10u8))
            .is_some());
        assert_eq!(narrator.cheque_sent("node 0", peer, U256::from(10u8)), None);
        let line = narrator
            .cheque_sent("node 0", peer, U256::from(25u8))
            .unwrap();
        assert!(line.contains("0.0000000000000015 BZZ"), "{line}");
    }
}
