//! The dev genesis: ten deterministic, funded dev accounts on chain 1337.
//!
//! Account `i` (0–9) has the private key `keccak256("comb dev account " + i)` (the index in
//! decimal, e.g. `"comb dev account 0"`) and 1,000,000 BZZ. Everyone knows these keys: they
//! are for local development only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use comb_chain::token::PLUR_PER_BZZ;
use comb_chain::GenesisConfig;
use comb_primitives::{keccak256, Address, Signer, U256};

use crate::RpcError;

/// Number of dev accounts.
pub const DEV_ACCOUNTS: usize = 10;
/// BZZ each dev account starts with.
pub const DEV_BALANCE_BZZ: u64 = 1_000_000;
/// The dev chain's chain id and network id.
pub const DEV_CHAIN_ID: u64 = 1337;

/// One dev account.
#[derive(Debug, Clone)]
pub struct DevAccount {
    /// Its index, 0–9.
    pub index: usize,
    /// Its key.
    pub signer: Signer,
    /// Its address.
    pub address: Address,
}

/// The private key of dev account `index`: `keccak256("comb dev account {index}")`.
pub fn dev_key(index: usize) -> [u8; 32] {
    keccak256(format!("comb dev account {index}").as_bytes())
}

/// Dev account `index` (any index works; the dev genesis funds 0–9).
pub fn dev_account(index: usize) -> Result<DevAccount, RpcError> {
    let signer = Signer::from_bytes(&dev_key(index))
        .map_err(|e| RpcError::InvalidKey(format!("dev key {index}: {e}")))?;
    Ok(DevAccount {
        index,
        address: signer.address(),
        signer,
    })
}

/// The ten dev accounts.
pub fn dev_accounts() -> Result<Vec<DevAccount>, RpcError> {
    (0..DEV_ACCOUNTS).map(dev_account).collect()
}

/// PLUR each dev account starts with: 1,000,000 BZZ × 10^16.
pub fn dev_balance() -> U256 {
    U256::from(DEV_BALANCE_BZZ).saturating_mul(U256::from(PLUR_PER_BZZ))
}

/// The dev genesis: chain id and network id 1337, the dev accounts funded, every other
/// parameter at its default (timestamp 0; `comb chain` sets it to the wall clock when it
/// creates a chain).
pub fn dev_genesis() -> Result<GenesisConfig, RpcError> {
    let allocations: BTreeMap<Address, U256> = dev_accounts()?
        .into_iter()
        .map(|account| (account.address, dev_balance()))
        .collect();
    Ok(GenesisConfig {
        chain_id: DEV_CHAIN_ID,
        network_id: DEV_CHAIN_ID,
        allocations,
        ..GenesisConfig::default()
    })
}

/// Whether `config` funds exactly the dev accounts as the dev genesis does (whatever its
/// timestamp), i.e. whether the dev keys are the keys of its funded accounts.
pub fn is_dev_genesis(config: &GenesisConfig) -> bool {
    dev_genesis().is_ok_and(|dev| dev.allocations == config.allocations)
}

/// The dev accounts as a table: index, address, private key (hex), for `comb chain`.
pub fn format_dev_accounts() -> Result<String, RpcError> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Dev accounts ({DEV_BALANCE_BZZ} BZZ each; the keys are public, use them only locally):"
    );
    for account in dev_accounts()? {
        let _ = writeln!(
            out,
            "  ({}) {} 0x{}",
            account.index,
            account.address,
            hex::encode(account.signer.secret_bytes())
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_accounts_are_derived_from_their_index_and_funded() {
        let accounts = dev_accounts().unwrap();
        assert_eq!(accounts.len(), 10);
        let key = keccak256(b"comb dev account 3");
        assert_eq!(accounts[3].signer.secret_bytes(), key);
        assert_eq!(
            accounts[3].address,
            Signer::from_bytes(&key).unwrap().address()
        );
        let genesis = dev_genesis().unwrap();
        assert_eq!((genesis.chain_id, genesis.network_id), (1337, 1337));
        assert_eq!(genesis.allocations.len(), 10);
        let balance = U256::from(10u8).pow(U256::from(22u8));
        assert_eq!(dev_balance(), balance);
        assert!(accounts
            .iter()
            .all(|a| genesis.allocations.get(&a.address) == Some(&balance)));
        assert!(is_dev_genesis(&genesis));
        assert!(!is_dev_genesis(&GenesisConfig::default()));
        let printed = format_dev_accounts().unwrap();
        assert_eq!(printed.lines().count(), 11);
        assert!(printed.contains(&hex::encode(key)));
    }
}
