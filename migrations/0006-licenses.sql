-- 0006-licenses: the license registry that entries.license refers to (its
-- rows come from schema/licenses.tsv), GenImage's default licenses on the
-- entries catalogued before, and provenance metadata probed at ingest
-- (EXIF Software/Make/Model, XMP DigitalSourceType), also in v_entries.
CREATE TABLE licenses (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  url TEXT,
  terms TEXT NOT NULL,
  commercial INTEGER NOT NULL CHECK (commercial IN (0, 1)),
  redistribution INTEGER NOT NULL CHECK (redistribution IN (0, 1)),
  attribution INTEGER NOT NULL CHECK (attribution IN (0, 1)),
  share_alike INTEGER NOT NULL CHECK (share_alike IN (0, 1))
) WITHOUT ROWID;
-- only GenImage trees give entries a subset: these are GenImage's files
UPDATE entries SET license = CASE
    WHEN label = 'real' THEN 'LicenseRef-GenImage LicenseRef-ImageNet'
    WHEN generator = 'midjourney' THEN 'LicenseRef-GenImage LicenseRef-Midjourney'
    ELSE 'LicenseRef-GenImage' END
  WHERE license IS NULL AND subset IS NOT NULL;
ALTER TABLE images ADD COLUMN exif_software TEXT;
ALTER TABLE images ADD COLUMN exif_make TEXT;
ALTER TABLE images ADD COLUMN exif_model TEXT;
ALTER TABLE images ADD COLUMN xmp_source_type TEXT;
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
       i.exif_model AS exif_model, i.xmp_source_type AS xmp_source_type
FROM entries e JOIN images i ON i.sha256 = e.sha256
LEFT JOIN classes c ON c.idx = e.class;
-- rows of schema/licenses.tsv (scripts/licenses2sql.sh writes what follows: edit the TSV)
INSERT INTO licenses (id, name, url, terms, commercial, redistribution, attribution, share_alike) VALUES
('Apache-2.0', 'Apache License 2.0', 'https://www.apache.org/licenses/LICENSE-2.0', 'Any use, commercial included; copies keep the license, the copyright notices and a statement of changes; no trademark rights.', 1, 1, 1, 0),
('BSD-3-Clause', 'BSD 3-Clause License', 'https://opensource.org/license/bsd-3-clause', 'Any use, commercial included; copies keep the copyright notice and the disclaimer; the authors'' names may not endorse derived products.', 1, 1, 1, 0),
('CC-BY-4.0', 'Creative Commons Attribution 4.0 International', 'https://creativecommons.org/licenses/by/4.0/', 'Share and adapt for any purpose, commercial included, giving credit, a link to the license and an indication of changes.', 1, 1, 1, 0),
('CC-BY-NC-4.0', 'Creative Commons Attribution-NonCommercial 4.0 International', 'https://creativecommons.org/licenses/by-nc/4.0/', 'Share and adapt for non-commercial purposes only, giving credit, a link to the license and an indication of changes.', 0, 1, 1, 0),
('CC-BY-NC-SA-4.0', 'Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International', 'https://creativecommons.org/licenses/by-nc-sa/4.0/', 'Share and adapt for non-commercial purposes only, giving credit; adaptations are shared under the same license.', 0, 1, 1, 1),
('CC-BY-SA-4.0', 'Creative Commons Attribution-ShareAlike 4.0 International', 'https://creativecommons.org/licenses/by-sa/4.0/', 'Share and adapt for any purpose, commercial included, giving credit; adaptations are shared under the same license.', 1, 1, 1, 1),
('CC0-1.0', 'Creative Commons Zero v1.0 Universal', 'https://creativecommons.org/publicdomain/zero/1.0/', 'Public-domain dedication: no conditions.', 1, 1, 0, 0),
('CreativeML-OpenRAIL-M', 'CreativeML Open RAIL-M', 'https://huggingface.co/spaces/CompVis/stable-diffusion-license', 'The license of the Stable Diffusion 1.x weights. The licensor claims no rights in generated images; their use must respect the use-based restrictions of its Attachment A (nothing unlawful, no harm to minors, no defamation or disinformation meant to harm, ...). The flags describe images made with the model, not the model.', 1, 1, 0, 0),
('LicenseRef-GenImage', 'GenImage dataset terms (CC BY-NC-SA 4.0 plus the Dataset Terms)', 'https://github.com/GenImage-Dataset/GenImage', 'Non-commercial purposes only, such as academic research, teaching and scientific publication: no selling of the data and no commercial gain from it or from derivative works. CC BY-NC-SA 4.0 applies where the Dataset Terms are silent: credit GenImage (Zhu et al., GenImage: A Million-Scale Benchmark for Detecting AI-Generated Image, arXiv:2306.08571) and share adaptations under the same license.', 0, 1, 1, 1),
('LicenseRef-ImageNet', 'ImageNet terms of access', 'https://image-net.org/download', 'Non-commercial research and educational use only, by researchers who accepted the terms; the images belong to their copyright holders and are not shared with anyone who has not accepted the terms.', 0, 0, 0, 0),
('LicenseRef-Midjourney', 'Midjourney Terms of Service', 'https://docs.midjourney.com/docs/terms-of-service', 'Images belong to the paid member who made them, or are licensed under CC BY-NC 4.0 when made on a free plan; anyone else may at most share and adapt them non-commercially, giving credit.', 0, 1, 1, 0),
('LicenseRef-Unknown', 'Unknown terms', NULL, 'The terms of these images were not recorded: find them out before any use.', 0, 0, 0, 0),
('MIT', 'MIT License', 'https://opensource.org/license/mit', 'Any use, commercial included; copies keep the copyright notice and the permission notice.', 1, 1, 1, 0);
