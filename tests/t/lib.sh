# lib.sh - a small git-style harness for the shell tests in tests/t.
# A test file sources this, calls test_expect_success 'title' 'script' for
# each case, and ends with test_done.  Each script runs with `set -e` in the
# file's own scratch directory ($TRASH); output is TAP ("ok N - title").
# On failure the script's output is shown, with the file and test title.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${GICAT_SHARED:-$TOP/../shared}
GICAT_BIN=$TOP/gicat
FIXTURES=$TOP/build/fixtures
TNAME=$(basename "$0" .sh)
TRASH=$TOP/build/trash/$TNAME
rm -rf "$TRASH"; mkdir -p "$TRASH"
cd "$TRASH" || exit 3
unset GICAT_DIR NO_COLOR
export LC_ALL=C
PATH=$TOP:$PATH
test_count=0; test_failed=0
PY=/usr/bin/python3  # Debian's, with the python3-* packages the tests use
SQ="'"  # a single quote, for test scripts that are themselves quoted

# genimage_tree DIR [--scale N]: the mini-GenImage tree of mkgenimage in
# DIR, made once per build of mkgenimage and options, then copied: its
# bytes depend on nothing else, and the copy is the test's own to change.
genimage_tree() {
	dir=$1; shift
	cache=$TOP/build/fixtures/genimage-tree$(echo "$*" | tr -c 'a-z0-9' _)
	if [ ! -f "$cache/.made" ] || [ "$FIXTURES/mkgenimage" -nt "$cache/.made" ]; then
		rm -rf "$cache" "$cache.$$"
		"$FIXTURES/mkgenimage" "$@" "$cache.$$" >/dev/null || return 1
		touch "$cache.$$/.made"
		mv "$cache.$$" "$cache" 2>/dev/null || rm -rf "$cache.$$"
	fi
	mkdir -p "$dir" && cp -R "$cache/." "$dir" && rm "$dir/.made"
}
# fixture_catalog: the mini-GenImage tree in data/, ingested into cat/
# (its three corrupt files rejected), which $GICAT_DIR then names.
fixture_catalog() {
	genimage_tree data
	gicat init cat 2>/dev/null
	export GICAT_DIR="$TRASH/cat"
	(cd data && gicat ingest --val-labels LOC_val_solution.csv genimage 2>/dev/null) || :
}
# pngsuite_catalog: the PNG suite's basn*.png in img/, ingested into cat/,
# which $GICAT_DIR then names; then first NAME prints the hash of
# img/NAME, and obj NAME its object's file.
pngsuite_catalog() {
	gicat init cat 2>/dev/null
	export GICAT_DIR="$TRASH/cat"
	mkdir img && cp "$SHARED"/data/pngsuite/basn*.png img/
	gicat ingest img 2>/dev/null
	first() { gicat query --format csv --fields sha256 "path = img/$1" | tail -1; }
	obj() { h=$(first "$1"); echo "cat/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-)"; }
}
# eval_fixture: fixture_catalog, then for cross-sd14 ($TASK) its items
# (items.csv), test rows (test-items.csv, $ntest of them); pred FILE
# HEADER AWK-EXPR writes one row per test image (the expression sees
# $2 = sha256, $3 = label, $6 = original path, and h(s), a pseudo-random
# score 0.0 to 1.0 in steps of 0.1 from the first two hex digits of s:
# plenty of ties); evalcsv FILE... scores a file as CSV.
eval_fixture() {
	fixture_catalog
	TASK=genimage/cross-sd14
	gicat task show --items $TASK >items.csv
	awk -F, 'NR > 1 && $1 ~ /^test\//' items.csv >test-items.csv
	ntest=$(wc -l <test-items.csv)
	H='function h(s,  d) { d = "0123456789abcdef"; return int((index(d, substr(s, 1, 1)) * 16 + index(d, substr(s, 2, 1)) - 17) / 25.5) / 10 }'
	pred() {
		{ echo "$2"; awk -F, -v OFS=, "$H { print $3 }" test-items.csv; } >"$1"
	}
	evalcsv() { gicat eval $TASK --format csv --predictions "$@"; }
}
# on_tty CMD...: runs CMD with a terminal for its output (stdout and
# stderr), writes what it wrote as a Python bytes literal (escapes shown:
# \x1b[K) and exits as it did.
on_tty() {
	"$PY" -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        d = os.read(fd, 65536)
    except OSError:
        break
    if not d:
        break
    out += d
sys.stdout.write(repr(out))
sys.exit(os.WEXITSTATUS(os.waitpid(pid, 0)[1]))
' "$@"
}
# reader_catalog: $roc, where to make a catalog that someone who may read
# but not write it reads, as_reader gicat... (root: the nobody user, $roc
# a directory of its own under /tmp that nobody can reach; anyone else:
# the test makes $roc/.gicat read-only); $reader is the prefix that does
# it (empty when not root), for a command another program starts.
# reader_done removes what reader_catalog made.
reader_catalog() {
	if [ "$(id -u)" = 0 ]; then
		roc=$(mktemp -d /tmp/gicat-roc-XXXXXX) && chmod 755 "$roc"
		reader="setpriv --reuid=65534 --regid=65534 --clear-groups"
	else
		roc=$TRASH/roc reader=
	fi
}
as_reader() { $reader "$TOP/gicat" "$@"; }
# other_user_dir NAME: $w, a directory for a test of what a user who is
# not root may not do, and $run, the prefix that runs a command as that
# user (root: nobody, $w of its own under /tmp, removed by the test;
# anyone else: themselves, $w in the trash, $run empty).
other_user_dir() {
	if [ "$(id -u)" = 0 ]; then
		w=$(mktemp -d "/tmp/gicat-$1-XXXXXX") && chmod 755 "$w" &&
		run="setpriv --reuid=65534 --regid=65534 --clear-groups"
	else
		w=$TRASH/$1 && mkdir -p "$w" && run=
	fi
}
reader_done() {
	chmod -R u+w "$roc" 2>/dev/null
	[ "$roc" = "$TRASH/roc" ] || rm -rf "$roc"
}
# Under SANITIZE=..., reports go to files that every test checks, so a
# report fails the test even where the command was expected to fail.  An
# allocation memory cannot hold returns NULL, as it does without ASan (or
# TSan).
SANLOG=$TOP/build/trash/$TNAME.san
rm -f "$SANLOG".*
export ASAN_OPTIONS="log_path=$SANLOG:exitcode=86:allocator_may_return_null=1"
export UBSAN_OPTIONS="log_path=$SANLOG:exitcode=86:print_stacktrace=1"
export TSAN_OPTIONS="log_path=$SANLOG:exitcode=86:allocator_may_return_null=1"

