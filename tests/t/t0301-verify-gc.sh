#!/bin/sh
# verify finds missing and corrupt objects (exit 1), mentions leftovers as
# harmless (exit 0); gc removes them; damaged, read-only and missing
# catalogs are refused or read, never emptied.
. "$(dirname "$0")/lib.sh"

pngsuite_catalog


test_expect_success 'verify is clean, then exits 1 naming a corrupt object, its entries, the remedy' '
	mkdir img2 && cp img/basn0g08.png img2/ && gicat ingest img2 2>/dev/null &&
	gicat verify --full >out && test_grep " 0 problems" out &&
	o=$(obj basn0g08.png) && chmod u+w "$o" &&
	printf "\\001" | dd of="$o" bs=1 seek=40 conv=notrunc 2>/dev/null &&
	gicat verify >out &&
	test_expect_code 1 gicat verify --full 2>err >out &&
	test "$(wc -l <err)" -eq 1 &&
	test_grep "^gicat: verify: .$(first basn0g08.png).: object is corrupt (hash [0-9a-f]\\{64\\}); 2 entries, e.g. .img/basn0g08.png.: restore that file and ingest it again with --repair$" err &&
	mv img/basn0g08.png aside.png &&
	test_expect_code 1 gicat verify --full 2>err >out &&
	test_grep "; 2 entries, e.g. .img2/basn0g08.png.: restore that file" err &&
	mv aside.png img/basn0g08.png &&
	test_expect_code 3 gicat cat "$(first basn0g08.png)" >out 2>err &&
	test_grep "object $(first basn0g08.png) is corrupt (hash [0-9a-f]\{64\}): .gicat verify --full. lists each image so damaged, with what to do$" err &&
	! test -s out
'

test_expect_success 'verify on a terminal shows how far it is, and clears that line for a problem' '
	# the object of basn0g08.png is still corrupt
	test_expect_code 1 on_tty gicat verify --full >tty &&
	test_grep "verify 1/[0-9]" tty &&
	test_grep "x1b\\[Kgicat: verify: .[0-9a-f]\\{64\\}.: object is corrupt" tty &&
	test_expect_code 1 gicat verify --full 2>err >out &&
	! grep "verify [0-9]" err out
'

test_expect_success 'verify exits 1 naming a missing object; cat fails with exit 3' '
	o=$(obj basn2c08.png) && rm -f "$o" &&
	test_expect_code 1 gicat verify 2>err >out &&
	test_grep "object is missing from the store; 1 entry, .img/basn2c08.png.: restore that file and ingest it again$" err &&
	test_expect_code 3 gicat cat "$(first basn2c08.png)" >/dev/null 2>err
'

test_expect_success 'verify of a store that lost every object says so once at the end' '
	gicat init lostobj 2>/dev/null && mkdir lo2 && cp img/basn0g08.png img/basn2c08.png lo2/ &&
	gicat --catalog lostobj ingest lo2 2>/dev/null &&
	find lostobj/.gicat/objects -type f -delete &&
	test_expect_code 1 gicat --catalog lostobj verify >out 2>err &&
	test "$(grep -c "object is missing from the store" err)" -eq 2 &&
	test_grep "^verify: note: every one of the 2 objects is missing from .*lostobj/.gicat/objects: is the store.s disk mounted, or is this the catalog meant (--catalog)?$" out &&
	test_expect_code 1 gicat verify >out 2>/dev/null && ! grep "every one" out
'

test_expect_success 'ingesting the originals again puts a missing object back; --repair a corrupt one' '
	gicat ingest img 2>err && test_grep "already present" err &&
	test_grep "^  1 object missing or damaged in the store, stored again from the file$" err &&
	test_expect_code 1 gicat verify --full >out 2>err &&
	test "$(grep -c "^gicat: verify: " err)" -eq 1 && test_grep " is corrupt " err &&
	gicat ingest --repair img 2>err && test_grep "already present" err &&
	test_grep "^  1 object missing or damaged in the store, stored again from the file$" err &&
	gicat ingest --repair img 2>err && ! grep "stored again" err &&
	gicat verify --full >out 2>err && test_grep " 0 problems" out &&
	gicat cat "$(first basn0g08.png)" >back && cmp back img/basn0g08.png &&
	gicat cat "$(first basn2c08.png)" >back && cmp back img/basn2c08.png &&
	test "$(stat -c %a "$(obj basn0g08.png)")" = 444
'

test_expect_success 'verify without --full names an object of another size; ingesting its file again mends it' '
	gicat init csz 2>/dev/null && gicat --catalog csz ingest img 2>/dev/null &&
	h=$(gicat --catalog csz query --format csv --fields sha256 "path = img/basn0g08.png" | tail -1) &&
	o=csz/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-) &&
	chmod u+w "$o" && printf x >>"$o" &&
	test_expect_code 1 gicat --catalog csz verify 2>err >out &&
	test_grep "^gicat: verify: .$h.: object has 139 bytes, catalog says 138; 1 entry, .img/basn0g08.png.: restore that file and ingest it again$" err &&
	gicat --catalog csz ingest img 2>err &&
	test_grep "^  1 object missing or damaged in the store, stored again from the file$" err &&
	gicat --catalog csz verify --full >out && test_grep " 0 problems" out
