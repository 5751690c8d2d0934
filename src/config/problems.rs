//! Every problem with the settings, gathered so that `serve` and `check` say them all at once,
//! each named by its environment variable, with the right form; a secret's value is never shown.

use std::fmt::Display;
use std::net::SocketAddr;

use crate::secret::Secret;

/// What is wrong so far. A setting joins with one line: `problems.parse("VAR", &text, parser)`.
#[derive(Debug, Default)]
pub(super) struct Problems {
    pub missing: Vec<&'static str>,
    pub invalid: Vec<String>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.invalid.is_empty()
    }

    /// The value through its parser; `None` (and a problem noted) when it does not parse. The
    /// parser's message shows the value and the right form: these settings are not secret.
    pub fn parse<T, E: Display>(
        &mut self,
        var: &'static str,
        text: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        parse(text)
            .map_err(|e| self.invalid.push(format!("{var}: {e}")))
            .ok()
    }

    /// Problems a parser already named (the nudge settings check several variables together).
    pub fn extend<T>(&mut self, result: Result<T, Vec<String>>) -> Option<T> {
        result.map_err(|named| self.invalid.extend(named)).ok()
    }

    /// A secret that must be set and have `shape`; its message never includes the value.
    pub fn required_secret(
        &mut self,
        var: &'static str,
        value: &Option<Secret>,
        shape: fn(&str) -> Result<(), String>,
    ) -> Option<Secret> {
        match present(value) {
            None => {
                self.missing.push(var);
                None
            }
            Some(secret) => self.shaped(var, secret, shape),
        }
    }

    /// A secret that may be unset: `Some(None)` when unset, `None` when set but malformed.
    pub fn optional_secret(
        &mut self,
        var: &'static str,
        value: &Option<Secret>,
        shape: fn(&str) -> Result<(), String>,
    ) -> Option<Option<Secret>> {
        match present(value) {
            None => Some(None),
            Some(secret) => self.shaped(var, secret, shape).map(Some),
        }
    }

    fn shaped(
        &mut self,
        var: &'static str,
        secret: Secret,
        shape: fn(&str) -> Result<(), String>,
    ) -> Option<Secret> {
        match shape(secret.expose().trim()) {
            Ok(()) => Some(secret),
            Err(why) => {
                self.invalid.push(format!("{var}: {why}"));
                None
            }
        }
    }
}

/// Set and not blank.
fn present(value: &Option<Secret>) -> Option<Secret> {
    value.clone().filter(|s| !s.is_empty())
}

/// Token prefixes Slack uses, so a token pasted into the wrong variable can be named.
const TOKEN_KINDS: &[(&str, &str)] = &[
    ("xoxb-", "a bot token"),
    ("xoxp-", "a user token"),
    ("xapp-", "an app-level token"),
    ("xoxe", "a refresh or configuration token"),
];

fn token_shape(token: &str, prefix: &str, want: &str, page: &str) -> Result<(), String> {
    if token.starts_with(prefix) && token.len() > prefix.len() {
        return Ok(());
    }
    let is = TOKEN_KINDS
        .iter()
        .find(|(kind, _)| token.starts_with(kind))
        .map_or_else(
            || format!("it doesn't start with {prefix}"),
            |(_, kind)| format!("it is {kind}"),
        );
    Err(format!(
        "isn't {want}: {is}. Copy the {prefix}… token from the app's {page} page"
    ))
}

/// `xoxb-…`, the Bot User OAuth Token.
pub fn bot_token(token: &str) -> Result<(), String> {
    token_shape(token, "xoxb-", "a bot token", "\"OAuth & Permissions\"")
}

/// `xapp-…`, an app-level token for Socket Mode.
pub fn app_token(token: &str) -> Result<(), String> {
    token_shape(
        token,
        "xapp-",
        "an app-level token",
        "\"Basic Information\" → App-Level Tokens",
    )
}

/// Slack's signing secrets are 32 hexadecimal characters.
pub fn signing_secret(secret: &str) -> Result<(), String> {
    if secret.len() == 32 && secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(());
    }
    let hint = if TOKEN_KINDS.iter().any(|(kind, _)| secret.starts_with(kind)) {
        " (that is a token, not the signing secret)"
    } else {
        ""
    };
    Err(format!(
        "isn't a signing secret{hint}: it is 32 hexadecimal characters. Copy the Signing Secret \
         from the app's \"Basic Information\" page"
    ))
}

/// The key text as `crypto` reads it (64 hex characters or base64 of 32 bytes).
pub fn secret_key(text: &str) -> Result<(), String> {
    crate::crypto::TokenCipher::from_key_text(text)
        .map(|_| ())
        .map_err(|e| {
            let why = e.to_string();
            why.strip_prefix("OFFICEHOURS_SECRET_KEY ")
                .map_or(why.clone(), str::to_owned)
        })
}

pub fn listen_addr(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!("`{text}` isn't an address to listen on; use IP:port, e.g. 0.0.0.0:3000 or 127.0.0.1:8080")
    })
}

pub fn retention_days(text: &str) -> Result<chrono::Duration, String> {
    match text.trim().parse::<u32>() {
        Ok(days) if (1..=36_500).contains(&days) => Ok(chrono::Duration::days(i64::from(days))),
        _ => Err(format!(
            "`{text}` isn't a number of days; use a whole number from 1 to 36500, e.g. 365"
        )),
    }
}

