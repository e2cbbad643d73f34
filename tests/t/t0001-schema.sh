#!/bin/sh
# The schema: schema/schema.sql is exactly what the migrations produce,
# migrations apply once, and a newer catalog is never written by an older
# binary.
. "$(dirname "$0")/lib.sh"

dump() { # db: the schema as sorted SQL, comments and spacing normalised
	sqlite3 "$1" "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name" |
	sed 's/ *--.*$//' | tr -s ' \t\n' ' '
}

test_expect_success 'schema/schema.sql equals all migrations applied to an empty database' '
	gicat init cat 2>/dev/null &&
	sqlite3 fromschema.db <"$TOP/schema/schema.sql" &&
	dump cat/.gicat/catalog.db >migrated &&
	dump fromschema.db >documented &&
	test_cmp documented migrated
'

test_expect_success 'schema/generators.tsv: GenImage'"'"'s eight, in its order, with licenses the registry has' '
	test "$(cut -f1 "$TOP/schema/generators.tsv" | paste -sd" ")" = \
		"id midjourney sd14 sd15 adm glide wukong vqdm biggan" &&
	tail -n +2 "$TOP/schema/generators.tsv" | cut -f6 | tr " " "\n" | sort -u >used &&
	cut -f1 "$TOP/schema/licenses.tsv" | sort -u >known &&
	test -z "$(comm -23 used known)" &&
	mkdir -p gv && cd gv &&
	for row in $(tail -n +2 "$TOP/schema/generators.tsv" | cut -f1,3 | tr "\t" :); do
		id=${row%%:*} folder=${row#*:} &&
		mkdir -p "$folder/val/ai" && cp "$SHARED/data/pngsuite/basn2c08.png" "$folder/val/ai/$id.png" || exit 1
	done &&
	gicat init . 2>/dev/null && gicat ingest . 2>/dev/null &&
	gicat query --format csv --fields generator,path | tail -n +2 | sort >got &&
	tail -n +2 "$TOP/schema/generators.tsv" | awk -F"\t" "{print \$1 \",./\" \$3 \"/val/ai/\" \$1 \".png\"}" | sort >want &&
	test_cmp want got &&
	test "$(gicat query --format csv --fields license "generator = midjourney" | tail -1)" = \
		"LicenseRef-GenImage LicenseRef-Midjourney"
'

test_expect_success 'user_version is the latest migration' '
	n=$(ls "$TOP"/migrations/*.sql | sed "s|.*/0*||; s|-.*||" | sort -n | tail -1) &&
	v=$(sqlite3 cat/.gicat/catalog.db "PRAGMA user_version") &&
	test "$v" -eq "$n"
'

test_expect_success 'every column in schema.sql carries a comment' '
	awk "/^CREATE TABLE/ {t=1; next} t && /^\\)/ {t=0} t && !/--/ && !/^ *(UNIQUE|PRIMARY|CHECK)/ {print; bad=1} END {exit bad}" \
		"$TOP/schema/schema.sql"
'

test_expect_success 'the ImageNet class table matches schema/imagenet_classes.tsv' '
	sqlite3 -separator "	" cat/.gicat/catalog.db \
		"SELECT idx, wnid, name FROM classes ORDER BY idx" >got &&
	tail -n +2 "$TOP/schema/imagenet_classes.tsv" >want &&
	test_cmp want got
'

test_expect_success 'migrate --status lists applied migrations' '
	gicat --catalog cat migrate --status >out &&
	test_grep "applied  0001-core" out &&
	! grep pending out
'

test_expect_success 'a catalog from a newer gicat is read but never written' '
	sqlite3 cat/.gicat/catalog.db "PRAGMA user_version = 999" &&
	gicat --catalog cat query --count >out &&
	mkdir img && cp "$SHARED/data/pngsuite/basn0g08.png" img/ &&
	test_expect_code 3 gicat --catalog cat ingest img 2>err &&
	test_grep "newer than this gicat" err &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM images")" -eq 0
'

test_expect_success 'migrate --status reads a newer catalog (exit 0); migrate refuses it (exit 3)' '
	sqlite3 cat/.gicat/catalog.db "INSERT INTO images (sha256, bytes, format, width, height, channels, bit_depth, mode, phash, storage)
		VALUES (printf(${SQ}%064x${SQ}, 1), 1, ${SQ}png${SQ}, 8, 8, 3, 8, ${SQ}rgb${SQ}, 0, ${SQ}object${SQ})" &&
	gicat --catalog cat migrate --status >out 2>err &&
	test_grep "^schema version 999 (this gicat knows [0-9]*): newer than this gicat" out &&
	test_grep "^migrate: 1 image catalogued before 0012 has no trailing_bytes: .gicat migrate --measure., run by a gicat that knows its schema, decodes it to fill it in$" out &&
	sqlite3 cat/.gicat/catalog.db "DELETE FROM images" &&
	! test -s err &&
	test_expect_code 3 gicat --catalog cat migrate >out 2>err &&
	test_grep "refusing to write" err
'

test_expect_success 'a catalog of schema 9 is brought up to date; its export records keep their meaning' '
	mkdir old && for m in "$TOP"/migrations/000*.sql; do cat "$m"; done >old.sql &&
	sqlite3 old/catalog.db <old.sql &&
	sqlite3 old/catalog.db "PRAGMA user_version = 9" &&
	mkdir -p c9 && mv old c9/.gicat && mkdir c9/.gicat/objects &&
	: >c9/.gicat/lock &&
	h=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef &&
	m=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210 &&
	sqlite3 c9/.gicat/catalog.db "INSERT INTO materializations (id, task_name, task_hash, seed, format, mode, out_dir, files) VALUES (1, \"t\", \"x\", 0, \"imagefolder\", \"link\", \"/nowhere\", 2);
		INSERT INTO materialized_files VALUES (1, \"train/0_real/a.png\", \"$h\", \"$h\", \"train\"), (1, \"MANIFEST.sha256\", \"$m\", NULL, NULL);" &&
	latest=$(ls "$TOP"/migrations/*.sql | wc -l) &&
	gicat --catalog c9 migrate --status >out &&
	test "$(sqlite3 c9/.gicat/catalog.db "PRAGMA user_version")" = 9 &&
	test_grep "^applied  0009-subset-index$" out &&
	test_grep "^pending  0010-lean-file-records$" out &&
	test_grep "^schema version 9 (this gicat knows $latest): $((latest - 9)) pending (.gicat migrate. applies them)$" out &&
	gicat --catalog c9 migrate >out 2>&1 &&
	test "$(head -1 out)" = "migrate: applied 0010-lean-file-records" &&
	test_grep "^schema version $latest (this gicat knows $latest)$" out &&
	test "$(sqlite3 c9/.gicat/catalog.db "PRAGMA user_version")" = "$latest" &&
	test "$(sqlite3 c9/.gicat/catalog.db "SELECT path, coalesce(sha256, \"-\"), coalesce(image_sha256, \"-\") FROM materialized_files ORDER BY path")" = "MANIFEST.sha256|$m|-
train/0_real/a.png|-|$h" &&
	dump c9/.gicat/catalog.db >upgraded && test_cmp documented upgraded
'

test_expect_success 'migrate --status of an older catalog with images to measure says to migrate first' '
	mkdir -p c13/.gicat/objects &&
	for m in "$TOP"/migrations/00*.sql; do
		n=$(basename "$m" | cut -c1-4) && [ "$n" -le 13 ] && cat "$m" || :
	done | sqlite3 c13/.gicat/catalog.db &&
	sqlite3 c13/.gicat/catalog.db "PRAGMA user_version = 13;
		INSERT INTO images (sha256, bytes, format, width, height, channels, bit_depth, mode, phash, storage)
		VALUES (printf(${SQ}%064x${SQ}, 1), 1, ${SQ}png${SQ}, 8, 8, 3, 8, ${SQ}rgb${SQ}, 0, ${SQ}object${SQ})" &&
	gicat --catalog c13 migrate --status >out &&
	test_grep "^migrate: 1 image catalogued before 0012 has no trailing_bytes: .gicat migrate --measure., after .gicat migrate., decodes it to fill it in$" out &&
	test "$(sqlite3 c13/.gicat/catalog.db "PRAGMA user_version")" = 13
'

test_expect_success 'a migration that fails undoes those applied before it in the run; the next run applies them all' '
	mkdir -p c12/.gicat/objects &&
	for m in "$TOP"/migrations/*.sql; do
		case $m in */000*|*/001[0-2]-*) cat "$m" ;; esac
	done >c12.sql &&
	sqlite3 c12/.gicat/catalog.db <c12.sql &&
	sqlite3 c12/.gicat/catalog.db "PRAGMA user_version = 12; CREATE TABLE counters (x)" &&
	test_expect_code 3 gicat --catalog c12 migrate >out 2>err &&
	test_grep "migration 0014-counters: table counters already exists" err &&
	test "$(sqlite3 c12/.gicat/catalog.db "PRAGMA user_version")" = 12 &&
	test -z "$(sqlite3 c12/.gicat/catalog.db "SELECT name FROM sqlite_master WHERE name = ${SQ}license_rules${SQ}")" &&
	sqlite3 c12/.gicat/catalog.db "DROP TABLE counters" &&
	gicat --catalog c12 migrate >out &&
	test_grep "^migrate: applied 0013-license-rules$" out &&
	test_grep "^migrate: applied 0014-counters$" out &&
	dump c12/.gicat/catalog.db >upgraded && test_cmp documented upgraded
'

test_expect_success 'a writer waits for another to finish rather than fail at once' '
	gicat init busy 2>/dev/null && {
	$PY -c "import sqlite3, time
db = sqlite3.connect(\"busy/.gicat/catalog.db\", isolation_level=None)
db.execute(\"BEGIN IMMEDIATE\"); print(\"held\", flush=True); time.sleep(2)
db.execute(\"ROLLBACK\")" >held & } &&
	n=0 && while ! test -s held && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done &&
	test -s held &&
	gicat --catalog busy license set --dataset waits MIT 2>err &&
	wait && test "$(sqlite3 busy/.gicat/catalog.db "SELECT licenses FROM license_rules")" = MIT
'

test_expect_success 'a copy that lost its schema version (sqlite3 .dump) is refused, saying so, not migrated again' '
	mkdir -p dumped/.gicat/objects &&
	sqlite3 c9/.gicat/catalog.db .dump | sqlite3 dumped/.gicat/catalog.db &&
	test "$(sqlite3 dumped/.gicat/catalog.db "PRAGMA user_version")" = 0 &&
	test_expect_code 3 gicat --catalog dumped query --count 2>err &&
	test_grep "holds a schema but no schema version (PRAGMA user_version is 0)" err &&
	test "$(sqlite3 dumped/.gicat/catalog.db "PRAGMA user_version")" = 0 &&
	sqlite3 dumped/.gicat/catalog.db "PRAGMA user_version = $(sqlite3 c9/.gicat/catalog.db "PRAGMA user_version")" &&
	test "$(gicat --catalog dumped query --count)" = 0
'

test_expect_success 'a negative schema version (set by hand) is refused by every command, saying so' '
	sqlite3 dumped/.gicat/catalog.db "PRAGMA user_version = -3" &&
	for cmd in "query --count" "migrate --status" "migrate" "stats"; do
		test_expect_code 3 gicat --catalog dumped $cmd >out 2>err &&
		test_grep "catalog.db has schema version -3 (PRAGMA user_version), which no gicat writes: give it the version of the catalog it was copied from" err &&
		! test -s out || return 1
	done &&
	test "$(sqlite3 dumped/.gicat/catalog.db "PRAGMA user_version")" = -3
'

reader_catalog
test_expect_success 'a reader who cannot replay a left-over WAL is refused, not shown the catalog before it' '
	gicat init "$roc" 2>/dev/null && cp "$SHARED/data/pngsuite/basn0g08.png" "$roc/" &&
	gicat --catalog "$roc" ingest "$roc" 2>/dev/null &&
	$PY -c "import os, sqlite3
db = sqlite3.connect(\"$roc/.gicat/catalog.db\")
db.execute(\"UPDATE entries SET dataset = ${SQ}renamed${SQ}\"); db.commit()
os._exit(0)" &&
	test -s "$roc/.gicat/catalog.db-wal" && rm "$roc/.gicat/catalog.db-shm" &&
	{ [ "$(id -u)" = 0 ] || chmod -R a-w "$roc/.gicat"; } &&
	test_expect_code 3 as_reader --catalog "$roc" query --format csv --fields dataset >out 2>err &&
	! grep "$(basename "$roc")" out &&
	test_grep "catalog.db-wal. holds changes" err &&
	{ [ "$(id -u)" = 0 ] || chmod -R u+w "$roc/.gicat"; } &&
	test "$(gicat --catalog "$roc" query --format csv --fields dataset | tail -1)" = renamed &&
	test "$(as_reader --catalog "$roc" query --format csv --fields dataset | tail -1)" = renamed
'
test_expect_success 'migrate --status says a catalog it may not write is from a newer gicat' '
	sqlite3 "$roc/.gicat/catalog.db" "PRAGMA user_version = 999" &&
	{ [ "$(id -u)" = 0 ] || chmod -R a-w "$roc/.gicat"; } &&
	as_reader --catalog "$roc" migrate --status >out &&
	test_grep "^schema version 999 (this gicat knows [0-9]*): newer than this gicat, which reads it but never writes it: read-only here (no write access)$" out &&
	{ [ "$(id -u)" = 0 ] || chmod -R u+w "$roc/.gicat"; }
'
reader_done

test_done
