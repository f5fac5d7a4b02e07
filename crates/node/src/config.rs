//! Node configuration: defaults, then a config file, then environment variables, then
//! command-line flags — later sources override earlier ones.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::NodeError;

/// Everything a node needs to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct NodeConfig {
    /// Where keys, the chunk store and the batch store live.
    pub data_dir: PathBuf,
    /// HTTP API address (Bee's default port is 1633).
    pub api_addr: SocketAddr,
    /// P2P listen address (Bee's default port is 1634).
    pub p2p_addr: SocketAddr,
    /// The chain's JSON-RPC URL.
    pub chain_rpc: String,
    /// Multiaddresses of peers to connect to at start.
    pub bootnodes: Vec<String>,
    /// The addresses peers reach this node at when it sits behind NAT (Bee's `nat-addr`),
    /// `host:port` or a multiaddress: announced through identify and signed into the
    /// node's BzzAddress instead of the listen address (audit H-14, H-15, L-9). Empty: the
    /// listen address.
    pub nat_addr: Vec<String>,
    /// Origins whose browser scripts may use the API (Bee's `cors-allowed-origins`; `*`:
    /// any). Empty: none but the node's own `http://<host>`.
    pub cors_allowed_origins: Vec<String>,
    /// Where `POST /wallet/withdraw/{coin}` may send the node's tokens (Bee's
    /// `withdrawal-addresses-whitelist`). Empty: nowhere.
    pub withdrawal_addresses_whitelist: Vec<comb_primitives::Address>,
    /// Reserve capacity in chunks (Bee's default 2^22).
    pub reserve_capacity: u64,
    /// Cache capacity in chunks.
    pub cache_capacity: u64,
    /// A hex private key to use instead of the key file (devnets fund known keys).
    pub private_key: Option<String>,
    /// Blocks a new batch must age before the node stamps with it (Bee's `blockThreshold`).
    pub batch_block_threshold: u64,
    /// Starts the storage-incentive agent paused: it samples and commits nothing new, but a
    /// round already committed still reveals and claims (spec `storage-incentives.md` §5.9).
    pub redistribution_paused: bool,
    /// FOR TESTS ONLY: the agent commits and reveals a reserve commitment that is not its
    /// sample's, so that the ledger freezes the stake (§5.7). Never set by a config file,
    /// the environment or a flag.
    #[serde(skip)]
    pub test_reveal_wrong_hash: bool,
    /// Whether the node stores chunks and forwards (Bee's `full-node`). A light node
    /// (false) only uploads and downloads, and its accounting uses the light factors (spec
    /// `swap.md` §1.7). Default true.
    pub full_node: bool,
    /// Bandwidth accounting and SWAP (spec `swap.md`; Bee's defaults, see
    /// [`crate::swap::SwapConfig`]).
    pub swap: crate::swap::SwapConfig,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from(".comb"),
            api_addr: SocketAddr::from(([127, 0, 0, 1], 1633)),
            p2p_addr: SocketAddr::from(([127, 0, 0, 1], 1634)),
            chain_rpc: "http://127.0.0.1:8545".to_string(),
            bootnodes: Vec::new(),
            nat_addr: Vec::new(),
            cors_allowed_origins: Vec::new(),
            withdrawal_addresses_whitelist: Vec::new(),
            reserve_capacity: 1 << 22,
            cache_capacity: 1 << 16,
            private_key: None,
            batch_block_threshold: 10,
            redistribution_paused: false,
            test_reveal_wrong_hash: false,
            full_node: true,
            swap: crate::swap::SwapConfig::default(),
        }
    }
}