'

test_expect_success 'verify --full checks the indexes against their tables (integrity_check)' '
	gicat init cix 2>/dev/null && gicat --catalog cix ingest img 2>/dev/null &&
	sqlite3 cix/.gicat/catalog.db "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = ${SQ}CREATE INDEX entries_sha256 ON entries (path)${SQ} WHERE name = ${SQ}entries_sha256${SQ}" &&
	test_expect_code 1 gicat --catalog cix verify --full 2>err >out &&
	test_grep "^gicat: verify: .catalog.db.: row [0-9]* missing from index entries_sha256$" err
'

# zero_cells DB NAME [AT BYTES]: sets the cell count of the root page of
# table or index NAME to 0, as a torn write might: the rows below it are
# lost; or writes BYTES (hex) at AT in that page.
zero_cells() {
	root=$(sqlite3 "$1" "SELECT rootpage FROM sqlite_schema WHERE name = '$2'") &&
	"$PY" -c "import sys; f = open(sys.argv[1], 'r+b'); f.seek((int(sys.argv[2]) - 1) * int(sys.argv[3]) + int(sys.argv[4])); f.write(bytes.fromhex(sys.argv[5]))" \
		"$1" "$root" "$(sqlite3 "$1" "PRAGMA page_size")" "${3:-3}" "${4:-0000}"
}

test_expect_success 'verify names a damaged catalog page once, and reports a check the damage stops (exit 1, not 3); gc refuses such a catalog' '
	gicat init cpg 2>/dev/null && mkdir copies &&
	for i in $(seq 300); do cp img/basn0g08.png copies/$i.png; done &&
	gicat --catalog cpg ingest copies 2>/dev/null &&
	zero_cells cpg/.gicat/catalog.db entries_sha256 &&
	test_expect_code 1 gicat --catalog cpg verify 2>err >out &&
	! grep "\*\*\*" err &&
	test "$(grep -c "^gicat: verify: .catalog.db.: " err)" -eq "$(sed -n "s/.*; \([0-9]*\) problems*$/\1/p" out)" &&
	test_expect_code 1 gicat --catalog cpg verify --full 2>err >out &&
	test_grep "^gicat: verify: .catalog.db.: integrity_check stopped: database disk image is malformed$" err &&
	test_grep "^verify: 1 image: 1 object re-hashed" out &&
	zero_cells cpg/.gicat/catalog.db entries &&
	test_expect_code 1 gicat --catalog cpg verify 2>err >out &&
	test_grep "^gicat: verify: .catalog.db.: foreign_key_check stopped: database disk image is malformed$" err &&
	test_expect_code 3 gicat --catalog cpg gc 2>err &&
	test "$(cat err)" = "gicat: gc: database disk image is malformed" &&
	zero_cells cpg/.gicat/catalog.db images 0 ff &&
	for f in "" --full; do
		test_expect_code 1 gicat --catalog cpg verify $f 2>err >out &&
		test_grep "^gicat: verify: .catalog.db.: reading images stopped: database disk image is malformed$" err &&
		test_grep "^verify: .*; [0-9]* problems$" out || return 1
	done
'

test_expect_success 'gc keeps the images of entries an index on them lost (it reads the table)' '
	gicat init cix2 2>/dev/null && gicat --catalog cix2 ingest img 2>/dev/null &&
	n=$(find cix2/.gicat/objects -type f | wc -l) &&
	sqlite3 cix2/.gicat/catalog.db "DROP INDEX entries_sha256; CREATE INDEX entries_sha256 ON entries (sha256) WHERE id % 2 = 0; PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = ${SQ}CREATE INDEX entries_sha256 ON entries (sha256)${SQ} WHERE name = ${SQ}entries_sha256${SQ}" &&
	gicat --catalog cix2 gc --grace 0 2>err &&
	test_grep "^gc: removed 0 unused image rows, 0 objects" err &&
	test "$(find cix2/.gicat/objects -type f | wc -l)" -eq "$n"
'

test_expect_success 'verify names a dangling reference in the catalog: table, row, parent' '
	gicat init c3 2>/dev/null && gicat --catalog c3 ingest img 2>/dev/null &&
	h=$(gicat --catalog c3 query --format csv --fields sha256 "path = img/basn2c08.png" | tail -1) &&
	id=$(sqlite3 c3/.gicat/catalog.db "SELECT id FROM entries WHERE sha256 = '"'"'$h'"'"'") &&
	sqlite3 c3/.gicat/catalog.db "PRAGMA foreign_keys = OFF; DELETE FROM images WHERE sha256 = '"'"'$h'"'"'" &&
	test_expect_code 1 gicat --catalog c3 verify 2>err >out &&
	test_grep "^gicat: verify: .catalog.db.: row $id of entries refers to a missing row of images$" err
