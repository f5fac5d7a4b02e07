//! Staying connected: bootnodes are dialled until each has answered once, and known peers
//! the dial policy wants ([`PeerManager::wants`]) are dialled again when they are lost or a
//! first dial failed, each with a doubling pause ([`Redial`]). A peer that answers none of
//! [`MAX_REDIALS`] attempts is dropped from the address book (Bee's kademlia also prunes
//! addresses that keep failing).
//!
//! Re-dialling follows `hive_connect`: a node told not to dial what it learns does not
//! re-dial either; bootnodes are always dialled.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use comb_primitives::B256;
use libp2p::Multiaddr;
use tokio::sync::oneshot;

use crate::bzz::peer_id_of;
use crate::peers::{Command, PeerEvent, PeerInfo, PeerManager};
use crate::NetError;

/// The first pause after a failed or lost connection.
pub const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between two attempts.
pub const MAX_PAUSE: Duration = Duration::from_secs(60);
/// Attempts at a known peer, without an answer, before its address is dropped.
pub const MAX_REDIALS: u32 = 12;
/// How often the known peers are looked over.
const TICK: Duration = Duration::from_secs(1);

/// The pause after `attempts` failed attempts: [`FIRST_PAUSE`] doubled each time, at most
/// [`MAX_PAUSE`].
pub fn pause(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(16);
    FIRST_PAUSE.saturating_mul(1u32 << doublings).min(MAX_PAUSE)
}

/// When each known peer may be dialled again: the pure core of re-dialling (no clock, no
/// sockets; `now` comes in).
#[derive(Debug, Default)]
pub struct Redial {
    attempts: HashMap<B256, (u32, Instant)>,
}

impl Redial {
    /// Of `candidates` (peers the policy wants and nobody dials), those due at `now`; each
    /// is counted as attempted. Returns them and the peers that ran out of attempts (to be
    /// forgotten).
    pub fn due(
        &mut self,
        candidates: impl IntoIterator<Item = B256>,
        now: Instant,
    ) -> (Vec<B256>, Vec<B256>) {
        let (mut dial, mut exhausted) = (Vec::new(), Vec::new());
        for overlay in candidates {
            let (attempts, next) = self.attempts.get(&overlay).copied().unwrap_or((0, now));
            if now < next {
                continue;
            }
            if attempts >= MAX_REDIALS {
                self.attempts.remove(&overlay);
                exhausted.push(overlay);
                continue;
            }
            let attempts = attempts.saturating_add(1);
            self.attempts
                .insert(overlay, (attempts, now + pause(attempts)));
            dial.push(overlay);
        }
        (dial, exhausted)
    }

    /// `overlay` connected: its next loss starts from the first pause again.
    pub fn connected(&mut self, overlay: &B256) {
        self.attempts.remove(overlay);
    }

    /// `overlay` was lost: the first re-dial waits [`FIRST_PAUSE`] (a peer that just went
    /// away is rarely back at once).
    pub fn lost(&mut self, overlay: B256, now: Instant) {
        self.attempts.insert(overlay, (0, now + FIRST_PAUSE));
    }
}

/// Dials `address` and waits for the handshake; an address with `/p2p/<peer id>` of a peer
/// already connected returns that peer at once.
pub(crate) async fn connect(
    peers: &PeerManager,
    address: Multiaddr,
    limit: Duration,
) -> Result<PeerInfo, NetError> {
    let peer = peer_id_of(&address);
    if let Some(info) = peer
        .and_then(|p| peers.overlay_of(&p))
        .and_then(|overlay| peers.peer_info(&overlay))
    {
        return Ok(info);
    }
    let (reply, answer) = oneshot::channel();
    peers.command(Command::Dial {
        addresses: vec![address],
        peer,
        overlay: None,
        reply: Some(reply),
    })?;
    tokio::time::timeout(limit, answer)
        .await
        .map_err(|_| NetError::Timeout("connect"))?
        .map_err(|_| NetError::Shutdown)?
}

