//! The asker's "I'm here": once they are with the mentor, the call's ten-minute timeout (which
//! would send them to the back of the line and tell both of them so) is called off, so a long
//! visit is not cut short by the queue. Pressing it again, or after the call is over, changes
//! nothing and says so.

use super::{NudgeError, Nudges};
use crate::commands::Actor;
use crate::views::line as words;
use crate::views::Message;

/// `value` is the call's "place:called-at seconds", as the call DM's button carries it.
pub(super) async fn here(n: &Nudges, actor: &Actor, value: &str) -> Result<Message, NudgeError> {
    let team = actor.team_id.as_str();
    let Some((id, called)) = value
        .split_once(':')
        .and_then(|(id, called)| Some((id.parse::<i64>().ok()?, called.parse::<i64>().ok()?)))
    else {
        return Ok(words::call_over());
    };
    let Some(entry) = n.store.line_entry(team, id).await? else {
        return Ok(words::call_over());
    };
    // Only the person called, and only this call (a later call of the same place is another).
    let Some(called_at) = entry.called_at.filter(|t| t.timestamp() == called) else {
        return Ok(words::call_over());
    };
    if entry.asker_id != actor.user_id || !n.store.answer_call(team, id, called_at).await? {
        return Ok(words::call_over());
    }
    // Recorded on the place, so a timeout already being delivered does nothing; its rows are
    // cancelled too, so none is left pending for nothing.
    let now = n.now();
    for kind in ["skip", "skipped"] {
        // The exact keys `line::next` planned (no other key starts with either).
        let key = format!("line:{kind}:{team}:{id}:{called}");
        n.store
            .cancel_pending(&key, "the asker is with the mentor", now)
            .await?;
    }
    tracing::info!(
        line.id = id,
        "the asker is with the mentor: the call's timeout is off"
    );
    Ok(words::here(&entry.mentor_id))
}
