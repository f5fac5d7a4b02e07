//! Connected peers in 32 proximity-order bins relative to the node's overlay, the
//! neighbourhood depth, and closest-peer selection for forwarding. Pure: no I/O.
//!
//! **Depth rule** (Bee's `kademlia.recalcDepth`). With `n` connected peers, the low
//! watermark `w` (Bee's `nnLowWatermark`, 3) and the saturation `s` (Bee's
//! `SaturationPeers`, 8):
//! * `n ≤ w`: depth 0;
//! * otherwise the smallest of: the shallowest unsaturated bin (walking up from bin 0, the
//!   first bin followed by a deeper one while it holds fewer than `s` peers), the shallowest
//!   empty bin, and the bin of the `w`-th peer counted from the deepest (so the
//!   neighbourhood always holds at least `w` peers).
//!
//! The node's neighbourhood is its peers at proximity `≥ d`. Bee leaves out peers it judged
//! unreachable; comb has no reachability check and counts every connected peer. For storage
//! Bee uses the reserve's storage radius; comb combines it via
//! [`crate::LocalStore::storage_radius`].

use std::cmp::Ordering;

use comb_primitives::proximity::proximity;
use comb_primitives::{B256, MAX_BINS};
use serde::Serialize;

/// Peers by proximity order to a base overlay.
#[derive(Debug, Clone)]
pub struct Topology {
    base: B256,
    low_watermark: usize,
    saturation_peers: usize,
    bins: Vec<Vec<B256>>,
}

/// Bee's `nnLowWatermark`: the neighbourhood holds at least this many peers.
pub const LOW_WATERMARK: usize = 3;
/// Bee's `SaturationPeers`: a bin with fewer peers is unsaturated.
pub const SATURATION_PEERS: usize = 8;

impl Topology {
    /// An empty topology around `base` with the depth rule's low watermark and saturation
    /// (each at least 1; Bee's are [`LOW_WATERMARK`] and [`SATURATION_PEERS`]).
    pub fn new(base: B256, low_watermark: usize, saturation_peers: usize) -> Self {
        Self {
            base,
            low_watermark: low_watermark.max(1),
            saturation_peers: saturation_peers.max(1),
            bins: vec![Vec::new(); MAX_BINS],
        }
    }

    /// The base overlay.
    pub fn base(&self) -> &B256 {
        &self.base
    }

    /// The bin `overlay` falls in: its proximity order to the base (capped at 31).
    pub fn bin_of(&self, overlay: &B256) -> u8 {
        proximity(&self.base.0, &overlay.0)
    }

    /// Adds a connected peer. Returns false for the base itself or a peer already present.
    pub fn add(&mut self, overlay: B256) -> bool {
        if overlay == self.base || self.contains(&overlay) {
            return false;
        }
        let bin = usize::from(self.bin_of(&overlay));
        match self.bins.get_mut(bin) {
            Some(peers) => {
                peers.push(overlay);
                true
            }
            None => false,
        }
    }

    /// Removes a peer. Returns whether it was present.
    pub fn remove(&mut self, overlay: &B256) -> bool {
        let bin = usize::from(self.bin_of(overlay));
        match self.bins.get_mut(bin) {
            Some(peers) => {
                let before = peers.len();
                peers.retain(|p| p != overlay);
                peers.len() != before
            }
            None => false,
        }
    }

    /// Whether `overlay` is connected.
    pub fn contains(&self, overlay: &B256) -> bool {
        let bin = usize::from(self.bin_of(overlay));
        self.bins
            .get(bin)
            .is_some_and(|peers| peers.contains(overlay))
    }

    /// How many peers are connected.
    pub fn len(&self) -> usize {
        self.bins.iter().map(Vec::len).sum()
    }

    /// Whether no peer is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Connected peers per bin.
    pub fn bin_sizes(&self) -> [usize; MAX_BINS] {
        let mut sizes = [0usize; MAX_BINS];
        for (size, peers) in sizes.iter_mut().zip(&self.bins) {
            *size = peers.len();
        }
        sizes
    }

