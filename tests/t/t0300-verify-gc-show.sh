#!/bin/sh
# verify finds missing and corrupt objects (exit 1), mentions leftovers as
# harmless (exit 0); gc removes them; show and cat find images by prefix;
# rm takes entries out and mv renames their paths.
. "$(dirname "$0")/lib.sh"

gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"
mkdir img && cp "$SHARED"/data/pngsuite/basn*.png img/
gicat ingest img 2>/dev/null
first() { gicat query --format csv --fields sha256 "path = img/$1" | tail -1; }
obj() { h=$(first "$1"); echo "cat/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-)"; }

test_expect_success 'show finds an image by a prefix and lists its entries' '
	h=$(first basn2c08.png) &&
	gicat show "$(echo $h | cut -c1-10)" >out &&
	test_grep "^sha256 *$h" out && test_grep "img/basn2c08.png" out &&
	test_grep "^phash  *[0-9a-f]\\{16\\}$" out &&
	test -f "$(sed -n "s/^object  *//p" out)"
'

test_expect_success 'show lines up the columns of entries of different widths' '
	gicat init sc 2>/dev/null && mkdir -p sc-a longer-name &&
	cp img/basn2c08.png sc-a/x.png && cp img/basn2c08.png longer-name/x.png &&
	gicat --catalog sc ingest sc-a 2>/dev/null &&
	gicat --catalog sc ingest --license "MIT CC0-1.0" longer-name 2>/dev/null &&
	gicat --catalog sc show sc-a/x.png >out &&
	sed -n "/^entries/,/^\$/p" out | grep -v "^entries" | grep . >rows &&
	test "$(wc -l <rows)" -eq 2 &&
	test_grep "^longer-name  -  -  -  -  -  -  MIT CC0-1.0  longer-name/x.png$" rows &&
	test_grep "^sc-a         -  -  -  -  -  -  -            sc-a/x.png$" rows
'

test_expect_success 'show takes a file however it is spelt, and a copy of it, by its content' '
	h=$(first basn2c08.png) &&
	for p in ./img/basn2c08.png "$TRASH/img/basn2c08.png"; do
		gicat show "$p" >out && test_grep "^sha256 *$h" out || return 1
	done &&
	cp img/basn2c08.png elsewhere.png &&
	gicat show elsewhere.png >out && test_grep "^sha256 *$h" out &&
	echo x >notcatalogued.png &&
	test_expect_code 2 gicat show notcatalogued.png 2>err &&
	test_grep "no image in the catalog has this file.s content" err
'

test_expect_success 'show and cat of a file changed since ingest take its entry under any spelling from here' '
	gicat init csp 2>/dev/null && mkdir -p sp/d && cp img/basn2c08.png sp/d/a.png &&
	(cd sp && gicat --catalog ../csp ingest --label real d 2>/dev/null) &&
	h=$(gicat --catalog csp query --format csv --fields sha256 | tail -1) &&
	cp img/basn0g08.png sp/d/a.png &&
	(cd sp && for p in d/a.png ./d/a.png "$TRASH/sp/d/a.png" d//x/../a.png; do
		gicat --catalog ../csp show "$p" >out && test_grep "^sha256 *$h" out &&
		gicat --catalog ../csp cat "$p" | cmp - "$TRASH/img/basn2c08.png" || return 1
	done) &&
	(cd sp/d && test_expect_code 2 gicat --catalog ../../csp show a.png 2>err &&
	 test_grep "no image in the catalog has this file.s content (and no entry its path)" err)
'

test_expect_success 'show of a file it cannot read says why, not that no image has its content' '
	# /proc/self/mem: a regular file whose first bytes cannot be read
	if test -e /proc/self/mem; then
		test_expect_code 3 gicat show /proc/self/mem 2>err &&
		test "$(wc -l <err)" -eq 1 &&
		test_grep "^gicat: show: ./proc/self/mem.: no entry has this path, and the file could not be read: .*Input/output error$" err &&
		! grep "no image" err
	fi
'

test_expect_success 'show --format json carries the same facts as the text' '
	h=$(first basn2c08.png) &&
	gicat show --format json "$h" >js &&
	gicat show "$h" >txt &&
	"$PY" -c "
