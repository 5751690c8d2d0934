//! The terminal adapter: type `/officehours` commands as a pretend user and read the replies as
//! text; press any button by its number, fill in modals, talk in a pretend channel, and watch
//! what the bot does as the pretend clock moves on.

mod browser;
mod clock;
mod editor;
mod lines;
mod meta;
mod outbox;
mod presses;
mod story;

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncWrite};

use crate::app::{Actor, ChannelMessage, Core};
use crate::clock::Clock;
use crate::config::ShellArgs;
use crate::ports::slack::SlackApi;
use crate::views::text::{render_numbered, Style};
use crate::views::Message;
use clock::ShellClock;
use lines::{Piped, Terminal};
use outbox::{Outbox, Sent};
use presses::{Origin, Presses};

pub use editor::history_next_to;

/// `assemble` builds the core around the shell's clock and its stand-in for Slack (the wiring
/// knows the database; the shell does not). `history` is where the line editor keeps what was
/// typed (next to the database), when a person types on a terminal.
pub async fn run<R, W, F>(
    args: ShellArgs,
    assemble: F,
    history: Option<std::path::PathBuf>,
    input: R,
    output: W,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
    F: FnOnce(Arc<dyn Clock>, Arc<dyn SlackApi>) -> Core,
{
    let clock = ShellClock::start(args.now.as_deref())?;
    let outbox = Arc::new(Outbox::new(clock.shared()));
    let core = assemble(clock.shared(), outbox.clone());
    let on_terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let term: Box<dyn Terminal> = if on_terminal {
        Box::new(editor::Editor::start(history)?)
    } else {
        Box::new(Piped::new(input, output))
    };
    let user = meta::handle(&args.user).unwrap_or_else(|| "you".to_owned());
    let mut session = Session {
        core,
        outbox,
        clock,
        actor: Actor {
            team_id: args.team.clone(),
            user_id: user.clone(),
        },
        // In a real workspace's data the shell must not deliver (it would mark real reminders
        // sent without Slack ever seeing them); in the pretend one it shows what would go out.
        pretend: args.team == crate::config::SHELL_TEAM,
        style: Style {
            ansi: on_terminal && std::env::var_os("NO_COLOR").is_none(),
        },
        presses: Presses::default(),
        channel: None,
        people: BTreeSet::from([user]),
        term,
    };
    session.run().await
}

/// One person at the terminal, in one workspace, on one clock.
struct Session {
    core: Core,
    outbox: Arc<Outbox>,
    clock: ShellClock,
    actor: Actor,
    pretend: bool,
    style: Style,
    presses: Presses,
    /// The pretend channel they are in (`:in #general`), if any.
    channel: Option<String>,
    /// Everyone met so far: the people acted as and mentioned (for completion and `:as`).
    people: BTreeSet<String>,
    term: Box<dyn Terminal>,
}

impl Session {
    async fn run(&mut self) -> anyhow::Result<()> {
        let banner = self.banner();
        self.term.write(&banner).await?;
        loop {
            let prompt = match &self.channel {
                Some(channel) => format!("{} in #{channel}> ", self.actor.user_id),
                None => format!("{}> ", self.actor.user_id),
            };
            let Some(line) = self.term.read_line(&prompt).await? else {
                break;
            };
            let line = line.trim();
            if line.is_empty() && !self.term.interactive() {
                continue;
            }
            let reply = match line.strip_prefix(':') {
                Some(meta) => match self.meta(meta).await? {
                    Some(reply) => reply,
                    None => break,
                },
                None => self.typed(line).await?,
            };
            let delivered = self.deliver().await?;
            self.term.write(&format!("{reply}\n{delivered}")).await?;
        }
        self.term.write("").await
    }

    fn banner(&self) -> String {
        format!(
            "officehours shell — you are @{} · {} · type :help\n{}",
            self.actor.user_id,
            story::stamp(self.clock.now()),
            if self.pretend {
                ""
            } else {
                "(acting in a real workspace's data: reminders are left for the bot to deliver)\n"
            }
        )
    }

    /// A line that is not a shell command: a command, or in a channel a message to it.
    async fn typed(&mut self, line: &str) -> anyhow::Result<String> {
        self.meet_mentions(line);
        let Some(channel) = self.channel.clone() else {
            return self.command(line, None).await;
        };
        if is_command(&self.core, line) {
            return self.command(line, Some(&channel)).await;
        }
        self.say(&channel, line).await
    }

    /// What they would type after `/officehours` in Slack (`channel`: where they typed it).
    async fn command(&mut self, line: &str, channel: Option<&str>) -> anyhow::Result<String> {
        let text = line.strip_prefix("/officehours").unwrap_or(line);
        let understood = self.core.understand(text);
        let handled = match self
            .core
            .answer(&self.actor, None, channel, &understood)
            .await
        {
            Ok(handled) => handled,
            Err(err) => return Ok(format!("Error: {err}")),
        };
        let mut shown = self.show(&handled.message, Origin::reply(&self.actor));
        if let Some(file) = &handled.attachment {
            shown.push_str(&format!(
                "\n📎 {} ({}):\n{}",
                file.title,
                file.filename,
                String::from_utf8_lossy(&file.content)
            ));
        }
        if let Some(feed) = self.feed_preview(&shown).await? {
            shown.push_str(&feed);
        }
        // In the shell, whoever types is whoever runs the bot: say how to give it the address.
        if shown.contains("needs the bot's public address") {
            shown.push_str(
                "\nIn the shell: start it with --public-url https://officehours.example.com (or set PUBLIC_URL) to get the feed's address and see its first events.",
            );
        }
        Ok(shown)
    }

    /// A message posted in the pretend channel: `@name` becomes a mention, as Slack sends it.
    async fn say(&mut self, channel: &str, line: &str) -> anyhow::Result<String> {
        let text = as_mentions(line);
        let message = ChannelMessage {
            team_id: &self.actor.team_id,
            channel,
            sender: Some(&self.actor.user_id),
            text: &text,
            subtype: None,
            bot_id: None,
        };
        let hinted = self.core.channel_message(message, None).await?;
        Ok(format!(
            "(posted in #{channel}{})",
            if hinted { "" } else { "; no hint for it" }
        ))
    }

    /// Renders a message with its buttons numbered for `:press`.
    fn show(&mut self, message: &Message, origin: Origin) -> String {
        let presses = &mut self.presses;
        render_numbered(message, self.style, &mut |pressable| {
            Some(presses.number(pressable, origin.clone()))
        })
    }

    /// Runs the scheduler once and tells what it sent (in the pretend workspace only).
    async fn deliver(&mut self) -> anyhow::Result<String> {
        if !self.pretend {
            return Ok(String::new());
        }
        self.core.deliver_due().await?;
        let mut told = String::new();
        for shown in self.outbox.take_statuses() {
            told.push_str(&story::status_line(&shown, self.clock.now()));
        }
        for sent in self.outbox.take() {
            told.push_str(&self.sent_line(&sent));
        }
        Ok(told)
    }

    fn sent_line(&mut self, sent: &Sent) -> String {
        let (header, origin) = match &sent.only_for {
            Some(user) => (
                format!("👁 only @{user} sees this in #{}", sent.channel),
                Origin::to(user),
            ),
            None => {
                let to: Vec<String> = sent.channel.split(',').map(|u| format!("@{u}")).collect();
                (
                    format!("DM to {}", to.join(", ")),
                    Origin::dm(&sent.channel),
                )
            }
        };
        let body: String = self
            .show(&sent.message, origin)
            .lines()
            .map(|line| format!("  │ {line}\n"))
            .collect();
        format!("📬 {} · {header}\n{body}", story::stamp(self.clock.now()))
    }

    /// `calendar` replies with the feed's address: show what a calendar app would get from it.
    async fn feed_preview(&self, shown: &str) -> anyhow::Result<Option<String>> {
        let Some(secret) = shown
            .split("/ics/")
            .nth(1)
            .and_then(|rest| rest.split(".ics").next())
        else {
            return Ok(None);
        };
        // Holding no tags, the feed always comes with its text.
        let Some(body) = self
            .core
            .calendar_feed(secret, &[])
            .await?
            .and_then(|f| f.body)
        else {
            return Ok(None);
        };
        Ok(Some(meta::feed_events(&body)))
    }

    fn meet_mentions(&mut self, line: &str) {
        for word in line.split_whitespace() {
            if let Some(name) = word.strip_prefix('@').and_then(meta::handle) {
                self.people.insert(name);
            }
        }
        let names: Vec<String> = self.people.iter().cloned().collect();
        self.term.learn_names(&names);
    }
}

/// In a channel, a line is a command when it starts with `/officehours` or reads as one
/// (`hints off`); anything else is a message to the channel.
fn is_command(core: &Core, line: &str) -> bool {
    if line.starts_with('/') {
        return true;
    }
    core.understand(line).reads_as_command()
}

/// `@bob` → `<@bob>`: how Slack sends a mention in a message.
fn as_mentions(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            let Some(rest) = word.strip_prefix('@') else {
                return word.to_owned();
            };
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_')))
                .unwrap_or(rest.len());
            let name = rest[..len].trim_end_matches(['.', '-', '_']);
            if name.is_empty() {
                word.to_owned()
            } else {
                format!("<@{}>{}", name.to_lowercase(), &rest[name.len()..])
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
