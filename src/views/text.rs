//! Renders a message as terminal text for the shell: mrkdwn shown as a terminal shows it (bold and
//! italics as ANSI styles on a terminal, links as `text (url)`), each button numbered so it can
//! be pressed by number.

use super::{Block, Button, Message};

/// How the terminal shows text: ANSI styles only when a person reads it on a terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub ansi: bool,
}

/// Plain text, buttons shown by name only (for logs and tests of the words alone).
pub fn render(message: &Message) -> String {
    render_numbered(message, Style::default(), &mut |_| None)
}

/// What a person can press: a button that acts, or one that opens an address in a browser.
#[derive(Debug, Clone, Copy)]
pub enum Pressable<'a> {
    Button(&'a Button),
    Link { button: &'a str, url: &'a str },
}

/// Each button is shown as `[N] Text`, N being what `number` hands out for it (`None` shows it
/// without a number).
pub fn render_numbered(
    message: &Message,
    style: Style,
    number: &mut dyn FnMut(Pressable<'_>) -> Option<usize>,
) -> String {
    render_blocks(&message.blocks, style, number)
}

pub fn render_blocks(
    blocks: &[Block],
    style: Style,
    number: &mut dyn FnMut(Pressable<'_>) -> Option<usize>,
) -> String {
    let mut out = Vec::new();
    for block in blocks {
        match block {
            Block::Header(title) => {
                out.push(styled(&title.to_uppercase(), BOLD, style));
                out.push("=".repeat(title.chars().count().min(60)));
            }
            Block::Section {
                text,
                fields,
                button,
            } => {
                let mut line = terminal(text, style);
                if let Some(button) = button {
                    line.push_str("  ");
                    line.push_str(&label(button, number));
                }
                if !line.is_empty() {
                    out.push(line);
                }
                for field in fields {
                    out.push(format!("  {}", terminal(field, style).replace('\n', ": ")));
                }
            }
            Block::Context(lines) => out.push(format!(
                "  ({})",
                lines
                    .iter()
                    .map(|l| terminal(l, style))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
            Block::Divider => out.push("—".repeat(20)),
            Block::Link { text, button, url } => {
                let shown = match number(Pressable::Link { button, url }) {
                    Some(n) => format!("[{n}] {button}"),
                    None => button.clone(),
                };
                out.push(format!("{}  {shown} ({url})", terminal(text, style)))
            }
            Block::Input {
                label, optional, ..
            } => out.push(format!(
                "  ▸ {label}{}",
                if *optional { " (optional)" } else { "" }
            )),
            Block::Actions(buttons) => out.push(
                buttons
                    .iter()
                    .map(|b| label(b, number))
                    .collect::<Vec<_>>()
                    .join("  "),
            ),
        }
    }
    out.join("\n")
}

fn label(button: &Button, number: &mut dyn FnMut(Pressable<'_>) -> Option<usize>) -> String {
    match number(Pressable::Button(button)) {
        Some(n) => format!("[{n}] {}", button.text),
        None => format!("[{}]", button.text),
    }
}

const BOLD: (&str, &str) = ("\x1b[1m", "\x1b[22m");
const ITALIC: (&str, &str) = ("\x1b[3m", "\x1b[23m");

fn styled(text: &str, (on, off): (&str, &str), style: Style) -> String {
    if style.ansi {
        format!("{on}{text}{off}")
    } else {
        text.to_owned()
    }
}

/// Undoes mrkdwn for a terminal without styles.
pub fn plain(mrkdwn: &str) -> String {
    terminal(mrkdwn, Style::default())
}

/// mrkdwn as a terminal shows it: `<@U1>` → `@U1`, `<url|text>` → `text (url)`, `*bold*` and
/// `_italic_` styled (or bare), emoji codes dropped, entities decoded.
pub fn terminal(mrkdwn: &str, style: Style) -> String {
    let linked = links(mrkdwn);
    let text = strip_emoji(&linked).replace('`', "");
    let text = emphasis(&text, '*', BOLD, style);
    let text = emphasis(&text, '_', ITALIC, style);
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Slack's angle-bracket markup: mentions, channels, special mentions and links.
fn links(mrkdwn: &str) -> String {
    let mut out = String::with_capacity(mrkdwn.len());
    let mut rest = mrkdwn;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push('<');
            rest = after;
            continue;
        };
        let inner = &after[..close];
        let (target, text) = match inner.split_once('|') {
            Some((target, text)) => (target, Some(text)),
            None => (inner, None),
        };
        if let Some(user) = target.strip_prefix('@') {
            out.push('@');
            out.push_str(text.unwrap_or(user));
        } else if let Some(channel) = target.strip_prefix('#') {
            out.push('#');
            out.push_str(text.unwrap_or(channel));
        } else if let Some(special) = target.strip_prefix('!') {
            out.push('@');
            out.push_str(text.unwrap_or(special));
        } else {
            match text {
                Some(text) if text != target => out.push_str(&format!("{text} ({target})")),
                _ => out.push_str(target),
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// `*bold*` / `_italic_` the way Slack reads them: a marker opens after a space or punctuation
/// and before a non-space, closes on the same line before a space or punctuation. Anything else
/// (`snake_case`, `2*3`) is left as typed.
fn emphasis(text: &str, marker: char, on_off: (&str, &str), style: Style) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == marker && opens(&chars, i) {
            if let Some(end) = closing(&chars, i, marker) {
                let inner: String = chars[i + 1..end].iter().collect();
                out.push_str(&styled(&inner, on_off, style));
                i = end + 1;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn boundary(c: Option<&char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || (c.is_ascii_punctuation() && *c != '_' && *c != '*'))
}

fn opens(chars: &[char], at: usize) -> bool {
    let before = at.checked_sub(1).and_then(|b| chars.get(b));
    boundary(before) && chars.get(at + 1).is_some_and(|c| !c.is_whitespace())
}

fn closing(chars: &[char], open: usize, marker: char) -> Option<usize> {
    (open + 2..chars.len())
        .take_while(|&j| chars[j] != '\n')
        .find(|&j| {
            chars[j] == marker && !chars[j - 1].is_whitespace() && boundary(chars.get(j + 1))
        })
}

/// `:white_check_mark: Added` → `Added`; a colon in "14:00" is not an emoji code.
fn strip_emoji(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        let after = &rest[start + 1..];
        // `:+1:` and `:100:` are codes too; `30-15` in "14:30-15:00" is not.
        let code_len = after.find(':').filter(|&end| {
            let code = &after[..end];
            code.chars().any(|c| c.is_ascii_lowercase() || c == '+')
                && code.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '+' | '-')
                })
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
    use crate::views::{actions, ButtonStyle};

    #[test]
    fn mentions_and_markup_become_plain_text() {
        assert_eq!(
            plain(":white_check_mark: Added *Tue 10:00–11:00* for <@bob>"),
            "Added Tue 10:00–11:00 for @bob"
        );
        assert_eq!(plain("see <@U1|ana> &amp; `help`"), "see @ana & help");
        assert_eq!(
            plain(":+1: Great at 14:30-15:00: fine"),
            "Great at 14:30-15:00: fine"
        );
    }

    #[test]
    fn italics_and_links_read_as_a_terminal_shows_them() {
        assert_eq!(plain("topics _career, rust_"), "topics career, rust");
        assert_eq!(plain("keep snake_case_words"), "keep snake_case_words");
        assert_eq!(
            plain("read <https://example.com/guide|the guide> or <https://x.test>"),
            "read the guide (https://example.com/guide) or https://x.test"
        );
        let ansi = Style { ansi: true };
        assert_eq!(
            terminal("*Tue* _rust_", ansi),
            "\x1b[1mTue\x1b[22m \x1b[3mrust\x1b[23m"
        );
        assert_eq!(terminal("2 * 3 * 4", ansi), "2 * 3 * 4");
    }

    #[test]
    fn buttons_carry_the_numbers_handed_out() {
        let button = |text: &str| Button {
            text: text.to_owned(),
            action_id: actions::MEETING_DONE,
            value: "1".to_owned(),
            style: ButtonStyle::Default,
        };
        let mut message = Message::new("x");
        message.push(Block::text("Your 1:1"));
        message.push(Block::Actions(vec![button("Done"), button("Snooze a day")]));
        let mut next = 0;
        let shown = render_numbered(&message, Style::default(), &mut |_| {
            next += 1;
            Some(next)
        });
        assert_eq!(shown, "Your 1:1\n[1] Done  [2] Snooze a day");
    }
}
