//! Shorthands the grammar's tests share.

use chrono::NaiveDate;

use super::{parse, Command, ParseError, UserRef};

pub(crate) fn ok(s: &str) -> Command {
    parse(s).unwrap_or_else(|e| panic!("{s:?} failed: {e}"))
}

pub(crate) fn bad(s: &str) -> ParseError {
    match parse(s) {
        Err(e) => e,
        Ok(c) => panic!("{s:?} parsed as {c:?}"),
    }
}

pub(crate) fn problem(s: &str) -> String {
    bad(s).problem
}

pub(crate) fn user(id: &str) -> UserRef {
    UserRef {
        id: id.into(),
        label: None,
    }
}

pub(crate) fn labelled(id: &str, label: &str) -> UserRef {
    UserRef {
        id: id.into(),
        label: Some(label.into()),
    }
}

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A tiny deterministic random source for the garbage-input tests (xorshift64).
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