'

test_expect_success 'leftover temporary files and orphans are harmless, gc removes them' '
	gicat init c2 2>/dev/null && gicat --catalog c2 ingest img 2>/dev/null &&
	mkdir -p c2/.gicat/objects/00 && touch c2/.gicat/objects/00/tmp-leftover &&
	mkdir -p c2/.gicat/objects/ff && echo x >c2/.gicat/objects/ff/$(printf "%062d" 0) &&
	stray=$(printf "%062d" 0 | tr 0 Z) && echo mine >c2/.gicat/objects/ff/$stray &&
	echo notes >c2/.gicat/objects/README &&
	mkdir c2/.gicat/objects/ff/$(printf "%062d" 5) &&
	gicat --catalog c2 verify >out && test_grep "harmless: 1 unreferenced object, 1 temporary file (" out &&
	test_grep "^verify: note: 3 entries under objects/ that gicat did not write" out &&
	# while another gicat holds the catalog, they may be its objects
	{ flock -s c2/.gicat/lock sleep 3 & } && sleep 0.3 &&
	gicat --catalog c2 verify >out &&
	test_grep "harmless: 1 unreferenced object, 1 temporary file, while another gicat uses the catalog (an ingest, fetch or split stores objects before it commits the rows that use them)$" out &&
	wait &&
	gicat --catalog c2 gc 2>out && test_grep "0 objects, 0 temporary" out &&
	test_grep "^gc: kept 1 object, 1 temporary file changed less than 3600 seconds ago" out &&
	test_grep "gicat gc --grace 0" out &&
	gicat --catalog c2 gc --grace 0 2>out && test_grep "1 object, 1 temporary" out &&
	! grep kept out && test -f c2/.gicat/objects/ff/$stray &&
	test -d c2/.gicat/objects/ff/$(printf "%062d" 5) &&
	test -f c2/.gicat/objects/README &&
	gicat --catalog c2 verify >out && ! grep harmless out
'

test_expect_success 'an object file of an image stored by reference is no object in use: gc removes it, the image stays' '
	gicat init cref 2>/dev/null && mkdir -p refimg && cp img/basn0g08.png refimg/ &&
	gicat --catalog cref ingest --mode ref --dataset d refimg 2>/dev/null &&
	h=$(sha256sum refimg/basn0g08.png | cut -c1-64) &&
	o=cref/.gicat/objects/$(echo $h | cut -c1-2) && mkdir -p $o &&
	cp refimg/basn0g08.png $o/$(echo $h | cut -c3-) &&
	gicat --catalog cref gc --grace 0 2>err &&
	test_grep "^gc: removed 0 unused image rows, 1 object," err &&
	! test -e $o/$(echo $h | cut -c3-) &&
	test "$(gicat --catalog cref query --count "storage = ref")" -eq 1 &&
	gicat --catalog cref verify >out && test_grep " 0 problems" out
'

test_expect_success 'an object that is a directory, a link or a FIFO is named as such; repair replaces it' '
	gicat init c9 2>/dev/null && gicat --catalog c9 ingest img 2>/dev/null &&
	o9() { h=$(gicat --catalog c9 query --format csv --fields sha256 "path = img/$1" | tail -1) &&
	       echo "c9/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-)"; } &&
	d=$(o9 basn0g08.png) && l=$(o9 basn2c08.png) && f=$(o9 basn4a16.png) &&
	rm -f "$d" "$l" "$f" && mkdir "$d" && cp img/basn2c08.png outside.png &&
	ln -s "$TRASH/outside.png" "$l" && mkfifo "$f" &&
	test_expect_code 1 gicat --catalog c9 verify --full >out 2>err &&
	test_grep "the object is a directory, not a file (remove it); 1 entry, .img/basn0g08.png.: restore" err &&
	test_grep "the object is a symbolic link, not a file (remove it); 1 entry, .img/basn2c08.png." err &&
	test_grep "the object is a FIFO, not a file (remove it); 1 entry, .img/basn4a16.png." err &&
	test_expect_code 3 gicat --catalog c9 cat "$(basename "$(dirname "$l")")$(basename "$l")" >/dev/null 2>err &&
	test_grep "is a symbolic link, not a file; run .gicat verify.$" err &&
	test_expect_code 3 gicat --catalog c9 ingest --repair img 2>err &&
	test_grep "is a directory where the object goes: remove it by hand$" err &&
	# the run that stopped at the directory may have replaced the others
	rmdir "$d" && gicat --catalog c9 ingest --repair img 2>err &&
	test_grep "^  [1-3] objects\{0,1\} missing or damaged in the store, stored again from the files\{0,1\}$" err &&
	gicat --catalog c9 verify --full >out && test_grep " 0 problems" out &&
	test -f "$l" && ! test -L "$l" && test -f outside.png
