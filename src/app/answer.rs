//! `/officehours <text>`: parsed once, classified, carried out by area (hours here and in
//! `hours`, nudges, presence), then followed by what any write needs (read model, status plan).

use std::sync::Arc;

use super::{Actor, Attachment, Core, CoreError, Handled, Trigger};
use crate::commands::parse::{
    self, CadenceCommand, Command, ConferenceCommand, NotifyCommand, OnSpec, ParseError,
    USAGE_LINES,
};
use crate::directory::viewer_of;
use crate::domain::status::{Viewer, ZoneSource};
use crate::store::Person;
use crate::views::replies;
use crate::views::Message;

/// A command's text, parsed once: the transport asks about it (does it need the zone first?) and
/// has it answered, as often as it needs, without parsing again.
#[derive(Debug, Clone)]
pub struct Understood {
    pub(super) parsed: Result<Command, ParseError>,
}

impl Understood {
    /// `/officehours` alone: who is open now and next, the busiest command by far.
    pub fn is_overview(&self) -> bool {
        matches!(self.parsed, Ok(Command::Overview))
    }
}

/// What kind of command it is, for what must happen around it.
struct Traits {
    /// Moves the person's hours: the read model and their status plan follow.
    moves_hours: bool,
    /// Changes when they are open to others (hours, or away): notify DMs are planned again.
    moves_openings: bool,
    /// Writes nothing: safe to run again, and answered from the read model.
    read_only: bool,
    /// Where a mentor manages their hours: the place for the "connect your status" tip.
    tip_here: bool,
    /// Shows times, so an unknown zone matters.
    shows_times: bool,
}

impl Traits {
    fn of(command: &Command) -> Self {
        let moves_hours = matches!(
            command,
            Command::Add { .. }
                | Command::Remove(_)
                | Command::On(_)
                | Command::Off
                | Command::Tz(_)
        );
        Self {
            moves_hours,
            moves_openings: moves_hours || matches!(command, Command::Away(_)),
            read_only: matches!(
                command,
                Command::Overview
                    | Command::Help
                    | Command::Lookup(_)
                    | Command::List
                    | Command::Find(_)
                    | Command::Team
                    | Command::Conference(ConferenceCommand::List)
                    | Command::Notify(NotifyCommand::List)
            ),
            tip_here: moves_hours || matches!(command, Command::List),
            shows_times: !matches!(command, Command::Help | Command::Tz(_)),
        }
    }
}

impl Core {
    pub fn understand(&self, text: &str) -> Understood {
        Understood {
            parsed: parse::parse(text),
        }
    }

    /// Parses and answers in one go (the shell, `@officehours` in a channel).
    pub async fn run_text(&self, actor: &Actor, text: &str) -> Result<Handled, CoreError> {
        self.answer(actor, None, None, &self.understand(text)).await
    }

