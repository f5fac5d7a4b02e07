//! The storage radius going down, and the reserve radius formula (spec §7).
//!
//! The radius goes up in [`Reserve::unreserve`] (eviction, [`crate::evict`]) and down here.

use comb_primitives::U256;

use crate::reserve::Reserve;
use crate::StoreError;

impl Reserve {
    /// Bee's periodic radius check (spec §7): decreases the storage radius by 1 when the items
    /// in bins `≥ radius` are fewer than half the capacity, pull sync is idle
    /// (`sync_idle`), and the radius is above `minimum_radius` (e.g. the batch store's
    /// [`crate::BatchStore::reserve_radius`]). Returns the radius after the check.
    pub fn maybe_decrease_radius(
        &self,
        minimum_radius: u8,
        sync_idle: bool,
    ) -> Result<u8, StoreError> {
        let radius = self.storage_radius()?;
        if !sync_idle || radius <= minimum_radius {
            return Ok(radius);
        }
        let within = self.size_within_radius()?;
        if within.saturating_mul(2) < self.capacity() {
            let lower = radius.saturating_sub(1);
            self.set_storage_radius(lower)?;
            return Ok(lower);
        }
        Ok(radius)
    }
}

/// The reserve radius (spec §7, Bee's batchstore): `ceil(log2(total_chunks / capacity))` if
/// `total_chunks` (Σ 2^depth over the live batches) exceeds `capacity`, else 0. It is the
/// smallest `r` with `capacity × 2^r ≥ total_chunks`, computed exactly in integers. A zero
/// capacity with chunks to hold gives 255.
pub fn reserve_radius(total_chunks: U256, capacity: u64) -> u8 {
    let capacity = U256::from(capacity);
    if total_chunks <= capacity {
        return 0;
    }
    if capacity.is_zero() {
        return u8::MAX;
    }
    for radius in 1..=u8::MAX {
        let covered = capacity
            .checked_shl(usize::from(radius))
            .filter(|shifted| shifted.checked_shr(usize::from(radius)) == Some(capacity));
        match covered {
            // Overflowed U256: larger than any total.
            None => return radius,
            Some(covered) if covered >= total_chunks => return radius,
            Some(_) => {}
        }
    }
    u8::MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radius_is_the_exact_ceiling_of_the_log() {
        let cap = 1u64 << 22;
        assert_eq!(reserve_radius(U256::from(cap), cap), 0);
        assert_eq!(reserve_radius(U256::from(cap + 1), cap), 1);
        assert_eq!(reserve_radius(U256::from(cap * 2), cap), 1);
        assert_eq!(reserve_radius(U256::from(cap * 2 + 1), cap), 2);
        assert_eq!(reserve_radius(U256::from(1u64) << 40, cap), 18);
        assert_eq!(reserve_radius(U256::MAX, 1), u8::MAX);
        assert_eq!(reserve_radius(U256::from(5u64), 0), u8::MAX);
    }
}
