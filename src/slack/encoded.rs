//! Answers already encoded as JSON, kept for as long as the message they encode is shared.
//!
//! "Who is open" is rendered once per reader zone and minute and handed, as one `Arc<Message>`,
//! to everyone who asks; encoding it to Block Kit JSON again for each of them would cost more
//! than everything else the request does. An entry is keyed by the message's address and holds
//! a `Weak` to it, which keeps that address from being reused and the message from changing
//! (`Arc::make_mut` moves a value out when weak references exist), so a hit is always right.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};

use crate::views::Message;

/// Shared answers alive at once: a few per reader zone; past this, dead entries are swept.
const MAX_ENTRIES: usize = 256;

#[derive(Default)]
pub struct EncodedAnswers {
    entries: RwLock<HashMap<usize, (Weak<Message>, Bytes)>>,
}

impl EncodedAnswers {
    pub fn get_or_encode(
        &self,
        message: &Arc<Message>,
        encode: impl FnOnce(&Message) -> Bytes,
    ) -> Bytes {
        // A message nobody else holds was made for this one answer: nothing to share.
        if Arc::strong_count(message) < 2 {
            return encode(message);
        }
        let key = Arc::as_ptr(message) as usize;
        {
            let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
            if let Some((held, body)) = entries.get(&key) {
                if Weak::as_ptr(held) == Arc::as_ptr(message) {
                    return body.clone();
                }
            }
        }
        let body = encode(message);
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (held, _)| held.strong_count() > 0);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (Arc::downgrade(message), body.clone()));
        body
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::Block;
    use std::cell::Cell;

    fn encode_counting(calls: &Cell<usize>) -> impl Fn(&Message) -> Bytes + '_ {
        move |m: &Message| {
            calls.set(calls.get() + 1);
            Bytes::from(format!("{}:{}", m.fallback, m.blocks.len()))
        }
    }

    #[test]
    fn a_shared_message_is_encoded_once() {
        let cache = EncodedAnswers::default();
        let calls = Cell::new(0);
        let held = Arc::new(Message::new("who is open"));
        let answer = held.clone();
        assert_eq!(
            cache.get_or_encode(&answer, encode_counting(&calls)),
            "who is open:0"
        );
        assert_eq!(
            cache.get_or_encode(&held.clone(), encode_counting(&calls)),
            "who is open:0"
        );
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn a_message_of_its_own_is_not_kept() {
        let cache = EncodedAnswers::default();
        let calls = Cell::new(0);
        cache.get_or_encode(&Arc::new(Message::new("hello")), encode_counting(&calls));
        cache.get_or_encode(&Arc::new(Message::new("hello")), encode_counting(&calls));
        assert_eq!(calls.get(), 2);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_changed_copy_is_encoded_afresh() {
        let cache = EncodedAnswers::default();
        let calls = Cell::new(0);
        let held = Arc::new(Message::new("open"));
        // What the read model keeps: `held` stays shared after `mine` moves away.
        let _in_the_directory = held.clone();
        let mut mine = held.clone();
        assert_eq!(
            cache.get_or_encode(&mine, encode_counting(&calls)),
            "open:0"
        );
        Arc::make_mut(&mut mine).push(Block::text("one more"));
        let shared_again = mine.clone();
        assert_eq!(
            cache.get_or_encode(&shared_again, encode_counting(&calls)),
            "open:1"
        );
        assert_eq!(
            cache.get_or_encode(&held, encode_counting(&calls)),
            "open:0"
        );
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn dead_entries_are_swept_and_the_map_stays_bounded() {
        let cache = EncodedAnswers::default();
        let calls = Cell::new(0);
        for i in 0..(MAX_ENTRIES * 3) {
            let held = Arc::new(Message::new(format!("answer {i}")));
            cache.get_or_encode(&held.clone(), encode_counting(&calls));
        }
        assert!(cache.len() <= MAX_ENTRIES, "{} entries", cache.len());
    }
}