    /// The neighbourhood depth (see the module documentation).
    pub fn depth(&self) -> u8 {
        if self.len() <= self.low_watermark {
            return 0;
        }
        // The shallowest unsaturated bin, walking the peers from bin 0 up as Bee does.
        let (mut unsaturated, mut count) = (0usize, 0usize);
        'walk: for (bin, peers) in self.bins.iter().enumerate() {
            for _ in peers {
                if bin == unsaturated {
                    count = count.saturating_add(1);
                    continue;
                }
                if count < self.saturation_peers {
                    break 'walk;
                }
                unsaturated = bin;
                count = 1;
            }
        }
        let mut depth = unsaturated;
        if let Some(empty) = self.bins.iter().position(Vec::is_empty) {
            depth = depth.min(empty);
        }
        let mut at_or_deeper = 0usize;
        for (bin, peers) in self.bins.iter().enumerate().rev() {
            at_or_deeper = at_or_deeper.saturating_add(peers.len());
            if at_or_deeper >= self.low_watermark {
                depth = depth.min(bin);
                break;
            }
        }
        u8::try_from(depth).unwrap_or(0)
    }

    /// All connected peers, shallow bins first.
    pub fn peers(&self) -> Vec<B256> {
        self.bins.iter().flatten().copied().collect()
    }

    /// The peers at proximity `≥ depth`.
    pub fn neighbours(&self, depth: u8) -> Vec<B256> {
        self.bins
            .iter()
            .skip(usize::from(depth))
            .flatten()
            .copied()
            .collect()
    }

    /// The connected peer closest to `target` by XOR distance, not in `skip`.
    pub fn closest_peer(&self, target: &B256, skip: &[B256]) -> Option<B256> {
        self.bins
            .iter()
            .flatten()
            .filter(|peer| !skip.contains(peer))
            .min_by(|a, b| distance_cmp(a, b, target))
            .copied()
    }

    /// Like [`Topology::closest_peer`], but only a peer strictly closer to `target` than the
    /// base: the forwarding rule that makes every hop gain proximity, so requests end.
    pub fn closer_peer(&self, target: &B256, skip: &[B256]) -> Option<B256> {
        self.closest_peer(target, skip)
            .filter(|peer| distance_cmp(peer, &self.base, target) == Ordering::Less)
    }

    /// A serialisable summary for the node's `/topology` endpoint. `population` counts the
    /// known peers per bin (connected or not).
    pub fn snapshot(&self, depth: u8, known: &[B256]) -> TopologySnapshot {
        let mut population = [0usize; MAX_BINS];
        for overlay in known {
            if let Some(slot) = population.get_mut(usize::from(self.bin_of(overlay))) {
                *slot = slot.saturating_add(1);
            }
        }
        let bins = self
            .bins
            .iter()
            .zip(population)
            .enumerate()
            .map(|(po, (peers, population))| BinSnapshot {
                po: u8::try_from(po).unwrap_or(0),
                population,
                connected: peers.len(),
                connected_peers: peers.clone(),
            })
            .collect();
        TopologySnapshot {
            base: self.base,
            depth,
            saturation: self.low_watermark,
            connected: self.len(),
            population: known.len(),
            bins,
        }
    }
}

