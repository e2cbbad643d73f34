#!/bin/sh
# show and cat find images by a prefix of their hash, by an entry's path
# or by a file's content; their refusals and errors.
. "$(dirname "$0")/lib.sh"

pngsuite_catalog

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

test_expect_success 'show of a file ingest rejected says so and why, under any spelling' '
	mkdir -p rej && head -c 100 img/basn2c08.png >rej/cut.png &&
	test_expect_code 1 gicat ingest rej 2>/dev/null &&
	for p in rej/cut.png ./rej//cut.png "$TRASH/rej/cut.png"; do
		test_expect_code 2 gicat show "$p" 2>err &&
		test_grep "^gicat: show: .*ingest rejected this file (as ${SQ}rej/cut.png${SQ}): truncated PNG: file ends after 100 bytes, .*; gicat stats --rejects lists what it rejected$" err || return 1
	done &&
	cp rej/cut.png elsewhere-cut.png &&
	test_expect_code 2 gicat show elsewhere-cut.png 2>err &&
	test_grep "no image in the catalog has this file${SQ}s content (and no entry its path)$" err
'

test_expect_success 'show and cat of a FIFO, a link to a device or a looping link ingest rejected say so and why; unrejected, what it is' '
	mkdir odd && mkfifo odd/fifo.png && ln -s /dev/null odd/null.png &&
	ln -s loop.png odd/loop.png &&
	test_expect_code 1 gicat ingest odd 2>/dev/null &&
	# a walk skips the looping link; named, it is rejected
	test_expect_code 2 gicat show odd/loop.png 2>err &&
	test_grep "a symbolic link that leads nowhere, not an image file" err &&
	test_expect_code 1 gicat ingest odd/loop.png 2>/dev/null &&
	for p in odd/fifo.png ./odd/fifo.png "$TRASH/odd/null.png" odd/loop.png; do
		for cmd in show cat; do
			test_expect_code 2 gicat $cmd "$p" 2>err >out &&
			test "$(wc -l <err)" -eq 1 && test ! -s out &&
			test_grep "^gicat: $cmd: .*ingest rejected this file (as ${SQ}odd/[a-z]*.png${SQ}): .*; gicat stats --rejects lists what it rejected$" err || return 1
		done
	done &&
	mkfifo fifo2.png && ln -s nowhere.png gone.png &&
	test_expect_code 2 gicat show fifo2.png 2>err &&
	test "$(cat err)" = "gicat: show: ${SQ}fifo2.png${SQ}: a FIFO, not an image file (and no entry${SQ}s path)" &&
	test_expect_code 2 gicat cat gone.png 2>err &&
	test "$(cat err)" = "gicat: cat: ${SQ}gone.png${SQ}: a symbolic link that leads nowhere, not an image file (and no entry${SQ}s path)"
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
	test_grep "^gicat: cat: .img/nothing.png.: neither a hash .*, an entry.s path nor a file here$" err &&
	for c in cat show; do
		test_expect_code 2 gicat $c img >/dev/null 2>err &&
		test "$(cat err)" = "gicat: $c: ${SQ}img${SQ}: a directory: give one image (a hash, an entry${SQ}s path or an image file), or list a selection with gicat query" || return 1
	done
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
		test "$(cat err)" = "gicat: verify: ${SQ}$bad${SQ} is not a SHA-256 (64 lowercase hex digits): a catalog row gicat did not write; no entry uses it (gicat gc removes it)" || exit 1
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

test_expect_success 'a prefix that is a file here or an entry'"'"'s path of another image is ambiguous, said so; of the same image it is not' '
	h=$(first basn2c08.png) && p=$(echo $h | cut -c1-6) &&
	cp img/basn0g08.png "$p" &&
	for cmd in show cat; do
		test_expect_code 2 gicat $cmd "$p" >/dev/null 2>err &&
		test "$(head -1 err)" = "gicat: $cmd: ${SQ}$p${SQ}: both a hash prefix (of $(echo $h | cut -c1-16)...) and a file here (of another image): give more of the hash, or the path as ./$p" || return 1
	done &&
	gicat cat "./$p" | cmp - img/basn0g08.png &&
	gicat cat "$(echo $h | cut -c1-12)" | cmp - img/basn2c08.png &&
	cp img/basn2c08.png "$p" && gicat cat "$p" | cmp - img/basn2c08.png &&
	rm "$p"
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
test_done
