//! Stake registry vectors and rules (spec §3.2–§3.5).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use comb_chain::env::Env;
use comb_chain::staking::{StakeRegistry, MIN_STAKE};
use comb_chain::token::Token;
use comb_chain::ChainError;
use comb_primitives::overlay::overlay_address;
use comb_primitives::{Address, B256, U256};

fn setup() -> (StakeRegistry, Token, Address) {
    let owner = Address::repeat_byte(0xab);
    let token = Token::with_allocation(&BTreeMap::from([(
        owner,
        U256::from(MIN_STAKE) * U256::from(100u8),
    )]))
    .unwrap();
    (StakeRegistry::new(0), token, owner)
}

fn env(owner: Address, block: u64) -> Env {
    Env {
        block,
        timestamp: 0,
        prevrandao: B256::ZERO,
        sender: owner,
    }
}

#[test]
fn s3_3_committed_and_effective_stake_vector() {
    let (mut registry, mut token, owner) = setup();
    let mut events = Vec::new();
    registry
        .manage_stake(
            &env(owner, 10),
            &mut token,
            &mut events,
            24_000,
            B256::ZERO,
            U256::from(MIN_STAKE),
            0,
        )
        .unwrap();
    let stake = registry.stake(&owner).unwrap();
    assert_eq!(stake.committed_stake, U256::from(4_166_666_666_666u64));
    assert_eq!(
        registry.effective_stake(&owner, 24_000),
        U256::from(99_999_999_999_984_000u64)
    );
    // §3.5: stake density at depth 6, height 0.
    let density = registry.effective_stake(&owner, 24_000) * U256::from(1u64 << 6);
    assert_eq!(density, U256::from(6_399_999_999_998_976_000u64));
    // The overlay is derived as in §1.8 with the registry's network id.
    assert_eq!(stake.overlay, overlay_address(&owner, 0, &B256::ZERO));
    assert_eq!(stake.last_updated_block, 10);
    // Frozen in the same block (lastUpdated ≥ block.number), not after it.
    assert_eq!(
        registry.manage_stake(
            &env(owner, 10),
            &mut token,
            &mut events,
            24_000,
            B256::ZERO,
            U256::ZERO,
            0
        ),
        Err(ChainError::Frozen)
    );
    // Effective stake is zero in the block of the update and while frozen.
    assert_eq!(
        registry.node_effective_stake(&owner, 24_000, 10),
        U256::ZERO
    );
    assert_eq!(
        registry.node_effective_stake(&owner, 24_000, 11),
        U256::from(99_999_999_999_984_000u64)
    );
}

#[test]
fn first_stake_minimum_scales_with_height() {
    let (mut registry, mut token, owner) = setup();
    let mut events = Vec::new();
    assert_eq!(
        registry.manage_stake(
            &env(owner, 1),
            &mut token,
            &mut events,
            24_000,
            B256::ZERO,
            U256::from(MIN_STAKE - 1),
            0
        ),
        Err(ChainError::BelowMinimumStake)
    );
    assert_eq!(
        registry.manage_stake(
            &env(owner, 1),
            &mut token,
            &mut events,
            24_000,
            B256::ZERO,
            U256::from(MIN_STAKE),
            1
        ),
        Err(ChainError::BelowMinimumStake)
    );
    registry
        .manage_stake(
            &env(owner, 1),
            &mut token,
            &mut events,
            24_000,
            B256::ZERO,
            U256::from(2 * MIN_STAKE),
            1,
        )
        .unwrap();
    let stake = registry.stake(&owner).unwrap();
    assert_eq!(stake.height, 1);
    // committed = potential / (price × 2^height)
    assert_eq!(
        stake.committed_stake,
        U256::from(2 * MIN_STAKE) / U256::from(48_000u64)
    );
}

#[test]
fn a_deposit_at_a_higher_price_cannot_lower_the_commitment_and_a_price_drop_frees_surplus() {
    let (mut registry, mut token, owner) = setup();
    let mut events = Vec::new();
    registry
        .manage_stake(
            &env(owner, 1),
            &mut token,
            &mut events,
            24_000,
            B256::ZERO,
            U256::from(MIN_STAKE),
            0,
        )
        .unwrap();
    // At a much higher price a small top-up gives fewer price units than before.
    assert_eq!(
        registry.manage_stake(
            &env(owner, 2),
            &mut token,
            &mut events,
            48_000,
            B256::ZERO,
            U256::from(1u8),
            0
        ),
        Err(ChainError::DecreasedCommitment)
    );
    // At a lower price the committed stake is worth less than the deposit: surplus.
    let surplus = registry.withdrawable_stake(&owner, 12_000);
    assert_eq!(
        surplus,
        U256::from(MIN_STAKE) - U256::from(4_166_666_666_666u64) * U256::from(12_000u64)
    );
    let before = token.balance_of(&owner);
    let paid = registry
        .withdraw_from_stake(&env(owner, 3), &mut token, &mut events, 12_000)
        .unwrap();
    assert_eq!(paid, surplus);
    assert_eq!(token.balance_of(&owner), before + surplus);
    assert_eq!(registry.withdrawable_stake(&owner, 12_000), U256::ZERO);
}

#[test]
fn freeze_and_slash() {
    let (mut registry, mut token, owner) = setup();
    let mut events = Vec::new();
    registry
        .manage_stake(
            &env(owner, 1),
            &mut token,
            &mut events,
            24_000,
            B256::ZERO,
            U256::from(MIN_STAKE),
            0,
        )
        .unwrap();
    registry.freeze(100, &mut events, &owner, 152);
    assert_eq!(registry.stake(&owner).unwrap().last_updated_block, 252);
    assert_eq!(
        registry.node_effective_stake(&owner, 24_000, 252),
        U256::ZERO
    );
    assert!(registry.node_effective_stake(&owner, 24_000, 253) > U256::ZERO);
    assert_eq!(
        registry.manage_stake(
            &env(owner, 200),
            &mut token,
            &mut events,
            24_000,
            B256::ZERO,
            U256::ZERO,
            0
        ),
        Err(ChainError::Frozen)
    );
    // Freezing an unknown owner does nothing.
    registry.freeze(100, &mut events, &Address::ZERO, 152);
    assert!(registry.stake(&Address::ZERO).is_none());
    // A partial slash keeps the stake; a slash of everything deletes it.
    assert_eq!(
        registry.slash(300, &mut events, &owner, U256::from(1u8)),
        U256::from(1u8)
    );
    assert_eq!(
        registry.stake(&owner).unwrap().potential_stake,
        U256::from(MIN_STAKE - 1)
    );
    assert_eq!(
        registry.slash(300, &mut events, &owner, U256::MAX),
        U256::from(MIN_STAKE - 1)
    );
    assert!(registry.stake(&owner).is_none());
}
