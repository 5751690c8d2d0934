#!/usr/bin/env python3
"""Writes the time-zone oracle fixture that tests/tz_oracle.rs checks tzmath against.

Standard library only (Python 3.11+, `zoneinfo` over the system tzdata). Run from
anywhere:

    python3 tests/oracle/generate.py            # rewrites tests/oracle/*.txt
    python3 tests/oracle/generate.py --check    # exits 1 if the files would change

What it does:

1. Reads the zone names chrono-tz knows from its source (`fn name` in
   src/prebuilt/timezones.rs of the chrono-tz crate in ~/.cargo/registry) and
   writes them to tests/oracle/chrono_tz_zones.txt, with the crate version and
   the tzdata release it was built from. `--zones FILE` reuses an existing list
   instead (for machines without the crate source).
2. For each of those zones that zoneinfo has, finds every UTC-offset change in
   [2026-01-01, 2037-01-01) UTC (a 12-hour scan, then bisection to the second).
3. Around each change emits wall-clock times and the instant the README's rules
   give them, computed here independently of the Rust code:
     - a valid, unrepeated wall time is its one instant;
     - a repeated wall time (overlap) is its first, earlier instant;
     - a wall time in a gap is the transition instant (the first valid instant
       after the gap), found by bisection on the wall clock in UTC;
   and weekly-window occurrences on the dates around it: start and end resolved
   by the same rules, the end on the next day when end < start or end = 24:00,
   and no occurrence when the weekday is not in the set or start == end.
4. Zones with no change in the period get a few plain cases, so every zone is
   exercised.

Fixture format (tests/oracle/tz_cases.txt), one record per line, '#' lines are
comments:

    Z <zone> [<zone>...]                      following records are for each of these
                                              zones (zones with identical records share a block)
    T <utc> <offset_before_s> <offset_after_s>  an offset change at <utc>
    R <local> <expected_utc> <kind>           resolve_local; kind = ok|gap|overlap
    W <date> <day_bits_hex> <HH:MM> <HH:MM> <start_utc> <end_utc> | none
                                              occurrence_on; bit 0 = Monday
Local times are naive ISO (YYYY-MM-DDTHH:MM:SS), instants are ISO with a Z.
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import re
import sys
import zoneinfo
from datetime import date, datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES_FILE = os.path.join(HERE, "chrono_tz_zones.txt")
CASES_FILE = os.path.join(HERE, "tz_cases.txt")

UTC = timezone.utc
SCAN_FROM = datetime(2026, 1, 1, tzinfo=UTC)
SCAN_TO = datetime(2037, 1, 1, tzinfo=UTC)  # i.e. through 2036-12-31
SCAN_STEP = 12 * 3600
# Keep the fixture well under ~5 MB: beyond this many changes a zone's list is
# sampled evenly (first and last kept). No zone in 2025b comes close; the cap
# is here so a future tzdata with many changes cannot blow the size up.
MAX_TRANSITIONS_PER_ZONE = 40
DAILY = 0x7F


# ---------------------------------------------------------------- zone list --


def chrono_tz_source() -> str:
    roots = sorted(glob.glob(os.path.expanduser("~/.cargo/registry/src/*/chrono-tz-0.10*")))
    if not roots:
        sys.exit("chrono-tz 0.10 source not found under ~/.cargo/registry/src; use --zones")
    # Highest patch version wins (0.10.10 > 0.10.4).
    def ver(p: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.rsplit("chrono-tz-", 1)[1]))

    return max(roots, key=ver)


def read_chrono_tz_zones(root: str) -> tuple[list[str], str, str]:
    src = open(os.path.join(root, "src/prebuilt/timezones.rs"), encoding="utf-8").read()
    start = src.index("pub fn name(self)")
    end = src.index("\n    }\n", start)
    names = re.findall(r'Tz::\w+ => "([^"]+)"', src[start:end])
    count = re.search(r"pub static TZ_VARIANTS: \[Tz; (\d+)\]", src)
    if count and int(count.group(1)) != len(names):
        sys.exit(f"read {len(names)} names but TZ_VARIANTS has {count.group(1)}")
    crate_version = os.path.basename(root).rsplit("chrono-tz-", 1)[1]
    tz_release = "unknown"
    news = os.path.join(root, "tz/NEWS")
    if os.path.exists(news):
        m = re.search(r"^Release (\S+)", open(news, encoding="utf-8").read(), re.M)
        if m:
            tz_release = m.group(1)
    return names, crate_version, tz_release


def write_zone_list(names: list[str], crate_version: str, tz_release: str) -> str:
    lines = [
        "# Zone names chrono-tz knows (Tz::name of every TZ_VARIANTS entry), read from",
        f"# chrono-tz {crate_version} src/prebuilt/timezones.rs, built from tzdata {tz_release}.",
        "# Written by tests/oracle/generate.py; tests/tz_oracle.rs checks it still",
        "# matches chrono_tz::TZ_VARIANTS.",
        f"# chrono-tz: {crate_version}",
        f"# chrono-tz tzdata: {tz_release}",
    ]
    return "\n".join(lines + names) + "\n"


def read_zone_list(path: str) -> tuple[list[str], str, str]:
    names, crate_version, tz_release = [], "unknown", "unknown"
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("# chrono-tz: "):
            crate_version = line.split(": ", 1)[1]
        elif line.startswith("# chrono-tz tzdata: "):
            tz_release = line.split(": ", 1)[1]
        elif line and not line.startswith("#"):
            names.append(line)
    return names, crate_version, tz_release


def system_tzdata_version() -> str:
    for base in zoneinfo.TZPATH:
        zi = os.path.join(base, "tzdata.zi")
        if os.path.exists(zi):
            with open(zi, encoding="utf-8") as f:
                m = re.match(r"# version (\S+)", f.readline())
                if m:
                    return f"{m.group(1)} ({zi})"
    return "unknown"


# ------------------------------------------------------------ the rules -----


def epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def naive_utc(t: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=t)


def wall(zone: zoneinfo.ZoneInfo, t: int) -> datetime:
    """The wall-clock reading of UTC instant t (epoch seconds) in zone."""
    return datetime.fromtimestamp(t, zone).replace(tzinfo=None)


def offset(zone: zoneinfo.ZoneInfo, t: int) -> int:
    return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())


def resolve(zone: zoneinfo.ZoneInfo, local: datetime) -> tuple[int, str]:
    """The instant a naive wall time stands for, by the README's rules."""
    candidates = set()
    for fold in (0, 1):
        t = epoch(local.replace(tzinfo=zone, fold=fold))
        if wall(zone, t) == local:
            candidates.add(t)
    if candidates:
        return min(candidates), ("overlap" if len(candidates) > 1 else "ok")
    # A gap. fold=0 and fold=1 apply the offsets from either side of it, so the
    # transition lies between the two; else fall back to a wide bracket.
    a = epoch(local.replace(tzinfo=zone, fold=0))
    b = epoch(local.replace(tzinfo=zone, fold=1))
    lo, hi = min(a, b), max(a, b)
    if not (wall(zone, lo) < local < wall(zone, hi)):
        base = epoch(local.replace(tzinfo=UTC))
        lo, hi = base - 26 * 3600, base + 26 * 3600
        assert wall(zone, lo) < local < wall(zone, hi), (zone, local)
    # Invariant: wall(lo) < local < wall(hi); find the first second past local.
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wall(zone, mid) > local:
            hi = mid
        else:
            lo = mid
    return hi, "gap"


