//! Parsing path parameters and headers into domain values, each failure a 400 with a
//! message that names the parameter.

use axum::http::HeaderMap;
use comb_postage::Stamp;
use comb_primitives::{Address, Signature, B256, U256};

use crate::backend::{ByteRange, UploadOptions};

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
    address("path", "owner", value)
}

/// A 20-byte address in hex, `0x` optional; errors name the `place` (`path`, `query`)
/// and the parameter as Bee's do.
pub fn address(place: &str, name: &str, value: &str) -> Result<Address, ApiError> {
    let digits = value.strip_prefix("0x").unwrap_or(value);
    let bytes = hex::decode(digits)
        .map_err(|_| ApiError::bad_request(format!("invalid {place} params: {name}: not hex")))?;
    let bytes: [u8; 20] = bytes.try_into().map_err(|_| {
        ApiError::bad_request(format!(
            "invalid {place} params: {name}: want 40 hex characters"
        ))
    })?;
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

/// `swarm-tag`, if present.
pub fn tag_header(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    header(headers, "swarm-tag")?.map(tag_uid).transpose()
}

/// Upload options comb does not implement, refused with 400 rather than silently ignored
/// (a user who asked for access control must not get public data): the header, the value
/// that asks for the feature, and what to do instead.
const UNSUPPORTED_UPLOAD: [(&str, &str); 3] = [
    (
        "swarm-encrypt",
        "encrypted uploads are not supported by comb; upload without it",
    ),
    (
        "swarm-act",
        "access control (ACT) is not supported by comb; upload without it",
    ),
    (
        "swarm-redundancy-level",
        "erasure coding is not supported by comb; upload with level 0 or without it",
    ),
];

/// Refuses a request that asks for a feature comb does not implement (see
/// [`UNSUPPORTED_UPLOAD`]); `swarm-act-*` download headers likewise.
pub fn refuse_unsupported(headers: &HeaderMap) -> Result<(), ApiError> {
    for (name, why) in UNSUPPORTED_UPLOAD {
        let asked = match header(headers, name)? {
            None => false,
            Some(v) if name == "swarm-redundancy-level" => v.trim() != "0",
            Some(v) => !v.eq_ignore_ascii_case("false"),
        };
        if asked {
            return Err(ApiError::bad_request(format!("{name}: {why}")));
        }
    }
    for name in [
        "swarm-act-publisher",
        "swarm-act-history-address",
        "swarm-act-timestamp",
    ] {
        if headers.contains_key(name) {
            return Err(ApiError::bad_request(format!(
                "{name}: access control (ACT) is not supported by comb"
            )));
        }
    }
    Ok(())
}

/// The upload headers: batch (required), `swarm-pin`, `swarm-tag`,
/// `swarm-deferred-upload` (default `true`, as Bee). Options comb does not implement
/// (`swarm-encrypt`, `swarm-act`, `swarm-redundancy-level`) are refused with 400.
pub fn upload_options(headers: &HeaderMap) -> Result<UploadOptions, ApiError> {
    refuse_unsupported(headers)?;
    Ok(UploadOptions {
        batch: batch_header(headers)?,
        pin: bool_header(headers, "swarm-pin", false)?,
        tag: tag_header(headers)?,
        deferred: bool_header(headers, "swarm-deferred-upload", true)?,
    })
}

/// `Range: bytes=…`, if present: one range (`start-`, `start-end`, `-suffix`). A header
/// this does not understand (another unit, several ranges) is ignored and the whole content
/// served, as RFC 9110 §14.2 allows.
pub fn range_header(headers: &HeaderMap) -> Result<Option<ByteRange>, ApiError> {
    let Some(value) = header(headers, "range")? else {
        return Ok(None);
    };
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Err(ApiError::bad_request("invalid header params: range"));
    };
    let number = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| ApiError::bad_request("invalid header params: range"))
    };
    Ok(Some(
        match (first.trim().is_empty(), last.trim().is_empty()) {
            (true, true) => return Err(ApiError::bad_request("invalid header params: range")),
            (true, false) => ByteRange::Suffix(number(last)?),
            (false, true) => ByteRange::From {
                start: number(first)?,
                end: None,
            },
            (false, false) => {
                let (start, end) = (number(first)?, number(last)?);
                if end < start {
                    return Err(ApiError::bad_request("invalid header params: range"));
                }
                ByteRange::From {
                    start,
                    end: Some(end),
                }
            }
        },
    ))
}

/// Whether `If-None-Match` names `etag` (a quoted reference) or is `*`: the client's copy
/// is current and the answer is 304.
pub fn not_modified(headers: &HeaderMap, etag: &B256) -> bool {
    let Some(value) = headers.get("if-none-match").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let ours = hex::encode(etag);
    value.split(',').any(|tag| {
        let tag = tag.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
        tag == "*"
            || tag
                .strip_prefix("0x")
                .unwrap_or(tag)
                .eq_ignore_ascii_case(&ours)
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
    fn ranges_parse_as_rfc_9110_says() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert("range", v.parse().unwrap());
            range_header(&h)
        };
        assert_eq!(
            with("bytes=10-19").unwrap(),
            Some(ByteRange::From {
                start: 10,
                end: Some(19)
            })
        );
        assert_eq!(
            with("bytes=5-").unwrap(),
            Some(ByteRange::From {
                start: 5,
                end: None
            })
        );
        assert_eq!(with("bytes=-7").unwrap(), Some(ByteRange::Suffix(7)));
        assert_eq!(with("bytes=0-1,5-6").unwrap(), None);
        assert_eq!(with("items=0-1").unwrap(), None);
        assert_eq!(with("bytes=9-3").unwrap_err().status, 400);
        assert_eq!(with("bytes=x-3").unwrap_err().status, 400);
        assert_eq!(with("bytes=-").unwrap_err().status, 400);
        assert_eq!(ByteRange::Suffix(7).resolve(5), Some((0, 5)));
        assert_eq!(
            ByteRange::From {
                start: 3,
                end: Some(100)
            }
            .resolve(10),
            Some((3, 7))
        );
        assert_eq!(
            ByteRange::From {
                start: 10,
                end: None
            }
            .resolve(10),
            None
        );
        assert_eq!(ByteRange::Suffix(0).resolve(10), None);
    }

    #[test]
    fn unsupported_options_are_refused_by_name() {
        for (name, value) in [
            ("swarm-act", "true"),
            ("swarm-encrypt", "true"),
            ("swarm-redundancy-level", "2"),
            ("swarm-act-publisher", "02ab"),
        ] {
            let mut h = HeaderMap::new();
            h.insert(name, value.parse().unwrap());
            let error = refuse_unsupported(&h).unwrap_err();
            assert_eq!(error.status, 400);
            assert!(error.message.starts_with(name), "{}", error.message);
        }
        let mut h = HeaderMap::new();
        h.insert("swarm-act", "false".parse().unwrap());
        h.insert("swarm-redundancy-level", "0".parse().unwrap());
        assert!(refuse_unsupported(&h).is_ok());
    }

    #[test]
    fn if_none_match_compares_quoted_references() {
        let etag = B256::repeat_byte(0xab);
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, &etag));
        h.insert(
            "if-none-match",
            format!("\"{}\"", hex::encode(etag)).parse().unwrap(),
        );
        assert!(not_modified(&h, &etag));
        h.insert("if-none-match", "\"00\", W/\"*\"".parse().unwrap());
        assert!(not_modified(&h, &etag));
        h.insert("if-none-match", "\"00\"".parse().unwrap());
        assert!(!not_modified(&h, &etag));
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
