//! Chequebooks: the `SimpleSwapFactory` and its `ERC20SimpleSwap` clones (spec `swap.md`
//! §4.1–§4.3), as far as Bee uses them.
//!
//! * **Factory** (§4.3): [`Chequebooks::deploy`] plays `deploySimpleSwap(issuer, 0, salt)`.
//!   Every chequebook it creates is "deployed by the factory" (`deployedContracts`); a
//!   chequebook exists here if and only if [`Chequebooks::get`] finds it.
//! * **Deposits** (§4.2): there is no deposit function. Funds arrive as plain token transfers
//!   to the chequebook's address, and `balance()` is the token balance of that address.
//! * **Cashing** (§4.2): [`Chequebooks::cash_cheque_beneficiary`] runs the contract's internal
//!   cash routine (steps 1–10) with `callerPayout = 0`. `cashCheque` (cashing on behalf of a
//!   beneficiary with a caller fee) is not implemented: Bee never calls it.
//! * **Withdrawals** (§4.2): [`Chequebooks::withdraw`], issuer only.
//! * **Hard deposits are not implemented** (§4.2): Bee never uses them and deploys with
//!   `defaultHardDepositTimeout = 0`. With no hard deposits `totalHardDeposit = 0`, so
//!   `liquidBalance() = liquidBalanceFor(b) = balance()`, and the hard-deposit steps 4 and 6
//!   of the cash routine are no-ops.
//!
//! Every function validates everything before it mutates anything, so a failure leaves the
//! chequebooks, the token and the event list as they were.

use std::collections::BTreeMap;

use comb_primitives::cheque::{Cheque, SignedCheque};
use comb_primitives::keccak::keccak256_concat;
use comb_primitives::{Address, Signature, B256, U256};
use serde::{Deserialize, Serialize};

use crate::env::{Env, Events};
use crate::events::Event;
use crate::token::Token;
use crate::ChainError;

/// One chequebook's contract storage (swap.md §4.1) without the hard-deposit fields, which
/// are always zero (swap.md §4.2: Bee never uses hard deposits).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChequebookRecord {
    /// `issuer`: the address whose EIP-712 signature cheques must carry (swap.md §4.1–§4.2).
    pub issuer: Address,
    /// `paidOut[beneficiary]`: PLUR paid to each beneficiary so far (swap.md §4.1–§4.2).
    /// Beneficiaries never paid have no entry.
    pub paid_out: BTreeMap<Address, U256>,
    /// `totalPaidOut`: PLUR paid to everyone (swap.md §4.1–§4.2).
    pub total_paid_out: U256,
    /// `bounced`: set by the first cheque that could not be paid in full; sticky (swap.md
    /// §4.1–§4.2 step 8).
    pub bounced: bool,
}

impl ChequebookRecord {
    /// `paidOut(beneficiary)`: PLUR paid to `beneficiary` so far, 0 if none (swap.md §4.2).
    pub fn paid_out_to(&self, beneficiary: &Address) -> U256 {
        self.paid_out.get(beneficiary).copied().unwrap_or_default()
    }
}

/// All chequebooks deployed by the factory, keyed by contract address (swap.md §4.2–§4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chequebooks {
    chequebooks: BTreeMap<Address, ChequebookRecord>,
}

impl Chequebooks {
    /// No chequebooks (swap.md §4.3: a fresh factory).
    pub fn new() -> Self {
        Self::default()
    }

    /// The chequebook at `chequebook`, if the factory deployed one there (swap.md §4.2–§4.3,
    /// `deployedContracts`).
    pub fn get(&self, chequebook: &Address) -> Option<&ChequebookRecord> {
        self.chequebooks.get(chequebook)
    }

    /// Every chequebook, keyed by address (swap.md §4.2–§4.3).
    pub fn all(&self) -> &BTreeMap<Address, ChequebookRecord> {
        &self.chequebooks
    }

    /// The address `deploySimpleSwap` called by `deployer` with `salt` gives (swap.md §4.2–§4.3).
    ///
    /// The factory clones its master with `cloneDeterministic(master, keccak256(abi.encode(
    /// msg.sender, salt)))`. The dev chain has no bytecode, so instead of the CREATE2 address
    /// it takes the last 20 bytes of that clone salt itself:
    /// `keccak256(0x00 × 12 ‖ deployer(20) ‖ salt(32))[12..]`. Like CREATE2 the address is
    /// deterministic and depends on the deployer, so two deployers cannot collide by
    /// choosing the same salt.
    pub fn chequebook_address(deployer: &Address, salt: &B256) -> Address {
        let mut deployer_word = [0u8; 32];
        deployer_word[12..].copy_from_slice(deployer.as_slice());
        let hash = keccak256_concat(&[&deployer_word, salt.as_slice()]);
        Address::from_slice(&hash[12..])
    }

