//! The core's own work, off any request: delivering due reminders and keeping the read model
//! current with other replicas.

use tokio::sync::watch;

use super::{Core, CoreError, TickReport};

impl Core {
    /// Claims and delivers everything due now (the shell, and tests that move the clock by hand).
    pub async fn deliver_due(&self) -> Result<TickReport, CoreError> {
        Ok(self.scheduler.tick().await?)
    }

    /// Delivers due reminders every tick until `stop`, then hands back unfinished claims.
    pub async fn run_scheduler(&self, stop: watch::Receiver<bool>) {
        self.scheduler.clone().run(stop).await;
    }

    /// Hands back the claims of a scheduler loop that was stopped mid-delivery (marked in doubt).
    pub async fn abandon_claims(&self) {
        self.scheduler.abandon_claims().await;
    }

    /// Keeps the read model current with other replicas' writes until `stop`.
    pub async fn run_directory(&self, stop: watch::Receiver<bool>) {
        self.directory.clone().run(stop).await;
    }
}
