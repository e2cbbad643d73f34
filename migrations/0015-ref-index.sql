-- 0015-ref-index: the images stored by reference, by their file: whether
-- there are any (mv, before it looks for the files of those it moves) and
-- which lie under a directory (an export's --out) are a few index steps,
-- where each read every image.
CREATE INDEX images_ref ON images (ref_path) WHERE storage = 'ref';
