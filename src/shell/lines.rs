//! Where the shell's lines come from and its text goes: plain reading and writing when driven by
//! a pipe (scripts, tests), a line editor on a terminal (`editor`).

use async_trait::async_trait;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, Lines};

// A line editor reads the terminal synchronously and need not move between threads.
#[async_trait(?Send)]
pub(super) trait Terminal {
    /// The next line typed after `prompt`; `None` at the end of input.
    async fn read_line(&mut self, prompt: &str) -> anyhow::Result<Option<String>>;
    async fn write(&mut self, text: &str) -> anyhow::Result<()>;
    /// Whether a person is typing (prompts and blank lines matter then).
    fn interactive(&self) -> bool;
    /// Names to offer when completing (people the shell has met).
    fn learn_names(&mut self, _names: &[String]) {}
}

/// Lines read as they come, with no editing: what a script or a test pipes in.
pub(super) struct Piped<R, W> {
    lines: Lines<R>,
    output: W,
}

impl<R: AsyncBufRead + Unpin, W: AsyncWrite + Unpin> Piped<R, W> {
    pub(super) fn new(input: R, output: W) -> Self {
        Self {
            lines: input.lines(),
            output,
        }
    }
}

#[async_trait(?Send)]
impl<R, W> Terminal for Piped<R, W>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    async fn read_line(&mut self, _prompt: &str) -> anyhow::Result<Option<String>> {
        self.output.flush().await?;
        Ok(self.lines.next_line().await?)
    }

    async fn write(&mut self, text: &str) -> anyhow::Result<()> {
        self.output.write_all(text.as_bytes()).await?;
        Ok(())
    }

    fn interactive(&self) -> bool {
        false
    }
}
