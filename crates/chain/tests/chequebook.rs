//! The chequebook module against `swap.md` §4.2–§4.3: deployment, deposits as plain token
//! transfers, `cashChequeBeneficiary` (paying, replaying, bouncing) and `withdraw`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use comb_chain::chequebook::{ChequebookRecord, Chequebooks};
use comb_chain::env::{Env, Events};
use comb_chain::events::Event;
use comb_chain::token::Token;
use comb_chain::ChainError;
use comb_primitives::cheque::Cheque;
use comb_primitives::{Address, Signature, Signer, B256, U256};

const CHAIN_ID: u64 = 12_345;
const ISSUER_FUNDS: u64 = 10_000;

fn env(sender: Address) -> Env {
    Env {
        block: 7,
        timestamp: 1_700_000_000,
        prevrandao: B256::repeat_byte(0x5a),
        sender,
    }
}

fn plur(amount: u64) -> U256 {
    U256::from(amount)
}

/// An issuer with a deployed, empty chequebook, a beneficiary and a recipient.
struct World {
    chequebooks: Chequebooks,
    token: Token,
    issuer: Signer,
    beneficiary: Signer,
    recipient: Address,
    chequebook: Address,
}

impl World {
    fn new() -> Self {
        let issuer = Signer::from_bytes(&[0x11; 32]).unwrap();
        let beneficiary = Signer::from_bytes(&[0x22; 32]).unwrap();
        let recipient = Address::repeat_byte(0x33);
        let allocation = BTreeMap::from([(issuer.address(), plur(ISSUER_FUNDS))]);
        let token = Token::with_allocation(&allocation).unwrap();
        let mut chequebooks = Chequebooks::new();
        let mut events = Events::new();
        let chequebook = chequebooks
            .deploy(
                &env(issuer.address()),
                &mut events,
                issuer.address(),
                B256::repeat_byte(0x01),
            )
            .unwrap();
        Self {
            chequebooks,
            token,
            issuer,
            beneficiary,
            recipient,
            chequebook,
        }
    }

    /// A plain token transfer from the issuer to the chequebook (swap.md §4.2 "Deposit").
    fn deposit(&mut self, amount: u64) {
        self.token
            .transfer(&self.issuer.address(), &self.chequebook, plur(amount))
            .unwrap();
    }

    fn cheque(&self, cumulative: u64) -> Cheque {
        Cheque {
            chequebook: self.chequebook,
            beneficiary: self.beneficiary.address(),
            cumulative_payout: plur(cumulative),
        }
    }

    /// The issuer's signature over a cheque to the beneficiary.
    fn sign(&self, cumulative: u64) -> Signature {
        self.cheque(cumulative)
            .sign(&self.issuer, CHAIN_ID)
            .unwrap()
            .signature
    }

    /// The beneficiary cashes a cheque of `cumulative` signed with `signature`.
    fn cash_with(
        &mut self,
        cumulative: u64,
        signature: &Signature,
    ) -> (Result<U256, ChainError>, Events) {
        let mut events = Events::new();
        let result = self.chequebooks.cash_cheque_beneficiary(
            &env(self.beneficiary.address()),
            &mut self.token,
            &mut events,
            CHAIN_ID,
            self.chequebook,
            self.recipient,
            plur(cumulative),
            signature,
        );
        (result, events)
    }

    /// The beneficiary cashes a correctly signed cheque of `cumulative`.
    fn cash(&mut self, cumulative: u64) -> (Result<U256, ChainError>, Events) {
        let signature = self.sign(cumulative);
        self.cash_with(cumulative, &signature)
    }

    fn withdraw(&mut self, sender: Address, amount: u64) -> (Result<(), ChainError>, Events) {
        let mut events = Events::new();
        let result = self.chequebooks.withdraw(
            &env(sender),
            &mut self.token,
            &mut events,
            self.chequebook,
            plur(amount),
        );
        (result, events)
    }

    fn record(&self) -> &ChequebookRecord {
        self.chequebooks.get(&self.chequebook).unwrap()
    }

    fn balance(&self, account: &Address) -> U256 {
        self.token.balance_of(account)
    }

