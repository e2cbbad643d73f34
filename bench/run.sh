#!/bin/sh
# bench/run.sh - `make bench`: every benchmark, each printing its figures
# beside the reference it names, as ratios from one run.  Benchmarks are
# not tests: they print, they do not pass or fail.
#   BENCH_ONLY=ingest,split   runs some of them
set -u
here=$(cd "$(dirname "$0")" && pwd)
for b in ingest probe split degrade dedup fetch; do
	case ",${BENCH_ONLY:-$b}," in *",$b,"*) ;; *) continue ;; esac
	[ -x "$here/$b.sh" ] || continue
	printf '\n=== %s\n' "$b"
	"$here/$b.sh" || echo "bench: $b failed (exit $?)"
done
# what the benchmarks set aside (bench/lib.sh: discard), deleted last
if [ -d "$here/../build/bench-work/discard" ]; then
	chmod -R u+w "$here/../build/bench-work/discard"
	rm -rf "$here/../build/bench-work/discard"
fi
