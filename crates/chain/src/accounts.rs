//! Addresses of the dev chain's contracts. They are the mainnet deployment's addresses
//! (spec §0), so logs and tools read the same; on the dev chain they are plain token accounts
//! that the ledger's modules debit and credit.

use comb_primitives::{address, Address};

/// The BZZ token.
pub const TOKEN: Address = address!("dBF3Ea6F5beE45c02255B2c26a16F300502F68da");
/// PostageStamp: holds batch payments and the pot.
pub const POSTAGE_STAMP: Address = address!("45a1502382541Cd610CC9068e88727426b696293");
/// PriceOracle.
pub const PRICE_ORACLE: Address = address!("47EeF336e7fE5bED98499A4696bce8f28c1B0a8b");
/// StakeRegistry: holds deposited stake.
pub const STAKE_REGISTRY: Address = address!("da2a16EE889E7F04980A8d597b48c8D51B9518F4");
/// Redistribution.
pub const REDISTRIBUTION: Address = address!("5069cdfB3D9E56d23B1cAeE83CE6109A7E4fd62d");

// ---- comb-only accounts of the staking architecture (no mainnet counterpart) ----

/// The compensation pool (`staking-architecture.md` § Penalty ladder): receives the
/// remainder of slashed stake and pays postage discounts.
pub const COMPENSATION_POOL: Address = address!("c0b0000000000000000000000000000000000001");
/// The user-reward pool (`staking-architecture.md` § User staking): a share of every
/// claimed pot, owed to user stakers by governance weight.
pub const USER_REWARD_POOL: Address = address!("c0b0000000000000000000000000000000000002");
/// User staking: holds the user stakes (`staking-architecture.md` § User staking).
pub const USER_STAKING: Address = address!("c0b0000000000000000000000000000000000003");
/// Availability challenges: holds the challengers' bonds (§ Availability challenge).
pub const CHALLENGES: Address = address!("c0b0000000000000000000000000000000000004");
/// Governance: holds proposal deposits (`staking-architecture.md` § Governance).
pub const GOVERNANCE: Address = address!("c0b0000000000000000000000000000000000005");
