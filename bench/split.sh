#!/bin/sh
# bench/split.sh - materializing a 324,000-entry catalog (one generator's
# train split + every generator's val split, small files) as hard links
# with manifests, beside `cp -al` of the same objects: the link-farm limit.
# Target (issue: tasks and exports): <= 15 s.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
work=$top/build/bench-work/split
train=${SPLIT_TRAIN:-114000}   # per label: 228,000 train entries
val=${SPLIT_VAL:-6000}         # per label and generator: 96,000 val entries
gicat=$top/gicat

if [ ! -f "$work/ready-v2-$train-$val" ]; then  # v2: images.bytes exact
	rm -rf "$work" && mkdir -p "$work"
	"$gicat" init "$work/cat" 2>/dev/null
	"$top/build/bench/mkcatalog" "$work/cat" "$train" "$val"
	touch "$work/ready-v2-$train-$val"
fi
# a catalog made by an older gicat is brought up to date before timing
"$gicat" --catalog "$work/cat" migrate >/dev/null
n=$(sqlite3 "$work/cat/.gicat/catalog.db" "SELECT count(*) FROM entries")

runs=${BENCH_RUNS:-3}
# time_cmd FILE CMD...: appends CMD's wall seconds to FILE, after a sync,
# so that neither side waits on the write-back of what ran before it
time_cmd() {
	f=$1; shift
	sync
	t0=$(now)
	"$@" 2>/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$f"
}
: >"$work/split.t"; : >"$work/cpal.t"
# The previous run's output is moved aside (bench/lib.sh: discard, on why
# nothing is deleted while benchmarks run).  The same --out each time, so
# that the catalog replaces its record of it.
discard "$work/out" "$work/cpal" "$work/old"
mkdir -p "$work/old"
for i in $(seq "$runs"); do
	[ ! -d "$work/out" ] || mv "$work/out" "$work/old/out-$i"
	[ ! -d "$work/cpal" ] || mv "$work/cpal" "$work/old/cpal-$i"
	time_cmd "$work/split.t" "$gicat" --catalog "$work/cat" split \
		"$top/tasks/genimage/cross-sd14.ini" --out "$work/out" --mode link
	files=$(wc -l <"$work/out/MANIFEST.sha256")
	time_cmd "$work/cpal.t" cp -al "$work/cat/.gicat/objects" "$work/cpal"
done
split_t=$(median <"$work/split.t")
cp_t=$(median <"$work/cpal.t")
printf 'split benchmark: %s entries in the catalog, %s files written, median of %s runs\n' \
	"$n" "$files" "$runs"
printf '  %-44s %8.3f s\n' "gicat split --mode link (imagefolder)" "$split_t"
printf '  %-44s %8.3f s\n' "cp -al of the object store" "$cp_t"
printf '  split / cp -al = %s   (target: split <= 15 s)\n' "$(ratio "$split_t" "$cp_t" 2)"
discard "$work/out" "$work/cpal" "$work/old" && rm -f "$work/split.t" "$work/cpal.t"