    fn snapshot(&self) -> (Chequebooks, Token) {
        (self.chequebooks.clone(), self.token.clone())
    }

    fn assert_unchanged(&self, before: &(Chequebooks, Token)) {
        assert_eq!(self.chequebooks, before.0);
        assert_eq!(self.token, before.1);
    }

    fn assert_conserved(&self) {
        assert_eq!(self.token.sum_of_balances(), self.token.total_supply());
    }

    fn cashed_event(&self, total: u64, cumulative: u64) -> Event {
        Event::ChequeCashed {
            chequebook: self.chequebook,
            beneficiary: self.beneficiary.address(),
            recipient: self.recipient,
            caller: self.beneficiary.address(),
            total_payout: plur(total),
            cumulative_payout: plur(cumulative),
            caller_payout: U256::ZERO,
        }
    }
}

// ---- deployment (§4.3) ----

#[test]
fn deploy_creates_an_empty_chequebook_and_emits_simple_swap_deployed() {
    let issuer = Address::repeat_byte(0x44);
    let deployer = Address::repeat_byte(0x55);
    let salt = B256::repeat_byte(0x66);
    let mut chequebooks = Chequebooks::new();
    let mut events = Events::new();
    let address = chequebooks
        .deploy(&env(deployer), &mut events, issuer, salt)
        .unwrap();
    assert_eq!(address, Chequebooks::chequebook_address(&deployer, &salt));
    assert_eq!(
        events,
        vec![Event::SimpleSwapDeployed {
            contract_address: address,
            issuer,
        }]
    );
    let record = chequebooks.get(&address).unwrap();
    assert_eq!(
        *record,
        ChequebookRecord {
            issuer,
            ..ChequebookRecord::default()
        }
    );
    assert_eq!(chequebooks.all().len(), 1);
}

#[test]
fn deploy_refuses_a_zero_issuer() {
    let mut chequebooks = Chequebooks::new();
    let mut events = Events::new();
    let result = chequebooks.deploy(
        &env(Address::repeat_byte(1)),
        &mut events,
        Address::ZERO,
        B256::ZERO,
    );
    assert_eq!(result, Err(ChainError::ZeroAddress));
    assert_eq!(chequebooks, Chequebooks::new());
    assert!(events.is_empty());
}

#[test]
fn deploy_twice_with_the_same_deployer_and_salt_is_chequebook_exists() {
    let deployer = Address::repeat_byte(1);
    let salt = B256::repeat_byte(2);
    let mut chequebooks = Chequebooks::new();
    let mut events = Events::new();
    let first = chequebooks
        .deploy(&env(deployer), &mut events, deployer, salt)
        .unwrap();
    let before = chequebooks.clone();
    let mut events = Events::new();
    let again = chequebooks.deploy(&env(deployer), &mut events, Address::repeat_byte(9), salt);
    assert_eq!(again, Err(ChainError::ChequebookExists(first)));
    assert_eq!(chequebooks, before);
    assert!(events.is_empty());
    // Another deployer with the same salt gets another address.
    let other = chequebooks
        .deploy(&env(Address::repeat_byte(3)), &mut events, deployer, salt)
        .unwrap();
    assert_ne!(other, first);
    assert_eq!(chequebooks.all().len(), 2);
}

// ---- cashChequeBeneficiary (§4.2) ----

#[test]
fn deposit_then_cash_a_signed_cheque_pays_the_recipient_and_emits_cheque_cashed() {
    let mut world = World::new();
    world.deposit(1_000);
    assert_eq!(world.balance(&world.chequebook), plur(1_000));
    assert_eq!(world.chequebooks.total_balance(&world.token), plur(1_000));

    let (result, events) = world.cash(300);
    assert_eq!(result, Ok(plur(300)));
    assert_eq!(events, vec![world.cashed_event(300, 300)]);
    assert_eq!(world.balance(&world.recipient), plur(300));
    assert_eq!(world.balance(&world.chequebook), plur(700));
    let record = world.record();
    assert_eq!(record.paid_out_to(&world.beneficiary.address()), plur(300));
    assert_eq!(
        record.paid_out,
        BTreeMap::from([(world.beneficiary.address(), plur(300))])
    );
    assert_eq!(record.total_paid_out, plur(300));
    assert!(!record.bounced);
    assert_eq!(world.chequebooks.total_balance(&world.token), plur(700));
    world.assert_conserved();
}

