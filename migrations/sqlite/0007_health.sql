-- One row that /readyz rewrites: the cheapest commit that proves the database takes writes.
CREATE TABLE IF NOT EXISTS health (
    id        INTEGER PRIMARY KEY,
    probed_at TEXT NOT NULL
);
