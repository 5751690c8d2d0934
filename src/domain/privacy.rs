//! What `forget me` removed, counted, so the reply can say it.

/// What `forget_person` removed, to tell the person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub windows: u64,
    pub cadences: u64,
    pub reviews: u64,
    pub debriefs: u64,
    pub feedback_anonymised: u64,
    pub conferences: u64,
    pub reminders: u64,
    /// Notify subscriptions: theirs, and other people's to them.
    pub subscriptions: u64,
}
