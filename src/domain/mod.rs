//! The pure office-hours domain: days, times, weekly windows, time-zone math and presence,
//! plus the nudges: working time, 1:1 cadences, the digest time, question banks and conferences.

pub mod cadence;
pub mod conference;
pub mod dates;
pub mod days;
pub mod digest_time;
pub mod duration;
pub mod error;
pub mod group_time;
pub mod line;
pub mod notify;
pub mod presence;
pub mod privacy;
pub mod questions;
pub mod slack_status;
pub mod status;
pub mod time_of_day;
pub mod topics;
pub mod tzmath;
pub mod window;
pub mod worktime;
pub mod zone;

pub use cadence::{parse_lead, reminder_time, Cadence};
pub use conference::{conference_key, same_conference, DateSpan};
pub use dates::{parse_date, parse_weekday, weekday_name};
pub use days::DaySet;
pub use digest_time::{parse_weekly_time, DigestAt};
pub use duration::{duration_label, parse_duration};
pub use error::DomainError;
pub use presence::{
    in_progress, in_progress_window, next_opening, presence, ManualState, Presence,
};
pub use questions::{question_for, DEBRIEF_PROMPTS, ONE_ON_ONE_QUESTIONS, REVIEW_PROMPTS};
pub use status::{MentorStatus, Viewer, ZoneSource};
pub use time_of_day::{parse_range, TimeOfDay, TimeRange};
pub use topics::{parse_topics, topic_matches};
pub use tzmath::{
    current_or_next, end_of_local_day, local_label, local_time_label, next_local_time,
    next_start_after, occurrence_on, resolve_local, Occurrence,
};
pub use window::{PublishedWindow, WeeklyWindow};
pub use worktime::{ReviewLead, WorkTime};
pub use zone::{parse_zone, short_label};
