//! What people say to the bot: the `/officehours` grammar (`parse`), and who said it (`Actor`).
//! Pure: the front door (`app`) carries a parsed command out.

pub mod parse;

/// Who typed the command: a Slack user in a workspace (or the shell's pretend user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub team_id: String,
    pub user_id: String,
}
