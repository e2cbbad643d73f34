#!/bin/sh
# One derived image that two parents give (the same pixels in two files):
# rm counts it among what gc deletes only when neither parent is in use
# any more, as gc decides.
. "$(dirname "$0")/lib.sh"

mkdir src && cp "$SHARED"/data/pngsuite/basn2c08.png "$SHARED"/data/pngsuite/basi2c08.png src/
gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"
gicat ingest --layout flat --dataset a src/basn2c08.png 2>/dev/null
gicat ingest --layout flat --dataset b src/basi2c08.png 2>/dev/null
sha() { gicat query --format csv --fields sha256 "dataset = $1" | tail -1; }

test_expect_success 'an interlaced and a plain PNG of the same pixels derive one image' '
	gicat degrade "blur(sigma=1)" "$(sha a)" >da.png 2>/dev/null &&
	gicat degrade "blur(sigma=1)" "$(sha b)" >db.png 2>err &&
	cmp da.png db.png &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(DISTINCT parent) || count(DISTINCT derived) FROM derivations")" = 21
'

test_expect_success 'rm of one parent: the derived image stays, as its other parent is in use' '
	gicat rm --dry-run "dataset = a" 2>err &&
	test "$(cat err)" = "rm: would remove 1 entry; 1 image would have no entry left (gicat gc would delete it and its object)" &&
	gicat rm "dataset = a" 2>err &&
	test "$(cat err)" = "rm: removed 1 entry; 1 image has no entry left (gicat gc deletes it and its object)" &&
	gicat gc --grace 0 2>out &&
	test_grep "^gc: removed 1 unused image row, 1 object," out &&
	gicat degrade "blur(sigma=1)" "$(sha b)" >db2.png 2>err &&
	test_grep "^degrade: reused" err && cmp db.png db2.png
'

test_expect_success 'rm of the other parent: now gc deletes the derived image too' '
	gicat rm "dataset = b" 2>err &&
	test "$(cat err)" = "rm: removed 1 entry; 1 image has no entry left (gicat gc deletes it and its object, and 1 image derived from it)" &&
	gicat gc --grace 0 2>out &&
	test_grep "^gc: removed 2 unused image rows, 2 objects," out
'

test_done