/// Overrides from one source; `None` keeps the value from earlier sources.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ConfigOverrides {
    /// `data-dir` / `COMB_DATA_DIR` / `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `api-addr` / `COMB_API_ADDR` / `--api-addr`.
    pub api_addr: Option<SocketAddr>,
    /// `p2p-addr` / `COMB_P2P_ADDR` / `--p2p-addr`.
    pub p2p_addr: Option<SocketAddr>,
    /// `chain-rpc` / `COMB_CHAIN_RPC` / `--chain-rpc`.
    pub chain_rpc: Option<String>,
    /// `bootnodes` / `COMB_BOOTNODES` (comma-separated) / `--bootnode` (repeatable).
    pub bootnodes: Option<Vec<String>>,
    /// `nat-addr` / `COMB_NAT_ADDR` (comma-separated) / `--nat-addr` (repeatable).
    pub nat_addr: Option<Vec<String>>,
    /// `cors-allowed-origins` / `COMB_CORS_ALLOWED_ORIGINS` (comma-separated) /
    /// `--cors-allowed-origins` (repeatable).
    pub cors_allowed_origins: Option<Vec<String>>,
    /// `withdrawal-addresses-whitelist` / `COMB_WITHDRAWAL_ADDRESSES_WHITELIST`
    /// (comma-separated) / `--withdrawal-addresses-whitelist` (repeatable).
    pub withdrawal_addresses_whitelist: Option<Vec<comb_primitives::Address>>,
    /// `reserve-capacity` / `COMB_RESERVE_CAPACITY` / `--reserve-capacity`.
    pub reserve_capacity: Option<u64>,
    /// `cache-capacity` / `COMB_CACHE_CAPACITY` / `--cache-capacity`.
    pub cache_capacity: Option<u64>,
    /// `private-key` / `COMB_PRIVATE_KEY` / `--private-key`.
    pub private_key: Option<String>,
    /// `batch-block-threshold` / `COMB_BATCH_BLOCK_THRESHOLD`.
    pub batch_block_threshold: Option<u64>,
    /// `redistribution-paused` / `COMB_REDISTRIBUTION_PAUSED` / `--redistribution-paused`.
    pub redistribution_paused: Option<bool>,
    /// `full-node` (file only).
    pub full_node: Option<bool>,
    /// `swap` (an object; file only).
    pub swap: Option<crate::swap::SwapConfig>,
}

impl NodeConfig {
    /// Applies one source of overrides.
    pub fn apply(&mut self, overrides: ConfigOverrides) {
        let ConfigOverrides {
            data_dir,
            api_addr,
            p2p_addr,
            chain_rpc,
            bootnodes,
            nat_addr,
            cors_allowed_origins,
            withdrawal_addresses_whitelist,
            reserve_capacity,
            cache_capacity,
            private_key,
            batch_block_threshold,
            redistribution_paused,
            full_node,
            swap,
        } = overrides;
        if let Some(v) = withdrawal_addresses_whitelist {
            self.withdrawal_addresses_whitelist = v;
        }
        if let Some(v) = nat_addr {
            self.nat_addr = v;
        }
        if let Some(v) = cors_allowed_origins {
            self.cors_allowed_origins = v;
        }
        if let Some(v) = data_dir {
            self.data_dir = v;
        }
        if let Some(v) = api_addr {
            self.api_addr = v;
        }
        if let Some(v) = p2p_addr {
            self.p2p_addr = v;
        }
        if let Some(v) = chain_rpc {
            self.chain_rpc = v;
        }
        if let Some(v) = bootnodes {
            self.bootnodes = v;
        }
        if let Some(v) = reserve_capacity {
            self.reserve_capacity = v;
        }
        if let Some(v) = cache_capacity {
            self.cache_capacity = v;
        }
        if let Some(v) = private_key {
            self.private_key = Some(v);
        }
        if let Some(v) = batch_block_threshold {
            self.batch_block_threshold = v;
        }
        if let Some(v) = redistribution_paused {
            self.redistribution_paused = v;
        }
        if let Some(v) = full_node {
            self.full_node = v;
        }
        if let Some(v) = swap {
            self.swap = v;
        }
    }

    /// Builds the configuration: defaults, then `file` (JSON, kebab-case keys), then the
    /// `COMB_*` environment variables in `env`, then `flags`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: ConfigOverrides,
    ) -> Result<Self, NodeError> {
        let mut config = Self::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| NodeError::Config(format!("{}: {e}", path.display())))?;
            let from_file: ConfigOverrides = serde_json::from_str(&text)
                .map_err(|e| NodeError::Config(format!("{}: {e}", path.display())))?;
            config.apply(from_file);
        }
        config.apply(overrides_from_env(env)?);
        config.apply(flags);
        Ok(config)
    }
}

fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, NodeError> {
    value
        .parse()
        .map_err(|_| NodeError::Config(format!("{name}: cannot parse {value:?}")))
}

