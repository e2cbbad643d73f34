-- 0009-subset-index: task sets select by subset and split (the shipped
-- GenImage tasks: `subset = adm and split = val`); without an index each
-- such set read every entry of its dataset to find its own.
CREATE INDEX entries_subset_split ON entries (subset, split, label);
