//! Buttons and modal submissions: what a press does, whichever surface it was on.

use std::collections::HashMap;

use super::{Actor, Core, CoreError, Trigger};
use crate::commands::parse::{Command, OnSpec};
use crate::views::{actions, replies, Message, Modal};

/// What a press asks the transport to do, in this order.
#[derive(Debug, Default)]
pub struct Pressed {
    /// Open this modal on the press's trigger (good for three seconds: first).
    pub modal: Option<Modal>,
    /// Replace the message the button was on.
    pub replace: Option<Message>,
    /// The person's hours changed: redraw the Home tab, or the list, the button was on.
    pub hours_changed: bool,
    /// Something else the Home tab shows changed (a 1:1 accepted or declined, the line moved
    /// on): redraw it if the button was there.
    pub home_changed: bool,
}

impl Core {
    /// A button: `action_id` and `value` as the view put them on it. A press is acted on once
    /// per `trigger`; a replay does nothing (Slack shows nothing for it either).
    pub async fn press(
        &self,
        actor: &Actor,
        trigger: Option<Trigger<'_>>,
        action_id: &str,
        value: &str,
    ) -> Result<Pressed, CoreError> {
        if !self.first_time(actor, trigger).await? {
            return Ok(Pressed::default());
        }
        let pressed = self.pressed(actor, action_id, value).await?;
        // What the press planned for now (a call DM, say) goes out without waiting for a tick.
        self.scheduler.wake();
        Ok(pressed)
    }

    async fn pressed(
        &self,
        actor: &Actor,
        action_id: &str,
        value: &str,
    ) -> Result<Pressed, CoreError> {
        match action_id {
            actions::REMOVE_WINDOW => {
                match value.parse::<i64>() {
                    Ok(id) => {
                        if !self.remove_window_by_id(actor, id).await? {
                            tracing::info!(
                                window.id = id,
                                "remove pressed for a window that is already gone"
                            );
                        }
                    }
                    Err(_) => tracing::warn!("remove button without a window id"),
                }
                Ok(hours_changed())
            }
            actions::FORGET_ME => Ok(Pressed {
                replace: Some(self.forget(actor).await?),
                ..Pressed::default()
            }),
            actions::SET_AVAILABLE => {
                let command = if value == "on" {
                    Command::On(OnSpec::UntilEndOfDay)
                } else {
                    Command::Off
                };
                let understood = super::Understood {
                    parsed: Ok(command),
                };
                self.answer(actor, None, None, &understood).await?;
                Ok(hours_changed())
            }
            other => match self.nudges.action(actor, other, value).await? {
                Some(outcome) => Ok(Pressed {
                    modal: outcome.modal,
                    replace: outcome.replace,
                    hours_changed: false,
                    home_changed: matches!(
                        other,
                        actions::ONE_ON_ONE_ACCEPT
                            | actions::ONE_ON_ONE_DECLINE
                            | actions::LINE_NEXT
                            | actions::LINE_DONE
                            | actions::LINE_NOT_TODAY
                    ),
                }),
                None => {
                    tracing::debug!(action_id = other, "unknown action");
                    Ok(Pressed::default())
                }
            },
        }
    }

    /// A modal submission. `Ok(Err(…))` carries per-field messages to show in the modal. It is
    /// saved once per `trigger`: a replay closes the modal and saves nothing.
    pub async fn submit(
        &self,
        actor: &Actor,
        trigger: Option<Trigger<'_>>,
        callback_id: &str,
        metadata: &str,
        values: &HashMap<String, String>,
    ) -> Result<Result<(), HashMap<String, String>>, CoreError> {
        if !self.first_time(actor, trigger).await? {
            return Ok(Ok(()));
        }
        let submitted = self
            .nudges
            .submit(actor, callback_id, metadata, values)
            .await?;
        if submitted.is_err() {
            // Sent back to be corrected: nothing was saved.
            self.not_done(actor, trigger).await;
        } else {
            // The place DM (and the mentor's) go out now, not at the next tick.
            self.scheduler.wake();
        }
        Ok(submitted)
    }

    /// The person's windows as `/officehours list` shows them (after a press on that list).
    pub async fn list(&self, actor: &Actor) -> Result<Message, CoreError> {
        let understood = super::Understood {
            parsed: Ok(Command::List),
        };
        Ok((*self.answer(actor, None, None, &understood).await?.message).clone())
    }

    /// The "Delete everything" button: removes all the bot keeps about the person.
    pub async fn forget(&self, actor: &Actor) -> Result<Message, CoreError> {
        // Their Slack status goes back to theirs and the token is revoked before it is deleted.
        if let Err(err) = self.presence.disconnect(actor).await {
            tracing::warn!(error = %err, "could not disconnect before forgetting");
        }
        let gone = self
            .store
            .forget_person(&actor.team_id, &actor.user_id, self.clock.now())
            .await?;
        tracing::info!(?gone, "forgot a person on request");
        self.refresh_directory(&actor.team_id).await;
        Ok(replies::forgotten(&gone))
    }

    /// A "Remove" button: the window is named by id, and only its owner can remove it.
    async fn remove_window_by_id(&self, actor: &Actor, id: i64) -> Result<bool, CoreError> {
        let removed = self
            .store
            .remove_window(&actor.team_id, &actor.user_id, id)
            .await?;
        self.refresh_directory(&actor.team_id).await;
        self.replan(actor).await;
        Ok(removed)
    }
}

fn hours_changed() -> Pressed {
    Pressed {
        hours_changed: true,
        ..Pressed::default()
    }
}
