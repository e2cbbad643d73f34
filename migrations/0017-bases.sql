-- 0017-bases: the working directory each relative path was given from.
-- Paths are kept as given to ingest, so two subsets ingested each from
-- inside its own folder ("gicat ingest ." there) both hold paths such as
-- "./train/ai/x.png": what a later ingest finds gone from the directories
-- it read (the entries it names, the rejects it forgets) is only what was
-- ingested from the same directory.  NULL: an absolute path, a URL, or a
-- row recorded before this migration.
CREATE TABLE bases (
  id INTEGER PRIMARY KEY, -- what entries.base and rejects.base hold
  dir TEXT NOT NULL UNIQUE -- absolute path of the working directory of an ingest given relative paths
);
ALTER TABLE entries ADD COLUMN base INTEGER REFERENCES bases (id); -- the working directory a relative path was given from (bases.id); NULL for an absolute path, a URL, or a row older than migration 0017
ALTER TABLE rejects ADD COLUMN base INTEGER REFERENCES bases (id); -- as entries.base, for the rejected file's path
