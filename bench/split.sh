#!/bin/sh
# bench/split.sh - materializing a 324,000-entry catalog (one generator's
# train split + every generator's val split, small files) as hard links
# with manifests, beside `cp -al` of the same objects: the link-farm limit.
# Target (issue: tasks and exports): <= 15 s.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
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
n=$(sqlite3 "$work/cat/.gicat/catalog.db" "SELECT count(*) FROM entries")
now() { date +%s.%N; }

rm -rf "$work/out" "$work/cpal"
t0=$(now)
"$gicat" --catalog "$work/cat" split "$top/tasks/genimage/cross-sd14.ini" \
	--out "$work/out" --mode link 2>/dev/null
t1=$(now)
cp -al "$work/cat/.gicat/objects" "$work/cpal"
t2=$(now)
split_t=$(echo "$t1 - $t0" | bc -l)
cp_t=$(echo "$t2 - $t1" | bc -l)
files=$(wc -l <"$work/out/MANIFEST.sha256")
printf 'split benchmark: %s entries in the catalog, %s files written\n' "$n" "$files"
printf '  %-44s %8.3f s\n' "gicat split --mode link (imagefolder)" "$split_t"
printf '  %-44s %8.3f s\n' "cp -al of the object store" "$cp_t"
printf '  split / cp -al = %s   (target: split <= 15 s)\n' "$(echo "scale=2; $split_t / $cp_t" | bc -l)"
rm -rf "$work/out" "$work/cpal"
