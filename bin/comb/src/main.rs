//! The `comb` command line: one binary for the devnet, the node, the chain and the tools.
//!
//! Each subcommand is a variant of [`Command`] with its own module.

mod chain;
mod collection;
mod feed;
mod hash;
mod node;
mod render;
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
    /// How much to log: Bee's 0–5 (silent, error, warn, info, debug, trace) or a level
    /// name; overrides `RUST_LOG`. Default: `RUST_LOG`, else `info` for `comb node` and
    /// `warn` for the other commands.
    #[arg(long, global = true, value_name = "LEVEL")]
    verbosity: Option<String>,
    /// `text` (default) or `json`: one JSON object per line.
    #[arg(long, global = true, value_name = "FORMAT", default_value = "text")]
    log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
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
    init_logging(&cli.command, cli.verbosity.as_deref(), cli.log_format)?;
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

/// Logs to stderr: `--verbosity` if given, else `RUST_LOG` (tracing's `EnvFilter` syntax,
/// e.g. `info,comb_net=debug`), else `info` for `comb node` and only warnings for the other
/// commands, so the devnet's and the tools' own output stays readable.
fn init_logging(
    command: &Command,
    verbosity: Option<&str>,
    format: LogFormat,
) -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{fmt, reload, EnvFilter};
    let directive = match verbosity {
        Some(level) => level_of(level)?.to_string(),
        None => std::env::var(EnvFilter::DEFAULT_ENV)
            .ok()
            .filter(|d| EnvFilter::try_new(d).is_ok())
            .unwrap_or_else(|| {
                match command {
                    Command::Node(_) => "info",
                    _ => "warn",
                }
                .to_string()
            }),
    };
    // The filter sits behind a reload layer: the API's `PUT /loggers` replaces it live.
    let (filter, handle) = reload::Layer::new(EnvFilter::new(&directive));
    let registry = tracing_subscriber::registry().with(filter);
    // Colours only on a terminal: a log file or a pipe gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let installed = match format {
        LogFormat::Text => registry
            .with(fmt::layer().with_ansi(ansi).with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init(),
    };
    if installed.is_ok() {
        comb_node::logging::install(
            directive,
            Box::new(move |directives| {
                let filter = EnvFilter::try_new(directives).map_err(|e| e.to_string())?;
                handle.reload(filter).map_err(|e| e.to_string())
            }),
        );
    }
    Ok(())
}

/// Bee's verbosity (`0`–`5` or `silent`, `error`, `warn`, `info`, `debug`, `trace`) as a
/// tracing filter.
fn level_of(verbosity: &str) -> anyhow::Result<&'static str> {
    Ok(match verbosity.to_ascii_lowercase().as_str() {
        "0" | "silent" | "off" => "off",
        "1" | "error" => "error",
        "2" | "warn" | "warning" => "warn",
        "3" | "info" => "info",
        "4" | "debug" => "debug",
        "5" | "trace" | "all" => "trace",
        other => anyhow::bail!("--verbosity: {other:?} is not 0-5 or a level name"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bees_verbosity_numbers_and_names_map_to_levels() {
        assert_eq!(level_of("0").unwrap(), "off");
        assert_eq!(level_of("3").unwrap(), "info");
        assert_eq!(level_of("DEBUG").unwrap(), "debug");
        assert_eq!(level_of("5").unwrap(), "trace");
        assert!(level_of("6").is_err());
        assert!(level_of("loud").is_err());
    }
}
