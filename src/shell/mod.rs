//! The terminal adapter: type `/officehours` commands as a pretend user and read the replies as text;
//! reminders the scheduler would send as DMs are printed as the pretend clock passes them.

mod outbox;

use anyhow::Context;
use chrono::{DateTime, Utc};
use std::io::IsTerminal;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::clock::{Clock, ManualClock, OffsetClock};
use crate::commands::{Actor, Core};
use crate::config::ShellArgs;
use crate::deliveries::Deliveries;
use crate::domain::duration::parse_duration;
use crate::domain::zone::parse_zone;
use crate::nudges::NudgeSettings;
use crate::presence::{Presence, PresenceSettings};
use crate::scheduler::{Scheduler, SchedulerSettings};
use crate::store::Store;
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

pub async fn run<R, W>(
    store: Arc<dyn Store>,
    settings: NudgeSettings,
    args: ShellArgs,
    input: R,
    mut output: W,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let clock = match args.now.as_deref() {
        Some(at) => {
            let start: DateTime<Utc> = DateTime::parse_from_rfc3339(at)
                .with_context(|| {
                    format!("--now `{at}` is not an RFC 3339 instant such as 2026-03-27T09:00:00Z")
                })?
                .with_timezone(&Utc);
            ShellClock::Frozen(Arc::new(ManualClock::new(start)))
        }
        None => ShellClock::Live(Arc::new(OffsetClock::default())),
    };
    let outbox = Arc::new(Outbox::default());
    // No Slack account to connect in a terminal: presence runs without a key.
    let presence = Presence::new(
        store.clone(),
        clock.shared(),
        outbox.clone(),
        None,
        PresenceSettings::default(),
    );
    let core = Core::new(store.clone(), clock.shared(), settings, presence.clone());
    // In a real workspace's data the shell must not deliver (it would mark real reminders sent
    // without Slack ever seeing them); in the pretend one it shows what would go out.
    let pretend = args.team == crate::config::SHELL_TEAM;
    let scheduler = pretend.then(|| {
        Arc::new(Scheduler::new(
            store.clone(),
            outbox.clone(),
            clock.shared(),
            Arc::new(Deliveries {
                nudges: core.nudges().clone(),
                presence,
            }),
            SchedulerSettings {
                per_channel: std::time::Duration::ZERO,
                only_team: Some(args.team.clone()),
                ..Default::default()
            },
        ))
    });
    let interactive = std::io::stdin().is_terminal();
    let mut actor = Actor {
        team_id: args.team.clone(),
        user_id: clean_name(&args.user),
    };

    let say = |text: String| format!("{text}\n");
    let banner = format!(
        "officehours shell — you are @{} · {} UTC · type :help\n{}",
        actor.user_id,
        clock.shared().now().format("%a %Y-%m-%d %H:%M"),
        if pretend {
            ""
        } else {
            "(acting in a real workspace's data: reminders are left for the bot to deliver)\n"
        }
    );
    output.write_all(banner.as_bytes()).await?;

    let mut lines = input.lines();
    loop {
        if interactive {
            output
                .write_all(format!("{}> ", actor.user_id).as_bytes())
                .await?;
        }
        output.flush().await?;
        let Some(line) = lines.next_line().await? else {
            break;
        };
        let line = line.trim();
        if line.is_empty() && !interactive {
            continue;
        }
        let reply = if let Some(meta) = line.strip_prefix(':') {
            let (word, rest) = meta.split_once(char::is_whitespace).unwrap_or((meta, ""));
            let rest = rest.trim();
            match word {
                "quit" | "q" | "exit" => break,
                "help" => SHELL_HELP.to_owned(),
                "as" if !rest.is_empty() => {
                    actor.user_id = clean_name(rest);
                    format!("You are now @{}.", actor.user_id)
                }
                "tz" => match parse_zone(rest) {
                    Ok(tz) => {
                        let now = core.now();
                        store
                            .set_slack_profile(
                                &actor.team_id,
                                &actor.user_id,
                                Some(tz.name()),
                                None,
                                now,
                            )
                            .await?;
                        format!(
                            "@{}'s profile time zone is now {}.",
                            actor.user_id,
                            tz.name()
                        )
                    }
                    Err(err) => err.to_string(),
                },
                "advance" => match parse_duration(&rest.replace(' ', "")) {
                    Ok(by) => {
                        // Step through the time so each reminder shows up when it would have.
                        let mut left = by;
                        while left > chrono::Duration::zero() {
                            let step = left.min(STEP);
                            clock.advance(step);
                            left -= step;
                            deliver(&scheduler, &outbox, clock.shared().now(), &mut output).await?;
                        }
                        format!("It is now {} UTC.", core.now().format("%a %Y-%m-%d %H:%M"))
                    }
                    Err(err) => err.to_string(),
                },
                "now" => format!("It is {} UTC.", core.now().format("%a %Y-%m-%d %H:%M")),
                "home" => render(&core.home(&actor).await?),
                "forget" => render(&core.forget(&actor).await?),
                _ => format!("Unknown shell command `:{word}`. Type :help."),
            }
        } else {
            let text = line.strip_prefix("/officehours").unwrap_or(line);
            match core.run_text(&actor, text).await {
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
        };
        output.write_all(say(reply).as_bytes()).await?;
        deliver(&scheduler, &outbox, clock.shared().now(), &mut output).await?;
    }
    output.flush().await?;
    Ok(())
}

/// How finely `:advance` walks through time.
const STEP: chrono::Duration = chrono::Duration::minutes(15);

/// Runs the scheduler once and prints what it sent.
async fn deliver<W: AsyncWrite + Unpin>(
    scheduler: &Option<Arc<Scheduler>>,
    outbox: &Outbox,
    now: DateTime<Utc>,
    output: &mut W,
) -> anyhow::Result<()> {
    let Some(scheduler) = scheduler else {
        return Ok(());
    };
    scheduler.tick().await?;
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
