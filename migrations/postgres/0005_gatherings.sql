-- Invitations to other people (a debrief's participants, the report of an advancement talk)
-- each person sent on their current local day, for the daily limit. One row per person: a new
-- day starts the count again. Written in the same transaction as what invites them, so the
-- limit holds across replicas.
CREATE TABLE invitations (
    team_id   TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    day       TEXT NOT NULL,
    invited   INTEGER NOT NULL DEFAULT 0 CHECK (invited >= 0),
    PRIMARY KEY (team_id, sender_id)
);
