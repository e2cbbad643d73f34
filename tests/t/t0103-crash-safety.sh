#!/bin/sh
# kill -9 at several moments of an ingest: the catalog stays consistent
# (verify --full is clean; leftovers are only harmless temporary files or
# whole unreferenced objects) and a re-run ends with exactly the rows of an
# uninterrupted run.
. "$(dirname "$0")/lib.sh"

genimage_tree data --scale 2
gicat init whole 2>/dev/null
gicat init killed 2>/dev/null

rows() { # catalog: every row that matters, without ids and times
	sqlite3 "$1/.gicat/catalog.db" "
		SELECT sha256, dataset, generator, subset, label, split, class, wnid,
		       class_source, path FROM entries ORDER BY dataset, path;
		SELECT sha256, bytes, format, width, height, mode, phash, storage
		FROM images ORDER BY sha256;
		SELECT path, reason FROM rejects ORDER BY path;"
}

test_expect_success 'an uninterrupted run, for reference' '
	t0=$(date +%s.%N) &&
	(cd data && test_expect_code 1 gicat --catalog ../whole ingest --jobs 2 genimage 2>/dev/null) &&
	echo "$(date +%s.%N) - $t0" | bc >whole-time &&
	rows whole >want
'

# The kills fall at fractions of the time a whole run took here, so that
# they land mid-ingest on a fast machine and under the sanitizers alike.
# Each killed run resumes what the one before it committed, and so ends
# sooner: the last kills may find it finished, which is counted.
for pct in 2 10 25 40 60 80; do
	test_expect_success "kill -9 at ${pct}% of a whole run leaves a consistent catalog" '
		delay=$(echo "$(cat whole-time) * $pct / 100" | bc -l)
		(cd data && exec gicat --catalog ../killed ingest --jobs 2 genimage 2>/dev/null) &
		pid=$! && sleep "$delay" &&
		if kill -9 $pid 2>/dev/null; then echo $pct >>landed; fi &&
		{ wait $pid 2>/dev/null || :; } &&
		gicat --catalog killed verify --full >out 2>err || { cat out err; false; } &&
		test_grep " 0 problems" out &&
		test "$(sqlite3 killed/.gicat/catalog.db "SELECT count(*) FROM entries e LEFT JOIN images i USING (sha256) WHERE i.sha256 IS NULL")" -eq 0
	'
done

test_expect_success 'most kills landed mid-ingest' '
	cat landed && test "$(wc -l <landed)" -ge 3
'

# An object is named only once it holds every byte: what a kill leaves
# under objects/ is whole objects and temporary files, never a short one.
test_expect_success 'every object name the kills left holds its bytes' '
	find killed/.gicat/objects -type f ! -name "tmp-*" | while read -r f; do
		name=$(basename "$(dirname "$f")")$(basename "$f") &&
		test "$(sha256sum <"$f" | cut -d" " -f1)" = "$name" || echo "$f"
	done >bad &&
	test_cmp /dev/null bad
'

test_expect_success 'a re-run ends with exactly the rows of an uninterrupted run' '
	(cd data && test_expect_code 1 gicat --catalog ../killed ingest genimage 2>/dev/null) &&
	rows killed >got &&
	test_cmp want got
'

test_expect_success 'gc then removes what the kills left, and verify stays clean' '
	gicat --catalog killed gc --grace 0 2>out &&
	gicat --catalog killed verify --full >out &&
	! grep harmless out &&
	test "$(find killed/.gicat/objects -type f | wc -l)" -eq "$(find whole/.gicat/objects -type f | wc -l)"
'

# SQLite maps the catalog into memory: a disk error or a file truncated
# under it arrives as SIGBUS, not as an error code.
test_expect_success 'SIGBUS (a mapped file unreadable) is one line and exit 3, not a core dump' '
	{ sleep 5 | gicat --catalog killed fetch /dev/stdin 2>err & } &&
	pid=$! && sleep 0.5 && kill -BUS $pid &&
	{ wait $pid; rc=$?; } &&
	test "$rc" -eq 3 &&
	test_grep "^gicat: a memory-mapped file could not be read (a disk I/O error, or a file truncated while in use); stopped, the catalog as of its last commit$" err &&
	gicat --catalog killed verify >out && test_grep " 0 problems" out