/// A whole number of messages a minute; `0` for no ceiling.
pub fn messages_per_minute(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if n <= 60_000 => Ok(n),
        _ => Err(format!(
            "`{text}` isn't a number of messages a minute; use a whole number up to 60000, e.g. 200 (0: no ceiling)"
        )),
    }
}

/// `30d`, `12h`, a bare number of days, or `0` (deleted at the next sweep).
pub fn uninstall_retention(text: &str) -> Result<chrono::Duration, String> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: Option<i64> = number
        .parse()
        .ok()
        .filter(|n| (0..=36_500 * 24).contains(n));
    let made = match (n, unit.trim()) {
        (Some(n), "" | "d" | "day" | "days") if n <= 36_500 => Some(chrono::Duration::days(n)),
        (Some(n), "h" | "hour" | "hours") => Some(chrono::Duration::hours(n)),
        _ => None,
    };
    made.ok_or_else(|| {
        format!(
            "`{text}` isn't a retention; use days or hours, e.g. 30d, 12h, or 0 to delete at once"
        )
    })
}

/// An absolute http(s) URL, without a trailing slash.
pub fn http_url(text: &str, example: &str) -> Result<String, String> {
    let trimmed = text.trim().trim_end_matches('/');
    match url::Url::parse(trimmed) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
            Ok(trimmed.to_owned())
        }
        _ => Err(format!(
            "`{text}` isn't an http(s) URL; use one like {example}"
        )),
    }
}

/// `sqlite://…` or `postgres://…`; a password in the URL is never shown.
pub fn database_url(text: &str) -> Result<String, String> {
    let url = text.trim();
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if known.iter().any(|scheme| url.starts_with(scheme)) {
        return Ok(url.to_owned());
    }
    Err(format!(
        "unsupported DATABASE_URL `{}`: use sqlite://path.db or postgres://user:password@host/db",
        crate::store::redact_url(url)
    ))
}

/// A Slack emoji name between colons, `:door:`.
pub fn status_emoji(text: &str) -> Result<String, String> {
    let name = text.trim();
    let inner = name
        .strip_prefix(':')
        .and_then(|n| n.strip_suffix(':'))
        .unwrap_or_default();
    let fits = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '\'');
    if !inner.is_empty() && inner.chars().all(fits) {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "`{text}` isn't an emoji name; use one between colons, e.g. :door:"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes_name_what_was_pasted_without_showing_it() {
        assert!(bot_token("xoxb-1-2-abc").is_ok());
        let wrong = bot_token("xoxp-secret-user-token").unwrap_err();
        assert!(wrong.contains("user token"), "{wrong}");
        assert!(!wrong.contains("secret-user"), "{wrong}");
        assert!(bot_token("abc")
            .unwrap_err()
            .contains("doesn't start with xoxb-"));
        assert!(bot_token("xoxb-").is_err());
        assert!(app_token("xapp-1-A1-2-abc").is_ok());
        assert!(app_token("xoxb-1").unwrap_err().contains("bot token"));
    }

    #[test]
    fn a_signing_secret_is_32_hex_characters() {
        assert!(signing_secret("0123456789abcdef0123456789ABCDEF").is_ok());
        assert!(signing_secret("s3cret").is_err());
        assert!(signing_secret("0123456789abcdef0123456789abcdeg").is_err());
        let token = signing_secret("xoxb-1-2").unwrap_err();
        assert!(token.contains("that is a token"), "{token}");
    }

    #[test]
    fn addresses_days_urls_and_emoji() {
        assert!(listen_addr("127.0.0.1:3000").is_ok());
        assert!(listen_addr("[::]:3000").is_ok());
        assert!(listen_addr("localhost").unwrap_err().contains("IP:port"));
        assert_eq!(retention_days("30"), Ok(chrono::Duration::days(30)));
        assert_eq!(uninstall_retention("30d"), Ok(chrono::Duration::days(30)));
        assert_eq!(uninstall_retention("0"), Ok(chrono::Duration::zero()));
        assert_eq!(
            uninstall_retention(" 12h "),
            Ok(chrono::Duration::hours(12))
        );
        assert!(uninstall_retention("soon").is_err());
        assert!(uninstall_retention("-1d").is_err());
        assert!(retention_days("0").is_err());
        assert!(retention_days("a year").is_err());
        assert_eq!(
            http_url("https://slack.com/api/", "x").as_deref(),
            Ok("https://slack.com/api")
        );
        assert!(http_url("slack.com/api", "x").is_err());
        assert!(http_url("ftp://slack.com", "x").is_err());
        assert!(status_emoji(":door:").is_ok());
        assert!(status_emoji(":+1:").is_ok());
        assert!(status_emoji("door").is_err());
    }

    #[test]
    fn an_unsupported_database_url_hides_its_password() {
        let err = database_url("mysql://me:pa55word@db/x").unwrap_err();
        assert!(err.contains("unsupported DATABASE_URL"), "{err}");
        assert!(!err.contains("pa55word"), "{err}");
        assert!(database_url("sqlite:officehours.db").is_ok());
        assert!(database_url("postgresql://db/x").is_ok());
    }

    #[test]
    fn a_database_password_is_starred_out_in_the_user_part_and_the_query() {
        let shown = crate::store::redact_url(
            "postgres://me:pa55@db/x?sslmode=require&password=pa55&SSLPASSWORD=k3y&passfile=/p",
        );
        assert_eq!(
            shown,
            "postgres://me:***@db/x?sslmode=require&password=***&SSLPASSWORD=***&passfile=%2Fp"
        );
        assert_eq!(
            crate::store::redact_url("sqlite://officehours.db"),
            "sqlite://officehours.db"
        );
    }
}
