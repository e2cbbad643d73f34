-- 0004-materializations: the latest split/export run into each directory
-- (a successful run replaces the record of earlier ones into the same
-- --out), and every file it wrote, so that `gicat split --check DIR` can
-- prove an output still matches.
CREATE TABLE materializations (
  id INTEGER PRIMARY KEY,
  task_name TEXT NOT NULL,
  task_hash TEXT NOT NULL,
  seed INTEGER NOT NULL,
  format TEXT NOT NULL,
  mode TEXT NOT NULL,
  out_dir TEXT NOT NULL,
  files INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX materializations_out_dir ON materializations (out_dir);
CREATE TABLE materialized_files (
  materialization_id INTEGER NOT NULL REFERENCES materializations (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  image_sha256 TEXT,
  set_name TEXT,
  PRIMARY KEY (materialization_id, path)
) WITHOUT ROWID;
