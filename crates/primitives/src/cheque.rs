//! SWAP cheques and their EIP-712 signatures (spec `swap.md` §3.1–§3.2), bit-exact with Bee's
//! `chequebook/cheque.go` and the `ERC20SimpleSwap` contract.
//!
//! A cheque promises its beneficiary a **cumulative** amount of PLUR from one chequebook. The
//! issuer signs the EIP-712 digest
//!
//! ```text
//! domainSeparator = H( H(DOMAIN_TYPE) ‖ H("Chequebook") ‖ H("1.0") ‖ uint256_be(chainId) )
//! structHash      = H( H(CHEQUE_TYPE) ‖ pad32(chequebook) ‖ pad32(beneficiary) ‖ uint256_be(cumulativePayout) )
//! digest          = H( 0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash )
//! ```
//!
//! as is (no EIP-191 prefix), with RFC 6979 nonces, low-S and `v ∈ {27, 28}`. The domain has
//! no `verifyingContract` and no `salt`; the chequebook address sits inside the signed struct
//! instead.

use alloy_primitives::{Address, B256, U256};

use crate::crypto::{recover_prehash, Signature, Signer};
use crate::keccak::{keccak256, keccak256_concat};
use crate::PrimitivesError;

/// The EIP-712 domain type string of cheques (swap.md §3.2): name, version and chain id only.
pub const DOMAIN_TYPE: &str = "EIP712Domain(string name,string version,uint256 chainId)";

/// The EIP-712 type string of a cheque (swap.md §3.2).
pub const CHEQUE_TYPE: &str =
    "Cheque(address chequebook,address beneficiary,uint256 cumulativePayout)";

/// The contract's `Cashout` type string, signed by a beneficiary for `cashCheque` (swap.md
/// §3.2). Bee does not use it; it is here for completeness and its test vector.
pub const CASHOUT_TYPE: &str = "Cashout(address chequebook,address sender,uint256 requestPayout,address recipient,uint256 callerPayout)";

/// The contract's `CustomDecreaseTimeout` type string (swap.md §3.2). Bee does not use it.
pub const CUSTOM_DECREASE_TIMEOUT_TYPE: &str =
    "CustomDecreaseTimeout(address chequebook,address beneficiary,uint256 decreaseTimeout)";

/// The EIP-712 domain name of chequebooks (swap.md §3.2).
pub const DOMAIN_NAME: &str = "Chequebook";

/// The EIP-712 domain version of chequebooks (swap.md §3.2).
pub const DOMAIN_VERSION: &str = "1.0";

/// An address left-padded to a 32-byte ABI word (`pad32`, swap.md §3.2).
fn address_word(address: &Address) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(address.as_slice());
    word
}

/// The cheque domain separator for `chain_id` (swap.md §3.2):
/// `H(H(DOMAIN_TYPE) ‖ H("Chequebook") ‖ H("1.0") ‖ uint256_be(chainId))`.
pub fn domain_separator(chain_id: u64) -> B256 {
    let chain_id_word: [u8; 32] = U256::from(chain_id).to_be_bytes();
    B256::from(keccak256_concat(&[
        &keccak256(DOMAIN_TYPE),
        &keccak256(DOMAIN_NAME),
        &keccak256(DOMAIN_VERSION),
        &chain_id_word,
    ]))
}

/// An unsigned cheque (swap.md §3.1): the fields the issuer's EIP-712 signature covers
/// (swap.md §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cheque {
    /// The issuer's chequebook contract (swap.md §3.1).
    pub chequebook: Address,
    /// The recipient's Ethereum address: its overlay key's address, not its chequebook
    /// (swap.md §3.1).
    pub beneficiary: Address,
    /// Cumulative PLUR ever promised to the beneficiary from this chequebook (swap.md §3.1).
    pub cumulative_payout: U256,
}

impl Cheque {
    /// The EIP-712 struct hash (swap.md §3.2):
    /// `H(H(CHEQUE_TYPE) ‖ pad32(chequebook) ‖ pad32(beneficiary) ‖ uint256_be(cumulativePayout))`.
    pub fn struct_hash(&self) -> B256 {
        let payout_word: [u8; 32] = self.cumulative_payout.to_be_bytes();
        B256::from(keccak256_concat(&[
            &keccak256(CHEQUE_TYPE),
            &address_word(&self.chequebook),
            &address_word(&self.beneficiary),
            &payout_word,
        ]))
    }

    /// The EIP-712 digest the issuer signs (swap.md §3.2):
    /// `H(0x19 ‖ 0x01 ‖ domainSeparator(chainId) ‖ structHash)`.
    pub fn digest(&self, chain_id: u64) -> B256 {
        B256::from(keccak256_concat(&[
            &[0x19, 0x01],
            domain_separator(chain_id).as_slice(),
            self.struct_hash().as_slice(),
        ]))
    }

    /// Signs the cheque's digest for `chain_id` as is, without an EIP-191 prefix (swap.md
    /// §3.2): deterministic (RFC 6979), low-S, `v ∈ {27, 28}`, byte-identical to Bee.
    pub fn sign(&self, signer: &Signer, chain_id: u64) -> Result<SignedCheque, PrimitivesError> {
        let signature = signer.sign_prehash(&self.digest(chain_id).0)?;
        Ok(SignedCheque {
            cheque: *self,
            signature,
        })
    }
}

/// A cheque with its issuer's 65-byte EIP-712 signature `r ‖ s ‖ v` (swap.md §3.1–§3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignedCheque {
    /// The signed fields (swap.md §3.1).
    pub cheque: Cheque,
    /// The issuer's signature over [`Cheque::digest`] (swap.md §3.2).
    pub signature: Signature,
}

impl SignedCheque {
    /// The address that signed the cheque's digest for `chain_id` (swap.md §3.2, as Bee's
    /// `crypto.RecoverEIP712`). A cheque checked against another chain id than it was signed
    /// for recovers to an unrelated address; callers compare the result with the
    /// chequebook's issuer (swap.md §3.5 step 7, §4.2 step 1).
    pub fn recover_issuer(&self, chain_id: u64) -> Result<Address, PrimitivesError> {
        recover_prehash(&self.cheque.digest(chain_id).0, &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_word_left_pads() {
        let address = Address::repeat_byte(0xab);
        let word = address_word(&address);
        assert_eq!(word[..12], [0u8; 12]);
        assert_eq!(word[12..], [0xab; 20]);
    }

    #[test]
    fn digest_depends_on_every_field() {
        let base = Cheque {
            chequebook: Address::repeat_byte(1),
            beneficiary: Address::repeat_byte(2),
            cumulative_payout: U256::from(3u8),
        };
        let variants = [
            Cheque {
                chequebook: Address::repeat_byte(9),
                ..base
            },
            Cheque {
                beneficiary: Address::repeat_byte(9),
                ..base
            },
            Cheque {
                cumulative_payout: U256::from(9u8),
                ..base
            },
        ];
        for variant in variants {
            assert_ne!(variant.digest(1), base.digest(1));
        }
        assert_ne!(base.digest(1), base.digest(2));
    }
}
