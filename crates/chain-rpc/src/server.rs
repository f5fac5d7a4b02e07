//! The JSON-RPC 2.0 server: HTTP `POST /` (axum), single requests and batches.
//!
//! Parameters are positional (a JSON array, or absent for methods without parameters).
//! Views answer for the pending block (see [`crate::views`]). Blocks, receipts, events and
//! the genesis configuration use the ledger's own JSON encoding (the one
//! `comb_sendTransaction` takes its signed transaction in); the view results of
//! [`crate::types`] give amounts as decimal strings.
//!
//! | method | params | result |
//! | --- | --- | --- |
//! | `eth_chainId` | — | hex quantity, e.g. `"0x539"` |
//! | `eth_blockNumber` | — | hex quantity of the head (last sealed block) |
//! | `comb_genesis` | — | [`comb_chain::GenesisConfig`] |
//! | `comb_head` | — | [`comb_chain::BlockHeader`] of the head |
//! | `comb_sendTransaction` | `[signedTransaction]` | [`comb_chain::Receipt`]; a revert is error `3` |
//! | `comb_nonce` | `[address]` | number |
//! | `comb_balance` | `[address]` | decimal string (PLUR) |
//! | `comb_getBlock` | `[number \| "latest"]` | [`comb_chain::Block`] or `null` |
//! | `comb_getEvents` | `[fromBlock, toBlock]` | `[`[`crate::types::EventRecord`]`]` of sealed blocks in the inclusive range |
//! | `comb_batch` | `[batchId]` | [`crate::types::BatchInfo`] or `null` |
//! | `comb_batches` | — | `[`[`crate::types::BatchInfo`]`]` |
//! | `comb_postage` | — | [`crate::types::PostageInfo`] |
//! | `comb_price` | — | [`crate::types::PriceInfo`] |
//! | `comb_stake` | `[address]` | [`crate::types::StakeInfo`] |
//! | `comb_redistribution` | — | [`crate::types::RedistributionInfo`] |
//! | `comb_isParticipating` | `[owner, depth]` | bool; a contract revert is error `3` |
//! | `comb_isWinner` | `[overlay]` | bool; a contract revert is error `3` |
//! | `comb_chequebook` | `[address]` | [`crate::types::ChequebookInfo`] or `null` |
//! | `comb_architecture` | — | the staking architecture's state ([`comb_chain::architecture::Architecture`]) |
//!
//! Errors: `-32700` malformed JSON, `-32600` not a request, `-32601` unknown method, `-32602`
//! bad parameters, `-32603` server failure, `3` revert (message: the [`comb_chain::ChainError`]
//! Display; data: the error as JSON). Requests without an `id` are notifications and get no
//! response (HTTP 204 when nothing is left to answer).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::post;
use axum::Router;
use comb_chain::SignedTransaction;
use comb_primitives::{Address, B256};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::chain::Chain;
use crate::jsonrpc::{
    hex_quantity, parse_quantity, ErrorObject, Payload, Response, INVALID_REQUEST,
    METHOD_NOT_FOUND, PARSE_ERROR,
};
use crate::types::EventRecord;
use crate::{views, RpcError};

/// The widest block range one `comb_getEvents` call may ask for.
pub const MAX_EVENT_RANGE: u64 = 10_000;

/// The default address: loopback only, port 8545.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8545";

/// The axum router serving the chain at `POST /`.
pub fn router(chain: Arc<Chain>) -> Router {
    Router::new().route("/", post(handle)).with_state(chain)
}

/// Binds `addr` (use port 0 for any free port).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, RpcError> {
    Ok(TcpListener::bind(addr).await?)
}

