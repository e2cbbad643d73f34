# bench/lib.sh - what the benchmark scripts share; sourced, not run.
# now: wall-clock seconds with nanoseconds
now() { date +%s.%N; }
# median: the middle of the numbers on stdin, one per line (the lower
# middle for an even count)
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# ratio A B [DIGITS]: A / B with DIGITS decimals (default 3), printed as
# 0.602, not bc's .602
ratio() { printf "%.${3:-3}f" "$(echo "$1 / $2" | bc -l)"; }
