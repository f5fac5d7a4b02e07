//! The `comb` command line: one binary for the devnet, the node, the chain and the tools.
//!
//! Each subcommand is a variant of [`Command`] with its own module.

mod chain;
mod collection;
mod feed;
mod hash;
mod node;
mod staking;
mod status;
mod transfer;

use clap::{Parser, Subcommand};

/// The `comb` Swarm node and tools.
#[derive(Debug, Parser)]
#[command(name = "comb", version, about, propagate_version = true)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Print the Swarm reference of a file, as Bee's `/bytes` upload would report it
    /// (unencrypted, no erasure coding).
    Hash(hash::HashArgs),
    /// Run the dev chain: a persisted ledger playing Swarm's contracts, sealing a block every
    /// block time, served over JSON-RPC on HTTP.
    Chain(chain::ChainArgs),
    /// Run a local network: the dev chain and several nodes on 127.0.0.1 with real TCP between
    /// them; writes `DIR/devnet.json` once every node is up; runs until interrupted.
    Devnet(node::DevnetArgs),
    /// Run a node.
    Node(node::NodeArgs),
    /// Upload a file, or a directory as a collection (website), through a node's API; buys
    /// a batch unless `--stamp` names one.
    Upload(transfer::UploadArgs),
    /// Download a reference through a node's API into a file, or a collection into a
    /// directory.
    Download(transfer::DownloadArgs),
    /// Update or read a sequence feed.
    Feed(feed::FeedArgs),
    /// Show each node's redistribution round, wins, frozen state, stake, balances and
    /// cheques (the nodes of a devnet, or the APIs given).
    Status(status::StatusArgs),
    /// The staking architecture: provider standing, availability challenges, user stakes.
    Staking(staking::StakingArgs),
    /// Governance of the staking architecture: proposals, votes, execution.
    Governance(staking::GovernanceArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(&cli.command);
    match cli.command {
        Command::Hash(args) => hash::run(&args),
        Command::Chain(args) => chain::run(&args),
        Command::Devnet(args) => node::run_devnet(args),
        Command::Node(args) => node::run_node(args),
        Command::Upload(args) => transfer::run_upload(&args),
        Command::Download(args) => transfer::run_download(&args),
        Command::Feed(args) => feed::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Staking(args) => staking::run_staking(&args),
        Command::Governance(args) => staking::run_governance(&args),
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (tracing's `EnvFilter` syntax, e.g.
/// `info,comb_net=debug`). Without it, `comb node` logs at `info` and the other commands
/// only warnings, so the devnet's and the tools' own output stays readable.
fn init_logging(command: &Command) {
    let default = match command {
        Command::Node(_) => "info",
        _ => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
