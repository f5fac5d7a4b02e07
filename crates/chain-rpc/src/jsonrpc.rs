//! JSON-RPC 2.0 envelopes and error codes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::RpcError;

/// Invalid JSON.
pub const PARSE_ERROR: i64 = -32700;
/// Not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// No such method.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Wrong number or shape of parameters.
pub const INVALID_PARAMS: i64 = -32602;
/// The server failed (storage, a stopped chain).
pub const INTERNAL_ERROR: i64 = -32603;
/// A transaction or call reverted (geth's code for reverts with data); the data is the
/// [`comb_chain::ChainError`] as JSON and the message its Display.
pub const EXECUTION_ERROR: i64 = 3;

/// The `error` member of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// Error code.
    pub code: i64,
    /// Message.
    pub message: String,
    /// Details, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error without data.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// `-32602` with a message.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(INVALID_PARAMS, message)
    }
}

impl From<RpcError> for ErrorObject {
    fn from(error: RpcError) -> Self {
        match error {
            RpcError::Reverted(e) | RpcError::CallReverted(e) => Self {
                code: EXECUTION_ERROR,
                message: e.to_string(),
                data: serde_json::to_value(&e).ok(),
            },
            other => Self::new(INTERNAL_ERROR, other.to_string()),
        }
    }
}

/// A request as a client sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// Always `"2.0"`.
    pub jsonrpc: String,
    /// Request id.
    pub id: Value,
    /// Method name.
    pub method: String,
    /// Positional parameters.
    pub params: Value,
}

/// The result or the error of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Payload {
    /// Success.
    Result(Value),
    /// Failure.
    Error(ErrorObject),
}

/// A response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// Always `"2.0"`.
    pub jsonrpc: &'static str,
    /// The request's id (`null` if it could not be read).
    pub id: Value,
    /// Result or error.
    #[serde(flatten)]
    pub payload: Payload,
}

impl Response {
    /// A response to request `id`.
    pub fn new(id: Value, payload: Payload) -> Self {
        Self {
            jsonrpc: "2.0",
            id,
            payload,
        }
    }

    /// An error response.
    pub fn error(id: Value, error: ErrorObject) -> Self {
        Self::new(id, Payload::Error(error))
    }
}

/// A block number or quantity as Ethereum nodes return it: `0x`-prefixed lower-case hex
/// without leading zeros (`"0x0"`, `"0x539"`).
pub fn hex_quantity(value: u64) -> String {
    format!("{value:#x}")
}

/// Reads a quantity: a JSON number, a `0x` hex string or a decimal string.
pub fn parse_quantity(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(hex) if !hex.is_empty() => u64::from_str_radix(hex, 16).ok(),
            Some(_) => None,
            None => s.parse().ok(),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities() {
        assert_eq!(hex_quantity(0), "0x0");
        assert_eq!(hex_quantity(1337), "0x539");
        assert_eq!(parse_quantity(&json!(5)), Some(5));
        assert_eq!(parse_quantity(&json!("0x539")), Some(1337));
        assert_eq!(parse_quantity(&json!("42")), Some(42));
        assert_eq!(parse_quantity(&json!("0x")), None);
        assert_eq!(parse_quantity(&json!(-1)), None);
        assert_eq!(parse_quantity(&json!(1.5)), None);
        assert_eq!(parse_quantity(&json!(null)), None);
    }

    #[test]
    fn responses_carry_either_result_or_error() {
        let ok = Response::new(json!(1), Payload::Result(Value::Null));
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"jsonrpc": "2.0", "id": 1, "result": null})
        );
        let error = Response::error(json!("x"), ErrorObject::new(METHOD_NOT_FOUND, "no"));
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({"jsonrpc": "2.0", "id": "x", "error": {"code": -32601, "message": "no"}})
        );
    }
}
