//! Drives `officehours shell` line by line as a person would, reading what each line printed
//! before typing the next (so a test can press the button number it was just shown).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// Generous: a line is answered in milliseconds; this only stops a hung shell hanging the suite.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Shell {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    marks: usize,
    /// Everything printed so far.
    pub transcript: String,
    pub db: PathBuf,
}

impl Shell {
    pub fn start(db: &Path, args: &[&str]) -> Self {
        Self::start_with(db, args, &[])
    }

    pub fn start_with(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_officehours"));
        command
            .arg("shell")
            .args(args)
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env_remove("SLACK_BOT_TOKEN")
            .env_remove("SLACK_SIGNING_SECRET")
            .env_remove("PUBLIC_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the binary starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut shell = Self {
            child,
            stdin,
            lines,
            marks: 0,
            transcript: String::new(),
            db: db.to_owned(),
        };
        shell.lines(&[]);
        shell
    }

    /// Types one line; returns what it printed.
    pub fn send(&mut self, line: &str) -> String {
        self.lines(&[line])
    }

    /// Types several lines (a press and the modal's answers); returns what they printed.
    pub fn lines(&mut self, lines: &[&str]) -> String {
        self.marks += 1;
        // An unknown shell command echoes its name: a mark that says all before it was printed.
        let mark = format!(":mark{}", self.marks);
        for line in lines.iter().chain([&mark.as_str()]) {
            writeln!(self.stdin, "{line}").expect("the shell reads");
        }
        self.stdin.flush().expect("flush");
        let mut printed = String::new();
        loop {
            let line = self.lines.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                panic!(
                    "the shell went quiet after {lines:?}; so far:\n{}{printed}",
                    self.transcript
                )
            });
            if line.contains(&format!("`{mark}`")) {
                break;
            }
            printed.push_str(&line);
            printed.push('\n');
        }
        self.transcript.push_str(&printed);
        printed
    }

    /// Presses the last button shown with this label (`[7] Done`), with any modal answers.
    pub fn press(&mut self, label: &str, answers: &[&str]) -> String {
        let number = last_number(&self.transcript, label)
            .unwrap_or_else(|| panic!("no button [{label}] shown so far:\n{}", self.transcript));
        let press = format!(":press {number}");
        let mut lines = vec![press.as_str()];
        lines.extend(answers);
        self.lines(&lines)
    }

    pub fn quit(mut self) -> String {
        writeln!(self.stdin, ":quit").expect("the shell reads");
        let status = self.child.wait().expect("it exits");
        assert!(status.success(), "the shell failed:\n{}", self.transcript);
        self.transcript
    }
}

/// The number of the last `[N] label` in `text`.
pub fn last_number(text: &str, label: &str) -> Option<usize> {
    let needle = format!("] {label}");
    let at = text.rfind(&needle)?;
    let open = text[..at].rfind('[')?;
    text[open + 1..at].parse().ok()
}

/// One value from the shell's SQLite database (`None` for no row or NULL).
pub fn one(db: &Path, sql: &str) -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("the database opens");
        let value: Option<Option<String>> = sqlx::query_scalar(sql)
            .fetch_optional(&pool)
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
        pool.close().await;
        value.flatten()
    })
}
