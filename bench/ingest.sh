#!/bin/sh
# bench/ingest.sh - ingest throughput beside its references, as
# ratios from one run (medians of several repetitions; these machines are
# noisy).
#   reference loop: bench/refloop.c, one core: read + SHA-256 + full PNG
#                   decode + 1/8-scale JPEG decode, no catalog
#   gicat ingest --jobs 2 into a fresh catalog (decode, pHash, store,
#                   syncfs per batch, SQLite)
#   git annex add on a copy of the corpus, when git-annex is installed
# Targets (issue: core): ingest <= 0.55 x the reference loop, >= 5x faster
# than git annex add.  BENCH_N (default 4000) and BENCH_RUNS (default 3).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
n=${BENCH_N:-4000}
runs=${BENCH_RUNS:-3}
work=$top/build/bench-work
corpus=$work/corpus-$n
mkdir -p "$work"

if [ ! -d "$corpus/bench" ]; then
	echo "bench: generating $n GenImage-like images (half PNG fakes 128-512 px, half JPEG reals 333-640 px)"
	rm -rf "$corpus"
	"$top/build/fixtures/mkgenimage" --bench "$n" "$corpus" >/dev/null
fi
files=$(find "$corpus/bench" -type f | wc -l)
mb=$(du -sm "$corpus/bench" | cut -f1)

drop_cache_hint() { find "$corpus/bench" -type f -exec cat {} + >/dev/null 2>&1 || :; } # warm page cache

drop_cache_hint
ref_t=$(for i in $(seq "$runs"); do
	"$top/build/bench/refloop" "$corpus/bench" | sed 's/.*files, \([0-9.]*\) s.*/\1/'
done | median)

ingest_t=$(for i in $(seq "$runs"); do
	discard "$work/cat" && "$top/gicat" init "$work/cat" 2>/dev/null
	t0=$(now)
	"$top/gicat" --catalog "$work/cat" ingest --jobs 2 "$corpus/bench" 2>/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l
done | median)

entries=$(sqlite3 "$work/cat/.gicat/catalog.db" "PRAGMA wal_checkpoint(TRUNCATE); SELECT count(*) FROM entries" | tail -1)
dbbytes=$(stat -c %s "$work/cat/.gicat/catalog.db")

annex_t=""
if command -v git-annex >/dev/null 2>&1; then
	discard "$work/annex" && cp -r "$corpus/bench" "$work/annex"
	(cd "$work/annex" && git init -q && git annex init -q bench >/dev/null 2>&1)
	t0=$(now)
	(cd "$work/annex" && git annex add -q . >/dev/null 2>&1)
	t1=$(now)
	annex_t=$(echo "$t1 - $t0" | bc -l)
	discard "$work/annex"
fi

printf '\ningest benchmark: %s files, %s MB, median of %s runs\n' "$files" "$mb" "$runs"
printf '  %-44s %8.3f s  %8.0f img/s\n' "reference loop (1 core, no catalog)" "$ref_t" "$(echo "$files / $ref_t" | bc -l)"
printf '  %-44s %8.3f s  %8.0f img/s\n' "gicat ingest --jobs 2" "$ingest_t" "$(echo "$files / $ingest_t" | bc -l)"
if [ -n "$annex_t" ]; then
	printf '  %-44s %8.3f s  %8.0f img/s\n' "git annex add (1 run)" "$annex_t" "$(echo "$files / $annex_t" | bc -l)"
fi
printf '  ingest / reference loop      = %s   (target <= 0.55)\n' "$(ratio "$ingest_t" "$ref_t")"
if [ -n "$annex_t" ]; then
	printf '  git annex add / ingest       = %s   (target >= 5)\n' "$(ratio "$annex_t" "$ingest_t")"
else
	printf '  git annex add: not installed (apt-get install git-annex), skipped\n'
fi
printf '  catalog bytes per entry      = %s   (%s bytes, %s entries)\n' "$((dbbytes / entries))" "$dbbytes" "$entries"
