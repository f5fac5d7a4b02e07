//! `comb chain`: runs the dev chain — a persisted ledger sealing a block every block time,
//! served over JSON-RPC (see `comb_chain_rpc::server` for the methods).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use comb_chain::GenesisConfig;
use comb_chain_rpc::dev::{dev_genesis, format_dev_accounts, is_dev_genesis};
use comb_chain_rpc::producer::unix_now;
use comb_chain_rpc::server::DEFAULT_LISTEN;
use comb_chain_rpc::{ChainService, Genesis, ServiceConfig};
use tokio::signal::unix::{signal, SignalKind};

/// Arguments of `comb chain`.
#[derive(Debug, clap::Args)]
pub struct ChainArgs {
    /// Data directory; created if missing, resumed if it holds a chain.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Address to serve JSON-RPC on (HTTP POST /).
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Milliseconds between blocks.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub block_time: u64,
    /// Genesis configuration (JSON, camelCase, every field optional). Without it a new
    /// chain uses the dev genesis (10 funded dev accounts) and a resumed chain its stored
    /// genesis; with it, it must equal the stored one.
    #[arg(long, value_name = "FILE")]
    pub genesis: Option<PathBuf>,
    /// Run the Ethereum dev chain instead: revm executing signed EIP-1559 transactions,
    /// served as standard `eth_*` JSON-RPC (what Bee, wallets and anvil's clients speak). Its
    /// genesis file is `comb_evm::Genesis` (JSON, camelCase, every field optional); its
    /// block timestamps are whole seconds, so keep `--block-time` at 1000 or more.
    #[arg(long)]
    pub evm: bool,
    /// With `--evm`: seal a block for each transaction as it arrives (anvil's default)
    /// instead of on the `--block-time` interval.
    #[arg(long, requires = "evm")]
    pub automine: bool,
}

/// Runs the chain until SIGINT or SIGTERM, then shuts down cleanly: no new requests, those
/// in flight answered, the block being written finished.
pub fn run(args: &ChainArgs) -> anyhow::Result<()> {
    if args.evm {
        return run_evm(args);
    }
    let genesis = match &args.genesis {
        Some(path) => Genesis::Exactly(read_genesis(path)?),
        None => {
            let mut config = dev_genesis()?;
            config.timestamp = unix_now();
            Genesis::OrCreate(config)
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args, genesis))
}

fn read_genesis(path: &PathBuf) -> anyhow::Result<GenesisConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the genesis file {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("parsing the genesis file {}", path.display()))
}

async fn serve(args: &ChainArgs, genesis: Genesis) -> anyhow::Result<()> {
    // Install the handlers before announcing the URL, so a signal is never fatal.
    let mut interrupt = signal(SignalKind::interrupt()).context("installing SIGINT handler")?;
    let mut terminate = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
    let service = ChainService::start(ServiceConfig {
        data_dir: args.data.clone(),
        genesis,
        listen: args.listen,
        block_time: Duration::from_millis(args.block_time),
    })
    .await
    .with_context(|| format!("opening the chain in {}", args.data.display()))?;

    let chain = service.chain();
    let config = chain.config();
    let head = chain.head()?;
    let mut out = std::io::stdout().lock();
    if service.opened().created {
        writeln!(
            out,
            "Created chain {} in {}",
            config.chain_id,
            args.data.display()
        )?;
    } else {
        writeln!(
            out,
            "Resumed chain {} in {} at block {} ({} pending transaction(s) replayed)",
            config.chain_id,
            args.data.display(),
            head.number,
            service.opened().replayed
        )?;
    }
    if args.genesis.is_none() && is_dev_genesis(config) {
        write!(out, "{}", format_dev_accounts()?)?;
    }
    writeln!(out, "JSON-RPC listening on {}", service.url())?;
    out.flush()?;
    drop(out);

    let chain = std::sync::Arc::clone(service.chain());
    service
        .run_until(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
        .await
        .context("running the chain")?;
    // The chain stopped cleanly; a closed standard output is no reason to fail now.
    let head = chain.head()?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Stopped at block {}", head.number).and_then(|()| out.flush());
    Ok(())
}

/// `comb chain --evm`: the Ethereum dev chain, persisted in the data directory.
fn run_evm(args: &ChainArgs) -> anyhow::Result<()> {
    use comb_evm::genesis::{dev_signer, DEV_ACCOUNTS};
    use comb_evm::{Genesis as EvmGenesis, Mining, Node, OpenWith, Server, Store};

    let with = match &args.genesis {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the genesis file {}", path.display()))?;
            OpenWith::Exactly(
                serde_json::from_str::<EvmGenesis>(&text)
                    .with_context(|| format!("parsing the genesis file {}", path.display()))?,
            )
        }
        None => OpenWith::OrCreate(EvmGenesis::dev(unix_now())?),
    };
    let mining = if args.automine {
        Mining::Auto
    } else {
        Mining::Interval(Duration::from_millis(args.block_time))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let mut interrupt = signal(SignalKind::interrupt()).context("installing SIGINT handler")?;
        let mut terminate =
            signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
        let (store, chain, opened) = Store::open(&args.data, with)
            .with_context(|| format!("opening the EVM chain in {}", args.data.display()))?;
        let chain_id = chain.chain_id();
        let head = chain.head_number();
        let dev = args.genesis.is_none();
        let server = Server::start(Node::persistent(chain, store, mining), args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let mut out = std::io::stdout().lock();
        if opened.created {
            writeln!(
                out,
                "Created EVM chain {chain_id} in {}",
                args.data.display()
            )?;
        } else {
            writeln!(
                out,
                "Resumed EVM chain {chain_id} in {} at block {head} ({} pending transaction(s))",
                args.data.display(),
                opened.pending
            )?;
        }
        if dev {
            writeln!(
                out,
                "Dev accounts (10,000 ether each; keys everyone knows, local use only):"
            )?;
            for index in 0..DEV_ACCOUNTS {
                let signer = dev_signer(index)?;
                writeln!(
                    out,
                    "  ({index}) {} key 0x{}",
                    signer.address(),
                    hex::encode(signer.secret_bytes())
                )?;
            }
            writeln!(
                out,
                "BZZ token (dev) at {}: 1,000,000 BZZ for each dev account",
                comb_evm::genesis::DEV_BZZ_ADDRESS
            )?;
        }
        writeln!(out, "JSON-RPC listening on {}", server.url())?;
        out.flush()?;
        drop(out);
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        let head = server.node().chain().head_number();
        server.stop().await;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "Stopped at block {head}").and_then(|()| out.flush());
        Ok(())
    })
}
