//! Nudges end to end: commands plan reminders, the scheduler (ticked by hand on the test clock)
//! delivers them to the fake Slack, buttons and modals act on them.

#[path = "nudges/one_on_ones.rs"]
mod one_on_ones;
mod support;

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use officehours::clock::Clock;
use serde_json::{json, Value};
use support::{mention, posted, visible_text, Backend, TestApp, TEAM};

const MANAGER: &str = "U0MGR00001";
const REPORT: &str = "U0REP00001";
const OTHER: &str = "U0OTH00001";
const THIRD: &str = "U0THD00001";

fn dms_containing(app: &TestApp, user: &str, needle: &str) -> Vec<(DateTime<Utc>, String)> {
    app.slack
        .dm_messages(user)
        .iter()
        .map(posted)
        .filter(|(_, text)| text.contains(needle))
        .collect()
}

/// Messages in the group DM of exactly these people (the fake names it after its members).
fn group_dm(app: &TestApp, people: &[&str]) -> Vec<(DateTime<Utc>, String)> {
    let mut members: Vec<&str> = people.to_vec();
    members.sort();
    app.slack
        .messages_in(&format!("G{}", members.concat()))
        .iter()
        .map(posted)
        .collect()
}

/// The manager goes to Rust Nation on both days, the report on the first, a third person on
/// the second: two introductions (manager and report, manager and third), in two group DMs.
async fn two_introductions(app: &TestApp) {
    for user in [MANAGER, REPORT, THIRD] {
        app.known_user(user, "Europe/Berlin").await;
    }
    app.say(MANAGER, "conference \"Rust Nation\" 2027-02-10..2027-02-11")
        .await;
    app.say(REPORT, "conference rustnation 2027-02-10").await;
    app.say(THIRD, "conference rust-nation 2027-02-11").await;
}

const PAIRS: [[&str; 2]; 2] = [[MANAGER, REPORT], [MANAGER, THIRD]];

fn button_value(message: &Value, action_id: &str) -> String {
    fn find(value: &Value, action_id: &str) -> Option<String> {
        match value {
            Value::Object(map) if map.get("action_id") == Some(&json!(action_id)) => {
                map.get("value").and_then(Value::as_str).map(str::to_owned)
            }
            Value::Object(map) => map.values().find_map(|v| find(v, action_id)),
            Value::Array(items) => items.iter().find_map(|v| find(v, action_id)),
            _ => None,
        }
    }
    find(message, action_id).unwrap_or_else(|| panic!("no {action_id} button in {message}"))
}

/// A click on a button of a bot message, as Slack posts it; returns the response_url id used.
async fn click(app: &TestApp, user: &str, action_id: &str, value: &str, response_id: &str) {
    let container = json!({ "type": "message", "message_ts": "1700000000.000100", "channel_id": format!("D{user}"), "is_ephemeral": false });
    click_in(app, user, action_id, value, response_id, container).await;
}

/// A click on a button in `container`: a message, or the Home tab (`{"type": "view", …}`).
async fn click_in(
    app: &TestApp,
    user: &str,
    action_id: &str,
    value: &str,
    response_id: &str,
    container: Value,
) {
    let payload = json!({
        "type": "block_actions",
        "user": { "id": user, "username": "someone", "name": "someone", "team_id": TEAM },
        "api_app_id": "A0001",
        "token": "9s8d9as89d8as9d8as989",
        "container": container,
        "trigger_id": format!("trigger-{response_id}"),
        "team": { "id": TEAM, "domain": "example" },
        "channel": { "id": format!("D{user}"), "name": "directmessage" },
        "response_url": app.slack.response_url(response_id),
        "actions": [{ "action_id": action_id, "block_id": "b", "text": { "type": "plain_text", "text": "x" }, "value": value, "type": "button", "action_ts": "1700000001.000100" }],
        "state": { "values": {} }
    });
    assert_eq!(app.interaction(&payload).await.status, 200);
}

async fn replaced_with(app: &TestApp, response_id: &str) -> String {
    let posts = app
        .slack
        .wait_for_responses_to(response_id, 1, std::time::Duration::from_secs(5))
        .await;
    let last = posts.last().expect("waited for one");
    assert_eq!(last["replace_original"], true);
    visible_text(last)
}

/// Advances the clock hour by hour for `hours`, ticking each time, as the running loop would.
async fn run_hours(app: &TestApp, hours: i64) {
    for _ in 0..hours {
        app.advance_and_tick(Duration::hours(1)).await;
    }
}