import json, os
d = json.load(open(\"js\"))
txt = dict(l.split(None, 1) for l in open(\"txt\").read().split(\"\\n\\n\")[0].splitlines())
assert d[\"sha256\"] == \"$h\" and d[\"width\"] == 32 and d[\"format\"] == \"png\", d
assert d[\"phash\"] == txt[\"phash\"].strip() and os.path.isfile(d[\"object\"]), d
assert d[\"jpeg_quality\"] is None, d
(e,) = d[\"entries\"]
assert e[\"path\"] == \"img/basn2c08.png\" and e[\"licenses\"] == [] and e[\"label\"] is None, e
assert d[\"derivations\"] == [] and d[\"derived_from\"] == [], d
" &&
	test_expect_code 2 gicat show --format csv "$h" 2>err && test_grep "unknown format" err
'

test_expect_success 'show by a path two datasets hold with different images names the query to run' '
	gicat init c4 2>/dev/null && mkdir -p twice && cp img/basn2c08.png twice/p.png &&
	gicat --catalog c4 ingest --dataset d1 twice/p.png 2>/dev/null &&
	cp img/basn0g08.png twice/p.png &&
	gicat --catalog c4 ingest --dataset d2 twice/p.png 2>/dev/null &&
	test_expect_code 2 gicat --catalog c4 show twice/p.png 2>err &&
	test_grep "entries of several datasets have this path, with different images: give the hash (gicat query --fields sha256,dataset \"path = .twice/p.png.\")" err &&
	test "$(gicat --catalog c4 query --fields sha256,dataset "path = '"'"'twice/p.png'"'"'" | tail -n +2 | wc -l)" -eq 2 &&
	cp img/basn2c08.png "twice/it${SQ}s.png" &&
	gicat --catalog c4 ingest --dataset d1 "twice/it${SQ}s.png" 2>/dev/null &&
	cp img/basn0g08.png "twice/it${SQ}s.png" &&
	gicat --catalog c4 ingest --dataset d2 "twice/it${SQ}s.png" 2>/dev/null &&
	test_expect_code 2 gicat --catalog c4 show "twice/it${SQ}s.png" 2>err &&
	sed -n "s/.*give the hash (\(gicat query .*\))$/\1/p" err >run &&
	test -s run &&
	GICAT_DIR=$TRASH/c4 sh run >out &&
	test "$(tail -n +2 out | wc -l)" -eq 2
'

test_expect_success 'cat writes the original bytes' '
	gicat cat "$(first basn2c08.png)" >back && cmp back img/basn2c08.png
'

test_expect_success 'cat takes a path, as show does: an entry'"'"'s, or a file found by its content' '
	gicat cat img/basn2c08.png >back && cmp back img/basn2c08.png &&
	cp img/basn2c08.png copy.png && gicat cat "$TRASH/copy.png" >back &&
	cmp back img/basn2c08.png &&
	test_expect_code 2 gicat cat img/nothing.png >/dev/null 2>err &&
	test_grep "^gicat: cat: .img/nothing.png.: neither a hash .*, an entry.s path nor a file here$" err
'

# script(1) gives the command a terminal as stdout and copies what it
# writes there to out.
if command -v script >/dev/null 2>&1; then
test_expect_success 'cat refuses a terminal as stdout, as degrade does' '
	h=$(first basn2c08.png) &&
	test_expect_code 2 script -qec "gicat cat $h" /dev/null >out 2>&1 </dev/null &&
	test_grep "^gicat: cat: stdout is a terminal: redirect the image to a file" out &&
	! grep PNG out &&
	test_expect_code 2 script -qec "gicat degrade blur\(sigma=3\) $h" /dev/null >out 2>&1 </dev/null &&
	test_grep "^gicat: degrade: stdout is a terminal: redirect the image to a file" out
'
else
	echo "# skipped the terminal test of cat: script (util-linux) is not installed"
fi

test_expect_success 'cat to a full disk: one line with the real reason, exit 3' '
	if test -w /dev/full; then
		mkdir big && cp "$SHARED/data/jpeg/monkey16.png" big/ &&
		gicat ingest big 2>/dev/null &&
		h=$(gicat query --format csv --fields sha256 "path = big/monkey16.png" | tail -1) &&
		test_expect_code 3 gicat cat "$h" >/dev/full 2>err &&
		test "$(wc -l <err)" -eq 1 &&
		test_grep "^gicat: write to stdout: No space left on device$" err
	fi
'

test_expect_success 'an object made writable again (a link-mode original chmod u+w) is a note, not a problem' '
	gicat init wr 2>/dev/null && mkdir -p wr-src && cp img/* wr-src/ &&
	gicat --catalog wr ingest --mode link wr-src 2>/dev/null &&
	f=$(ls wr-src | head -1) && chmod u+w "wr-src/$f" &&
	sha=$(sha256sum "wr-src/$f" | cut -c1-64) &&
	gicat --catalog wr verify >out 2>err &&
	test_grep " 0 problems$" out &&
	test_grep "^verify: note: 1 object may be written to (first: $sha), where gicat leaves objects read-only" out &&
	fix=$(sed -n "s/.*; read-only again: \(find .* -perm \/222 -exec chmod a-w {} +\)$/\1/p" out) &&
	test -n "$fix" && eval "$fix" &&
	gicat --catalog wr verify >out && ! grep "written to" out
'

test_expect_success 'a store that is gone (a disk not mounted) is one problem for verify, and named by cat and export' '
	gicat init gone 2>/dev/null && mkdir -p gone-src && cp img/* gone-src/ &&
	gicat --catalog gone ingest gone-src 2>/dev/null &&
	mv gone/.gicat/objects gone-objects &&
	test_expect_code 1 gicat --catalog gone verify >out 2>err &&
	test "$(wc -l <err)" -eq 1 &&
	test_grep "^gicat: verify: .objects.: the store.s directory .*/gone/.gicat/objects. is gone (a disk not mounted? a store moved?): no object in it is checked$" err &&
	test_grep " 1 problem$" out &&
	sha=$(gicat --catalog gone query --format csv --fields sha256 | sed -n 2p) &&
	test_expect_code 3 gicat --catalog gone cat $sha >/dev/null 2>err &&
	test_grep "^gicat: cat: .*: the store.s directory .* is gone (a disk not mounted? a store moved?)$" err &&
	test_expect_code 3 gicat --catalog gone export --out gone-out 2>err &&
	test_grep "is gone (a disk not mounted" err &&
	mv gone-objects gone/.gicat/objects &&
	gicat --catalog gone verify >out && test_grep " 0 problems$" out
'

test_expect_success 'a catalog row whose sha256 is not one never leads the store outside objects/' '
	v=$(printf "%048d" 0) && gicat init vb 2>/dev/null && mkdir -p victim &&
	cp img/basn2c08.png vb.png && cp vb.png victim/$v && gicat --catalog vb ingest vb.png 2>/dev/null &&
	bad="../../../victim/$v" &&
	sqlite3 vb/.gicat/catalog.db "CREATE TEMP TABLE t AS SELECT * FROM images;
		UPDATE t SET sha256 = ${SQ}$bad${SQ}; INSERT INTO images SELECT * FROM t;" &&
	for full in "" --full; do
		test_expect_code 1 gicat --catalog vb verify $full >out 2>err &&
		test_grep " 1 problem$" out &&
		test "$(cat err)" = "gicat: verify: ${SQ}$bad${SQ} is not a SHA-256 (64 lowercase hex digits): a catalog row gicat did not write; no entry shows it" || exit 1
	done &&
	sqlite3 vb/.gicat/catalog.db "INSERT INTO entries (sha256, dataset, path) VALUES (${SQ}$bad${SQ}, ${SQ}forged${SQ}, ${SQ}f.png${SQ})" &&
	for m in symlink link reflink copy; do
		test_expect_code 3 gicat --catalog vb export "dataset = forged" --out ex-$m --mode $m --names original 2>err &&
		test_grep "is not a SHA-256 (64 lowercase hex digits): a catalog row gicat did not write" err &&
		test -z "$(find ex-$m -name f.png)" || exit 1
	done &&
	sqlite3 vb/.gicat/catalog.db "DELETE FROM entries WHERE dataset = ${SQ}forged${SQ}" &&
	gicat --catalog vb gc --grace 0 2>/dev/null && cmp vb.png victim/$v &&
	gicat --catalog vb verify >out && test_grep " 0 problems" out
'

test_expect_success 'unknown and too-short prefixes are usage errors' '
	test_expect_code 2 gicat show ffffffffff 2>err && test_grep "no image" err &&
	test_expect_code 2 gicat show ab 2>err && test_grep "at least 4" err
'

test_expect_success 'a prefix two images share is a usage error for show and cat; more digits pick one' '
	mkdir -p twins && "$PY" -c "
import hashlib, struct, zlib
def chunk(t, d):
    return struct.pack(\">I\", len(d)) + t + d + struct.pack(\">I\", zlib.crc32(t + d))
seen = {}
for i in range(1 << 20):
    png = (b\"\\x89PNG\\r\\n\\x1a\\n\" + chunk(b\"IHDR\", struct.pack(\">IIBBBBB\", 1, 1, 8, 0, 0, 0, 0)) +
           chunk(b\"tEXt\", b\"n\\0%d\" % i) + chunk(b\"IDAT\", zlib.compress(b\"\\0\\0\")) + chunk(b\"IEND\", b\"\"))
    h = hashlib.sha256(png).hexdigest()[:4]
    if h in seen:
        open(\"twins/a.png\", \"wb\").write(seen[h])
        open(\"twins/b.png\", \"wb\").write(png)
        break
    seen[h] = png
" &&
	gicat init ctw 2>/dev/null && gicat --catalog ctw ingest twins 2>/dev/null &&
	a=$(sha256sum twins/a.png | cut -c1-64) && b=$(sha256sum twins/b.png | cut -c1-64) &&
	p=$(echo $a | cut -c1-4) && test "$(echo $b | cut -c1-4)" = "$p" &&
	for cmd in show cat; do
		test_expect_code 2 gicat --catalog ctw $cmd $p >out 2>err &&
		test "$(cat err)" = "gicat: $cmd: ${SQ}$p${SQ}: this prefix matches several images; give more digits" &&
		test ! -s out || return 1
	done &&
	gicat --catalog ctw show $a >out && test_grep "^sha256 *$a$" out &&
	gicat --catalog ctw cat $b | cmp - twins/b.png
'

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

# zero_cells DB NAME: sets the cell count of the root page of table or
# index NAME to 0, as a torn write might: the rows below it are lost.
zero_cells() {
	root=$(sqlite3 "$1" "SELECT rootpage FROM sqlite_schema WHERE name = '$2'") &&
	"$PY" -c "import sys; f = open(sys.argv[1], 'r+b'); f.seek((int(sys.argv[2]) - 1) * int(sys.argv[3]) + 3); f.write(bytes(2))" \
		"$1" "$root" "$(sqlite3 "$1" "PRAGMA page_size")"
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
	test "$(cat err)" = "gicat: gc: database disk image is malformed"
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

test_expect_success 'rm takes out the entries EXPR selects; gc then deletes what no entry uses' '
	gicat init c5 2>/dev/null && mkdir -p two && cp img/basn0g08.png img/basn2c08.png two/ &&
	gicat --catalog c5 ingest --dataset a two 2>/dev/null &&
	gicat --catalog c5 ingest --dataset b two/basn0g08.png 2>/dev/null &&
	test "$(gicat --catalog c5 query --count)" -eq 3 &&
	gicat --catalog c5 rm --dry-run "dataset = a" 2>err &&
	test "$(cat err)" = "rm: would remove 2 entries; 1 image would have no entry left (gicat gc would delete it and its object)" &&
	test "$(gicat --catalog c5 query --count)" -eq 3 &&
	gicat --catalog c5 rm dataset = a 2>err &&
	test "$(cat err)" = "rm: removed 2 entries; 1 image has no entry left (gicat gc deletes it and its object)" &&
	test "$(gicat --catalog c5 query --count)" -eq 1 &&
	gicat --catalog c5 gc --grace 0 2>out >stdout && ! test -s stdout &&
	test "$(cat out)" = "gc: removed 1 unused image row, 1 object, 0 temporary files ($(stat -c %s img/basn2c08.png) bytes freed)" &&
	gicat --catalog c5 verify --full >out && test_grep " 0 problems" out &&
	gicat --catalog c5 cat "$(gicat --catalog c5 query --format csv --fields sha256 | tail -1)" | cmp - img/basn0g08.png
'

test_expect_success 'rm says which images gc will keep: those derived from an image still in use' '
	gicat init c5d 2>/dev/null && mkdir -p dv &&
	cp img/basn0g08.png img/basn2c08.png dv/ &&
	gicat --catalog c5d ingest --dataset keep dv/basn2c08.png 2>/dev/null &&
	p=$(gicat --catalog c5d query --format csv --fields sha256 | tail -1) &&
	gicat --catalog c5d degrade "jpeg(quality=50)" $p >dv/derived.jpg 2>/dev/null &&
	gicat --catalog c5d ingest --dataset scratch dv/basn0g08.png dv/derived.jpg 2>/dev/null &&
	gicat --catalog c5d rm "dataset = scratch" 2>err &&
	test "$(cat err)" = "rm: removed 2 entries; 2 images have no entry left (gicat gc deletes 1 and its object; 1 derived from an image still in use stays)" &&
	gicat --catalog c5d gc --grace 0 2>out &&
	test_grep "^gc: removed 1 unused image row, 1 object," out &&
	gicat --catalog c5d ingest --dataset scratch dv/derived.jpg 2>/dev/null &&
	gicat --catalog c5d rm "dataset = scratch" 2>err &&
	test "$(cat err)" = "rm: removed 1 entry; 1 image has no entry left (1 derived from an image still in use stays)" &&
	gicat --catalog c5d rm --dry-run "dataset = keep" 2>err &&
	test "$(cat err)" = "rm: would remove 1 entry; 1 image would have no entry left (gicat gc would delete it and its object, and 1 image derived from it)" &&
	gicat --catalog c5d rm "dataset = keep" 2>err &&
	test "$(cat err)" = "rm: removed 1 entry; 1 image has no entry left (gicat gc deletes it and its object, and 1 image derived from it)" &&
	gicat --catalog c5d gc --grace 0 2>out &&
	test_grep "^gc: removed 2 unused image rows, 2 objects," out
'

# one_real CATALOG DATASET: a new catalog whose one entry, in DATASET, is
# basn2c08.png labelled real; its hash in $p
one_real() {
	gicat init "$1" 2>/dev/null && mkdir -p "$1-src" &&
	cp img/basn2c08.png "$1-src/" &&
	gicat --catalog "$1" ingest --dataset "$2" --label real "$1-src" 2>/dev/null &&
	p=$(gicat --catalog "$1" query --format csv --fields sha256 | tail -1)
}

test_expect_success 'rm counts as kept an image derived from one a symlink export points at, as gc keeps it' '
	one_real c5x u &&
	gicat --catalog c5x export "" --mode symlink --out x-sym 2>/dev/null &&
	gicat --catalog c5x degrade "jpeg(quality=50)" $p >derived-x.jpg 2>/dev/null &&
	gicat --catalog c5x ingest --dataset scratch --label fake derived-x.jpg 2>/dev/null &&
	gicat --catalog c5x rm "dataset = u or dataset = scratch" 2>err &&
	test "$(cat err)" = "rm: removed 2 entries; 2 images have no entry left (1 derived from an image still in use stays; 1 that symlink or manifest exports point at stays)" &&
	gicat --catalog c5x gc --grace 0 2>out &&
	test_grep "^gc: removed 0 unused image rows, 0 objects," out
'

test_expect_success 'rm counts what gc keeps down a chain of derivations: through images without entries, up to one with' '
	one_real c5z keep &&
	gicat --catalog c5z degrade "resize(short=16)|png()" $p >d1.png 2>/dev/null &&
	gicat --catalog c5z degrade "jpeg(quality=50)" $(sha256sum d1.png | cut -c1-64) >d2.jpg 2>/dev/null &&
	gicat --catalog c5z ingest --dataset scratch --label fake d2.jpg 2>/dev/null &&
	gicat --catalog c5z rm --dry-run "dataset = scratch" 2>err &&
	test "$(cat err)" = "rm: would remove 1 entry; 1 image would have no entry left (1 derived from an image still in use would stay)" &&
	# the other way round: the derived image keeps its entry, its parent goes
	gicat --catalog c5z rm "dataset = keep" 2>err &&
	test "$(cat err)" = "rm: removed 1 entry; 1 image has no entry left (gicat gc deletes it and its object, and 1 image derived from it)" &&
	gicat --catalog c5z gc --grace 0 2>out &&
	test_grep "^gc: removed 2 unused image rows, 2 objects," out &&
	test "$(gicat --catalog c5z query --count)" -eq 1 &&
	gicat --catalog c5z verify --full >out && test_grep " 0 problems" out
'

test_expect_success 'rm does not count a degraded image a symlink export points at among what gc deletes' '
	one_real c5y u &&
	printf "[task]\nname = dg\n[test x]\nselect = dataset = u\ndegrade = jpeg(quality=50)\n" >dg.ini &&
	gicat --catalog c5y split dg.ini --mode symlink --out y-sym 2>/dev/null &&
	gicat --catalog c5y rm "dataset = u" 2>err &&
	test "$(cat err)" = "rm: removed 1 entry; 1 image has no entry left (gicat gc deletes it and its object)" &&
	gicat --catalog c5y gc --grace 0 2>out &&
	test_grep "^gc: removed 1 unused image row, 1 object," out &&
	test_grep "^gc: kept 1 image no entry uses" out
'

test_expect_success 'gc says which images it keeps exports point at, and which derive from those' '
	gicat init c5f 2>/dev/null && mkdir -p ex6 && cp img/basn0g08.png ex6/ &&
	gicat --catalog c5f ingest --dataset u --label real ex6 2>/dev/null &&
	h=$(sha256sum img/basn0g08.png | cut -c1-64) &&
	gicat --catalog c5f degrade "blur(sigma=1)" $h >/dev/null 2>&1 &&
	gicat --catalog c5f export "" --mode symlink --out f-sym 2>/dev/null &&
	gicat --catalog c5f rm "dataset = u" 2>/dev/null &&
	gicat --catalog c5f gc --dry-run --grace 0 2>out &&
	test_grep "^gc: would keep 2 images no entry uses: symlink or manifest exports point at 1, and 1 derives from those" out
'

test_expect_success 'gc keeps the objects live symlink and manifest exports point at, until those exports go' '
	gicat init c5e 2>/dev/null && mkdir -p ex5 &&
	cp img/basn0g08.png img/basn2c08.png img/basn3p08.png ex5/ &&
	gicat --catalog c5e ingest --dataset u --label real ex5 2>/dev/null &&
	gicat --catalog c5e export "path ~ ${SQ}*basn0g08*${SQ}" --mode symlink --out e-sym 2>/dev/null &&
	gicat --catalog c5e export "path ~ ${SQ}*basn2c08*${SQ}" --format manifest --out e-man 2>/dev/null &&
	gicat --catalog c5e export "" --out e-link 2>/dev/null &&
	gicat --catalog c5e rm "dataset = u" 2>err &&
	test "$(cat err)" = "rm: removed 3 entries; 3 images have no entry left (gicat gc deletes 1 and its object; 2 that symlink or manifest exports point at stay)" &&
	gicat --catalog c5e gc --dry-run --grace 0 2>out &&
	test_grep "^gc: would remove 1 unused image row, 1 object," out &&
	test_grep "^gc: would keep 2 images no entry uses: symlink or manifest exports point at their objects" out &&
	gicat --catalog c5e gc --grace 0 2>out &&
	test_grep "^gc: removed 1 unused image row, 1 object," out &&
	test_grep "^gc: kept 2 images no entry uses" out &&
	cmp e-sym/export/0_real/*.png img/basn0g08.png &&
	gicat --catalog c5e split --check e-sym >out && test_grep " 0 drifts" out &&
	gicat --catalog c5e split --check e-man >out && test_grep " 0 drifts" out &&
	h=$(sha256sum img/basn2c08.png | cut -c1-64) &&
	o=c5e/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-) &&
	mv $o aside && test_expect_code 1 gicat --catalog c5e split --check e-man >out 2>err &&
	test_grep "object $h.: listed by the manifest, gone from the store" err &&
	mv aside $o &&
	mv e-sym e-sym-moved && rm -rf e-man &&
	gicat --catalog c5e gc --grace 0 --dry-run 2>out &&
	test_grep "^gc: would keep the records of 2 symlink or manifest exports whose directory is gone" out &&
	gicat --catalog c5e gc --grace 0 2>out &&
	test_grep "^gc: kept the records of 2 symlink or manifest exports whose directory is gone: moved elsewhere, their files would still point into the store; if deleted, .gicat gc --forget-gone. removes those records$" out &&
	test_grep "^gc: kept 2 images no entry uses: .*then gc; an export already deleted: .gicat gc --forget-gone.)$" out &&
	test_grep "^gc: removed 0 unused image rows, 0 objects," out &&
	cmp e-sym-moved/export/0_real/*.png img/basn0g08.png &&
	gicat --catalog c5e split --check e-sym-moved >out && test_grep " 0 drifts" out &&
	gicat --catalog c5e gc --grace 0 --forget-gone --dry-run 2>out &&
	test_grep "^gc: would remove the records of 2 exports whose directory is gone" out &&
	test_grep "^gc: would remove 2 unused image rows, 2 objects," out &&
	gicat --catalog c5e gc --grace 0 --forget-gone 2>out &&
	test_grep "^gc: removed the records of 2 exports whose directory is gone" out &&
	test_grep "^gc: removed 2 unused image rows, 2 objects," out &&
	! grep -q "no entry uses" out
'

test_expect_success 'gc --grace: seconds up to 2^63-1 (more is a usage error, not a wrap to "now")' '
	gicat init c5g 2>/dev/null &&
	gicat --catalog c5g ingest img/basn0g08.png 2>/dev/null &&
	gicat --catalog c5g rm "path ~ ${SQ}*basn0g08*${SQ}" 2>/dev/null &&
	gicat --catalog c5g gc --dry-run --grace 9223372036854775807 2>out &&
	test_grep "^gc: would remove 1 unused image row, 0 objects," out &&
	test_expect_code 2 gicat --catalog c5g gc --dry-run --grace 18446744073709551615 2>err &&
	test_grep "^gicat: gc: --grace takes at most 9223372036854775807, not .18446744073709551615.$" err &&
	test_expect_code 2 gicat --catalog c5g gc dryrun 2>err &&
	test_grep "unexpected argument .dryrun." err &&
	gicat --catalog c5g gc --dry-run --grace 0 2>out &&
	test_grep "^gc: would remove 1 unused image row, 1 object," out
'

test_expect_success 'gc says how much it freed, in decimal units; --dry-run only says it' '
	gicat init c6 2>/dev/null && cp "$SHARED/data/jpeg/monkey16.png" m.png &&
	gicat --catalog c6 ingest m.png 2>/dev/null &&
	gicat --catalog c6 rm "path = m.png" 2>/dev/null &&
	mkdir -p c6/.gicat/objects/00 && touch c6/.gicat/objects/00/tmp-leftover &&
	gicat --catalog c6 gc --dry-run 2>out &&
	test_grep "^gc: would remove 1 unused image row, 0 objects, 0 temporary files (0 bytes freed)$" out &&
	test_grep "^gc: would keep 1 object, 1 temporary file changed less than 3600 seconds ago" out &&
	gicat --catalog c6 gc --dry-run --grace 0 2>out &&
	test_grep "^gc: would remove 1 unused image row, 1 object, 1 temporary file (194.4 kB freed)$" out &&
	test "$(sqlite3 c6/.gicat/catalog.db "SELECT count(*) FROM images")" -eq 1 &&
	test "$(find c6/.gicat/objects -type f | wc -l)" -eq 2 &&
	gicat --catalog c6 gc --grace 0 2>out &&
	test_grep "^gc: removed 1 unused image row, 1 object, 1 temporary file (194.4 kB freed)$" out &&
	test "$(find c6/.gicat/objects -type f | wc -l)" -eq 0
'

# noise.png: 800x600 random RGB, which no deflate shrinks (about 1.4 MB)
python3 - <<'PY'
import os, struct, zlib
w, h = 800, 600
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\0" + os.urandom(w * 3) for _ in range(h))
with open("noise.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY

test_expect_success 'gc counts megabytes in decimal units too' '
	gicat --catalog c6 ingest noise.png 2>/dev/null &&
	gicat --catalog c6 rm "path = noise.png" 2>/dev/null &&
	mb=$(stat -c %s noise.png | awk "{printf \"%.1f\", \$1 / 1e6}") &&
	gicat --catalog c6 gc --grace 0 2>out &&
	test_grep "^gc: removed 1 unused image row, 1 object, 0 temporary files ($mb MB freed)$" out &&
	head -c 2000 /dev/zero >c6/.gicat/objects/00/tmp-partial &&
	gicat --catalog c6 gc --grace 0 2>out &&
	test_grep "^gc: removed 0 unused image rows, 0 objects, 1 temporary file (2.0 kB freed)$" out &&
	ln noise.png c6/.gicat/objects/00/tmp-link-mode &&
	gicat --catalog c6 gc --grace 0 2>out &&
	test_grep "^gc: removed 0 unused image rows, 0 objects, 1 temporary file (0 bytes freed)$" out &&
	test -f noise.png
'

# Writers hold .gicat/lock shared, gc exclusively: flock(1) stands in for
# a long ingest on one side and for a gc on the other.
test_expect_success 'gc refuses to run while another gicat writes; a writer waits for a gc' '
	{ flock -s c6/.gicat/lock sleep 3 & } && sleep 0.3 &&
	test_expect_code 3 gicat --catalog c6 gc 2>err &&
	test_grep "^gicat: gc: another gicat is writing to this catalog (an ingest, fetch or split may be storing objects gc would remove) or verifying it: run gc when it has finished$" err &&
	test_expect_code 3 gicat --catalog c6 gc --dry-run 2>err &&
	test_grep "^gicat: gc: another gicat is writing to this catalog" err && wait &&
	{ flock -x c6/.gicat/lock sleep 2 & } && sleep 0.3 &&
	t0=$(date +%s.%N) && gicat --catalog c6 ingest noise.png 2>/dev/null && t1=$(date +%s.%N) &&
	wait && awk "BEGIN {exit !($t1 - $t0 >= 1.2)}" &&
	gicat --catalog c6 gc 2>out && test_grep "^gc: removed 0 unused image rows" out
'

# A verify read beside a gc would find the objects of rows its snapshot
# still has gone: it waits for a gc, and a gc does not start beside it.
test_expect_success 'verify waits for a gc that runs' '
	{ flock -x c6/.gicat/lock sleep 2 & } && sleep 0.3 &&
	t0=$(date +%s.%N) && gicat --catalog c6 verify --full 2>/dev/null && t1=$(date +%s.%N) &&
	wait && awk "BEGIN {exit !($t1 - $t0 >= 1.2)}"
'

test_expect_success 'rm needs an EXPR; a bad one, or one that matches nothing, changes nothing' '
	test_expect_code 2 gicat --catalog c5 rm 2>err &&
	test_grep "^gicat: rm: EXPR is required" err &&
	test_expect_code 2 gicat --catalog c5 rm "" 2>err &&
	test_grep "^gicat: rm: EXPR is blank: say which entries to remove$" err &&
	test_expect_code 2 gicat --catalog c5 rm " " "" 2>err &&
	test_expect_code 2 gicat --catalog c5 rm "dataset =" 2>err &&
	test_grep "expected a value" err &&
	gicat --catalog c5 rm "dataset = B" 2>err &&
	test_grep "^rm: removed 0 entries$" err &&
	test_grep "^gicat: rm: note: no entry has dataset .B.; did you mean .b.?" err &&
	gicat --catalog c5 rm --dry-run "dataset = b" 2>err &&
	test "$(cat err)" = "rm: would remove 1 entry; 1 image would have no entry left (gicat gc would delete it and its object)" &&
	test "$(gicat --catalog c5 query --count)" -eq 1
'

test_expect_success 'mv renames the paths under a prefix; a re-ingest from there finds them' '
	gicat init c7 2>/dev/null && mkdir -p old/sub && cp img/basn0g08.png img/basn2c08.png old/sub/ &&
	cp img/basn3p08.png old/ && cp img/basn4a08.png oldish.png &&
	gicat --catalog c7 ingest --dataset d old oldish.png 2>/dev/null &&
	gicat --catalog c7 mv --dry-run old/ new 2>err &&
	test "$(cat err)" = "mv: would move 3 entries from '"'"'old/'"'"' to '"'"'new'"'"'
gicat: mv: note: there is no '"'"'new'"'"' here: mv renames the paths the entries have, nothing on disk (move the tree too, or '"'"'gicat mv'"'"' back)" &&
	test "$(gicat --catalog c7 query --count "path ~ \"old/*\"")" -eq 3 &&
	gicat --catalog c7 mv old new 2>err &&
	test "$(cat err)" = "mv: moved 3 entries from '"'"'old'"'"' to '"'"'new'"'"'
gicat: mv: note: there is no '"'"'new'"'"' here: mv renames the paths the entries have, nothing on disk (move the tree too, or '"'"'gicat mv'"'"' back)" &&
	gicat --catalog c7 query --format csv --fields path >paths &&
	printf "new/basn3p08.png\nnew/sub/basn0g08.png\nnew/sub/basn2c08.png\noldish.png\n" >want &&
	tail -n +2 paths | sort >got && test_cmp want got &&
	mv old new && gicat --catalog c7 ingest --dataset d new 2>err &&
	test_grep "0 new entries, 3 already present" err &&
	gicat --catalog c7 show new/sub/basn0g08.png >/dev/null &&
	gicat --catalog c7 verify >out && test_grep " 0 problems" out &&
	# paths as the entries spell them: there and back by the same names
	gicat --catalog c7 mv new ./new2 2>/dev/null &&
	test "$(gicat --catalog c7 query --count "path ~ \"./new2/*\"")" -eq 3 &&
	gicat --catalog c7 mv ./new2 new 2>/dev/null &&
	test "$(gicat --catalog c7 query --count "path ~ \"new/*\"")" -eq 3
'

test_expect_success 'mv refuses to merge into paths entries already have, and moving nothing' '
	mkdir -p other && cp img/basn6a08.png other/basn3p08.png &&
	gicat --catalog c7 ingest --dataset d other 2>/dev/null &&
	test_expect_code 1 gicat --catalog c7 mv new other 2>err &&
	test "$(cat err)" = "gicat: mv: '"'"'new/basn3p08.png'"'"' would become '"'"'other/basn3p08.png'"'"', a path dataset d already has: nothing moved" &&
	test "$(gicat --catalog c7 query --count "path ~ \"new/*\"")" -eq 3 &&
	gicat --catalog c7 mv nosuch elsewhere 2>err &&
	test "$(head -1 err)" = "mv: moved 0 entries from '"'"'nosuch'"'"' to '"'"'elsewhere'"'"'" &&
	test_grep "^gicat: mv: note: no entry has a path under .nosuch. (paths as the entries have them" err &&
	test_expect_code 2 gicat --catalog c7 mv new 2>err && test_grep "expected FROM and TO" err &&
	test_expect_code 2 gicat --catalog c7 mv "" x 2>err && test_grep "empty" err &&
	gicat --catalog c7 mv --dataset nosuch new elsewhere 2>err && test_grep "moved 0 entries" err &&
	test_grep "note: no entry of dataset .nosuch. has a path under .new." err &&
	test_expect_code 2 gicat --catalog c7 mv new new/sub 2>err &&
	test_grep "^gicat: mv: .new. and .new/sub. overlap: move through a third name$" err &&
	# new/sub/basn0g08.png becomes a path of 4079 + 17 = 4096 bytes
	long=$(printf "%04079d" 0 | tr 0 l) &&
	test_expect_code 2 gicat --catalog c7 mv new "$long" 2>err &&
	test_grep "^gicat: mv: .new/sub/basn0g08.png. would get a path over the 4095-byte limit$" err &&
	gicat --catalog c7 mv new "${long%l}" 2>/dev/null && gicat --catalog c7 mv "${long%l}" new 2>/dev/null &&
	# bytes, not characters: 2040 two-byte ones and "/sub/basn0g08.png" make 4097 bytes
	wide=$(printf "%02040d" 0 | sed "s/0/\xc3\xa9/g") &&
	test_expect_code 2 gicat --catalog c7 mv new "$wide" 2>err &&
	test_grep "^gicat: mv: .new/sub/basn0g08.png. would get a path over the 4095-byte limit$" err &&
	# a TO (or FROM) no path could have: the same usage error, not a failure
	test_expect_code 2 gicat --catalog c7 mv new "$long$long" 2>err &&
	test_grep "^gicat: mv: TO is over the 4095-byte limit of a path$" err &&
	test_expect_code 2 gicat --catalog c7 mv --dry-run "$long$long" new 2>err &&
	test_grep "^gicat: mv: FROM is over the 4095-byte limit of a path$" err &&
	test "$(gicat --catalog c7 query --count "path ~ \"new/*\"")" -eq 3
'

test_expect_success 'mv refuses a path under the file of an entry, and a file at the path of a directory of entries' '
	test_expect_code 1 gicat --catalog c7 mv new/sub/basn0g08.png other/basn3p08.png/x.png 2>err &&
	test "$(cat err)" = "gicat: mv: ${SQ}new/sub/basn0g08.png${SQ} would become ${SQ}other/basn3p08.png/x.png${SQ}, a path under the file of ${SQ}other/basn3p08.png${SQ}, an entry of dataset d: nothing moved" &&
	test_expect_code 1 gicat --catalog c7 mv new/sub other/basn3p08.png 2>err &&
	test_grep "would become .other/basn3p08.png/basn0g08.png., a path under the file of .other/basn3p08.png." err &&
	test_expect_code 1 gicat --catalog c7 mv -n new/sub/basn0g08.png other 2>err &&
	test "$(cat err)" = "gicat: mv: ${SQ}new/sub/basn0g08.png${SQ} would become ${SQ}other${SQ}, the directory of ${SQ}other/basn3p08.png${SQ}, an entry of dataset d: nothing moved" &&
	test "$(gicat --catalog c7 query --count "path ~ \"new/*\"")" -eq 3 &&
	gicat --catalog c7 mv -n new/sub/basn0g08.png other/x.png 2>err && test_grep "would move 1 entry" err &&
	# below TO: a file whose counterpart below FROM is a directory, and
	# a directory whose counterpart is a file
	mkdir -p deep/dst/k2 deep/src/k deep/src2 deep/dst2/a &&
	cp img/basn0g08.png deep/dst/k && cp img/basn2c08.png deep/dst/k2/w.png &&
	cp img/basn3p08.png deep/src/k/z.png && cp img/basn6a08.png deep/src2/a &&
	cp img/basn2c08.png deep/dst2/a/x.png &&
	gicat init cdeep 2>/dev/null && gicat --catalog cdeep ingest --layout flat --dataset d --label real deep 2>/dev/null &&
	test_expect_code 1 gicat --catalog cdeep mv -n deep/src deep/dst 2>err &&
	test "$(cat err)" = "gicat: mv: ${SQ}deep/src/k/z.png${SQ} would become ${SQ}deep/dst/k/z.png${SQ}, a path under the file of ${SQ}deep/dst/k${SQ}, an entry of dataset d: nothing moved" &&
	test_expect_code 1 gicat --catalog cdeep mv -n deep/src2 deep/dst2 2>err &&
	test "$(cat err)" = "gicat: mv: ${SQ}deep/src2/a${SQ} would become ${SQ}deep/dst2/a${SQ}, the directory of ${SQ}deep/dst2/a/x.png${SQ}, an entry of dataset d: nothing moved" &&
	test_expect_code 2 gicat --catalog cdeep mv deep/src2/a / 2>err &&
	test "$(cat err)" = "gicat: mv: ${SQ}deep/src2/a${SQ} is the path of a file: it cannot become ${SQ}/${SQ}" &&
	gicat --catalog cdeep mv -n deep/src deep/new 2>err && test_grep "would move 1 entry" err
'

test_expect_success 'mv from and to the root directory: / is the prefix of every absolute path' '
	gicat init c7r 2>/dev/null && mkdir -p rt/sub && cp img/basn0g08.png rt/sub/ &&
	gicat --catalog c7r ingest --dataset r rt 2>/dev/null &&
	gicat --catalog c7r mv rt/ / 2>/dev/null &&
	test "$(gicat --catalog c7r query --format paths)" = /sub/basn0g08.png &&
	test_expect_code 2 gicat --catalog c7r mv / "$TRASH/x" 2>err &&
	test_grep "^gicat: mv: ./. and .$TRASH/x. overlap: move through a third name$" err &&
	gicat --catalog c7r mv / rt 2>err &&
	test_grep "^mv: moved 1 entry from ./. to .rt.$" err &&
	test "$(gicat --catalog c7r query --format paths)" = rt/sub/basn0g08.png &&
	gicat --catalog c7r verify --full >out && test_grep " 0 problems" out
'

test_expect_success 'mv leaves fetched entries as they are: their paths are their URLs' '
	gicat init cf 2>/dev/null && mkdir -p web && cp img/basn0g08.png img/basn2c08.png web/ &&
	gicat --catalog cf ingest --dataset w web 2>/dev/null &&
	u=http://example.org/web/basn0g08.png &&
	sqlite3 cf/.gicat/catalog.db "UPDATE entries SET path = ${SQ}$u${SQ}, source = ${SQ}$u${SQ} WHERE path = ${SQ}web/basn0g08.png${SQ}" &&
	gicat --catalog cf mv http://example.org/web http://mirror.example.org/web 2>err &&
	test_grep "^mv: moved 0 entries from .http://example.org/web. to .http://mirror.example.org/web.; 1 fetched entry left as it is (a URL)$" err &&
	test "$(gicat --catalog cf query --count "path = ${SQ}$u${SQ}")" -eq 1
'

# mv reads the entries under FROM as a range of the (dataset, path) index
# when they are at most a quarter of all, else by reading every entry:
# both ways move the same entries and refuse the same clashes.
test_expect_success 'mv of a few entries of many (an index range) and of most (a scan) moves and refuses alike' '
	gicat init cmv 2>/dev/null && mkdir -p mvmany/a mvmany/b &&
	for i in 1 2 3 4 5 6 7 8 9 10; do cp img/basn0g08.png mvmany/b/$i.png; done &&
	cp img/basn2c08.png mvmany/a/1.png && cp img/basn3p08.png mvmany/a/y.png &&
	cp img/basn6a08.png mvmany/b0.png &&
	gicat --catalog cmv ingest --dataset m --label real mvmany 2>/dev/null &&
	test_expect_code 1 gicat --catalog cmv mv mvmany/a mvmany/b 2>err &&
	test "$(cat err)" = "gicat: mv: ${SQ}mvmany/a/1.png${SQ} would become ${SQ}mvmany/b/1.png${SQ}, a path dataset m already has: nothing moved" &&
	test_expect_code 1 gicat --catalog cmv mv mvmany/b mvmany/a 2>err &&
	test "$(cat err)" = "gicat: mv: ${SQ}mvmany/b/1.png${SQ} would become ${SQ}mvmany/a/1.png${SQ}, a path dataset m already has: nothing moved" &&
	gicat --catalog cmv mv mvmany/a mvmany/c 2>err &&
	test_grep "^mv: moved 2 entries from .mvmany/a. to .mvmany/c.$" err &&
	gicat --catalog cmv mv mvmany/b mvmany/d 2>err &&
	test_grep "^mv: moved 10 entries from .mvmany/b. to .mvmany/d.$" err &&
	gicat --catalog cmv query --format paths | sort >got &&
	{ echo mvmany/b0.png; echo mvmany/c/1.png; echo mvmany/c/y.png;
	  for i in 1 2 3 4 5 6 7 8 9 10; do echo mvmany/d/$i.png; done; } | sort >want &&
	test_cmp want got
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
test_expect_success 'verify as a user who may not read an object or a store directory: permissions named, not damage' '
	[ "$(id -u)" = 0 ] || { echo "# as root only: the owner may read its own 000 files"; exit 0; } &&
	h=$(gicat --catalog "$roc" query --fields sha256 --format csv | sed -n 2p) &&
	o="$roc/.gicat/objects/$(echo $h | cut -c1-2)" &&
	chmod 000 "$o/$(echo $h | cut -c3-)" &&
	test_expect_code 1 as_reader --catalog "$roc" verify --full >out 2>err &&
	test "$(cat err)" = "gicat: verify: ${SQ}$h${SQ}: this user may not read the object (Permission denied): fix the store${SQ}s permissions, or run verify as its owner" &&
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
