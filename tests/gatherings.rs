//! Gatherings end to end: conference introductions between every pair of teammates going, and
//! debriefs that are recognised when typed again, refused with nobody else, timed for most of
//! their people, and invitations to others limited per day.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use officehours::commands::Actor;
use support::{mention, posted, Backend, TestApp, TEAM};

const ANA: &str = "U0ANA00001";
const RAJ: &str = "U0RAJ00001";
const SAM: &str = "U0SAM00001";
const ZED: &str = "U0ZED00001";
const OTHER_TEAM: &str = "T0OTHER001";

/// A conversation the bot posted in: its members and its messages (when, and the text).
type Conversation = (Vec<String>, Vec<(DateTime<Utc>, String)>);

/// Every conversation the bot posted in.
fn conversations(app: &TestApp) -> Vec<Conversation> {
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

/// The group DMs the bot posted in, with their members (sorted) and messages.
fn group_dms(app: &TestApp) -> Vec<Conversation> {
    conversations(app)
        .into_iter()
        .filter(|(members, _)| members.len() > 1)
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

async fn debriefs_of(
    app: &TestApp,
    organizer: &str,
) -> Vec<officehours::store::nudges::DebriefRecord> {
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    store.debriefs_of_organizer(TEAM, organizer).await.unwrap()
}

on_both_backends!(
    everyone_at_a_conference_hears_about_everyone_else_once_late_joiners_included,
    leaving_a_conference_cancels_only_the_leavers_introductions_in_their_workspace,
    a_debrief_with_only_yourself_is_refused_with_the_right_form,
    the_same_debrief_typed_again_is_recognised_and_a_change_replaces_it,
    a_debrief_group_dm_goes_out_when_most_of_its_people_are_working,
    invitations_to_other_people_are_limited_per_sender_per_day_across_replicas
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
    // Typed loosely; the answer names the conference as it was registered.
    let left = app.say(ANA, "conference leave \"rust conf\"").await;
    assert!(left.contains("Removed you from *RustConf*"), "{left}");

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

async fn a_debrief_with_only_yourself_is_refused_with_the_right_form(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    let reply = app
        .say(
            ANA,
            &format!("debrief \"Self\" on 2026-12-04 with {}", mention(ANA)),
        )
        .await;
    assert!(
        reply.contains("debrief \"Self\" on 2026-12-04 with @"),
        "shows the right form: {reply}"
    );
    assert!(debriefs_of(&app, ANA).await.is_empty());
    assert!(
        app.db
            .reminders()
            .await
            .iter()
            .all(|(key, _)| !key.starts_with("debrief")),
        "{:?}",
        app.db.reminders().await
    );
}

async fn the_same_debrief_typed_again_is_recognised_and_a_change_replaces_it(app: TestApp) {
    for user in [ANA, RAJ, SAM] {
        app.known_user(user, "Europe/Berlin").await;
    }
    let first = app
        .say(
            ANA,
            &format!(
                "debrief \"Website launch\" on 2026-12-04 with {}",
                mention(RAJ)
            ),
        )
        .await;
    assert!(first.contains(&format!("<@{RAJ}>")), "{first}");
    let again = app
        .say(
            ANA,
            &format!(
                "debrief \"website-launch!\" on 2026-12-04 with {}",
                mention(RAJ)
            ),
        )
        .await;
    assert!(again.contains("You already have this debrief"), "{again}");
    assert_eq!(debriefs_of(&app, ANA).await.len(), 1);

    let more = app
        .say(
            ANA,
            &format!(
                "debrief \"Website launch\" on 2026-12-04 with {} {}",
                mention(RAJ),
                mention(SAM)
            ),
        )
        .await;
    assert!(
        more.contains("Updated") && more.contains(&format!("<@{SAM}>")),
        "{more}"
    );
    let moved = app
        .say(
            ANA,
            &format!(
                "debrief \"Website launch\" on 2026-12-07 with {} {}",
                mention(RAJ),
                mention(SAM)
            ),
        )
        .await;
    assert!(
        moved.contains("Updated") && moved.contains("2026-12-07"),
        "{moved}"
    );
    let debriefs = debriefs_of(&app, ANA).await;
    assert_eq!(debriefs.len(), 1, "{debriefs:?}");
    assert_eq!(
        debriefs[0].participants,
        vec![RAJ.to_owned(), SAM.to_owned()]
    );

    // Nothing on Friday 4 December; on Monday 7 December, 09:00 in Berlin, one group DM to the
    // three of them.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 18, 0, 0).unwrap());
    app.tick().await;
    assert!(group_dms(&app).is_empty(), "{:?}", group_dms(&app));
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap());
    app.tick().await;
    let groups = group_dms(&app);
    assert_eq!(groups.len(), 1, "{groups:?}");
    let mut everyone = vec![ANA.to_owned(), RAJ.to_owned(), SAM.to_owned()];
    everyone.sort();
    assert_eq!(groups[0].0, everyone);
    assert_eq!(groups[0].1.len(), 1, "{groups:?}");
    assert_eq!(
        groups[0].1[0].0,
        Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap(),
        "09:00 in Berlin on the new date"
    );
}

async fn a_debrief_group_dm_goes_out_when_most_of_its_people_are_working(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(RAJ, "America/New_York").await;
    app.known_user(SAM, "Australia/Sydney").await;
    app.known_user(ZED, "Europe/Berlin").await;
    // Berlin and New York share working hours on Friday 4 December: 08:00 New York is 14:00 Berlin.
    app.say(
        ANA,
        &format!("debrief \"Two zones\" on 2026-12-04 with {}", mention(RAJ)),
    )
    .await;
    // Berlin, New York and Sydney do not: Berlin works with Sydney (07:00-09:00 UTC) and with
    // New York (13:00-19:00 UTC). The earliest of those best hours is 08:00 in Berlin.
    app.say(
        ZED,
        &format!(
            "debrief \"Three zones\" on 2026-12-04 with {} {}",
            mention(RAJ),
            mention(SAM)
        ),
    )
    .await;
    for _ in 0..30 {
        app.advance_and_tick(Duration::hours(1)).await;
    }
    let groups = group_dms(&app);
    let sent = |who: &[&str]| {
        let mut who: Vec<String> = who.iter().map(|w| (*w).to_owned()).collect();
        who.sort();
        let found: Vec<DateTime<Utc>> = groups
            .iter()
            .filter(|(members, _)| *members == who)
            .flat_map(|(_, messages)| messages.iter().map(|(at, _)| *at))
            .collect();
        found
    };
    // The clock moved in whole hours from 13:30 UTC, so an instant due at hh:00 goes out at hh:30.
    assert_eq!(
        sent(&[ANA, RAJ]),
        vec![Utc.with_ymd_and_hms(2026, 12, 4, 13, 30, 0).unwrap()],
        "08:00 in New York, not 03:00"
    );
    assert_eq!(
        sent(&[ZED, RAJ, SAM]),
        vec![Utc.with_ymd_and_hms(2026, 12, 4, 7, 30, 0).unwrap()],
        "Berlin and Sydney working, the earliest of the best hours"
    );
}

async fn invitations_to_other_people_are_limited_per_sender_per_day_across_replicas(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    let people: Vec<String> = (0..30).map(|i| format!("U0PPL{i:05}")).collect();
    let with = |from: usize, n: usize| -> String {
        people[from..from + n]
            .iter()
            .map(|p| mention(p))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (i, project) in ["One", "Two"].iter().enumerate() {
        let reply = app
            .say(
                ANA,
                &format!(
                    "debrief \"{project}\" on 2026-12-10 with {}",
                    with(i * 8, 8)
                ),
            )
            .await;
        assert!(reply.contains(project), "{reply}");
    }
    // 16 invited; a debrief of 8 more is over the limit of 20 and changes nothing.
    let over = app
        .say(
            ANA,
            &format!("debrief \"Three\" on 2026-12-10 with {}", with(16, 8)),
        )
        .await;
    assert!(over.contains("20 a day"), "names the limit: {over}");
    assert_eq!(debriefs_of(&app, ANA).await.len(), 2);
    // Four reviews bring it to 20, on this replica and another one sharing the database.
    let replica = app.replica().await;
    for (i, who) in people[16..20].iter().enumerate() {
        let on = if i % 2 == 0 { &app } else { &replica };
        let reply = on
            .say(ANA, &format!("review {} on 2027-01-20", mention(who)))
            .await;
        assert!(reply.contains("Advancement talk"), "{reply}");
    }
    for on in [&app, &replica] {
        let refused = on
            .say(
                ANA,
                &format!("review {} on 2027-01-20", mention(&people[20])),
            )
            .await;
        assert!(refused.contains("20 a day"), "{refused}");
    }
    // Typing a debrief again invites nobody new, so it is still recognised.
    let again = app
        .say(
            ANA,
            &format!("debrief \"One\" on 2026-12-10 with {}", with(0, 8)),
        )
        .await;
    assert!(again.contains("already have"), "{again}");
    // The next day (in Ana's zone) starts afresh.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 0, 30, 0).unwrap());
    let next_day = app
        .say(
            ANA,
            &format!("review {} on 2027-01-20", mention(&people[20])),
        )
        .await;
    assert!(next_day.contains("Advancement talk"), "{next_day}");
    assert_eq!(
        officehours::store::connect(&app.db.url)
            .await
            .unwrap()
            .reviews_of_manager(TEAM, ANA)
            .await
            .unwrap()
            .len(),
        5
    );
}