'

test_expect_success 'gc leaves a directory named like a temporary file; a link frees no bytes' '
	mkdir -p c9/.gicat/objects/ab/tmp-dir/sub && echo x >c9/.gicat/objects/ab/tmp-dir/sub/f &&
	echo y >c9/.gicat/objects/ab/tmp-file &&
	mkdir -p c9/.gicat/objects/ef && ln -s "$TRASH/outside.png" c9/.gicat/objects/ef/$(printf "%062d" 1) &&
	gicat --catalog c9 verify >out &&
	test_grep "harmless: 1 unreferenced object, 1 temporary file (" out &&
	test_grep "^verify: note: 1 entry under objects/ that gicat did not write" out &&
	gicat --catalog c9 gc --dry-run --grace 0 2>dry &&
	gicat --catalog c9 gc --grace 0 2>real &&
	test "$(sed "s/would remove/removed/" dry)" = "$(cat real)" &&
	test_grep "1 object, 1 temporary file (2 bytes freed)" real &&
	! test_grep "hard link" real &&
	test -d c9/.gicat/objects/ab/tmp-dir && test -f outside.png
'

test_expect_success 'a store that is a link to another catalog'"'"'s: verify names it, gc and ingest touch nothing through it' '
	gicat init c11 2>/dev/null && mkdir -p i11 && cp img/basn2c08.png img/basn0g08.png i11/ &&
	gicat --catalog c11 ingest i11 2>/dev/null &&
	gicat init c12 2>/dev/null && rm -r c12/.gicat/objects && ln -s "$TRASH/c11/.gicat/objects" c12/.gicat/objects &&
	test_expect_code 1 gicat --catalog c12 verify >out 2>err &&
	test_grep "^gicat: verify: .objects.: objects is a symbolic link, not a directory: objects are kept in the catalog${SQ}s own .gicat/objects (move what it points to back there; a bind mount can hold it on another disk)$" err &&
	! grep "unreferenced" out &&
	test_expect_code 3 gicat --catalog c12 gc --grace 0 2>err &&
	test_grep "^gicat: gc: objects is a symbolic link, not a directory" err &&
	test_expect_code 3 gicat --catalog c12 ingest img/basn6a08.png 2>err &&
	test_grep "objects is a symbolic link, not a directory" err &&
	test "$(gicat --catalog c12 query --count)" -eq 0 &&
	gicat --catalog c11 verify --full >out && test_grep "2 objects re-hashed.* 0 problems" out &&
	test "$(find c11/.gicat/objects -type f | wc -l)" -eq 2
'

test_expect_success 'a fan-out directory that is a link out of the store: verify names it, gc and ingest touch nothing through it' '
	gicat init c10 2>/dev/null && mkdir -p i10 && cp img/basn2c08.png i10/ &&
	gicat --catalog c10 ingest i10 2>/dev/null &&
	h=$(gicat --catalog c10 query --format csv --fields sha256 | tail -1) && xx=$(echo $h | cut -c1-2) &&
	mkdir away && mv c10/.gicat/objects/$xx away/ && ln -s "$TRASH/away/$xx" c10/.gicat/objects/$xx &&
	echo precious >away/$xx/$(printf "%062d" 7) && echo t >away/$xx/tmp-old &&
	test_expect_code 1 gicat --catalog c10 verify >out 2>err &&
	test_grep "^gicat: verify: .objects.: objects/$xx is a symbolic link, not a directory: objects are kept in the store itself (put what it holds back in a directory of that name)$" err &&
	test_expect_code 3 gicat --catalog c10 gc --grace 0 2>err &&
	test_grep "objects/$xx is a symbolic link, not a directory" err &&
	test -f away/$xx/$(printf "%062d" 7) && test -f away/$xx/tmp-old &&
	test_expect_code 3 gicat --catalog c10 ingest --repair i10 2>err &&
	test_grep "objects/$xx is a symbolic link, not a directory" err &&
	rm c10/.gicat/objects/$xx && mv away/$xx c10/.gicat/objects/ &&
	rm c10/.gicat/objects/$xx/$(printf "%062d" 7) c10/.gicat/objects/$xx/tmp-old &&
	gicat --catalog c10 verify >out && test_grep " 0 problems" out
'