#[test]
fn cashing_the_same_cheque_twice_pays_zero_and_succeeds() {
    let mut world = World::new();
    world.deposit(1_000);
    assert_eq!(world.cash(300).0, Ok(plur(300)));
    let (result, events) = world.cash(300);
    assert_eq!(result, Ok(U256::ZERO));
    assert_eq!(events, vec![world.cashed_event(0, 300)]);
    assert_eq!(world.balance(&world.recipient), plur(300));
    assert_eq!(world.balance(&world.chequebook), plur(700));
    assert_eq!(world.record().total_paid_out, plur(300));
    assert!(!world.record().bounced);
    world.assert_conserved();
}

#[test]
fn a_higher_cumulative_cheque_pays_the_difference() {
    let mut world = World::new();
    world.deposit(1_000);
    assert_eq!(world.cash(300).0, Ok(plur(300)));
    let (result, events) = world.cash(450);
    assert_eq!(result, Ok(plur(150)));
    assert_eq!(events, vec![world.cashed_event(150, 450)]);
    assert_eq!(world.balance(&world.recipient), plur(450));
    assert_eq!(world.balance(&world.chequebook), plur(550));
    assert_eq!(
        world.record().paid_out_to(&world.beneficiary.address()),
        plur(450)
    );
    assert_eq!(world.record().total_paid_out, plur(450));
    world.assert_conserved();
}

#[test]
fn a_decreasing_cumulative_is_cumulative_payout_too_low_and_changes_nothing() {
    let mut world = World::new();
    world.deposit(1_000);
    assert_eq!(world.cash(300).0, Ok(plur(300)));
    let before = world.snapshot();
    let (result, events) = world.cash(200);
    assert_eq!(result, Err(ChainError::CumulativePayoutTooLow));
    assert!(events.is_empty());
    world.assert_unchanged(&before);
}

#[test]
fn a_cheque_signed_by_a_non_issuer_is_invalid_issuer_signature() {
    let mut world = World::new();
    world.deposit(1_000);
    let stranger = Signer::from_bytes(&[0x77; 32]).unwrap();
    let forged = world
        .cheque(300)
        .sign(&stranger, CHAIN_ID)
        .unwrap()
        .signature;
    let before = world.snapshot();
    let (result, events) = world.cash_with(300, &forged);
    assert_eq!(result, Err(ChainError::InvalidIssuerSignature));
    assert!(events.is_empty());
    world.assert_unchanged(&before);
}

#[test]
fn a_cheque_signed_for_another_chain_id_is_invalid_issuer_signature() {
    let mut world = World::new();
    world.deposit(1_000);
    let other_chain = world
        .cheque(300)
        .sign(&world.issuer, 100)
        .unwrap()
        .signature;
    let before = world.snapshot();
    let (result, events) = world.cash_with(300, &other_chain);
    assert_eq!(result, Err(ChainError::InvalidIssuerSignature));
    assert!(events.is_empty());
    world.assert_unchanged(&before);
}

#[test]
fn a_signature_over_other_fields_is_invalid_issuer_signature() {
    let mut world = World::new();
    world.deposit(1_000);
    let before = world.snapshot();
    // Signed for 300, presented as 500.
    let signature = world.sign(300);
    assert_eq!(
        world.cash_with(500, &signature).0,
        Err(ChainError::InvalidIssuerSignature)
    );
    // A cheque for the beneficiary cashed by someone else.
    let mut events = Events::new();
    let result = world.chequebooks.cash_cheque_beneficiary(
        &env(Address::repeat_byte(0x99)),
        &mut world.token,
        &mut events,
        CHAIN_ID,
        world.chequebook,
        Address::repeat_byte(0x99),
        plur(300),
        &signature,
    );
    assert_eq!(result, Err(ChainError::InvalidIssuerSignature));
    // A signature with a bad recovery byte.
    let mut bytes = *signature.as_bytes();
    bytes[64] = 30;
    assert_eq!(
        world.cash_with(300, &Signature(bytes)).0,
        Err(ChainError::InvalidIssuerSignature)
    );
    assert!(events.is_empty());
    world.assert_unchanged(&before);
}

