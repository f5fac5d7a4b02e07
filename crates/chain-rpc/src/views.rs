//! Read-only views of the ledger, in the shapes of [`crate::types`].
//!
//! Every view evaluates the state **including the pending block's transactions, at the
//! pending block's number** — what Ethereum nodes answer for the `"pending"` block tag. A
//! transaction whose receipt was returned is therefore visible at once, and time-dependent
//! values (`currentTotalOutPayment`, the round and phase, freezes) are those a transaction
//! submitted now would see.

use comb_chain::postage::BatchRecord;
use comb_chain::redistribution::{Commit, Reveal};
use comb_chain::round::{phase_of, round_of};
use comb_chain::{ChainError, Ledger};
use comb_primitives::{Address, B256, U256};

use crate::types::{
    BatchInfo, ChequebookInfo, CommitInfo, PostageInfo, PriceInfo, RedistributionInfo, RevealInfo,
    StakeInfo, StakeRecordInfo,
};

/// The account's next nonce.
pub fn nonce(ledger: &Ledger, account: &Address) -> u64 {
    ledger.state().nonce(account)
}

/// The account's BZZ balance in PLUR.
pub fn balance(ledger: &Ledger, account: &Address) -> U256 {
    ledger.state().token.balance_of(account)
}

fn batch_info(ledger: &Ledger, id: &B256, record: &BatchRecord) -> Result<BatchInfo, ChainError> {
    let postage = &ledger.state().postage;
    let block = ledger.pending_number();
    let paid = postage.current_total_out_payment(block)?;
    Ok(BatchInfo {
        batch_id: *id,
        owner: record.owner,
        depth: record.depth,
        bucket_depth: record.bucket_depth,
        immutable: record.immutable,
        normalised_balance: record.normalised_balance,
        last_updated_block: record.last_updated_block,
        remaining_balance: record.normalised_balance.saturating_sub(paid),
        expired: record.normalised_balance <= paid,
    })
}

/// The batch `id`, if it exists.
pub fn batch(ledger: &Ledger, id: &B256) -> Result<Option<BatchInfo>, ChainError> {
    ledger
        .state()
        .postage
        .batch(id)
        .map(|record| batch_info(ledger, id, record))
        .transpose()
}

/// Every batch, by id.
pub fn batches(ledger: &Ledger) -> Result<Vec<BatchInfo>, ChainError> {
    ledger
        .state()
        .postage
        .batches()
        .iter()
        .map(|(id, record)| batch_info(ledger, id, record))
        .collect()
}

/// The postage contract's figures.
pub fn postage(ledger: &Ledger) -> Result<PostageInfo, ChainError> {
    let state = ledger.state();
    let postage = &state.postage;
    let block = ledger.pending_number();
    let total_pot = postage.clone().total_pot(block, &state.token)?;
    Ok(PostageInfo {
        block_number: block,
        last_price: postage.last_price(),
        current_total_out_payment: postage.current_total_out_payment(block)?,
        pot: postage.pot(),
        total_pot,
        valid_chunk_count: postage.valid_chunk_count(),
        minimum_initial_balance_per_chunk: postage.minimum_initial_balance_per_chunk()?,
        minimum_bucket_depth: postage.params.minimum_bucket_depth,
        minimum_validity_blocks: postage.params.minimum_validity_blocks,
    })
}

/// The price oracle.
pub fn price(ledger: &Ledger) -> PriceInfo {
    let oracle = &ledger.state().oracle;
    PriceInfo {
        current_price: oracle.current_price(),
        upscaled: oracle.current_price_upscaled(),
        last_adjusted_round: oracle.last_adjusted_round(),
        paused: oracle.is_paused(),
    }
}

/// The stake of `owner`.
pub fn stake(ledger: &Ledger, owner: &Address) -> StakeInfo {
    let state = ledger.state();
    let price = state.oracle.current_price();
    let block = ledger.pending_number();
    let record = state.staking.stake(owner);
    StakeInfo {
        owner: *owner,
        record: record.map(|r| StakeRecordInfo {
            overlay: r.overlay,
            committed_stake: r.committed_stake,
            potential_stake: r.potential_stake,
            last_updated_block: r.last_updated_block,
            height: r.height,
        }),
        effective_stake: state.staking.node_effective_stake(owner, price, block),
        withdrawable_stake: state.staking.withdrawable_stake(owner, price),
        frozen: record.is_some_and(|r| r.last_updated_block != 0 && r.last_updated_block >= block),
    }
}

fn commit_info(commit: &Commit) -> CommitInfo {
    CommitInfo {
        overlay: commit.overlay,
        owner: commit.owner,
        revealed: commit.revealed,
        height: commit.height,
        stake: commit.stake,
        obfuscated_hash: commit.obfuscated_hash,
    }
}

fn reveal_info(reveal: &Reveal) -> RevealInfo {
    RevealInfo {
        overlay: reveal.overlay,
        owner: reveal.owner,
        depth: reveal.depth,
        stake: reveal.stake,
        stake_density: reveal.stake_density,
        hash: reveal.hash,
    }
}

/// The redistribution game.
pub fn redistribution(ledger: &Ledger) -> RedistributionInfo {
    let game = &ledger.state().redistribution;
    let block = ledger.pending_number();
    RedistributionInfo {
        block_number: block,
        round: round_of(block),
        phase: phase_of(block),
        current_round_anchor: game.current_round_anchor(block).ok(),
        seed: game.seed(),
        current_seed: game.current_seed(block),
        current_commit_round: game.current_commit_round(),
        current_reveal_round: game.current_reveal_round(),
        current_claim_round: game.current_claim_round(),
        commits: game.commits().iter().map(commit_info).collect(),
        reveals: game.reveals().iter().map(reveal_info).collect(),
        winner: game.winner().map(reveal_info),
        minimum_depth: game.current_minimum_depth(),
    }
}

/// `isParticipatingInUpcomingRound(owner, depth)`; the contract's error if it reverts.
pub fn is_participating(ledger: &Ledger, owner: &Address, depth: u8) -> Result<bool, ChainError> {
    let state = ledger.state();
    state.redistribution.is_participating_in_upcoming_round(
        ledger.pending_number(),
        &state.staking,
        owner,
        depth,
    )
}

/// `isWinner(overlay)`; the contract's error if it reverts.
pub fn is_winner(ledger: &Ledger, overlay: &B256) -> Result<bool, ChainError> {
    ledger
        .state()
        .redistribution
        .is_winner(ledger.pending_number(), overlay)
}

/// The chequebook at `address`, if the factory deployed one there.
pub fn chequebook(ledger: &Ledger, address: &Address) -> Option<ChequebookInfo> {
    let state = ledger.state();
    state.chequebooks.get(address).map(|record| ChequebookInfo {
        address: *address,
        issuer: record.issuer,
        paid_out: record.paid_out.clone(),
        total_paid_out: record.total_paid_out,
        bounced: record.bounced,
        balance: state.token.balance_of(address),
    })
}
