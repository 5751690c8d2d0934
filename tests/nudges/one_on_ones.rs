//! 1:1s used a second time: changed, repeated, stopped and restarted, declined and accepted again.
//! Every one of these must keep the reminders coming (or keep them stopped), say truthfully what
//! happened, and be safe to repeat.

use super::*;

const NOTICE: &str = "set up a regular 1:1 with you";
const MEETING: &str = "Your 1:1 with";

on_both_backends!(
    changing_a_one_on_one_replaces_it_and_keeps_reminding,
    repeating_the_same_one_on_one_changes_nothing_and_keeps_reminding,
    a_stopped_one_on_one_set_again_reminds_again,
    a_declined_one_on_one_stays_declined_until_the_report_accepts,
    a_declined_one_on_one_can_be_accepted_from_the_home_tab,
    the_report_hears_about_a_one_on_one_before_its_first_reminder,
    the_manager_hears_when_a_one_on_one_is_outside_the_reports_working_hours,
    one_on_one_invitations_are_limited_per_sender_per_day,
    every_one_on_one_change_is_safe_to_repeat,
);

fn weekly_monday(report: &str) -> String {
    format!("1on1 {} every week on mon 10:00", mention(report))
}

async fn two_in_berlin(app: &TestApp) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "Europe/Berlin").await;
}

/// Both people got exactly `n` meeting reminders.
async fn assert_reminded(app: &TestApp, n: usize) {
    for person in [MANAGER, REPORT] {
        let got = dms_containing(app, person, MEETING);
        assert_eq!(
            got.len(),
            n,
            "{person}: {got:?}\nrows: {:?}",
            app.db.reminders().await
        );
    }
}

/// Thursday 3 December 13:30 UTC to Monday 7 December 09:30 UTC, an hour at a time: past the
/// reminder for Monday's 10:00 (Berlin) meeting.
async fn until_monday_morning(app: &TestApp) {
    run_hours(app, 92).await;
}

async fn changing_a_one_on_one_replaces_it_and_keeps_reminding(app: TestApp) {
    two_in_berlin(&app).await;
    let first = app.say(MANAGER, &weekly_monday(REPORT)).await;
    assert!(first.contains("Mon 7 Dec 10:00"), "{first}");
    let changed = app
        .say(
            MANAGER,
            &format!("1on1 {} every 2 weeks on mon 10:00", mention(REPORT)),
        )
        .await;
    let overview = app.say(MANAGER, "team").await;

    until_monday_morning(&app).await;
    assert_reminded(&app, 1).await;
    assert!(
        overview.contains(&format!("<@{REPORT}>: next Mon 7 Dec 10:00")),
        "{overview}"
    );
    assert!(
        changed.contains("every 2 weeks on Monday at 10:00") && changed.contains("Mon 7 Dec 10:00"),
        "{changed}"
    );
    assert!(
        changed.contains("This replaces") && changed.contains("every week on Monday at 10:00"),
        "{changed}"
    );
}

async fn repeating_the_same_one_on_one_changes_nothing_and_keeps_reminding(app: TestApp) {
    two_in_berlin(&app).await;
    app.say(MANAGER, &weekly_monday(REPORT)).await;
    let again = app.say(MANAGER, &weekly_monday(REPORT)).await;

    until_monday_morning(&app).await;
    assert_reminded(&app, 1).await;
    assert_eq!(dms_containing(&app, REPORT, NOTICE).len(), 1);
    assert!(again.contains("Nothing changed"), "{again}");
    assert!(again.contains("Mon 7 Dec 10:00"), "{again}");
}

async fn a_stopped_one_on_one_set_again_reminds_again(app: TestApp) {
    two_in_berlin(&app).await;
    app.say(MANAGER, &weekly_monday(REPORT)).await;
    app.tick().await;
    let stopped = app
        .say(MANAGER, &format!("1on1 stop {}", mention(REPORT)))
        .await;
    assert!(stopped.contains("Stopped"), "{stopped}");
    let again = app.say(MANAGER, &weekly_monday(REPORT)).await;

    until_monday_morning(&app).await;
    assert_reminded(&app, 1).await;
    assert!(again.contains("Mon 7 Dec 10:00"), "{again}");
    assert!(!again.contains("Nothing changed"), "{again}");
}

