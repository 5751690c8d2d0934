//! The shell's own commands (`:as`, `:tz`, `:advance`, `:press`, `:in`…): what Slack would know
//! or do without anyone typing `/officehours`.

use chrono::NaiveDateTime;

use super::clock::{advance_target, parse_instant};
use super::presses::Origin;
use super::story::stamp;
use super::Session;
use crate::domain::zone::parse_zone;
use crate::ports::slack::Profile;

const SHELL_HELP: &str = "\
Type what you would type after /officehours in Slack, e.g.
  add tue,thu 14:00-15:00 career, rust      list      on for 2h      @bob      find rust
Buttons show a number, like [1] Done: press one with :press 1.
Shell commands:
  :as NAME        act as another person (:as Bob Smith is @bob.smith); :as alone says who you are
  :tz ZONE        set this person's Slack profile time zone, e.g. :tz Europe/Berlin
  :advance 3d     move the pretend clock on (30m, 2h, 1d, 1w, 3mo, 1y) and see what happens meanwhile
  :now [INSTANT]  show the pretend time, or jump to one (:now 2026-01-01 09:00, UTC)
  :press N        press button [N], as the person it was shown to
  :status [TEXT]  your own Slack status, as you would set it in Slack (:status :palm_tree: On leave;
                  :status clear); connect (then press [Connect]) lets the bot show office hours there
  :in #general    be in a channel: messages you type there get mention hints; /officehours
                  commands (and lines that read as one, like hints off) run in that channel
  :out            leave the channel
  :home           show this person's App Home tab
  :forget         confirm `forget me` (the same as pressing its button)
  :help           this text
  :quit           leave (Ctrl-D works too)";

/// How far a person is from their name in the shell: `Bob Smith` → `bob.smith`, `@Ana` → `ana`.
pub(super) fn handle(name: &str) -> Option<String> {
    let joined = name
        .trim()
        .trim_start_matches('@')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(".")
        .to_lowercase();
    let kept: String = joined
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let kept = kept.trim_matches(['.', '-', '_']).to_owned();
    (!kept.is_empty()).then_some(kept)
}

impl Session {
    /// A shell command; `None` means leave.
    pub(super) async fn meta(&mut self, meta: &str) -> anyhow::Result<Option<String>> {
        let (word, rest) = meta.split_once(char::is_whitespace).unwrap_or((meta, ""));
        let rest = rest.trim();
        Ok(Some(match word.to_lowercase().as_str() {
            "quit" | "q" | "exit" => return Ok(None),
            "help" | "h" | "?" => SHELL_HELP.to_owned(),
            "as" => self.become_person(rest),
            "tz" => self.profile_zone(rest).await?,
            "advance" | "adv" => match advance_target(rest, self.clock.now()) {
                Ok(target) => {
                    let told = self.advance_to(target).await?;
                    format!("{told}It is now {}.", stamp(self.clock.now()))
                }
                Err(problem) => problem,
            },
            "now" if rest.is_empty() => format!("It is {}.", stamp(self.clock.now())),
            "now" => match parse_instant(rest) {
                Ok(to) => {
                    self.clock.set(to);
                    format!(
                        "It is now {}. (A jump: reminders more than a day overdue are dropped, as the bot would after a long outage; :advance tells what happens on the way.)",
                        stamp(to)
                    )
                }
                Err(problem) => problem,
            },
            "press" | "p" => self.press(rest).await?,
            "status" => self.own_status(rest),
            "in" => self.enter(rest),
            "out" | "leave" => match self.channel.take() {
                Some(channel) => format!("You left #{channel}."),
                None => "You aren't in a channel. :in #general enters one.".to_owned(),
            },
            "home" => {
                let home = self.core.home(&self.actor).await?;
                self.show(&home, Origin::home(&self.actor))
            }
            "forget" => {
                let gone = self.core.forget(&self.actor).await?;
                self.show(&gone, Origin::reply(&self.actor))
            }
            _ => format!("Unknown shell command `:{word}`. Type :help."),
        }))
    }

    fn become_person(&mut self, name: &str) -> String {
        if name.is_empty() {
            let met: Vec<String> = self.people.iter().map(|p| format!("@{p}")).collect();
            return format!(
                "You are @{}. Switch with :as NAME (e.g. :as Bob Smith becomes @bob.smith). People so far: {}.",
                self.actor.user_id,
                met.join(", ")
            );
        }
        match handle(name) {
            Some(user) => {
                self.actor.user_id = user.clone();
                self.people.insert(user.clone());
                let names: Vec<String> = self.people.iter().cloned().collect();
                self.term.learn_names(&names);
                format!("You are now @{user}.")
            }
            None => format!("`{name}` has no letters or digits to make a name of. Try :as bob."),
        }
    }

    /// `:tz`: what Slack's profile says (a zone chosen with `/officehours tz` still comes first,
    /// as in Slack).
    async fn profile_zone(&mut self, zone: &str) -> anyhow::Result<String> {
        if zone.is_empty() {
            return Ok("Which zone? Say :tz Europe/Berlin.".to_owned());
        }
        let tz = match parse_zone(zone) {
            Ok(tz) => tz,
            Err(err) => return Ok(err.to_string()),
        };
        let profile = Profile {
            tz: Some(tz.name().to_owned()),
            display_name: None,
        };
        self.core.save_profile(&self.actor, &profile).await?;
        Ok(format!(
            "@{}'s profile time zone is now {}.",
            self.actor.user_id,
            tz.name()
        ))
    }