/// A plain reminder to the manager, due at `now`, scheduled straight through the store.
async fn schedule_due(
    store: &std::sync::Arc<dyn officehours::store::Store>,
    team: &str,
    key: &str,
    now: DateTime<Utc>,
) {
    let reminder = officehours::store::reminders::NewReminder {
        team_id: team.to_owned(),
        key: key.to_owned(),
        kind: "test".to_owned(),
        recipients: vec![MANAGER.to_owned()],
        payload: json!({}),
        due_at: now,
    };
    assert!(
        store.schedule(&reminder, now).await.unwrap(),
        "{key} is new"
    );
}

fn local(t: DateTime<Utc>, zone: &str) -> chrono::DateTime<Tz> {
    t.with_timezone(&zone.parse::<Tz>().unwrap())
}

on_both_backends!(
    weekly_one_on_ones_keep_local_time_across_dst_in_both_hemispheres_for_eight_weeks,
    a_report_can_decline_and_the_manager_is_told,
    done_snooze_and_skip_with_the_lead_time_and_a_new_question_each_time,
    bot_timed_nudges_wait_for_working_time_but_meeting_reminders_never_do,
    a_debrief_reaches_everyone_in_one_group_dm_and_feedback_reaches_the_organizer,
    teammates_at_the_same_conference_are_introduced_once,
    the_weekly_digest_lists_what_needs_attention_and_stays_quiet_otherwise,
    a_monday_review_is_prompted_on_the_friday_before,
    rate_limits_and_server_errors_are_retried_and_each_reminder_still_goes_out_once,
    a_reminder_slack_accepted_but_we_never_heard_back_about_is_not_sent_twice,
    a_batch_of_outcomes_is_recorded_at_once_and_a_claim_taken_over_counts_as_lost,
    a_scheduler_for_one_workspace_claims_only_its_reminders,
    a_replica_that_died_holding_claims_is_taken_over_after_its_lease,
    after_downtime_due_reminders_go_out_late_and_stale_ones_are_dropped,
    two_schedulers_racing_over_a_thousand_due_reminders_deliver_each_exactly_once
);

async fn weekly_one_on_ones_keep_local_time_across_dst_in_both_hemispheres_for_eight_weeks(
    app: TestApp,
) {
    // Thursday 4 March 2027: Europe springs forward on 28 March, Sydney falls back on 4 April.
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 4, 0, 0, 0).unwrap());
    let pairs = [
        ("U0MBER0001", "U0RBER0001", "Europe/Berlin"),
        ("U0MSYD0001", "U0RSYD0001", "Australia/Sydney"),
    ];
    for (manager, report, zone) in pairs {
        app.known_user(manager, zone).await;
        app.known_user(report, zone).await;
        let set = app
            .say(
                manager,
                &format!("1on1 {} every week on mon 09:00", mention(report)),
            )
            .await;
        assert!(set.contains("every week on Monday at 09:00"), "{set}");
    }

    run_hours(&app, 8 * 7 * 24).await;

    for (manager, report, zone) in pairs {
        for person in [manager, report] {
            let reminders = dms_containing(&app, person, "Your 1:1 with");
            assert_eq!(reminders.len(), 8, "{person} in {zone}: {reminders:?}");
            let mut utc_hours = std::collections::BTreeSet::new();
            let mut questions = Vec::new();
            for (at, text) in &reminders {
                let here = local(*at, zone);
                assert_eq!(
                    (here.weekday(), here.hour(), here.minute()),
                    (Weekday::Mon, 8, 0),
                    "{person}: {here} {text}"
                );
                utc_hours.insert(at.hour());
                questions.push(
                    text.lines()
                        .find(|l| l.starts_with("> "))
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
            assert_eq!(
                utc_hours.len(),
                2,
                "{zone} crossed a DST change: {utc_hours:?}"
            );
            assert!(
                questions.windows(2).all(|w| w[0] != w[1]),
                "questions repeat: {questions:?}"
            );
        }
    }
    // Exactly once: every reminder row was sent once and nothing is left hanging.
    let rows = app.db.reminders().await;
    assert!(
        rows.iter()
            .filter(|(k, _)| k.starts_with("1on1:"))
            .all(|(_, s)| s == "sent" || s == "pending"),
        "{rows:?}"
    );
}

async fn a_report_can_decline_and_the_manager_is_told(app: TestApp) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "America/New_York").await;
    let set = app
        .say(
            MANAGER,
            &format!("1on1 {} every 2 weeks on tue 10:00", mention(REPORT)),
        )
        .await;
    assert!(set.contains("every 2 weeks on Tuesday at 10:00"), "{set}");
    assert!(set.contains("Tue 8 Dec 10:00"), "{set}");

    app.tick().await;
    let consent = app.slack.dm_messages(REPORT);
    assert_eq!(consent.len(), 1, "{consent:?}");
    let text = visible_text(&consent[0]);
    assert!(text.contains("set up a regular 1:1 with you"), "{text}");
    assert!(text.contains("*Tue 8 Dec 04:00* your time"), "{text}");

    click(
        &app,
        REPORT,
        "officehours.1on1_decline",
        &button_value(&consent[0], "officehours.1on1_decline"),
        "decline",
    )
    .await;
    assert!(replaced_with(&app, "decline")
        .await
        .contains("You declined"));
    app.tick().await;
    assert_eq!(dms_containing(&app, MANAGER, "declined the 1:1s").len(), 1);

    run_hours(&app, 24 * 15).await;
    assert!(dms_containing(&app, MANAGER, "Your 1:1 with").is_empty());
    assert!(dms_containing(&app, REPORT, "Your 1:1 with").is_empty());
}

