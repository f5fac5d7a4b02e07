//! `comb staking …` and `comb governance …`: the staking architecture
//! (`staking-architecture.md`) from the command line, through a node's comb-specific API
//! (`/staking/…`, `/governance/…`). Every command prints the node's answer, one named field a
//! line with amounts in BZZ (`--plur`: in PLUR), or as the node's JSON with `--json`.

use anyhow::bail;
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::transfer::{json, DEFAULT_API};

/// `comb staking …`.
#[derive(Debug, Args)]
pub struct StakingArgs {
    /// What to do.
    #[command(subcommand)]
    command: StakingCommand,
    /// The node's API URL.
    #[arg(long, global = true, default_value = DEFAULT_API)]
    api: String,
    /// How to print the answer.
    #[command(flatten)]
    output: Output,
}

/// The staking subcommands.
#[derive(Debug, Subcommand)]
enum StakingCommand {
    /// A provider's score, penalty-ladder standing and stake (the node's own by default).
    Provider {
        /// The provider's Ethereum address.
        address: Option<String>,
    },
    /// The parameters of the staking architecture.
    Parameters,
    /// The open availability challenges.
    Challenges,
    /// Challenge a provider to prove a chunk stamped with one of the node's batches.
    Challenge {
        /// The provider's Ethereum address.
        #[arg(long)]
        provider: String,
        /// The chunk's address (64 hex).
        #[arg(long)]
        chunk: String,
    },
    /// Settle an unanswered challenge after its window.
    Settle {
        /// The challenge id.
        id: u64,
    },
    /// A user stake with its tier discount, weight and claimable rewards.
    User {
        /// The staker's Ethereum address (the node's own by default).
        address: Option<String>,
    },
    /// Add PLUR to the node's user stake, locked for `--lock-blocks`.
    Stake {
        /// PLUR to add.
        amount: String,
        /// Blocks to lock it for (30 days = 518 400 five-second blocks for governance weight).
        #[arg(long, default_value_t = 0)]
        lock_blocks: u64,
    },
    /// Start unbonding the user stake (after its lock end).
    Unbond,
    /// Withdraw the user stake after unbonding.
    Withdraw,
    /// Claim the user stake's share of the user-reward pool.
    ClaimRewards,
}

/// `comb governance …`.
#[derive(Debug, Args)]
pub struct GovernanceArgs {
    /// What to do.
    #[command(subcommand)]
    command: GovernanceCommand,
    /// The node's API URL.
    #[arg(long, global = true, default_value = DEFAULT_API)]
    api: String,
    /// How to print the answer.
    #[command(flatten)]
    output: Output,
}

/// The governance subcommands.
#[derive(Debug, Subcommand)]
enum GovernanceCommand {
    /// The proposals not yet executed.
    Proposals,
    /// Propose a parameter change (`--param bronzeDiscount --value 600`), an exclusion
    /// (`--exclude ADDRESS --slash-bp 1000`) or a reinstatement (`--reinstate ADDRESS`).
    Propose {
        /// A parameter's name (camelCase, as `comb staking parameters` lists them).
        #[arg(long, requires = "value")]
        param: Option<String>,
        /// Its new value.
        #[arg(long)]
        value: Option<String>,
        /// A provider to exclude.
        #[arg(long, requires = "slash_bp", conflicts_with = "param")]
        exclude: Option<String>,
        /// The exclusion's slash in basis points.
        #[arg(long)]
        slash_bp: Option<u64>,
        /// A provider to reinstate.
        #[arg(long, conflicts_with_all = ["param", "exclude"])]
        reinstate: Option<String>,
    },
    /// Vote on a proposal.
    Vote {
        /// The proposal id.
        id: u64,
        /// `yes` or `no`.
        choice: String,
    },
    /// Execute a proposal after its voting period and timelock.
    Execute {
        /// The proposal id.
        id: u64,
    },
}

/// How a command prints the node's answer.
#[derive(Debug, Args)]
struct Output {
    /// Print the node's JSON answer as it is.
    #[arg(long, global = true)]
    json: bool,
    /// Token amounts in PLUR (10^-16 BZZ) instead of BZZ.
    #[arg(long, global = true)]
    plur: bool,
}

enum Method {
    Get,
    Post(Option<Value>),
}

