//! People can see everything the bot keeps about them, and have it deleted; old rows expire.

mod support;

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};
use support::{visible_text, Backend, TestApp, TEAM};

use officehours::clock::Clock;
use officehours::store::nudges::FeedbackRecord;
use officehours::store::reminders::{Finish, NewReminder};

const ANA: &str = "U0ANA00001";
const BEN: &str = "U0BEN00001";

async fn set_up_ana_and_ben(app: &TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.say(ANA, "add tue 10:00-11:00 career").await;
    app.say(ANA, "add thu 14:00-15:00").await;
    app.say(BEN, "add fri 09:00-10:00 rust").await;
    app.say(
        ANA,
        &format!("1on1 <@{BEN}|ben> every 2 weeks on tue 10:00"),
    )
    .await;
    app.say(ANA, "conference \"RustConf\" 2027-09-08").await;
    app.say(
        BEN,
        &format!("debrief \"Launch\" on 2026-12-04 with <@{ANA}|ana>"),
    )
    .await;
}

async fn shared_file(app: &TestApp) -> support::fake_slack::SharedFile {
    let timeout = std::time::Duration::from_secs(5);
    if let Some(file) = app
        .slack
        .wait_until(timeout, |s| s.shared_files().pop())
        .await
    {
        return file;
    }
    panic!(
        "no file was shared; calls: {:?}",
        app.slack
            .calls()
            .iter()
            .map(|c| &c.method)
            .collect::<Vec<_>>()
    );
}

async fn click_forget(app: &TestApp, user: &str, response_id: &str) {
    let payload = json!({
        "type": "block_actions",
        "user": { "id": user, "username": "x", "name": "x", "team_id": TEAM },
        "api_app_id": "A0001", "token": "x", "trigger_id": support::trigger_id(),
        "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "C2147483705", "is_ephemeral": true },
        "team": { "id": TEAM, "domain": "example" },
        "channel": { "id": "C2147483705", "name": "general" },
        "response_url": app.slack.response_url(response_id),
        "actions": [{ "action_id": "officehours.forget_me", "block_id": "b", "text": { "type": "plain_text", "text": "Delete everything" }, "value": "me", "type": "button", "action_ts": "1548426417.840180" }]
    });
    assert_eq!(app.interaction(&payload).await.status, 200);
}

on_both_backends!(
    export_sends_a_json_file_of_everything_about_the_person_and_nothing_else,
    forget_me_asks_first_then_deletes_everything_and_anonymises_feedback,
    an_id_with_like_wildcards_matches_only_itself,
    forget_me_leaves_no_row_that_names_the_person_but_the_feedback_they_wrote,
    export_shows_everything_forget_me_deletes,
    delivered_reminders_and_old_feedback_expire_after_the_retention_period
);

async fn export_sends_a_json_file_of_everything_about_the_person_and_nothing_else(app: TestApp) {
    set_up_ana_and_ben(&app).await;
    let reply = app.say(ANA, "export").await;
    assert!(reply.contains("JSON file"), "{reply}");
    let file = shared_file(&app).await;
    assert_eq!(file.channel, format!("D{ANA}"));
    assert_eq!(file.name, "officehours-export.json");
    let data: Value = serde_json::from_slice(&file.content).expect("valid JSON");
    assert_eq!(data["user_id"], ANA);
    assert_eq!(data["profile"]["time_zone_from_slack"], "Europe/Berlin");
    assert_eq!(
        data["office_hours_windows"].as_array().unwrap().len(),
        2,
        "{data:#}"
    );
    // In people's words, with the zone the times are in; no storage columns.
    let window = &data["office_hours_windows"][0];
    assert_eq!(window["days"], "Tue", "{data:#}");
    assert_eq!(
        (&window["from"], &window["to"]),
        (&"10:00".into(), &"11:00".into())
    );
    assert_eq!(window["time_zone"], "Europe/Berlin");
    assert!(window.get("start_minute").is_none() && window.get("days_bitmask_mon_first").is_none());
    assert_eq!(data["one_on_ones"][0]["report"], BEN);
    assert_eq!(data["one_on_ones"][0]["weekday"], "Tuesday");
    assert_eq!(data["one_on_ones"][0]["at"], "10:00");
    assert_eq!(data["conferences"][0]["name"], "RustConf");
    assert_eq!(data["debriefs"][0]["organizer"], BEN);
    assert!(
        !file.content.windows(4).any(|w| w == b"rust"),
        "Ben's own topics are not in Ana's export"
    );
}

