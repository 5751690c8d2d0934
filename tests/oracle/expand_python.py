#!/usr/bin/env python3
"""Expands an iCalendar feed with Python's icalendar and recurring_ical_events, for
tests/calendar_oracle.rs.

    python3 tests/oracle/expand_python.py FEED.ics THROUGH

THROUGH is a date (YYYY-MM-DD). Prints one line per occurrence that starts before the end of
that day in UTC: "<UID> <start> <end>", instants in UTC as YYYY-MM-DDTHH:MM:SSZ. Times are read
the way these libraries read them: icalendar takes a TZID that names an IANA zone from Python's
zoneinfo (ignoring the feed's VTIMEZONE), and recurring_ical_events adds an event's length on
the wall clock. zoneinfo is pointed at the pip package `tzdata` alone, pinned in
requirements.txt to the release chrono-tz was built from, so both sides know the same rules
whatever the machine's own tz database says. Exits 2 on bad arguments, 1 on anything the
libraries reject.
"""

import sys
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone

# Before icalendar looks any zone up.
zoneinfo.reset_tzpath(to=[])

import icalendar  # noqa: E402
import recurring_ical_events  # noqa: E402


def instant(value):
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise SystemExit(f"not a zoned date-time: {value!r}")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        through = date.fromisoformat(argv[2])
    except ValueError:
        print(__doc__, file=sys.stderr)
        return 2
    limit = datetime.combine(through + timedelta(days=1), time(), timezone.utc)
    with open(argv[1], "rb") as feed:
        calendar = icalendar.Calendar.from_ical(feed.read())
    lines = []
    since = datetime(1970, 1, 1, tzinfo=timezone.utc)
    for event in recurring_ical_events.of(calendar).between(since, limit):
        start = event["DTSTART"].dt
        if start.astimezone(timezone.utc) >= limit:
            continue
        lines.append(f"{event['UID']} {instant(start)} {instant(event['DTEND'].dt)}")
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
