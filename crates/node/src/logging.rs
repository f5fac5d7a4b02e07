//! Log levels that change while the node runs: Bee's `/loggers` API over `tracing`.
//!
//! Bee keeps a registry of named loggers, each with its own verbosity. comb logs with `tracing`,
//! whose loggers are targets (module paths); its registry is the fixed list of comb's crates,
//! [`SUBSYSTEMS`], each a target that covers its modules. A logger's id, what Bee matches an
//! expression against, is the target (`comb_net`); its name, Bee's `/`-separated path, is the
//! target with `/` for `::`.
//!
//! The process installs the log subscriber once (the binary's `init_logging`) and hands a
//! [`LogControl`] to [`install`]: the directive it started with (`--verbosity`, `RUST_LOG`) and a
//! function that replaces the live filter. A verbosity set through the API becomes a directive
//! `target=level` on top of the starting one, and the filter is rebuilt from them. One process
//! has one subscriber, so in a devnet, where several nodes share a process, a change made
//! through any node's API applies to all of them.
//!
//! Bee's verbosities map onto tracing's levels: `none` off, `error`, `warning` warn, `info`,
//! `debug`, `all` trace.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use comb_api::types::{LoggerInfo, LoggerNode, Loggers};
use comb_api::ApiError;

/// comb's loggers: the tracing target of each crate (the binary is `comb`).
pub const SUBSYSTEMS: &[&str] = &[
    "comb",
    "comb_accounting",
    "comb_api",
    "comb_chain",
    "comb_chain_rpc",
    "comb_filetree",
    "comb_incentives",
    "comb_manifest",
    "comb_net",
    "comb_node",
    "comb_postage",
    "comb_primitives",
    "comb_sampling",
    "comb_store",
];

/// Bee's verbosity names, least to most, with the tracing level each stands for.
const VERBOSITIES: &[(&str, &str)] = &[
    ("none", "off"),
    ("error", "error"),
    ("warning", "warn"),
    ("info", "info"),
    ("debug", "debug"),
    ("all", "trace"),
];

/// Replaces the process's live log filter with one built from a directive string (tracing's
/// `EnvFilter` syntax); an error says why the directive was refused.
pub type ApplyFilter = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// The process's log levels: the starting directive, the verbosities set since, and how to
/// apply them.
pub struct LogControl {
    base: String,
    overrides: Mutex<BTreeMap<String, &'static str>>,
    apply: ApplyFilter,
}

static CONTROL: OnceLock<LogControl> = OnceLock::new();

/// Registers the process's log control; the first registration wins (`false` after).
pub fn install(base: impl Into<String>, apply: ApplyFilter) -> bool {
    CONTROL
        .set(LogControl {
            base: base.into(),
            overrides: Mutex::new(BTreeMap::new()),
            apply,
        })
        .is_ok()
}

/// The process's log control, once installed.
pub fn control() -> Option<&'static LogControl> {
    CONTROL.get()
}

/// A tracing level (`warn`, `INFO`, `off`, …) as Bee's verbosity name.
fn verbosity_of_level(level: &str) -> Option<&'static str> {
    let level = level.to_ascii_lowercase();
    VERBOSITIES
        .iter()
        .find(|(_, tracing)| *tracing == level)
        .map(|(bee, _)| *bee)
}

/// Bee's verbosity name as a tracing level.
fn level_of_verbosity(verbosity: &str) -> Option<&'static str> {
    VERBOSITIES
        .iter()
        .find(|(bee, _)| *bee == verbosity)
        .map(|(_, tracing)| *tracing)
}

/// The level a directive string gives `target`: the directive for the longest target that
/// covers it, else the bare default level, else tracing's default, `error`. Directives with
/// span or field filters (`target[span]=level`) are left out: they do not apply to a whole
/// target.
fn level_in(directives: &str, target: &str) -> &'static str {
    let mut default = "error";
    let mut best: Option<(usize, &'static str)> = None;
    for directive in directives.split(',').map(str::trim) {
        if directive.is_empty() || directive.contains('[') {
            continue;
        }
        match directive.split_once('=') {
            None => {
                if let Some(level) = verbosity_of_level(directive).and_then(level_of_verbosity) {
                    default = level;
                }
            }
            Some((prefix, level)) => {
                let covers = target == prefix
                    || target
                        .strip_prefix(prefix)
                        .is_some_and(|rest| rest.starts_with("::"));
                let Some(level) = verbosity_of_level(level).and_then(level_of_verbosity) else {
                    continue;
                };
                if covers && best.is_none_or(|(length, _)| prefix.len() >= length) {
                    best = Some((prefix.len(), level));
                }
            }
        }
    }
    best.map_or(default, |(_, level)| level)
}