async fn decline_the_first_notice(app: &TestApp) {
    app.say(MANAGER, &weekly_monday(REPORT)).await;
    app.tick().await;
    let notice = app.slack.dm_messages(REPORT);
    assert_eq!(notice.len(), 1, "{notice:?}");
    let value = button_value(&notice[0], "officehours.1on1_decline");
    click(app, REPORT, "officehours.1on1_decline", &value, "decline").await;
    assert!(replaced_with(app, "decline").await.contains("You declined"));
}

async fn a_declined_one_on_one_stays_declined_until_the_report_accepts(app: TestApp) {
    two_in_berlin(&app).await;
    decline_the_first_notice(&app).await;
    let mut tries = Vec::new();
    for _ in 0..5 {
        tries.push(app.say(MANAGER, &weekly_monday(REPORT)).await);
        app.advance_and_tick(Duration::minutes(1)).await;
    }
    tries.push(
        app.say(MANAGER, &format!("1on1 stop {}", mention(REPORT)))
            .await,
    );
    tries.push(app.say(MANAGER, &weekly_monday(REPORT)).await);
    until_monday_morning(&app).await;

    assert_eq!(
        dms_containing(&app, REPORT, NOTICE).len(),
        1,
        "one ask, however often the manager tries"
    );
    assert_eq!(dms_containing(&app, MANAGER, "declined the 1:1s").len(), 1);
    assert_reminded(&app, 0).await;
    for answer in &tries {
        assert!(answer.contains("declined"), "{answer}");
    }

    // The report changes their mind: accepting (twice) brings the 1:1s back, from next Monday.
    let accept = format!("1on1 accept {}", mention(MANAGER));
    let accepted = app.say(REPORT, &accept).await;
    assert!(accepted.contains("Mon 14 Dec 10:00"), "{accepted}");
    let again = app.say(REPORT, &accept).await;
    assert!(again.contains("already"), "{again}");
    run_hours(&app, 24 * 7).await;
    assert_reminded(&app, 1).await;
    assert_eq!(dms_containing(&app, MANAGER, "accepted").len(), 1);
}

/// The Home tab as the app would publish it now.
async fn home_of(app: &TestApp, user: &str) -> officehours::views::Message {
    let actor = officehours::app::Actor {
        team_id: TEAM.to_owned(),
        user_id: user.to_owned(),
    };
    app.core.home(&actor).await.expect("the Home tab renders")
}

fn accept_button(home: &officehours::views::Message) -> Option<(String, String)> {
    home.blocks.iter().find_map(|block| match block {
        officehours::views::Block::Section {
            text,
            button: Some(button),
            ..
        } if button.action_id == "officehours.1on1_accept" => {
            Some((text.clone(), button.value.clone()))
        }
        _ => None,
    })
}

async fn a_declined_one_on_one_can_be_accepted_from_the_home_tab(app: TestApp) {
    two_in_berlin(&app).await;
    decline_the_first_notice(&app).await;
    let (line, value) =
        accept_button(&home_of(&app, REPORT).await).expect("an Accept button on Home");
    assert!(line.contains(&format!("<@{MANAGER}>")), "{line}");

    let home = json!({ "type": "view", "view_id": "V0HOME0001" });
    click_in(
        &app,
        REPORT,
        "officehours.1on1_accept",
        &value,
        "home-accept",
        home,
    )
    .await;
    let published = app
        .slack
        .wait_for_calls("views.publish", 1, std::time::Duration::from_secs(5))
        .await;
    let view = visible_text(&published.last().unwrap().params["view"]);
    assert!(!view.contains("declined"), "{view}");
    assert!(accept_button(&home_of(&app, REPORT).await).is_none());

    until_monday_morning(&app).await;
    assert_reminded(&app, 1).await;
    assert_eq!(dms_containing(&app, MANAGER, "accepted").len(), 1);
}

