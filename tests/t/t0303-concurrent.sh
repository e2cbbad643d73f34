#!/bin/sh
# Two gicat processes on one catalog at once: writers share .gicat/lock,
# gc takes it alone, so gc never removes what another run is about to
# reference; two ingests of the same files make one object and right
# entries; what `license set --dataset` attaches reaches the entries an
# ingest running meanwhile adds.
#
# strace stops the first command (SIGSTOP) at the Nth call of a system
# call, the test waits until it is stopped, runs the second one, then
# lets the first go on (SIGCONT): each run meets the other at the same
# point every time.
. "$(dirname "$0")/lib.sh"

if ! strace -f -qq -o /dev/null -e trace=unlink true 2>/dev/null; then
	echo "# SKIP: strace cannot trace here (ptrace not permitted)"
	test_done
	exit
fi

# stopat SYSCALLS N CMD...: CMD in the background, stopped at its Nth
# call of SYSCALLS; returns once it is stopped (strace says so), its pid
# in $stopped and strace's (whose exit is CMD's) in $tracer.  Go on:
# resume.  (LeakSanitizer cannot run under ptrace)
stopat() {
	s=$1 n=$2; shift 2
	leftover; rm -f "$TRASH/strace.log"
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace -f -qq \
		-o "$TRASH/strace.log" -e trace="$s" -e signal=SIGSTOP \
		-e inject="$s":signal=SIGSTOP:when="$n" "$@" \
		>"$TRASH/stopped.out" 2>&1 &
	tracer=$! i=0
	while ! grep -q "stopped by SIGSTOP" "$TRASH/strace.log" 2>/dev/null; do
		if ! kill -0 $tracer 2>/dev/null || [ $i -ge 600 ]; then
			echo "not stopped at $s:$n:"; cat "$TRASH/stopped.out"
			return 1
		fi
		sleep 0.05; i=$((i + 1))
	done
	stopped=$(cat /proc/$tracer/task/$tracer/children) &&
	stopped=$(echo $stopped) && echo $stopped >"$TRASH/stopped.pid"
}
# a command a failed test left stopped goes on (and ends)
leftover() {
	test -f "$TRASH/stopped.pid" && kill -CONT $(cat "$TRASH/stopped.pid") 2>/dev/null
	rm -f "$TRASH/stopped.pid"
}
# resume: lets the stopped command go on; its exit status
resume() {
	kill -CONT $stopped
	set +e; wait $tracer; rc=$?; set -e
	return $rc
}
objects() { find "$TRASH/cat/.gicat/objects" -type f ! -name "tmp-*" | wc -l; }
clean() { # verify --full finds nothing wrong, objects are the images
	gicat verify --full >v.out 2>&1 && test_grep " 0 problems$" v.out &&
	test "$(objects)" -eq "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM images WHERE storage = 'object'")"
}

genimage_tree data
export GICAT_DIR="$TRASH/cat"
fresh() { rm -rf cat out && gicat init cat 2>/dev/null; }
G=genimage

# Objects an ingest wrote before its first commit are referenced by no
# row yet: a gc --grace 0 beside it would remove them, and the ingest's
# rows would then point at nothing.
test_expect_success 'gc refuses to run beside an ingest that has stored objects it has not committed' '
	fresh &&
	cd data && stopat syncfs 1 gicat ingest --val-labels LOC_val_solution.csv $G && cd .. &&
	test "$(objects)" -gt 0 &&
	test "$(gicat query --count)" -eq 0 &&
	test_expect_code 3 gicat gc --grace 0 2>err &&
	test_grep "another gicat is writing to this catalog" err &&
	test_expect_code 3 gicat gc --grace 0 --dry-run 2>err &&
	test "$(objects)" -gt 0 &&
	test_expect_code 1 resume &&
	test "$(gicat query --count)" -eq 127 &&
	clean && gicat gc --grace 0 2>out &&
	test_grep "removed 0 unused image rows, 0 objects, 0 temporary files" out
'