/// Compares the XOR distances of `a` and `b` to `target`.
pub fn distance_cmp(a: &B256, b: &B256, target: &B256) -> Ordering {
    for ((x, y), t) in a.0.iter().zip(b.0.iter()).zip(target.0.iter()) {
        let order = (x ^ t).cmp(&(y ^ t));
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// The node's view of the network, as the `/topology` endpoint shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopologySnapshot {
    /// The node's overlay.
    pub base: B256,
    /// The neighbourhood (storage) depth in force.
    pub depth: u8,
    /// The depth rule's low watermark (Bee's `nnLowWatermark`).
    pub saturation: usize,
    /// Connected peers.
    pub connected: usize,
    /// Known peers (connected or not).
    pub population: usize,
    /// The 32 bins, shallowest first.
    pub bins: Vec<BinSnapshot>,
}

/// One proximity-order bin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BinSnapshot {
    /// The bin's proximity order.
    pub po: u8,
    /// Known peers in the bin.
    pub population: usize,
    /// Connected peers in the bin.
    pub connected: usize,
    /// Their overlays.
    pub connected_peers: Vec<B256>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An overlay whose first byte is `first`, the rest `fill`.
    fn overlay(first: u8, fill: u8) -> B256 {
        let mut bytes = [fill; 32];
        bytes[0] = first;
        B256::from(bytes)
    }

    #[test]
    fn peers_land_in_their_bins() {
        let mut t = Topology::new(overlay(0b0000_0000, 0), 2, 8);
        assert!(t.add(overlay(0b1000_0000, 0)));
        assert!(t.add(overlay(0b0100_0000, 0)));
        assert!(t.add(overlay(0b0001_0000, 0)));
        assert!(!t.add(overlay(0b0001_0000, 0)), "duplicate");
        assert!(!t.add(overlay(0, 0)), "self");
        let sizes = t.bin_sizes();
        assert_eq!((sizes[0], sizes[1], sizes[3]), (1, 1, 1));
        assert_eq!(t.len(), 3);
        assert!(t.remove(&overlay(0b0100_0000, 0)));
        assert!(!t.contains(&overlay(0b0100_0000, 0)));
        assert_eq!(t.len(), 2);
    }

    /// Bee's `recalcDepth`, case by case (each expectation worked through by hand from
    /// `kademlia.go`).
    #[test]
    fn depth_follows_bees_rule() {
        let base = overlay(0, 0);
        // At most the low watermark's number of peers: depth 0, however deep they are.
        let mut t = Topology::new(base, 3, 8);
        for first in [0b0000_0001, 0b0000_0010, 0b0000_0100] {
            t.add(overlay(first, 0)); // po 7, 6, 5
        }
        assert_eq!(t.depth(), 0);
        // One peer in each of bins 0–3 and one in bin 5: with saturation 8 bin 0 is
        // unsaturated, so depth 0.
        let spread = [
            0b1000_0000u8,
            0b0100_0000,
            0b0010_0000,
            0b0001_0000,
            0b0000_0100,
        ];
        let mut t = Topology::new(base, 3, 8);
        for first in spread {
            t.add(overlay(first, 0));
        }
        assert_eq!(t.depth(), 0);
        // The same peers with saturation 1: the walk reaches bin 5, the shallowest empty bin
        // is 4, and the third peer from the deepest is in bin 2: depth 2.
        let mut t = Topology::new(base, 3, 1);
        for first in spread {
            t.add(overlay(first, 0));
        }
        assert_eq!(t.depth(), 2);
        assert_eq!(t.neighbours(2).len(), 3);
        // Eight peers in bin 0, two in bin 1 and two in bin 2: bin 0 is saturated, bin 1 is
        // not (2 < 8); the third peer from the deepest is in bin 1: depth 1.
        let mut t = Topology::new(base, 3, 8);
        for n in 0..8u8 {
            t.add(overlay(0b1000_0000 | n, n));
        }
        for n in 0..2u8 {
            t.add(overlay(0b0100_0000 | n, n));
            t.add(overlay(0b0010_0000 | n, n));
        }
        assert_eq!(t.depth(), 1);
        // An empty bin caps it: remove bin 1's peers and bin 1 is empty.
        for n in 0..2u8 {
            t.remove(&overlay(0b0100_0000 | n, n));
        }
        assert_eq!(
            t.depth(),
            0,
            "bin 1 empty, and the third peer from the deepest is in bin 0"
        );
        let mut single = Topology::new(base, 1, 1);
        single.add(overlay(0b0000_0001, 0)); // po 7
        assert_eq!(single.depth(), 0, "one peer is not more than the watermark");
    }

    #[test]
    fn closest_and_closer_peers() {
        let base = overlay(0b0100_0000, 0);
        let mut t = Topology::new(base, 2, 8);
        let far = overlay(0b1000_0000, 0);
        let near = overlay(0b1111_0000, 0);
        t.add(far);
        t.add(near);
        let target = overlay(0b1111_1111, 0);
        assert_eq!(t.closest_peer(&target, &[]), Some(near));
        assert_eq!(t.closest_peer(&target, &[near]), Some(far));
        assert_eq!(t.closest_peer(&target, &[near, far]), None);
        assert_eq!(t.closer_peer(&target, &[]), Some(near));
        // A target next to the base: no peer is closer than the base.
        let home = overlay(0b0100_0001, 0);
        assert_eq!(t.closer_peer(&home, &[]), None);
        assert!(t.closest_peer(&home, &[]).is_some());
    }

    #[test]
    fn distance_order_is_xor_order() {
        let target = overlay(0b1010_0000, 0);
        assert_eq!(
            distance_cmp(&overlay(0b1010_0001, 0), &overlay(0b1011_0000, 0), &target),
            Ordering::Less
        );
        assert_eq!(distance_cmp(&target, &target, &target), Ordering::Equal);
    }

    #[test]
    fn snapshot_counts_population_and_connections() {
        let base = overlay(0, 0);
        let mut t = Topology::new(base, 2, 8);
        let a = overlay(0b1000_0000, 0);
        let b = overlay(0b0100_0000, 0);
        t.add(a);
        let snapshot = t.snapshot(t.depth(), &[a, b]);
        assert_eq!(snapshot.connected, 1);
        assert_eq!(snapshot.population, 2);
        assert_eq!(snapshot.bins.len(), MAX_BINS);
        assert_eq!(snapshot.bins[0].connected_peers, vec![a]);
        assert_eq!(snapshot.bins[1].population, 1);
        assert_eq!(snapshot.bins[1].connected, 0);
    }
}
