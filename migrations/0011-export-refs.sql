-- 0011-export-refs: the images a manifest export lists by the paths of
-- their objects.  gc keeps what a live export points at (these, and the
-- image files of symlink-mode exports), and split --check of a manifest
-- export says when one of them is gone.
CREATE TABLE export_refs (
  materialization_id INTEGER NOT NULL REFERENCES materializations (id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (materialization_id, sha256)
) WITHOUT ROWID;