async fn done_snooze_and_skip_with_the_lead_time_and_a_new_question_each_time(app: TestApp) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "Europe/Berlin").await;
    // 13:30 UTC is 14:30 in Berlin: today's 15:00 meeting is within the 1 h lead, so it goes out
    // now (the report's a minute later, after the notice that the 1:1s exist).
    app.say(
        MANAGER,
        &format!("1on1 {} every week on thu 15:00", mention(REPORT)),
    )
    .await;
    app.tick().await;
    app.advance_and_tick(Duration::minutes(1)).await;
    let first = dms_containing(&app, MANAGER, "Your 1:1 with");
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0]
            .1
            .contains(&format!("<@{REPORT}> is at *Thu 3 Dec 15:00* (your time)")),
        "{}",
        first[0].1
    );
    let message = app
        .slack
        .dm_messages(MANAGER)
        .into_iter()
        .find(|m| visible_text(m).contains("Your 1:1 with"))
        .unwrap();
    click(
        &app,
        MANAGER,
        "officehours.meeting_done",
        &button_value(&message, "officehours.meeting_done"),
        "done1",
    )
    .await;
    assert!(replaced_with(&app, "done1").await.contains("Marked done"));

    // Next Thursday: nothing at 13:59 Berlin, the reminder exactly one hour before 15:00.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 10, 12, 59, 0).unwrap());
    app.tick().await;
    assert_eq!(dms_containing(&app, REPORT, "Your 1:1 with").len(), 1);
    app.advance_and_tick(Duration::minutes(1)).await;
    let second = dms_containing(&app, REPORT, "Your 1:1 with");
    assert_eq!(second.len(), 2);
    assert_eq!(
        second[1].0,
        Utc.with_ymd_and_hms(2026, 12, 10, 13, 0, 0).unwrap()
    );
    let question = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("> "))
            .unwrap_or_default()
            .to_owned()
    };
    assert_ne!(question(&second[0].1), question(&second[1].1));

    let message = app
        .slack
        .dm_messages(REPORT)
        .into_iter()
        .rev()
        .find(|m| visible_text(m).contains("Your 1:1 with"))
        .unwrap();
    let meeting = button_value(&message, "officehours.meeting_snooze");
    click(
        &app,
        REPORT,
        "officehours.meeting_snooze",
        &meeting,
        "snooze",
    )
    .await;
    assert!(replaced_with(&app, "snooze")
        .await
        .contains("now *Fri 11 Dec 15:00* your time"));

    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 11, 13, 0, 0).unwrap());
    app.tick().await;
    let moved = dms_containing(&app, MANAGER, "Fri 11 Dec 15:00");
    assert_eq!(moved.len(), 1, "the snoozed 1:1 is reminded again");
    click(&app, MANAGER, "officehours.meeting_skip", &meeting, "skip").await;
    assert!(replaced_with(&app, "skip").await.contains("Skipped"));
    click(
        &app,
        OTHER,
        "officehours.meeting_done",
        &meeting,
        "intruder",
    )
    .await;
    assert!(replaced_with(&app, "intruder")
        .await
        .contains("isn't yours"));

    let nothing = app
        .say(REPORT, &format!("1on1 done {}", mention(MANAGER)))
        .await;
    assert!(nothing.contains("no 1:1"), "{nothing}");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 17, 14, 30, 0).unwrap());
    let done = app
        .say(REPORT, &format!("1on1 done {}", mention(MANAGER)))
        .await;
    assert!(done.contains("Marked your 1:1"), "{done}");
}

