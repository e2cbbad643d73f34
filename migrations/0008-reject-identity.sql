-- 0008-reject-identity: the file a reject was read from (device and
-- inode), so that one file named two ways is one reject, and ingesting it
-- fixed, under either name, clears it.
ALTER TABLE rejects ADD COLUMN file_id TEXT;
CREATE INDEX rejects_file_id ON rejects (file_id) WHERE file_id IS NOT NULL;