#[test]
fn the_issuer_cashing_as_beneficiary_needs_no_signature() {
    // §4.2 step 1: the signature is only checked when the caller is not the issuer.
    let mut world = World::new();
    world.deposit(1_000);
    let mut events = Events::new();
    let paid = world
        .chequebooks
        .cash_cheque_beneficiary(
            &env(world.issuer.address()),
            &mut world.token,
            &mut events,
            CHAIN_ID,
            world.chequebook,
            world.recipient,
            plur(100),
            &Signature([0; 65]),
        )
        .unwrap();
    assert_eq!(paid, plur(100));
    assert_eq!(
        world.record().paid_out_to(&world.issuer.address()),
        plur(100)
    );
    world.assert_conserved();
}

#[test]
fn a_zero_recipient_is_refused() {
    let mut world = World::new();
    world.deposit(1_000);
    world.recipient = Address::ZERO;
    let before = world.snapshot();
    let (result, events) = world.cash(300);
    assert_eq!(result, Err(ChainError::ZeroAddress));
    assert!(events.is_empty());
    world.assert_unchanged(&before);
}

#[test]
fn a_cheque_above_the_balance_bounces_with_partial_payment_and_the_remainder_is_cashable_later() {
    let mut world = World::new();
    world.deposit(100);

    // Partial payment: only the balance is paid, the flag is set, both events are emitted.
    let (result, events) = world.cash(300);
    assert_eq!(result, Ok(plur(100)));
    assert_eq!(
        events,
        vec![
            Event::ChequeBounced {
                chequebook: world.chequebook
            },
            world.cashed_event(100, 300),
        ]
    );
    assert!(world.record().bounced);
    assert_eq!(
        world.record().paid_out_to(&world.beneficiary.address()),
        plur(100)
    );
    assert_eq!(world.balance(&world.chequebook), U256::ZERO);
    assert_eq!(world.balance(&world.recipient), plur(100));

    // An empty chequebook bounces again and pays nothing.
    let (result, events) = world.cash(300);
    assert_eq!(result, Ok(U256::ZERO));
    assert_eq!(events.len(), 2);

    // After a new deposit the same cheque pays the remainder; the flag stays set.
    world.deposit(500);
    let (result, events) = world.cash(300);
    assert_eq!(result, Ok(plur(200)));
    assert_eq!(events, vec![world.cashed_event(200, 300)]);
    assert!(world.record().bounced, "bounced is sticky");
    assert_eq!(
        world.record().paid_out_to(&world.beneficiary.address()),
        plur(300)
    );
    assert_eq!(world.record().total_paid_out, plur(300));
    assert_eq!(world.balance(&world.chequebook), plur(300));
    assert_eq!(world.balance(&world.recipient), plur(300));
    world.assert_conserved();
}

#[test]
fn paid_out_is_kept_per_beneficiary() {
    let mut world = World::new();
    world.deposit(1_000);
    assert_eq!(world.cash(300).0, Ok(plur(300)));
    let first = world.beneficiary.address();
    world.beneficiary = Signer::from_bytes(&[0x23; 32]).unwrap();
    // The second beneficiary's first cheque of 200 pays 200 in full.
    assert_eq!(world.cash(200).0, Ok(plur(200)));
    let record = world.record();
    assert_eq!(record.paid_out_to(&first), plur(300));
    assert_eq!(record.paid_out_to(&world.beneficiary.address()), plur(200));
    assert_eq!(record.total_paid_out, plur(500));
    world.assert_conserved();
}

// ---- withdraw (§4.2) ----

