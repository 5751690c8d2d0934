//! A mentor's weekly windows as an RFC 5545 calendar, for the private feed
//! that Google Calendar, Outlook and Apple Calendar subscribe to.
//!
//! Each window is one weekly `RRULE` event in the mentor's own zone, plus a
//! `VTIMEZONE` derived from chrono-tz so that clients which don't know the
//! IANA name still get the offsets right.
//!
//! A client expands a series by keeping the wall-clock start and adding the
//! first instance's exact length (RFC 5545 §3.8.5.3), and reads a wall time
//! in a DST gap with the offset from before the gap (§3.3.5). The bot
//! instead starts such a window at the end of the gap and ends every
//! occurrence at its own wall-clock end (see `domain::tzmath`). On the few
//! days where the two would differ (a start or end in a gap or an overlap,
//! or a window that spans a change) the series gets an `EXDATE` and the
//! bot's occurrence is published as a separate event in UTC, so every
//! client shows exactly what the bot announces.
//!
//! Every series ends (`RRULE` `UNTIL`) at a horizon, the last day of the
//! fifth year ahead, and the feed says so in `X-WR-CALDESC`. Up to there
//! the `VTIMEZONE` lists each of the zone's changes and every day a client
//! would get wrong is corrected; past it the feed claims nothing. Clients
//! refetch the feed (hourly, as `REFRESH-INTERVAL` and `X-PUBLISHED-TTL`
//! ask, or on their own schedule of hours to a day), so the horizon moves
//! along years before anyone gets near it. The other way, series that run
//! forever, would need a `VTIMEZONE` and corrections that are right
//! forever, and neither can be had:
//! - the corrections fall on the zone's change days, which a weekly
//!   `RRULE` cannot skip (`EXRULE` is gone from RFC 5545 and few clients
//!   ever read it), and for Casablanca, whose changes follow Ramadan, no
//!   rule names them at all; past the last `EXDATE` a client reads a gap
//!   time by the old offset and adds the exact length, so windows on those
//!   days move, and end before they start;
//! - an `RRULE` observance is only today's rule carried forward, a guess
//!   the tz database already makes (chrono-tz gives its changes far ahead),
//!   and one that zones which change their rules break. Clients that read
//!   the `VTIMEZONE` (ical.js, Thunderbird's engine) keep the last offset
//!   past its last observance, and shift half of every year.
//!
//! A bounded series is read alike by every client, whether it takes the
//! zone from this file or from its own tz database by name (Google, Apple,
//! Outlook), and keeps the feed's size bounded. `tests/calendar_oracle.rs`
//! expands it with ical.js and Python's recurring_ical_events.
//!
//! The `icalendar` crate renders the calendar, its events and properties
//! (escaping included). Two of its habits are worked around here: it adds a
//! `DTSTAMP` and a random `UID` to every nested component, which
//! `VTIMEZONE` must not have, so that component is rendered from its
//! properties; and its folding can leave 76-octet continuation lines, so
//! the finished text is folded again at 75 octets.

use chrono::{DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime};
use chrono::{NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike};
use icalendar::{Parameter, Property};

use crate::domain::{occurrence_on, Occurrence, TimeOfDay, WeeklyWindow};

/// One published window: `id` keeps its `UID` stable across edits.
#[derive(Clone, Copy, Debug)]
pub struct CalendarWindow<'a> {
    pub id: i64,
    pub window: &'a WeeklyWindow,
    pub topics: &'a [String],
}

const PRODID: &str = "-//officehours//EN";
const UID_DOMAIN: &str = "officehours";
const REFRESH: &str = "PT1H";
/// The series starts this many days before the local date of `now`, so
/// calendars show the whole current week.
const LOOK_BACK_DAYS: u64 = 7;
/// The horizon: occurrences are published through the last local day of
/// the fifth year after `now`'s, and no further. Feeds are refetched
/// hourly, so the horizon moves along with the clock.
const YEARS_AFTER: i32 = 5;
/// The zone's changes are published from the start of last year (UTC) to
/// a few days past the horizon, where the last occurrence ends.
const YEARS_BEFORE: i32 = 1;
const ZONE_DAYS_PAST_HORIZON: u64 = 4;
const MAX_LINE_OCTETS: usize = 75;

