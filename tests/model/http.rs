//! How a sequence reaches the app: as Slack does, by signed HTTP. `/officehours` commands are
//! posted to `/slack/commands`, buttons as `block_actions` payloads to `/slack/interactions`
//! (acknowledged at once, applied after: each request waits for that work to be done).

use serde_json::{json, Value};
use std::time::Duration;

use super::Run;
use crate::support;

const FORM: &str = "application/x-www-form-urlencoded";

impl Run<'_> {
    /// `/officehours <text>` typed by `who`: the ephemeral answer, as its visible text and the raw
    /// body (a button's URL is only in the latter).
    pub async fn say(&mut self, who: usize, text: &str) -> String {
        let user = self.id(who);
        self.sent += 1;
        let reply_to = format!("{}-{}", self.team, self.sent);
        let form = self.app.command_form_in(&self.team, &user, text, &reply_to);
        let base = self.h.target(self.app).await.base.clone();
        let response = self
            .app
            .post_signed_to(&base, "/slack/commands", FORM, &form)
            .await;
        assert_eq!(response.status, 200, "`{text}`: {}", response.body);
        if std::mem::take(&mut self.h.retried) {
            // The retry carries the same trigger: answered, and not acted on again.
            let again = self
                .app
                .post_signed_to(&base, "/slack/commands", FORM, &form)
                .await;
            assert_eq!(again.status, 200, "`{text}` again: {}", again.body);
            self.h.saw("a command sent twice");
        }
        let mut answer = response.json();
        // Slow (a loaded machine): acknowledged now, answered through response_url.
        let body = &response.body;
        if body.contains("Working on it") || body.contains("One moment") {
            let wait = Duration::from_secs(30);
            let later = self.app.slack.wait_for_responses_to(&reply_to, 1, wait);
            answer = later.await.remove(0);
        }
        self.h.idle().await;
        assert!(
            !answer.to_string().contains("Something went wrong"),
            "`{text}` failed: {answer}"
        );
        format!("{}\n{answer}", support::visible_text(&answer))
    }

    /// A button pressed by `who` on a message in their DM: Slack's `block_actions` payload, sent
    /// once, or twice (`replayed`: the same trigger and action_ts, as Slack retries it).
    pub async fn press(&mut self, who: usize, action_id: &str, value: &str, replayed: bool) {
        let payload = self.press_payload(who, action_id, value);
        let base = self.h.target(self.app).await.base.clone();
        for _ in 0..if replayed { 2 } else { 1 } {
            self.interact(&base, &payload).await;
        }
        self.h.idle().await;
    }

    /// The same button pressed twice at once with two triggers (a double click), on one
    /// replica or on both: what replaced the message, after each press.
    pub async fn press_twice_at_once(
        &mut self,
        who: usize,
        action_id: &str,
        value: &str,
        both: bool,
    ) -> String {
        let first = self.press_payload(who, action_id, value);
        let second = self.press_payload(who, action_id, value);
        let (primary, replica) = if both {
            self.h.both(self.app).await
        } else {
            let base = self.h.primary.base.clone();
            (base.clone(), base)
        };
        tokio::join!(
            self.interact(&primary, &first),
            self.interact(&replica, &second)
        );
        self.h.idle().await;
        let mut replies = String::new();
        for payload in [&first, &second] {
            let trigger = payload["trigger_id"].as_str().unwrap_or_default();
            for reply in self.app.slack.responses_to(trigger) {
                replies.push_str(&support::visible_text(&reply));
                replies.push('\n');
            }
        }
        replies
    }

    async fn interact(&self, base: &str, payload: &Value) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &payload.to_string())
            .finish();
        let response = self
            .app
            .post_signed_to(base, "/slack/interactions", FORM, &body)
            .await;
        assert_eq!(response.status, 200, "{payload}: {}", response.body);
    }

    fn press_payload(&self, who: usize, action_id: &str, value: &str) -> Value {
        let (user, team) = (self.id(who), &self.team);
        let dm = format!("D{user}");
        let trigger = support::trigger_id();
        json!({
            "type": "block_actions",
            "user": { "id": user, "username": user.to_lowercase(), "name": user.to_lowercase(), "team_id": team },
            "api_app_id": support::fake_slack::APP_ID, "token": "x", "trigger_id": trigger,
            "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": dm, "is_ephemeral": false },
            "team": { "id": team, "domain": "example" },
            "channel": { "id": dm, "name": "directmessage" },
            // Each press's answer replaces the message through its own response_url.
            "response_url": self.app.slack.response_url(&trigger),
            "actions": [{ "action_id": action_id, "block_id": "b", "text": { "type": "plain_text", "text": "x" }, "value": value, "type": "button", "action_ts": "1700000001.000100" }],
            "state": { "values": {} }
        })
    }

    /// Slack's OAuth redirect back to the app, as the person's browser follows it.
    pub async fn oauth_callback(&mut self, code: &str, state: &str) -> support::Response {
        let base = self.h.target(self.app).await.base.clone();
        let path = format!("/slack/oauth/callback?code={code}&state={state}");
        let page = self
            .app
            .request_to(&base, "GET", &path, &[], String::new())
            .await;
        self.h.idle().await;
        page
    }
}
