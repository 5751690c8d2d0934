//! The pure office-hours domain: days, times, weekly windows, time-zone math and presence.

pub mod days;
pub mod duration;
pub mod error;
pub mod presence;
pub mod time_of_day;
pub mod topics;
pub mod tzmath;
pub mod window;
pub mod zone;

pub use days::DaySet;
pub use duration::{duration_label, parse_duration};
pub use error::DomainError;
pub use presence::{
    in_progress, in_progress_window, next_opening, presence, ManualState, Presence,
};
pub use time_of_day::{parse_range, TimeOfDay, TimeRange};
pub use topics::{parse_topics, topic_matches};
pub use tzmath::{
    current_or_next, end_of_local_day, local_label, local_time_label, next_local_time,
    next_start_after, occurrence_on, resolve_local, Occurrence,
};
pub use window::WeeklyWindow;
pub use zone::{parse_zone, short_label};
