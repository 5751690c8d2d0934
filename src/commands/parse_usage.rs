//! The command list `/officehours help` shows: data, rendered by `views::replies::help`.

use super::*;

/// (form, what it does), in the order help shows them.
pub const USAGE_LINES: &[(&str, &str)] = &[
    ("/officehours", "who is open now, then the next windows"),
    ("/officehours help", "this help"),
    (
        "/officehours @user",
        "that person's hours, state and next window",
    ),
    (
        "/officehours add <days> <start>-<end> [topics]",
        "add a weekly window; days: mon,tue,… | weekdays | daily; times 14:00, 2pm, 9:30am",
    ),
    (
        "/officehours remove <n|all>",
        "remove window n from your list, or all of them",
    ),
    ("/officehours list", "my windows, numbered"),
    (
        "/officehours on [for 2h | until 17:00]",
        "open now, until the end of the day unless you say otherwise",
    ),
    ("/officehours off", "closed now"),
    (
        "/officehours tz <IANA zone>",
        "my time zone, e.g. Europe/Berlin; \"tz auto\" returns to the Slack profile zone",
    ),
    ("/officehours find <topic>", "who mentors on a topic"),
    (
        ONE_ON_ONE.0,
        "1:1s with a report every n weeks (also weekly, biweekly); without `on`, the same weekday and time as now",
    ),
    (ONE_ON_ONE_STOP.0, "end the 1:1s with that report"),
    (ONE_ON_ONE_DONE.0, "mark the current 1:1 with that report done"),
    (
        ONE_ON_ONE_ACCEPT.0,
        "accept a manager's 1:1s after all, if you declined them",
    ),
    (
        DEBRIEF.0,
        "on that date, a group DM asking what went well, what to change and what each learned",
    ),
    (
        REVIEW.0,
        "advancement prompts for you two weeks and one working day before a report's review",
    ),
    (
        CONFERENCE.0,
        "register that I'm going to a conference, for one day or a range of days",
    ),
    (CONFERENCE_LIST.0, "the conferences registered here"),
    (CONFERENCE_LEAVE.0, "I'm no longer going to that conference"),
    (TEAM.0, "the managers' overview of my reports (1:1s, office hours visited), now rather than at the weekly digest"),
    (EXPORT.0, "everything the bot keeps about me, as a JSON file by DM"),
    (FORGET.0, "delete everything the bot keeps about me (asks first)"),
    (CONNECT.0, "show my office hours in my Slack status"),
    (DISCONNECT.0, "stop touching my Slack status"),
    (AWAY.0, "hide me from open-now until the end of that day"),
    (HINTS.0, "hints when someone @mentions a mentor: in this channel, or (me) about me"),
    (CALENDAR.0, "a private calendar feed of my windows (reset makes a new address)"),
    (
        NOTIFY.0,
        "a DM when that person, or any mentor on that topic, opens: in your working hours, at most once a day",
    ),
    (NOTIFY_LIST.0, "what I'll tell you about"),
    (NOTIFY_OFF.0, "stop telling you about that person, topic, or anything"),
    (
        line::ASK.0,
        "join that mentor's line if they are open now, else hold the question for their next window",
    ),
    (line::ASK_CANCEL.0, "leave that mentor's line"),
    (line::QUEUE.0, "my line, as a mentor, with Next, Done and Not today (my week adds up in a Monday DM)"),
    (line::NEXT.0, "call the next person in my line"),
    (line::LATE.0, "tell everyone waiting in my line I'm running late, with their new estimate"),
    (line::LINK.0, "my meeting link, sent to whoever I call and shown when I'm open"),
];