    /// `:status`: what a hover shows, or the person setting their own status in Slack.
    fn own_status(&mut self, typed: &str) -> String {
        if !self.pretend {
            return "In a real workspace's data the shell has no Slack status to show or set: that is in Slack itself.".to_owned();
        }
        let user = self.actor.user_id.clone();
        if typed.is_empty() {
            let now = self.outbox.status_of(&user);
            let shown = format!("{} {}", now.emoji, now.text);
            return match shown.trim() {
                "" => format!(
                    "@{user} has no Slack status. Set one with :status :palm_tree: On leave."
                ),
                shown => format!("@{user}'s Slack status: {shown}. :status clear clears it."),
            };
        }
        if typed.eq_ignore_ascii_case("clear") {
            self.outbox.set_by_person(&user, Default::default());
            return format!("@{user} cleared their Slack status.");
        }
        let status = own_status(typed);
        let length = status.text.chars().count();
        if length > MAX_STATUS_TEXT {
            return format!("Slack keeps a status to at most {MAX_STATUS_TEXT} characters; that is {length}. Nothing was changed.");
        }
        self.outbox.set_by_person(&user, status);
        format!("@{user} set their own Slack status: {typed}")
    }

    fn enter(&mut self, channel: &str) -> String {
        let name = channel.trim().trim_start_matches('#').to_lowercase();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "-_".contains(c))
        {
            return match &self.channel {
                Some(current) => format!("You are in #{current}. :out leaves it."),
                None => "Say which channel: :in #general.".to_owned(),
            };
        }
        self.channel = Some(name.clone());
        format!(
            "You are in #{name}. What you type is posted there (mention someone with @name); commands such as hints off apply to #{name}. :out leaves."
        )
    }
}

/// The longest status text Slack's own status field takes.
const MAX_STATUS_TEXT: usize = 100;

/// `:palm_tree: On leave` → that emoji and text; without a leading `:emoji:`, text only.
fn own_status(typed: &str) -> crate::domain::slack_status::SlackStatus {
    let (first, rest) = typed.split_once(' ').unwrap_or((typed, ""));
    let is_emoji = first.len() > 2 && first.starts_with(':') && first.ends_with(':');
    let (emoji, text) = if is_emoji { (first, rest) } else { ("", typed) };
    crate::domain::slack_status::SlackStatus {
        text: text.trim().to_owned(),
        emoji: emoji.to_owned(),
        expiration: 0,
    }
}

/// One event of a feed, as read from its lines.
#[derive(Default, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    start: String,
    end: String,
    zone: String,
    summary: String,
    days: String,
}

/// The first events of a calendar feed, as a calendar app would list them.
pub(super) fn feed_events(ics: &str) -> String {
    let unfolded = ics.replace("\r\n ", "").replace("\n ", "");
    let mut events = Vec::new();
    let mut current: Option<Event> = None;
    for line in unfolded.lines().map(str::trim_end) {
        match line {
            "BEGIN:VEVENT" => current = Some(Event::default()),
            "END:VEVENT" => events.extend(current.take()),
            _ => {
                if let Some(event) = current.as_mut() {
                    read_property(event, line);
                }
            }
        }
    }
    events.sort();
    let shown: Vec<String> = events
        .iter()
        .take(3)
        .map(|e| {
            let repeats = if e.days.is_empty() {
                ics_time(&e.start, "%a %-d %b")
            } else {
                format!("every {} from {}", e.days, ics_time(&e.start, "%-d %b"))
            };
            format!(
                "  • {repeats}, {}–{} {}: {}",
                ics_time(&e.start, "%H:%M"),
                ics_time(&e.end, "%H:%M"),
                e.zone,
                e.summary
            )
        })
        .collect();
    match events.len() {
        0 => "\nThe feed has no events yet: add a window first.".to_owned(),
        n => format!(
            "\nA calendar app subscribed to it sees {}:\n{}",
            crate::views::replies::counted(n, "event", "events"),
            shown.join("\n")
        ),
    }
}

fn read_property(event: &mut Event, line: &str) {
    let (name, value) = line.split_once(':').unwrap_or((line, ""));
    let (property, params) = name.split_once(';').unwrap_or((name, ""));
    match property {
        "DTSTART" => {
            event.start = value.to_owned();
            event.zone = params
                .split(';')
                .find_map(|p| p.strip_prefix("TZID="))
                .unwrap_or("UTC")
                .to_owned();
        }
        "DTEND" => event.end = value.to_owned(),
        "SUMMARY" => event.summary = value.replace("\\,", ",").replace("\\;", ";"),
        "RRULE" => {
            let days = value
                .split(';')
                .find_map(|part| part.strip_prefix("BYDAY="))
                .unwrap_or_default();
            event.days = days
                .split(',')
                .filter_map(day_name)
                .collect::<Vec<_>>()
                .join(", ");
        }
        _ => {}
    }
}

fn day_name(code: &str) -> Option<&'static str> {
    Some(
        match code.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
            "MO" => "Mon",
            "TU" => "Tue",
            "WE" => "Wed",
            "TH" => "Thu",
            "FR" => "Fri",
            "SA" => "Sat",
            "SU" => "Sun",
            _ => return None,
        },
    )
}

fn ics_time(value: &str, format: &str) -> String {
    NaiveDateTime::parse_from_str(value.trim_end_matches('Z'), "%Y%m%dT%H%M%S")
        .map(|t| t.format(format).to_string())
        .unwrap_or_else(|_| value.to_owned())
}
