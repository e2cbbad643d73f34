-- 0005-fetch: the state of every URL given to `gicat fetch`, so that a
-- re-run fetches only what is not done and `gicat fetch --status` can tell.
CREATE TABLE fetches (
  dataset TEXT NOT NULL,
  url TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  http_status INTEGER,
  last_error TEXT,
  bytes INTEGER,
  sha256 TEXT,
  final_url TEXT,
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  PRIMARY KEY (dataset, url)
) WITHOUT ROWID;
CREATE INDEX fetches_status ON fetches (status);
