-- Drop in, what it adds up to: a mentor's Monday DM counts the questions held for her window and
-- the median wait, so each visit keeps when its visitor began waiting to be called (joining the
-- line, or the mentor's next window for someone put off with "Not today") and whether the
-- question was held for her window. Older visits have no `joined_at` and count in no median.
ALTER TABLE visits ADD COLUMN joined_at TEXT;
ALTER TABLE visits ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
