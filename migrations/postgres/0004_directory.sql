-- A counter per workspace that every change to who keeps office hours bumps, in the same
-- transaction as the change. Each replica keeps who-is-open in memory and reloads a workspace
-- only when its counter moved, so replicas stay current without reading every mentor per request.
CREATE TABLE directory_revisions (
    team_id  TEXT PRIMARY KEY,
    revision BIGINT NOT NULL
);

-- Triggers rather than application code: every writer (any module, any replica, an operator's
-- hand-written SQL) moves the counter. Columns the read model does not use (saved statuses,
-- DM channel, hint bookkeeping) do not, so routine bookkeeping costs no reload.
CREATE FUNCTION officehours_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    team TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        team := OLD.team_id;
    ELSE
        team := NEW.team_id;
    END IF;
    INSERT INTO directory_revisions (team_id, revision) VALUES (team, 1)
        ON CONFLICT (team_id) DO UPDATE SET revision = directory_revisions.revision + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER people_directory
    AFTER INSERT OR DELETE OR UPDATE OF
        tz_override, slack_tz, slack_tz_checked_at, display_name, manual_state, manual_until, away_until, hints_off
    ON people FOR EACH ROW EXECUTE FUNCTION officehours_directory_changed();
CREATE TRIGGER windows_directory
    AFTER INSERT OR DELETE OR UPDATE
    ON windows FOR EACH ROW EXECUTE FUNCTION officehours_directory_changed();
