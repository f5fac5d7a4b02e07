//! The reserve sampler (spec §6): every reserve item in bins `≥` the radius is offered to
//! comb-sampling's [`SampleBuilder`], which applies the eligibility filters (§6.1), the
//! transformed address (§6.2) and the 16-item selection (§6.3).
//!
//! This is sequential: one read transaction, one builder. A parallel version (future work)
//! would split the batches (or bins) over threads, each with its own builder and read
//! transaction, and merge the partial samples by Bee's insertion rule.

use comb_postage::BatchLookup;
use comb_sampling::{Sample, SampleBuilder, SampleRules};

use crate::reserve::Reserve;
use crate::StoreError;

/// Samples the reserve for one round (spec §6): offers every item in bins `≥ radius` (the
/// storage radius) to a [`SampleBuilder`] with `rules`, looking batches up in `batches` (pass
/// [`crate::BatchStore::live_batches`] to avoid a database read per chunk).
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
