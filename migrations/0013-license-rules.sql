-- 0013-license-rules: licenses attached to a dataset or a generator.
-- An entry's own licenses (entries.license) stay what audits and exports
-- read; a rule is what ingest and fetch give the new entries of its
-- dataset or generator when none is asked for, and `gicat license set
-- --dataset|--generator` gives the entries already there.
CREATE TABLE license_rules (
  kind TEXT NOT NULL CHECK (kind IN ('dataset', 'generator')),
  name TEXT NOT NULL,
  licenses TEXT NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;
