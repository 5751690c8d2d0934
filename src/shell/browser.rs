//! The shell's pretend browser: a button that opens an address. The one address the bot itself
//! serves there, "Connect your Slack status", goes through the real OAuth pages (`Core::oauth_start`
//! and `Core::oauth_callback`), with the terminal playing Slack's approval page: whoever the
//! button was shown to approves, and the shell's stand-in for Slack grants a pretend token.

use super::outbox::approval_code;
use super::Session;

/// Where the connect button leads, on the bot's own pages.
const CONNECT_PATH: &str = "/slack/oauth/start?state=";

impl Session {
    /// `:press N` on a button that opens `url`, pressed by `presser`.
    pub(super) async fn open_link(
        &mut self,
        button: &str,
        url: &str,
        presser: &str,
    ) -> anyhow::Result<String> {
        let Some(state) = url.split_once(CONNECT_PATH).map(|(_, state)| state) else {
            return Ok(format!(
                "You pressed [{button}]: in Slack it opens {url} in a browser."
            ));
        };
        let start = self.core.oauth_start(state).await?;
        if start.redirect.is_none() {
            return Ok(format!(
                "You pressed [{button}]. The page says: {}",
                page_text(&start.html)
            ));
        }
        let code = approval_code(presser);
        let done = self
            .core
            .oauth_callback(Some(&code), Some(state), None)
            .await?;
        Ok(format!(
            "You pressed [{button}]: the browser shows Slack's approval page (reading and setting your status, nothing else), and @{presser} approves.\nThe page says: {}",
            page_text(&done.html)
        ))
    }
}

/// A small page's heading and paragraph, as words: "Connected — Done: …".
fn page_text(html: &str) -> String {
    let body = html.split_once("<h1>").map_or(html, |(_, rest)| rest);
    let (heading, rest) = body.split_once("</h1>").unwrap_or(("", body));
    let words = |part: &str| {
        let mut text = String::with_capacity(part.len());
        let mut in_tag = false;
        for c in part.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    text.push(' ');
                }
                '>' => in_tag = false,
                _ if !in_tag => text.push(c),
                _ => {}
            }
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    match (words(heading), words(rest)) {
        (heading, rest) if heading.is_empty() => rest,
        (heading, rest) => format!("{heading} — {rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_reads_as_its_heading_and_words() {
        let html = crate::views::page::paragraph("Connected", "Done: a & b.");
        assert_eq!(page_text(&html), "Connected — Done: a & b.");
    }
}
