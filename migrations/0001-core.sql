-- 0001-core: images (one row per distinct content), entries (one row per
-- image in a dataset context), rejects, ImageNet classes and the v_entries
-- view that the query language runs against.
CREATE TABLE classes (
  idx INTEGER PRIMARY KEY CHECK (idx BETWEEN 0 AND 999),
  wnid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL
);
CREATE TABLE images (
  sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
  bytes INTEGER NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('png', 'jpeg')),
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  channels INTEGER NOT NULL,
  bit_depth INTEGER NOT NULL,
  mode TEXT NOT NULL,
  jpeg_quality INTEGER,
  quality_exact INTEGER,
  subsampling TEXT,
  progressive INTEGER NOT NULL DEFAULT 0,
  interlaced INTEGER NOT NULL DEFAULT 0,
  has_icc INTEGER NOT NULL DEFAULT 0,
  has_exif INTEGER NOT NULL DEFAULT 0,
  has_xmp INTEGER NOT NULL DEFAULT 0,
  has_c2pa INTEGER NOT NULL DEFAULT 0,
  orientation INTEGER NOT NULL DEFAULT 0,
  text_keys TEXT,
  phash INTEGER NOT NULL,
  decode_status TEXT NOT NULL DEFAULT 'ok',
  storage TEXT NOT NULL CHECK (storage IN ('object', 'ref')),
  ref_path TEXT,
  ref_size INTEGER,
  ref_mtime_ns INTEGER,
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) WITHOUT ROWID;
CREATE TABLE entries (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL REFERENCES images (sha256),
  dataset TEXT NOT NULL,
  generator TEXT,
  subset TEXT,
  label TEXT CHECK (label IN ('real', 'fake')),
  split TEXT CHECK (split IN ('train', 'val', 'test')),
  class INTEGER REFERENCES classes (idx),
  wnid TEXT,
  class_source TEXT,
  path TEXT NOT NULL,
  license TEXT,
  source TEXT,
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  UNIQUE (dataset, path)
);
CREATE INDEX entries_sha256 ON entries (sha256);
CREATE INDEX entries_gen_split ON entries (generator, split, label);
CREATE TABLE rejects (
  path TEXT PRIMARY KEY NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE VIEW v_entries AS
SELECT e.id AS id, e.sha256 AS sha256, e.dataset AS dataset,
       e.generator AS generator, e.subset AS subset, e.label AS label, e.split AS split,
       e.class AS class, e.wnid AS wnid, c.name AS class_name,
       e.class_source AS class_source, e.path AS path,
       i.width AS width, i.height AS height,
       min(i.width, i.height) AS short_side, i.format AS format,
       i.bytes AS bytes, i.mode AS mode, i.channels AS channels,
       i.bit_depth AS bit_depth, i.jpeg_quality AS jpeg_quality,
       i.subsampling AS subsampling, i.progressive AS progressive,
       printf('%016x', i.phash) AS phash, e.license AS license,
       e.source AS source, i.has_icc AS has_icc, i.has_exif AS has_exif,
       i.has_xmp AS has_xmp, i.has_c2pa AS has_c2pa,
       i.text_keys AS text_keys, i.storage AS storage
FROM entries e JOIN images i ON i.sha256 = e.sha256
LEFT JOIN classes c ON c.idx = e.class;