/// Serves the chain on `listener` until `shutdown` completes, then finishes the requests in
/// flight and returns.
pub async fn serve(
    listener: TcpListener,
    chain: Arc<Chain>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RpcError> {
    axum::serve(listener, router(chain))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

async fn handle(State(chain): State<Arc<Chain>>, body: Bytes) -> HttpResponse {
    // Handling blocks (the ledger lock, durable commits): keep it off the async workers.
    match tokio::task::spawn_blocking(move || handle_body(&chain, &body)).await {
        Ok(Some(json)) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => {
            let error = Response::error(
                Value::Null,
                ErrorObject::new(crate::jsonrpc::INTERNAL_ERROR, "request handler failed"),
            );
            let json = serde_json::to_vec(&error).unwrap_or_default();
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                json,
            )
                .into_response()
        }
    }
}

/// Answers one HTTP body: a request or a batch. `None` if there is nothing to answer (only
/// notifications).
pub fn handle_body(chain: &Chain, body: &[u8]) -> Option<Vec<u8>> {
    let encoded = match serde_json::from_slice::<Value>(body) {
        Err(e) => serde_json::to_vec(&Response::error(
            Value::Null,
            ErrorObject::new(PARSE_ERROR, format!("parse error: {e}")),
        )),
        Ok(Value::Array(requests)) if requests.is_empty() => serde_json::to_vec(&Response::error(
            Value::Null,
            ErrorObject::new(INVALID_REQUEST, "empty batch"),
        )),
        Ok(Value::Array(requests)) => {
            let responses: Vec<Response> = requests
                .into_iter()
                .filter_map(|request| handle_request(chain, request))
                .collect();
            if responses.is_empty() {
                return None;
            }
            serde_json::to_vec(&responses)
        }
        Ok(request) => serde_json::to_vec(&handle_request(chain, request)?),
    };
    // Encoding a `Value` cannot fail; answer with an internal error just in case.
    Some(encoded.unwrap_or_else(|_| {
        br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"encoding failed"}}"#
            .to_vec()
    }))
}

/// Answers one request object; `None` for a notification.
pub fn handle_request(chain: &Chain, request: Value) -> Option<Response> {
    let Value::Object(mut object) = request else {
        return Some(Response::error(
            Value::Null,
            ErrorObject::new(INVALID_REQUEST, "a request must be a JSON object"),
        ));
    };
    let (id, notification) = match object.remove("id") {
        None => (Value::Null, true),
        Some(id @ (Value::Null | Value::Number(_) | Value::String(_))) => (id, false),
        Some(_) => {
            return Some(Response::error(
                Value::Null,
                ErrorObject::new(INVALID_REQUEST, "id must be a string, a number or null"),
            ))
        }
    };
    let invalid = |message: &str| {
        Some(Response::error(
            id.clone(),
            ErrorObject::new(INVALID_REQUEST, message),
        ))
    };
    match object.get("jsonrpc") {
        None => {}
        Some(Value::String(version)) if version == "2.0" => {}
        Some(_) => return invalid("jsonrpc must be \"2.0\""),
    }
    let Some(Value::String(method)) = object.remove("method") else {
        return invalid("method must be a string");
    };
    let params = match object.remove("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(params)) => params,
        Some(_) => {
            return Some(Response::error(
                id,
                ErrorObject::invalid_params("params must be an array (positional parameters)"),
            ))
        }
    };
    let payload = match dispatch(chain, &method, &params) {
        Ok(result) => Payload::Result(result),
        Err(error) => Payload::Error(error),
    };
    (!notification).then(|| Response::new(id, payload))
}

/// Positional parameters of one call.
struct Params<'a> {
    values: &'a [Value],
}

impl Params<'_> {
    fn expect(&self, count: usize) -> Result<(), ErrorObject> {
        if self.values.len() == count {
            Ok(())
        } else {
            Err(ErrorObject::invalid_params(format!(
                "expected {count} parameter(s), got {}",
                self.values.len()
            )))
        }
    }

    fn value(&self, index: usize, name: &str) -> Result<&Value, ErrorObject> {
        self.values
            .get(index)
            .ok_or_else(|| ErrorObject::invalid_params(format!("missing parameter {name}")))
    }

    fn get<T: DeserializeOwned>(&self, index: usize, name: &str) -> Result<T, ErrorObject> {
        let value = self.value(index, name)?;
        serde_json::from_value(value.clone())
            .map_err(|e| ErrorObject::invalid_params(format!("invalid {name}: {e}")))
    }

    fn block(&self, index: usize, name: &str, latest: u64) -> Result<u64, ErrorObject> {
        let value = self.value(index, name)?;
        if value.as_str() == Some("latest") {
            return Ok(latest);
        }
        parse_quantity(value).ok_or_else(|| {
            ErrorObject::invalid_params(format!(
                "invalid {name}: expected a block number (number, hex or decimal string) or \"latest\""
            ))
        })
    }
}

fn json<T: Serialize>(value: T) -> Result<Value, ErrorObject> {
    serde_json::to_value(value).map_err(|e| ErrorObject::from(RpcError::Json(e)))
}

