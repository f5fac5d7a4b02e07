//! SWAP cheques as the accounting sees them (spec `swap.md` §3): the `EmitCheque` JSON
//! codec (§3.3), the receiver's validation (§3.5), the issuer's rate negotiation and amount
//! (§3.4, §3.6). Pure: the chain facts a check needs are inputs.

use alloy_primitives::U256;
use comb_primitives::cheque::{Cheque, SignedCheque};
use comb_primitives::{Address, Signature};

use crate::AccountingError;

type Result<T> = core::result::Result<T, AccountingError>;

/// What the chain says about a cheque's chequebook (spec §3.5 steps 4, 7, 8): its `issuer()`,
/// `balance()` and `paidOut(beneficiary)` for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChequebookFacts {
    /// `issuer()`: who must have signed.
    pub issuer: Address,
    /// `balance()`: the chequebook's token balance in PLUR.
    pub balance: U256,
    /// `paidOut(beneficiary)`: what we were already paid from it, PLUR.
    pub paid_out: U256,
}

/// Everything a receiver checks a cheque against (spec §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveContext {
    /// Our Ethereum address: the cheque's beneficiary must be it (step 2).
    pub own: Address,
    /// Our chain id, for the EIP-712 recovery (step 7).
    pub chain_id: u64,
    /// The chequebook the addressbook knows for the sender, if any (step 1).
    pub known_chequebook: Option<Address>,
    /// The cumulative payout of the last cheque received from this chequebook (step 4).
    pub last_cumulative: Option<U256>,
    /// The chain's view of the chequebook; `None` when the factory did not deploy it.
    pub facts: Option<ChequebookFacts>,
    /// The exchange rate we answered (PLUR per AU, §3.4).
    pub exchange_rate: U256,
    /// The deduction we answered (PLUR, §3.4).
    pub deduction: U256,
}

/// `swap.ReceiveCheque` + `chequeStore.ReceiveCheque` (spec §3.5 steps 1–8, 10): checks the
/// cheque in Bee's order and returns the accounting units it credits,
/// `floor((increment − deduction) / exchangeRate)`.
pub fn validate_received(cheque: &SignedCheque, ctx: &ReceiveContext) -> Result<U256> {
    let c = &cheque.cheque;
    if let Some(known) = ctx.known_chequebook {
        if known != c.chequebook {
            return Err(AccountingError::WrongChequebook {
                expected: known,
                got: c.chequebook,
            });
        }
    }
    if c.beneficiary != ctx.own {
        return Err(AccountingError::WrongBeneficiary(c.beneficiary));
    }
    let facts = ctx
        .facts
        .ok_or(AccountingError::NotDeployedByFactory(c.chequebook))?;
    let last = ctx.last_cumulative.unwrap_or_default();
    let increment = c
        .cumulative_payout
        .checked_sub(last)
        .filter(|i| !i.is_zero())
        .ok_or(AccountingError::ChequeNotIncreasing {
            last,
            got: c.cumulative_payout,
        })?;
    if ctx.exchange_rate.is_zero() {
        return Err(AccountingError::InvalidConfig("exchange rate is zero"));
    }
    let value = increment
        .checked_sub(ctx.deduction)
        .filter(|v| *v >= ctx.exchange_rate)
        .ok_or(AccountingError::ChequeValueTooLow(increment))?;
    let signer = cheque
        .recover_issuer(ctx.chain_id)
        .map_err(|_| AccountingError::ChequeInvalid)?;
    if signer != facts.issuer {
        return Err(AccountingError::ChequeInvalid);
    }
    let owed = c.cumulative_payout.saturating_sub(facts.paid_out);
    if facts.balance < owed {
        return Err(AccountingError::BouncingCheque {
            balance: facts.balance,
            owed,
        });
    }
    value
        .checked_div(ctx.exchange_rate)
        .ok_or(AccountingError::Overflow)
}

