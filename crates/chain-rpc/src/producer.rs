//! The block producer: a tokio task that seals and persists the pending block every block
//! time, with the wall clock (seconds since the Unix epoch) as the next block's timestamp.
//! Timestamps never decrease (see [`Chain::seal`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::chain::Chain;
use crate::RpcError;

/// The shortest block time the producer accepts (a zero period is raised to it).
pub const MIN_BLOCK_TIME: Duration = Duration::from_millis(1);

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A running producer.
#[derive(Debug)]
pub struct Producer {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<Result<(), RpcError>>>,
}

impl Producer {
    /// Starts sealing a block every `block_time` (the first one `block_time` from now).
    /// Must be called within a tokio runtime.
    pub fn spawn(chain: Arc<Chain>, block_time: Duration) -> Self {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(chain, block_time.max(MIN_BLOCK_TIME), stopped));
        Self {
            stop,
            task: Some(task),
        }
    }

    /// Completes when the producer ends on its own, i.e. when sealing or persisting a block
    /// failed; returns that error. Pending forever while it runs.
    pub async fn failed(&mut self) -> RpcError {
        match self.task.as_mut() {
            Some(task) => {
                let result = task.await;
                self.task = None;
                match result {
                    Ok(Ok(())) => RpcError::Stopped("the block producer ended".into()),
                    Ok(Err(error)) => error,
                    Err(join) => RpcError::Stopped(format!("the block producer failed: {join}")),
                }
            }
            None => std::future::pending().await,
        }
    }

    /// Stops the producer after the block being sealed, if any, is written, and waits for
    /// it. Returns the producer's error if it had failed.
    pub async fn stop(mut self) -> Result<(), RpcError> {
        let _ = self.stop.send(true);
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| RpcError::Stopped(format!("the block producer failed: {e}")))?,
            None => Ok(()),
        }
    }
}

async fn run(
    chain: Arc<Chain>,
    block_time: Duration,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), RpcError> {
    let start = tokio::time::Instant::now()
        .checked_add(block_time)
        .unwrap_or_else(tokio::time::Instant::now);
    let mut interval = tokio::time::interval_at(start, block_time);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            // A stop request, or the handle was dropped.
            _ = stopped.changed() => return Ok(()),
        }
        if *stopped.borrow() {
            return Ok(());
        }
        // Sealing is not cancelled by a stop request: it runs to completion here.
        let chain = Arc::clone(&chain);
        let timestamp = unix_now();
        tokio::task::spawn_blocking(move || chain.seal(timestamp))
            .await
            .map_err(|e| RpcError::Stopped(format!("sealing failed: {e}")))??;
    }
}
