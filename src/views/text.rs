//! Renders a message as plain terminal text for the shell.

use super::{Block, Message};

pub fn render(message: &Message) -> String {
    let mut out = Vec::new();
    for block in &message.blocks {
        match block {
            Block::Header(title) => {
                out.push(title.to_uppercase());
                out.push("=".repeat(title.chars().count().min(60)));
            }
            Block::Section {
                text,
                fields,
                button,
            } => {
                let mut line = plain(text);
                if let Some(button) = button {
                    line.push_str(&format!("  [{}]", button.text));
                }
                if !line.is_empty() {
                    out.push(line);
                }
                for field in fields {
                    out.push(format!("  {}", plain(field).replace('\n', ": ")));
                }
            }
            Block::Context(lines) => out.push(format!(
                "  ({})",
                lines.iter().map(|l| plain(l)).collect::<Vec<_>>().join(" ")
            )),
            Block::Divider => out.push("—".repeat(20)),
            Block::Link { text, button, url } => {
                out.push(format!("{}  [{button}: {url}]", plain(text)))
            }
            Block::Input { label, .. } => out.push(format!("{label}: ______")),
            Block::Actions(buttons) => out.push(
                buttons
                    .iter()
                    .map(|b| format!("[{}]", b.text))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        }
    }
    out.join("\n")
}

/// Undoes mrkdwn for a terminal: `<@U1>` → `@U1`, `*bold*` → `bold`, emoji codes dropped, entities decoded.
pub fn plain(mrkdwn: &str) -> String {
    let mut out = String::with_capacity(mrkdwn.len());
    let mut rest = mrkdwn;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('>') {
            Some(close) => {
                let inner = &after[..close];
                let shown = inner.rsplit('|').next().unwrap_or(inner);
                if let Some(user) = inner.strip_prefix('@') {
                    out.push('@');
                    out.push_str(user.split('|').next_back().unwrap_or(user));
                } else {
                    out.push_str(shown);
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let out = strip_emoji(&out);
    out.replace(['*', '`'], "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `:white_check_mark: Added` → `Added`; a colon in "14:00" is not an emoji code.
fn strip_emoji(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        let after = &rest[start + 1..];
        let code_len = after.find(':').filter(|&end| {
            end > 0
                && after[..end]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '+' || c == '-')
        });
        match code_len {
            Some(end) => {
                out.push_str(&rest[..start]);
                rest = after[end + 1..].trim_start_matches(' ');
            }
            None => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_markup_become_plain_text() {
        assert_eq!(
            plain(":white_check_mark: Added *Tue 10:00–11:00* for <@bob>"),
            "Added Tue 10:00–11:00 for @bob"
        );
        assert_eq!(plain("see <@U1|ana> &amp; `help`"), "see @ana & help");
    }
}
