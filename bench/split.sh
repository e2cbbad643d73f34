#!/bin/sh
# bench/split.sh - materializing a 324,000-entry catalog (one generator's
# train split + every generator's val split, small files) as hard links
# with manifests, beside `cp -al` of the same objects: the link-farm limit;
# split --check and verify --full beside sha256sum; then a count, a
# group-by and stats, beside the sqlite3 shell; and gc
# --dry-run beside gc on a catalog where many images lost their entries.
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
hush() { "$@" >/dev/null; }
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

# split --check of that export (every file re-hashed, 16 read at once),
# beside sha256sum -c of its MANIFEST.sha256 (one file after the other);
# then verify --full (objects read ahead) beside sha256sum of every object
# in hash order.  Cached: medians; as root, also once each with the page
# cache dropped before, where the reading waits on the disk.
: >"$work/chk.t"; : >"$work/sum.t"
sumc() { (cd "$work/out" && sha256sum -c --quiet MANIFEST.sha256); }
sumo() { (cd "$work/cat/.gicat/objects" && find . -type f | sort | xargs -r sha256sum); }
for i in $(seq "$runs"); do
	time_cmd "$work/chk.t" hush "$gicat" --catalog "$work/cat" split \
		--check "$work/out"
	time_cmd "$work/sum.t" hush sumc
done
chk=$(median <"$work/chk.t"); sum=$(median <"$work/sum.t")
printf '\nsplit --check of its %s files, cached, median of %s runs\n' \
	"$files" "$runs"
printf '  %-44s %8.3f s   sha256sum -c: %.3f s   ratio %s\n' \
	"gicat split --check" "$chk" "$sum" "$(ratio "$chk" "$sum" 2)"
rm -f "$work/chk.t" "$work/sum.t"
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
	cold() {
		sync && echo 3 >/proc/sys/vm/drop_caches
		t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
		echo "$t1 - $t0" | bc -l
	}
	chk=$(cold "$gicat" --catalog "$work/cat" split --check "$work/out")
	sum=$(cold sumc)
	ver=$(cold "$gicat" --catalog "$work/cat" verify --full)
	obj=$(cold sumo)
	printf '\nthe same with the page cache dropped before each, one run each\n'
	printf '  %-44s %8.3f s   sha256sum -c: %.3f s   ratio %s\n' \
		"gicat split --check" "$chk" "$sum" "$(ratio "$chk" "$sum" 2)"
	printf '  %-44s %8.3f s   sha256sum of the objects: %.3f s   ratio %s\n' \
		"gicat verify --full" "$ver" "$obj" "$(ratio "$ver" "$obj" 2)"
else
	printf '  (not root: the runs with the page cache dropped are skipped)\n'
fi

# eval of the split's test sets with predictions keyed by exported path
# (each looked up among the files the catalog recorded for its exports),
# beside the same predictions keyed by sha256: a path costs a search of
# each export's files, never a scan of them (once 6 minutes for 25,000)
: >"$work/evp.t"; : >"$work/evs.t"
awk '$2 ~ /^test\// {print $2 "," (NR % 1000) / 1000}' "$work/out/MANIFEST.sha256" |
	sed '1i path,score' >"$work/pred-path.csv"
awk '$2 ~ /^test\// {print $1 "," (NR % 1000) / 1000}' "$work/out/MANIFEST.sha256" |
	sed '1i sha256,score' >"$work/pred-sha.csv"
for i in $(seq "$runs"); do
	time_cmd "$work/evp.t" hush "$gicat" --catalog "$work/cat" eval \
		"$top/tasks/genimage/cross-sd14.ini" --predictions "$work/pred-path.csv"
	time_cmd "$work/evs.t" hush "$gicat" --catalog "$work/cat" eval \
		"$top/tasks/genimage/cross-sd14.ini" --predictions "$work/pred-sha.csv"
done
evp=$(median <"$work/evp.t"); evs=$(median <"$work/evs.t")
printf '
eval of its %s test images, median of %s runs
' \
	"$(($(wc -l <"$work/pred-path.csv") - 1))" "$runs"
printf '  %-44s %8.3f s   keyed by sha256: %.3f s   ratio %s\n' \
	"gicat eval, keyed by exported path" "$evp" "$evs" "$(ratio "$evp" "$evs" 2)"
