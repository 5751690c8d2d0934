//! Drop in's loose ends (issue #15), end to end on both backends: the mentor's Home tab drawn
//! again when her line changes, a same-day reopening announced once per opening, the person
//! with her at closing told what happens, and DMs planned for now sent without waiting a tick.

mod support;

use chrono::Duration;
use serde_json::Value;
use support::fake_slack::FakeFailure;
use support::{mention, posted, visible_text, Backend, TestApp};

const ANA: &str = "U0ANA00001"; // mentor, Berlin
const BEN: &str = "U0BEN00001"; // New York
const CHO: &str = "U0CHO00001"; // Tokyo
const DIA: &str = "U0DIA00001"; // Sydney

on_both_backends!(
    joining_and_leaving_redraw_the_mentors_home_tab_once_per_change_durably,
);

/// Ana (Berlin) open Thursdays 14:00-16:00, which it is now (14:30 her time).
async fn ana_open(app: &TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.known_user(CHO, "Asia/Tokyo").await;
    app.known_user(DIA, "Australia/Sydney").await;
    let added = app.say(ANA, "add thu 14:00-16:00 career, rust").await;
    assert!(added.contains("Added window"), "{added}");
}

fn ask(who: &str) -> String {
    format!("ask {}", mention(who))
}

fn dms_containing(app: &TestApp, user: &str, needle: &str) -> Vec<String> {
    app.slack
        .dm_messages(user)
        .iter()
        .map(|m| posted(m).1)
        .filter(|text| text.contains(needle))
        .collect()
}

/// The Home tab Slack holds for `user` now, as text ("" if none was published).
fn home_text(app: &TestApp, user: &str) -> String {
    app.slack
        .published_view(user)
        .map(|v: Value| visible_text(&v))
        .unwrap_or_default()
}

fn publishes(app: &TestApp) -> usize {
    app.slack.calls_to("views.publish").len()
}

async fn joining_and_leaving_redraw_the_mentors_home_tab_once_per_change_durably(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &format!("{} a career change", ask(ANA))).await;
    // Planned with the join, published by the queue: nothing before the delivery.
    assert_eq!(publishes(&app), 0);
    app.tick().await;
    let text = home_text(&app, ANA);
    assert!(
        text.contains("Your line:* 1 waiting") && text.contains(BEN),
        "{text}"
    );
    // The asker's own tab shows no place in any line: nothing is published to them.
    assert!(app.slack.published_view(BEN).is_none());

    // Two changes before the next delivery are one publish, of the line as it is then.
    app.say(CHO, &ask(ANA)).await;
    let left = app.say(BEN, &format!("ask cancel {}", mention(ANA))).await;
    assert!(!left.is_empty());
    app.tick().await;
    assert_eq!(publishes(&app), 2, "{}", app.slack.calls_summary());
    let text = home_text(&app, ANA);
    assert!(
        text.contains("Your line:* 1 waiting") && text.contains(CHO) && !text.contains(BEN),
        "{text}"
    );
    // Delivered once: a second tick publishes nothing more; a second cancel changes nothing.
    app.say(BEN, &format!("ask cancel {}", mention(ANA))).await;
    app.advance_and_tick(Duration::minutes(1)).await;
    assert_eq!(publishes(&app), 2, "{}", app.slack.calls_summary());

    // Slack fails the publish (each of the client's own three tries): the row is retried, and
    // another replica (as if this one stopped) does it.
    for _ in 0..3 {
        app.slack.fail_next("views.publish", FakeFailure::Status(503));
    }
    app.say(DIA, &ask(ANA)).await;
    app.tick().await;
    assert!(!home_text(&app, ANA).contains(DIA), "the publish failed");
    let other = app.replica().await;
    other.clock.advance(Duration::minutes(5));
    other.tick().await;
    let text = home_text(&other, ANA);
    assert!(
        text.contains("Your line:* 2 waiting") && text.contains(DIA),
        "{text}"
    );
}
