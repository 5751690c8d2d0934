-- The workspaces that installed the bot through "Add to Slack" (none in single-token mode): the
-- bot token sealed like mentors' tokens (AEAD, bound to the team), never stored in clear. An
-- uninstall keeps the row (and the workspace's data) until the retention runs out, so a
-- reinstall within it brings everything back.
CREATE TABLE workspaces (
    team_id        TEXT PRIMARY KEY,
    team_name      TEXT NOT NULL DEFAULT '',
    enterprise_id  TEXT,
    bot_user_id    TEXT NOT NULL DEFAULT '',
    scopes         TEXT NOT NULL DEFAULT '',
    token_sealed   TEXT NOT NULL,
    installed_at   TEXT NOT NULL,
    uninstalled_at TEXT
);

-- "Add to Slack" states: single use, ten minutes, bound to the browser that asked (a cookie).
CREATE TABLE install_states (
    state      TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
