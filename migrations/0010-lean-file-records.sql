-- 0010-lean-file-records: an image file's own hash is its image's, so
-- materialized_files.sha256 is NULL for image files and kept only for the
-- files that are not an image (metadata, shards): a third less per file
-- (a 324,000-file split recorded 65 MB).  The table is rebuilt, as SQLite
-- cannot make a column nullable in place.
ALTER TABLE materialized_files RENAME TO materialized_files_0009;
CREATE TABLE materialized_files (
  materialization_id INTEGER NOT NULL REFERENCES materializations (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT CHECK ((sha256 IS NULL) = (image_sha256 IS NOT NULL)),
  image_sha256 TEXT,
  set_name TEXT,
  PRIMARY KEY (materialization_id, path)
) WITHOUT ROWID;
INSERT INTO materialized_files
  SELECT materialization_id, path,
         iif(image_sha256 IS NULL, sha256, NULL), image_sha256, set_name
  FROM materialized_files_0009;
DROP TABLE materialized_files_0009;
