#!/bin/sh
# rm takes entries out (and says what gc will then keep or delete); gc
# keeps what exports point at; mv renames the paths of entries.
. "$(dirname "$0")/lib.sh"

pngsuite_catalog

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
	test "$(gicat --catalog c7 query --count "path ~ \"new/*\"")" -eq 3 &&
	# a doubled slash in TO is tidied, as a trailing one: FROM finds them
	gicat --catalog c7 mv new/sub new3//deep//sub/ 2>/dev/null &&
	test "$(gicat --catalog c7 query --count "path ~ \"new3/deep/sub/*\"")" -eq 2 &&
	gicat --catalog c7 mv new3/deep/sub new/sub 2>/dev/null &&
	test "$(gicat --catalog c7 query --count "path ~ \"new/*\"")" -eq 3
'

test_expect_success 'mv moves the rejected files under FROM with the entries' '
	gicat init c7j 2>/dev/null && mkdir -p rold/sub && cp img/basn0g08.png rold/ &&
	cp "$SHARED/data/pngsuite/xcrn0g04.png" rold/sub/bad.png && : >rold/empty.png &&
	: >roldish.png &&
	test_expect_code 1 gicat --catalog c7j ingest --dataset d rold roldish.png 2>/dev/null &&
	gicat --catalog c7j mv --dry-run rold rnew 2>err &&
	test_grep "^mv: would move 1 entry from .rold. to .rnew.; 2 rejected files would follow$" err &&
	mv rold rnew && gicat --catalog c7j mv rold rnew 2>err &&
	test_grep "^mv: moved 1 entry from .rold. to .rnew.; 2 rejected files followed$" err &&
	gicat --catalog c7j stats --rejects --format csv | tail -n +2 | cut -d, -f1 | sort >got &&
	printf "rnew/empty.png\nrnew/sub/bad.png\nroldish.png\n" >want && test_cmp want got &&
	rm rnew/empty.png && test_expect_code 1 gicat --catalog c7j ingest --dataset d rnew 2>err &&
	test_grep "1 file rejected before is gone" err &&
	# an absolute path is of no working directory: a later ingest of it
	# from anywhere finds what is gone under it
	test "$(sqlite3 c7j/.gicat/catalog.db "SELECT count(base) FROM entries")" -eq 1 &&
	gicat --catalog c7j mv rnew "$TRASH/rnew" 2>/dev/null &&
	test "$(sqlite3 c7j/.gicat/catalog.db "SELECT count(base) FROM entries") $(sqlite3 c7j/.gicat/catalog.db "SELECT count(base) FROM rejects WHERE path GLOB ${SQ}/*${SQ}")" = "0 0"
'

test_expect_success 'split --check of a manifest export checks the object paths it lists, not where the catalog has them now' '
	mkdir -p mtree/real && cp "$SHARED/data/pngsuite/basn0g08.png" "$SHARED/data/pngsuite/basn2c08.png" mtree/real/ &&
	gicat init cm 2>/dev/null && gicat --catalog cm ingest --mode ref --dataset m mtree 2>/dev/null &&
	gicat --catalog cm export --format manifest --out mref 2>/dev/null &&
	gicat --catalog cm split --check mref >out && test_grep " 0 drifts" out &&
	mv mtree mtree2 && gicat --catalog cm mv mtree mtree2 2>/dev/null &&
	test_expect_code 1 gicat --catalog cm split --check mref >out 2>err &&
	test "$(grep -c "listed by the manifest: its object .$TRASH/mtree/real/basn[02][cg]08.png. is gone (the catalog has it at .$TRASH/mtree2/real/basn[02][cg]08.png. now: export again)$" err)" -eq 2 &&
	gicat --catalog cm export --format manifest --out mref --force 2>/dev/null &&
	gicat --catalog cm split --check mref >out && test_grep " 0 drifts" out &&
	# a moved catalog: the store paths the manifest lists lead nowhere
	gicat --catalog cm ingest --dataset s mtree2 2>/dev/null &&
	gicat --catalog cm export --format manifest --out mstore "dataset = s" 2>/dev/null &&
	gicat --catalog cm split --check mstore >out && test_grep " 0 drifts" out &&
	mv cm cm2 &&
	test_expect_code 1 gicat --catalog cm2 split --check mstore >out 2>err &&
	test "$(grep -c "listed by the manifest: its object .$TRASH/cm/.gicat/objects/[0-9a-f/]*. is gone (the catalog has it at .$TRASH/cm2/.gicat/objects/[0-9a-f/]*. now: export again)$" err)" -eq 2
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
	gicat --catalog c7 mv --dataset D new elsewhere 2>err &&
	test "$(sed -n 2p err)" = "gicat: mv: note: no entry has dataset ${SQ}D${SQ}; did you mean ${SQ}d${SQ}?" &&
	test_expect_code 2 gicat --catalog c7 mv new 2>err && test_grep "expected FROM and TO" err &&
	test_expect_code 2 gicat --catalog c7 mv "" x 2>err && test_grep "empty" err &&
	gicat --catalog c7 mv --dataset nosuch new elsewhere 2>err && test_grep "moved 0 entries" err &&
	test_grep "^gicat: mv: note: no entry has dataset .nosuch. (there are: d)$" err &&
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

test_done