async fn forget_me_asks_first_then_deletes_everything_and_anonymises_feedback(app: TestApp) {
    set_up_ana_and_ben(&app).await;
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let debrief = store
        .debriefs_of_organizer(TEAM, BEN)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let feedback = FeedbackRecord {
        debrief_id: debrief.id,
        author_id: Some(ANA.to_owned()),
        went_well: "Clear goals".into(),
        differently: "Smaller releases".into(),
        learned: "Feature flags".into(),
    };
    store
        .save_feedback(&feedback, app.clock.now())
        .await
        .unwrap();

    let before = app.db.snapshot().await;
    let ask = app.command(ANA, "forget me").await.json();
    // (The snapshot is taken before connecting below, which changes it.)
    assert!(visible_text(&ask).contains("Delete everything"));
    assert_eq!(
        app.db.snapshot().await,
        before,
        "nothing is deleted before the button is clicked"
    );
    let wrong = app.say(ANA, "forget everyone").await;
    assert!(wrong.contains("forget me"), "{wrong}");

    // Ana had connected her Slack status: forgetting her revokes that token too.
    let state = {
        let answer = app.command(ANA, "connect").await.json();
        let link = serde_json::to_string(&answer).unwrap();
        let start = link.find("state=").unwrap() + 6;
        link[start..].split('"').next().unwrap().to_owned()
    };
    app.slack
        .approve_oauth("ana-code", TEAM, ANA, "xoxp-ana-forget");
    assert_eq!(
        app.get(&format!(
            "/slack/oauth/callback?code=ana-code&state={state}"
        ))
        .await
        .status,
        200
    );

    click_forget(&app, ANA, "forget").await;
    let replies = app
        .slack
        .wait_for_responses_to("forget", 1, std::time::Duration::from_secs(5))
        .await;
    let done = visible_text(replies.last().expect("waited for one"));
    assert!(
        done.contains("deleted 2 office-hours windows, 1 1:1 schedule"),
        "{done}"
    );

    assert!(store.person(TEAM, ANA).await.unwrap().is_none());
    assert!(app.slack.token_revoked("xoxp-ana-forget"));
    assert!(store.connection(TEAM, ANA).await.unwrap().is_none());
    assert!(store.mentor(TEAM, ANA).await.unwrap().windows.is_empty());
    assert!(store.cadence_for(TEAM, ANA, BEN).await.unwrap().is_none());
    assert!(store
        .conferences(TEAM)
        .await
        .unwrap()
        .iter()
        .all(|c| c.user_id != ANA));
    // Ben's things stay; Ana is gone from his debrief; her feedback stays, without her name.
    assert_eq!(store.mentor(TEAM, BEN).await.unwrap().windows.len(), 1);
    let debrief = store
        .debrief(debrief.id)
        .await
        .unwrap()
        .expect("Ben's debrief stays");
    assert!(
        debrief.participants.is_empty(),
        "{:?}",
        debrief.participants
    );
    let kept = store.feedback_for(debrief.id).await.unwrap();
    assert_eq!((kept.len(), kept[0].author_id.clone()), (1, None));
    let debrief_dm: Vec<(String, String)> = app
        .db
        .rows("SELECT recipients, status FROM reminders WHERE key LIKE 'debrief:%'")
        .await;
    assert_eq!(
        debrief_dm,
        vec![(BEN.to_owned(), "pending".to_owned())],
        "Ben's debrief still goes out, without Ana"
    );
    let export = store.export_person(TEAM, ANA).await.unwrap();
    assert!(
        export["profile"].is_null()
            && export["office_hours_windows"]
                .as_array()
                .unwrap()
                .is_empty(),
        "{export:#}"
    );
}

async fn an_id_with_like_wildcards_matches_only_itself(app: TestApp) {
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let now = app.clock.now();
    for (n, to) in [(1, "UXA1"), (2, "U_A1"), (3, "U%A1")] {
        let reminder = NewReminder {
            team_id: TEAM.to_owned(),
            key: format!("wildcards:{n}"),
            kind: "test".to_owned(),
            recipients: vec![to.to_owned()],
            payload: json!({}),
            due_at: now,
        };
        store.schedule(&reminder, now).await.unwrap();
    }
    for (user, key) in [
        ("U_A1", "wildcards:2"),
        ("U%A1", "wildcards:3"),
        ("UXA1", "wildcards:1"),
    ] {
        let export = store.export_person(TEAM, user).await.unwrap();
        let keys: Vec<&str> = export["reminders_to_you"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, vec![key], "{user}: {export:#}");
    }
}

