//! Metadata JSON as Go's `encoding/json` writes a `map[string]string`: keys in byte order,
//! no whitespace, and Go's string escaping (HTML-safe `<`, `>`, `&`, U+2028/U+2029 and
//! control characters as `\u00xx`, `\b \f \n \r \t` short forms as of Go 1.22).

use std::collections::BTreeMap;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` as a Go-escaped JSON string.
fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{2028}' => out.extend_from_slice(b"\\u2028"),
            '\u{2029}' => out.extend_from_slice(b"\\u2029"),
            c if (c as u32) < 0x20 || c == '<' || c == '>' || c == '&' => {
                let b = c as u32 as u8;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0x0f)]);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Go's `json.Marshal` of a `map[string]string`; an empty map is encoded as `null`, as Go
/// encodes the nil map a node without metadata holds.
pub(crate) fn encode_map(map: &BTreeMap<String, String>) -> Vec<u8> {
    if map.is_empty() {
        return b"null".to_vec();
    }
    let mut out = vec![b'{'];
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(&mut out, k);
        out.push(b':');
        write_string(&mut out, v);
    }
    out.push(b'}');
    out
}

/// Parses a JSON object of strings (trailing whitespace, such as the `\n` padding, is
/// allowed; `null` is the empty map, as in Go).
pub(crate) fn decode_map(bytes: &[u8]) -> Result<BTreeMap<String, String>, serde_json::Error> {
    let map: Option<BTreeMap<String, String>> = serde_json::from_slice(bytes)?;
    Ok(map.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escaping() {
        let mut m = BTreeMap::new();
        m.insert("b".to_string(), "<a&b>\"\\\n\u{1}\u{2028}é".to_string());
        m.insert("a".to_string(), String::new());
        assert_eq!(
            String::from_utf8_lossy(&encode_map(&m)),
            r#"{"a":"","b":"\u003ca\u0026b\u003e\"\\\n\u0001\u2028é"}"#
        );
        assert_eq!(decode_map(&encode_map(&m)).ok(), Some(m));
        assert_eq!(encode_map(&BTreeMap::new()), b"null");
        assert_eq!(decode_map(b"null \n\n").ok(), Some(BTreeMap::new()));
    }
}