rm -f "$work/evp.t" "$work/evs.t" "$work/pred-path.csv" "$work/pred-sha.csv"
discard "$work/out" "$work/cpal" "$work/old" && rm -f "$work/split.t" "$work/cpal.t"

# Queries on the same catalog, beside the sqlite3 shell reading the same
# rows of entries: a count and a group-by need no image row.
: >"$work/q1.t"; : >"$work/q1r.t"; : >"$work/q2.t"; : >"$work/q2r.t"
db="$work/cat/.gicat/catalog.db"
for i in $(seq "$runs"); do
	time_cmd "$work/q1.t" hush "$gicat" --catalog "$work/cat" query --count
	time_cmd "$work/q1r.t" hush sqlite3 "$db" "SELECT count(*) FROM entries"
	time_cmd "$work/q2.t" hush "$gicat" --catalog "$work/cat" query \
		--group-by generator,label,split
	time_cmd "$work/q2r.t" hush sqlite3 "$db" "SELECT generator, label, \
		split, count(*) FROM entries GROUP BY 1, 2, 3"
done
q1=$(median <"$work/q1.t"); q1r=$(median <"$work/q1r.t")
q2=$(median <"$work/q2.t"); q2r=$(median <"$work/q2r.t")
printf '\nqueries on the same catalog, median of %s runs\n' "$runs"
printf '  %-44s %8.3f s   sqlite3 shell: %.3f s   ratio %s\n' \
	"gicat query --count" "$q1" "$q1r" "$(ratio "$q1" "$q1r" 2)"
printf '  %-44s %8.3f s   sqlite3 shell: %.3f s   ratio %s\n' \
	"gicat query --group-by generator,label,split" "$q2" "$q2r" \
	"$(ratio "$q2" "$q2r" 2)"
rm -f "$work/q1.t" "$work/q1r.t" "$work/q2.t" "$work/q2r.t"


# stats on the same catalog (it counts formats too: every entry joined to
# its image), beside the sqlite3 shell grouping the same join
: >"$work/st.t"; : >"$work/str.t"
for i in $(seq "$runs"); do
	time_cmd "$work/st.t" hush "$gicat" --catalog "$work/cat" stats
	time_cmd "$work/str.t" hush sqlite3 "$db" "SELECT e.dataset, e.subset, \
		e.generator, e.label, e.split, i.format, i.mode, count(*), \
		sum(i.bytes) FROM entries e JOIN images i ON i.sha256 = e.sha256 \
		GROUP BY 1, 2, 3, 4, 5, 6, 7"
done
st=$(median <"$work/st.t"); str=$(median <"$work/str.t")
printf '  %-44s %8.3f s   sqlite3 shell: %.3f s   ratio %s\n' \
	"gicat stats" "$st" "$str" "$(ratio "$st" "$str" 2)"
rm -f "$work/st.t" "$work/str.t"

# gc --dry-run where many images lost their entries (it looks every object
# up among them), beside gc itself on the same state: a fresh 36,000-entry
# catalog each run, its 20,000 train entries removed
: >"$work/gcd.t"; : >"$work/gc.t"
for i in $(seq "$runs"); do
	discard "$work/gccat"
	"$gicat" init "$work/gccat" 2>/dev/null
	"$top/build/bench/mkcatalog" "$work/gccat" 10000 1000 >/dev/null
	"$gicat" --catalog "$work/gccat" rm "split = train" 2>/dev/null
	time_cmd "$work/gcd.t" "$gicat" --catalog "$work/gccat" gc --dry-run --grace 0
	time_cmd "$work/gc.t" "$gicat" --catalog "$work/gccat" gc --grace 0
done
gcd=$(median <"$work/gcd.t"); gct=$(median <"$work/gc.t")
printf '\ngc, 20,000 images without entries among 36,000, median of %s runs\n' "$runs"
printf '  %-44s %8.3f s   gc itself: %.3f s   ratio %s\n' \
	"gicat gc --dry-run" "$gcd" "$gct" "$(ratio "$gcd" "$gct" 2)"
discard "$work/gccat" && rm -f "$work/gcd.t" "$work/gc.t"
