-- schema.sql: the current catalog schema, i.e. every migration in
-- migrations/ applied in order (a test proves it). Documentation only:
-- the binary creates and upgrades catalogs from the migrations.
-- PRAGMA user_version = the highest migration number

CREATE TABLE classes (
  idx INTEGER PRIMARY KEY CHECK (idx BETWEEN 0 AND 999), -- ImageNet-1k class index 0..999 (standard sorted-wnid order)
  wnid TEXT NOT NULL UNIQUE, -- WordNet id, e.g. n01440764
  name TEXT NOT NULL -- human-readable class names, comma-separated synonyms
);
CREATE TABLE images (
  sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64), -- SHA-256 of the file bytes, 64 lowercase hex digits; the object name
  bytes INTEGER NOT NULL, -- file size in bytes
  format TEXT NOT NULL CHECK (format IN ('png', 'jpeg')), -- 'png' or 'jpeg', sniffed from the magic bytes, never the extension
  width INTEGER NOT NULL, -- pixels
  height INTEGER NOT NULL, -- pixels
  channels INTEGER NOT NULL, -- samples per pixel as stored (1 gray .. 4 rgba/cmyk)
  bit_depth INTEGER NOT NULL, -- bits per sample as stored (1, 2, 4, 8, 16)
  mode TEXT NOT NULL, -- gray, graya, rgb, rgba, palette, cmyk or ycck
  jpeg_quality INTEGER, -- IJG quality 1..100 estimated from the luminance table; NULL for PNG
  quality_exact INTEGER, -- 1 when the tables are exactly the IJG-scaled standard tables
  subsampling TEXT, -- JPEG chroma subsampling ('4:2:0', '4:4:4', ...); NULL for PNG and gray
  progressive INTEGER NOT NULL DEFAULT 0, -- 1 for progressive JPEG
  interlaced INTEGER NOT NULL DEFAULT 0, -- 1 for Adam7-interlaced PNG
  has_icc INTEGER NOT NULL DEFAULT 0, -- 1 when an ICC profile is embedded (APP2 / iCCP)
  has_exif INTEGER NOT NULL DEFAULT 0, -- 1 when EXIF is present (APP1 Exif / eXIf)
  has_xmp INTEGER NOT NULL DEFAULT 0, -- 1 when XMP is present (APP1 / iTXt XML:com.adobe.xmp)
  has_c2pa INTEGER NOT NULL DEFAULT 0, -- 1 when a C2PA/JUMBF manifest is present (APP11 / caBX)
  orientation INTEGER NOT NULL DEFAULT 0, -- EXIF orientation 1..8, 0 when absent
  text_keys TEXT, -- PNG tEXt/zTXt/iTXt keywords, comma-separated (e.g. parameters; a keyword's own , and % are written %2C and %25); NULL if none
  phash INTEGER NOT NULL, -- 64-bit DCT perceptual hash as a signed integer (query shows 16 hex digits)
  decode_status TEXT NOT NULL DEFAULT 'ok', -- 'ok': the image decoded completely at ingest
  storage TEXT NOT NULL CHECK (storage IN ('object', 'ref')), -- 'object' (bytes in objects/) or 'ref' (only the original file, see ref_*)
  ref_path TEXT, -- ref storage: absolute path of the original file
  ref_size INTEGER, -- ref storage: its size in bytes at ingest
  ref_mtime_ns INTEGER, -- ref storage: its mtime in nanoseconds at ingest
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) -- UTC time of the first ingest
) WITHOUT ROWID;
CREATE TABLE entries (
  id INTEGER PRIMARY KEY, -- insertion order
  sha256 TEXT NOT NULL REFERENCES images (sha256), -- the image this entry shows
  dataset TEXT NOT NULL, -- dataset name ('genimage' for GenImage trees unless --dataset)
  generator TEXT, -- generator id of a fake (sd14, midjourney, ...); NULL for real images
  subset TEXT, -- GenImage subset the file came from (for reals too), or NULL
  label TEXT CHECK (label IN ('real', 'fake')), -- 'real' or 'fake', stored explicitly; NULL when unknown
  split TEXT CHECK (split IN ('train', 'val', 'test')), -- 'train', 'val' (GenImage's test split) or 'test'; NULL when unknown
  class INTEGER REFERENCES classes (idx), -- ImageNet class index 0..999, NULL if unknown
  wnid TEXT, -- ImageNet wnid of the class, NULL if unknown
  class_source TEXT, -- where the class came from: filename, wnid, val_labels, folder, option
  path TEXT NOT NULL, -- original path as given to ingest (root argument included)
  license TEXT, -- license id given at ingest, or NULL
  source TEXT, -- where the file came from when not a local path (URL), or NULL
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), -- UTC time the entry was added
  UNIQUE (dataset, path)
);
CREATE INDEX entries_sha256 ON entries (sha256);
CREATE INDEX entries_gen_split ON entries (generator, split, label);
CREATE TABLE rejects (
  path TEXT PRIMARY KEY NOT NULL, -- path of a file that could not be ingested
  reason TEXT NOT NULL, -- why, as printed by ingest
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) -- UTC time of the last attempt
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
-- migrations/0002-imagenet-classes.sql: fills classes with the 1000 rows of schema/imagenet_classes.tsv.


