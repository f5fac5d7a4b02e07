//! The genesis of an EVM dev chain: chain id, block parameters, the randomness seed and the
//! accounts that exist at block 0.

use std::collections::BTreeMap;

use alloy_primitives::{Address, Bytes, B256, U256};
use comb_primitives::{keccak256, Signer};
use serde::{Deserialize, Serialize};

use crate::EvmError;

/// The dev chain's chain id, the same as comb's own dev chain.
pub const DEV_CHAIN_ID: u64 = 1337;
/// Number of funded dev accounts.
pub const DEV_ACCOUNTS: usize = 10;
/// Native balance of each dev account: 10,000 ether, as anvil's.
pub const DEV_BALANCE_WEI: u128 = 10_000 * 1_000_000_000_000_000_000;
/// The block gas limit: 30,000,000, as anvil's.
pub const DEFAULT_GAS_LIMIT: u64 = 30_000_000;
/// The base fee of block 0: 1 gwei, as anvil's.
pub const DEFAULT_BASE_FEE: u64 = 1_000_000_000;
/// Where the dev genesis places its BZZ token: mainnet BZZ's address, as comb's own dev
/// chain uses the mainnet addresses.
pub const DEV_BZZ_ADDRESS: Address =
    alloy_primitives::address!("dBF3Ea6F5beE45c02255B2c26a16F300502F68da");
/// BZZ each dev account starts with: 1,000,000 BZZ of 10^16 PLUR, as on comb's own dev chain.
pub const DEV_BZZ_PLUR: u128 = 1_000_000 * 10_000_000_000_000_000;
/// The dev BZZ token's compiled artifact (`contracts/src/DevBzz.sol`), built by the pinned
/// solc and committed, so that `cargo build` needs no Node.
const DEV_BZZ_ARTIFACT: &str = include_str!("../../../contracts/out/DevBzz.json");

/// The storage slot of `balanceOf[holder]` in the dev tokens (`contracts/src/Erc20.sol`:
/// the mapping at slot 1, so `keccak256(abi.encode(holder, 1))`).
pub fn erc20_balance_slot(holder: Address) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(holder.as_slice());
    preimage[63] = 1;
    U256::from_be_bytes(keccak256(preimage))
}

/// The dev BZZ token at genesis: its runtime code and the balances of `holders`.
pub fn dev_bzz(holders: &[Address], each: U256) -> Result<GenesisAccount, EvmError> {
    let artifact: serde_json::Value = serde_json::from_str(DEV_BZZ_ARTIFACT)
        .map_err(|e| EvmError::Genesis(format!("the DevBzz artifact: {e}")))?;
    let code = artifact["deployedBytecode"]
        .as_str()
        .and_then(|hex| alloy_primitives::hex::decode(hex).ok())
        .filter(|code| !code.is_empty())
        .ok_or_else(|| EvmError::Genesis("the DevBzz artifact has no deployedBytecode".into()))?;
    let mut storage = BTreeMap::new();
    let count = U256::from(holders.len());
    storage.insert(U256::ZERO, each.saturating_mul(count));
    for holder in holders {
        storage.insert(erc20_balance_slot(*holder), each);
    }
    Ok(GenesisAccount {
        code: Some(Bytes::from(code)),
        storage,
        ..GenesisAccount::default()
    })
}

/// An account at genesis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisAccount {
    /// Balance in wei.
    #[serde(default)]
    pub balance: U256,
    /// Nonce.
    #[serde(default)]
    pub nonce: u64,
    /// Runtime code, for a contract present from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Bytes>,
    /// Storage slots of that contract.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub storage: BTreeMap<U256, U256>,
}

/// The genesis of a chain. Every field has the dev chain's default, so `{}` is a valid
/// genesis file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Genesis {
    /// EIP-155 chain id; `net_version` answers the same number.
    pub chain_id: u64,
    /// Timestamp of block 0 (seconds).
    pub timestamp: u64,
    /// Gas limit of every block.
    pub gas_limit: u64,
    /// Base fee of block 0 in wei; later blocks follow EIP-1559.
    pub base_fee: u64,
    /// Seed of every block's `prevrandao`: `keccak256(seed ‖ parentHash ‖ u64be(number))`,
    /// as comb's own chain draws it (the redistribution game reads it).
    pub randomness_seed: B256,
    /// The fee recipient of every block (`miner`, `COINBASE`).
    pub coinbase: Address,
    /// Accounts at block 0.
    pub alloc: BTreeMap<Address, GenesisAccount>,
}