#[test]
fn the_issuer_withdraws_within_the_liquid_balance() {
    let mut world = World::new();
    world.deposit(1_000);
    assert_eq!(world.cash(300).0, Ok(plur(300)));
    let issuer = world.issuer.address();
    let (result, events) = world.withdraw(issuer, 400);
    assert_eq!(result, Ok(()));
    assert_eq!(
        events,
        vec![Event::ChequebookWithdrawn {
            chequebook: world.chequebook,
            amount: plur(400),
        }]
    );
    assert_eq!(world.balance(&world.chequebook), plur(300));
    assert_eq!(world.balance(&issuer), plur(ISSUER_FUNDS - 1_000 + 400));
    // The whole remaining balance may go too.
    assert_eq!(world.withdraw(issuer, 300).0, Ok(()));
    assert_eq!(world.balance(&world.chequebook), U256::ZERO);
    // Withdrawals do not touch the payout bookkeeping.
    assert_eq!(world.record().total_paid_out, plur(300));
    world.assert_conserved();
}

#[test]
fn a_withdrawal_by_a_stranger_is_unauthorized() {
    let mut world = World::new();
    world.deposit(1_000);
    let stranger = world.beneficiary.address();
    let before = world.snapshot();
    let (result, events) = world.withdraw(stranger, 100);
    assert_eq!(result, Err(ChainError::Unauthorized(stranger)));
    assert!(events.is_empty());
    world.assert_unchanged(&before);
}

#[test]
fn a_withdrawal_above_the_balance_is_liquid_balance_exceeded() {
    let mut world = World::new();
    world.deposit(1_000);
    let issuer = world.issuer.address();
    let before = world.snapshot();
    let (result, events) = world.withdraw(issuer, 1_001);
    assert_eq!(result, Err(ChainError::LiquidBalanceExceeded));
    assert!(events.is_empty());
    world.assert_unchanged(&before);
}

// ---- unknown chequebook ----

#[test]
fn an_unknown_chequebook_is_refused_by_cash_and_withdraw() {
    let mut world = World::new();
    world.deposit(1_000);
    let unknown = Address::repeat_byte(0xee);
    let signature = Cheque {
        chequebook: unknown,
        ..world.cheque(100)
    }
    .sign(&world.issuer, CHAIN_ID)
    .unwrap()
    .signature;
    let before = world.snapshot();
    let mut events = Events::new();
    let cashed = world.chequebooks.cash_cheque_beneficiary(
        &env(world.beneficiary.address()),
        &mut world.token,
        &mut events,
        CHAIN_ID,
        unknown,
        world.recipient,
        plur(100),
        &signature,
    );
    assert_eq!(cashed, Err(ChainError::UnknownChequebook(unknown)));
    let withdrawn = world.chequebooks.withdraw(
        &env(world.issuer.address()),
        &mut world.token,
        &mut events,
        unknown,
        plur(1),
    );
    assert_eq!(withdrawn, Err(ChainError::UnknownChequebook(unknown)));
    assert!(events.is_empty());
    assert!(world.chequebooks.get(&unknown).is_none());
    world.assert_unchanged(&before);
}

// ---- total_balance ----

#[test]
fn total_balance_sums_every_chequebook_and_ignores_other_accounts() {
    let mut world = World::new();
    world.deposit(1_000);
    let issuer = world.issuer.address();
    let mut events = Events::new();
    let second = world
        .chequebooks
        .deploy(&env(issuer), &mut events, issuer, B256::repeat_byte(0x02))
        .unwrap();
    world.token.transfer(&issuer, &second, plur(250)).unwrap();
    assert_eq!(world.chequebooks.total_balance(&world.token), plur(1_250));
    assert_eq!(world.cash(100).0, Ok(plur(100)));
    assert_eq!(world.chequebooks.total_balance(&world.token), plur(1_150));
    assert_eq!(Chequebooks::new().total_balance(&world.token), U256::ZERO);
}

#[test]
fn chequebooks_round_trip_through_json() {
    let mut world = World::new();
    world.deposit(100);
    assert_eq!(world.cash(300).0, Ok(plur(100)));
    let json = serde_json::to_string(&world.chequebooks).unwrap();
    let back: Chequebooks = serde_json::from_str(&json).unwrap();
    assert_eq!(back, world.chequebooks);
}
