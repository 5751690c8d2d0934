-- Token rotation (the Slack app's `token_rotation_enabled`): a token then expires (12 hours) and
-- comes with a refresh token, sealed like the token itself. `refreshing_until` is the lease of
-- the one replica refreshing it: Slack revokes a refresh token on use, so a second refresher
-- holding the same one would be refused. NULL refresh token: the token does not rotate.
ALTER TABLE workspaces ADD COLUMN refresh_sealed TEXT;
ALTER TABLE workspaces ADD COLUMN token_expires_at TEXT;
ALTER TABLE workspaces ADD COLUMN refreshing_until TEXT;
ALTER TABLE connections ADD COLUMN refresh_sealed TEXT;
ALTER TABLE connections ADD COLUMN token_expires_at TEXT;
ALTER TABLE connections ADD COLUMN refreshing_until TEXT;

-- Single-token mode (SLACK_BOT_TOKEN) has no workspaces rows: an uninstall or a revoked bot
-- token there stops the workspace's work until the bot runs with another token. The token is
-- kept only as a SHA-256 digest, to tell "the same dead token" from "a new one".
CREATE TABLE token_stops (
    team_id      TEXT PRIMARY KEY,
    reason       TEXT NOT NULL,
    stopped_at   TEXT NOT NULL,
    token_digest TEXT NOT NULL
);