async fn delivered_reminders_and_old_feedback_expire_after_the_retention_period(app: TestApp) {
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let now = app.clock.now();
    let reminder = NewReminder {
        team_id: TEAM.to_owned(),
        key: "retention:1".to_owned(),
        kind: "test".to_owned(),
        recipients: vec![ANA.to_owned()],
        payload: json!({}),
        due_at: now,
    };
    store.schedule(&reminder, now).await.unwrap();
    let claimed = store
        .claim_due(now, Duration::minutes(5), "me", 10, None)
        .await
        .unwrap();
    store
        .finish(
            claimed[0].id,
            "me",
            &Finish::Sent {
                channel: "D1".into(),
                ts: "1.2".into(),
            },
            now,
        )
        .await
        .unwrap();
    let pending = NewReminder {
        key: "retention:2".to_owned(),
        due_at: now + Duration::days(400),
        ..reminder
    };
    store.schedule(&pending, now).await.unwrap();
    let debrief = store
        .create_debrief(
            TEAM,
            BEN,
            "Old project",
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            &[ANA.to_owned()],
            now,
        )
        .await
        .unwrap();
    let feedback = FeedbackRecord {
        debrief_id: debrief.id,
        author_id: Some(ANA.into()),
        went_well: "a".into(),
        differently: "b".into(),
        learned: "c".into(),
    };
    store.save_feedback(&feedback, now).await.unwrap();

    assert_eq!(
        store
            .purge_finished_before(now - Duration::days(365))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .purge_finished_before(now + Duration::days(1))
            .await
            .unwrap(),
        1,
        "only the finished one"
    );
    assert_eq!(
        app.db.reminders().await.len(),
        1,
        "the pending reminder stays"
    );
    assert_eq!(
        store
            .purge_feedback_before(now + Duration::days(1))
            .await
            .unwrap(),
        1
    );
}

