-- 0007-file-identity: the file an entry was read from (device and inode),
-- so that a catalogued file named from another working directory is told
-- from a copy of it.
ALTER TABLE entries ADD COLUMN file_id TEXT;