async fn bot_timed_nudges_wait_for_working_time_but_meeting_reminders_never_do(app: TestApp) {
    // Saturday 5 December, 11:00 in Berlin.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap());
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "Europe/Berlin").await;
    app.known_user(OTHER, "Europe/Berlin").await;
    app.say(
        MANAGER,
        &format!("1on1 {} every week on sun 11:00", mention(REPORT)),
    )
    .await;
    app.say(
        MANAGER,
        &format!("1on1 {} every week on tue 11:00", mention(OTHER)),
    )
    .await;
    app.tick().await;
    assert!(
        app.slack.dm_messages(REPORT).is_empty() && app.slack.dm_messages(OTHER).is_empty(),
        "the notices wait"
    );

    run_hours(&app, 22).await; // Sunday 08:00 UTC, 09:00 Berlin.
    assert!(app.slack.dm_messages(REPORT).is_empty());
    // A minute at a time through the hour before Sunday's meeting: its reminder goes out on a
    // Sunday, and the notice that the 1:1s exist comes just before it, not on Monday.
    for _ in 0..60 {
        app.advance_and_tick(Duration::minutes(1)).await;
    }
    let notice = dms_containing(&app, REPORT, "regular 1:1");
    let reminder = dms_containing(&app, REPORT, "Your 1:1 with");
    assert_eq!(
        (notice.len(), reminder.len()),
        (1, 1),
        "{notice:?} {reminder:?}"
    );
    assert_eq!(
        notice[0].0,
        Utc.with_ymd_and_hms(2026, 12, 6, 8, 59, 0).unwrap()
    );
    assert_eq!(
        reminder[0].0,
        Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap(),
        "meeting reminders go out on Sundays too"
    );
    assert!(app.slack.dm_messages(OTHER).is_empty());

    run_hours(&app, 22).await; // Monday 07:00 UTC = 08:00 Berlin, the start of working time.
    let consent = dms_containing(&app, OTHER, "regular 1:1");
    assert_eq!(consent.len(), 1);
    assert_eq!(
        consent[0].0,
        Utc.with_ymd_and_hms(2026, 12, 7, 7, 0, 0).unwrap()
    );
}

async fn a_debrief_reaches_everyone_in_one_group_dm_and_feedback_reaches_the_organizer(
    app: TestApp,
) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "America/New_York").await;
    app.known_user(OTHER, "Australia/Sydney").await;
    let set = app
        .say(
            MANAGER,
            &format!(
                "debrief \"Website launch\" on 2026-12-04 with {} {}",
                mention(REPORT),
                mention(OTHER)
            ),
        )
        .await;
    assert!(set.contains("Website launch"), "{set}");
    let past = app
        .say(
            MANAGER,
            &format!("debrief \"Old\" on 2026-12-01 with {}", mention(REPORT)),
        )
        .await;
    assert!(past.contains("already passed"), "{past}");

    // Berlin, New York and Sydney are never all at work on Friday. Two of the three are from
    // 07:00 UTC (Berlin and Sydney) and from 13:00 UTC (Berlin and New York): the earlier wins,
    // 08:00 in Berlin, 18:00 in Sydney.
    run_hours(&app, 17).await; // Friday 06:30 UTC.
    assert!(app
        .slack
        .calls_to("chat.postMessage")
        .iter()
        .all(|c| !c.params["channel"].as_str().unwrap_or("").starts_with('G')));
    app.advance_and_tick(Duration::minutes(30)).await;
    let posts: Vec<_> = app
        .slack
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| {
            c.params["channel"]
                .as_str()
                .is_some_and(|c| !c.starts_with('U'))
        })
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let group = posts[0].params["channel"].as_str().unwrap().to_owned();
    let mut members = app.slack.conversation_members(&group).expect("a group DM");
    members.sort();
    assert_eq!(
        members,
        vec![MANAGER.to_owned(), OTHER.to_owned(), REPORT.to_owned()]
    );
    let message = app.slack.messages_in(&group).pop().unwrap();
    let text = visible_text(&message);
    assert!(
        text.contains("Debrief: Website launch") && text.contains("went well"),
        "{text}"
    );

    let debrief_id = button_value(&message, "officehours.share_feedback");
    click(
        &app,
        REPORT,
        "officehours.share_feedback",
        &debrief_id,
        "share",
    )
    .await;
    let modal = app
        .slack
        .wait_for_calls("views.open", 1, std::time::Duration::from_secs(5))
        .await;
    assert_eq!(modal[0].params["trigger_id"], "trigger-share");
    assert_eq!(
        modal[0].params["view"]["callback_id"],
        "officehours.feedback"
    );
    assert_eq!(modal[0].params["view"]["private_metadata"], debrief_id);

    let submit = |user: &str, went_well: &str| {
        json!({
            "type": "view_submission",
            "team": { "id": TEAM, "domain": "example" },
            "user": { "id": user, "username": "x", "name": "x", "team_id": TEAM },
            "api_app_id": "A0001",
            "token": "x",
            "trigger_id": support::trigger_id(),
            "view": {
                "id": "V1", "team_id": TEAM, "type": "modal", "callback_id": "officehours.feedback",
                "private_metadata": debrief_id.clone(), "hash": "h",
                "title": { "type": "plain_text", "text": "Debrief feedback" }, "blocks": [],
                "state": { "values": {
                    "went_well": { "value": { "type": "plain_text_input", "value": went_well } },
                    "differently": { "value": { "type": "plain_text_input", "value": "Ship smaller pieces" } },
                    "learned": { "value": { "type": "plain_text_input", "value": "Feature flags <3" } }
                } }
            }
        })
    };
    let empty = app.interaction(&submit(OTHER, "  ")).await;
    assert_eq!(empty.json()["response_action"], "errors");
    assert!(empty.json()["errors"]["went_well"].is_string());
    let ok = app.interaction(&submit(REPORT, "Clear ownership")).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, ""));
    let stranger = app.interaction(&submit("U0STRANGER", "hi")).await;
    assert_eq!(stranger.json()["response_action"], "errors");

    app.tick().await;
    let feedback = dms_containing(&app, MANAGER, "Feedback on *Website launch*");
    assert_eq!(feedback.len(), 1);
    assert!(
        feedback[0].1.contains("Clear ownership") && feedback[0].1.contains("Feature flags &lt;3"),
        "{}",
        feedback[0].1
    );
    let team = app.say(MANAGER, "team").await;
    assert!(
        team.contains(&format!("no feedback yet from <@{OTHER}>")),
        "{team}"
    );
}

