//! Keeps to Slack's rate limits (per channel for messages, per method for tiered calls) so a
//! large fan-out never trips 429s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

pub(crate) struct Pacer {
    interval: Duration,
    next_free: Mutex<HashMap<String, Instant>>,
}

/// Past this many channels, forget the ones whose slot has long passed.
const PRUNE_AT: usize = 10_000;

impl Pacer {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            next_free: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for this key's (a channel's, a method's) next free slot and takes it.
    pub(crate) async fn wait_turn(&self, channel: &str) {
        if self.interval.is_zero() {
            return;
        }
        let slot = {
            let mut next = self
                .next_free
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            if next.len() > PRUNE_AT {
                next.retain(|_, free| *free > now);
            }
            let slot = next
                .get(channel)
                .copied()
                .filter(|free| *free > now)
                .unwrap_or(now);
            next.insert(channel.to_owned(), slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_channel_waits_its_turn_and_others_do_not() {
        let pacer = Pacer::new(Duration::from_secs(1));
        let start = Instant::now();
        pacer.wait_turn("D1").await;
        pacer.wait_turn("D2").await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        pacer.wait_turn("D1").await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
