-- People the bot knows, per workspace. Instants are UTC (RFC 3339 text, whole seconds);
-- zones are IANA names. `manual_*` is the "available now" / "not now" override.
CREATE TABLE people (
    team_id             TEXT NOT NULL,
    user_id             TEXT NOT NULL,
    tz_override         TEXT,
    slack_tz            TEXT,
    slack_tz_checked_at TEXT,
    display_name        TEXT,
    manual_state        TEXT CHECK (manual_state IN ('available', 'unavailable')),
    manual_until        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id),
    CHECK ((manual_state IS NULL) = (manual_until IS NULL))
);

-- Weekly windows in the owner's local wall-clock time (minutes since local midnight).
-- end_minute < start_minute means the window crosses midnight.
CREATE TABLE windows (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    days         INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440 AND end_minute <> start_minute),
    topics       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    FOREIGN KEY (team_id, user_id) REFERENCES people (team_id, user_id) ON DELETE CASCADE
);
CREATE INDEX windows_by_owner ON windows (team_id, user_id);

-- Events API deliveries already handled (Slack retries; event_id is stable across retries).
CREATE TABLE slack_events (
    event_id    TEXT PRIMARY KEY,
    received_at TEXT NOT NULL
);
CREATE INDEX slack_events_by_age ON slack_events (received_at);