async fn teammates_at_the_same_conference_are_introduced_once(app: TestApp) {
    let (a, b, c, d) = ("U0CONFA001", "U0CONFB001", "U0CONFC001", "U0CONFD001");
    for user in [a, b, c, d] {
        app.known_user(user, "Europe/Berlin").await;
    }
    let alone = app
        .say(a, "conference \"RustConf 2027\" 2027-09-08..2027-09-10")
        .await;
    assert!(alone.contains("I'll introduce you"), "{alone}");
    let second = app.say(b, "conference rustconf 2027-09-09").await;
    assert!(second.contains(&format!("<@{a}>")), "{second}");
    app.tick().await;
    // One group DM introduces the two of them.
    let ab = group_dm(&app, &[a, b]);
    assert_eq!(ab.len(), 1, "{ab:?}");
    assert!(
        ab[0].1.contains(&format!("<@{a}>, meet <@{b}>"))
            && ab[0]
                .1
                .contains("*RustConf 2027*, together on Thu 9 Sep 2027"),
        "{}",
        ab[0].1
    );

    app.say(c, "conference \"Rust-Conf!\" 2027-09-09..2027-09-10")
        .await;
    app.say(d, "conference RustConf 2028-09-08").await;
    app.tick().await;
    app.advance_and_tick(Duration::hours(1)).await;
    // The late joiner meets each of them, in a group DM per pair; a and b are not told again.
    for pair in [[a, c], [b, c], [a, b]] {
        assert_eq!(group_dm(&app, &pair).len(), 1, "{pair:?}");
    }
    assert!(
        group_dm(&app, &[a, c])[0]
            .1
            .contains("together from Thu 9 Sep to Fri 10 Sep 2027"),
        "{:?}",
        group_dm(&app, &[a, c])
    );
    assert!(
        app.slack.dm_messages(d).is_empty() && group_dm(&app, &[a, d]).is_empty(),
        "a different year is a different conference"
    );

    let list = app.say(d, "conference list").await;
    assert!(
        list.contains(&format!("<@{a}>, <@{b}> and <@{c}>")),
        "{list}"
    );
    assert!(list.contains(&format!("<@{d}>")), "{list}");
    let left = app.say(a, "conference leave \"RustConf 2027\"").await;
    assert!(left.contains("Removed"), "{left}");
    assert!(!app
        .say(d, "conference list")
        .await
        .contains(&format!("<@{a}>")));
}

async fn the_weekly_digest_lists_what_needs_attention_and_stays_quiet_otherwise(app: TestApp) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "Europe/Berlin").await;
    app.known_user(OTHER, "Europe/Berlin").await;
    app.say(
        MANAGER,
        &format!("1on1 {} every week on thu 15:00", mention(REPORT)),
    )
    .await;
    let review = app
        .say(
            MANAGER,
            &format!("review {} on 2026-12-22", mention(REPORT)),
        )
        .await;
    assert!(
        review.contains("two weeks before and on the last working day before"),
        "{review}"
    );
    app.say(REPORT, "conference \"KubeCon\" 2027-03-01..2027-03-03")
        .await;
    app.say(OTHER, "conference kubecon 2027-03-02").await;
    // A manager whose only 1:1s were stopped has nothing to hear about.
    app.say(
        OTHER,
        &format!("1on1 {} every week on fri 10:00", mention(REPORT)),
    )
    .await;
    app.say(OTHER, &format!("1on1 stop {}", mention(REPORT)))
        .await;
    app.tick().await;

    // Monday 7 December, 09:00 in Berlin: the default DIGEST_AT.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap());
    app.tick().await;
    let digests = dms_containing(&app, MANAGER, "Your weekly mentoring digest");
    assert_eq!(digests.len(), 1);
    let text = &digests[0].1;
    assert!(
        text.contains(&format!(
            "<@{REPORT}>: overdue since Thu 3 Dec 15:00 (no 1:1 marked done yet)"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("<@{REPORT}> on 2026-12-22")),
        "{text}"
    );
    assert!(
        text.contains("KubeCon") && text.contains(&format!("<@{OTHER}>")),
        "{text}"
    );
    assert!(
        dms_containing(&app, OTHER, "Your weekly mentoring digest").is_empty(),
        "nothing to say, no DM"
    );

    // Two weeks before the talk, at NUDGE_AT (09:00 Berlin), the advancement prompts arrive.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 8, 8, 0, 0).unwrap());
    app.tick().await;
    let prompts = dms_containing(&app, MANAGER, "advancement talk with");
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    assert!(
        prompts[0].1.contains("in two weeks") && prompts[0].1.contains("certification"),
        "{}",
        prompts[0].1
    );
    assert_eq!(
        prompts[0].0,
        Utc.with_ymd_and_hms(2026, 12, 8, 8, 0, 0).unwrap()
    );
    let on_demand = app.say(OTHER, "team").await;
    assert!(
        on_demand.contains("Nothing needs your attention"),
        "{on_demand}"
    );
}