/// Reads the `COMB_*` variables.
pub fn overrides_from_env(
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<ConfigOverrides, NodeError> {
    let mut o = ConfigOverrides::default();
    for (key, value) in env {
        match key.as_str() {
            "COMB_DATA_DIR" => o.data_dir = Some(PathBuf::from(value)),
            "COMB_API_ADDR" => o.api_addr = Some(parse(&key, &value)?),
            "COMB_P2P_ADDR" => o.p2p_addr = Some(parse(&key, &value)?),
            "COMB_CHAIN_RPC" => o.chain_rpc = Some(value),
            "COMB_BOOTNODES" => o.bootnodes = Some(comma_list(&value)),
            "COMB_NAT_ADDR" => o.nat_addr = Some(comma_list(&value)),
            "COMB_CORS_ALLOWED_ORIGINS" => o.cors_allowed_origins = Some(comma_list(&value)),
            "COMB_WITHDRAWAL_ADDRESSES_WHITELIST" => {
                o.withdrawal_addresses_whitelist = Some(
                    comma_list(&value)
                        .iter()
                        .map(|address| parse(&key, address))
                        .collect::<Result<_, _>>()?,
                );
            }
            "COMB_RESERVE_CAPACITY" => o.reserve_capacity = Some(parse(&key, &value)?),
            "COMB_CACHE_CAPACITY" => o.cache_capacity = Some(parse(&key, &value)?),
            "COMB_PRIVATE_KEY" => o.private_key = Some(value),
            "COMB_BATCH_BLOCK_THRESHOLD" => o.batch_block_threshold = Some(parse(&key, &value)?),
            "COMB_REDISTRIBUTION_PAUSED" => o.redistribution_paused = Some(parse(&key, &value)?),
            _ => {}
        }
    }
    Ok(o)
}

/// The non-empty, trimmed items of a comma-separated list.
fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        let dir = std::env::temp_dir().join(format!("comb-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("comb.json");
        std::fs::write(
            &file,
            r#"{"data-dir": "/from/file", "chain-rpc": "http://file", "reserve-capacity": 7}"#,
        )
        .unwrap();
        let env = vec![
            ("COMB_CHAIN_RPC".to_string(), "http://env".to_string()),
            (
                "COMB_BOOTNODES".to_string(),
                "/ip4/127.0.0.1/tcp/1, /ip4/127.0.0.1/tcp/2".to_string(),
            ),
            ("COMB_RESERVE_CAPACITY".to_string(), "9".to_string()),
            (
                "COMB_NAT_ADDR".to_string(),
                "203.0.113.9:1634,/ip4/198.51.100.1/tcp/1634".to_string(),
            ),
        ];
        let flags = ConfigOverrides {
            reserve_capacity: Some(11),
            ..ConfigOverrides::default()
        };
        let config = NodeConfig::load(Some(&file), env, flags).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/from/file"));
        assert_eq!(config.chain_rpc, "http://env");
        assert_eq!(config.bootnodes.len(), 2);
        assert_eq!(
            config.nat_addr,
            vec!["203.0.113.9:1634", "/ip4/198.51.100.1/tcp/1634"]
        );
        assert_eq!(config.reserve_capacity, 11);
        assert_eq!(config.api_addr, NodeConfig::default().api_addr);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn withdrawal_addresses_come_from_the_environment_and_bad_ones_are_named() {
        let env = vec![(
            "COMB_WITHDRAWAL_ADDRESSES_WHITELIST".to_string(),
            "0x1111111111111111111111111111111111111111, 0x2222222222222222222222222222222222222222"
                .to_string(),
        )];
        let config = NodeConfig::load(None, env, ConfigOverrides::default()).unwrap();
        assert_eq!(
            config.withdrawal_addresses_whitelist,
            vec![
                comb_primitives::Address::repeat_byte(0x11),
                comb_primitives::Address::repeat_byte(0x22)
            ]
        );
        let env = vec![(
            "COMB_WITHDRAWAL_ADDRESSES_WHITELIST".to_string(),
            "0x11".to_string(),
        )];
        let error = NodeConfig::load(None, env, ConfigOverrides::default()).unwrap_err();
        assert!(error
            .to_string()
            .contains("COMB_WITHDRAWAL_ADDRESSES_WHITELIST"));
    }

    #[test]
    fn bad_values_are_named() {
        let env = vec![("COMB_API_ADDR".to_string(), "nowhere".to_string())];
        let error = NodeConfig::load(None, env, ConfigOverrides::default()).unwrap_err();
        assert!(error.to_string().contains("COMB_API_ADDR"));
    }
}
