-- Drop in: how many times each person in a line was told the mentor closed or opened, so each
-- closing and each opening is announced once, even two in one day (closing with `off` and
-- opening again with `on`, or two windows). Odd: the last thing they heard is that she is closed
-- (or their question was held); even: that she is open. Places already in a line count the
-- notices they were sent under the keys used before this column.
ALTER TABLE line ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
UPDATE line SET announced = (CASE WHEN held THEN 1 ELSE 0 END) + (
    SELECT COUNT(*) FROM reminders r
    WHERE r.status = 'sent' AND r.kind IN ('line_closed', 'line_opened')
      AND (r.key LIKE 'line:held:' || line.team_id || ':' || line.mentor_id || ':%:closed:' || line.id
        OR r.key LIKE 'line:held:' || line.team_id || ':' || line.mentor_id || ':%:opened:' || line.id)
);
