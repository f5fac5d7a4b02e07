//! How the agent gets a reserve sample (spec §6): the [`Sampler`] trait, and
//! [`StoreSampler`], which samples a `comb-store` reserve on every core off the async
//! runtime.

use std::future::Future;
use std::num::NonZeroUsize;

use comb_sampling::{Sample, SampleRules};
use comb_store::{sample_reserve_parallel, BatchStore, Reserve};

use crate::IncentivesError;

/// What to sample (spec §5.9: `ReserveSample(anchor, committedDepth, consensusTime,
/// minBatchBalance)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRequest {
    /// The round the sample plays in.
    pub round: u64,
    /// The eligibility rules (§6.1) with the anchor and the committed depth.
    pub rules: SampleRules,
    /// The storage radius: the first reserve bin to sample (§6.1 step 1).
    pub radius: u8,
}

/// Takes reserve samples.
pub trait Sampler: Send + Sync {
    /// The sample for `request` (§6.3).
    fn sample(
        &self,
        request: SampleRequest,
    ) -> impl Future<Output = Result<Sample, IncentivesError>> + Send;
}

/// Samples a stored reserve with [`sample_reserve_parallel`] on a blocking thread, with the
/// batch store's live batches.
#[derive(Debug, Clone)]
pub struct StoreSampler {
    reserve: Reserve,
    batches: BatchStore,
    threads: NonZeroUsize,
}

impl StoreSampler {
    /// A sampler over `reserve` with `batches`, on `threads` threads.
    pub fn new(reserve: Reserve, batches: BatchStore, threads: NonZeroUsize) -> Self {
        Self {
            reserve,
            batches,
            threads,
        }
    }
}

impl Sampler for StoreSampler {
    async fn sample(&self, request: SampleRequest) -> Result<Sample, IncentivesError> {
        let reserve = self.reserve.clone();
        let batches = self.batches.clone();
        let threads = self.threads;
        tokio::task::spawn_blocking(move || {
            let live = batches.live_batches()?;
            Ok(sample_reserve_parallel(
                &reserve,
                &request.rules,
                request.radius,
                &live,
                threads,
            )?)
        })
        .await
        .map_err(|e| IncentivesError::SamplerTask(e.to_string()))?
    }
}
