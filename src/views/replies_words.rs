//! How a reply words things that are not about any one command: a command that could not be
//! understood, and counts.

use super::{Block, Message};
use crate::views::escape;

/// `asker` is who typed it: an example never names them (`review @ada` to Ada would confuse).
pub fn parse_error(problem: &str, usage: &str, example: &str, asker: &str) -> Message {
    let example = example_without(example, asker);
    Message {
        fallback: problem.to_owned(),
        blocks: vec![
            Block::text(format!(":thinking_face: {}", escape(problem))),
            Block::Section {
                text: String::new(),
                fields: vec![
                    format!("*Use*\n`{}`", escape(usage)),
                    format!("*For example*\n`{}`", escape(&example)),
                ],
                button: None,
            },
            Block::context("`/officehours help` lists every command. Nothing was changed."),
        ],
    }
}

/// The example with any mention of `asker` swapped for someone else.
fn example_without(example: &str, asker: &str) -> String {
    let others = ["ada", "grace", "ana", "lin"];
    let stand_in = others
        .iter()
        .find(|name| !name.eq_ignore_ascii_case(asker) && !example.contains(&format!("@{name}")))
        .unwrap_or(&"someone");
    example
        .split(' ')
        .map(|word| match word.strip_prefix('@') {
            Some(name) if name.eq_ignore_ascii_case(asker) => format!("@{stand_in}"),
            _ => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "1 window", "2 windows": the count with the word that fits it.
pub fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
