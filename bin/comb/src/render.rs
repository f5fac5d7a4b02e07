//! A node's JSON answer for people: one `name: value` line per field, nested fields indented,
//! token amounts in BZZ (or PLUR on request). The CLI's `--json` prints the answer as it is.

use serde_json::Value;

/// Whether a field of this name that holds a decimal string is a token amount in PLUR: the
/// staking architecture's and Bee's names for stakes, rewards, bonds, balances, pay-outs,
/// slashes and compensation.
fn is_amount(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "amount",
        "stake",
        "reward",
        "bond",
        "balance",
        "payout",
        "slashed",
        "compensat",
        "deposit",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// A decimal string of PLUR in BZZ, or with `plur` in PLUR; anything else as it is.
pub fn amount(text: &str, plur: bool) -> String {
    match text.parse::<comb_primitives::U256>() {
        Ok(_) if plur => format!("{text} PLUR"),
        Ok(amount) => comb_node::narrator::bzz(amount),
        Err(_) => text.to_string(),
    }
}

fn scalar(name: &str, value: &Value, plur: bool) -> String {
    match value {
        Value::String(text) if is_amount(name) => amount(text, plur),
        Value::String(text) => text.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

fn lines(name: &str, value: &Value, indent: usize, plur: bool, out: &mut Vec<String>) {
    let pad = "  ".repeat(indent);
    match value {
        Value::Object(fields) => {
            if !name.is_empty() {
                out.push(format!("{pad}{name}:"));
            }
            let inner = if name.is_empty() { indent } else { indent + 1 };
            for (key, field) in fields {
                lines(key, field, inner, plur, out);
            }
            if fields.is_empty() {
                out.push(format!("{pad}  (none)"));
            }
        }
        Value::Array(items) => {
            out.push(format!("{pad}{name}: {} item(s)", items.len()));
            for (n, item) in items.iter().enumerate() {
                lines(&format!("[{n}]"), item, indent + 1, plur, out);
            }
        }
        scalar_value => out.push(format!("{pad}{name}: {}", scalar(name, scalar_value, plur))),
    }
}

/// The answer as text.
pub fn render(value: &Value, plur: bool) -> String {
    let mut out = Vec::new();
    lines("", value, 0, plur, &mut out);
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_in_bzz_and_every_value_is_named() {
        let answer = serde_json::json!({
            "owner": "0xabc",
            "stakedAmount": "100000000000000000",
            "discountBp": 500,
            "weight": "7",
            "score": {"value": 42},
            "penalties": [{"slashed": "5000000000000000"}],
        });
        let text = render(&answer, false);
        assert!(text.contains("stakedAmount: 10 BZZ"), "{text}");
        assert!(text.contains("discountBp: 500"), "{text}");
        assert!(text.contains("weight: 7"), "not an amount: {text}");
        assert!(text.contains("score:\n  value: 42"), "{text}");
        assert!(
            text.contains("penalties: 1 item(s)\n  [0]:\n    slashed: 0.5 BZZ"),
            "{text}"
        );
        let plur = render(&answer, true);
        assert!(
            plur.contains("stakedAmount: 100000000000000000 PLUR"),
            "{plur}"
        );
    }
}
