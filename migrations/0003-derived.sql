-- 0003-derived: derived objects, the results of degradations (gicat
-- degrade, degrade = in task files): which operations on which image made
-- which content, so that each is computed once and reused.  A derived image
-- has an images row and an object like any other, but no entry.
CREATE TABLE derivations (
  parent TEXT NOT NULL REFERENCES images (sha256) ON DELETE CASCADE,
  ops TEXT NOT NULL,
  codec TEXT NOT NULL,
  derived TEXT NOT NULL REFERENCES images (sha256) ON DELETE CASCADE,
  bytes INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('png', 'jpeg')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  PRIMARY KEY (parent, ops, codec)
) WITHOUT ROWID;
CREATE INDEX derivations_derived ON derivations (derived);