-- 0004-materializations: the latest split/export run into each directory
-- (a successful run replaces the record of earlier ones into the same
-- --out), and every file it wrote, so that `gicat split --check DIR` can
-- prove an output still matches.
CREATE TABLE materializations (
  id INTEGER PRIMARY KEY, -- run number
  task_name TEXT NOT NULL, -- [task] name ('export' for gicat export)
  task_hash TEXT NOT NULL, -- SHA-256 of the canonical task (task.ini)
  seed INTEGER NOT NULL, -- the task's seed
  format TEXT NOT NULL, -- imagefolder, genimage, hf, webdataset or manifest
  mode TEXT NOT NULL, -- link, symlink, copy or reflink
  out_dir TEXT NOT NULL, -- absolute path of --out
  files INTEGER NOT NULL, -- files written, metadata included
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) -- UTC time of the run
);
CREATE INDEX materializations_out_dir ON materializations (out_dir);
CREATE TABLE materialized_files (
  materialization_id INTEGER NOT NULL REFERENCES materializations (id) ON DELETE CASCADE, -- the run
  path TEXT NOT NULL, -- relative to out_dir
  sha256 TEXT CHECK ((sha256 IS NULL) = (image_sha256 IS NOT NULL)), -- SHA-256 of the file as written, for a file that is not an image (metadata, shards); NULL for an image file, whose hash is image_sha256 (0010-lean-file-records)
  image_sha256 TEXT, -- the image it holds, which is its content (NULL for metadata files and shards)
  set_name TEXT, -- train, val, test/NAME; NULL for files of the whole output
  PRIMARY KEY (materialization_id, path)
) WITHOUT ROWID;
-- 0011-export-refs: the images a manifest export lists by the paths of
-- their objects; gc keeps them while the export lives.
CREATE TABLE export_refs (
  materialization_id INTEGER NOT NULL REFERENCES materializations (id) ON DELETE CASCADE, -- the run (a manifest export)
  sha256 TEXT NOT NULL, -- an image whose object the manifest lists
  PRIMARY KEY (materialization_id, sha256)
) WITHOUT ROWID;

-- 0005-fetch: the state of every URL given to `gicat fetch`, so that a
-- re-run fetches only what is not done and `gicat fetch --status` can tell.
CREATE TABLE fetches (
  dataset TEXT NOT NULL, -- dataset of the entry the URL makes (list column, --dataset, or the list's name)
  url TEXT NOT NULL, -- the URL as listed; also the entry's path and source
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')), -- 'done': catalogued; 'failed': given up, see last_error
  attempts INTEGER NOT NULL DEFAULT 0, -- transfers tried, over every run
  http_status INTEGER, -- HTTP status of the last response, NULL when none came
  last_error TEXT, -- why the last run gave up on it (as printed), NULL when done
  bytes INTEGER, -- bytes of the image (done), or received before giving up
  sha256 TEXT, -- SHA-256 of the bytes received (the image when done), or NULL
  final_url TEXT, -- where the last attempt ended after redirects
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), -- UTC time the URL was first listed
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), -- UTC time of its last outcome
  PRIMARY KEY (dataset, url)
) WITHOUT ROWID;
CREATE INDEX fetches_status ON fetches (status);

-- 0003-derived: derived objects, the results of degradations (gicat
-- degrade, degrade = in task files), computed once and reused.  A derived
-- image has an images row and an object like any other, but no entry.
CREATE TABLE derivations (
  parent TEXT NOT NULL REFERENCES images (sha256) ON DELETE CASCADE, -- the image the operations were applied to
  ops TEXT NOT NULL, -- canonical operation chain, e.g. 'resize(short=112)|png()' (ends with an encoder)
  codec TEXT NOT NULL, -- algorithm version and libjpeg-turbo, libpng, zlib versions: same codec, same bytes
  derived TEXT NOT NULL REFERENCES images (sha256) ON DELETE CASCADE, -- SHA-256 of the result, an images row and an object
  bytes INTEGER NOT NULL, -- size of the result in bytes
  width INTEGER NOT NULL, -- of the result, pixels
  height INTEGER NOT NULL, -- of the result, pixels
  format TEXT NOT NULL CHECK (format IN ('png', 'jpeg')), -- of the result: 'png' or 'jpeg'
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), -- UTC time it was computed
  PRIMARY KEY (parent, ops, codec)
) WITHOUT ROWID;
CREATE INDEX derivations_derived ON derivations (derived);

