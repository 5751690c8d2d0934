//! Tests for conference keys, date spans and matching.

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn span(s: &str) -> DateSpan {
    DateSpan::parse(s).unwrap()
}

#[test]
fn keys_ignore_case_punctuation_spacing_and_years() {
    let rust = conference_key("RustConf");
    assert_eq!(rust, "rustconf");
    for same in [
        "RustConf 2026!",
        "rustconf-2026",
        "Rust Conf 2026",
        "Rust  Conf",
        "RUST_CONF",
        "  rust.conf  ",
        "RustConf2026",
        "“RustConf”",
    ] {
        assert_eq!(conference_key(same), rust, "{same:?}");
    }
    assert_eq!(
        conference_key("Q&amp;A Summit"),
        conference_key("Q & A summit")
    );
    assert_eq!(conference_key("Q&amp;A Summit"), "qasummit");
    assert_eq!(conference_key("Web3 Days"), "web3days");
    assert_eq!(conference_key("JSConf EU 12026"), "jsconfeu12026");
    assert_eq!(conference_key("Café Ünïcode"), "caféünïcode");
    assert_eq!(conference_key("2026"), "2026");
    assert_eq!(conference_key("20 26"), "2026");
    assert_eq!(conference_key("!!!"), "");
    assert_eq!(conference_key(""), "");
    assert_ne!(conference_key("GopherCon"), conference_key("GopherCon EU"));
}

#[test]
fn spans_parse_single_days_and_ranges() {
    assert_eq!(span("2026-06-10"), DateSpan::single(d(2026, 6, 10)));
    let three = DateSpan::new(d(2026, 6, 10), d(2026, 6, 12)).unwrap();
    for same in [
        "2026-06-10..2026-06-12",
        " 2026-06-10 .. 2026-06-12 ",
        "2026-06-10...2026-06-12",
        "2026-06-10…2026-06-12",
        "2026-06-10–2026-06-12",
        "2026-06-10 — 2026-06-12",
        "2026-06-10 to 2026-06-12",
        "2026-06-10 TO 2026-06-12",
    ] {
        assert_eq!(span(same), three, "{same:?}");
    }
    assert_eq!(three.days(), 3);
    assert_eq!(three.to_string(), "2026-06-10..2026-06-12");
    assert_eq!(span(&three.to_string()), three);
    assert_eq!(span("2026-06-10").to_string(), "2026-06-10");
    assert_eq!(
        span("2026-06-10..2026-06-10"),
        DateSpan::single(d(2026, 6, 10))
    );
    assert_eq!(three.label(), "Wed 10 Jun – Fri 12 Jun 2026");
    assert_eq!(span("2026-06-10").label(), "Wed 10 Jun 2026");
    assert_eq!(
        span("2026-12-30..2027-01-01").label(),
        "Wed 30 Dec 2026 – Fri 1 Jan 2027"
    );
}

#[test]
fn span_errors_name_the_bad_piece() {
    assert_eq!(
        DateSpan::parse("2026-06-12..2026-06-10").unwrap_err().to_string(),
        "The dates run backwards: 2026-06-10 is before 2026-06-12. Put the first day first, like 2026-06-10..2026-06-12."
    );
    assert_eq!(
        DateSpan::parse("2026-06-01..2026-07-02"),
        Err(DomainError::SpanTooLong(32))
    );
    assert!(DateSpan::parse("2026-06-01..2026-07-01").is_ok());
    assert!(DomainError::SpanTooLong(32)
        .to_string()
        .contains("at most 31 days"));
    assert!(matches!(
        DateSpan::parse("2026-02-30"),
        Err(DomainError::BadDayOfMonth { day: 30, .. })
    ));
    assert!(matches!(
        DateSpan::parse("2026-06-10..2026-13-01"),
        Err(DomainError::BadMonth { month: 13, .. })
    ));
    assert_eq!(
        DateSpan::parse("2026-06-10..12"),
        Err(DomainError::BadDate("12".into()))
    );
    for bad in ["2026-06-10..", "..2026-06-10", "..", " .. "] {
        assert_eq!(
            DateSpan::parse(bad),
            Err(DomainError::BadSpan(shown(bad))),
            "{bad:?}"
        );
    }
    assert_eq!(DateSpan::parse(""), Err(DomainError::BadDate("".into())));
    assert!(DateSpan::parse("2026-06-10..2026-06-11..2026-06-12").is_err());
    assert!(DateSpan::new(NaiveDate::MIN, NaiveDate::MAX).is_err());
}

#[test]
fn overlaps_include_shared_edge_days() {
    let a = span("2026-06-10..2026-06-12");
    assert!(a.overlaps(&span("2026-06-12..2026-06-14")));
    assert!(a.overlaps(&span("2026-06-08..2026-06-10")));
    assert!(a.overlaps(&span("2026-06-11")));
    assert!(a.overlaps(&a));
    assert!(!a.overlaps(&span("2026-06-13..2026-06-14")));
    assert!(!a.overlaps(&span("2026-06-09")));
    assert!(a.contains(d(2026, 6, 12)) && !a.contains(d(2026, 6, 13)));
}

#[test]
fn same_conference_needs_key_and_dates() {
    let june = span("2026-06-10..2026-06-12");
    let day2 = span("2026-06-11");
    let next_year = span("2027-06-10..2027-06-12");
    assert!(same_conference(
        ("RustConf 2026", &june),
        ("rust-conf", &day2)
    ));
    assert!(!same_conference(
        ("RustConf", &june),
        ("RustConf", &next_year)
    ));
    assert!(!same_conference(("RustConf", &june), ("GopherCon", &june)));
    assert!(!same_conference(("!!!", &june), ("???", &june)));
}
