# bench/lib.sh - what the benchmark scripts share; sourced, not run.
# now: wall-clock seconds with nanoseconds
now() { date +%s.%N; }
# median: the middle of the numbers on stdin, one per line (the lower
# middle for an even count)
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# discard PATH...: moves PATH aside, to be deleted when make bench ends
# (bench/run.sh).  Files deleted right before a timed run slow down
# whoever creates files next: ext4 without a journal will not reuse an
# inode freed in the last minute (five while its inode table is not
# written back) and steps past each such inode on every allocation in its
# group, which put 0.1 s, and a ratio of 0.6 or 1.1, on a fetch of 2,000
# files.  The paths must be under $top/build/bench-work.
discard() {
	for p; do
		[ -e "$p" ] || continue
		mkdir -p "$top/build/bench-work/discard" &&
			mv "$p" "$(mktemp -d "$top/build/bench-work/discard/XXXXXX")/"
	done
}
# ratio A B [DIGITS]: A / B with DIGITS decimals (default 3), printed as
# 0.602, not bc's .602
ratio() { printf "%.${3:-3}f" "$(echo "$1 / $2" | bc -l)"; }