-- 0006-licenses: the license registry entries.license refers to (rows:
-- schema/licenses.tsv), and provenance metadata probed at ingest, added
-- to images and to v_entries (recreated with every column it had).
CREATE TABLE licenses (
  id TEXT PRIMARY KEY NOT NULL, -- SPDX id (CC-BY-4.0, MIT, ...) or LicenseRef-... for terms SPDX does not list
  name TEXT NOT NULL, -- full name
  url TEXT, -- where the terms are published; NULL when unknown
  terms TEXT NOT NULL, -- what they say about datasets like these, in a few sentences
  commercial INTEGER NOT NULL CHECK (commercial IN (0, 1)), -- 1: commercial use allowed
  redistribution INTEGER NOT NULL CHECK (redistribution IN (0, 1)), -- 1: copies may be passed on (on the license's terms)
  attribution INTEGER NOT NULL CHECK (attribution IN (0, 1)), -- 1: copies and published work must credit the source
  share_alike INTEGER NOT NULL CHECK (share_alike IN (0, 1)) -- 1: adaptations must carry the same license
) WITHOUT ROWID;
ALTER TABLE images ADD COLUMN exif_software TEXT; -- EXIF IFD0 Software (0x0131), printable ASCII, at most 63 bytes; NULL when absent
ALTER TABLE images ADD COLUMN exif_make TEXT; -- EXIF IFD0 Make (0x010f), the same way
ALTER TABLE images ADD COLUMN exif_model TEXT; -- EXIF IFD0 Model (0x0110), the same way
ALTER TABLE images ADD COLUMN xmp_source_type TEXT; -- XMP Iptc4xmpExt:DigitalSourceType, last part of the IPTC URI (trainedAlgorithmicMedia, ...)
ALTER TABLE images ADD COLUMN trailing_bytes INTEGER; -- (0012) bytes after the end of the image (PNG IEND chunk, JPEG EOI marker), which no decoder reads; NULL for images probed before gicat recorded it, until `gicat migrate --measure`
DROP VIEW v_entries;
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
       i.text_keys AS text_keys, i.storage AS storage,
       i.exif_software AS exif_software, i.exif_make AS exif_make,
       i.exif_model AS exif_model, i.xmp_source_type AS xmp_source_type,
       i.trailing_bytes AS trailing_bytes,
       i.quality_exact AS quality_exact, i.interlaced AS interlaced,
       i.orientation AS orientation, e.added_at AS added_at
FROM entries e JOIN images i ON i.sha256 = e.sha256
LEFT JOIN classes c ON c.idx = e.class;
ALTER TABLE entries ADD COLUMN file_id TEXT; -- 'device:inode' of the local file read at ingest (NULL for fetched entries and those of older catalogs): a path that is another spelling of a catalogued one is the same file only when this matches
ALTER TABLE rejects ADD COLUMN file_id TEXT; -- 'device:inode' of the local file that was rejected (NULL for URLs, directories and files that could not be opened): the same file rejected under another spelling replaces this row, and ingesting it under any spelling clears it
CREATE INDEX rejects_file_id ON rejects (file_id) WHERE file_id IS NOT NULL;

-- 0009-subset-index: task sets select by subset and split (the shipped
-- GenImage tasks: `subset = adm and split = val`); without an index each
-- such set read every entry of its dataset to find its own.
CREATE INDEX entries_subset_split ON entries (subset, split, label);

-- 0010-lean-file-records: materialized_files rebuilt with sha256 NULL for
-- image files (their hash is image_sha256): a third less per file.  The
-- table above is the result.

-- 0012-trailing-bytes: images.trailing_bytes and v_entries.trailing_bytes,
-- above (the view as redefined then).

-- 0013-license-rules: licenses attached to a dataset or a generator:
-- what ingest and fetch give the new entries of that dataset or generator
-- when no --license (or list column) is given (the union of both rules
-- when both apply), and what `gicat license set --dataset|--generator`
-- gives the entries already there.  entries.license stays the licenses
-- that apply.
CREATE TABLE license_rules (
  kind TEXT NOT NULL CHECK (kind IN ('dataset', 'generator')), -- what the rule attaches to
  name TEXT NOT NULL, -- the dataset's name, or the generator's id (sd14, ...)
  licenses TEXT NOT NULL, -- registered license ids separated by single spaces
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

-- 0014-counters: numbers that never come back (a materialization's,
-- which its row id alone would give again once the last row is deleted).
CREATE TABLE counters (
  name TEXT PRIMARY KEY NOT NULL, -- what is counted: 'materialization'
  value INTEGER NOT NULL -- the last number given
) WITHOUT ROWID;

-- 0015-ref-index: the images stored by reference, by their file: whether
-- there are any (mv, before it looks for the files of those it moves) and
-- which lie under a directory (an export's --out) are a few index steps,
-- where each read every image.
CREATE INDEX images_ref ON images (ref_path) WHERE storage = 'ref';

-- 0016-view-image-fields: v_entries.quality_exact, interlaced and
-- orientation (the image's) and added_at (the entry's), above (the view
-- as redefined then).

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
