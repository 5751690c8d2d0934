//! Gatherings end to end: conference introductions between every pair of teammates going, and
//! debriefs that are recognised when typed again, refused with nobody else, timed for most of
//! their people, and invitations to others limited per day.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use officehours::commands::Actor;
use serde_json::Value;
use support::{visible_text, Backend, TestApp};

const ANA: &str = "U0ANA00001";
const RAJ: &str = "U0RAJ00001";
const SAM: &str = "U0SAM00001";
const ZED: &str = "U0ZED00001";
const OTHER_TEAM: &str = "T0OTHER001";

/// When a stored message was posted (the fake stamps messages with the test clock) and its text.
fn posted(message: &Value) -> (DateTime<Utc>, String) {
    let ts = message["ts"].as_str().expect("ts");
    let secs: i64 = ts
        .split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("ts seconds");
    (Utc.timestamp_opt(secs, 0).unwrap(), visible_text(message))
}

/// Every conversation the bot posted in: its members and its messages.
fn conversations(app: &TestApp) -> Vec<(Vec<String>, Vec<(DateTime<Utc>, String)>)> {
    let mut channels: Vec<String> = app
        .slack
        .calls_to("chat.postMessage")
        .iter()
        .filter_map(|c| c.params["channel"].as_str().map(str::to_owned))
        .map(|c| match c.strip_prefix('U') {
            Some(_) => format!("D{c}"),
            None => c,
        })
        .collect();
    channels.sort();
    channels.dedup();
    channels
        .into_iter()
        .map(|channel| {
            let members = match channel.strip_prefix('D') {
                Some(user) => vec![user.to_owned()],
                None => app.slack.conversation_members(&channel).unwrap_or_default(),
            };
            let messages = app.slack.messages_in(&channel).iter().map(posted).collect();
            (members, messages)
        })
        .collect()
}

/// Messages that reached `who` (in a DM or a group DM) naming `about`.
fn heard_about(app: &TestApp, who: &str, about: &str) -> Vec<(DateTime<Utc>, String)> {
    conversations(app)
        .into_iter()
        .filter(|(members, _)| members.iter().any(|m| m == who))
        .flat_map(|(_, messages)| messages)
        .filter(|(_, text)| text.contains(&format!("<@{about}>")))
        .collect()
}

/// A command typed in another workspace, through the front door.
async fn say_in(app: &TestApp, team: &str, user: &str, text: &str) -> String {
    let actor = Actor {
        team_id: team.to_owned(),
        user_id: user.to_owned(),
    };
    let handled = app.core.run_text(&actor, text).await.expect("answered");
    handled.message.fallback.clone()
}

on_both_backends!(
    everyone_at_a_conference_hears_about_everyone_else_once_late_joiners_included,
    leaving_a_conference_cancels_only_the_leavers_introductions_in_their_workspace
);

async fn everyone_at_a_conference_hears_about_everyone_else_once_late_joiners_included(
    app: TestApp,
) {
    let people = [ANA, RAJ, SAM, ZED];
    for user in people {
        app.known_user(user, "Europe/Berlin").await;
    }
    app.say(ANA, "conference \"RustConf\" 2027-09-08..2027-09-10")
        .await;
    app.say(RAJ, "conference rustconf 2027-09-09").await;
    app.tick().await;
    let third = app
        .say(SAM, "conference \"Rust Conf\" 2027-09-08..2027-09-09")
        .await;
    assert!(
        third.contains(&format!("<@{ANA}>")) && third.contains(&format!("<@{RAJ}>")),
        "{third}"
    );
    app.tick().await;
    app.say(ZED, "conference RustConf 2027-09-09..2027-09-10")
        .await;
    app.tick().await;
    // Typing it again, or another command, plans nothing twice.
    let again = app
        .say(ANA, "conference \"RustConf\" 2027-09-08..2027-09-10")
        .await;
    assert!(again.contains("already down"), "{again}");
    app.advance_and_tick(Duration::hours(1)).await;

    for who in people {
        for about in people.iter().filter(|p| **p != who) {
            let heard = heard_about(&app, who, about);
            assert_eq!(heard.len(), 1, "{who} about {about}: {heard:?}");
        }
    }
}

async fn leaving_a_conference_cancels_only_the_leavers_introductions_in_their_workspace(
    app: TestApp,
) {
    // Saturday 5 December: introductions wait for Monday's working time.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap());
    for user in [ANA, RAJ, SAM] {
        app.known_user(user, "Europe/Berlin").await;
        app.say(user, "conference \"RustConf\" 2027-09-08").await;
    }
    let (bob, eve) = ("U0BOB00001", "U0EVE00001");
    for user in [bob, eve] {
        say_in(&app, OTHER_TEAM, user, "conference \"RustConf\" 2027-09-08").await;
    }
    let left = app.say(ANA, "conference leave RustConf").await;
    assert!(left.contains("Removed"), "{left}");

    // Monday 7 December, 13:00 in Berlin and 12:00 in UTC (the other workspace's people's zone).
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap());
    app.tick().await;
    for (who, about) in [(RAJ, SAM), (SAM, RAJ), (bob, eve), (eve, bob)] {
        assert_eq!(
            heard_about(&app, who, about).len(),
            1,
            "{who} about {about}: {:?}",
            conversations(&app)
        );
    }
    for other in [RAJ, SAM] {
        assert!(heard_about(&app, ANA, other).is_empty(), "ana left");
        assert!(heard_about(&app, other, ANA).is_empty(), "ana left");
    }
}
