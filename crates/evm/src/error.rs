//! The one error type of the crate, with the JSON-RPC code each error is answered with.
//!
//! Codes follow anvil's (the conformance suite checks each against anvil 1.7.1), messages
//! geth's wording, because Ethereum tools (Bee's go-ethereum client among them) match on
//! them: `-32003` for a transaction the pool rejects, `-32000` for the gas-limit refusals,
//! `3` with the revert data in `data` for a reverted call, `-32602` for bad parameters and
//! undecodable transactions, `-32601` for an unknown method.

use alloy_primitives::{Bytes, U256};
use thiserror::Error;

/// JSON-RPC: the request is not valid JSON-RPC.
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC: no such method.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// JSON-RPC: the parameters do not fit the method.
pub const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC: the body is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// geth's code for a transaction or request the node refuses.
pub const SERVER_ERROR: i64 = -32000;
/// anvil's code for a transaction the pool refuses (EIP-1474 "transaction rejected"); geth
/// answers these with `-32000`.
pub const TRANSACTION_REJECTED: i64 = -32003;
/// geth's code for a call that reverted; the revert data is the error's `data`.
pub const EXECUTION_REVERTED: i64 = 3;

/// Everything the dev chain refuses or fails at.
#[derive(Debug, Error)]
pub enum EvmError {
    /// The raw transaction is not a valid EIP-2718 envelope.
    #[error("failed to decode signed transaction: {0}")]
    Decode(String),
    /// EIP-4844 blob transactions: the dev chain keeps no blobs.
    #[error("blob transactions are not supported by this chain")]
    BlobsUnsupported,
    /// The transaction is signed for another chain.
    #[error("invalid chain id for signer: have {got}, want {want}")]
    WrongChainId {
        /// The chain id it was signed for.
        got: u64,
        /// This chain's.
        want: u64,
    },
    /// A legacy transaction without EIP-155 replay protection.
    #[error("only replay-protected (EIP-155) transactions allowed over RPC")]
    Unprotected,
    /// The signature does not recover to a key.
    #[error("invalid transaction signature: {0}")]
    InvalidSignature(String),
    /// The sender's nonce is past the transaction's.
    #[error("nonce too low: next nonce {state}, tx nonce {tx}")]
    NonceTooLow {
        /// The transaction's nonce.
        tx: u64,
        /// The sender's next nonce.
        state: u64,
    },
    /// The raw transaction is larger than the pool takes.
    #[error("oversized data: transaction size {size}, limit {limit}")]
    Oversized {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A contract creation whose initcode exceeds EIP-3860's limit.
    #[error("max initcode size exceeded: code size {0}, limit 49152")]
    InitcodeTooLarge(usize),
    /// EIP-3607: the sender has deployed code.
    #[error("sender not an eoa")]
    SenderNotEoa,
    /// The pool holds as many transactions as it takes (in all or from this sender).
    #[error("txpool is full")]
    PoolFull,
    /// The same transaction is already pending or mined.
    #[error("already known")]
    AlreadyKnown,
    /// The sender cannot pay `gas × maxFeePerGas + value`.
    #[error("insufficient funds for gas * price + value: have {have} want {want}")]
    InsufficientFunds {
        /// The sender's balance.
        have: U256,
        /// What the transaction may cost.
        want: U256,
    },
    /// The gas limit does not cover the intrinsic gas.
    #[error("intrinsic gas too low: gas {gas}, minimum needed {needed}")]
    IntrinsicGasTooLow {
        /// The transaction's gas limit.
        gas: u64,
        /// Its intrinsic gas (EIP-7623 floor included).
        needed: u64,
    },
    /// The gas limit exceeds the block's.
    #[error("exceeds block gas limit: gas {gas}, block gas limit {limit}")]
    GasLimitExceeded {
        /// The transaction's gas limit.
        gas: u64,
        /// The block gas limit.
        limit: u64,
    },
    /// `maxFeePerGas` is below the next block's base fee.
    #[error(
        "max fee per gas less than block base fee: maxFeePerGas {fee_cap}, baseFee {base_fee}"
    )]
    FeeCapTooLow {
        /// The transaction's fee cap.
        fee_cap: u128,
        /// The next block's base fee.
        base_fee: u64,
    },
    /// `maxPriorityFeePerGas` exceeds `maxFeePerGas`.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    /// A transaction with the same sender and nonce is pending and this one does not pay
    /// at least 10% more in fee cap and tip.
    #[error("replacement transaction underpriced")]
    ReplacementUnderpriced,
    /// The call reverted with this data.
    #[error("execution reverted{}", revert_reason(.0).map(|r| format!(": {r}")).unwrap_or_default())]
    Reverted(Bytes),
    /// The call halted (out of gas, invalid opcode, …).
    #[error("{0}")]
    Halted(String),
    /// The EVM refused to run the call (e.g. the sender cannot pay the value).
    #[error("{0}")]
    InvalidCall(String),
    /// A block asked for by number or hash that the chain does not have.
    #[error("header not found")]
    BlockNotFound,
    /// The parameters do not fit the method.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// No such method.
    #[error("the method {0} does not exist/is not available")]
    MethodNotFound(String),
    /// The store's contents do not make a chain (a gap, a wrong root); it is not opened.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// An earlier storage failure stopped the node; it accepts no more writes.
    #[error("the chain has stopped after a storage failure: {0}")]
    Stopped(String),
    /// The genesis given differs from the one the store was created with.
    #[error("the genesis given differs from the one the store was created with")]
    GenesisMismatch,
    /// The genesis is not usable.
    #[error("invalid genesis: {0}")]
    Genesis(String),
}

