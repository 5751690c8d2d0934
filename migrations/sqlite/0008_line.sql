-- Drop in: each mentor's line. One row per asker per mentor; `held` says the question was asked
-- while she was closed (kept for her next window, first in line by `joined_at`). At most one
-- person per mentor is being called at a time: the partial unique index makes a second call
-- (another replica, a second press) fail rather than reach a second person. `topic` is the
-- asker's free text; it is deleted with the row when the visit ends.
CREATE TABLE line (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id        TEXT NOT NULL,
    mentor_id      TEXT NOT NULL,
    asker_id       TEXT NOT NULL,
    topic          TEXT,
    joined_at      TEXT NOT NULL,
    held           INTEGER NOT NULL DEFAULT 0,
    state          TEXT NOT NULL CHECK (state IN ('waiting', 'called')),
    called_at      TEXT,
    -- The call this person was last skipped after (10 minutes unanswered), so a retried
    -- skip reminder recognises its own work.
    skipped_call   TEXT,
    -- "Not today": kept for the mentor's next window, not called before then.
    not_before     TEXT,
    UNIQUE (team_id, mentor_id, asker_id),
    CHECK ((state = 'called') = (called_at IS NOT NULL))
);
CREATE UNIQUE INDEX line_one_call ON line (team_id, mentor_id) WHERE state = 'called';
CREATE INDEX line_by_asker ON line (team_id, asker_id);

-- The visit log: who visited whom, when, for how long, and the topic label (one of the
-- mentor's topics the question matched), never the free text.
CREATE TABLE visits (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id      TEXT NOT NULL,
    mentor_id    TEXT NOT NULL,
    visitor_id   TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    ended_at     TEXT NOT NULL,
    topic_label  TEXT
);
CREATE INDEX visits_by_mentor ON visits (team_id, mentor_id, ended_at);
CREATE INDEX visits_by_visitor ON visits (team_id, visitor_id);
CREATE INDEX visits_by_age ON visits (ended_at);

-- A mentor's meeting link (https), shown with "open now", in the call DM and the calendar feed.
CREATE TABLE meeting_links (
    team_id  TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    url      TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
