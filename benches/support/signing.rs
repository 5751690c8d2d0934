//! Slash-command requests exactly as Slack sends them, signed `v0=hex(hmac_sha256(secret, "v0:{ts}:{body}"))`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};

/// 32 hex characters, the shape of a real signing secret (`serve` refuses any other).
pub const SIGNING_SECRET: &str = "be4c8516e1e9c0de0123456789abcdef";
pub const BOT_TOKEN: &str = "xoxb-bench-bot-token";
/// 32 bytes as hex: seals user tokens (none are stored in the benches, but the binary wants a key).
pub const SECRET_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// The workspace and app the fake Slack answers for.
pub const TEAM: &str = super::fake_slack::TEAM_ID;
pub const APP_ID: &str = super::fake_slack::APP_ID;

pub fn signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(b"v0:");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b":");
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// The form Slack posts when `user` types `/officehours {text}` in #general.
pub fn command_form(user: &str, text: &str, response_url: &str, trigger: u64) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", "gIkuvaNzQIHg97ATvDxqgjtO")
        .append_pair("team_id", TEAM)
        .append_pair("team_domain", "benchteam")
        .append_pair("channel_id", "C2147483705")
        .append_pair("channel_name", "general")
        .append_pair("user_id", user)
        .append_pair("user_name", &user.to_lowercase())
        .append_pair("command", "/officehours")
        .append_pair("text", text)
        .append_pair("api_app_id", APP_ID)
        .append_pair("is_enterprise_install", "false")
        .append_pair("response_url", response_url)
        .append_pair(
            "trigger_id",
            &format!("13345224609.738474920.{trigger:x}d88f008e0"),
        )
        .finish()
}

/// Slack's documented example, so a wrong signer fails loudly before any figure is printed.
pub fn self_check() {
    let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    assert_eq!(
        signature(
            "8f742231b10e8888abcd99yyyzzz85a5",
            1531420618,
            body.as_bytes()
        ),
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    );
}
