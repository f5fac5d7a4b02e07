//! Connected peers in 32 proximity-order bins relative to the node's overlay, the
//! neighbourhood depth, and closest-peer selection for forwarding. Pure: no I/O.
//!
//! **Depth rule.** The neighbourhood depth `d` is the deepest bin such that the connected
//! peers in bins `≥ d` number at least `saturation` (Bee's "nearest-neighbour low
//! watermark": the neighbourhood always holds at least that many peers); `0` when fewer
//! peers are connected in total. The node's neighbourhood is its peers at proximity `≥ d`.
//! Bee additionally caps its depth at the shallowest unsaturated bin and, for storage, uses
//! the reserve's storage radius; comb combines the latter via
//! [`crate::LocalStore::storage_radius`].

use std::cmp::Ordering;

use comb_primitives::proximity::proximity;
use comb_primitives::{B256, MAX_BINS};
use serde::Serialize;

/// Peers by proximity order to a base overlay.
#[derive(Debug, Clone)]
pub struct Topology {
    base: B256,
    saturation: usize,
    bins: Vec<Vec<B256>>,
}

impl Topology {
    /// An empty topology around `base` with the given neighbourhood `saturation` (at least 1).
    pub fn new(base: B256, saturation: usize) -> Self {
        Self {
            base,
            saturation: saturation.max(1),
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
        let mut at_or_deeper = 0usize;
        for (bin, peers) in self.bins.iter().enumerate().rev() {
            at_or_deeper = at_or_deeper.saturating_add(peers.len());
            if at_or_deeper >= self.saturation {
                return u8::try_from(bin).unwrap_or(0);
            }
        }
        0
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
            saturation: self.saturation,
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
    /// The neighbourhood saturation used by the depth rule.
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
        let mut t = Topology::new(overlay(0b0000_0000, 0), 2);
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

    #[test]
    fn depth_is_the_deepest_bin_with_enough_peers_at_or_below() {
        let base = overlay(0, 0);
        let mut t = Topology::new(base, 2);
        assert_eq!(t.depth(), 0);
        t.add(overlay(0b1000_0000, 0)); // po 0
        t.add(overlay(0b0010_0000, 0)); // po 2
        assert_eq!(t.depth(), 0, "two peers at po >= 0 only");
        t.add(overlay(0b0000_1000, 0)); // po 4
        assert_eq!(t.depth(), 2, "po 2 and po 4 are at or below bin 2");
        t.add(overlay(0b0000_0100, 0)); // po 5
        assert_eq!(t.depth(), 4);
        assert_eq!(t.neighbours(4).len(), 2);
        let mut single = Topology::new(base, 1);
        single.add(overlay(0b0000_0001, 0)); // po 7
        assert_eq!(single.depth(), 7);
    }

    #[test]
    fn closest_and_closer_peers() {
        let base = overlay(0b0100_0000, 0);
        let mut t = Topology::new(base, 2);
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
        let mut t = Topology::new(base, 2);
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