reader_catalog
test_expect_success 'a catalog that may be read but not written is read; writers are refused (exit 3)' '
	gicat init "$roc" 2>/dev/null && cp img/basn2c08.png img/basn0g08.png "$roc/" &&
	gicat --catalog "$roc" ingest "$roc" 2>/dev/null &&
	sqlite3 "$roc/.gicat/catalog.db" "UPDATE images SET trailing_bytes = NULL WHERE format = ${SQ}png${SQ}" &&
	{ [ "$(id -u)" = 0 ] || chmod -R a-w "$roc/.gicat"; } &&
	! test -e "$roc/.gicat/catalog.db-wal" &&
	test "$(as_reader --catalog "$roc" query --count)" -eq 2 &&
	as_reader --catalog "$roc" stats >out && test_grep "^2 " out &&
	as_reader --catalog "$roc" verify --full >out && test_grep " 0 problems" out &&
	as_reader --catalog "$roc" migrate --status >out &&
	test_grep "read-only here (no write access)" out &&
	test_grep "^migrate: 2 images catalogued before 0012 have no trailing_bytes: .gicat migrate --measure., run by a user who may write the catalog, decodes them to fill it in$" out &&
	as_reader --catalog "$roc" migrate >out 2>err &&
	test_grep "^schema version [0-9]* (this gicat knows [0-9]*): read-only here (no write access)$" out &&
	test_expect_code 3 as_reader --catalog "$roc" migrate --measure >out 2>err &&
	test_grep "no write access" err &&
	test_expect_code 3 as_reader --catalog "$roc" rm "label = real" 2>err &&
	test_grep "no write access to the catalog (.*): it can be read, not changed" err &&
	test_expect_code 3 as_reader --catalog "$roc" gc 2>err &&
	test_grep "no write access" err &&
	test_expect_code 3 as_reader --catalog "$roc" license set "label = real" MIT 2>err &&
	test_grep "^gicat: license set: no write access to the catalog (.*): it can be read, not changed$" err &&
	test "$(gicat --catalog "$roc" query --count)" -eq 2
'
test_expect_success 'verify (with --full or not) as a user who may not read an object or a store directory: permissions named, not damage' '
	[ "$(id -u)" = 0 ] || { echo "# as root only: the owner may read its own 000 files"; exit 0; } &&
	h=$(gicat --catalog "$roc" query --fields sha256 --format csv | sed -n 2p) &&
	o="$roc/.gicat/objects/$(echo $h | cut -c1-2)" &&
	chmod 000 "$o/$(echo $h | cut -c3-)" &&
	for full in --full ""; do
		test_expect_code 1 as_reader --catalog "$roc" verify $full >out 2>err &&
		test "$(cat err)" = "gicat: verify: ${SQ}$h${SQ}: this user may not read the object (Permission denied): fix the store${SQ}s permissions, or run verify as its owner" || return 1
	done &&
	chmod 444 "$o/$(echo $h | cut -c3-)" && chmod 000 "$o" &&
	test_expect_code 3 as_reader --catalog "$roc" verify >out 2>err &&
	test_grep "^gicat: verify: .$o.: this user may not read it (Permission denied): fix the store.s permissions, or run this as its owner$" err &&
	chmod 755 "$o"
'
reader_done

test_expect_success 'gc -h says the grace period is measured on the ctime' '
	gicat gc -h >out && test_grep "ctime" out && test_grep "grace 0 removes" out
'

test_expect_success 'stats, query, show and cat on a catalog damaged past its header: exit 3, not empty tables or no image' '
	cp -r cat damaged &&
	"$PY" -c "