    /// `deploySimpleSwap(issuer, 0, salt)` called by `env.sender` (swap.md §4.2–§4.3): creates
    /// a chequebook at [`Chequebooks::chequebook_address`]`(env.sender, salt)` whose cheques
    /// `issuer` signs, and emits `SimpleSwapDeployed`. Returns its address.
    ///
    /// Fails with [`ChainError::ZeroAddress`] for a zero issuer (`init` requires a nonzero
    /// one) and with [`ChainError::ChequebookExists`] if the address is taken (a CREATE2
    /// clone cannot be deployed twice). Tokens sent to the address before the deployment
    /// stay there and become the chequebook's balance, as with a counterfactual CREATE2
    /// address.
    pub fn deploy(
        &mut self,
        env: &Env,
        events: &mut Events,
        issuer: Address,
        salt: B256,
    ) -> Result<Address, ChainError> {
        if issuer == Address::ZERO {
            return Err(ChainError::ZeroAddress);
        }
        let address = Self::chequebook_address(&env.sender, &salt);
        if self.chequebooks.contains_key(&address) {
            return Err(ChainError::ChequebookExists(address));
        }
        self.chequebooks.insert(
            address,
            ChequebookRecord {
                issuer,
                ..ChequebookRecord::default()
            },
        );
        events.push(Event::SimpleSwapDeployed {
            contract_address: address,
            issuer,
        });
        Ok(address)
    }

    /// `cashChequeBeneficiary(recipient, cumulativePayout, issuerSig)` on `chequebook`
    /// (swap.md §4.2): the beneficiary is `env.sender`, `callerPayout = 0`, and the internal
    /// cash routine runs with no hard deposits, so the liquid balance is the chequebook's
    /// token balance. Returns the PLUR paid now.
    ///
    /// 1. Unless the caller is the issuer, the issuer's EIP-712 signature over
    ///    `Cheque{chequebook, beneficiary, cumulativePayout}` for `chain_id` must recover to
    ///    the issuer, else [`ChainError::InvalidIssuerSignature`] (a cheque signed for
    ///    another chain id fails here).
    /// 2. `requestPayout = cumulativePayout − paidOut[beneficiary]`; a lower cumulative is
    ///    [`ChainError::CumulativePayoutTooLow`] (replaying an older cheque reverts).
    /// 3. `totalPayout = min(requestPayout, balance)`.
    /// 5. `totalPayout ≥ callerPayout` holds, the caller payout being 0.
    /// 7. `paidOut[beneficiary]` and `totalPaidOut` grow by `totalPayout`.
    /// 8. If `totalPayout < requestPayout` the cheque **bounces**: the sticky `bounced` flag is
    ///    set and `ChequeBounced` emitted; the cheque is partially paid, and the remainder
    ///    can be cashed later with the same or a higher cheque.
    /// 9. `totalPayout` goes to `recipient` (a zero recipient is refused with
    ///    [`ChainError::ZeroAddress`], as an ERC20 transfer to the zero address reverts).
    /// 10. `ChequeCashed` is emitted.
    ///
    /// Cashing the same cheque twice succeeds and pays 0 (bee#783). An unknown chequebook is
    /// [`ChainError::UnknownChequebook`].
    #[allow(clippy::too_many_arguments)]
    pub fn cash_cheque_beneficiary(
        &mut self,
        env: &Env,
        token: &mut Token,
        events: &mut Events,
        chain_id: u64,
        chequebook: Address,
        recipient: Address,
        cumulative_payout: U256,
        issuer_signature: &Signature,
    ) -> Result<U256, ChainError> {
        let record = self
            .chequebooks
            .get(&chequebook)
            .ok_or(ChainError::UnknownChequebook(chequebook))?;
        let beneficiary = env.sender;
        let caller_payout = U256::ZERO;

        // Step 1: the issuer's signature (skipped when the issuer cashes).
        if env.sender != record.issuer {
            let signed = SignedCheque {
                cheque: Cheque {
                    chequebook,
                    beneficiary,
                    cumulative_payout,
                },
                signature: *issuer_signature,
            };
            match signed.recover_issuer(chain_id) {
                Ok(signer) if signer == record.issuer => {}
                _ => return Err(ChainError::InvalidIssuerSignature),
            }
        }

        // Step 2: what the cheque still owes.
        let paid_before = record.paid_out_to(&beneficiary);
        let request_payout = cumulative_payout
            .checked_sub(paid_before)
            .ok_or(ChainError::CumulativePayoutTooLow)?;

        // Step 3: capped by the liquid balance (= balance with no hard deposits).
        let liquid_balance = token.balance_of(&chequebook);
        let total_payout = request_payout.min(liquid_balance);

        // Step 5.
        if total_payout < caller_payout {
            return Err(ChainError::CallerPayoutTooHigh);
        }
        if recipient == Address::ZERO {
            return Err(ChainError::ZeroAddress);
        }

        // Step 7, computed before anything changes.
        let paid_after = paid_before
            .checked_add(total_payout)
            .ok_or(ChainError::Arithmetic)?;
        let total_paid_after = record
            .total_paid_out
            .checked_add(total_payout)
            .ok_or(ChainError::Arithmetic)?;
        let bounces = total_payout < request_payout;

        // Step 9: the only fallible mutation comes first; it cannot fail here because
        // `total_payout ≤ balance`, and if it did it would change nothing.
        token.transfer(&chequebook, &recipient, total_payout)?;

        // Infallible from here on.
        if let Some(record) = self.chequebooks.get_mut(&chequebook) {
            if !paid_after.is_zero() {
                record.paid_out.insert(beneficiary, paid_after);
            }
            record.total_paid_out = total_paid_after;
            if bounces {
                record.bounced = true;
            }
        }
        // Step 8's event precedes step 10's, as in the contract.
        if bounces {
            events.push(Event::ChequeBounced { chequebook });
        }
        events.push(Event::ChequeCashed {
            chequebook,
            beneficiary,
            recipient,
            caller: env.sender,
            total_payout,
            cumulative_payout,
            caller_payout,
        });
        Ok(total_payout)
    }