async fn the_report_hears_about_a_one_on_one_before_its_first_reminder(app: TestApp) {
    // Monday 7 December, 08:06 UTC: 09:06 in Berlin, 03:06 in New York, before working time.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 7, 8, 6, 0).unwrap());
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "America/New_York").await;
    app.say(MANAGER, &weekly_monday(REPORT)).await;
    app.tick().await;
    for _ in 0..5 {
        app.advance_and_tick(Duration::minutes(1)).await;
    }
    let dms: Vec<String> = app
        .slack
        .dm_messages(REPORT)
        .iter()
        .map(visible_text)
        .collect();
    let notice = dms.iter().position(|t| t.contains(NOTICE));
    let reminder = dms.iter().position(|t| t.contains(MEETING));
    assert!(
        notice.is_some() && reminder.is_some() && notice < reminder,
        "{dms:#?}"
    );
}

async fn the_manager_hears_when_a_one_on_one_is_outside_the_reports_working_hours(app: TestApp) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "America/New_York").await;
    app.known_user(OTHER, "Europe/Berlin").await;
    let far = app.say(MANAGER, &weekly_monday(REPORT)).await;
    assert!(
        far.contains(&format!("that's 04:00 for <@{REPORT}>")),
        "{far}"
    );
    let near = app.say(MANAGER, &weekly_monday(OTHER)).await;
    assert!(!near.contains("that's"), "{near}");
}

async fn one_on_one_invitations_are_limited_per_sender_per_day(app: TestApp) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    for i in 1..=20 {
        let set = app
            .say(MANAGER, &weekly_monday(&format!("U0LIM{i:05}")))
            .await;
        assert!(set.contains("First one"), "{i}: {set}");
    }
    // Another replica counts the same invitations: the count is the database's.
    let replica = app.replica().await;
    let refused = replica.say(MANAGER, &weekly_monday("U0LIM00021")).await;
    app.tick().await;
    assert!(app.slack.dm_messages("U0LIM00021").is_empty());
    let rows: Vec<(i64,)> = app
        .db
        .rows("SELECT COUNT(*) FROM cadences WHERE report_id = 'U0LIM00021'")
        .await;
    assert_eq!(rows, vec![(0,)], "{refused}");
    assert!(
        refused.contains("20") && refused.contains("24 hours"),
        "{refused}"
    );

    // A day later there is room again.
    app.clock.advance(Duration::hours(24));
    let later = app.say(MANAGER, &weekly_monday("U0LIM00021")).await;
    assert!(later.contains("First one"), "{later}");
}

/// The 1:1 rows a command can change, as text: cadences, meetings and their reminders.
async fn one_on_one_state(app: &TestApp) -> String {
    let cadences: Vec<(String, String, i32, i32, i32, String)> = app
        .db
        .rows("SELECT report_id, status, every_weeks, weekday, at_minute, anchor_date FROM cadences ORDER BY id")
        .await;
    let meetings: Vec<(i32, DateTime<Utc>, String)> = app
        .db
        .rows("SELECT seq, starts_at, status FROM meetings ORDER BY starts_at, id")
        .await;
    let reminders: Vec<(String, String, DateTime<Utc>)> = app
        .db
        .rows("SELECT key, status, due_at FROM reminders WHERE key LIKE '1on1%' ORDER BY key")
        .await;
    format!("{cadences:#?}\n{meetings:#?}\n{reminders:#?}")
}

/// Runs a command twice: the second changes nothing. Both answers are returned.
async fn say_twice(app: &TestApp, user: &str, text: &str) -> (String, String) {
    let first = app.say(user, text).await;
    let before = one_on_one_state(app).await;
    let second = app.say(user, text).await;
    assert_eq!(
        before,
        one_on_one_state(app).await,
        "`{text}` again changed something; it said: {second}"
    );
    (first, second)
}

/// Clicks a button twice: the second changes nothing. Both answers are returned.
async fn click_twice(app: &TestApp, user: &str, action_id: &str, value: &str) -> (String, String) {
    let id = format!("{action_id}-{}", app.clock.now().timestamp());
    click(app, user, action_id, value, &format!("{id}-1")).await;
    let first = replaced_with(app, &format!("{id}-1")).await;
    let before = one_on_one_state(app).await;
    click(app, user, action_id, value, &format!("{id}-2")).await;
    let second = replaced_with(app, &format!("{id}-2")).await;
    assert_eq!(
        before,
        one_on_one_state(app).await,
        "{action_id} again changed something; it said: {second}"
    );
    (first, second)
}

