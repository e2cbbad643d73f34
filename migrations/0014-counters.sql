-- 0014-counters: numbers that never come back.  A materialization's id
-- was its row id, which SQLite gives again once the last row is deleted
-- (gc forgetting a gone export): two exports could carry one number.
CREATE TABLE counters (
  name TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value)
SELECT 'materialization', coalesce(max(id), 0) FROM materializations;