/// Dials `bootnode` until it answers once, pausing as [`pause`] says; gives up on a network
/// id mismatch (it will never answer) or at shutdown.
pub(crate) async fn bootnode(peers: Arc<PeerManager>, bootnode: Multiaddr, limit: Duration) {
    let mut attempts = 0u32;
    loop {
        match connect(&peers, bootnode.clone(), limit).await {
            Ok(_) => return,
            Err(NetError::NetworkIdMismatch { ours, theirs }) => {
                tracing::warn!(%bootnode, ours, theirs, "bootnode is on another network");
                return;
            }
            Err(NetError::Shutdown) => return,
            Err(error) => {
                attempts = attempts.saturating_add(1);
                tracing::warn!(%bootnode, %error, attempts, "bootnode connection failed");
            }
        }
        if peers.is_shut_down() {
            return;
        }
        let mut shutdown = peers.shutdown_signal();
        tokio::select! {
            _ = tokio::time::sleep(pause(attempts)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Re-dials lost and not yet reached known peers until shutdown.
pub(crate) async fn run(
    peers: Arc<PeerManager>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<PeerEvent>,
) {
    let mut shutdown = peers.shutdown_signal();
    let mut redial = Redial::default();
    // One ticker for the whole run: events in between do not push the next look back.
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            event = events.recv() => match event {
                Some(PeerEvent::Connected(info)) => {
                    redial.connected(&info.overlay);
                    continue;
                }
                Some(PeerEvent::Disconnected { overlay, .. }) => {
                    redial.lost(overlay, Instant::now());
                    continue;
                }
                None => return,
            },
            _ = shutdown.changed() => return,
        }
        if peers.is_shut_down() {
            return;
        }
        let candidates: Vec<B256> = {
            let mut state = peers.state();
            let known: Vec<B256> = state.known.keys().copied().collect();
            known
                .into_iter()
                .filter(|overlay| peers.wants(&mut state, overlay))
                .collect()
        };
        let (dial, exhausted) = redial.due(candidates, Instant::now());
        for overlay in dial {
            if peers.dial_if_wanted(&overlay) {
                tracing::debug!(%overlay, "dialling a known peer again");
            }
        }
        if !exhausted.is_empty() {
            let mut state = peers.state();
            for overlay in exhausted {
                tracing::info!(%overlay, "known peer unreachable; address dropped");
                state.known.remove(&overlay);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_from_one_second_up_to_a_minute() {
        assert_eq!(pause(1), Duration::from_secs(1));
        assert_eq!(pause(2), Duration::from_secs(2));
        assert_eq!(pause(4), Duration::from_secs(8));
        assert_eq!(pause(7), Duration::from_secs(60));
        assert_eq!(pause(u32::MAX), MAX_PAUSE);
    }

    #[test]
    fn a_lost_peer_is_redialled_after_the_first_pause_then_less_and_less_often() {
        let mut redial = Redial::default();
        let peer = B256::repeat_byte(1);
        let t0 = Instant::now();
        redial.lost(peer, t0);
        assert!(redial.due([peer], t0).0.is_empty(), "not at once");
        assert_eq!(redial.due([peer], t0 + FIRST_PAUSE).0, vec![peer]);
        let t1 = t0 + FIRST_PAUSE;
        // Attempt 1 was made at t1: the next is due one pause later, then two, four…
        assert!(redial
            .due([peer], t1 + Duration::from_millis(999))
            .0
            .is_empty());
        assert_eq!(
            redial.due([peer], t1 + Duration::from_secs(1)).0,
            vec![peer]
        );
        let t2 = t1 + Duration::from_secs(1);
        assert!(redial
            .due([peer], t2 + Duration::from_millis(1999))
            .0
            .is_empty());
        assert_eq!(
            redial.due([peer], t2 + Duration::from_secs(2)).0,
            vec![peer]
        );
    }

    #[test]
    fn a_connection_resets_the_pauses_and_a_peer_that_never_answers_is_dropped() {
        let mut redial = Redial::default();
        let peer = B256::repeat_byte(2);
        let mut now = Instant::now();
        for _ in 0..MAX_REDIALS {
            assert_eq!(redial.due([peer], now).0, vec![peer]);
            now += MAX_PAUSE;
        }
        let (dial, exhausted) = redial.due([peer], now);
        assert!(dial.is_empty());
        assert_eq!(exhausted, vec![peer]);
        // Learnt again later, it starts over; a connection resets it too.
        assert_eq!(redial.due([peer], now).0, vec![peer]);
        redial.connected(&peer);
        assert_eq!(redial.due([peer], now).0, vec![peer]);
    }

    #[test]
    fn only_candidates_are_dialled() {
        let mut redial = Redial::default();
        let (a, b) = (B256::repeat_byte(3), B256::repeat_byte(4));
        let now = Instant::now();
        redial.lost(a, now);
        redial.lost(b, now);
        let later = now + FIRST_PAUSE;
        assert_eq!(redial.due([b], later).0, vec![b]);
    }
}