/// The issuer's check of the receiver's rates (spec §3.4): the rate must be ours
/// (ErrNegotiateRate), the deduction ours or 0 (ErrNegotiateDeduction), and 0 once we paid a
/// deduction to this peer (ErrHaveDeduction). Returns the PLUR of a cheque for `amount` AU:
/// `amount × rate + deduction`.
pub fn cheque_value(
    amount: U256,
    theirs_rate: U256,
    theirs_deduction: U256,
    our_rate: U256,
    our_deduction: U256,
    already_deducted: bool,
) -> Result<U256> {
    if theirs_rate != our_rate {
        return Err(AccountingError::NegotiateRate {
            ours: our_rate,
            theirs: theirs_rate,
        });
    }
    if !theirs_deduction.is_zero() && theirs_deduction != our_deduction {
        return Err(AccountingError::NegotiateDeduction {
            ours: our_deduction,
            theirs: theirs_deduction,
        });
    }
    if already_deducted && !theirs_deduction.is_zero() {
        return Err(AccountingError::HaveDeduction);
    }
    amount
        .checked_mul(our_rate)
        .and_then(|v| v.checked_add(theirs_deduction))
        .ok_or(AccountingError::Overflow)
}

/// The chequebook's available balance (spec §3.6): `balance + totalPaidOut − totalIssued`,
/// floored at 0.
pub fn available_balance(balance: U256, total_paid_out: U256, total_issued: U256) -> U256 {
    balance
        .saturating_add(total_paid_out)
        .saturating_sub(total_issued)
}

/// The `EmitCheque` JSON of a signed cheque as Go's `encoding/json` writes Bee's
/// `SignedCheque` (spec §3.3): PascalCase keys, lowercase `0x` addresses, the cumulative
/// payout as a bare decimal number, the signature in padded standard base64.
pub fn encode_json(cheque: &SignedCheque) -> Vec<u8> {
    format!(
        "{{\"Chequebook\":\"0x{}\",\"Beneficiary\":\"0x{}\",\"CumulativePayout\":{},\"Signature\":\"{}\"}}",
        hex_lower(cheque.cheque.chequebook.as_slice()),
        hex_lower(cheque.cheque.beneficiary.as_slice()),
        cheque.cheque.cumulative_payout,
        base64_encode(cheque.signature.as_bytes()),
    )
    .into_bytes()
}

/// Parses the `EmitCheque` JSON (spec §3.3) as Go would: keys match case-insensitively,
/// unknown keys are ignored, the payout is a bare integer of any size (up to 2^256 − 1).
pub fn decode_json(bytes: &[u8]) -> Result<SignedCheque> {
    let text = core::str::from_utf8(bytes).map_err(|_| malformed("not UTF-8"))?;
    let mut chequebook = None;
    let mut beneficiary = None;
    let mut payout = None;
    let mut signature = None;
    for (key, value) in parse_flat_object(text)? {
        match key.to_ascii_lowercase().as_str() {
            "chequebook" => chequebook = Some(parse_address(value.string()?)?),
            "beneficiary" => beneficiary = Some(parse_address(value.string()?)?),
            "cumulativepayout" => payout = Some(value.number()?),
            "signature" => {
                let raw = base64_decode(value.string()?)?;
                signature = Some(
                    Signature::from_slice(&raw)
                        .map_err(|e| malformed(&format!("signature: {e}")))?,
                );
            }
            _ => {}
        }
    }
    Ok(SignedCheque {
        cheque: Cheque {
            chequebook: chequebook.ok_or_else(|| malformed("no Chequebook"))?,
            beneficiary: beneficiary.ok_or_else(|| malformed("no Beneficiary"))?,
            cumulative_payout: payout.ok_or_else(|| malformed("no CumulativePayout"))?,
        },
        signature: signature.ok_or_else(|| malformed("no Signature"))?,
    })
}

fn malformed(what: &str) -> AccountingError {
    AccountingError::MalformedCheque(what.to_string())
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_address(text: &str) -> Result<Address> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or_else(|| malformed("address without 0x"))?;
    if hex.len() != 40 {
        return Err(malformed("address is not 20 bytes"));
    }
    let mut out = [0u8; 20];
    for (slot, pair) in out.iter_mut().zip(hex.as_bytes().chunks(2)) {
        let pair = core::str::from_utf8(pair).map_err(|_| malformed("address"))?;
        *slot = u8::from_str_radix(pair, 16).map_err(|_| malformed("address is not hex"))?;
    }
    Ok(Address::from(out))
}