# rm takes the entries of a resolved task away before split writes into
# --out (stopped at its lock on it: a sanitizer's runtime makes
# directories of its own first, so not at the first mkdir), or while it
# writes their symbolic links; a gc then would remove the objects they
# point at.
test_expect_success 'rm and gc while split --mode symlink writes: every link it makes resolves' '
	for at in flock:2 symlinkat:1; do
		fresh && (cd data && gicat ingest --val-labels LOC_val_solution.csv $G 2>/dev/null || :) &&
		stopat ${at%:*} ${at#*:} gicat split $G/cross-adm --mode symlink --out out &&
		gicat rm "dataset = genimage" 2>/dev/null &&
		test "$(gicat query --count)" -eq 0 &&
		test_expect_code 3 gicat gc --grace 0 2>err &&
		test_grep "another gicat is writing to this catalog" err &&
		resume &&
		test "$(find out -type l | wc -l)" -eq 68 &&
		test "$(find -L out -type l | wc -l)" -eq 0 &&
		gicat gc --grace 0 2>gc.err && test_grep "kept 68 images no entry uses" gc.err &&
		test "$(find -L out -type l | wc -l)" -eq 0 && clean ||
		{ echo "stopped at $at"; return 1; }
	done
'

# The second ingest stores and commits every file while the first, its
# rows not yet begun, is stopped: the first then finds them all present.
test_expect_success 'two ingests of one tree at once: one object an image, each entry once' '
	fresh &&
	cd data && stopat clone,clone3 1 gicat ingest $G && cd .. &&
	(cd data && test_expect_code 1 gicat ingest $G 2>../err2) &&
	test_grep "125 new images, 127 new entries" err2 &&
	test_expect_code 1 resume && ! grep -i "constraint\|locked" stopped.out &&
	test_grep "0 new images, 0 new entries, 127 already present" stopped.out &&
	test "$(gicat query --count)" -eq 127 &&
	cd data && stopat clone,clone3 1 gicat ingest --dataset other --mode link $G && cd .. &&
	(cd data && test_expect_code 1 gicat ingest --dataset other $G 2>/dev/null) &&
	test_expect_code 1 resume &&
	test "$(gicat query --count "dataset = other")" -eq 127 &&
	test "$(gicat query --count)" -eq 254 && clean
'

# verify holds the writers' lock shared: beside an ingest it finds only
# the objects not yet committed, which it calls harmless.
test_expect_success 'verify beside an ingest finds no problem; a gc beside verify is refused' '
	fresh &&
	cd data && stopat syncfs 1 gicat ingest $G && cd .. &&
	gicat verify --full >v.out 2>&1 && test_grep " 0 problems$" v.out &&
	test_grep "harmless: [0-9]* unreferenced objects" v.out &&
	test_expect_code 1 resume && clean &&
	stopat getdents64 1 gicat verify --full &&
	test_expect_code 3 gicat gc --grace 0 2>err &&
	test_grep "another gicat is writing to this catalog (.*) or verifying it" err &&
	resume
'

# Someone who may read the catalog but not write its lock file (another
# user; root: nobody, on a catalog in a directory of its own) verifies:
# the lock is taken through a read-only descriptor, so a gc beside that
# verify is refused too, and the owner's gc takes it so when the file is
# read-only to the owner as well.
reader_catalog
test_expect_success 'a reader that may not write the lock file holds it while verifying: gc beside it is refused' '
	gicat init "$roc" 2>/dev/null && cp -r data/$G/ADM "$roc/" &&
	{ gicat --catalog "$roc" ingest "$roc" 2>/dev/null || :; } &&
	chmod 444 "$roc/.gicat/lock" &&
	stopat getdents64 1 $reader "$TOP/gicat" --catalog "$roc" verify --full &&
	test_expect_code 3 gicat --catalog "$roc" gc --grace 0 2>err &&
	test_grep "another gicat is writing to this catalog (.*) or verifying it" err &&
	resume && test_grep " 0 problems$" stopped.out &&
	gicat --catalog "$roc" gc --grace 0 2>err && test_grep "^gc: removed" err
'
reader_done

# license set --dataset: the dataset's entries now, and its new ones.  An
# ingest that read the rules before the set, and adds its entries after
# it, must give them the licenses too.
test_expect_success 'license set --dataset during an ingest of that dataset reaches all its entries' '
	fresh &&
	cd data && stopat clone,clone3 1 gicat ingest --dataset mine $G && cd .. &&
	gicat license set --dataset mine MIT 2>/dev/null &&
	test_expect_code 1 resume &&
	test "$(gicat query --count "dataset = mine")" -eq 127 &&
	test "$(gicat query --count "dataset = mine and license = MIT")" -eq 127
'

leftover
test_done