async fn a_monday_review_is_prompted_on_the_friday_before(app: TestApp) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "Europe/Berlin").await;
    app.say(
        MANAGER,
        &format!("review {} on 2026-12-14", mention(REPORT)),
    )
    .await;
    // Friday 11 December, 09:00 in Berlin (NUDGE_AT): the last working day before the talk.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 11, 8, 0, 0).unwrap());
    app.tick().await;
    let prompts = dms_containing(&app, MANAGER, "advancement talk with");
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    assert!(
        prompts[0].1.contains("is on Monday (2026-12-14)"),
        "{}",
        prompts[0].1
    );
    // Nothing more on the weekend or on the Monday itself.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 14, 12, 0, 0).unwrap());
    app.tick().await;
    assert_eq!(
        dms_containing(&app, MANAGER, "advancement talk with").len(),
        1
    );
}

async fn rate_limits_and_server_errors_are_retried_and_each_reminder_still_goes_out_once(
    app: TestApp,
) {
    use support::fake_slack::FakeFailure;
    two_introductions(&app).await;

    app.slack.fail_next(
        "chat.postMessage",
        FakeFailure::RateLimited {
            retry_after_secs: 120,
        },
    );
    app.slack
        .fail_next("chat.postMessage", FakeFailure::Status(500));
    // The 429's Retry-After holds back the whole workspace's messages: the other introduction,
    // its turn a Tier 3 call later, is put back untried until then.
    let first = app.tick().await;
    assert_eq!(
        (first.claimed, first.sent, first.retried, first.deferred),
        (2, 0, 1, 1),
        "{first:?}"
    );
    assert_eq!(
        app.tick().await.claimed,
        0,
        "nothing is retried before its time"
    );
    let held = app.advance_and_tick(Duration::seconds(110)).await;
    assert_eq!(held.claimed, 0, "both wait for the Retry-After: {held:?}");
    // Then both go: one meets the 500 and is retried after a jittered backoff.
    let after_hold = app.advance_and_tick(Duration::seconds(15)).await;
    assert_eq!(
        (after_hold.sent, after_hold.retried),
        (1, 1),
        "{after_hold:?}"
    );
    assert_eq!(app.advance_and_tick(Duration::seconds(40)).await.sent, 1);
    for pair in PAIRS {
        assert_eq!(group_dm(&app, &pair).len(), 1, "{pair:?}");
    }

    // A permanent error is recorded for operators instead of being retried for ever.
    app.known_user(OTHER, "Europe/Berlin").await;
    app.say(OTHER, "conference \"Rust Nation\" 2027-02-10")
        .await;
    app.slack
        .fail_next("chat.postMessage", FakeFailure::Error("channel_not_found"));
    let report = app.tick().await;
    assert_eq!((report.failed, report.sent), (1, 1), "{report:?}");
    let rows = app.db.reminders().await;
    assert!(
        rows.iter().any(|(k, s)| k.contains(OTHER) && s == "failed"),
        "{rows:?}"
    );
}

async fn a_reminder_slack_accepted_but_we_never_heard_back_about_is_not_sent_twice(app: TestApp) {
    use support::fake_slack::FakeFailure;
    two_introductions(&app).await;
    // Slack stores both messages, but the connection drops before either answer arrives.
    app.slack
        .accept_but_fail_next("chat.postMessage", FakeFailure::Disconnect);
    app.slack
        .accept_but_fail_next("chat.postMessage", FakeFailure::Disconnect);
    assert_eq!(app.tick().await.retried, 2);
    let report = app.advance_and_tick(Duration::minutes(2)).await;
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(
        app.slack.calls_to("chat.postMessage").len(),
        2,
        "found in history, not posted again"
    );
    assert!(app.slack.calls_to("conversations.history").len() >= 2);
    for pair in PAIRS {
        assert_eq!(group_dm(&app, &pair).len(), 1, "{pair:?}");
    }
}

