-- The durable reminder queue: one row per occurrence (unique key), claimed with a lease,
-- retried with backoff, kept with its outcome so operators can see what happened.
CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id         TEXT NOT NULL,
    key             TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    recipients      TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    due_at          TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'claimed', 'sent', 'failed', 'dropped', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- A previous attempt may have reached Slack: look in the DM before sending again.
    in_doubt        INTEGER NOT NULL DEFAULT 0,
    lease_until     TEXT,
    claimed_by      TEXT,
    last_error      TEXT,
    channel_id      TEXT,
    message_ts      TEXT,
    finished_at     TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX reminders_ready ON reminders (status, next_attempt_at);

-- A person's DM channel with the bot, learnt from Slack, for history look-ups.
ALTER TABLE people ADD COLUMN dm_channel TEXT;

-- 1:1 cadences a manager keeps with a report, in the manager's zone.
CREATE TABLE cadences (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id      TEXT NOT NULL,
    manager_id   TEXT NOT NULL,
    report_id    TEXT NOT NULL,
    every_weeks  INTEGER NOT NULL CHECK (every_weeks BETWEEN 1 AND 12),
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    at_minute    INTEGER NOT NULL CHECK (at_minute BETWEEN 0 AND 1439),
    anchor_date  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'declined', 'stopped')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX cadences_pair ON cadences (team_id, manager_id, report_id);

-- One row per planned 1:1 meeting of a cadence; seq counts meetings for question rotation.
CREATE TABLE meetings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    cadence_id   INTEGER NOT NULL REFERENCES cadences (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    starts_at    TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'done', 'skipped')),
    finished_at  TEXT,
    UNIQUE (cadence_id, starts_at)
);

CREATE TABLE debriefs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id      TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    project      TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    participants TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE feedback (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    debrief_id   INTEGER NOT NULL REFERENCES debriefs (id) ON DELETE CASCADE,
    author_id    TEXT,
    went_well    TEXT NOT NULL,
    differently  TEXT NOT NULL,
    learned      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (debrief_id, author_id)
);

CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id      TEXT NOT NULL,
    manager_id   TEXT NOT NULL,
    report_id    TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    agreed       TEXT,
    created_at   TEXT NOT NULL
);

CREATE TABLE conferences (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    start_date   TEXT NOT NULL,
    end_date     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (team_id, user_id, name_key, start_date)
);
CREATE INDEX conferences_by_key ON conferences (team_id, name_key);
