#!/bin/sh
# bench/degrade.sh - the degradation benchmark: N 512x512 PNGs (default
# 2000) through jpeg(quality=30), blur(sigma=3) and resize(short=112), each
# image read, decoded, transformed and encoded in memory, on one thread:
#   gicat:  build/bench/degrade (gic_degrade_bytes, the code behind
#           gicat degrade and degraded task sets)
#   PIL:    bench/degrade_pil.py in one Debian /usr/bin/python3 process
# Times are CPU seconds of the process (throughput per core, not disturbed
# by other work on the machine), medians of BENCH_RUNS runs (default 3),
# the two programs alternating.  Target (issue 4): gicat >= 3x PIL.
#   BENCH_DEGRADE_N (default 2000), BENCH_RUNS (default 3)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
n=${BENCH_DEGRADE_N:-2000}
runs=${BENCH_RUNS:-3}
work=$top/build/bench-work
corpus=$work/degrade-$n
py=/usr/bin/python3
mkdir -p "$work"

if [ ! -f "$corpus/.done" ]; then
	echo "bench: generating $n 512x512 PNGs (zlib level 6, adaptive filters, like PIL's output)"
	rm -rf "$corpus" && mkdir -p "$corpus"
	"$top/build/bench/degrade" --make "$n" "$corpus"
	touch "$corpus/.done"
fi
cat "$corpus"/*.png >/dev/null # warm the page cache

for i in $(seq "$runs"); do
	"$top/build/bench/degrade" "$corpus" | sed 's/^/gicat /' >>"$work/degrade.$$"
	"$py" "$top/bench/degrade_pil.py" "$corpus" | sed 's/^/pil /' >>"$work/degrade.$$"
done

# median CPU seconds and mean output bytes per image, per (side, chain)
stat() { # side chain -> "seconds bytes"
	t=$(awk -v s="$1" -v c="$2" '$1 == s && $2 == c {print $4}' "$work/degrade.$$" | median)
	b=$(awk -v s="$1" -v c="$2" '$1 == s && $2 == c {print int($6 / $3); exit}' "$work/degrade.$$")
	echo "$t $b"
}
printf '\ndegrade benchmark: %s PNGs 512x512, 1 thread, CPU seconds, median of %s runs\n' "$n" "$runs"
printf '  %-20s %10s %10s %8s %8s %7s   %s\n' chain "gicat img/s" "PIL img/s" "gicat B" "PIL B" ratio "(bytes: mean output size)"
tg=0; tp=0
for c in 'jpeg(quality=30)' 'blur(sigma=3)' 'resize(short=112)'; do
	set -- $(stat gicat "$c") $(stat pil "$c")
	printf '  %-20s %10.1f %10.1f %8s %8s %6.2fx\n' "$c" "$(echo "$n / $1" | bc -l)" \
		"$(echo "$n / $3" | bc -l)" "$2" "$4" "$(echo "$3 / $1" | bc -l)"
	tg=$(echo "$tg + $1" | bc -l); tp=$(echo "$tp + $3" | bc -l)
done
printf '  %-20s %10.1f %10.1f %8s %8s %6.2fx   (target >= 3x)\n' "all three" \
	"$(echo "3 * $n / $tg" | bc -l)" "$(echo "3 * $n / $tp" | bc -l)" "" "" "$(echo "$tp / $tg" | bc -l)"
set -- $(stat gicat decode) $(stat pil decode)
printf '  %-20s %10.1f %10.1f %8s %8s %6.2fx   (part of every chain)\n' "decode alone" \
	"$(echo "$n / $1" | bc -l)" "$(echo "$n / $3" | bc -l)" "" "" "$(echo "$3 / $1" | bc -l)"
printf '  %-20s %10.2f %10.2f %8s %8s %6.2fx   (CPU ms per image, decode subtracted)\n' \
	"ops + encode" "$(echo "($tg - 3 * $1) * 1000 / (3 * $n)" | bc -l)" \
	"$(echo "($tp - 3 * $3) * 1000 / (3 * $n)" | bc -l)" "" "" \
	"$(echo "($tp - 3 * $3) / ($tg - 3 * $1)" | bc -l)"
echo "  (decoding is zlib's inflate and PNG unfiltering on both sides: it bounds the ratio of whole chains)"
rm -f "$work/degrade.$$"