async fn a_batch_of_outcomes_is_recorded_at_once_and_a_claim_taken_over_counts_as_lost(
    app: TestApp,
) {
    use officehours::store::reminders::Finish;
    app.known_user(MANAGER, "Europe/Berlin").await;
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let now = app.clock.now();
    for n in 1..=3 {
        schedule_due(&store, TEAM, &format!("batch:{n}"), now).await;
    }
    let mine = store
        .claim_due(now, Duration::minutes(5), "me", 10, None)
        .await
        .unwrap();
    assert_eq!(mine.len(), 3);
    // Handed back and claimed again: two by this replica, the third by another one.
    store.release_claims("me").await.unwrap();
    let again = store
        .claim_due(now, Duration::minutes(5), "me", 2, None)
        .await
        .unwrap();
    let theirs = store
        .claim_due(now, Duration::minutes(5), "them", 10, None)
        .await
        .unwrap();
    assert_eq!((again.len(), theirs.len()), (2, 1));
    let outcomes = vec![
        (
            again[0].id,
            Finish::Sent {
                channel: "D0MANAGER".into(),
                ts: "1.1".into(),
            },
        ),
        (theirs[0].id, Finish::Failed("too late".into())),
        (again[1].id, Finish::Cancelled("not needed".into())),
    ];
    let recorded = store.finish_all("me", &outcomes, now).await.unwrap();
    assert_eq!(recorded, vec![true, false, true]);
    let mut statuses: Vec<String> = app
        .db
        .reminders()
        .await
        .into_iter()
        .map(|(_, status)| status)
        .collect();
    statuses.sort();
    assert_eq!(statuses, vec!["cancelled", "claimed", "sent"]);
    assert_eq!(
        store.finish_all("me", &[], now).await.unwrap(),
        Vec::<bool>::new()
    );

    // DM channels: written for people the bot knows, once, and only when new.
    let channels = vec![
        (TEAM.to_owned(), MANAGER.to_owned(), "D0MANAGER".to_owned()),
        (TEAM.to_owned(), MANAGER.to_owned(), "D0MANAGER".to_owned()),
        (
            TEAM.to_owned(),
            "U0NOBODY01".to_owned(),
            "D0NOBODY".to_owned(),
        ),
    ];
    store.set_dm_channels(&channels).await.unwrap();
    assert_eq!(
        store.dm_channel(TEAM, MANAGER).await.unwrap().as_deref(),
        Some("D0MANAGER")
    );
    assert_eq!(store.dm_channel(TEAM, "U0NOBODY01").await.unwrap(), None);
    store.set_dm_channels(&[]).await.unwrap();
}

async fn a_scheduler_for_one_workspace_claims_only_its_reminders(app: TestApp) {
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let now = app.clock.now();
    for (n, team) in [(1, "T0SHELL001"), (2, TEAM), (3, "T0SHELL001"), (4, TEAM)] {
        schedule_due(&store, team, &format!("teams:{n}"), now).await;
    }
    // One of the shell's is claimed by a replica that then dies: its lease lapses.
    let first = store
        .claim_due(now, Duration::minutes(5), "gone", 1, None)
        .await
        .unwrap();
    assert_eq!(first[0].key, "teams:1");
    let later = now + Duration::minutes(10);
    let mine = store
        .claim_due(later, Duration::minutes(5), "shell", 10, Some("T0SHELL001"))
        .await
        .unwrap();
    let mut keys: Vec<&str> = mine.iter().map(|r| r.key.as_str()).collect();
    keys.sort();
    assert_eq!(keys, vec!["teams:1", "teams:3"]);
    assert!(
        mine.iter().any(|r| r.key == "teams:1" && r.in_doubt),
        "a lapsed claim comes back in doubt"
    );
    let rest = store
        .claim_due(later, Duration::minutes(5), "main", 10, None)
        .await
        .unwrap();
    assert_eq!(rest.len(), 2, "{rest:?}");
}

