#!/bin/sh
# bench/probe.sh - the prober alone, per image and single-threaded, beside
# plain libpng and libjpeg decodes to RGB (bench/probe.c): on the ingest
# benchmark's GenImage-like corpus and, when bench/fetch.sh has made it,
# on its corpus of small images.  No target: it shows where ingest and
# fetch time goes.  BENCH_N (default 4000) as for bench/ingest.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${BENCH_N:-4000}
work=$top/build/bench-work
corpus=$work/corpus-$n
small=$work/fetch/corpus-${BENCH_FETCH_N:-2000}
mkdir -p "$work"

if [ ! -d "$corpus/bench" ]; then
	echo "bench: generating $n GenImage-like images"
	rm -rf "$corpus"
	"$top/build/fixtures/mkgenimage" --bench "$n" "$corpus" >/dev/null
fi
printf '\nprobe benchmark: decode + checks + pHash per image, best of 5 passes, 1 thread\n'
echo " GenImage-like: PNG fakes 128-512 px, JPEG reals 333-640 px"
"$top/build/bench/probe" "$corpus/bench"
if [ -f "$small/.done" ]; then
	echo " small images: PNG 128x128, JPEG 160x120"
	"$top/build/bench/probe" "$small"
fi