async fn call(api: &str, path: &str, method: Method) -> anyhow::Result<Value> {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", api.trim_end_matches('/'));
    let request = match method {
        Method::Get => client.get(url),
        Method::Post(None) => client.post(url),
        Method::Post(Some(body)) => client.post(url).body(body.to_string()),
    };
    json(request.send().await?).await
}

fn run_call(api: &str, path: &str, method: Method, output: &Output) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let answer = runtime.block_on(call(api, path, method))?;
    if output.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        println!("{}", crate::render::render(&answer, output.plur));
    }
    Ok(())
}

/// Runs `comb staking`.
pub fn run_staking(args: &StakingArgs) -> anyhow::Result<()> {
    use StakingCommand as C;
    let (path, method) = match &args.command {
        C::Provider { address: None } => ("/staking/provider".to_string(), Method::Get),
        C::Provider {
            address: Some(address),
        } => (format!("/staking/provider/{address}"), Method::Get),
        C::Parameters => ("/staking/parameters".to_string(), Method::Get),
        C::Challenges => ("/staking/challenges".to_string(), Method::Get),
        C::Challenge { provider, chunk } => (
            "/staking/challenges".to_string(),
            Method::Post(Some(
                serde_json::json!({ "provider": provider, "chunk": chunk }),
            )),
        ),
        C::Settle { id } => (
            format!("/staking/challenges/{id}/settle"),
            Method::Post(None),
        ),
        C::User { address: None } => ("/staking/user".to_string(), Method::Get),
        C::User {
            address: Some(address),
        } => (format!("/staking/user/{address}"), Method::Get),
        C::Stake {
            amount,
            lock_blocks,
        } => (
            format!("/staking/user/stake/{amount}?lockBlocks={lock_blocks}"),
            Method::Post(None),
        ),
        C::Unbond => ("/staking/user/unbond".to_string(), Method::Post(None)),
        C::Withdraw => ("/staking/user/withdraw".to_string(), Method::Post(None)),
        C::ClaimRewards => ("/staking/user/rewards".to_string(), Method::Post(None)),
    };
    run_call(&args.api, &path, method, &args.output)
}

/// The JSON of a proposal's action from the `propose` flags.
fn proposal_action(
    param: &Option<String>,
    value: &Option<String>,
    exclude: &Option<String>,
    slash_bp: Option<u64>,
    reinstate: &Option<String>,
) -> anyhow::Result<Value> {
    Ok(match (param, value, exclude, reinstate) {
        (Some(param), Some(value), None, None) => {
            serde_json::json!({"action": "setParameter", "param": param, "value": value})
        }
        (None, None, Some(owner), None) => serde_json::json!({
            "action": "excludeProvider", "owner": owner, "slashBp": slash_bp.unwrap_or(0)
        }),
        (None, None, None, Some(owner)) => {
            serde_json::json!({"action": "reinstateProvider", "owner": owner})
        }
        _ => bail!("propose one of: --param/--value, --exclude/--slash-bp, --reinstate"),
    })
}

/// Runs `comb governance`.
pub fn run_governance(args: &GovernanceArgs) -> anyhow::Result<()> {
    use GovernanceCommand as C;
    let (path, method) = match &args.command {
        C::Proposals => ("/governance/proposals".to_string(), Method::Get),
        C::Propose {
            param,
            value,
            exclude,
            slash_bp,
            reinstate,
        } => (
            "/governance/proposals".to_string(),
            Method::Post(Some(proposal_action(
                param, value, exclude, *slash_bp, reinstate,
            )?)),
        ),
        C::Vote { id, choice } => (
            format!("/governance/proposals/{id}/vote/{choice}"),
            Method::Post(None),
        ),
        C::Execute { id } => (
            format!("/governance/proposals/{id}/execute"),
            Method::Post(None),
        ),
    };
    run_call(&args.api, &path, method, &args.output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposal_flags_become_actions() {
        let set = proposal_action(
            &Some("bronzeDiscount".into()),
            &Some("600".into()),
            &None,
            None,
            &None,
        )
        .unwrap();
        assert_eq!(set["action"], "setParameter");
        assert_eq!(set["value"], "600");
        let exclude = proposal_action(&None, &None, &Some("0xab".into()), Some(10), &None).unwrap();
        assert_eq!(exclude["slashBp"], 10);
        assert!(proposal_action(&None, &None, &None, None, &None).is_err());
    }
}