def find_transitions(zone: zoneinfo.ZoneInfo) -> list[tuple[int, int, int]]:
    out = []
    t, stop = epoch(SCAN_FROM), epoch(SCAN_TO)
    prev = offset(zone, t)
    while t < stop:
        nxt = min(t + SCAN_STEP, stop)
        cur = offset(zone, nxt)
        if cur != prev:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(zone, mid) == prev:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, prev, offset(zone, hi)))
        prev, t = cur, nxt
    return out


def sample(items: list, limit: int) -> list:
    if len(items) <= limit:
        return items
    step = (len(items) - 1) / (limit - 1)
    return [items[round(i * step)] for i in range(limit)]


# --------------------------------------------------------------- records ----


def iso_local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def iso_utc(t: int) -> str:
    return naive_utc(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def as_window(s: datetime, e: datetime) -> list[tuple[date, int, int]]:
    """The (date, start, end) windows whose occurrence on `date` spans wall
    times s..e; empty if no window can (not whole minutes, too long...)."""
    if s.second or e.second or not (s < e <= s + timedelta(days=1)):
        return []
    d = s.date()
    start = s.hour * 60 + s.minute
    end = e.hour * 60 + e.minute
    if e.date() == d:
        return [(d, start, end)]
    if e.date() != d + timedelta(days=1):
        return []
    out = []
    if end == 0:
        out.append((d, start, 1440))  # "…-24:00": stays within the day
    if end < start:
        out.append((d, start, end))  # "…-00:00" or "22:00-02:00": crosses midnight
    return out


def window_local_ends(d: date, start: int, end: int) -> tuple[datetime, datetime]:
    s = datetime(d.year, d.month, d.day) + timedelta(minutes=start)
    e_day = d + timedelta(days=1) if end < start else d
    e = datetime(e_day.year, e_day.month, e_day.day) + timedelta(minutes=end)
    return s, e


def occurrence(zone, d: date, bits: int, start: int, end: int) -> str:
    if not bits & (1 << d.weekday()):
        return "none"
    s, e = window_local_ends(d, start, end)
    ts, _ = resolve(zone, s)
    te, _ = resolve(zone, e)
    assert ts <= te, (zone, d, start, end)
    if ts == te:
        return "none"
    return f"{iso_utc(ts)} {iso_utc(te)}"


class Emitter:
    def __init__(self, zone: zoneinfo.ZoneInfo):
        self.zone = zone
        self.lines: list[str] = []
        self.seen: set = set()

    def resolve(self, local: datetime, expect: tuple[int, str] | None = None):
        if local in self.seen:
            return
        self.seen.add(local)
        got = resolve(self.zone, local)
        if expect is not None:
            # The transition table and the round-trip rules must agree.
            assert got == expect, (self.zone, local, got, expect)
        self.lines.append(f"R {iso_local(local)} {iso_utc(got[0])} {got[1]}")

    def window(self, d: date, bits: int, start: int, end: int):
        key = (d, bits, start, end)
        if key in self.seen or start >= 1440 or start == end:
            return
        self.seen.add(key)
        occ = occurrence(self.zone, d, bits, start, end)
        self.lines.append(f"W {d.isoformat()} {bits:02x} {hhmm(start)} {hhmm(end)} {occ}")

    def span(self, s: datetime, e: datetime, bits: int = DAILY):
        for d, start, end in as_window(s, e):
            self.window(d, bits, start, end)


def day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def emit_transition(em: Emitter, t: int, before: int, after: int):
    em.lines.append(f"T {iso_utc(t)} {before} {after}")
    sec, minute = timedelta(seconds=1), timedelta(minutes=1)
    a = naive_utc(t + before)  # the wall clock never reaches this before t
    b = naive_utc(t + after)  # the wall clock reads this at t
    lo, hi = min(a, b), max(a, b)
    mid = lo + (hi - lo) / 2
    mid -= timedelta(seconds=mid.second, microseconds=mid.microsecond)
    if after > before:
        # Gap [a, b): everything in it is t; b itself is t too.
        em.resolve(a - sec, (t - 1, "ok"))
        em.resolve(a - minute, (t - 60, "ok"))
        for p in (a, a + sec, mid, b - minute, b - sec, b):
            if p >= a:
                em.resolve(p, (t, "gap" if p < b else "ok"))
        em.resolve(b + sec, (t + 1, "ok"))
        em.resolve(b + minute, (t + 60, "ok"))
    else:
        # Overlap [b, a) is read twice; the first pass is before t.
        back = before - after
        em.resolve(b - sec, (t - back - 1, "ok"))
        em.resolve(b - minute, (t - back - 60, "ok"))
        for p in (b, b + sec, mid, a - minute, a - sec):
            if b <= p < a:
                em.resolve(p, (t - back + int((p - b).total_seconds()), "overlap"))
        em.resolve(a, (t + back, "ok"))
        em.resolve(a + sec, (t + back + 1, "ok"))
        em.resolve(a + minute, (t + back + 60, "ok"))
    days = sorted({lo.date(), hi.date(), hi.date() + timedelta(days=1)})
    for d in days:
        for h, m in ((0, 0), (9, 0), (23, 59)):
            em.resolve(day_start(d) + timedelta(hours=h, minutes=m))

    # Weekly windows around the change (daily unless said otherwise).
    hour, d = timedelta(hours=1), hi - lo
    q = timedelta(minutes=max(1, int(d.total_seconds() // 240)))
    em.span(lo - hour, lo)  # ends where the gap/overlap starts
    em.span(lo, hi)  # exactly the gap (never happens) / the repeated stretch
    if hi - lo > 2 * q:
        em.span(lo + q, hi - q)  # strictly inside
    em.span(lo + q, hi + hour)  # starts inside
    em.span(lo - hour, lo + q)  # ends inside
    em.span(lo - 30 * minute, hi + 30 * minute)  # across the whole change
    em.span(hi, hi + hour)  # starts right after
    em.span(lo - 2 * hour, hi + 2 * hour)  # may cross midnight
    em.span(lo - 20 * hour, lo + q)  # long, crossing midnight into the change
    for dd in days:
        em.window(dd - timedelta(days=1), DAILY, 0, 1440)
        em.window(dd, DAILY, 0, 1440)
        em.window(dd, DAILY, 22 * 60, 2 * 60)
        em.window(dd, DAILY, 23 * 60, 0)
        em.window(dd, DAILY, 23 * 60, 1440)
    # Wall time kept across the change: the same window a week apart.
    day = lo.date()
    one = 1 << day.weekday()
    for dd in (day - timedelta(days=7), day, day + timedelta(days=7)):
        em.window(dd, one, 9 * 60, 17 * 60)
    em.window(day + timedelta(days=1), one, 9 * 60, 17 * 60)  # wrong weekday: none
    s = lo - hour
    if not s.second:
        m0 = s.hour * 60 + s.minute
        em.window(s.date(), 1 << s.date().weekday(), m0, (m0 + 120) % 1440 or 1440)
        em.window(s.date() + timedelta(days=7), 1 << s.date().weekday(), m0, (m0 + 120) % 1440 or 1440)


def emit_plain(em: Emitter):
    for local in (
        datetime(2026, 1, 1, 0, 0),
        datetime(2028, 2, 29, 9, 30),
        datetime(2031, 6, 15, 12, 0),
        datetime(2036, 12, 31, 23, 59, 59),
    ):
        em.resolve(local)
    em.window(date(2026, 3, 2), 0x1F, 9 * 60, 17 * 60)  # Monday, weekdays
    em.window(date(2026, 3, 7), 0x1F, 9 * 60, 17 * 60)  # Saturday: none
    em.window(date(2033, 10, 30), DAILY, 22 * 60, 2 * 60)
    em.window(date(2033, 10, 30), DAILY, 0, 1440)


# ------------------------------------------------------------------ main ----


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zones", help="reuse this zone list instead of reading chrono-tz")
    ap.add_argument("--check", action="store_true", help="fail if the files would change")
    args = ap.parse_args()

    if args.zones:
        names, crate_version, tz_release = read_zone_list(args.zones)
    else:
        names, crate_version, tz_release = read_chrono_tz_zones(chrono_tz_source())
    zones_text = write_zone_list(names, crate_version, tz_release)

    available = zoneinfo.available_timezones()
    # Zones whose records come out identical (links, shared rules, the same
    # fixed offset) share one block: "Z a b c" then the records, which the
    # test runs for each of a, b and c. Lossless, and it keeps the file small.
    blocks: dict[tuple[str, ...], list[str]] = {}
    skipped, covered, n_trans, n_sampled, n_r, n_w = [], 0, 0, 0, 0, 0
    for name in names:
        if name not in available:
            skipped.append(name)
            continue
        zone = zoneinfo.ZoneInfo(name)
        em = Emitter(zone)
        transitions = find_transitions(zone)
        n_trans += len(transitions)
        picked = sample(transitions, MAX_TRANSITIONS_PER_ZONE)
        n_sampled += len(transitions) - len(picked)
        if picked:
            for t, before, after in picked:
                emit_transition(em, t, before, after)
        else:
            emit_plain(em)
        covered += 1
        blocks.setdefault(tuple(em.lines), []).append(name)
        n_r += sum(1 for line in em.lines if line.startswith("R "))
        n_w += sum(1 for line in em.lines if line.startswith("W "))

    body: list[str] = []
    for lines, members in blocks.items():
        body.append("Z " + " ".join(members))
        body.extend(lines)

    header = [
        "# Time-zone oracle for officehours' tzmath (see tests/tz_oracle.rs).",
        "# Generated by tests/oracle/generate.py; do not edit by hand.",
        f"# python: {platform.python_version()} zoneinfo (TZPATH {':'.join(zoneinfo.TZPATH)})",
        f"# system tzdata: {system_tzdata_version()}",
        f"# chrono-tz: {crate_version} (built from tzdata {tz_release})",
        f"# period: UTC offset changes in [{SCAN_FROM:%Y-%m-%d}, {SCAN_TO:%Y-%m-%d})",
        f"# zones: {len(names)} in chrono-tz, {covered} covered, {len(skipped)} skipped"
        + (f" (not in zoneinfo: {' '.join(skipped)})" if skipped else ""),
        f"# transitions: {n_trans} found, {n_sampled} left out by sampling"
        f" (at most {MAX_TRANSITIONS_PER_ZONE} per zone)",
        f"# cases: {n_r} resolve (R), {n_w} window (W), counted once per zone;"
        f" {len(blocks)} blocks of zones with identical records",
        "# Records: Z <zone>... | T <utc> <offset_before_s> <offset_after_s> |",
        "#   R <local> <expected_utc> <ok|gap|overlap> |",
        "#   W <date> <day_bits_hex, bit0=Mon> <start> <end> <start_utc> <end_utc> | none",
        f"# covered-zones: {covered}",
    ]
    cases_text = "\n".join(header + body) + "\n"

    changed = False
    for path, text in ((ZONES_FILE, zones_text), (CASES_FILE, cases_text)):
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            changed = True
            if not args.check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    print(
        f"{covered}/{len(names)} zones ({len(skipped)} skipped), {n_trans} transitions, "
        f"{n_r} R + {n_w} W cases, {len(cases_text.encode()) / 1e6:.2f} MB"
        + ("" if changed else ", unchanged"),
        file=sys.stderr,
    )
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
