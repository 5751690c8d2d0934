//! Buttons by number: every button the shell prints gets one, and `:press N` presses it through
//! the same front-door operation Slack's button would (`Core::press`), as the person it was shown
//! to. A modal's submit button asks for each field in turn and submits as Slack's
//! `view_submission` would (`Core::submit`).

use std::collections::{BTreeMap, HashMap};

use super::Session;
use crate::app::Actor;
use crate::views::text::{render_blocks, terminal, Pressable};
use crate::views::{Block, Button, Modal};

/// Numbers handed out are kept this long (older ones are forgotten, as Slack's old messages
/// would long have scrolled away).
const KEPT: usize = 500;

/// Where a button was shown, and to whom: a press acts as that person.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    /// Who got it (a group DM's members, in order).
    members: Vec<String>,
    pub(super) home: bool,
}

impl Origin {
    pub(super) fn reply(actor: &Actor) -> Self {
        Self::to(&actor.user_id)
    }
    pub(super) fn to(user: &str) -> Self {
        Self {
            members: vec![user.to_owned()],
            home: false,
        }
    }
    pub(super) fn home(actor: &Actor) -> Self {
        Self {
            members: vec![actor.user_id.clone()],
            home: true,
        }
    }
    /// A DM's channel lists its members.
    pub(super) fn dm(channel: &str) -> Self {
        Self {
            members: channel.split(',').map(str::to_owned).collect(),
            home: false,
        }
    }
    /// Who presses: the one typing if they got it, else the first who did.
    fn presser(&self, current: &str) -> String {
        if self.members.iter().any(|m| m == current) {
            return current.to_owned();
        }
        self.members
            .first()
            .cloned()
            .unwrap_or_else(|| current.to_owned())
    }
}

#[derive(Debug, Clone)]
enum Target {
    Button(Button, Origin),
    /// A button that opens an address in a browser (connecting a Slack status, a video call).
    Link(String, String, Origin),
    Submit(Modal, String),
}

#[derive(Default)]
pub(super) struct Presses {
    last: usize,
    targets: BTreeMap<usize, Target>,
}

impl Presses {
    pub(super) fn number(&mut self, pressable: Pressable<'_>, origin: Origin) -> usize {
        self.keep(match pressable {
            Pressable::Button(button) => Target::Button(button.clone(), origin),
            Pressable::Link { button, url } => {
                Target::Link(button.to_owned(), url.to_owned(), origin)
            }
        })
    }

    fn keep(&mut self, target: Target) -> usize {
        self.last += 1;
        self.targets.insert(self.last, target);
        while self.targets.len() > KEPT {
            self.targets.pop_first();
        }
        self.last
    }
}

impl Session {
    /// `:press N`.
    pub(super) async fn press(&mut self, which: &str) -> anyhow::Result<String> {
        let number = which
            .trim()
            .trim_start_matches(['[', '#'])
            .trim_end_matches(']');
        let target = number
            .parse::<usize>()
            .ok()
            .and_then(|n| self.presses.targets.get(&n).cloned());
        match target {
            Some(Target::Button(button, origin)) => self.press_button(&button, &origin).await,
            Some(Target::Link(button, url, origin)) => {
                let presser = origin.presser(&self.actor.user_id);
                self.open_link(&button, &url, &presser).await
            }
            Some(Target::Submit(modal, owner)) => self.submit(&modal, &owner).await,
            None if self.presses.last == 0 => Ok(
                "There is no button to press yet: buttons show a number, like [1] Done.".to_owned(),
            ),
            None => Ok(format!(
                "There is no button [{number}]. Press one of the numbers shown, e.g. :press {}.",
                self.presses.last
            )),
        }
    }

    async fn press_button(&mut self, button: &Button, origin: &Origin) -> anyhow::Result<String> {
        let actor = self.as_person(&origin.presser(&self.actor.user_id));
        let pressed = self
            .core
            .press(&actor, None, button.action_id, &button.value)
            .await?;
        let mut told = format!("You pressed [{}]", button.text);
        if actor.user_id != self.actor.user_id {
            told.push_str(&format!(" as @{}, who got it", actor.user_id));
        }
        told.push_str(".\n");
        if let Some(modal) = &pressed.modal {
            told.push_str(&self.show_modal(modal, &actor.user_id));
        }
        if let Some(message) = &pressed.replace {
            told.push_str("The message now reads:\n");
            told.push_str(&self.show(message, origin.clone()));
            told.push('\n');
        }
        if origin.home && (pressed.hours_changed || pressed.home_changed) {
            let home = self.core.home(&actor).await?;
            told.push_str(&self.show(&home, Origin::home(&actor)));
            told.push('\n');
        } else if pressed.hours_changed {
            let list = self.core.list(&actor).await?;
            told.push_str(&self.show(&list, origin.clone()));
            told.push('\n');
        }
        Ok(told.trim_end().to_owned())
    }

    fn show_modal(&mut self, modal: &Modal, owner: &str) -> String {
        let presses = &mut self.presses;
        let body = render_blocks(&modal.blocks, self.style, &mut |_| None);
        let submit = presses.keep(Target::Submit(modal.clone(), owner.to_owned()));
        let body: String = body.lines().map(|l| format!("  ┃ {l}\n")).collect();
        format!(
            "  ┏ {}\n{body}  ┗ [{submit}] {}  (press it to fill in the fields)\n",
            modal.title, modal.submit
        )
    }

    /// Asks for each field, then submits; a field Slack would flag is told and the modal stays.
    async fn submit(&mut self, modal: &Modal, owner: &str) -> anyhow::Result<String> {
        let mut values = HashMap::new();
        let mut labels = HashMap::new();
        for block in &modal.blocks {
            let Block::Input {
                block_id,
                label,
                optional,
                ..
            } = block
            else {
                continue;
            };
            // A label that is not a question gets a colon, so the answer does not run into it.
            let sep = if label.ends_with(['?', ':']) && !*optional {
                ""
            } else {
                ":"
            };
            let prompt = format!(
                "{label}{}{sep} ",
                if *optional { " (optional)" } else { "" }
            );
            if !self.term.interactive() {
                self.term.write(&format!("{prompt}\n")).await?;
            }
            let Some(value) = self.term.read_line(&prompt).await? else {
                return Ok("Not sent: the input ended.".to_owned());
            };
            labels.insert(block_id.to_string(), label.clone());
            values.insert(block_id.to_string(), value.trim().to_owned());
        }
        let actor = self.as_person(owner);
        match self
            .core
            .submit(
                &actor,
                None,
                modal.callback_id,
                &modal.private_metadata,
                &values,
            )
            .await?
        {
            Ok(()) => Ok(format!(
                "✓ {}: done ([{}] pressed).",
                modal.title, modal.submit
            )),
            Err(errors) => {
                let mut told = format!("Not {} yet, as Slack would show it:\n", modal.title);
                for (block, problem) in errors {
                    let label = labels.get(&block).cloned().unwrap_or(block);
                    told.push_str(&format!("  {label}: {}\n", terminal(&problem, self.style)));
                }
                told.push_str(&self.show_modal(modal, owner));
                Ok(told.trim_end().to_owned())
            }
        }
    }

    fn as_person(&self, user: &str) -> Actor {
        Actor {
            team_id: self.actor.team_id.clone(),
            user_id: user.to_owned(),
        }
    }
}