impl LogControl {
    /// The directive string in force: the starting one without the targets set since, then
    /// `target=level` for each of those.
    fn directives(&self, overrides: &BTreeMap<String, &'static str>) -> String {
        let mut parts: Vec<String> = self
            .base
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .filter(|d| {
                d.split_once('=')
                    .is_none_or(|(target, _)| !overrides.contains_key(target))
            })
            .map(str::to_string)
            .collect();
        parts.extend(
            overrides
                .iter()
                .map(|(target, level)| format!("{target}={level}")),
        );
        parts.join(",")
    }

    fn overrides(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, &'static str>> {
        self.overrides
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Each subsystem with its verbosity now, Bee's name.
    pub fn verbosities(&self) -> Vec<(&'static str, &'static str)> {
        let directives = self.directives(&self.overrides());
        SUBSYSTEMS
            .iter()
            .map(|target| {
                let level = level_in(&directives, target);
                (*target, verbosity_of_level(level).unwrap_or("error"))
            })
            .collect()
    }

    /// `PUT /loggers/{exp}/{verbosity}` (Bee's `SetVerbosityByExp`): the subsystem named
    /// `exp`, else every subsystem the regular expression `exp` matches, gets `verbosity`.
    /// Matching nothing is no error, as in Bee.
    pub fn set(&self, exp: &str, verbosity: &str) -> Result<(), ApiError> {
        let level = level_of_verbosity(verbosity).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid path params: verbosity: want oneof:none error warning info debug all, got {verbosity:?}"
            ))
        })?;
        let targets: Vec<&str> = if SUBSYSTEMS.contains(&exp) {
            vec![exp]
        } else {
            let pattern = regex::Regex::new(exp)
                .map_err(|e| ApiError::bad_request(format!("invalid path params: exp: {e}")))?;
            SUBSYSTEMS
                .iter()
                .copied()
                .filter(|t| pattern.is_match(t))
                .collect()
        };
        if targets.is_empty() {
            return Ok(());
        }
        let mut overrides = self.overrides();
        let mut next = overrides.clone();
        for target in targets {
            next.insert(target.to_string(), level);
        }
        (self.apply)(&self.directives(&next)).map_err(|e| {
            ApiError::internal(format!("the log filter could not be replaced: {e}"))
        })?;
        *overrides = next;
        Ok(())
    }

    /// `GET /loggers[/{exp}]` (Bee's `loggerGetHandler`): the subsystems whose id is `exp` or
    /// matches it as a regular expression (all of them without `exp`), flat and as a tree. An
    /// expression that is no regular expression and names no subsystem is a 400.
    pub fn loggers(&self, exp: Option<&str>) -> Result<Loggers, ApiError> {
        let pattern = exp.map(|exp| (exp, regex::Regex::new(exp)));
        let mut result = Loggers::default();
        let mut flat = Vec::new();
        for (id, verbosity) in self.verbosities() {
            let matches = match &pattern {
                None => true,
                Some((exp, compiled)) => {
                    *exp == id || compiled.as_ref().is_ok_and(|rex| rex.is_match(id))
                }
            };
            if !matches {
                continue;
            }
            let name = id.replace("::", "/");
            let mut level = &mut result.tree;
            let parts: Vec<&str> = name.split('/').collect();
            for (i, part) in parts.iter().enumerate() {
                let node = level
                    .entry((*part).to_string())
                    .or_insert_with(LoggerNode::default);
                if i + 1 == parts.len() {
                    node.names.push(format!("{verbosity}|{id}"));
                }
                level = &mut node.next;
            }
            flat.push(LoggerInfo {
                logger: name,
                verbosity: verbosity.to_string(),
                subsystem: id.to_string(),
                id: base64_url(id),
            });
        }
        if flat.is_empty() {
            if let Some((_, Err(error))) = &pattern {
                return Err(ApiError::bad_request(format!(
                    "invalid path params: exp: {error}"
                )));
            }
        } else {
            result.loggers = Some(flat);
        }
        Ok(result)
    }
}

/// `GET /loggers[/{exp}]` of the process's log control ([`LogControl::loggers`]).
pub fn loggers(exp: Option<&str>) -> Result<Loggers, ApiError> {
    control().ok_or_else(no_control)?.loggers(exp)
}

/// The answer where the process installed no log subscriber (a node embedded in a test or
/// another program): nothing could change a level, so nothing pretends to.
pub fn no_control() -> ApiError {
    ApiError::not_implemented(
        "log levels are not controllable: this process installed no comb log subscriber",
    )
}

