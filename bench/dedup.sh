#!/bin/sh
# bench/dedup.sh - the near-duplicate benchmarks (issue: near duplicates):
#   1. build/bench/nearbench: 2.7 million random 64-bit hashes with 10,000
#      planted pairs at distance 1-4, clustered at distance 4; recall, time
#      and peak memory beside a brute-force scan of a 1% sample scaled up.
#      Targets: 100% recall, <= 30 s, <= 1 GB.  Again with the top 16 bits
#      of every hash drawn from 64 patterns (correlated bits, as in real
#      pHashes' low frequencies).
#   2. gicat dedup on a catalog of DEDUP_N entries (default 100,000) made of
#      synthetic rows (written with sqlite3 into a catalog from `gicat init`:
#      98% random pHashes, 1% near copies of them at distance 1-4, 1% second
#      entries), beside the time the sqlite3 shell takes to read the rows.
# BENCH_RUNS (default 3) runs each; the figures are medians.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
runs=${BENCH_RUNS:-3}
n=${DEDUP_N:-100000}
work=$top/build/bench-work
cat=$work/dedup-cat-$n
gicat=$top/gicat
mkdir -p "$work"
make -s -C "$top" gicat build/bench/nearbench >/dev/null

for skew in "" --skewed; do
	"$top/build/bench/nearbench" --runs "$runs" $skew ||
		echo "nearbench: recall below 100%"
done

timed() { # command...: median seconds of $runs runs, output discarded
	for i in $(seq "$runs"); do
		t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
		echo "$t1 - $t0" | bc -l
	done | median
}

if [ ! -f "$cat/.gicat/catalog.db" ]; then
	rm -rf "$cat" && "$gicat" init "$cat" 2>/dev/null
	# XOR is (a | m) - (a & m); flipped bits stay below bit 63 so that
	# the arithmetic never overflows.
	sqlite3 "$cat/.gicat/catalog.db" >/dev/null <<-EOF
	BEGIN;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((n - n / 50)))
	INSERT INTO images (sha256, bytes, format, width, height, channels,
	                    bit_depth, mode, phash, storage)
	SELECT lower(hex(randomblob(32))), 100000, 'png', 256, 256, 3, 8, 'rgb',
	       random(), 'object' FROM n;
	CREATE TEMP TABLE flips AS
	SELECT sha256, phash, (1 << (r1 % 15)) |
	       CASE WHEN k >= 2 THEN 1 << (15 + r2 % 15) ELSE 0 END |
	       CASE WHEN k >= 3 THEN 1 << (30 + r3 % 15) ELSE 0 END |
	       CASE WHEN k >= 4 THEN 1 << (45 + r4 % 15) ELSE 0 END AS m
	FROM (SELECT sha256, phash, 1 + (random() & 0xffff) % 4 AS k,
	             random() & 0xffff AS r1, random() & 0xffff AS r2,
	             random() & 0xffff AS r3, random() & 0xffff AS r4
	      FROM images ORDER BY random() LIMIT $((n / 100)));
	INSERT INTO images (sha256, bytes, format, width, height, channels,
	                    bit_depth, mode, phash, storage)
	SELECT lower(hex(randomblob(32))), 90000, 'jpeg', 128, 128, 3, 8, 'rgb',
	       (phash | m) - (phash & m), 'object' FROM flips;
	INSERT INTO entries (sha256, dataset, generator, label, split, path)
	SELECT sha256, 'synthetic', 'sd14', 'fake', 'train',
	       'synthetic/' || row_number() OVER (ORDER BY sha256) || '.png'
	FROM images;
	INSERT INTO entries (sha256, dataset, generator, label, split, path)
	SELECT sha256, 'synthetic', 'sd15', 'fake', 'val',
	       'synthetic/dup/' || row_number() OVER (ORDER BY sha256) || '.png'
	FROM (SELECT sha256 FROM images ORDER BY random() LIMIT $((n / 100)));
	COMMIT;
	PRAGMA wal_checkpoint(TRUNCATE);
	EOF
fi
entries=$(sqlite3 "$cat/.gicat/catalog.db" "SELECT count(*) FROM entries")
images=$(sqlite3 "$cat/.gicat/catalog.db" "SELECT count(*) FROM images")
found=$("$gicat" --catalog "$cat" dedup --near --format csv 2>&1 >/dev/null)

near_t=$(timed "$gicat" --catalog "$cat" dedup --near --format csv)
near10_t=$(timed "$gicat" --catalog "$cat" dedup --near --distance 10 --format csv)
exact_t=$(timed "$gicat" --catalog "$cat" dedup --format csv)
read_t=$(timed sqlite3 "$cat/.gicat/catalog.db" \
	"SELECT sha256, phash FROM v_entries ORDER BY sha256")

printf '\ndedup on a catalog of %s entries (%s images), median of %s runs\n' \
	"$entries" "$images" "$runs"
printf '  %-48s %8.3f s\n' "gicat dedup --near (distance 4)" "$near_t"
printf '  %-48s %8.3f s\n' "gicat dedup --near --distance 10" "$near10_t"
printf '  %-48s %8.3f s\n' "gicat dedup (exact)" "$exact_t"
printf '  %-48s %8.3f s\n' "reference: sqlite3 reading (sha256, phash) rows" "$read_t"
printf '  dedup --near / reading the rows = %s\n' "$(ratio "$near_t" "$read_t" 2)"
printf '  %s   (%s planted)\n' "$found" "$((n / 100))"
