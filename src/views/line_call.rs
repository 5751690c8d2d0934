//! The asker's side of a call: the DM that calls them, with the mentor's link and an "I'm here"
//! button (pressed once they are talking, so the ten-minute timeout does not send them to the
//! back of the line mid-conversation), and what the button answers.

use super::{actions, Block, Button, ButtonStyle, Message};
use crate::domain::line::CALL_TIMEOUT_MINUTES;

fn mention(user_id: &str) -> String {
    format!("<@{user_id}>")
}

/// To the asker, when the mentor calls them. `call` is the button's value: the place and the
/// call it answers (a later call of the same place is another).
pub fn call_dm(mentor_id: &str, link: Option<&str>, call: String) -> Message {
    let text = format!(":wave: {} is ready for you.", mention(mentor_id));
    let mut message = Message::new(text.clone());
    match link {
        Some(url) => message.push(Block::Link {
            text,
            button: "Join".to_owned(),
            url: url.to_owned(),
        }),
        None => message.push(Block::text(format!("{text} Send them a message to start."))),
    };
    message.push(Block::Actions(vec![Button {
        text: "I'm here".to_owned(),
        action_id: actions::LINE_HERE,
        value: call,
        style: ButtonStyle::Primary,
    }]));
    message.push(Block::context(format!(
        "Press *I'm here* once you're talking. If you can't come within {CALL_TIMEOUT_MINUTES} minutes, you'll go to the back of the line."
    )));
    message
}

/// "I'm here", pressed while the call stands: the place is kept however long the visit runs.
pub fn here(mentor_id: &str) -> Message {
    let text = format!(
        ":handshake: You're with {}. Your place is kept until they finish the visit.",
        mention(mentor_id)
    );
    let mut message = Message::new(text.clone());
    message.push(Block::text(text));
    message
}

/// "I'm here" on a call that is over (finished, timed out, or not this person's).
pub fn call_over() -> Message {
    let text = "This call is over. `/officehours` shows who is open now.";
    let mut message = Message::new(text);
    message.push(Block::text(text));
    message
}