/// An expression from a path: Bee's `decBase64url`, URL-safe base64 (padding optional here),
/// decoding to UTF-8; anything else is Bee's 400 "invalid path params".
pub fn decode_exp(encoded: &str) -> Result<String, ApiError> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine
        .decode(encoded)
        .map_err(|e| ApiError::bad_request(format!("invalid path params: exp: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("invalid path params: exp: not UTF-8"))
}

/// Standard URL-safe base64 with padding (Go's `base64.URLEncoding`, which Bee's ids use).
pub fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE.encode(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn control(base: &str) -> (LogControl, Arc<Mutex<Vec<String>>>) {
        let applied = Arc::new(Mutex::new(Vec::new()));
        let sink = applied.clone();
        let control = LogControl {
            base: base.to_string(),
            overrides: Mutex::new(BTreeMap::new()),
            apply: Box::new(move |d| {
                sink.lock().map_err(|e| e.to_string())?.push(d.to_string());
                Ok(())
            }),
        };
        (control, applied)
    }

    #[test]
    fn levels_follow_the_most_specific_directive() {
        assert_eq!(level_in("info,comb_net=debug", "comb_net"), "debug");
        assert_eq!(level_in("info,comb_net=debug", "comb_node"), "info");
        assert_eq!(
            level_in("warn,comb_net=debug,comb=trace", "comb_net"),
            "debug"
        );
        assert_eq!(level_in("comb=trace", "comb_net"), "error");
        assert_eq!(level_in("OFF", "comb"), "off");
        assert_eq!(level_in("info,comb_net[span]=trace", "comb_net"), "info");
    }

    #[test]
    fn set_by_name_and_by_expression() {
        let (control, applied) = control("warn,comb_net=info");
        control.set("comb_net", "debug").expect("named");
        control.set("^comb_(store|chain)$", "all").expect("regex");
        let last = applied.lock().expect("lock").last().cloned();
        assert_eq!(
            last.as_deref(),
            Some("warn,comb_chain=trace,comb_net=debug,comb_store=trace")
        );
        let levels: BTreeMap<_, _> = control.verbosities().into_iter().collect();
        assert_eq!(levels["comb_net"], "debug");
        assert_eq!(levels["comb_store"], "all");
        assert_eq!(levels["comb_chain"], "all");
        assert_eq!(levels["comb_chain_rpc"], "warning");
        // A bad verbosity or expression is a 400 and changes nothing.
        assert_eq!(
            control.set("comb", "loud").map_err(|e| e.status.as_u16()),
            Err(400)
        );
        assert_eq!(
            control.set("(", "info").map_err(|e| e.status.as_u16()),
            Err(400)
        );
        assert_eq!(applied.lock().expect("lock").len(), 2);
        // Matching nothing is fine and applies nothing.
        control.set("^nothing$", "info").expect("no match");
        assert_eq!(applied.lock().expect("lock").len(), 2);
    }

    #[test]
    fn listing_is_bees_tree_and_flat_list() {
        let (control, _) = control("info,comb_net=debug");
        let all = control.loggers(None).expect("all");
        let flat = all.loggers.expect("some");
        assert_eq!(flat.len(), SUBSYSTEMS.len());
        let net = flat
            .iter()
            .find(|l| l.subsystem == "comb_net")
            .expect("net");
        assert_eq!(net.verbosity, "debug");
        assert_eq!(net.logger, "comb_net");
        assert_eq!(net.id, "Y29tYl9uZXQ=");
        assert_eq!(
            all.tree["comb_net"].names,
            vec!["debug|comb_net".to_string()]
        );
        let json = serde_json::to_value(&all.tree["comb_node"]).expect("json");
        assert_eq!(json, serde_json::json!({"+": ["info|comb_node"]}));
        // By id, by expression; nothing matched is an empty answer; a bad regex is a 400.
        let one = control.loggers(Some("comb_store")).expect("one");
        assert_eq!(one.loggers.map(|l| l.len()), Some(1));
        let some = control.loggers(Some("^comb_chain")).expect("regex");
        assert_eq!(some.loggers.map(|l| l.len()), Some(2));
        let none = control.loggers(Some("^bee$")).expect("none");
        assert_eq!(
            serde_json::to_value(&none).expect("json"),
            serde_json::json!({"tree": {}, "loggers": null})
        );
        assert_eq!(
            control.loggers(Some("(")).map_err(|e| e.status.as_u16()),
            Err(400)
        );
    }

    #[test]
    fn ids_are_go_url_base64() {
        assert_eq!(base64_url("comb_net"), "Y29tYl9uZXQ=");
        assert_eq!(base64_url("comb"), "Y29tYg==");
        assert_eq!(decode_exp("Y29tYg==").expect("padded"), "comb");
        assert_eq!(decode_exp("Y29tYg").expect("unpadded"), "comb");
        // `^comb_(a|b)?` has a `?` encoded as `_`-free URL-safe base64.
        assert_eq!(
            decode_exp(&base64_url("^comb.*$")).expect("regex"),
            "^comb.*$"
        );
        assert_eq!(decode_exp("@@").map_err(|e| e.status.as_u16()), Err(400));
    }
}