import os
p = \"damaged/.gicat/catalog.db\"
with open(p, \"r+b\") as f:
    for pg in range(3, os.path.getsize(p) // 4096, 3):
        f.seek(pg * 4096)
        f.write(b\"\\x0d\\xff\\xff\\xff\")
" &&
	test_expect_code 3 gicat --catalog damaged stats >out 2>err &&
	test "$(wc -l <err)" -eq 1 && test_grep "^gicat: stats: .*malformed" err &&
	test_expect_code 3 gicat --catalog damaged query >out 2>err &&
	# not "no image in the catalog has this hash": that is not known
	h=$(first basn2c08.png) &&
	test_expect_code 3 gicat --catalog damaged show "$h" >out 2>err &&
	test_grep "^gicat: show: .$h.: .*malformed" err &&
	test_expect_code 3 gicat --catalog damaged cat "$h" >out 2>err &&
	test_grep "^gicat: cat: .$h.: .*malformed" err && test ! -s out
'

# A damaged page met after the first rows were counted: the inserts of
# those rows' counts must not replace SQLite's word for the damage.
test_expect_success 'stats on a catalog damaged in the middle of its entries names the damage, not "not an error"' '
	genimage_tree gdata && gicat init gcat 2>/dev/null &&
	(cd gdata && gicat --catalog ../gcat ingest genimage >/dev/null 2>&1 || :) &&
	sqlite3 gcat/.gicat/catalog.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	sqlite3 gcat/.gicat/catalog.db "SELECT pageno FROM dbstat WHERE name = ${SQ}entries${SQ} AND pagetype = ${SQ}leaf${SQ} ORDER BY pageno" >leaves &&
	test "$(wc -l <leaves)" -ge 3 &&
	"$PY" -c "
import random, sys
f = open(\"gcat/.gicat/catalog.db\", \"r+b\")
size = int(sys.argv[2])
f.seek((int(sys.argv[1]) - 1) * size)
f.write(bytes(random.Random(1).randrange(256) for _ in range(size)))
" "$(tail -n 2 leaves | head -n 1)" "$(sqlite3 gcat/.gicat/catalog.db "PRAGMA page_size")" &&
	for f in table json; do
		test_expect_code 3 gicat --catalog gcat stats --format $f >out 2>err &&
		test "$(cat err)" = "gicat: stats: database disk image is malformed" || return 1
	done
'

test_expect_success 'stats on a catalog whose list of rejected files cannot be read: exit 3, not 0 rejected' '
	cp -r cat damrej && echo junk >junk.png &&
	test_expect_code 1 gicat --catalog damrej ingest junk.png 2>/dev/null &&
	"$PY" -c "
import sqlite3
p = \"damrej/.gicat/catalog.db\"
db = sqlite3.connect(p)
db.execute(\"PRAGMA wal_checkpoint(TRUNCATE)\")
pages = [r[0] for r in db.execute(\"SELECT rootpage FROM sqlite_master WHERE tbl_name = \x27rejects\x27\")]
size = db.execute(\"PRAGMA page_size\").fetchone()[0]
db.close()
with open(p, \"r+b\") as f:
    for pg in pages:
        f.seek((pg - 1) * size)
        f.write(b\"\\x0d\\xff\\xff\\xff\")
" &&
	for f in table json; do
		test_expect_code 3 gicat --catalog damrej stats --format $f >out 2>err &&
		test_grep "^gicat: stats: .*malformed" err &&
		! grep -q "\"rejected\": 0" out || return 1
	done
'

test_expect_success 'an emptied catalog.db is refused, never made a new catalog whose gc empties the store' '
	cp -r cat emptied && : >emptied/.gicat/catalog.db && rm -f emptied/.gicat/catalog.db-* &&
	n=$(find emptied/.gicat/objects -type f | wc -l) && test "$n" -gt 0 &&
	for cmd in verify "gc --grace 0" stats query; do
		test_expect_code 3 gicat --catalog emptied $cmd >out 2>err &&
		test_grep "catalog.db. holds no catalog (an empty database), while the store holds objects: restore it from a backup" err || return 1
	done &&
	test "$(find emptied/.gicat/objects -type f | wc -l)" -eq "$n" &&
	test ! -s emptied/.gicat/catalog.db &&
	test_expect_code 3 gicat init emptied 2>err &&
	test_grep "catalog.db. holds no catalog (an empty database), while the store holds objects: restore it from a backup" err &&
	# an init killed before the schema, with no object yet, is finished by init
	mkdir -p unfinished/.gicat/objects && : >unfinished/.gicat/catalog.db &&
	test_expect_code 3 gicat --catalog unfinished stats 2>err &&
	test_grep "catalog.db. holds no catalog and the store no object: an init that did not finish; run .gicat init $TRASH/unfinished. again$" err &&
	gicat init unfinished 2>err && gicat --catalog unfinished stats >/dev/null &&
	# nor does an empty catalog.db beside no objects/ at all claim a store
	mkdir -p nostore/.gicat && : >nostore/.gicat/catalog.db &&
	test_expect_code 3 gicat --catalog nostore stats 2>err &&
	test_grep "catalog.db. holds no catalog and the store no object: an init that did not finish; run .gicat init $TRASH/nostore. again$" err &&
	gicat init nostore 2>err && gicat --catalog nostore stats >/dev/null
'

test_expect_success 'a deleted catalog.db is refused too: named, found upward, and init makes no new one' '
	cp -r cat lost && rm -f lost/.gicat/catalog.db* &&
	n=$(find lost/.gicat/objects -type f | wc -l) && test "$n" -gt 0 &&
	why="its .gicat/objects holds objects but catalog.db is missing: restore it from a backup, or remove .gicat to start again (a new catalog would let gc delete every object)" &&
	test_expect_code 3 gicat --catalog lost verify 2>err &&
	test "$(cat err)" = "gicat: verify: ${SQ}lost${SQ} (--catalog): $why" &&
	test_expect_code 3 gicat --catalog lost/.gicat/ verify 2>err &&
	test "$(cat err)" = "gicat: verify: ${SQ}lost${SQ} (--catalog): $why" &&
	(cd lost && unset GICAT_DIR && test_expect_code 3 gicat gc --grace 0 2>../err) &&
	test "$(cat err)" = "gicat: gc: ${SQ}$TRASH/lost${SQ}: $why" &&
	test_expect_code 3 gicat init lost 2>err &&
	test "$(cat err)" = "gicat: init: ${SQ}lost${SQ}: $why" &&
	test ! -e lost/.gicat/catalog.db &&
	test "$(find lost/.gicat/objects -type f | wc -l)" -eq "$n" &&
	test_expect_code 2 gicat --catalog "" stats 2>err &&
	test "$(cat err)" = "gicat: stats: an empty catalog directory name (--catalog)"
'

test_expect_success 'gc forgets the records of exports whose directory is gone, and only those' '
	gicat init cx 2>/dev/null &&
	gicat --catalog cx ingest --dataset d --label fake img/basn0g08.png img/basn2c08.png 2>/dev/null &&
	for d in e1 e2 e3; do gicat --catalog cx export --out $d 2>err || exit 1; done &&
	n=$(sed -n "s/.* \([0-9]*\) files written.*/\1/p" err) && test "$n" -gt 4 &&
	rm -r e1 && mv e2 moved &&
	gicat --catalog cx gc --dry-run 2>out &&
	test "$(head -1 out)" = "gc: would remove the records of 2 exports whose directory is gone ($((2 * n)) files listed)" &&
	test "$(sqlite3 cx/.gicat/catalog.db "SELECT count(*) FROM materializations")" = 3 &&
	gicat --catalog cx gc 2>out &&
	test "$(head -1 out)" = "gc: removed the records of 2 exports whose directory is gone ($((2 * n)) files listed)" &&
	test "$(sqlite3 cx/.gicat/catalog.db "SELECT out_dir FROM materializations")" = "$TRASH/e3" &&
	test "$(sqlite3 cx/.gicat/catalog.db "SELECT count(DISTINCT materialization_id) FROM materialized_files")" = 1 &&
	gicat --catalog cx split --check moved >out 2>&1 &&
	gicat --catalog cx split --check e3 >out 2>&1 &&
	gicat --catalog cx gc 2>out && ! grep export out
'

# Deleted rows leave free pages in the catalog file; a table of 2 MB of
# blobs, dropped, stands in for the records of a large export gc forgot.
test_expect_success 'gc says how much of the catalog file is free pages; --vacuum gives it back' '
	gicat init cv 2>/dev/null && gicat --catalog cv ingest img/basn0g08.png 2>/dev/null &&
	sqlite3 cv/.gicat/catalog.db "CREATE TABLE junk(b); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) INSERT INTO junk SELECT zeroblob(4000) FROM n; DROP TABLE junk" &&
	size() { sqlite3 cv/.gicat/catalog.db "PRAGMA page_count" | awk -v p="$(sqlite3 cv/.gicat/catalog.db "PRAGMA page_size")" "{print \$1 * p}"; } &&
	before=$(size) && test "$before" -gt 2000000 &&
	gicat --catalog cv gc 2>out &&
	test_grep "^gc: the catalog file holds 2\.[0-9] MB of free pages (of 2\.[0-9] MB), which later writes reuse; .gicat gc --vacuum. gives them back to the file system$" out &&
	gicat --catalog cv gc --dry-run --vacuum 2>out &&
	test_grep "^gc: --vacuum would rewrite the catalog file (2\.[0-9] MB) without its 2\.[0-9] MB of free pages$" out &&
	test "$(size)" = "$before" &&
	gicat --catalog cv gc --vacuum 2>out &&
	test_grep "^gc: rewrote the catalog file: 2\.[0-9] MB -> [0-9.]* kB$" out &&
	test "$(size)" -lt 1000000 && test "$(stat -c %s cv/.gicat/catalog.db)" -lt 1000000 &&
	gicat --catalog cv gc 2>out && ! grep "free pages" out &&
	gicat --catalog cv verify --full >out && test_grep " 0 problems" out &&
	test "$(gicat --catalog cv query --count)" -eq 1
'

# flip_picked: one bit of byte 60 flipped in each file the file picked names.
flip_picked() {
	"$PY" -c "
for p in open('picked').read().split():
    b = bytearray(open(p, 'rb').read()); b[60] ^= 1; open(p, 'wb').write(b)
"
}

# verify --full reads objects ahead of its check, at most 512 of them:
# 700 objects make it wait for the check to move on.
test_expect_success 'verify --full names each damaged object of a large store, in hash order, once' '
	mkdir many && "$PY" -c "
import struct, zlib
def chunk(t, d):
    return struct.pack(\">I\", len(d)) + t + d + struct.pack(\">I\", zlib.crc32(t + d))
for i in range(700):
    raw = b\"\".join(b\"\\0\" + bytes((i * 7 + x * 3 + y) % 256 for x in range(8)) + bytes([i % 256, i // 256] * 4) for y in range(8))
    png = b\"\\x89PNG\\r\\n\\x1a\\n\" + chunk(b\"IHDR\", struct.pack(\">IIBBBBB\", 16, 8, 8, 0, 0, 0, 0)) + chunk(b\"IDAT\", zlib.compress(raw)) + chunk(b\"IEND\", b\"\")
    open(\"many/%03d.png\" % i, \"wb\").write(png)
" &&
	gicat init vm 2>/dev/null && gicat --catalog vm ingest --label real many 2>/dev/null &&
	test "$(gicat --catalog vm query --count)" -eq 700 &&
	gicat --catalog vm verify --full >out && test_grep "700 objects re-hashed.* 0 problems" out &&
	ls vm/.gicat/objects/??/* | sort | sed -n "3p;350p;690p" >picked &&
	for o in $(cat picked); do
		chmod u+w "$o" || return 1
	done &&
	flip_picked &&
	test_expect_code 1 gicat --catalog vm verify --full 2>err >out &&
	test_grep " 3 problems" out &&
	sed "s|^gicat: verify: .\([0-9a-f]*\).: object is corrupt.*|\1|" err >got &&
	sed "s|.*/\(..\)/\(.*\)|\1\2|" picked >want &&
	test_cmp want got
'

# ... and the files of images stored by reference alike, in the same
# order: objects and ref'd files are read ahead as one list.
test_expect_success 'verify --full names each changed ref'"'"'d file among objects, in hash order, once' '
	gicat init vref 2>/dev/null && gicat --catalog vref ingest --label real --mode ref many 2>/dev/null &&
	cp img/basn0g08.png img/basn2c08.png . && gicat --catalog vref ingest --label real basn0g08.png basn2c08.png 2>/dev/null &&
	gicat --catalog vref verify --full >out && test_grep "2 objects re-hashed, 700 referenced files checked; 0 problems" out &&
	gicat --catalog vref query --format csv --fields sha256,path "storage = ref" | sed 1d | sort |
		sed -n "5p;400p;699p" | cut -d, -f2 >picked &&
	flip_picked &&
	test_expect_code 1 gicat --catalog vref verify --full 2>err >out &&
	test_grep " 3 problems" out &&
	sed "s|^gicat: verify: .\([^ ]*\).: content changed since ingest.*|\1|" err >got &&
	sed "s|^|$PWD/|" picked >want && test_cmp want got
'

test_expect_success 'gc --vacuum waits for no writer: refused while another gicat writes' '
	{ flock -s cv/.gicat/lock sleep 2 & } && sleep 0.3 &&
	test_expect_code 3 gicat --catalog cv gc --vacuum 2>err && wait &&
	test_grep "another gicat is writing" err
'

test_expect_success 'split --check of a manifest export checks the files of ref images as it does objects' '
	gicat init cman 2>/dev/null && mkdir rimg &&
	cp img/basn0g08.png img/basn2c08.png img/basn3p08.png rimg/ &&
	gicat --catalog cman ingest --mode ref --dataset r --label real rimg 2>/dev/null &&
	gicat --catalog cman export "" --format manifest --out r-man 2>/dev/null &&
	gicat --catalog cman split --check r-man >out && test_grep " 0 drifts" out &&
	touch -d 2001-01-01 rimg/basn0g08.png &&
	gicat --catalog cman split --check r-man >out && test_grep " 0 drifts" out &&
	printf X | dd of=rimg/basn2c08.png bs=1 seek=60 conv=notrunc 2>/dev/null &&
	printf X >>rimg/basn3p08.png &&
	test_expect_code 1 gicat --catalog cman split --check r-man >out 2>err &&
	test_grep "object [0-9a-f]*.: listed by the manifest: its file .*/rimg/basn2c08.png. (ingested with --mode ref) changed since ingest: its hash is [0-9a-f]\{16\}, not [0-9a-f]\{16\}$" err &&
	test_grep "rimg/basn3p08.png. (ingested with --mode ref) changed since ingest: [0-9]* bytes, the catalog says [0-9]*$" err &&
	test_grep " 2 drifts" out &&
	rm rimg/basn0g08.png &&
	test_expect_code 1 gicat --catalog cman split --check r-man >out 2>err &&
	test_grep "rimg/basn0g08.png. (ingested with --mode ref) is gone$" err &&
	test_grep " 3 drifts" out
'

test_expect_success 'verify --full over a ref file that became an endless one (/dev/zero): named, not read for ever' '
	gicat init czero 2>/dev/null && mkdir -p zimg && cp img/basn0g08.png img/basn2c08.png zimg/ &&
	gicat --catalog czero ingest --mode ref --dataset d --label real zimg 2>/dev/null &&
	rm zimg/basn0g08.png && ln -s /dev/zero zimg/basn0g08.png &&
	test_expect_code 1 timeout 60 gicat --catalog czero verify --full >out 2>err &&
	test "$(cat err)" = "gicat: verify: ${SQ}$TRASH/zimg/basn0g08.png${SQ}: referenced file is no longer a regular file (ingest the image again)" &&
	test_grep " 1 problem$" out
'

test_done
