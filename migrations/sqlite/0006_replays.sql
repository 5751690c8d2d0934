-- Slack's trigger_id of each command, button press and form submission acted on. A replay of
-- the same signed request (Slack accepts a signature for five minutes) carries the same one and
-- is not acted on again, on any replica. Housekeeping forgets them after an hour.
CREATE TABLE slack_triggers (
    team_id     TEXT NOT NULL,
    trigger_id  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (team_id, trigger_id)
);
CREATE INDEX slack_triggers_by_age ON slack_triggers (received_at);

-- Housekeeping deletes expired OAuth states and mention hints past their cooldown by age.
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);
CREATE INDEX mention_hints_by_age ON mention_hints (hinted_at);
