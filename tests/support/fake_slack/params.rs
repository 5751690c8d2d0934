//! Reading parameters as Slack does: from the query, a form body or a JSON body.

use serde_json::{Map, Value};

pub(super) fn str_param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A parameter that is JSON, sent either as JSON (JSON body) or as a JSON-encoded string (form/query).
pub(super) fn json_param(params: &Map<String, Value>, key: &str) -> Option<Value> {
    match params.get(key)? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(serde_json::from_str(s).unwrap_or(Value::Null)),
        Value::Null => None,
        other => Some(other.clone()),
    }
}

/// A timestamp parameter (string, or a number in a JSON body) in microseconds; Err if not one.
pub(super) fn ts_param(params: &Map<String, Value>, key: &str) -> Result<Option<u128>, ()> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => parse_ts(s).map(Some).ok_or(()),
        Some(Value::Number(n)) => parse_ts(&n.to_string()).map(Some).ok_or(()),
        Some(_) => Err(()),
    }
}

/// "1700000000.000100", "1700000000" or "1700000000.5" as microseconds since the epoch.
pub(super) fn parse_ts(s: &str) -> Option<u128> {
    let (secs, fraction) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if secs.is_empty() || fraction.len() > 6 || !digits(secs) || !digits(fraction) {
        return None;
    }
    let micros: u128 = format!("{fraction:0<6}").parse().ok()?;
    Some(secs.parse::<u128>().ok()? * 1_000_000 + micros)
}

pub(super) fn is_truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || matches!(v.as_str(), Some("true" | "1"))
}
