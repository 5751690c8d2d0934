-- "Tell me when": a person asks to be told, by DM, when a mentor (`target = 'person'`, `value`
-- their user id) or any mentor with a topic (`target = 'topic'`, `value` as typed) opens. One row
-- per subscriber and thing watched (`target_key`: the user id, or the topic without case or
-- accents). `quiet_until` is the end of the stretch they were already open for when the
-- subscription was made: that one is not announced. The DMs themselves are reminders, keyed
-- `notify:<team>:<subscriber>:<id>:<local date>`, so each goes at most once a day.
CREATE TABLE notify_subscriptions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    target      TEXT NOT NULL CHECK (target IN ('person', 'topic')),
    value       TEXT NOT NULL,
    target_key  TEXT NOT NULL,
    quiet_until TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (team_id, user_id, target, target_key)
);
CREATE INDEX notify_subscriptions_by_target ON notify_subscriptions (team_id, target, target_key);