/// The calendar for `owner_label`'s windows in `tz`. `now` stamps `DTSTAMP`
/// and sets the dates published: from the local date of `now` minus seven
/// days through the horizon (each series starts on its first day that needs
/// no correction, and ends on its last). The output is a function of the
/// arguments alone.
pub fn ics(
    owner_label: &str,
    tz: Tz,
    windows: &[CalendarWindow<'_>],
    now: DateTime<Utc>,
) -> String {
    ics_with_link(owner_label, tz, windows, None, now)
}

/// `ics`, with the mentor's meeting link (if any) as each event's `URL` and `LOCATION`.
pub fn ics_with_link(
    owner_label: &str,
    tz: Tz,
    windows: &[CalendarWindow<'_>],
    link: Option<&str>,
    now: DateTime<Utc>,
) -> String {
    let owner = one_line(owner_label);
    let span = Span::around(tz, now);
    let title = if owner.is_empty() {
        "Office hours".to_string()
    } else {
        format!("Office hours: {owner}")
    };

    let mut calendar = Calendar::empty();
    calendar
        .append_property(("PRODID", PRODID))
        .append_property(("VERSION", "2.0"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .append_property(("X-WR-CALNAME", title.as_str()))
        .timezone(tz)
        .append_property(
            Property::new("REFRESH-INTERVAL", REFRESH)
                .append_parameter(Parameter::new("VALUE", "DURATION"))
                .done(),
        )
        .append_property(("X-PUBLISHED-TTL", REFRESH));
    if let Some(span) = span {
        let reach = format!(
            "Weekly windows in {} through {}. Each refresh of this feed moves that date along.",
            tz.name(),
            span.last_day.format("%Y-%m-%d")
        );
        calendar.append_property(("X-WR-CALDESC", reach.as_str()));
        for w in windows {
            calendar.extend(
                window_events(w, &title, tz, now, span)
                    .into_iter()
                    .map(|event| with_link(event, link)),
            );
        }
    }

    let mut lines = logical_lines(&calendar.to_string());
    // The zone goes first, before any event that names it.
    let at = lines
        .iter()
        .skip(1)
        .position(|l| l.starts_with("BEGIN:") || l == "END:VCALENDAR")
        .map_or(lines.len(), |i| i + 1);
    let zone = span.map_or((now, now), |s| (s.zone_from, s.zone_until));
    lines.splice(at..at, vtimezone(tz, zone));
    fold(&lines)
}

/// What the feed covers: the local dates whose occurrences it publishes,
/// and the UTC instants between which it lists the zone's changes.
#[derive(Clone, Copy, Debug)]
struct Span {
    first_day: NaiveDate,
    last_day: NaiveDate,
    zone_from: DateTime<Utc>,
    zone_until: DateTime<Utc>,
}

impl Span {
    /// None only at the very ends of chrono's range.
    fn around(tz: Tz, now: DateTime<Utc>) -> Option<Span> {
        let today = local_of(tz, now)?.date();
        let first_day = today.checked_sub_days(Days::new(LOOK_BACK_DAYS))?;
        let last_day = NaiveDate::from_ymd_opt(today.year().checked_add(YEARS_AFTER)?, 12, 31)?;
        let zone_from = Utc
            .with_ymd_and_hms(now.year().checked_sub(YEARS_BEFORE)?, 1, 1, 0, 0, 0)
            .single()?;
        let zone_until = last_day
            .checked_add_days(Days::new(ZONE_DAYS_PAST_HORIZON))?
            .and_time(NaiveTime::MIN)
            .and_utc();
        Some(Span {
            first_day,
            last_day,
            zone_from,
            zone_until,
        })
    }
}

// ---------------------------------------------------------------- events

/// The weekly series for one window, plus one event for each day the
/// series would get wrong (see the module docs).
fn window_events(
    cw: &CalendarWindow<'_>,
    title: &str,
    tz: Tz,
    now: DateTime<Utc>,
    span: Span,
) -> Vec<Event> {
    let w = cw.window;
    let plan = Plan::of(w, tz, span);
    let summary = summary(title, cw.topics);
    let description = description(w, tz, cw.topics);

    let mut events = Vec::with_capacity(plan.singles.len() + 1);
    if let Some(series) = plan.series {
        let mut event = base_event(
            &format!("window-{}@{UID_DOMAIN}", cw.id),
            now,
            &summary,
            &description,
        );
        event
            .starts(zoned(series.start, tz))
            .ends(zoned(series.end, tz))
            .add_property("RRULE", rrule(w, series.until));
        for x in plan.exdates {
            event.append_multi_property(DatePerhapsTime::from(zoned(x, tz)).to_property("EXDATE"));
        }
        events.push(event.done());
    }
    for (date, occ) in plan.singles {
        let uid = format!("window-{}-{}@{UID_DOMAIN}", cw.id, date.format("%Y%m%d"));
        let mut event = base_event(&uid, now, &summary, &description);
        event
            .starts(CalendarDateTime::Utc(occ.start))
            .ends(CalendarDateTime::Utc(occ.end));
        events.push(event.done());
    }
    events
}

/// The weekly series: its first occurrence's wall-clock bounds, and the
/// instant its last occurrence starts (`UNTIL`).
#[derive(Clone, Copy, Debug)]
struct Series {
    start: NaiveDateTime,
    end: NaiveDateTime,
    until: DateTime<Utc>,
}

/// One window's share of the feed over the span's dates.
#[derive(Debug, Default)]
struct Plan {
    /// None when no day in the span is regular.
    series: Option<Series>,
    /// Wall-clock starts of the days between the series' first and last
    /// occurrences that the series would get wrong.
    exdates: Vec<NaiveDateTime>,
    /// The bot's occurrences on those days (and on any before or after the
    /// series), published as one-off events.
    singles: Vec<(NaiveDate, Occurrence)>,
}

impl Plan {
    fn of(w: &WeeklyWindow, tz: Tz, span: Span) -> Plan {
        let mut plan = Plan::default();
        // EXDATEs up to the series' last occurrence; later days are not in it.
        let mut in_series = 0;
        let mut day = Some(span.first_day);
        while let Some(date) = day.filter(|d| *d <= span.last_day) {
            day = date.succ_opt();
            if !w.days.contains(date.weekday()) {
                continue;
            }
            let Some((start, end)) = nominal_bounds(w, date) else {
                continue;
            };
            if let Some(until) = regular_start(w, tz, date, start, end) {
                let first = plan.series.map_or((start, end), |s| (s.start, s.end));
                plan.series = Some(Series {
                    start: first.0,
                    end: first.1,
                    until,
                });
                in_series = plan.exdates.len();
                continue;
            }
            if plan.series.is_some() {
                plan.exdates.push(start);
            }
            if let Some(occ) = occurrence_on(w, tz, date) {
                plan.singles.push((date, occ));
            }
        }
        plan.exdates.truncate(in_series);
        plan
    }
}

/// Where to meet: the link as the event's address and its place.
fn with_link(mut event: Event, link: Option<&str>) -> Event {
    if let Some(url) = link {
        event.add_property("URL", url).add_property("LOCATION", url);
    }
    event
}

fn base_event(uid: &str, now: DateTime<Utc>, summary: &str, description: &str) -> Event {
    Event::new()
        .uid(uid)
        .timestamp(now)
        .summary(summary)
        .description(description)
        .add_property("TRANSP", "TRANSPARENT")
        .done()
}

fn zoned(local: NaiveDateTime, tz: Tz) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: local,
        tzid: tz.name().to_string(),
    }
}

/// The start of the occurrence on a day on which a client's reading of the
/// series matches the bot, or None: both ends name exactly one instant and
/// the occurrence has the window's length, so the wall-clock end and the
/// exact-length end agree.
fn regular_start(
    w: &WeeklyWindow,
    tz: Tz,
    date: NaiveDate,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Option<DateTime<Utc>> {
    let (s, e) = (zoned_instant(tz, start)?, zoned_instant(tz, end)?);
    let regular = e - s == Duration::minutes(i64::from(w.range.len_minutes()))
        && occurrence_on(w, tz, date) == Some(Occurrence { start: s, end: e });
    regular.then_some(s)
}

/// The one instant a wall-clock time names, if it names exactly one.
fn zoned_instant(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        _ => None,
    }
}

/// The wall-clock start and end of the occurrence that starts on `date`;
/// the end is on the next day for a window that crosses midnight or ends at
/// 24:00.
fn nominal_bounds(w: &WeeklyWindow, date: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let start = wall_time(date, w.range.start)?;
    let end_date = if w.range.crosses_midnight() {
        date.succ_opt()?
    } else {
        date
    };
    Some((start, wall_time(end_date, w.range.end)?))
}

/// 24:00 is midnight at the start of the next day.
fn wall_time(date: NaiveDate, at: TimeOfDay) -> Option<NaiveDateTime> {
    if at == TimeOfDay::END_OF_DAY {
        return Some(date.succ_opt()?.and_time(NaiveTime::MIN));
    }
    let time = NaiveTime::from_hms_opt(u32::from(at.hour()), u32::from(at.minute()), 0)?;
    Some(date.and_time(time))
}

/// Weekly on the window's days; `UNTIL` is in UTC, as RFC 5545 §3.3.10
/// requires with a zoned `DTSTART`, and is the last occurrence's start.
fn rrule(w: &WeeklyWindow, until: DateTime<Utc>) -> String {
    const CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    let days: Vec<&str> = w
        .days
        .iter()
        .map(|d| CODES[d.num_days_from_monday() as usize])
        .collect();
    format!(
        "FREQ=WEEKLY;BYDAY={};UNTIL={}",
        days.join(","),
        until.format("%Y%m%dT%H%M%SZ")
    )
}

fn summary(title: &str, topics: &[String]) -> String {
    let topics = topic_list(topics);
    if topics.is_empty() {
        title.to_string()
    } else {
        format!("{title} — {topics}")
    }
}

fn description(w: &WeeklyWindow, tz: Tz, topics: &[String]) -> String {
    let mut text = format!("{} ({})", w.label(), tz.name());
    let topics = topic_list(topics);
    if !topics.is_empty() {
        text.push_str("\nTopics: ");
        text.push_str(&topics);
    }
    text
}

fn topic_list(topics: &[String]) -> String {
    topics
        .iter()
        .map(|t| one_line(t))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// TEXT may not hold control characters (RFC 5545 §3.3.11), and the crate
/// escapes only newlines: names and topics become one trimmed line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn local_of(tz: Tz, t: DateTime<Utc>) -> Option<NaiveDateTime> {
    let utc = t.naive_utc();
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

// -------------------------------------------------------------- VTIMEZONE

/// The zone's offset at one instant: total and DST part, in seconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct ZoneState {
    offset: i32,
    dst: i64,
}

fn zone_state(tz: Tz, t: DateTime<Utc>) -> ZoneState {
    let o = tz.offset_from_utc_datetime(&t.naive_utc());
    ZoneState {
        offset: o.fix().local_minus_utc(),
        dst: o.dst_offset().num_seconds(),
    }
}

fn abbreviation(tz: Tz, t: DateTime<Utc>) -> Option<String> {
    let o = tz.offset_from_utc_datetime(&t.naive_utc());
    o.abbreviation().map(str::to_string)
}

/// One STANDARD or DAYLIGHT sub-component: from `local` (wall time before
/// the change) the zone is at `to`.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Observance {
    local: NaiveDateTime,
    from: i32,
    to: i32,
    name: Option<String>,
    daylight: bool,
}

/// The observance in force at `from`, then one per change until `until`,
/// found by an hourly scan and bisected to the second.
fn observances(tz: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Observance> {
    let at = |t: DateTime<Utc>, from: i32, state: ZoneState| {
        Some(Observance {
            local: t
                .naive_utc()
                .checked_add_signed(Duration::seconds(i64::from(from)))?,
            from,
            to: state.offset,
            name: abbreviation(tz, t),
            daylight: state.dst > 0,
        })
    };
    let mut state = zone_state(tz, from);
    let mut out: Vec<Observance> = at(from, state.offset, state).into_iter().collect();
    let mut t = from;
    while t < until {
        let Some(next) = t.checked_add_signed(Duration::hours(1)) else {
            break;
        };
        let next_state = zone_state(tz, next);
        if next_state != state {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if zone_state(tz, mid) == state {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let changed = zone_state(tz, hi);
            out.extend(at(hi, state.offset, changed));
            state = changed;
        }
        t = next;
    }
    out
}

/// The zone as content lines, with its changes between the two instants
/// (at the ends of chrono's range, both `now`: just the offset then).
fn vtimezone(tz: Tz, (from, until): (DateTime<Utc>, DateTime<Utc>)) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string()];
    lines.extend(rendered(Property::new("TZID", tz.name())));
    for o in observances(tz, from, until) {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        lines.push(format!("BEGIN:{kind}"));
        let start = DatePerhapsTime::from(CalendarDateTime::Floating(o.local));
        lines.extend(rendered(start.to_property("DTSTART")));
        lines.extend(rendered(Property::new("TZOFFSETFROM", utc_offset(o.from))));
        lines.extend(rendered(Property::new("TZOFFSETTO", utc_offset(o.to))));
        if let Some(name) = &o.name {
            lines.extend(rendered(Property::new("TZNAME", name.as_str())));
        }
        lines.push(format!("END:{kind}"));
    }
    lines.push("END:VTIMEZONE".to_string());
    lines
}

/// "+0100", "-0930", "+053328" (RFC 5545 §3.3.14; never "-0000").
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

// ------------------------------------------------------------- lines

/// One property through the crate (escaping and parameter quoting), as
/// unfolded content lines.
fn rendered(property: Property) -> Vec<String> {
    let text: String = property.try_into().unwrap_or_default();
    logical_lines(&text)
}

/// Undoes folding: CRLF followed by a space or tab continues the line.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for physical in text.split("\r\n") {
        match (physical.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ if physical.is_empty() => {}
            _ => lines.push(physical.to_string()),
        }
    }
    lines
}

