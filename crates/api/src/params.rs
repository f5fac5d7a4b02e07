//! Parsing path parameters and headers into domain values, each failure a 400 with a
//! message that names the parameter.

use axum::http::HeaderMap;
use comb_postage::Stamp;
use comb_primitives::{Address, Signature, B256, U256};

use crate::backend::UploadOptions;

use crate::ApiError;

/// A 32-byte hex value (reference, address, batch id), with or without `0x`.
pub fn hash(name: &str, value: &str) -> Result<B256, ApiError> {
    let digits = value.strip_prefix("0x").unwrap_or(value);
    if digits.len() != 64 {
        return Err(ApiError::bad_request(format!(
            "invalid path params: {name}: want 64 hex characters"
        )));
    }
    digits
        .parse::<B256>()
        .map_err(|_| ApiError::bad_request(format!("invalid path params: {name}: not hex")))
}

/// A decimal token amount.
pub fn amount(name: &str, value: &str) -> Result<U256, ApiError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request(format!(
            "invalid path params: {name}: want a decimal number"
        )));
    }
    U256::from_str_radix(value, 10)
        .map_err(|_| ApiError::bad_request(format!("invalid path params: {name}: too large")))
}

/// A depth (0..=255).
pub fn depth(name: &str, value: &str) -> Result<u8, ApiError> {
    value
        .parse::<u8>()
        .map_err(|_| ApiError::bad_request(format!("invalid path params: {name}: want 0..=255")))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::bad_request(format!("invalid header params: {name}")))
        })
        .transpose()
}

/// `swarm-postage-batch-id`, required.
pub fn batch_header(headers: &HeaderMap) -> Result<B256, ApiError> {
    optional_batch_header(headers)?.ok_or_else(|| {
        ApiError::bad_request("invalid header params: swarm-postage-batch-id: missing")
    })
}

/// `swarm-postage-batch-id`, if present.
pub fn optional_batch_header(headers: &HeaderMap) -> Result<Option<B256>, ApiError> {
    header(headers, "swarm-postage-batch-id")?
        .map(|v| {
            hash("swarm-postage-batch-id", v).map_err(|_| {
                ApiError::bad_request(
                    "invalid header params: swarm-postage-batch-id: want 64 hex characters",
                )
            })
        })
        .transpose()
}

/// `swarm-postage-stamp`: a marshalled 113-byte stamp in hex, if present.
pub fn stamp_header(headers: &HeaderMap) -> Result<Option<Stamp>, ApiError> {
    header(headers, "swarm-postage-stamp")?
        .map(|v| {
            let bytes = hex::decode(v.strip_prefix("0x").unwrap_or(v)).map_err(|_| {
                ApiError::bad_request("invalid header params: swarm-postage-stamp: not hex")
            })?;
            Stamp::from_bytes(&bytes).map_err(|e| {
                ApiError::bad_request(format!("invalid header params: swarm-postage-stamp: {e}"))
            })
        })
        .transpose()
}

/// A boolean header such as `immutable`; absent means `default`.
pub fn bool_header(headers: &HeaderMap, name: &str, default: bool) -> Result<bool, ApiError> {
    match header(headers, name)? {
        None => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(ApiError::bad_request(format!(
            "invalid header params: {name}: want true or false"
        ))),
    }
}

/// Any header as text, if present.
pub fn text_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    Ok(header(headers, name)?.map(str::to_string))
}

/// A 20-byte owner address in hex (path parameter `owner`).
pub fn owner(value: &str) -> Result<Address, ApiError> {
    let digits = value.strip_prefix("0x").unwrap_or(value);
    let bytes = hex::decode(digits)
        .map_err(|_| ApiError::bad_request("invalid path params: owner: not hex"))?;
    let bytes: [u8; 20] = bytes
        .try_into()
        .map_err(|_| ApiError::bad_request("invalid path params: owner: want 40 hex characters"))?;
    Ok(Address::from(bytes))
}

/// Hex bytes of any length (a feed topic).
pub fn hex_bytes(name: &str, value: &str) -> Result<Vec<u8>, ApiError> {
    let digits = value.strip_prefix("0x").unwrap_or(value);
    hex::decode(digits)
        .map_err(|_| ApiError::bad_request(format!("invalid path params: {name}: not hex")))
}

/// A 65-byte signature in hex (query `sig`).
pub fn signature(value: &str) -> Result<Signature, ApiError> {
    let bytes = hex_bytes("sig", value)
        .map_err(|_| ApiError::bad_request("invalid query params: sig: not hex"))?;
    Signature::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("invalid query params: sig: {e}")))
}

/// A tag uid (path parameter or `swarm-tag` header).
pub fn tag_uid(value: &str) -> Result<u64, ApiError> {
    value
        .parse::<u64>()
        .map_err(|_| ApiError::bad_request("invalid tag: want a decimal uid"))
}

/// The upload headers: batch (required), `swarm-pin`, `swarm-tag`. comb does not encrypt
/// content: `swarm-encrypt: true` is refused rather than silently stored in the clear.
pub fn upload_options(headers: &HeaderMap) -> Result<UploadOptions, ApiError> {
    if bool_header(headers, "swarm-encrypt", false)? {
        return Err(ApiError::bad_request(
            "swarm-encrypt: encrypted uploads are not supported by comb; upload without it",
        ));
    }
    Ok(UploadOptions {
        batch: batch_header(headers)?,
        pin: bool_header(headers, "swarm-pin", false)?,
        tag: header(headers, "swarm-tag")?.map(tag_uid).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_need_64_hex_characters() {
        assert!(hash("ref", &"ab".repeat(32)).is_ok());
        assert!(hash("ref", &format!("0x{}", "ab".repeat(32))).is_ok());
        assert_eq!(hash("ref", "abc").unwrap_err().status, 400);
        assert_eq!(hash("ref", &"zz".repeat(32)).unwrap_err().status, 400);
    }

    #[test]
    fn amounts_are_decimal() {
        assert_eq!(amount("amount", "1000").unwrap(), U256::from(1000u64));
        assert!(amount("amount", "-1").is_err());
        assert!(amount("amount", "0x10").is_err());
        assert!(amount("amount", "").is_err());
        assert!(amount("amount", &"9".repeat(100)).is_err());
    }
}
