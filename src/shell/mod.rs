//! The terminal adapter: type `/officehours` commands as a pretend user and read the replies as text;
//! reminders the scheduler would send as DMs are printed as the pretend clock passes them.

mod outbox;

use anyhow::Context;
use chrono::{DateTime, Utc};
use std::io::IsTerminal;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::app::{Actor, Core};
use crate::clock::{Clock, ManualClock, OffsetClock};
use crate::config::ShellArgs;
use crate::domain::duration::parse_duration;
use crate::domain::zone::parse_zone;
use crate::ports::slack::{Profile, SlackApi};
use crate::views::text::render;
use outbox::Outbox;

/// Either a frozen pretend time (`--now`) or real time; both can jump ahead with `:advance`.
enum ShellClock {
    Frozen(Arc<ManualClock>),
    Live(Arc<OffsetClock>),
}

impl ShellClock {
    fn shared(&self) -> Arc<dyn Clock> {
        match self {
            ShellClock::Frozen(c) => c.clone(),
            ShellClock::Live(c) => c.clone(),
        }
    }
    fn advance(&self, by: chrono::Duration) {
        match self {
            ShellClock::Frozen(c) => c.advance(by),
            ShellClock::Live(c) => c.advance(by),
        }
    }
}

const SHELL_HELP: &str = "\
Type what you would type after /officehours in Slack, e.g.
  add tue,thu 14:00-15:00 career, rust      list      on for 2h      @bob      find rust
Shell commands:
  :as NAME        act as another person (their @name is NAME)
  :tz ZONE        set this person's profile time zone, e.g. :tz Europe/Berlin
  :advance 3d     move the pretend clock forward (30m, 2h, 1d, 1w)
  :now            show the pretend time
  :home           show this person's App Home tab
  :forget         confirm `forget me` (Slack shows a button instead)
  :help           this text
  :quit           leave (Ctrl-D works too)";

