-- A mentor's connection for setting their Slack status: their user token, encrypted (AEAD,
-- bound to team and user), never stored in clear.
CREATE TABLE connections (
    team_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    token_sealed TEXT NOT NULL,
    scope        TEXT NOT NULL DEFAULT '',
    broken       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- OAuth state: single use, ten minutes, bound to the Slack user who asked.
CREATE TABLE oauth_states (
    state      TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

-- Away (from /officehours away, or an away-looking Slack status), the status the person had
-- before office hours (to restore it), the status the bot set (to know if they changed it),
-- whether they were told how to connect, their mention-hint choice and calendar secret.
ALTER TABLE people ADD COLUMN away_until TEXT;
ALTER TABLE people ADD COLUMN saved_status_text TEXT;
ALTER TABLE people ADD COLUMN saved_status_emoji TEXT;
ALTER TABLE people ADD COLUMN saved_status_expiration INTEGER;
ALTER TABLE people ADD COLUMN bot_status_text TEXT;
ALTER TABLE people ADD COLUMN connect_hint_given INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN hints_off INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN calendar_secret TEXT;
CREATE UNIQUE INDEX people_calendar_secret ON people (calendar_secret);

CREATE TABLE channel_settings (
    team_id    TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    hints_off  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, channel_id)
);

-- The last mention hint a sender got about a mentor: at most one per cooldown.
CREATE TABLE mention_hints (
    team_id   TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    hinted_at TEXT NOT NULL,
    PRIMARY KEY (team_id, sender_id, mentor_id)
);
