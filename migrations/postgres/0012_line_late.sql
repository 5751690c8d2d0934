-- `/officehours late 10m`: the mentor runs late until `late_until`. Every estimate of her line
-- includes what is left of it, until she calls the next person (which deletes the row) or the
-- time has passed. One row per mentor: a second `late` replaces the first.
CREATE TABLE line_late (
    team_id     TEXT NOT NULL,
    mentor_id   TEXT NOT NULL,
    late_until  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (team_id, mentor_id)
);