/// `assemble` builds the core around the shell's clock and its stand-in for Slack (the wiring
/// knows the database; the shell does not).
pub async fn run<R, W, F>(
    args: ShellArgs,
    assemble: F,
    input: R,
    mut output: W,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
    F: FnOnce(Arc<dyn Clock>, Arc<dyn SlackApi>) -> Core,
{
    let clock = start_clock(args.now.as_deref())?;
    let outbox = Arc::new(Outbox::default());
    let core = assemble(clock.shared(), outbox.clone());
    let mut session = Session {
        core,
        outbox,
        clock,
        actor: Actor {
            team_id: args.team.clone(),
            user_id: clean_name(&args.user),
        },
        // In a real workspace's data the shell must not deliver (it would mark real reminders
        // sent without Slack ever seeing them); in the pretend one it shows what would go out.
        pretend: args.team == crate::config::SHELL_TEAM,
    };
    let interactive = std::io::stdin().is_terminal();
    output.write_all(session.banner().as_bytes()).await?;
    let mut lines = input.lines();
    loop {
        if interactive {
            let prompt = format!("{}> ", session.actor.user_id);
            output.write_all(prompt.as_bytes()).await?;
        }
        output.flush().await?;
        let Some(line) = lines.next_line().await? else {
            break;
        };
        let line = line.trim();
        if line.is_empty() && !interactive {
            continue;
        }
        let reply = match line.strip_prefix(':') {
            Some(meta) => match session.meta(meta, &mut output).await? {
                Some(reply) => reply,
                None => break,
            },
            None => session.command(line).await,
        };
        output.write_all(format!("{reply}\n").as_bytes()).await?;
        session.deliver(&mut output).await?;
    }
    output.flush().await?;
    Ok(())
}

/// `--now` freezes a pretend time; without it the shell runs on real time. Both can jump ahead.
fn start_clock(now: Option<&str>) -> anyhow::Result<ShellClock> {
    let Some(at) = now else {
        return Ok(ShellClock::Live(Arc::new(OffsetClock::default())));
    };
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339(at)
        .with_context(|| {
            format!("--now `{at}` is not an RFC 3339 instant such as 2026-03-27T09:00:00Z")
        })?
        .with_timezone(&Utc);
    Ok(ShellClock::Frozen(Arc::new(ManualClock::new(start))))
}

/// One person at the terminal, in one workspace, on one clock.
struct Session {
    core: Core,
    outbox: Arc<Outbox>,
    clock: ShellClock,
    actor: Actor,
    pretend: bool,
}

impl Session {
    fn banner(&self) -> String {
        format!(
            "officehours shell — you are @{} · {} UTC · type :help\n{}",
            self.actor.user_id,
            self.clock.shared().now().format("%a %Y-%m-%d %H:%M"),
            if self.pretend {
                ""
            } else {
                "(acting in a real workspace's data: reminders are left for the bot to deliver)\n"
            }
        )
    }

    /// A shell command (`:as`, `:tz`, `:advance`…); `None` means leave.
    async fn meta<W: AsyncWrite + Unpin>(
        &mut self,
        meta: &str,
        output: &mut W,
    ) -> anyhow::Result<Option<String>> {
        let (word, rest) = meta.split_once(char::is_whitespace).unwrap_or((meta, ""));
        let rest = rest.trim();
        Ok(Some(match word {
            "quit" | "q" | "exit" => return Ok(None),
            "help" => SHELL_HELP.to_owned(),
            "as" if !rest.is_empty() => {
                self.actor.user_id = clean_name(rest);
                format!("You are now @{}.", self.actor.user_id)
            }
            "tz" => match parse_zone(rest) {
                Ok(tz) => {
                    let profile = Profile {
                        tz: Some(tz.name().to_owned()),
                        display_name: None,
                    };
                    self.core.save_profile(&self.actor, &profile).await?;
                    format!(
                        "@{}'s profile time zone is now {}.",
                        self.actor.user_id,
                        tz.name()
                    )
                }
                Err(err) => err.to_string(),
            },
            "advance" => match parse_duration(&rest.replace(' ', "")) {
                Ok(by) => self.advance(by, output).await?,
                Err(err) => err.to_string(),
            },
            "now" => format!("It is {} UTC.", self.core.now().format("%a %Y-%m-%d %H:%M")),
            "home" => render(&self.core.home(&self.actor).await?),
            "forget" => render(&self.core.forget(&self.actor).await?),
            _ => format!("Unknown shell command `:{word}`. Type :help."),
        }))
    }

    /// Steps through the time so each reminder shows up when it would have.
    async fn advance<W: AsyncWrite + Unpin>(
        &self,
        by: chrono::Duration,
        output: &mut W,
    ) -> anyhow::Result<String> {
        let mut left = by;
        while left > chrono::Duration::zero() {
            let step = left.min(STEP);
            self.clock.advance(step);
            left -= step;
            self.deliver(output).await?;
        }
        Ok(format!(
            "It is now {} UTC.",
            self.core.now().format("%a %Y-%m-%d %H:%M")
        ))
    }

    /// What they would type after `/officehours` in Slack.
    async fn command(&self, line: &str) -> String {
        let text = line.strip_prefix("/officehours").unwrap_or(line);
        match self.core.run_text(&self.actor, text).await {
            Ok(handled) => match &handled.attachment {
                Some(file) => format!(
                    "{}\n📎 {} ({}):\n{}",
                    render(&handled.message),
                    file.title,
                    file.filename,
                    String::from_utf8_lossy(&file.content)
                ),
                None => render(&handled.message),
            },
            Err(err) => format!("Error: {err}"),
        }
    }

    /// Runs the scheduler once and prints what it sent (in the pretend workspace only).
    async fn deliver<W: AsyncWrite + Unpin>(&self, output: &mut W) -> anyhow::Result<()> {
        if !self.pretend {
            return Ok(());
        }
        self.core.deliver_due().await?;
        print_sent(&self.outbox, self.clock.shared().now(), output).await
    }
}

/// How finely `:advance` walks through time.
const STEP: chrono::Duration = chrono::Duration::minutes(15);

/// Prints the DMs the stand-in for Slack collected.
async fn print_sent<W: AsyncWrite + Unpin>(
    outbox: &Outbox,
    now: DateTime<Utc>,
    output: &mut W,
) -> anyhow::Result<()> {
    for (channel, message) in outbox.take() {
        let to: Vec<String> = channel.split(',').map(|user| format!("@{user}")).collect();
        let body: String = render(&message)
            .lines()
            .map(|line| format!("  │ {line}\n"))
            .collect();
        let header = format!(
            "📬 {} UTC · DM to {}\n",
            now.format("%a %Y-%m-%d %H:%M"),
            to.join(", ")
        );
        output.write_all(header.as_bytes()).await?;
        output.write_all(body.as_bytes()).await?;
    }
    Ok(())
}

/// `@Alice` and `alice` are the same pretend person.
fn clean_name(name: &str) -> String {
    name.trim().trim_start_matches('@').to_lowercase()
}
