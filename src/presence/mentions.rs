//! Hints on @mention: someone mentions a mentor in a channel, and only they see where the
//! mentor's office hours stand. One hint per sender and mentor per cooldown.

use super::{PresenceError, PresenceService};
use crate::directory::{status_of, viewer_of};
use crate::domain::presence::Presence as State;
use crate::domain::status::{MentorStatus, Viewer};
use crate::views::format::{away_label, instant_label, OccurrenceLabel};
use crate::views::{Block, Message};
use chrono::{DateTime, Utc};

/// A channel message as the Events API describes it.
#[derive(Debug, Clone, Copy)]
pub struct ChannelMessage<'a> {
    pub team_id: &'a str,
    pub channel: &'a str,
    pub sender: Option<&'a str>,
    pub text: &'a str,
    /// Edits, joins, bot posts and thread broadcasts have one; only plain messages get hints.
    pub subtype: Option<&'a str>,
    pub bot_id: Option<&'a str>,
}

/// The user ids mentioned in Slack's text (`<@U123>` or `<@U123|name>`), in order, once each.
pub fn mentioned(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('>') else { break };
        let id = after[..end].split('|').next().unwrap_or_default();
        if !id.is_empty()
            // Slack's ids are alphanumeric; the terminal shell's people are `bob.smith`.
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            && !ids.iter().any(|i| i == id)
        {
            ids.push(id.to_owned());
        }
        rest = &after[end + 1..];
    }
    ids
}

impl PresenceService {
    /// Returns whether a hint was sent. `bot_user_id` lets a message that mentions the bot be left
    /// to its `app_mention` twin, so it is answered once.
    pub async fn on_channel_message(
        &self,
        message: ChannelMessage<'_>,
        bot_user_id: Option<&str>,
    ) -> Result<bool, PresenceError> {
        let Some(sender) = message.sender else {
            return Ok(false);
        };
        if message.subtype.is_some() || message.bot_id.is_some() {
            return Ok(false);
        }
        let mentions = mentioned(message.text);
        if mentions.is_empty() || bot_user_id.is_some_and(|bot| mentions.iter().any(|m| m == bot)) {
            return Ok(false);
        }
        if self
            .store
            .channel_hints_off(message.team_id, message.channel)
            .await?
        {
            return Ok(false);
        }
        let lines = self.hint_lines(message.team_id, sender, &mentions).await?;
        if lines.is_empty() {
            return Ok(false);
        }
        let posted = match self.slack(message.team_id).await {
            Ok(slack) => {
                slack
                    .post_ephemeral(message.channel, sender, &hint(&lines))
                    .await
            }
            Err(err) => Err(err.into()),
        };
        if let Err(err) = posted {
            tracing::warn!(error = %err, "could not post a mention hint");
            return Ok(false);
        }
        Ok(true)
    }

    /// A line for each mentioned mentor who has office hours, has not turned hints off, has
    /// something to say (open, away, or a next opening), and was not hinted to this sender
    /// within the cooldown.
    async fn hint_lines(
        &self,
        team_id: &str,
        sender: &str,
        mentions: &[String],
    ) -> Result<Vec<(String, MentorStatus)>, PresenceError> {
        let now = self.now();
        let reader = self
            .store
            .person(team_id, sender)
            .await?
            .unwrap_or_else(|| crate::store::Person::new(team_id, sender));
        let viewer = viewer_of(&reader);
        let mut lines = Vec::new();
        for mentor_id in mentions.iter().filter(|m| m.as_str() != sender) {
            let mentor = self.store.mentor(team_id, mentor_id).await?;
            if mentor.windows.is_empty() || mentor.person.hints_off {
                continue;
            }
            let status = status_of(&mentor, now);
            let Some(line) = status_line(mentor_id, &status, &viewer, now) else {
                continue;
            };
            // Claimed before sending: a Slack retry or a second replica cannot hint twice.
            if self
                .store
                .claim_hint(team_id, sender, mentor_id, now, self.settings.hint_cooldown)
                .await?
            {
                lines.push((line, status));
            }
        }
        Ok(lines)
    }
}

/// Where the mentor's office hours stand, in the reader's zone; `None` when closed with nothing
/// planned, which is not worth a hint.
fn status_line(
    mentor_id: &str,
    status: &MentorStatus,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> Option<String> {
    Some(match status.presence {
        State::OpenScheduled { until } | State::OpenManual { until } => {
            format!(
                "<@{mentor_id}> is in office hours now, until {}",
                instant_label(until, status.tz, viewer, now)
            )
        }
        State::Closed => match (status.away_until, status.next) {
            (Some(until), _) => format!(
                "<@{mentor_id}> is away until {}",
                away_label(until, status.tz, now)
            ),
            (None, Some(next)) => format!(
                "<@{mentor_id}>'s next office hours: {}",
                OccurrenceLabel {
                    occurrence: next,
                    owner: status.tz,
                    viewer,
                    now,
                }
            ),
            (None, None) => return None,
        },
    })
}

fn hint(hinted: &[(String, MentorStatus)]) -> Message {
    let lines: Vec<&String> = hinted.iter().map(|(line, _)| line).collect();
    let text = if lines.len() == 1 {
        format!(":wave: {}.", lines[0])
    } else {
        format!(
            ":wave: Office hours of the people you mentioned:\n{}",
            lines
                .iter()
                .map(|l| format!("• {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    // One mentor: Drop in (or Ask for next time) right there, unless they are away.
    let drop_in = match hinted {
        [(_, status)] if status.away_until.is_none() => {
            Some(Block::Actions(vec![crate::views::line::drop_in_button(
                status,
            )]))
        }
        _ => None,
    };
    Message {
        fallback: text.clone(),
        blocks: [Block::text(text)]
            .into_iter()
            .chain(drop_in)
            .chain([Block::context(
                "Only you see this. `/officehours hints off` turns these off in this channel.",
            )])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::mentioned;

    #[test]
    fn finds_each_mention_once_in_slack_text() {
        assert_eq!(
            mentioned("hi <@U1> and <@U2|bob>, <@U1> again"),
            vec!["U1", "U2"]
        );
        assert_eq!(
            mentioned("no mentions, <#C1|general>, <!here>"),
            Vec::<String>::new()
        );
        assert_eq!(mentioned("broken <@U1"), Vec::<String>::new());
    }
}
