//! The reserve sampler (spec §6): every reserve item in bins `≥` the radius is offered to
//! comb-sampling's [`SampleBuilder`], which applies the eligibility filters (§6.1), the
//! transformed address (§6.2) and the 16-item selection (§6.3).
//!
//! [`sample_reserve_parallel`] cuts the items, in the order [`sample_reserve`] reads them,
//! into consecutive key slices; worker threads take slices in turn from one read snapshot,
//! each slice with its own builder (so the keyed BMT hashes and the stamp checks run in the
//! threads), and the slices' samples are merged in slice order with [`Sample::merge`], which
//! gives exactly the sequential sample.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use comb_postage::BatchLookup;
use comb_primitives::B256;
use comb_sampling::{Offer, Sample, SampleBuilder, SampleRules};
use redb::ReadableDatabase;

use crate::reserve::read::for_each_item;
use crate::reserve::{ChunksTable, ItemsTable, KeySlice, Reserve};
use crate::tables::{CHUNKS, ITEMS};
use crate::StoreError;

/// Slices per worker thread: enough that a slow slice does not leave other threads idle.
const SLICES_PER_THREAD: u64 = 8;

/// Slices smaller than this are not worth a builder of their own (each slice pays up to 16
/// stamp checks before its sample fills).
const MIN_SLICE_ITEMS: u64 = 4096;

/// Samples the reserve for one round (spec §6), in one thread: offers every item in bins
/// `≥ radius` (the storage radius) to a [`SampleBuilder`] with `rules`, looking batches up in
/// `batches` (pass [`crate::BatchStore::live_batches`] to avoid a database read per chunk).
pub fn sample_reserve(
    reserve: &Reserve,
    rules: &SampleRules,
    radius: u8,
    batches: &impl BatchLookup,
) -> Result<Sample, StoreError> {
    let mut builder = SampleBuilder::new(rules.clone());
    reserve.iterate_for_sample(radius, |chunk, kind, stamp| {
        builder.offer(chunk, kind, stamp, batches);
    })?;
    Ok(builder.finish())
}

/// The number of threads [`sample_reserve_parallel`] should use on this machine.
pub fn default_sampler_threads() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// Samples the reserve for one round (spec §6) on `threads` threads; the result equals
/// [`sample_reserve`]'s for the same snapshot, item for item.
pub fn sample_reserve_parallel(
    reserve: &Reserve,
    rules: &SampleRules,
    radius: u8,
    batches: &(impl BatchLookup + Sync),
    threads: NonZeroUsize,
) -> Result<Sample, StoreError> {
    let threads_u64 = u64::try_from(threads.get()).unwrap_or(u64::MAX);
    let within = reserve.counters()?.within(radius);
    let slice_items = within
        .checked_div(threads_u64.saturating_mul(SLICES_PER_THREAD))
        .unwrap_or(within)
        .max(MIN_SLICE_ITEMS);
    sample_reserve_in_slices(reserve, rules, radius, batches, threads, slice_items)
}

/// [`sample_reserve_parallel`] with the slice size chosen by the caller: each bin of each
/// batch is cut into slices of about `slice_items` items (a tuning knob; the result does not
/// depend on it, which the tests check with tiny slices).
pub fn sample_reserve_in_slices(
    reserve: &Reserve,
    rules: &SampleRules,
    radius: u8,
    batches: &(impl BatchLookup + Sync),
    threads: NonZeroUsize,
    slice_items: u64,
) -> Result<Sample, StoreError> {
    // One snapshot for the reading (writers are not blocked).
    let txn = reserve.db().begin_read()?;
    let items = txn.open_table(ITEMS)?;
    let chunks = txn.open_table(CHUNKS)?;
    let slices = reserve.sample_slices(radius, slice_items)?;

    let next = AtomicUsize::new(0);
    let bound = SharedBound::new();
    let work = || -> Result<Vec<(usize, Sample)>, StoreError> {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slice) = slices.get(index) else {
                return Ok(done);
            };
            done.push((
                index,
                sample_slice(&items, &chunks, slice, rules, batches, &bound)?,
            ));
        }
    };
    let mut parts: Vec<(usize, Sample)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads.get()).map(|_| scope.spawn(work)).collect();
        let mut parts = work()?;
        for handle in handles {
            match handle.join() {
                Ok(result) => parts.extend(result?),
                Err(_) => return Err(StoreError::SamplerThread),
            }
        }
        Ok::<_, StoreError>(parts)
    })?;
    // Slice order is the sequential reading order: merging in it reproduces Bee's tie rule.
    parts.sort_by_key(|(index, _)| *index);
    let mut sample = Sample::new();
    for (_, part) in parts {
        sample.merge(part);
    }
    Ok(sample)
}

/// An upper bound on the final sample's largest transformed address, shared by the
/// threads: the first eight bytes of the smallest 16th item any full slice sample has
/// reached (the rest taken as `0xff`, so the bound is never below the truth). Chunks above
/// it skip the stamp check, which keeps the number of signature recoveries close to the
/// sequential sampler's however many slices there are.
struct SharedBound(AtomicU64);

impl SharedBound {
    fn new() -> Self {
        Self(AtomicU64::new(u64::MAX))
    }

    fn publish(&self, sample: &Sample) {
        if !sample.is_full() {
            return;
        }
        if let Some(last) = sample.items().last() {
            let mut top = [0u8; 8];
            top.copy_from_slice(&last.transformed_address[..8]);
            self.0.fetch_min(u64::from_be_bytes(top), Ordering::Relaxed);
        }
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The bound `top || ff…ff`.
fn bound_address(top: u64) -> B256 {
    let mut bound = B256::repeat_byte(0xff);
    bound[..8].copy_from_slice(&top.to_be_bytes());
    bound
}

/// The sample of one slice, from a fresh builder that prunes by the shared bound.
fn sample_slice(
    items: &ItemsTable,
    chunks: &ChunksTable,
    slice: &KeySlice,
    rules: &SampleRules,
    batches: &impl BatchLookup,
    bound: &SharedBound,
) -> Result<Sample, StoreError> {
    let mut builder = SampleBuilder::new(rules.clone());
    let mut known = u64::MAX;
    for_each_item(items, chunks, slice, &mut |chunk, kind, stamp| {
        let shared = bound.get();
        if shared < known {
            known = shared;
            builder.prune_above(bound_address(known));
        }
        if builder.offer(chunk, kind, stamp, batches) == Offer::Accepted {
            bound.publish(builder.sample());
        }
    })?;
    Ok(builder.finish())
}
