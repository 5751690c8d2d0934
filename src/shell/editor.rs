//! The line editor on a terminal (`rustyline`): arrows, history kept between runs in a file next
//! to the database, and Tab completion of commands, shell verbs and the people met so far.

use async_trait::async_trait;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::{DefaultHistory, History};
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use std::io::Write;
use std::path::PathBuf;

use super::lines::Terminal;

/// The words `/officehours` starts with, as the grammar knows them.
pub(super) use crate::app::COMMAND_WORDS as COMMANDS;

/// The shell's own verbs.
pub(super) const VERBS: &[&str] = &[
    ":as", ":tz", ":advance", ":now", ":press", ":status", ":in", ":out", ":home", ":forget",
    ":help", ":quit",
];

pub(super) struct Editor {
    editor: rustyline::Editor<Completion, DefaultHistory>,
    history: Option<PathBuf>,
}

impl Editor {
    pub(super) fn start(history: Option<PathBuf>) -> anyhow::Result<Self> {
        let config = rustyline::Config::builder()
            .auto_add_history(true)
            .max_history_size(1000)?
            .build();
        let mut editor = rustyline::Editor::with_config(config)?;
        editor.set_helper(Some(Completion::default()));
        if let Some(path) = &history {
            // No file yet on a first run; anything else unreadable starts an empty history.
            if let Err(err) = editor.load_history(path) {
                tracing::debug!(error = %err, "no shell history loaded");
            }
        }
        Ok(Self { editor, history })
    }
}

#[async_trait(?Send)]
impl Terminal for Editor {
    async fn read_line(&mut self, prompt: &str) -> anyhow::Result<Option<String>> {
        std::io::stdout().flush()?;
        // rustyline reads the terminal synchronously; let the runtime's other work carry on.
        let read = tokio::task::block_in_place(|| self.editor.readline(prompt));
        match read {
            Ok(line) => Ok(Some(line)),
            // Ctrl-C drops the line being typed, as shells do.
            Err(ReadlineError::Interrupted) => Ok(Some(String::new())),
            Err(ReadlineError::Eof) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    async fn write(&mut self, text: &str) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }

    fn interactive(&self) -> bool {
        true
    }

    fn learn_names(&mut self, names: &[String]) {
        if let Some(helper) = self.editor.helper_mut() {
            helper.names = names.to_vec();
        }
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        if let Some(path) = &self.history {
            if self.editor.history().is_empty() {
                return;
            }
            if let Err(err) = self.editor.save_history(path) {
                eprintln!(
                    "could not keep the shell history in {}: {err}",
                    path.display()
                );
            }
        }
    }
}

/// Completes the word under the cursor.
#[derive(Default)]
pub(super) struct Completion {
    names: Vec<String>,
}

impl Completion {
    pub(super) fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before.rfind(' ').map_or(0, |i| i + 1);
        let word = &before[start..];
        let first = start == 0;
        let lower = word.to_lowercase();
        let mut found: Vec<String> = if let Some(name) = lower.strip_prefix('@') {
            self.names
                .iter()
                .filter(|n| n.starts_with(name))
                .map(|n| format!("@{n}"))
                .collect()
        } else if first {
            COMMANDS
                .iter()
                .chain(VERBS)
                .filter(|w| w.starts_with(&lower) && !lower.is_empty())
                .map(|w| w.to_string())
                .collect()
        } else if before.starts_with(":as ") {
            self.names
                .iter()
                .filter(|n| n.starts_with(&lower))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        found.sort();
        found.dedup();
        (start, found)
    }
}

impl Completer for Completion {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = self.candidates(line, pos);
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: w.clone(),
                    replacement: w,
                })
                .collect(),
        ))
    }
}

impl Hinter for Completion {
    type Hint = String;
}
impl Highlighter for Completion {}
impl Validator for Completion {}
impl Helper for Completion {}

/// The history file for a database: `officehours.db` keeps it in `officehours.db.history`.
/// A PostgreSQL database has no file to sit beside; its history lasts the session.
pub fn history_next_to(database_url: &str) -> Option<PathBuf> {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.history")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_commands_verbs_and_people() {
        let completion = Completion {
            names: vec!["bob.smith".to_owned(), "you".to_owned()],
        };
        assert_eq!(
            completion.candidates("li", 2),
            (0, vec!["link".to_owned(), "list".to_owned()])
        );
        assert_eq!(
            completion.candidates(":adv", 4),
            (0, vec![":advance".to_owned()])
        );
        assert_eq!(
            completion.candidates("1on1 @bo", 8),
            (5, vec!["@bob.smith".to_owned()])
        );
        assert_eq!(
            completion.candidates(":as y", 5),
            (4, vec!["you".to_owned()])
        );
    }

    #[test]
    fn history_sits_next_to_a_sqlite_database() {
        assert_eq!(
            history_next_to("sqlite://data/officehours.db?mode=rwc"),
            Some(PathBuf::from("data/officehours.db.history"))
        );
        assert_eq!(history_next_to("postgres://localhost/x"), None);
    }
}
