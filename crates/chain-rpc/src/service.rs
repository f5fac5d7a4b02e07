//! The whole dev chain in one value: the store opened, the block producer and the RPC
//! server running. `comb chain` runs one; tests can run one in-process.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::chain::Chain;
use crate::producer::Producer;
use crate::store::{Genesis, Opened};
use crate::{server, RpcError};

/// What to run.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The data directory (created if missing).
    pub data_dir: PathBuf,
    /// Which genesis to use.
    pub genesis: Genesis,
    /// Where to listen (port 0: any free port).
    pub listen: SocketAddr,
    /// Time between blocks.
    pub block_time: Duration,
}

/// A running chain.
#[derive(Debug)]
pub struct ChainService {
    chain: Arc<Chain>,
    opened: Opened,
    local_addr: SocketAddr,
    producer: Producer,
    server: JoinHandle<Result<(), RpcError>>,
    stop_server: oneshot::Sender<()>,
}

impl ChainService {
    /// Opens the chain, binds the listener and starts the producer and the server. Must be
    /// called within a tokio runtime.
    pub async fn start(config: ServiceConfig) -> Result<Self, RpcError> {
        let ServiceConfig {
            data_dir,
            genesis,
            listen,
            block_time,
        } = config;
        let (chain, opened) = tokio::task::spawn_blocking(move || Chain::open(&data_dir, genesis))
            .await
            .map_err(|e| RpcError::Stopped(format!("opening the store failed: {e}")))??;
        let chain = Arc::new(chain);
        let listener = server::bind(listen).await?;
        let local_addr = listener.local_addr()?;
        let (stop_server, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(server::serve(listener, Arc::clone(&chain), async move {
            let _ = stopped.await;
        }));
        let producer = Producer::spawn(Arc::clone(&chain), block_time);
        Ok(Self {
            chain,
            opened,
            local_addr,
            producer,
            server,
            stop_server,
        })
    }

    /// The chain.
    pub fn chain(&self) -> &Arc<Chain> {
        &self.chain
    }

    /// Whether the chain was created or resumed, and how many pending transactions were
    /// replayed.
    pub fn opened(&self) -> Opened {
        self.opened
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The RPC URL, `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Runs until `shutdown` completes (then shuts down cleanly) or the producer fails
    /// (then shuts down and returns its error).
    pub async fn run_until(mut self, shutdown: impl Future<Output = ()>) -> Result<(), RpcError> {
        let failure = tokio::select! {
            () = shutdown => None,
            error = self.producer.failed() => Some(error),
        };
        let result = self.shutdown().await;
        match failure {
            Some(error) => Err(error),
            None => result,
        }
    }

    /// Stops accepting requests and finishes those in flight, then stops the producer after
    /// the block being written, if any.
    pub async fn shutdown(self) -> Result<(), RpcError> {
        let _ = self.stop_server.send(());
        let served = self
            .server
            .await
            .map_err(|e| RpcError::Stopped(format!("the server failed: {e}")))
            .and_then(|r| r);
        let produced = self.producer.stop().await;
        served.and(produced)
    }
}
