//! Signed transactions: what a caller may ask the ledger to do, with replay protection by
//! chain id and per-account nonce.
//!
//! The signature covers `keccak256` of the transaction's canonical JSON (serde field order,
//! no whitespace), signed as is (no EIP-191 prefix); the sender is recovered from it.

use comb_primitives::crypto::recover_prehash;
use comb_primitives::keccak::keccak256;
use comb_primitives::{Address, Signature, Signer, B256, U256};
use comb_sampling::{ClaimProof, PostageProof};
use serde::{Deserialize, Serialize};

use crate::challenge::SegmentProof;
use crate::governance::ProposalAction;
use crate::ChainError;

/// A contract call. Variant and field names follow the contracts' functions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "call",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Call {
    /// BZZ `transfer(to, amount)`; also how a chequebook is funded.
    Transfer {
        /// Recipient.
        to: Address,
        /// PLUR.
        amount: U256,
    },
    /// PostageStamp `createBatch`.
    CreateBatch {
        /// Stamp signer.
        owner: Address,
        /// PLUR per chunk.
        initial_balance_per_chunk: U256,
        /// Depth.
        depth: u8,
        /// Bucket depth.
        bucket_depth: u8,
        /// Nonce for the batch id.
        nonce: B256,
        /// Immutable flag.
        immutable: bool,
    },
    /// PostageStamp `topUp`.
    TopUp {
        /// Batch id.
        batch_id: B256,
        /// PLUR per chunk.
        topup_per_chunk: U256,
    },
    /// PostageStamp `increaseDepth`.
    IncreaseDepth {
        /// Batch id.
        batch_id: B256,
        /// New depth.
        new_depth: u8,
    },
    /// PostageStamp `expireLimited`.
    ExpireLimited {
        /// Most batches to remove.
        limit: u64,
    },
    /// StakeRegistry `manageStake`.
    ManageStake {
        /// Overlay nonce.
        nonce: B256,
        /// PLUR to add.
        amount: U256,
        /// Height (reserve doublings).
        height: u8,
    },
    /// StakeRegistry `withdrawFromStake`.
    WithdrawFromStake,
    /// Redistribution `commit`.
    Commit {
        /// `wrapCommit(overlay, depth, hash, nonce)`.
        obfuscated_hash: B256,
        /// The current round.
        round: u64,
    },
    /// Redistribution `reveal`.
    Reveal {
        /// Committed depth.
        depth: u8,
        /// Reserve commitment.
        hash: B256,
        /// The nonce used in the commit.
        reveal_nonce: B256,
    },
    /// Redistribution `claim(proof1, proof2, proofLast)`.
    Claim {
        /// The three witness proofs.
        proofs: Box<[ClaimProof; 3]>,
    },
    /// Chequebook factory `deploySimpleSwap(issuer, 0, salt)`.
    DeployChequebook {
        /// Cheque signer.
        issuer: Address,
        /// Salt for the address.
        salt: B256,
    },
    /// Chequebook `cashChequeBeneficiary(recipient, cumulativePayout, issuerSig)`.
    CashCheque {
        /// Chequebook.
        chequebook: Address,
        /// Who receives the payout.
        recipient: Address,
        /// The cheque's cumulative payout.
        cumulative_payout: U256,
        /// The issuer's EIP-712 signature.
        signature: Signature,
    },
    /// Chequebook `withdraw(amount)`.
    WithdrawChequebook {
        /// Chequebook.
        chequebook: Address,
        /// PLUR.
        amount: U256,
    },
    /// Open an availability challenge (`staking-architecture.md` § Availability challenge).
    OpenChallenge {
        /// The provider (stake owner).
        provider: Address,
        /// The chunk it must prove.
        chunk_address: B256,
        /// The challenger's stamp of the chunk.
        stamp: PostageProof,
    },
    /// Answer an availability challenge with an inclusion proof of the drawn segment.
    AnswerChallenge {
        /// Challenge id.
        id: u64,
        /// The proof.
        proof: Box<SegmentProof>,
    },
    /// Settle an unanswered challenge after its window (anyone).
    SettleChallenge {
        /// Challenge id.
        id: u64,
    },
    /// Add to the sender's user stake (`staking-architecture.md` § User staking).
    StakeUser {
        /// PLUR to add.
        amount: U256,
        /// Lock length from now in blocks (the lock end only moves later).
        lock_blocks: u64,
    },
    /// Start unbonding the sender's user stake after its lock end.
    UnbondUser,
    /// Withdraw the sender's user stake after the unbonding period.
    WithdrawUser,
    /// Claim the sender's share of the user-reward pool.
    ClaimUserRewards,
    /// Make a governance proposal (`staking-architecture.md` § Governance).
    Propose {
        /// What it does.
        action: ProposalAction,
    },
    /// Vote on a proposal.
    Vote {
        /// Proposal id.
        id: u64,
        /// For (true) or against.
        support: bool,
    },
    /// Execute (finalise) a proposal after voting and the timelock (anyone).
    Execute {
        /// Proposal id.
        id: u64,
    },
}

/// An unsigned transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// The chain it is meant for.
    pub chain_id: u64,
    /// The sender's nonce: equal to the number of its earlier successful transactions.
    pub nonce: u64,
    /// What to do.
    pub call: Call,
}

impl Transaction {
    /// The hash the sender signs: keccak256 of the canonical JSON.
    pub fn signing_hash(&self) -> Result<B256, ChainError> {
        let json =
            serde_json::to_vec(self).map_err(|e| ChainError::InvalidSignature(e.to_string()))?;
        Ok(B256::from(keccak256(json)))
    }

    /// Signs the transaction.
    pub fn sign(self, signer: &Signer) -> Result<SignedTransaction, ChainError> {
        let hash = self.signing_hash()?;
        let signature = signer
            .sign_prehash(&hash.0)
            .map_err(|e| ChainError::InvalidSignature(e.to_string()))?;
        Ok(SignedTransaction {
            transaction: self,
            signature,
        })
    }
}

/// A transaction with its sender's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedTransaction {
    /// The transaction.
    pub transaction: Transaction,
    /// Signature over [`Transaction::signing_hash`].
    pub signature: Signature,
}

impl SignedTransaction {
    /// The sender, recovered from the signature.
    pub fn sender(&self) -> Result<Address, ChainError> {
        let hash = self.transaction.signing_hash()?;
        recover_prehash(&hash.0, &self.signature)
            .map_err(|e| ChainError::InvalidSignature(e.to_string()))
    }

    /// The transaction hash: keccak256 of the signed transaction's canonical JSON.
    pub fn hash(&self) -> Result<B256, ChainError> {
        let json =
            serde_json::to_vec(self).map_err(|e| ChainError::InvalidSignature(e.to_string()))?;
        Ok(B256::from(keccak256(json)))
    }
}