/// CRLF line ends; lines longer than 75 octets continue on lines that start
/// with a space (which counts), split only between characters.
fn fold(lines: &[String]) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 8).sum());
    for line in lines {
        let mut used = 0;
        for c in line.chars() {
            if used + c.len_utf8() > MAX_LINE_OCTETS {
                out.push_str("\r\n ");
                used = 1;
            }
            out.push(c);
            used += c.len_utf8();
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    //! Everything is checked by parsing the feed back with the `icalendar`
    //! parser; the DST checks expand the parsed series the way RFC 5545 says
    //! a client must, using only the parsed VTIMEZONE's offsets.

    use std::collections::BTreeSet;

    use chrono::Offset;
    use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
    use chrono_tz::{OffsetName, Tz};
    use icalendar::parser::{
        read_calendar, unfold, Calendar as ParsedCalendar, Component as Parsed,
    };

    use super::*;
    use crate::domain::{occurrence_on, parse_range, DaySet, Occurrence, WeeklyWindow};

    const BERLIN: Tz = chrono_tz::Europe::Berlin;
    const SYDNEY: Tz = chrono_tz::Australia::Sydney;
    const KOLKATA: Tz = chrono_tz::Asia::Kolkata;

    fn win(days: &str, range: &str) -> WeeklyWindow {
        WeeklyWindow::new(DaySet::parse(days).unwrap(), parse_range(range).unwrap()).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// One window per id, numbered from 1.
    fn feed(
        owner: &str,
        tz: Tz,
        windows: &[(WeeklyWindow, Vec<String>)],
        now: DateTime<Utc>,
    ) -> String {
        let list: Vec<CalendarWindow<'_>> = windows
            .iter()
            .enumerate()
            .map(|(i, (window, topics))| CalendarWindow {
                id: i as i64 + 1,
                window,
                topics,
            })
            .collect();
        ics(owner, tz, &list, now)
    }

    fn parse(text: &str) -> ParsedCalendar<'static> {
        let unfolded: &'static str = Box::leak(unfold(text).into_boxed_str());
        read_calendar(unfolded).unwrap()
    }

    fn prop<'a>(c: &'a Parsed<'_>, name: &str) -> Option<&'a str> {
        c.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.as_str())
    }

    fn param<'a>(c: &'a Parsed<'_>, name: &str, key: &str) -> Option<&'a str> {
        let p = c.properties.iter().find(|p| p.name == name)?;
        let v = p.params.iter().find(|x| x.key == key)?;
        v.val.as_ref().map(|v| v.as_str())
    }

    fn all<'a>(c: &'a Parsed<'_>, name: &str) -> Vec<&'a str> {
        c.properties
            .iter()
            .filter(|p| p.name == name)
            .map(|p| p.val.as_str())
            .collect()
    }

    fn events<'a>(cal: &'a ParsedCalendar<'static>) -> Vec<&'a Parsed<'static>> {
        cal.components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .collect()
    }

    fn event<'a>(cal: &'a ParsedCalendar<'static>, uid: &str) -> &'a Parsed<'static> {
        events(cal)
            .into_iter()
            .find(|e| prop(e, "UID") == Some(uid))
            .unwrap_or_else(|| panic!("no event {uid}"))
    }

    fn local_dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap()
    }

    fn utc_dt(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc()
    }

    fn offset_secs(s: &str) -> i32 {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let d: Vec<i32> = s.as_bytes()[1..]
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap().parse().unwrap())
            .collect();
        sign * (d[0] * 3600 + d[1] * 60 + d.get(2).copied().unwrap_or(0))
    }

    /// A change of offset read from one STANDARD/DAYLIGHT sub-component.
    #[derive(Debug)]
    struct Change {
        kind: String,
        local: NaiveDateTime,
        at: NaiveDateTime,
        from: i32,
        to: i32,
        name: Option<String>,
    }

    /// The parsed VTIMEZONE, interpreted per RFC 5545 without chrono-tz.
    struct Zone {
        tzid: String,
        changes: Vec<Change>,
    }

    impl Zone {
        fn of(cal: &ParsedCalendar<'_>) -> Zone {
            let zones: Vec<_> = cal
                .components
                .iter()
                .filter(|c| c.name == "VTIMEZONE")
                .collect();
            assert_eq!(zones.len(), 1);
            let z = zones[0];
            let mut changes: Vec<Change> = z
                .components
                .iter()
                .map(|c| {
                    let local = local_dt(prop(c, "DTSTART").unwrap());
                    let from = offset_secs(prop(c, "TZOFFSETFROM").unwrap());
                    Change {
                        kind: c.name.as_str().to_string(),
                        local,
                        at: local - Duration::seconds(i64::from(from)),
                        from,
                        to: offset_secs(prop(c, "TZOFFSETTO").unwrap()),
                        name: prop(c, "TZNAME").map(str::to_string),
                    }
                })
                .collect();
            changes.sort_by_key(|c| c.at);
            assert!(!changes.is_empty());
            assert_eq!(
                changes[0].from, changes[0].to,
                "the first observance is the starting offset"
            );
            Zone {
                tzid: prop(z, "TZID").unwrap().to_string(),
                changes,
            }
        }

        fn offset_at(&self, utc: NaiveDateTime) -> i32 {
            let first = self.changes[0].from;
            self.changes
                .iter()
                .rev()
                .find(|c| c.at <= utc)
                .map_or(first, |c| c.to)
        }

        /// RFC 5545 §3.3.5: the first occurrence of a repeated wall time; a
        /// skipped one with the offset from before the gap.
        fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
            let offsets: BTreeSet<i32> = self.changes.iter().flat_map(|c| [c.from, c.to]).collect();
            let valid = offsets
                .iter()
                .map(|o| local - Duration::seconds(i64::from(*o)))
                .filter(|u| {
                    let o = self.offset_at(*u);
                    *u + Duration::seconds(i64::from(o)) == local
                })
                .min();
            if let Some(u) = valid {
                return u.and_utc();
            }
            let gap = self
                .changes
                .iter()
                .find(|c| {
                    let before = c.at + Duration::seconds(i64::from(c.from));
                    let after = c.at + Duration::seconds(i64::from(c.to));
                    before <= local && local < after
                })
                .unwrap_or_else(|| panic!("{local} is neither valid nor in a gap"));
            (local - Duration::seconds(i64::from(gap.from))).and_utc()
        }
    }

    fn weekday(code: &str) -> Weekday {
        match code {
            "MO" => Weekday::Mon,
            "TU" => Weekday::Tue,
            "WE" => Weekday::Wed,
            "TH" => Weekday::Thu,
            "FR" => Weekday::Fri,
            "SA" => Weekday::Sat,
            "SU" => Weekday::Sun,
            other => panic!("BYDAY {other}"),
        }
    }

    /// What a client shows for window `id` with a start before `until`:
    /// the weekly series (wall-clock start, the first instance's exact
    /// length, minus EXDATEs) plus the separate one-off events.
    fn client_view(
        cal: &ParsedCalendar<'static>,
        id: i64,
        until: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let zone = Zone::of(cal);
        let series_uid = format!("window-{id}@officehours");
        let single_prefix = format!("window-{id}-");
        let mut out = Vec::new();
        for e in events(cal) {
            let uid = prop(e, "UID").unwrap();
            if uid == series_uid {
                assert_eq!(param(e, "DTSTART", "TZID"), Some(zone.tzid.as_str()));
                assert_eq!(param(e, "DTEND", "TZID"), Some(zone.tzid.as_str()));
                let start = local_dt(prop(e, "DTSTART").unwrap());
                let end = local_dt(prop(e, "DTEND").unwrap());
                let length = zone.to_utc(end) - zone.to_utc(start);
                let rule = prop(e, "RRULE").unwrap();
                let parts: Vec<(&str, &str)> = rule
                    .split(';')
                    .map(|p| p.split_once('=').unwrap())
                    .collect();
                assert_eq!(parts.len(), 3, "{rule}");
                assert_eq!(parts[0], ("FREQ", "WEEKLY"));
                assert_eq!(parts[1].0, "BYDAY");
                let days: Vec<Weekday> = parts[1].1.split(',').map(weekday).collect();
                assert_eq!(parts[2].0, "UNTIL");
                let last = utc_dt(parts[2].1);
                let excluded: BTreeSet<NaiveDateTime> = e
                    .properties
                    .iter()
                    .filter(|p| p.name == "EXDATE")
                    .map(|p| {
                        assert!(p.params.iter().any(|x| x.key == "TZID"
                            && x.val.as_ref().map(|v| v.as_str()) == Some(zone.tzid.as_str())));
                        local_dt(p.val.as_str())
                    })
                    .collect();
                assert!(days.contains(&start.weekday()), "DTSTART is an instance");
                let mut day = start.date();
                loop {
                    let local = day.and_time(start.time());
                    let s = zone.to_utc(local);
                    if s >= until || s > last {
                        break;
                    }
                    if days.contains(&day.weekday()) && !excluded.contains(&local) {
                        out.push((s, s + length));
                    }
                    day = day.succ_opt().unwrap();
                }
            } else if uid.starts_with(&single_prefix) {
                assert_eq!(prop(e, "RRULE"), None);
                let s = utc_dt(prop(e, "DTSTART").unwrap());
                let end = utc_dt(prop(e, "DTEND").unwrap());
                if s < until {
                    out.push((s, end));
                }
            }
        }
        out.sort();
        out
    }

    /// The bot's own occurrences from `first_day` with a start before `until`.
    fn bot_view(
        w: &WeeklyWindow,
        tz: Tz,
        first_day: NaiveDate,
        until: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut out = Vec::new();
        let mut day = first_day;
        while day.and_hms_opt(0, 0, 0).unwrap().and_utc() < until + Duration::days(2) {
            if let Some(Occurrence { start, end }) = occurrence_on(w, tz, day) {
                if start < until {
                    out.push((start, end));
                }
            }
            day = day.succ_opt().unwrap();
        }
        out.sort();
        out
    }

    fn first_day(tz: Tz, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&tz).date_naive() - Duration::days(7)
    }

    #[test]
    fn header_and_event() {
        let now = utc(2026, 6, 10, 12, 0);
        let windows = [(win("tue,thu", "10:00-11:00"), strings(&["rust", "career"]))];
        let text = feed("Ada Lovelace", BERLIN, &windows, now);

        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(
            text.matches('\n').count(),
            text.matches("\r\n").count(),
            "CRLF only"
        );
        assert_eq!(
            text.matches('\r').count(),
            text.matches("\r\n").count(),
            "CRLF only"
        );
        assert!(text.contains("\r\nDTSTART;TZID=Europe/Berlin:20260604T100000\r\n"));
        assert!(text.contains("\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"));

        let cal = parse(&text);
        let head = |name: &str| {
            cal.properties
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.val.as_str())
        };
        assert_eq!(head("PRODID"), Some("-//officehours//EN"));
        assert_eq!(head("VERSION"), Some("2.0"));
        assert_eq!(head("CALSCALE"), Some("GREGORIAN"));
        assert_eq!(head("METHOD"), Some("PUBLISH"));
        assert_eq!(head("X-WR-CALNAME"), Some("Office hours: Ada Lovelace"));
        assert_eq!(head("X-WR-TIMEZONE"), Some("Europe/Berlin"));
        assert_eq!(head("REFRESH-INTERVAL"), Some("PT1H"));
        assert_eq!(head("X-PUBLISHED-TTL"), Some("PT1H"));

        let names: Vec<&str> = cal.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["VTIMEZONE", "VEVENT"]);
        let zone = &cal.components[0];
        assert_eq!(prop(zone, "UID"), None, "no UID in VTIMEZONE");
        assert_eq!(prop(zone, "DTSTAMP"), None, "no DTSTAMP in VTIMEZONE");
        assert!(zone
            .components
            .iter()
            .all(|c| prop(c, "UID").is_none() && prop(c, "DTSTAMP").is_none()));

        let e = event(&cal, "window-1@officehours");
        assert_eq!(prop(e, "DTSTAMP"), Some("20260610T120000Z"));
        // Wed 10 June minus a week is Wed 3 June; the first Tue/Thu from then is Thu 4 June.
        assert_eq!(prop(e, "DTSTART"), Some("20260604T100000"));
        assert_eq!(param(e, "DTSTART", "TZID"), Some("Europe/Berlin"));
        assert_eq!(prop(e, "DTEND"), Some("20260604T110000"));
        assert_eq!(param(e, "DTEND", "TZID"), Some("Europe/Berlin"));
        // Through Tue 30 December 2031, the last Tuesday or Thursday of
        // the fifth year ahead, 10:00 CET.
        assert_eq!(
            prop(e, "RRULE"),
            Some("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20311230T090000Z")
        );
        assert_eq!(prop(e, "TRANSP"), Some("TRANSPARENT"));
        assert_eq!(
            prop(e, "SUMMARY"),
            Some("Office hours: Ada Lovelace — rust, career")
        );
        assert_eq!(
            prop(e, "DESCRIPTION"),
            Some("Tue, Thu 10:00–11:00 (Europe/Berlin)\nTopics: rust, career")
        );
        assert!(all(e, "EXDATE").is_empty());

        // Same input, same bytes; the UID does not move with the clock.
        assert_eq!(text, feed("Ada Lovelace", BERLIN, &windows, now));
        let later = parse(&feed(
            "Ada Lovelace",
            BERLIN,
            &windows,
            now + Duration::days(30),
        ));
        assert_eq!(prop(events(&later)[0], "UID"), Some("window-1@officehours"));
    }

    #[test]
    fn several_windows_and_days() {
        let now = utc(2026, 6, 10, 12, 0);
        let windows = [
            (win("mon,wed,fri", "09:00-10:00"), vec![]),
            (win("weekends", "14:00-15:30"), strings(&["design"])),
        ];
        let cal = parse(&feed("Bo", BERLIN, &windows, now));
        assert_eq!(events(&cal).len(), 2);
        let a = event(&cal, "window-1@officehours");
        assert_eq!(
            prop(a, "RRULE"),
            Some("FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20311231T080000Z")
        );
        assert_eq!(prop(a, "DTSTART"), Some("20260603T090000"));
        assert_eq!(prop(a, "SUMMARY"), Some("Office hours: Bo"));
        assert_eq!(
            prop(a, "DESCRIPTION"),
            Some("Mon, Wed, Fri 09:00–10:00 (Europe/Berlin)")
        );
        let b = event(&cal, "window-2@officehours");
        assert_eq!(
            prop(b, "RRULE"),
            Some("FREQ=WEEKLY;BYDAY=SA,SU;UNTIL=20311228T130000Z")
        );
        assert_eq!(prop(b, "DTSTART"), Some("20260606T140000"));
        assert_eq!(prop(b, "DTEND"), Some("20260606T153000"));
    }

    #[test]
    fn vtimezone_follows_chrono_tz() {
        let now = utc(2026, 6, 10, 12, 0);
        for tz in [
            BERLIN,
            SYDNEY,
            KOLKATA,
            Tz::UTC,
            chrono_tz::America::New_York,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::America::Santiago,
            chrono_tz::Europe::Dublin,
            chrono_tz::Africa::Casablanca,
            chrono_tz::America::St_Johns,
        ] {
            let cal = parse(&feed("x", tz, &[], now));
            let zone = Zone::of(&cal);
            assert_eq!(zone.tzid, tz.name());
            let chrono_offset =
                |u: NaiveDateTime| tz.offset_from_utc_datetime(&u).fix().local_minus_utc();
            // The first observance starts by the start of last year; the
            // changes run past the end of the fifth year ahead, where the
            // last occurrence may end two days later.
            let from = utc(2025, 1, 1, 0, 0).naive_utc();
            let to = utc(2032, 1, 3, 0, 0).naive_utc();
            assert!(zone.changes[0].at <= from, "{tz}");
            let mut u = from;
            while u < to {
                assert_eq!(zone.offset_at(u), chrono_offset(u), "{tz} at {u}");
                u += Duration::minutes(30);
            }
            for c in &zone.changes[1..] {
                let second = Duration::seconds(1);
                assert_eq!(chrono_offset(c.at - second), c.from, "{tz} {c:?}");
                assert_eq!(chrono_offset(c.at), c.to, "{tz} {c:?}");
                let o = tz.offset_from_utc_datetime(&c.at);
                assert_eq!(c.name.as_deref(), o.abbreviation(), "{tz} {c:?}");
                let daylight = chrono_tz::OffsetComponents::dst_offset(&o) > Duration::zero();
                assert_eq!(
                    c.kind,
                    if daylight { "DAYLIGHT" } else { "STANDARD" },
                    "{tz} {c:?}"
                );
            }
        }
    }

    #[test]
    fn vtimezone_transitions_are_local_times_before_the_change() {
        let now = utc(2026, 6, 10, 12, 0);
        let find = |tz: Tz, local: &str| {
            let cal = parse(&feed("x", tz, &[], now));
            let zone = Zone::of(&cal);
            let c = zone
                .changes
                .into_iter()
                .find(|c| c.local == local_dt(local));
            let c = c.unwrap_or_else(|| panic!("{tz}: no change at {local}"));
            (c.kind, c.from, c.to, c.name.unwrap_or_default())
        };
        let h = 3600;
        assert_eq!(
            find(BERLIN, "20260329T020000"),
            ("DAYLIGHT".into(), h, 2 * h, "CEST".into())
        );
        assert_eq!(
            find(BERLIN, "20261025T030000"),
            ("STANDARD".into(), 2 * h, h, "CET".into())
        );
        assert_eq!(
            find(BERLIN, "20310330T020000"),
            ("DAYLIGHT".into(), h, 2 * h, "CEST".into())
        );
        assert_eq!(
            find(SYDNEY, "20260405T030000"),
            ("STANDARD".into(), 11 * h, 10 * h, "AEST".into())
        );
        assert_eq!(
            find(SYDNEY, "20261004T020000"),
            ("DAYLIGHT".into(), 10 * h, 11 * h, "AEDT".into())
        );
        let lord_howe = chrono_tz::Australia::Lord_Howe;
        assert_eq!(find(lord_howe, "20261004T020000").2, 11 * h);
        assert_eq!(find(lord_howe, "20260405T020000").2, 10 * h + 30 * 60);

        let text = feed("x", BERLIN, &[], now);
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n"));
    }

    #[test]
    fn zone_without_dst_has_one_standard_component() {
        let now = utc(2026, 6, 10, 12, 0);
        let w = win("weekdays", "09:00-10:00");
        let text = feed("Ravi", KOLKATA, &[(w.clone(), vec![])], now);
        let cal = parse(&text);
        let zone = &cal.components[0];
        assert_eq!(zone.name, "VTIMEZONE");
        assert_eq!(prop(zone, "TZID"), Some("Asia/Kolkata"));
        assert_eq!(zone.components.len(), 1);
        let std = &zone.components[0];
        assert_eq!(std.name, "STANDARD");
        assert_eq!(prop(std, "TZOFFSETFROM"), Some("+0530"));
        assert_eq!(prop(std, "TZOFFSETTO"), Some("+0530"));
        assert_eq!(prop(std, "TZNAME"), Some("IST"));
        assert_eq!(events(&cal).len(), 1);
        let e = event(&cal, "window-1@officehours");
        assert_eq!(param(e, "DTSTART", "TZID"), Some("Asia/Kolkata"));
        assert!(all(e, "EXDATE").is_empty());
        let until = now + Duration::days(4 * 365);
        assert_eq!(
            client_view(&cal, 1, until),
            bot_view(&w, KOLKATA, first_day(KOLKATA, now), until)
        );

        let utc_cal = parse(&feed("x", Tz::UTC, &[(w, vec![])], now));
        let zone = &utc_cal.components[0];
        assert_eq!(prop(zone, "TZID"), Some("UTC"));
        assert_eq!(zone.components.len(), 1);
        assert_eq!(zone.components[0].name, "STANDARD");
        assert_eq!(prop(&zone.components[0], "TZOFFSETTO"), Some("+0000"));
        assert_eq!(param(events(&utc_cal)[0], "DTSTART", "TZID"), Some("UTC"));
    }

    /// The core promise: a client that knows nothing but this file lands
    /// every occurrence on the bot's instants, across every DST change.
    #[test]
    fn clients_expand_to_the_bots_instants_across_dst() {
        let windows = [
            (win("weekdays", "09:00-17:30"), vec![]),
            (win("fri", "22:00-01:00"), vec![]),
            (win("sat", "23:00-04:00"), vec![]),
            (win("sun", "02:30-03:30"), vec![]),
            (win("sun", "02:00-03:00"), vec![]),
            (win("daily", "00:00-24:00"), vec![]),
            (win("sat,sun", "01:45-02:15"), vec![]),
        ];
        for (tz, now) in [
            (BERLIN, utc(2026, 3, 25, 12, 0)),
            (SYDNEY, utc(2026, 3, 31, 12, 0)),
            (BERLIN, utc(2026, 10, 20, 23, 30)),
            (SYDNEY, utc(2026, 9, 30, 3, 0)),
            (chrono_tz::Australia::Lord_Howe, utc(2026, 9, 30, 3, 0)),
            (chrono_tz::America::Santiago, utc(2026, 8, 30, 3, 0)),
        ] {
            let cal = parse(&feed("x", tz, &windows, now));
            let until = now + Duration::days(4 * 365);
            for (i, (w, _)) in windows.iter().enumerate() {
                let client = client_view(&cal, i as i64 + 1, until);
                let bot = bot_view(w, tz, first_day(tz, now), until);
                assert!(bot.len() > 200, "{tz} {w}");
                assert_eq!(client, bot, "{tz} {w}");
            }
        }
    }

    #[test]
    fn a_dst_crossing_week_keeps_wall_time() {
        let w = win("weekdays", "09:00-17:30");
        let starts = |tz: Tz, now: DateTime<Utc>| -> Vec<DateTime<Utc>> {
            let cal = parse(&feed("x", tz, &[(w.clone(), vec![])], now));
            assert_eq!(
                events(&cal).len(),
                1,
                "an ordinary window needs no one-off events"
            );
            client_view(&cal, 1, now + Duration::days(30))
                .into_iter()
                .map(|o| o.0)
                .collect()
        };
        // Berlin springs forward on Sunday 29 March 2026: 09:00 is 08:00Z
        // on Friday and 07:00Z on Monday.
        let berlin = starts(BERLIN, utc(2026, 3, 25, 12, 0));
        assert!(berlin.contains(&utc(2026, 3, 27, 8, 0)));
        assert!(berlin.contains(&utc(2026, 3, 30, 7, 0)));
        // Sydney falls back on Sunday 5 April 2026: 09:00 AEDT is 22:00Z the
        // day before; 09:00 AEST is 23:00Z.
        let sydney = starts(SYDNEY, utc(2026, 3, 31, 12, 0));
        assert!(sydney.contains(&utc(2026, 4, 2, 22, 0)));
        assert!(sydney.contains(&utc(2026, 4, 5, 23, 0)));
    }

    #[test]
    fn days_the_series_would_get_wrong_are_published_alone() {
        let now = utc(2026, 3, 20, 12, 0);
        let windows = [
            (win("sun", "02:30-03:30"), vec![]),
            (win("sun", "02:00-03:00"), vec![]),
        ];
        let cal = parse(&feed("x", BERLIN, &windows, now));

        let series = event(&cal, "window-1@officehours");
        assert_eq!(prop(series, "DTSTART"), Some("20260315T023000"));
        let exdates = all(series, "EXDATE");
        // In the spring gap and in the autumn overlap.
        assert!(exdates.contains(&"20260329T023000"), "{exdates:?}");
        assert!(exdates.contains(&"20261025T023000"), "{exdates:?}");
        // Twice a year, from this year through the fifth year ahead.
        assert_eq!(exdates.len(), 2 * 6, "{exdates:?}");
        // 02:30 does not exist on 29 March: the bot starts at 03:00 CEST.
        let spring = event(&cal, "window-1-20260329@officehours");
        assert_eq!(prop(spring, "DTSTART"), Some("20260329T010000Z"));
        assert_eq!(prop(spring, "DTEND"), Some("20260329T013000Z"));
        assert_eq!(prop(spring, "SUMMARY"), prop(series, "SUMMARY"));
        // 02:30 happens twice on 25 October: the first, until 03:30 CET.
        let autumn = event(&cal, "window-1-20261025@officehours");
        assert_eq!(prop(autumn, "DTSTART"), Some("20261025T003000Z"));
        assert_eq!(prop(autumn, "DTEND"), Some("20261025T023000Z"));

        // 02:00–03:00 vanishes in the gap: excluded, and nothing instead.
        let gone = event(&cal, "window-2@officehours");
        assert!(all(gone, "EXDATE").contains(&"20260329T020000"));
        assert!(events(&cal)
            .iter()
            .all(|e| prop(e, "UID") != Some("window-2-20260329@officehours")));
    }

    /// Series end where the feed says it ends, every day up to there is
    /// the bot's, and nothing comes after it; a later fetch reaches later.
    #[test]
    fn every_series_ends_at_the_horizon_the_feed_names() {
        let windows = [
            (win("weekdays", "09:00-17:30"), vec![]),
            (win("wed", "23:00-01:00"), vec![]),
            (win("sun", "02:30-03:30"), vec![]),
            (win("sat,sun", "00:00-24:00"), vec![]),
        ];
        let desc = |cal: &ParsedCalendar<'_>| {
            cal.properties
                .iter()
                .find(|p| p.name == "X-WR-CALDESC")
                .map(|p| p.val.to_string())
        };
        for (tz, now, through) in [
            (BERLIN, utc(2026, 6, 10, 12, 0), "2031-12-31"),
            (BERLIN, utc(2027, 1, 1, 0, 30), "2032-12-31"),
            (SYDNEY, utc(2026, 12, 31, 13, 30), "2032-12-31"),
            (
                chrono_tz::Africa::Casablanca,
                utc(2029, 3, 1, 12, 0),
                "2034-12-31",
            ),
        ] {
            let cal = parse(&feed("x", tz, &windows, now));
            let named = format!(
                "Weekly windows in {} through {through}. Each refresh of this feed moves that date along.",
                tz.name()
            );
            assert_eq!(desc(&cal), Some(named), "{tz} {now}");
            let last_day = NaiveDate::parse_from_str(through, "%Y-%m-%d").unwrap();
            let far = utc(2040, 1, 1, 0, 0);
            for (i, (w, _)) in windows.iter().enumerate() {
                let mut bot = Vec::new();
                let mut day = first_day(tz, now);
                while day <= last_day {
                    bot.extend(occurrence_on(w, tz, day).map(|o| (o.start, o.end)));
                    day = day.succ_opt().unwrap();
                }
                let client = client_view(&cal, i as i64 + 1, far);
                assert_eq!(client, bot, "{tz} {now} {w}");
            }
        }
    }

    #[test]
    fn a_first_occurrence_on_a_change_night_is_published_alone() {
        // From 1 April the series would start on Saturday 28 March, whose
        // 23:00-04:00 spans the change and lasts 5 hours, not 6.
        let now = utc(2026, 4, 1, 12, 0);
        let cal = parse(&feed(
            "x",
            BERLIN,
            &[(win("sat", "23:00-04:00"), vec![])],
            now,
        ));
        let series = event(&cal, "window-1@officehours");
        assert_eq!(prop(series, "DTSTART"), Some("20260404T230000"));
        assert_eq!(prop(series, "DTEND"), Some("20260405T040000"));
        let first = event(&cal, "window-1-20260328@officehours");
        assert_eq!(prop(first, "DTSTART"), Some("20260328T220000Z"));
        assert_eq!(prop(first, "DTEND"), Some("20260329T020000Z"));
        assert!(!all(series, "EXDATE").contains(&"20260328T230000"));
    }

    #[test]
    fn windows_crossing_midnight_end_the_next_day() {
        let now = utc(2026, 6, 10, 12, 0);
        let windows = [
            (win("fri", "22:00-01:00"), vec![]),
            (win("mon", "22:00-24:00"), vec![]),
            (win("sun", "23:00-00:00"), vec![]),
        ];
        let cal = parse(&feed("x", BERLIN, &windows, now));
        let e = event(&cal, "window-1@officehours");
        assert_eq!(prop(e, "DTSTART"), Some("20260605T220000"));
        assert_eq!(prop(e, "DTEND"), Some("20260606T010000"));
        // Fri 26 December 2031, 22:00 CET.
        assert_eq!(
            prop(e, "RRULE"),
            Some("FREQ=WEEKLY;BYDAY=FR;UNTIL=20311226T210000Z")
        );
        let e = event(&cal, "window-2@officehours");
        assert_eq!(prop(e, "DTSTART"), Some("20260608T220000"));
        assert_eq!(prop(e, "DTEND"), Some("20260609T000000"));
        let e = event(&cal, "window-3@officehours");
        assert_eq!(prop(e, "DTSTART"), Some("20260607T230000"));
        assert_eq!(prop(e, "DTEND"), Some("20260608T000000"));
        for (i, (w, _)) in windows.iter().enumerate() {
            let until = now + Duration::days(3 * 365);
            assert_eq!(
                client_view(&cal, i as i64 + 1, until),
                bot_view(w, BERLIN, first_day(BERLIN, now), until)
            );
        }
    }

    fn physical_lines(text: &str) -> Vec<&str> {
        let body = text.strip_suffix("\r\n").unwrap();
        body.split("\r\n").collect()
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let now = utc(2026, 6, 10, 12, 0);
        let topics = strings(&[
            "日本語の質問とキャリア相談",
            "Ünïcödé façade résumé",
            "🦀 async Rust 🦀🦀🦀",
            "ελληνικά και μαθηματικά",
            "Привет, мир",
        ]);
        let owner = "Zoë Ångström-Lütke";
        let text = feed(
            owner,
            BERLIN,
            &[(win("weekdays", "09:00-10:00"), topics.clone())],
            now,
        );
        let lines = physical_lines(&text);
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:#?}");
        assert!(
            lines.iter().any(|l| l.starts_with(' ')),
            "something was folded"
        );
        assert!(lines.iter().any(|l| l.len() >= 73 && !l.is_ascii()));
        let cal = parse(&text);
        let e = event(&cal, "window-1@officehours");
        assert_eq!(
            prop(e, "SUMMARY").unwrap(),
            format!("Office hours: {owner} — {}", topics.join(", "))
        );

        // The crate's own folding would leave a 76-octet line here.
        let exact = format!("SUMMARY:{}", "x".repeat(150 - 8));
        let folded = fold(std::slice::from_ref(&exact));
        let lines = physical_lines(&folded);
        assert_eq!(
            lines.iter().map(|l| l.len()).collect::<Vec<_>>(),
            [75, 75, 2]
        );
        assert_eq!(logical_lines(&folded), [exact]);

        // Every length and mix of 1-4 octet characters.
        let alphabet = ['a', 'é', '€', '🦀', ' '];
        for n in 0..400 {
            let line: String = (0..n)
                .map(|i| alphabet[(i * 7 + n) % alphabet.len()])
                .collect();
            let line = format!("X:{line}");
            let folded = fold(std::slice::from_ref(&line));
            let lines = physical_lines(&folded);
            assert!(lines.iter().all(|l| l.len() <= 75 && !l.is_empty()), "{n}");
            assert!(
                lines[1..].iter().all(|l| l.starts_with(' ') && l.len() > 1),
                "{n}"
            );
            assert_eq!(logical_lines(&folded), [line], "{n}");
        }
    }

    #[test]
    fn text_is_escaped() {
        let now = utc(2026, 6, 10, 12, 0);
        let owner = "Smith, Jane; PhD \\ mentor";
        let topics = strings(&["a,b", "c;d", "back\\slash", "line\r\nbreak\tand tab"]);
        let text = feed(owner, BERLIN, &[(win("tue", "10:00-11:00"), topics)], now);
        let unfolded = unfold(&text);
        assert!(
            unfolded.contains("X-WR-CALNAME:Office hours: Smith\\, Jane\\; PhD \\\\ mentor\r\n")
        );
        assert!(unfolded.contains(
            "SUMMARY:Office hours: Smith\\, Jane\\; PhD \\\\ mentor — a\\,b\\, c\\;d\\, back\\\\slash\\, line  break and tab\r\n"
        ), "{unfolded}");
        assert!(
            unfolded.contains("DESCRIPTION:Tue 10:00–11:00 (Europe/Berlin)\\nTopics: a\\,b"),
            "{unfolded}"
        );
        assert_eq!(text.matches('\r').count(), text.matches("\r\n").count());

        let cal = parse(&text);
        let e = event(&cal, "window-1@officehours");
        assert_eq!(
            prop(e, "SUMMARY"),
            Some("Office hours: Smith, Jane; PhD \\ mentor — a,b, c;d, back\\slash, line  break and tab")
        );
        assert_eq!(
            prop(e, "DESCRIPTION"),
            Some("Tue 10:00–11:00 (Europe/Berlin)\nTopics: a,b, c;d, back\\slash, line  break and tab")
        );
    }

    #[test]
    fn empty_and_extreme_inputs() {
        let cal = parse(&feed("", BERLIN, &[], utc(2026, 6, 10, 12, 0)));
        assert!(events(&cal).is_empty());
        assert_eq!(cal.components.len(), 1);
        assert!(cal
            .properties
            .iter()
            .any(|p| p.name == "X-WR-CALNAME" && p.val == "Office hours"));

        let w = win("daily", "23:00-01:00");
        for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            for tz in [
                BERLIN,
                Tz::UTC,
                chrono_tz::Pacific::Kiritimati,
                chrono_tz::Etc::GMTPlus12,
            ] {
                let text = feed("x", tz, &[(w.clone(), vec![])], now);
                assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{tz} {now}");
                assert!(text.ends_with("END:VCALENDAR\r\n"), "{tz} {now}");
            }
        }
    }

    #[test]
    fn offsets_are_formatted_per_rfc() {
        assert_eq!(utc_offset(0), "+0000");
        assert_eq!(utc_offset(3600), "+0100");
        assert_eq!(utc_offset(-9 * 3600 - 30 * 60), "-0930");
        assert_eq!(utc_offset(5 * 3600 + 53 * 60 + 28), "+055328");
        assert_eq!(utc_offset(-(5 * 3600 + 53 * 60 + 28)), "-055328");
    }

    #[test]
    fn building_a_feed_is_cheap() {
        let windows: Vec<_> = (0..10)
            .map(|_| (win("weekdays", "09:00-10:00"), vec![]))
            .collect();
        let started = std::time::Instant::now();
        let text = feed("x", BERLIN, &windows, utc(2026, 6, 10, 12, 0));
        let took = started.elapsed();
        assert!(!text.is_empty());
        assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    }
}