fn last_reminder(app: &TestApp, user: &str) -> Value {
    app.slack
        .dm_messages(user)
        .into_iter()
        .rev()
        .find(|m| visible_text(m).contains(MEETING))
        .expect("a meeting reminder")
}

/// At `at` both get their `nth` reminder, and `user` presses `action_id` on theirs twice.
async fn press_twice(
    app: &TestApp,
    at: DateTime<Utc>,
    nth: usize,
    user: &str,
    action_id: &str,
) -> (String, String) {
    app.clock.set(at);
    app.tick().await;
    assert_reminded(app, nth).await;
    let value = button_value(&last_reminder(app, user), action_id);
    click_twice(app, user, action_id, &value).await
}

async fn every_one_on_one_change_is_safe_to_repeat(app: TestApp) {
    two_in_berlin(&app).await;
    let (report, manager) = (mention(REPORT), mention(MANAGER));
    // 14:30 in Berlin: today's 15:00 meeting is within the hour's lead.
    let (_, again) = say_twice(
        &app,
        MANAGER,
        &format!("1on1 {report} every week on thu 15:00"),
    )
    .await;
    assert!(again.contains("Nothing changed"), "{again}");
    let (changed, again) = say_twice(
        &app,
        MANAGER,
        &format!("1on1 {report} every 2 weeks on thu 15:00"),
    )
    .await;
    assert!(changed.contains("This replaces"), "{changed}");
    assert!(again.contains("Nothing changed"), "{again}");
    // The notice, the manager's reminder, and a minute later the report's.
    app.tick().await;
    app.advance_and_tick(Duration::minutes(1)).await;
    assert_reminded(&app, 1).await;

    let (done, again) = say_twice(&app, REPORT, &format!("1on1 done {manager}")).await;
    assert!(done.contains("Marked your 1:1"), "{done}");
    assert!(again.contains("already"), "{again}");

    // Two weeks on, 14:00 in Berlin: the next reminder; snoozed a day, then skipped.
    let thursday = Utc.with_ymd_and_hms(2026, 12, 17, 13, 0, 0).unwrap();
    let (moved, again) = press_twice(&app, thursday, 2, REPORT, "officehours.meeting_snooze").await;
    assert!(moved.contains("Fri 18 Dec 15:00"), "{moved}");
    assert!(again.contains("Fri 18 Dec 15:00"), "{again}");
    let friday = thursday + Duration::days(1);
    let (skipped, again) = press_twice(&app, friday, 3, MANAGER, "officehours.meeting_skip").await;
    assert!(skipped.contains("Skipped"), "{skipped}");
    assert!(again.contains("already"), "{again}");

    let (stopped, again) = say_twice(&app, MANAGER, &format!("1on1 stop {report}")).await;
    assert!(stopped.contains("Stopped"), "{stopped}");
    assert!(again.contains("no 1:1s"), "{again}");
    let (restarted, again) = say_twice(
        &app,
        MANAGER,
        &format!("1on1 {report} every 2 weeks on thu 15:00"),
    )
    .await;
    assert!(restarted.contains("Thu 24 Dec 15:00"), "{restarted}");
    assert!(again.contains("Nothing changed"), "{again}");
    app.tick().await;

    let notice = app
        .slack
        .dm_messages(REPORT)
        .into_iter()
        .rev()
        .find(|m| visible_text(m).contains(NOTICE))
        .expect("a notice");
    let decline = button_value(&notice, "officehours.1on1_decline");
    let (declined, again) = click_twice(&app, REPORT, "officehours.1on1_decline", &decline).await;
    assert!(declined.contains("You declined"), "{declined}");
    assert!(again.contains("already declined"), "{again}");
    let (accepted, again) = say_twice(&app, REPORT, &format!("1on1 accept {manager}")).await;
    assert!(accepted.contains("Thu 24 Dec 15:00"), "{accepted}");
    assert!(again.contains("already"), "{again}");
}