    /// A command that saves times in the asker's zone, from someone whose zone was never looked
    /// up: the transport looks it up first, so "Tuesdays at 10:00" is not saved in UTC.
    pub async fn needs_zone_first(&self, actor: &Actor, understood: &Understood) -> bool {
        if !understood.parsed.as_ref().is_ok_and(depends_on_zone) {
            return false;
        }
        match self.store.person(&actor.team_id, &actor.user_id).await {
            Ok(Some(person)) => {
                person.tz_override.is_none()
                    && person.slack_tz.is_none()
                    && person.slack_tz_checked_at.is_none()
            }
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// Answers a command. Bad input is a friendly reply, never an error, never a write. `channel`
    /// is where it was typed (some settings, like mention hints, are per channel). A command that
    /// writes is carried out once per `trigger`: a replay is told so and changes nothing.
    pub async fn answer(
        &self,
        actor: &Actor,
        trigger: Option<Trigger<'_>>,
        channel: Option<&str>,
        understood: &Understood,
    ) -> Result<Handled, CoreError> {
        let command = match &understood.parsed {
            Ok(command) => command.clone(),
            Err(error) => {
                let message = replies::parse_error(
                    &error.problem,
                    error.usage,
                    error.example,
                    &actor.user_id,
                );
                return Ok(Handled {
                    message: Arc::new(message),
                    zone_unknown: false,
                    read_only: true,
                    attachment: None,
                });
            }
        };
        let traits = Traits::of(&command);
        // Reading twice is harmless, and the busiest commands read: only writes are remembered.
        if !traits.read_only && !self.first_time(actor, trigger).await? {
            return Ok(replayed());
        }
        let person = self.asker(actor, traits.read_only).await?;
        let viewer = viewer_of(&person);
        if let Command::Overview = command {
            // The busiest command: answered from the read model, nothing after it applies.
            return self.overview(actor, &viewer).await;
        }
        let (message, attachment) = self
            .carry_out(actor, channel, command, &person, &viewer)
            .await?;
        let message = self.after(actor, &traits, message).await?;
        Ok(Handled {
            message: Arc::new(message),
            zone_unknown: traits.shows_times && viewer.zone_source == ZoneSource::Unknown,
            read_only: traits.read_only,
            attachment,
        })
    }

    /// `answer` for `/officehours` alone (see `Understood::is_overview`), read from memory. Its
    /// future is a small fraction of `answer`'s, which holds room for every command's: a
    /// transport that boxes the work per request allocates that much less.
    pub async fn answer_overview(&self, actor: &Actor) -> Result<Handled, CoreError> {
        let person = self.asker(actor, true).await?;
        self.overview(actor, &viewer_of(&person)).await
    }

    /// The asker as the command needs them. A write saves instants worked out in their zone: read
    /// it from the database, not from a copy another replica may have changed a moment ago.
    async fn asker(&self, actor: &Actor, read_only: bool) -> Result<Arc<Person>, CoreError> {
        if read_only {
            return Ok(self
                .directory
                .person(&actor.team_id, &actor.user_id)
                .await?);
        }
        let person = self.store.person(&actor.team_id, &actor.user_id).await?;
        Ok(Arc::new(person.unwrap_or_else(|| {
            Person::new(&actor.team_id, &actor.user_id)
        })))
    }

    async fn overview(&self, actor: &Actor, viewer: &Viewer) -> Result<Handled, CoreError> {
        let now = self.clock.now();
        let message = self
            .directory
            .answer(&actor.team_id, viewer, now, |statuses| {
                replies::overview(viewer, now, statuses)
            })
            .await?;
        Ok(Handled {
            message,
            zone_unknown: viewer.zone_source == ZoneSource::Unknown,
            read_only: true,
            attachment: None,
        })
    }

    /// One command, by area.
    async fn carry_out(
        &self,
        actor: &Actor,
        channel: Option<&str>,
        command: Command,
        person: &Person,
        viewer: &Viewer,
    ) -> Result<(Message, Option<Attachment>), CoreError> {
        let message = match command {
            Command::Help => replies::help(USAGE_LINES),
            Command::Export => return self.export(actor).await,
            Command::ForgetMe => replies::forget_me_confirm(),
            Command::OneOnOne(cadence) => self.nudges.one_on_one(actor, cadence).await?,
            Command::Debrief {
                project,
                date,
                participants,
            } => {
                let ids = participants.into_iter().map(|p| p.id).collect();
                self.nudges.debrief(actor, project, date, ids).await?
            }
            Command::Review { report, date } => self.nudges.review(actor, &report.id, date).await?,
            Command::Conference(conference) => self.nudges.conference(actor, conference).await?,
            Command::Team => self.nudges.team(actor).await?,
            Command::Notify(notify) => self.nudges.notify(actor, notify).await?,
            Command::Connect => self.presence.connect(actor).await?,
            Command::Disconnect => self.presence.disconnect(actor).await?,
            Command::Away(until) => self.presence.away(actor, viewer.tz, until).await?,
            Command::Calendar { reset } => self.presence.calendar(actor, reset).await?,
            line @ (Command::Ask { .. }
            | Command::AskCancel(_)
            | Command::Queue
            | Command::Next
            | Command::Link(_)
            | Command::Late(_)) => self.nudges.line(actor, viewer, line).await?,
            hours => self.hours(actor, channel, hours, person, viewer).await?,
        };
        Ok((message, None))
    }

    /// What every write is followed by: the read model re-read, the status replanned, and for a
    /// mentor managing their hours, once, the tip to connect their status.
    async fn after(
        &self,
        actor: &Actor,
        traits: &Traits,
        mut message: Message,
    ) -> Result<Message, CoreError> {
        if !traits.read_only {
            self.refresh_directory(&actor.team_id).await;
        }
        if traits.moves_hours {
            self.replan(actor).await;
        } else if traits.moves_openings {
            self.replan_notify(actor).await;
        }
        if traits.moves_openings {
            // What her line is told as she closes and opens follows her hours, and her away
            // too (else the notice for a window she is away at is cancelled there, and nothing
            // plans it for the window she is back at).
            if let Err(err) = self
                .nudges
                .replan_line(&actor.team_id, &actor.user_id)
                .await
            {
                tracing::warn!(error = %err, "could not replan the held questions");
            }
        }
        if !traits.read_only {
            // What the command planned for now (the mentor's "someone joined" DM, a place DM)
            // goes out without waiting for the next tick; the rows are committed by now.
            self.scheduler.wake();
        }
        if traits.tip_here {
            let me = self.store.mentor(&actor.team_id, &actor.user_id).await?;
            if !me.windows.is_empty() {
                if let Some(tip) = self.presence.connect_tip(actor).await? {
                    message.push(tip);
                }
            }
        }
        Ok(message)
    }

    async fn export(&self, actor: &Actor) -> Result<(Message, Option<Attachment>), CoreError> {
        let data = self
            .store
            .export_person(&actor.team_id, &actor.user_id)
            .await?;
        let file = Attachment {
            filename: "officehours-export.json".to_owned(),
            title: "Everything officehours keeps about you".to_owned(),
            content: serde_json::to_vec_pretty(&data).unwrap_or_default(),
        };
        Ok((replies::export_on_its_way(), Some(file)))
    }
}

/// The answer to a command Slack delivered again: Slack shows no second answer to the same
/// invocation, so this is for whoever replays it by hand.
fn replayed() -> Handled {
    Handled {
        message: Arc::new(replies::simple(
            ":repeat: That command was already received and carried out once; nothing more was done.",
        )),
        zone_unknown: false,
        read_only: true,
        attachment: None,
    }
}

/// Commands that save an instant computed in the asker's zone (a cadence, a date, "until 17:00").
fn depends_on_zone(command: &Command) -> bool {
    matches!(
        command,
        Command::On(OnSpec::Until(_) | OnSpec::UntilEndOfDay)
            | Command::OneOnOne(CadenceCommand::Set { .. })
            | Command::Debrief { .. }
            | Command::Review { .. }
            | Command::Conference(ConferenceCommand::Join { .. })
            | Command::Notify(NotifyCommand::Watch(_))
            | Command::Ask { .. }
    )
}