impl Default for Genesis {
    fn default() -> Self {
        Self {
            chain_id: DEV_CHAIN_ID,
            timestamp: 0,
            gas_limit: DEFAULT_GAS_LIMIT,
            base_fee: DEFAULT_BASE_FEE,
            randomness_seed: B256::ZERO,
            coinbase: Address::ZERO,
            alloc: BTreeMap::new(),
        }
    }
}

/// The key of dev account `index`: `keccak256("comb dev account {index}")`, the same keys
/// as comb's own dev chain (`comb_chain_rpc::dev`). Everyone knows them: local use only.
pub fn dev_key(index: usize) -> [u8; 32] {
    keccak256(format!("comb dev account {index}").as_bytes())
}

/// The signer of dev account `index`.
pub fn dev_signer(index: usize) -> Result<Signer, EvmError> {
    Signer::from_bytes(&dev_key(index))
        .map_err(|e| EvmError::Genesis(format!("dev key {index}: {e}")))
}

impl Genesis {
    /// The dev genesis: chain 1337, the ten dev accounts with 10,000 ether each and
    /// 1,000,000 BZZ each in the dev BZZ token at [`DEV_BZZ_ADDRESS`], block 0 at
    /// `timestamp`.
    pub fn dev(timestamp: u64) -> Result<Self, EvmError> {
        let mut alloc = BTreeMap::new();
        let mut holders = Vec::new();
        for index in 0..DEV_ACCOUNTS {
            let address = dev_signer(index)?.address();
            holders.push(address);
            alloc.insert(
                address,
                GenesisAccount {
                    balance: U256::from(DEV_BALANCE_WEI),
                    ..GenesisAccount::default()
                },
            );
        }
        alloc.insert(
            DEV_BZZ_ADDRESS,
            dev_bzz(&holders, U256::from(DEV_BZZ_PLUR))?,
        );
        Ok(Self {
            timestamp,
            alloc,
            ..Self::default()
        })
    }

    /// Checks what execution relies on.
    pub fn validate(&self) -> Result<(), EvmError> {
        if self.gas_limit < 21_000 {
            return Err(EvmError::Genesis(format!(
                "gasLimit {} is below the 21,000 of a plain transfer",
                self.gas_limit
            )));
        }
        if self.chain_id == 0 {
            return Err(EvmError::Genesis("chainId must not be 0".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_genesis_file_is_the_dev_chain_without_accounts() {
        let genesis: Genesis = serde_json::from_str("{}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(genesis, Genesis::default());
        assert_eq!(genesis.chain_id, 1337);
        assert!(serde_json::from_str::<Genesis>(r#"{"chainID": 5}"#).is_err());
    }

    #[test]
    fn dev_accounts_are_comb_dev_chain_accounts() {
        let genesis = Genesis::dev(7).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            genesis.alloc.len(),
            DEV_ACCOUNTS + 1,
            "the accounts and the BZZ token"
        );
        // Dev account 0's address, as comb's own dev chain prints it.
        let zero = dev_signer(0).unwrap_or_else(|e| panic!("{e}")).address();
        assert_eq!(
            Signer::from_bytes(&keccak256(b"comb dev account 0"))
                .unwrap_or_else(|e| panic!("{e}"))
                .address(),
            zero
        );
        assert_eq!(genesis.alloc[&zero].balance, U256::from(DEV_BALANCE_WEI));
    }

    #[test]
    fn the_balance_slot_is_solidity_s_mapping_slot() {
        // keccak256(abi.encode(address(0x…01), uint256(1))), the preimage written out.
        let holder = Address::with_last_byte(1);
        let mut preimage = vec![0u8; 31];
        preimage.push(1);
        preimage.extend(vec![0u8; 31]);
        preimage.push(1);
        assert_eq!(
            erc20_balance_slot(holder),
            U256::from_be_bytes(keccak256(&preimage))
        );
    }
}