async fn a_replica_that_died_holding_claims_is_taken_over_after_its_lease(app: TestApp) {
    two_introductions(&app).await;
    let other_replica = officehours::store::connect(&app.db.url).await.unwrap();
    let stolen = other_replica
        .claim_due(
            app.clock.now(),
            Duration::minutes(5),
            "dead-replica",
            100,
            None,
        )
        .await
        .unwrap();
    assert_eq!(stolen.len(), 2);

    assert_eq!(app.tick().await.claimed, 0, "its lease still holds");
    app.clock.advance(Duration::minutes(6));
    let report = app.tick().await;
    assert_eq!((report.claimed, report.sent), (2, 2), "{report:?}");
    for pair in PAIRS {
        assert_eq!(group_dm(&app, &pair).len(), 1, "{pair:?}");
    }
    // The dead replica's late word does not count any more.
    let late = other_replica
        .finish(
            stolen[0].id,
            "dead-replica",
            &officehours::store::reminders::Finish::Failed("x".into()),
            app.clock.now(),
        )
        .await
        .unwrap();
    assert!(!late);
}

async fn after_downtime_due_reminders_go_out_late_and_stale_ones_are_dropped(app: TestApp) {
    two_introductions(&app).await;
    app.clock.advance(Duration::hours(3));
    assert_eq!(app.tick().await.sent, 2);
    let late = group_dm(&app, &[MANAGER, REPORT]);
    assert!(
        late.len() == 1 && late[0].1.contains("Sorry this is late"),
        "{late:?}"
    );

    // Other joins on the first day: introduced to the manager and the report.
    app.known_user(OTHER, "Europe/Berlin").await;
    app.say(OTHER, "conference \"Rust Nation\" 2027-02-10")
        .await;
    app.clock.advance(Duration::hours(25));
    assert_eq!(app.tick().await.dropped, 2);
    assert!(group_dm(&app, &[MANAGER, OTHER]).is_empty());
    assert!(group_dm(&app, &[REPORT, OTHER]).is_empty());
    assert!(app
        .db
        .reminders()
        .await
        .iter()
        .any(|(k, s)| k.contains(OTHER) && s == "dropped"));
}

async fn two_schedulers_racing_over_a_thousand_due_reminders_deliver_each_exactly_once(
    app: TestApp,
) {
    race(&app).await;
}

/// Says the same thing for every reminder, so the race is about delivery only.
struct Plain;

#[async_trait::async_trait]
impl officehours::scheduler::Composer for Plain {
    async fn compose(
        &self,
        reminder: &officehours::store::reminders::Reminder,
        _now: DateTime<Utc>,
    ) -> anyhow::Result<officehours::scheduler::Composed> {
        let mut message = officehours::views::Message::new(reminder.key.clone());
        message.push(officehours::views::Block::text(reminder.key.clone()));
        Ok(officehours::scheduler::Composed::Send(message))
    }
    async fn settled(
        &self,
        _: &officehours::store::reminders::Reminder,
        _: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        Ok(())
    }
}

async fn race(app: &TestApp) {
    use officehours::scheduler::{Scheduler, SchedulerSettings};
    use officehours::store::reminders::NewReminder;
    use std::sync::Arc;

    let now = app.clock.now();
    let setup = officehours::store::connect(&app.db.url).await.unwrap();
    for i in 0..1000 {
        let reminder = NewReminder {
            team_id: TEAM.to_owned(),
            key: format!("race:{i}"),
            kind: "race".to_owned(),
            recipients: vec![format!("U0RACE{i:04}")],
            payload: json!({}),
            due_at: now - Duration::minutes(1),
        };
        assert!(setup.schedule(&reminder, now).await.unwrap());
    }
    let slack: Arc<dyn officehours::ports::slack::SlackApi> = Arc::new(
        officehours::slack::api::SlackWebApi::new(
            &app.slack.api_url(),
            &officehours::secret::Secret::new(support::BOT_TOKEN),
        )
        .unwrap(),
    );
    let settings = SchedulerSettings {
        // The race is between replicas, not with Slack's limits.
        per_channel: std::time::Duration::ZERO,
        per_workspace: std::time::Duration::ZERO,
        batch: 50,
        ..Default::default()
    };
    let replica = |store| {
        Arc::new(Scheduler::new(
            store,
            officehours::ports::workspaces::SingleWorkspace::shared(slack.clone()),
            app.clock.clone(),
            Arc::new(Plain),
            settings.clone(),
        ))
    };
    // Each replica has its own connection pool, as two processes would.
    let one = replica(officehours::store::connect(&app.db.url).await.unwrap());
    let two = replica(officehours::store::connect(&app.db.url).await.unwrap());
    let (a, b) = tokio::join!(one.tick(), two.tick());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 1000, "{a:?} {b:?}");
    assert_eq!(
        a.claimed + b.claimed,
        1000,
        "no reminder was claimed twice: {a:?} {b:?}"
    );

    let posts = app.slack.calls_to("chat.postMessage");
    assert_eq!(posts.len(), 1000);
    let keys: std::collections::HashSet<String> = posts
        .iter()
        .map(|c| {
            c.params["metadata"]["event_payload"]["key"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 1000, "every key exactly once");
    assert_eq!(
        one.tick().await.unwrap().claimed + two.tick().await.unwrap().claimed,
        0
    );
}
