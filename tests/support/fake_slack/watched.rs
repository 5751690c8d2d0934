//! State behind a mutex with a notification: whoever records something signals `changed`, and
//! waiting helpers await that signal (with an overall timeout) instead of polling on a timer.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

pub(super) struct Watched<S> {
    state: Mutex<S>,
    changed: Notify,
}

impl<S> Watched<S> {
    pub(super) fn new(state: S) -> Arc<Watched<S>> {
        Arc::new(Watched {
            state: Mutex::new(state),
            changed: Notify::new(),
        })
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, S> {
        // A panicking test must not poison the fake for its Drop or other assertions.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every waiter: something was recorded. Call it with no lock held.
    pub(super) fn changed(&self) {
        self.changed.notify_waiters();
    }

    /// Runs `check` now and after every `changed` until it answers Some, for at most `timeout`;
    /// None if it never did. `check` must not call `changed`.
    pub(super) async fn until<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before the check, so a change between the check and the await still wakes it.
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = check() {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return check();
            }
        }
    }
}