test_expect_success() { # title script
	test_count=$((test_count + 1))
	# The script runs as a statement of its own: inside an && list (or an
	# if) the shell would ignore its set -e, and a failing command in the
	# middle of a script would go unnoticed.
	(set -e; eval "$2") >"$TRASH/.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && ! ls "$SANLOG".* >/dev/null 2>&1; then
		echo "ok $test_count - $1"
	else
		cat "$SANLOG".* >>"$TRASH/.out" 2>/dev/null; rm -f "$SANLOG".*
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		echo "#   in tests/t/$TNAME.sh"
		sed 's/^/#   /' "$TRASH/.out" | tail -40
	fi
}
# test_expect_code N cmd...: cmd must exit with exactly N.
test_expect_code() {
	want=$1; shift
	set +e; "$@"; got=$?; set -e
	[ "$got" -eq "$want" ] && return 0
	echo "expected exit $want, got $got: $*" >&2; return 1
}
# test_must_fail cmd...: cmd must fail cleanly (exit 1..125, not a crash).
test_must_fail() {
	set +e; "$@"; got=$?; set -e
	[ "$got" -ge 1 ] && [ "$got" -le 125 ] && return 0
	echo "expected a clean failure, got exit $got: $*" >&2; return 1
}
# test_cmp expected actual: shows a diff when they differ.
test_cmp() { diff -u "$1" "$2"; }
# test_grep pattern file: like grep, but shows the file when nothing matches.
test_grep() {
	grep -q -e "$1" "$2" && return 0
	echo "no line matching '$1' in $2:" >&2; sed 's/^/| /' "$2" >&2; return 1
}
# test_grep_all file pattern...: test_grep of each pattern in file.
test_grep_all() {
	f=$1; shift
	for p in "$@"; do test_grep "$p" "$f" || return 1; done
}
test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
}
