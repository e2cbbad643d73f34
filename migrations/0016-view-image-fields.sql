-- 0016-view-image-fields: v_entries gets what gicat show prints of an
-- image but the query language could not name: quality_exact, interlaced
-- and orientation (images), and added_at, the entry's (entries), so that
-- a query reading the entries table alone means the same by it.
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
