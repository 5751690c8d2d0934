// Expands an iCalendar feed with Mozilla's ical.js (the engine of Thunderbird's calendar),
// for tests/calendar_oracle.rs.
//
//     node tests/oracle/expand_icaljs.mjs FEED.ics THROUGH
//
// THROUGH is a date (YYYY-MM-DD). Prints one line per occurrence that starts before the end
// of that day in UTC: "<UID> <start> <end>", instants in UTC as YYYY-MM-DDTHH:MM:SSZ, in the
// order the feed lists its events. Times are read the way ical.js reads them: TZID times
// through the feed's own VTIMEZONE, recurring events through ical.js's RRULE/EXDATE engine.
// Exits 2 on bad arguments, 1 on anything the library rejects.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function usage() {
  console.error("usage: node expand_icaljs.mjs FEED.ics YYYY-MM-DD");
  process.exit(2);
}

const [file, through] = process.argv.slice(2);
if (!file || !/^\d{4}-\d{2}-\d{2}$/.test(through ?? "")) usage();
const limit = Date.parse(`${through}T00:00:00Z`) / 1000 + 86400;
if (!Number.isFinite(limit)) usage();

const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
const out = [];
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  if (!event.isRecurring()) {
    const start = event.startDate.toUnixTime();
    if (start < limit) out.push(`${event.uid} ${iso(start)} ${iso(event.endDate.toUnixTime())}`);
    continue;
  }
  const iterator = event.iterator();
  for (let next = iterator.next(); next; next = iterator.next()) {
    const details = event.getOccurrenceDetails(next);
    const start = details.startDate.toUnixTime();
    if (start >= limit) break;
    out.push(`${event.uid} ${iso(start)} ${iso(details.endDate.toUnixTime())}`);
  }
}
process.stdout.write(out.map((line) => `${line}\n`).join(""));