/// A JSON value of the flat cheque object.
enum Value<'a> {
    String(&'a str),
    Number(&'a str),
    Other,
}

impl<'a> Value<'a> {
    fn string(&self) -> Result<&'a str> {
        match self {
            Value::String(s) => Ok(s),
            _ => Err(malformed("expected a string")),
        }
    }

    fn number(&self) -> Result<U256> {
        match self {
            Value::Number(digits) => {
                U256::from_str_radix(digits, 10).map_err(|_| malformed("payout out of range"))
            }
            _ => Err(malformed("CumulativePayout is not a number")),
        }
    }
}

/// Parses `{"key": value, …}` where values are strings without escapes, non-negative
/// integers, `null`, `true` or `false`: all the cheque JSON holds.
fn parse_flat_object(text: &str) -> Result<Vec<(&str, Value<'_>)>> {
    let mut rest = text.trim();
    rest = rest
        .strip_prefix('{')
        .ok_or_else(|| malformed("not an object"))?;
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            if !after.trim().is_empty() {
                return Err(malformed("trailing bytes"));
            }
            return Ok(out);
        }
        if !out.is_empty() {
            rest = rest
                .strip_prefix(',')
                .ok_or_else(|| malformed("expected ','"))?
                .trim_start();
        }
        let (key, after) = take_string(rest)?;
        rest = after
            .trim_start()
            .strip_prefix(':')
            .ok_or_else(|| malformed("expected ':'"))?
            .trim_start();
        let value;
        if rest.starts_with('"') {
            let (s, after) = take_string(rest)?;
            value = Value::String(s);
            rest = after;
        } else {
            let end = rest
                .find(|c: char| c == ',' || c == '}' || c.is_whitespace())
                .unwrap_or(rest.len());
            let (token, after) = rest.split_at(end);
            value = if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
                Value::Number(token)
            } else if matches!(token, "null" | "true" | "false") {
                Value::Other
            } else {
                return Err(malformed("unsupported value"));
            };
            rest = after;
        }
        out.push((key, value));
    }
}

fn take_string(text: &str) -> Result<(&str, &str)> {
    let body = text
        .strip_prefix('"')
        .ok_or_else(|| malformed("expected a string"))?;
    let end = body
        .find('"')
        .ok_or_else(|| malformed("unterminated string"))?;
    let (s, after) = body.split_at(end);
    if s.contains('\\') {
        return Err(malformed("escapes are not expected"));
    }
    Ok((s, after.get(1..).unwrap_or_default()))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (Go's `encoding/json` for `[]byte`).
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [n >> 18, n >> 12, n >> 6, n];
        for (i, sextet) in sextets.iter().enumerate() {
            if i <= chunk.len() {
                let index = usize::try_from(sextet & 0x3f).unwrap_or_default();
                out.push(char::from(BASE64.get(index).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 with padding.
pub fn base64_decode(text: &str) -> Result<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(malformed("base64 length"));
    }
    let groups = bytes.len() / 4;
    let mut out = Vec::new();
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let last = index.saturating_add(1) == groups;
        let mut n: u32 = 0;
        let mut pad = 0usize;
        for (i, &c) in chunk.iter().enumerate() {
            let v = if c == b'=' && last && i >= 2 {
                pad = pad.saturating_add(1);
                0
            } else if pad > 0 {
                return Err(malformed("base64 padding"));
            } else {
                let position = BASE64
                    .iter()
                    .position(|&b| b == c)
                    .ok_or_else(|| malformed("base64 character"))?;
                u32::try_from(position).unwrap_or_default()
            };
            n = (n << 6) | v;
        }
        let decoded = n.to_be_bytes();
        let keep = 3usize.saturating_sub(pad);
        out.extend_from_slice(
            decoded
                .get(1..1usize.saturating_add(keep))
                .unwrap_or_default(),
        );
    }
    Ok(out)
}