fn reverted(error: comb_chain::ChainError) -> ErrorObject {
    ErrorObject::from(RpcError::CallReverted(error))
}

/// Runs one method.
fn dispatch(chain: &Chain, method: &str, values: &[Value]) -> Result<Value, ErrorObject> {
    let params = Params { values };
    match method {
        "eth_chainId" => {
            params.expect(0)?;
            json(hex_quantity(chain.config().chain_id))
        }
        "eth_blockNumber" => {
            params.expect(0)?;
            json(hex_quantity(chain.head()?.number))
        }
        "comb_genesis" => {
            params.expect(0)?;
            json(chain.config())
        }
        "comb_head" => {
            params.expect(0)?;
            json(chain.head()?)
        }
        "comb_sendTransaction" => {
            params.expect(1)?;
            let transaction: SignedTransaction = params.get(0, "signedTransaction")?;
            json(chain.submit(transaction)?)
        }
        "comb_nonce" => {
            params.expect(1)?;
            let account: Address = params.get(0, "address")?;
            json(chain.view(|l| views::nonce(l, &account))?)
        }
        "comb_balance" => {
            params.expect(1)?;
            let account: Address = params.get(0, "address")?;
            json(chain.view(|l| views::balance(l, &account))?.to_string())
        }
        "comb_getBlock" => {
            params.expect(1)?;
            let number = params.block(0, "number", chain.head()?.number)?;
            json(chain.block(number)?)
        }
        "comb_getEvents" => {
            params.expect(2)?;
            let head = chain.head()?.number;
            let from = params.block(0, "fromBlock", head)?;
            let to = params.block(1, "toBlock", head)?;
            if to.saturating_sub(from) >= MAX_EVENT_RANGE {
                return Err(ErrorObject::invalid_params(format!(
                    "block range too wide: at most {MAX_EVENT_RANGE} blocks per call"
                )));
            }
            json(events(chain, from, to.min(head))?)
        }
        "comb_batch" => {
            params.expect(1)?;
            let id: B256 = params.get(0, "batchId")?;
            json(chain.view(|l| views::batch(l, &id))?.map_err(reverted)?)
        }
        "comb_batches" => {
            params.expect(0)?;
            json(chain.view(views::batches)?.map_err(reverted)?)
        }
        "comb_postage" => {
            params.expect(0)?;
            json(chain.view(views::postage)?.map_err(reverted)?)
        }
        "comb_price" => {
            params.expect(0)?;
            json(chain.view(views::price)?)
        }
        "comb_stake" => {
            params.expect(1)?;
            let owner: Address = params.get(0, "address")?;
            json(chain.view(|l| views::stake(l, &owner))?)
        }
        "comb_redistribution" => {
            params.expect(0)?;
            json(chain.view(views::redistribution)?)
        }
        "comb_isParticipating" => {
            params.expect(2)?;
            let owner: Address = params.get(0, "owner")?;
            let depth: u8 = params.get(1, "depth")?;
            json(
                chain
                    .view(|l| views::is_participating(l, &owner, depth))?
                    .map_err(reverted)?,
            )
        }
        "comb_isWinner" => {
            params.expect(1)?;
            let overlay: B256 = params.get(0, "overlay")?;
            json(
                chain
                    .view(|l| views::is_winner(l, &overlay))?
                    .map_err(reverted)?,
            )
        }
        "comb_architecture" => {
            params.expect(0)?;
            json(chain.view(|l| l.state().architecture.clone())?)
        }
        "comb_chequebook" => {
            params.expect(1)?;
            let address: Address = params.get(0, "address")?;
            json(chain.view(|l| views::chequebook(l, &address))?)
        }
        _ => Err(ErrorObject::new(
            METHOD_NOT_FOUND,
            format!("the method {method} does not exist"),
        )),
    }
}

/// The events of the sealed blocks `from..=to`, in order.
fn events(chain: &Chain, from: u64, to: u64) -> Result<Vec<EventRecord>, RpcError> {
    let mut records = Vec::new();
    for block in chain.store().blocks(from, to)? {
        for receipt in block.receipts {
            for event in receipt.events {
                records.push(EventRecord {
                    block_number: block.header.number,
                    transaction_hash: receipt.transaction_hash,
                    event,
                });
            }
        }
    }
    Ok(records)
}