/// Every row of every table, as text, that contains `needle`: what an operator's dump would show.
async fn rows_naming(db: &support::TestDb, needle: &str) -> Vec<String> {
    let tables: Vec<(String,)> = match db.backend {
        Backend::Sqlite => {
            db.rows(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name <> '_sqlx_migrations' ORDER BY name",
            )
            .await
        }
        Backend::Postgres => {
            db.rows(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
                 AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY table_name",
            )
            .await
        }
    };
    let mut found = Vec::new();
    for (table,) in tables {
        let sql = match db.backend {
            Backend::Sqlite => {
                let columns: Vec<(String,)> = db
                    .rows(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .await;
                let row = columns
                    .iter()
                    .map(|(c,)| format!("coalesce(CAST(\"{c}\" AS TEXT), '')"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                format!("SELECT {row} FROM {table}")
            }
            Backend::Postgres => format!("SELECT t::text FROM {table} t"),
        };
        let rows: Vec<(String,)> = db.rows(&sql).await;
        found.extend(
            rows.into_iter()
                .filter(|(row,)| row.contains(needle))
                .map(|(row,)| format!("{table}: {row}")),
        );
    }
    found
}

/// Ana's feedback on Ben's debrief, through the modal, as Slack posts it.
async fn submit_feedback(app: &TestApp, user: &str, debrief_id: i64) {
    let payload = json!({
        "type": "view_submission",
        "team": { "id": TEAM, "domain": "example" },
        "user": { "id": user, "username": "x", "name": "x", "team_id": TEAM },
        "api_app_id": "A0001", "token": "x", "trigger_id": support::trigger_id(),
        "view": {
            "id": "V1", "team_id": TEAM, "type": "modal", "callback_id": "officehours.feedback",
            "private_metadata": debrief_id.to_string(), "hash": "h",
            "title": { "type": "plain_text", "text": "Debrief feedback" }, "blocks": [],
            "state": { "values": {
                "went_well": { "value": { "type": "plain_text_input", "value": "Clear goals" } },
                "differently": { "value": { "type": "plain_text_input", "value": "Smaller releases" } },
                "learned": { "value": { "type": "plain_text_input", "value": "Feature flags" } }
            } }
        }
    });
    let answer = app.interaction(&payload).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""));
}

async fn forget_me_leaves_no_row_that_names_the_person_but_the_feedback_they_wrote(app: TestApp) {
    set_up_ana_and_ben(&app).await;
    app.say(BEN, "conference rustconf 2027-09-08").await;
    app.tick().await;
    // Friday 4 December, 15:00 UTC: working time in Berlin and New York. Ben's debrief goes out
    // to both of them, Ana's feedback goes to Ben, and everything planned so far is delivered.
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 4, 15, 0, 0).unwrap());
    app.tick().await;
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let debrief = store.debriefs_of_organizer(TEAM, BEN).await.unwrap()[0].clone();
    submit_feedback(&app, ANA, debrief.id).await;
    app.tick().await;
    let delivered: Vec<(String, String)> = app
        .db
        .rows("SELECT key, status FROM reminders WHERE key LIKE 'debrief%' OR key LIKE 'feedback%'")
        .await;
    assert!(
        delivered.len() == 2 && delivered.iter().all(|(_, status)| status == "sent"),
        "{delivered:?}"
    );
    assert!(!rows_naming(&app.db, ANA).await.is_empty());

    click_forget(&app, ANA, "forget").await;
    app.slack
        .wait_for_responses_to("forget", 1, std::time::Duration::from_secs(5))
        .await;

    let left = rows_naming(&app.db, ANA).await;
    assert!(left.is_empty(), "rows still naming Ana: {left:#?}");
    let kept = store.feedback_for(debrief.id).await.unwrap();
    assert_eq!((kept.len(), kept[0].author_id.clone()), (1, None));
    let export = store.export_person(TEAM, ANA).await.unwrap();
    assert_eq!(export["reminders_to_you"], json!([]), "{export:#}");
    assert!(
        !rows_naming(&app.db, BEN).await.is_empty(),
        "Ben's rows stay"
    );
}

async fn export_shows_everything_forget_me_deletes(app: TestApp) {
    set_up_ana_and_ben(&app).await;
    // Ben mentions Ana while she is in office hours: a hint about her, to him.
    let event = json!({
        "token": "XXYYZZ", "team_id": TEAM, "api_app_id": "A0001",
        "event": {
            "type": "message", "channel": "C0GENERAL1", "user": BEN, "text": format!("<@{ANA}> can you look?"),
            "ts": "1765000000.000100", "event_ts": "1765000000.000100", "channel_type": "channel"
        },
        "type": "event_callback", "event_id": "EvHint1", "event_time": 1765000000,
        "authorizations": [{ "enterprise_id": null, "team_id": TEAM, "user_id": "UBOT", "is_bot": true, "is_enterprise_install": false }]
    });
    assert_eq!(app.event(&event).await.status, 200);
    let db = &app.db;
    let hinted = support::poll(
        std::time::Duration::from_secs(5),
        std::time::Duration::from_millis(20),
        || async move {
            let rows: Vec<(String,)> = db.rows("SELECT sender_id FROM mention_hints").await;
            (!rows.is_empty()).then_some(())
        },
    )
    .await;
    assert!(hinted.is_some(), "the hint was recorded");
    // Ana asks for a link to connect her status, and does not follow it.
    app.command(ANA, "connect").await;

    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let export = store.export_person(TEAM, ANA).await.unwrap();
    let hints = export["mention_hints"].as_array().expect("mention hints");
    assert_eq!(hints.len(), 1, "{export:#}");
    assert_eq!(
        (&hints[0]["sender"], &hints[0]["mentor"]),
        (&json!(BEN), &json!(ANA))
    );
    let links = export["status_connection_links"].as_array().expect("links");
    assert_eq!(links.len(), 1, "{export:#}");
    assert!(
        links[0].get("state").is_none(),
        "the link's secret is not exported: {export:#}"
    );
    // Ben's export shows the hint too (he got it), and no link of Ana's.
    let bens = store.export_person(TEAM, BEN).await.unwrap();
    assert_eq!(bens["mention_hints"].as_array().unwrap().len(), 1);
    assert_eq!(bens["status_connection_links"], json!([]));
}