impl EvmError {
    /// The JSON-RPC error code of this error.
    pub fn code(&self) -> i64 {
        match self {
            EvmError::Reverted(_) => EXECUTION_REVERTED,
            EvmError::Decode(_) => INVALID_PARAMS,
            EvmError::WrongChainId { .. }
            | EvmError::NonceTooLow { .. }
            | EvmError::InsufficientFunds { .. }
            | EvmError::FeeCapTooLow { .. }
            | EvmError::TipAboveFeeCap
            | EvmError::AlreadyKnown
            | EvmError::ReplacementUnderpriced
            | EvmError::BlobsUnsupported
            | EvmError::Oversized { .. }
            | EvmError::InitcodeTooLarge(_)
            | EvmError::SenderNotEoa
            | EvmError::PoolFull => TRANSACTION_REJECTED,
            EvmError::InvalidParams(_) => INVALID_PARAMS,
            EvmError::MethodNotFound(_) => METHOD_NOT_FOUND,
            _ => SERVER_ERROR,
        }
    }

    /// The JSON-RPC error's `data`: the revert data of a reverted call.
    pub fn data(&self) -> Option<&Bytes> {
        match self {
            EvmError::Reverted(data) => Some(data),
            _ => None,
        }
    }
}

/// The reason of a Solidity `Error(string)` revert (selector `0x08c379a0`), if that is what
/// `data` is.
pub fn revert_reason(data: &[u8]) -> Option<String> {
    let body = data.strip_prefix(&[0x08, 0xc3, 0x79, 0xa0])?;
    let offset = usize::try_from(U256::try_from_be_slice(body.get(..32)?)?).ok()?;
    let length_at = body.get(offset..offset.checked_add(32)?)?;
    let length = usize::try_from(U256::try_from_be_slice(length_at)?).ok()?;
    let start = offset.checked_add(32)?;
    let text = body.get(start..start.checked_add(length)?)?;
    String::from_utf8(text.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_revert_names_its_reason_and_other_data_none() {
        // Error("plain failure") as solc encodes it, written out by hand.
        let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
        let mut word = [0u8; 32];
        word[31] = 0x20;
        data.extend(word);
        word[31] = 13;
        data.extend(word);
        let mut text = [0u8; 32];
        text[..13].copy_from_slice(b"plain failure");
        data.extend(text);
        assert_eq!(revert_reason(&data).as_deref(), Some("plain failure"));
        let error = EvmError::Reverted(Bytes::from(data));
        assert_eq!(error.to_string(), "execution reverted: plain failure");
        assert_eq!(error.code(), 3);
        // A custom error (TooBig's selector) has no reason; a short body neither.
        let custom = EvmError::Reverted(Bytes::from_static(&[0x6a, 0xd9, 0xcd, 0xfc]));
        assert_eq!(custom.to_string(), "execution reverted");
        assert_eq!(revert_reason(&[0x08, 0xc3, 0x79, 0xa0, 1]), None);
    }
}