    /// `withdraw(amount)` on `chequebook` (swap.md §4.2): the issuer (`env.sender`) takes
    /// `amount` PLUR back. Only the issuer may call it ([`ChainError::Unauthorized`]), and the
    /// amount must not exceed the liquid balance, here the token balance
    /// ([`ChainError::LiquidBalanceExceeded`]). Emits `ChequebookWithdrawn` (the contract
    /// declares a `Withdraw` event but never emits it; the dev chain logs the withdrawal).
    pub fn withdraw(
        &mut self,
        env: &Env,
        token: &mut Token,
        events: &mut Events,
        chequebook: Address,
        amount: U256,
    ) -> Result<(), ChainError> {
        let record = self
            .chequebooks
            .get(&chequebook)
            .ok_or(ChainError::UnknownChequebook(chequebook))?;
        if env.sender != record.issuer {
            return Err(ChainError::Unauthorized(env.sender));
        }
        if amount > token.balance_of(&chequebook) {
            return Err(ChainError::LiquidBalanceExceeded);
        }
        let issuer = record.issuer;
        token.transfer(&chequebook, &issuer, amount)?;
        events.push(Event::ChequebookWithdrawn { chequebook, amount });
        Ok(())
    }

    /// Sum of the token balances (`balance()`, swap.md §4.2) of all chequebooks, for the
    /// ledger's conservation checks.
    pub fn total_balance(&self, token: &Token) -> U256 {
        self.chequebooks.keys().fold(U256::ZERO, |sum, address| {
            sum.saturating_add(token.balance_of(address))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comb_primitives::keccak::keccak256;

    #[test]
    fn chequebook_address_is_the_tail_of_the_abi_encoded_salt_hash() {
        let deployer = Address::repeat_byte(0x11);
        let salt = B256::repeat_byte(0x22);
        let mut encoded = vec![0u8; 12];
        encoded.extend_from_slice(deployer.as_slice());
        encoded.extend_from_slice(salt.as_slice());
        assert_eq!(encoded.len(), 64);
        let expected = Address::from_slice(&keccak256(&encoded)[12..]);
        assert_eq!(Chequebooks::chequebook_address(&deployer, &salt), expected);
        assert_ne!(
            Chequebooks::chequebook_address(&Address::repeat_byte(0x12), &salt),
            expected
        );
    }

    #[test]
    fn unknown_beneficiary_has_paid_out_zero() {
        let record = ChequebookRecord::default();
        assert_eq!(record.paid_out_to(&Address::repeat_byte(1)), U256::ZERO);
    }
}
