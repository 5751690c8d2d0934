-- A counter per workspace that every change to who keeps office hours bumps, in the same
-- transaction as the change. Each process keeps who-is-open in memory and reloads a workspace
-- only when its counter moved, so replicas stay current without reading every mentor per request.
CREATE TABLE directory_revisions (
    team_id  TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
);

-- Triggers rather than application code: every writer (any module, any replica, an operator's
-- hand-written SQL) moves the counter. Columns the read model does not use (saved statuses,
-- DM channel, hint bookkeeping) do not, so routine bookkeeping costs no reload.
CREATE TRIGGER people_insert_directory AFTER INSERT ON people BEGIN
    INSERT INTO directory_revisions (team_id, revision) VALUES (NEW.team_id, 1)
        ON CONFLICT (team_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER people_update_directory AFTER UPDATE OF
    tz_override, slack_tz, slack_tz_checked_at, display_name, manual_state, manual_until, away_until, hints_off
    ON people BEGIN
    INSERT INTO directory_revisions (team_id, revision) VALUES (NEW.team_id, 1)
        ON CONFLICT (team_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER people_delete_directory AFTER DELETE ON people BEGIN
    INSERT INTO directory_revisions (team_id, revision) VALUES (OLD.team_id, 1)
        ON CONFLICT (team_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER windows_insert_directory AFTER INSERT ON windows BEGIN
    INSERT INTO directory_revisions (team_id, revision) VALUES (NEW.team_id, 1)
        ON CONFLICT (team_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER windows_update_directory AFTER UPDATE ON windows BEGIN
    INSERT INTO directory_revisions (team_id, revision) VALUES (NEW.team_id, 1)
        ON CONFLICT (team_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER windows_delete_directory AFTER DELETE ON windows BEGIN
    INSERT INTO directory_revisions (team_id, revision) VALUES (OLD.team_id, 1)
        ON CONFLICT (team_id) DO UPDATE SET revision = revision + 1;
END;
