//! What the bot says, as a transport-neutral message (rendered to Block Kit for Slack, to text for the shell).

pub mod format;
pub mod home;
pub mod line;
mod line_call;
pub mod notify;
pub mod page;
pub mod replies;
pub mod text;
mod zones;

pub use format::{escape, OccurrenceLabel};

/// Slack's limits (https://docs.slack.dev/reference/block-kit/blocks): enforced here, not hoped for.
pub const MAX_MESSAGE_BLOCKS: usize = 50;
pub const MAX_VIEW_BLOCKS: usize = 100;
pub const MAX_SECTION_TEXT: usize = 3000;
pub const MAX_FIELDS: usize = 10;
pub const MAX_FIELD_TEXT: usize = 2000;
pub const MAX_HEADER_TEXT: usize = 150;
pub const MAX_BUTTON_TEXT: usize = 75;
pub const MAX_CONTEXT_ELEMENTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Notification and accessibility text; Slack shows it where blocks cannot be shown.
    pub fallback: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Header(String),
    /// mrkdwn text, optional two-column fields, optional button on the right.
    Section {
        text: String,
        fields: Vec<String>,
        button: Option<Button>,
    },
    Context(Vec<String>),
    Divider,
    Actions(Vec<Button>),
    /// Text with a button that opens a web page (Slack opens the URL; no action reaches the bot).
    Link {
        text: String,
        button: String,
        url: String,
    },
    /// A text field in a modal; its value comes back in `view_submission` under `block_id`/`action_id`.
    Input {
        block_id: &'static str,
        label: String,
        multiline: bool,
        optional: bool,
    },
}

/// A modal dialog: what `views.open` shows on a button click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modal {
    pub title: String,
    pub submit: String,
    pub callback_id: &'static str,
    /// Carried through Slack and back on submission (which debrief, which review).
    pub private_metadata: String,
    pub blocks: Vec<Block>,
}

/// Modal limits (https://docs.slack.dev/reference/views/modal-views).
pub const MAX_MODAL_TITLE: usize = 24;
pub const INPUT_ACTION: &str = "value";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub text: String,
    pub action_id: &'static str,
    pub value: String,
    pub style: ButtonStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    Default,
    Primary,
    Danger,
}

/// Action ids the interactivity endpoint understands.
pub mod actions {
    pub const REMOVE_WINDOW: &str = "officehours.remove_window";
    pub const SET_AVAILABLE: &str = "officehours.set_available";
    pub const ONE_ON_ONE_ACCEPT: &str = "officehours.1on1_accept";
    pub const ONE_ON_ONE_DECLINE: &str = "officehours.1on1_decline";
    pub const MEETING_DONE: &str = "officehours.meeting_done";
    pub const MEETING_SNOOZE: &str = "officehours.meeting_snooze";
    pub const MEETING_SKIP: &str = "officehours.meeting_skip";
    pub const SHARE_FEEDBACK: &str = "officehours.share_feedback";
    pub const NOTE_AGREED: &str = "officehours.note_agreed";
    pub const FORGET_ME: &str = "officehours.forget_me";
    pub const LINE_NEXT: &str = "officehours.line_next";
    pub const LINE_DONE: &str = "officehours.line_done";
    pub const LINE_NOT_TODAY: &str = "officehours.line_not_today";
    /// The asker, called, is with the mentor: the call's timeout no longer applies.
    pub const LINE_HERE: &str = "officehours.line_here";
    pub const DROP_IN: &str = "officehours.drop_in";
}

/// Modal callback ids the interactivity endpoint understands.
pub mod modals {
    pub const FEEDBACK: &str = "officehours.feedback";
    pub const AGREED: &str = "officehours.agreed";
    pub const DROP_IN: &str = "officehours.drop_in";
}

impl Block {
    pub fn text(text: impl Into<String>) -> Self {
        Block::Section {
            text: text.into(),
            fields: Vec::new(),
            button: None,
        }
    }
    pub fn context(line: impl Into<String>) -> Self {
        Block::Context(vec![line.into()])
    }
}

impl Message {
    pub fn new(fallback: impl Into<String>) -> Self {
        Self {
            fallback: fallback.into(),
            blocks: Vec::new(),
        }
    }

    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// Caps the block count, saying how much was left out rather than letting Slack reject the message.
    pub fn fit(mut self, max_blocks: usize) -> Self {
        if self.blocks.len() > max_blocks {
            let keep = max_blocks.saturating_sub(1);
            let dropped = self.blocks.len() - keep;
            self.blocks.truncate(keep);
            self.blocks
                .push(Block::context(format!("…and {dropped} more not shown.")));
        }
        self
    }
}

/// Cuts text to Slack's limit on a character boundary, marking the cut.
pub fn clamp(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_within_the_block_limit_and_says_what_was_cut() {
        let mut message = Message::new("x");
        for i in 0..80 {
            message.push(Block::text(format!("line {i}")));
        }
        let message = message.fit(MAX_MESSAGE_BLOCKS);
        assert_eq!(message.blocks.len(), MAX_MESSAGE_BLOCKS);
        assert_eq!(
            message.blocks.last(),
            Some(&Block::context("…and 31 more not shown."))
        );
    }

    #[test]
    fn clamp_cuts_on_char_boundaries() {
        assert_eq!(clamp("héllo wörld", 5), "héll…");
        assert_eq!(clamp("short", 10), "short");
    }
}
