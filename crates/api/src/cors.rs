//! CORS as Bee answers it (`pkg/api/api.go` `corsHandler`, `checkOrigin`;
//! `pkg/jsonhttp/handlers.go` `HandleMethods`), so that browser clients such as Bee's web
//! dashboard can use the API:
//!
//! * A request whose `Origin` is allowed gets `Access-Control-Allow-Origin: <origin>`,
//!   `Access-Control-Allow-Credentials: true`, `Access-Control-Allow-Headers` (every header
//!   Bee's clients send, [`ALLOWED_HEADERS`]), `Access-Control-Allow-Methods: GET, HEAD,
//!   OPTIONS, POST, PUT, DELETE` and `Access-Control-Max-Age: 3600`. An origin is allowed when
//!   it is in the configured list (compared without case), when the list holds `*`, or when
//!   it is the node's own `http://<Host>`. A request without `Origin` is served as it is.
//! * A preflight (`OPTIONS`) of a path the API serves is answered `204` with the path's own
//!   methods, sorted: in `Access-Control-Allow-Methods` for an allowed origin, else in
//!   `Allow`. `OPTIONS` of an unknown path is `404`, as any method there.
//! * Bee names the response headers a script may read handler by handler
//!   (`Access-Control-Expose-Headers`: `Swarm-Tag` on uploads, `Swarm-Feed-Index` on feeds,
//!   …). comb exposes the same set on every response to an allowed origin
//!   ([`EXPOSED_HEADERS`]): a superset that hides nothing Bee shows.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// The request headers a cross-origin client may send (Bee's list).
pub const ALLOWED_HEADERS: &str = "User-Agent, Accept, X-Requested-With, \
Access-Control-Request-Headers, Access-Control-Request-Method, Accept-Ranges, \
Content-Encoding, Authorization, Accept-Encoding, Content-Type, Content-Disposition, Range, \
Origin, Swarm-Tag, Swarm-Pin, Swarm-Encrypt, Swarm-Index-Document, Swarm-Error-Document, \
Swarm-Collection, Swarm-Postage-Batch-Id, Swarm-Postage-Stamp, Swarm-Deferred-Upload, \
Swarm-Redundancy-Level, Swarm-Redundancy-Strategy, Swarm-Redundancy-Fallback-Mode, \
Swarm-Chunk-Retrieval-Timeout, Swarm-Lookahead-Buffer-Size, Swarm-Feed-Index, \
Swarm-Feed-Index-Next, Swarm-Soc-Signature, Swarm-Only-Root-Chunk, Gas-Price, Gas-Limit, \
Immutable, Swarm-Act, Swarm-Act-Timestamp, Swarm-Act-Publisher, Swarm-Act-History-Address";

/// The methods Bee announces to an allowed origin.
pub const ALLOWED_METHODS: &str = "GET, HEAD, OPTIONS, POST, PUT, DELETE";

/// The response headers a cross-origin script may read: the union of what Bee's handlers
/// expose one by one.
pub const EXPOSED_HEADERS: &str = "Swarm-Tag, Swarm-Act-History-Address, Swarm-Feed-Index, \
Swarm-Feed-Index-Next, Content-Disposition, Accept-Ranges, Content-Encoding, ETag";

/// The configured origins (`cors-allowed-origins`).
#[derive(Debug, Clone, Default)]
pub struct Cors {
    allowed: Arc<Vec<String>>,
}

impl Cors {
    /// Allows `origins` (`*` allows every origin).
    pub fn new(origins: Vec<String>) -> Self {
        Self {
            allowed: Arc::new(origins),
        }
    }

    /// Whether a request from `origin` to the node at `host` is allowed.
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let own = host.map(|host| format!("http://{host}"));
        self.allowed
            .iter()
            .map(String::as_str)
            .chain(own.as_deref())
            .any(|allowed| allowed == "*" || allowed.eq_ignore_ascii_case(origin))
    }
}

/// The middleware: see the module docs.
pub async fn layer(State(cors): State<Cors>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let allowed = origin
        .as_deref()
        .filter(|origin| cors.allows(origin, host.as_deref()));
    let preflight = request.method() == Method::OPTIONS;
    let mut response = next.run(request).await;
    // axum answers a method a path does not serve with 405 and the path's methods in
    // `Allow`; for OPTIONS that is Bee's 204 preflight answer.
    let methods = if preflight && response.status() == StatusCode::METHOD_NOT_ALLOWED {
        let methods = response
            .headers()
            .get(header::ALLOW)
            .and_then(|value| value.to_str().ok())
            .map(sorted_methods)
            .unwrap_or_default();
        response = Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default();
        Some(methods)
    } else {
        None
    };
    let headers = response.headers_mut();
    if let Some(origin) = allowed {
        let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        };
        set(headers, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        set(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        set(
            headers,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            ALLOWED_HEADERS,
        );
        set(
            headers,
            header::ACCESS_CONTROL_ALLOW_METHODS,
            methods.as_deref().unwrap_or(ALLOWED_METHODS),
        );
        set(headers, header::ACCESS_CONTROL_MAX_AGE, "3600");
        set(
            headers,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            EXPOSED_HEADERS,
        );
    } else if let Some(methods) = methods {
        if let Ok(value) = HeaderValue::from_str(&methods) {
            headers.insert(header::ALLOW, value);
        }
    }
    response
}

/// `GET,HEAD,POST` (axum's form) as Bee writes it: sorted, `", "`-separated.
fn sorted_methods(allow: &str) -> String {
    let mut methods: Vec<&str> = allow
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    methods.sort_unstable();
    methods.dedup();
    methods.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_allowed_by_list_by_star_and_by_own_host() {
        let cors = Cors::new(vec!["https://dashboard.example".into()]);
        assert!(cors.allows("https://DASHBOARD.example", None));
        assert!(!cors.allows("https://evil.example", Some("127.0.0.1:1633")));
        assert!(cors.allows("http://127.0.0.1:1633", Some("127.0.0.1:1633")));
        assert!(Cors::new(vec!["*".into()]).allows("https://any.example", None));
        assert!(!Cors::default().allows("https://any.example", None));
    }

    #[test]
    fn methods_are_sorted_as_bee_writes_them() {
        assert_eq!(sorted_methods("POST,GET,HEAD"), "GET, HEAD, POST");
    }
}
