#!/bin/sh
# kill -9 inside the commands that write, besides ingest (t0103): split
# and export, gc, degrade, rm, init.
#
# strace sends the SIGKILL at the Nth call of a system call, so each kill
# lands at the same point on every run.  After each kill verify --full is
# clean, and the same command run again ends in exactly the state of one
# uninterrupted run: the catalog's rows, the store's objects, the output,
# no temporary file, no mark.
. "$(dirname "$0")/lib.sh"

# (LeakSanitizer cannot run under ptrace)
killat() { # [-P PATH] SYSCALL N CMD...: CMD, killed at its Nth SYSCALL
	   # (on PATH, with -P; it must be)
	p=; test "$1" != -P || { p="-P $2"; shift 2; }
	s=$1 n=$2; shift 2
	set +e
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace -f -qq -o /dev/null $p \
		-e trace="$s" -e inject="$s":signal=SIGKILL:when="$n" "$@" \
		>/dev/null 2>&1
	rc=$?
	set -e
	test "$rc" -eq 137 || { echo "not killed at $s:$n (exit $rc)"; return 1; }
}
if ! strace -f -qq -o /dev/null -e trace=unlink true 2>/dev/null; then
	echo "# SKIP: strace cannot trace here (ptrace not permitted)"
	test_done
	exit
fi

fixture_catalog
mv cat base
H=$(sqlite3 base/.gicat/catalog.db "SELECT sha256 FROM entries WHERE generator = 'wukong' ORDER BY path LIMIT 1")

state() { # the rows that matter, the store's files, what out is
	sqlite3 cat/.gicat/catalog.db "
		SELECT sha256, dataset, generator, label, split, path, license
		FROM entries ORDER BY dataset, path;
		SELECT sha256, bytes FROM images ORDER BY sha256;
		SELECT parent, ops, codec, derived FROM derivations ORDER BY 1, 2;
		SELECT m.out_dir, m.task_hash, m.format, m.mode, m.files, f.path,
		       f.sha256, f.image_sha256 FROM materializations m JOIN
		       materialized_files f ON f.materialization_id = m.id
		ORDER BY 1, 6;"
	(cd cat/.gicat/objects && find . | sort)
	if test -e out; then
		find out -printf "%y %p %l\n" | sort
		find out -type f -exec sha256sum {} + | sort -k2
	fi
}
# fresh: the fixture's catalog as cat, SETUP run on it, no out
fresh() {
	rm -rf cat out && cp -a base cat && eval "$setup" >/dev/null 2>&1
}

# crash_test TITLE SETUP CMD SYSCALL:N...: CMD run whole once, then for
# each point killed there and run again, which must end the same
crash_test() {
	title=$1 setup=$2 cmd=$3; shift 3
	points=$*
	test_expect_success "$title: killed at $points, then run again" '
		fresh && eval "$cmd" >/dev/null 2>&1 && state >want &&
		for p in $points; do
			fresh &&
			eval "killat ${p%:*} ${p#*:} $cmd" &&
			gicat --catalog cat verify --full >out.v 2>&1 ||
				{ echo "at $p:"; cat out.v; return 1; }
			eval "$cmd" >/dev/null 2>out.e ||
				{ echo "at $p, the re-run:"; cat out.e; return 1; }
			state >got &&
			test_cmp want got || { echo "at $p"; return 1; }
		done
	'
}

export GICAT_DIR="$TRASH/cat"
T=genimage/cross-sd14

# A --force run forgets the earlier export's record, then removes its
# files: killed in between, nothing said those that were still there
# were not the user's, and the re-run kept them in the new export.
setup="gicat split genimage/cross-adm --out out"
test_expect_success 'split --force killed while it removes an earlier export: check says so, the re-run removes the rest' '
	fresh && killat unlinkat 8 gicat split $T --out out --force &&
	gicat verify --full >/dev/null &&
	test_expect_code 1 gicat split --check out >check 2>&1 &&
	test_grep "did not finish (killed, or it failed)" check &&
	gicat split $T --out out 2>err &&
	! grep warning err &&
	gicat split --check out >check && test_grep " 0 drifts" check &&
	mkdir whole && gicat split $T --out whole/out 2>/dev/null &&
	diff -r whole/out out
'
crash_test 'split --force over an earlier export' "$setup" \
	"gicat split $T --out out --force" \
	unlinkat:2 unlinkat:40 unlinkat:120 linkat:30 renameat:1 pwrite64:3 \
	pwrite64:20

# The record vouches for the files: they reach the disk first, so that a
# power loss cannot leave a recorded export of empty files.
setup=
test_expect_success 'split syncs its files before it records them: killed at that sync, nothing recorded' '
	fresh && killat syncfs 1 gicat split $T --out out --mode copy &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM materializations")" -eq 0 &&
	test -e out/.gicat-incomplete && test -s out/MANIFEST.sha256 &&
	gicat split $T --out out --mode copy 2>/dev/null &&
	gicat split --check out >check && test_grep " 0 drifts" check
'

crash_test 'split of a degraded task (derived objects made on the way)' "" \
	"gicat split genimage/degraded --out out --mode copy" \
	linkat:20 linkat:45 pwrite64:40 pwrite64:150 mkdirat:10

crash_test 'export as webdataset' "" \
	"gicat export 'split = val' --out out --format webdataset --shard-size 10" \
	write:100 write:400 renameat:1 pwrite64:15

crash_test 'degrade' "" \
	"gicat degrade 'resize(short=64)|jpeg(quality=30)' $H >out" \
	linkat:1 pwrite64:2 pwrite64:20 fdatasync:1

setup="gicat export 'generator = adm' --out gone --mode symlink &&
	gicat rm 'generator = sd14 or generator = adm' && rm -r gone"
crash_test 'gc --forget-gone' "$setup" "gicat gc --grace 0 --forget-gone" \
	unlink:1 unlink:12 pwrite64:3 pwrite64:25

setup=
crash_test 'rm' "" "gicat rm 'generator = sd14 or split = val'" \
	pwrite64:2 pwrite64:40 fdatasync:2

# The first write of a new catalog.db (its switch to WAL) goes through a
# rollback journal: killed before that is deleted, a read-only look at
# the database could not read it, so init took it for a catalog, while
# every other command said to run init again.
test_expect_success 'init killed as it deletes its first journal: init again completes it' '
	# only the journal'"'"'s unlink counts: ThreadSanitizer'"'"'s runtime unlinks
	# a file of its own before main
	killat -P "$TRASH/ki/.gicat/catalog.db-journal" unlink 1 gicat init ki &&
	test -e ki/.gicat/catalog.db-journal &&
	gicat init ki 2>err && test_grep "^init: created catalog" err &&
	gicat --catalog ki verify >out && test_grep " 0 problems" out
'

test_done
