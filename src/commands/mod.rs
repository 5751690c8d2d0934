//! The transport-agnostic core: `/officehours` text in, a `Message` out, the same for Slack and the shell.

mod handle;
pub mod parse;

pub(crate) use crate::directory::{status_of, viewer_of};
pub use handle::{depends_on_zone, Actor, Attachment, Core, CoreError, Handled};