'

test_expect_success 'a batch whose objects cannot be put in place is not committed' '
	# more files than one transaction takes: the failure is at a commit
	# mid-run, after which the writer stops
	$PY - many <<-\EOF &&
	import os, struct, sys, zlib
	def chunk(t, d):
	    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	os.mkdir(sys.argv[1])
	for i in range(2500):
	    raw = b"".join(b"\0" + bytes((i & 255, i >> 8, y) * 8) for y in range(8))
	    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
	    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
	    open("%s/p%05d.png" % (sys.argv[1], i), "wb").write(png)
	EOF
	h=$(sha256sum many/p00010.png | cut -c1-64) &&
	gicat init cm 2>/dev/null &&
	mkdir -p cm/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-)/x &&
	test_expect_code 3 gicat --catalog cm ingest --mode link many 2>err &&
	test_grep "is a directory where the object goes: remove it by hand$" err &&
	test -z "$(find cm/.gicat/objects -name "tmp-*")" &&
	gicat --catalog cm verify >out && test_grep " 0 problems" out &&
	rm -r cm/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-) &&
	gicat --catalog cm ingest --mode link many 2>/dev/null &&
	test "$(gicat --catalog cm query --count)" -eq 2500 &&
	gicat --catalog cm verify --full >out && test_grep " 0 problems" out
'

# strace holds one read of the ingest for 8 s (a stalled network mount);
# its open batch of rows is committed meanwhile, so another writer goes on.
test_expect_success 'a stalled read during ingest does not keep other writers waiting for the write lock' '
	mkdir -p stall/1_fake other &&
	$PY -c "
from PIL import Image
for i in range(600):
    Image.new(\"RGB\", (32, 32), (i % 256, i // 256, 7)).save(\"stall/1_fake/i%04d.png\" % i)
Image.new(\"RGB\", (32, 32), (1, 2, 3)).save(\"other/o.png\")
" &&
	gicat init st 2>/dev/null &&
	gicat --catalog st ingest --dataset other other 2>/dev/null &&
	# (LeakSanitizer cannot run under ptrace)
	(ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace -f -o /dev/null \
		-e trace=read -e inject=read:delay_enter=8000000:when=300 \
		gicat --catalog st ingest --jobs 1 --dataset b2 stall >/dev/null 2>&1 &) &&
	sleep 2 &&
	$PY -c "
import subprocess, sys, time
t = time.time()
r = subprocess.run([\"gicat\", \"--catalog\", \"st\", \"license\", \"set\", \"dataset = other\", \"MIT\"])
sys.exit(r.returncode or (time.time() - t > 3))
" &&
	n=0 && while [ "$(gicat --catalog st query --count "dataset = b2")" -lt 600 ] && [ $n -lt 150 ]; do
		sleep 0.2; n=$((n + 1))
	done &&
	test "$(gicat --catalog st query --count "dataset = b2")" -eq 600
'

# A catalog on a full disk (where a small file system can be mounted):
# SQLite's "disk I/O error" says which.
if mkdir -p fulldisk && mount -t tmpfs -o size=4m tmpfs fulldisk 2>/dev/null; then
	test_expect_success 'a catalog on a full disk: the error says the disk is full, and reads work once it is not' '
		gicat init fulldisk 2>/dev/null &&
		gicat --catalog fulldisk ingest "$SHARED"/data/pngsuite/basn2c08.png 2>/dev/null &&
		{ dd if=/dev/zero of=fulldisk/fill bs=4k 2>/dev/null || :; } &&
		test_expect_code 3 gicat --catalog fulldisk query --count 2>err &&
		test_grep "^gicat: query: .*: disk I/O error (No space left on device)$" err &&
		rm fulldisk/fill &&
		test "$(gicat --catalog fulldisk query --count)" -eq 1
	'
	umount fulldisk
else
	echo "# SKIP: no tmpfs can be mounted here; a full disk is not tried"
fi

test_done
