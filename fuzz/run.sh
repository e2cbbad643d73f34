#!/bin/sh
# fuzz/run.sh TARGET... (make fuzz, which sets PKGS) - builds each
# fuzz/TARGET.c with clang and libFuzzer (address and undefined-behaviour
# sanitizers on, the library instrumented for coverage) in
# build/fuzz-clang/, then fuzzes it for
# FUZZ_SECONDS (default 60) from fuzz/corpus/TARGET/ (and, for the probe,
# the PNG suite and JPEG samples).  New inputs go to
# build/fuzz-clang/corpus-TARGET/, a crash to build/fuzz-clang/TARGET-crash-*;
# fuzz/corpus/ is only read: once a crash is fixed, copy its input there,
# and make test replays it from then on.  Exit 1 when a target failed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-60}
shared=${GICAT_SHARED:-$top/../shared}
out=build/fuzz-clang
pkgs=${PKGS:?"the libraries' pkg-config names: run by make fuzz"}

if ! command -v clang >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang >/dev/null
	else
		echo "fuzz/run.sh: clang (with libFuzzer) is missing; as root:" >&2
		echo "  apt-get install -y clang" >&2
		exit 2
	fi
fi

flags="-std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer \
-fsanitize=address,undefined -fno-sanitize-recover=all -Icatalog -Ibuild \
$(pkg-config --cflags $pkgs)"
mkdir -p "$out/obj"
# the library, instrumented; an object is rebuilt when its source or any
# header of catalog/ is newer
newest_h=$(ls -t catalog/*.h | head -1)
for src in catalog/*.c build/embed.c; do
	o=$out/obj/$(basename "$src" .c).o
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
		echo "  CC (fuzz) $src"
		clang $flags -fsanitize=fuzzer-no-link -c "$src" -o "$o"
	fi
done

failed=""
for t in "$@"; do
	echo "  LD (fuzz) $t"
	clang $flags -fsanitize=fuzzer -o "$out/$t" "fuzz/$t.c" \
		"$out"/obj/*.o $(pkg-config --libs $pkgs) -lpthread -lm
	mkdir -p "$out/corpus-$t" "fuzz/corpus/$t"
	seeds="fuzz/corpus/$t"
	[ "$t" = fuzz-probe ] && [ -d "$shared/data/pngsuite" ] &&
		seeds="$seeds $shared/data/pngsuite $shared/data/jpeg"
	echo "fuzzing $t for $secs s (log: $out/$t.log)"
	# shellcheck disable=SC2086
	if "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=3072 \
		-max_len=65536 -artifact_prefix="$out/$t-" \
		"$out/corpus-$t" $seeds >"$out/$t.log" 2>&1; then
		tail -n 1 "$out/$t.log"
	else
		failed="$failed $t"
		grep -E "ERROR|SUMMARY|Test unit written" "$out/$t.log" | head -5
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz/run.sh: failed:$failed (logs and inputs in $out/)" >&2
	exit 1
fi
