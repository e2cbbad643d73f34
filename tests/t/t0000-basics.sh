#!/bin/sh
# The command line itself: help, usage errors, exit codes, finding the
# catalog like git finds .git.
. "$(dirname "$0")/lib.sh"

test_expect_success 'help lists every command and exits 0' '
	gicat help >out &&
	for c in init ingest query show cat stats verify gc migrate; do
		test_grep "^  $c " out
	done
'

test_expect_success 'a command with -h prints its usage on stdout' '
	gicat ingest -h >out &&
	test_grep "usage: gicat ingest" out &&
	gicat help query >out &&
	test_grep "usage: gicat query" out &&
	gicat help -h >out && test_grep "usage: gicat help" out &&
	test_expect_code 2 gicat help query extra 2>err && test_grep "one COMMAND at a time, not .extra." err &&
	test_expect_code 2 gicat help frobnicate >out 2>err && ! test -s out &&
	test_grep "^gicat: help: no command .frobnicate. (.gicat help. lists them)$" err &&
	test_expect_code 2 gicat help qeury 2>err &&
	test_grep "^gicat: help: no command .qeury. (did you mean .query.?)$" err &&
	test_expect_code 2 gicat help delete 2>err &&
	test_grep "^gicat: help: no command .delete. (did you mean .rm.?)$" err
'

test_expect_success 'every option a command accepts is in its -h' '
	sed -n "/define EXPORT_LONG_OPTS/,/}$/p" "$TOP/cli/cli.h" >export-opts &&
	for f in "$TOP"/cli/cmd-*.c; do
		c=${f##*/cmd-} && c=${c%.c} &&
		gicat $c -h >out &&
		if grep -q EXPORT_LONG_OPTS "$f"; then cat export-opts "$f"; else cat "$f"; fi >src &&
		for o in $(grep -o "{ \"[a-z-]*\", [01]" src | cut -d\" -f2); do
			test $o = help || grep -q -- "--$o" out ||
			{ echo "gicat $c -h does not mention --$o"; exit 1; }
		done
	done &&
	test_expect_code 2 gicat audit provenance --html p.html 2>err
'

test_expect_success 'the options export -h explains "as for split" split -h explains' '
	gicat export -h >out &&
	sed -n "s/^  \(--.*\): as for\$/\1/p" out | tr -d , >opts &&
	test -s opts &&
	gicat split -h >out &&
	for o in $(cat opts); do
		grep -q "^  $o " out || { echo "gicat split -h does not explain $o"; exit 1; }
	done
'

test_expect_success 'the short options README lists work wherever their long option does' '
	for c in $(gicat help | sed -n "s/^  \([a-z]*\) .*/\1/p"); do
		gicat $c -h >out &&
		for o in format:f mode:m out:o jobs:j predictions:p threshold:t; do
			grep -q "^  --${o%:*} " out || grep -q "\[--${o%:*} " out || continue
			test_expect_code 2 gicat $c -${o#*:} 2>err
			test_grep "^gicat: $c: .-${o#*:}.: needs a value$" err ||
			{ echo "gicat $c -${o#*:} is not --${o%:*}"; exit 1; }
		done
	done
'

test_expect_success 'a bad option value is a usage error that names it' '
	printf "[task]\n[test t]\nselect = label = fake\n" >t.ini &&
	for c in "ingest --jobs Q1 x" "split t.ini --out o --jobs Q1" "split t.ini --out o --names Q1" \
		"export --out o --jobs Q1" "leakcheck t.ini --format Q1" "license list --format Q1" \
		"task show t.ini --format Q1" "eval t.ini --predictions p --format Q1" \
		"dedup --format Q1" "query --format Q1" "audit bias --format Q1" "stats --format Q1" \
		"fetch --status --format Q1" "eval --matrix m --metric Q1" "show --format Q1 x" \
		"stats --rejects --format Q1" "gc --grace Q1" "query --limit Q1"; do
		test_expect_code 2 gicat $c 2>err &&
		grep -q "^gicat: ${c%% *}: .*${SQ}Q1${SQ}" err &&
		sed -n 2p err | grep -q "^usage: gicat ${c%% *} " || { echo "gicat $c:"; cat err; return 1; }
	done
'

test_expect_success 'help fits 80 columns: a long synopsis wraps at its options, each alternative on a line of its own' '
	for c in $(gicat help | sed -n "s/^  \([a-z]*\)  .*/\1/p"); do
		gicat help $c >out &&
		! awk "length > 80" out | grep . || { echo "gicat help $c:"; cat out; return 1; }
	done &&
	gicat help >out && ! awk "length > 80" out | grep . &&
	gicat help fetch >out &&
	test "$(sed -n 1p out)" = "usage: gicat fetch [--jobs N] [--per-host N] [--retries N] [--max-bytes N]" &&
	test "$(sed -n 2p out)" = "                   [--max-memory N] [--max-pixels N] [--timeout S]" &&
	grep -q "^                   \[--layout L \[--val-labels F\]\] \[--mode copy\]$" out &&
	grep -q "^   or: gicat fetch --status \[--dataset NAME\] \[--format F\] \[URLLIST\]$" out &&
	gicat help task >out &&
	test "$(sed -n 1p out)" = "usage: gicat task list" &&
	test "$(sed -n 2p out)" = "   or: gicat task cat FILE" &&
	test "$(sed -n 3p out)" = "   or: gicat task show [--format table | --items [--format csv|jsonl]] FILE" &&
	gicat help show >out &&
	test "$(sed -n 1p out)" = "usage: gicat show [--format text|json] SHA256|PREFIX|PATH" &&
	gicat help license >out &&
	grep -q "^   or: gicat license set --dataset NAME|--generator G ID\.\.\.$" out &&
	test "$(grep -c "^   or: " out)" -eq 4 &&
	test_expect_code 2 gicat migrate --bogus 2>err &&
	test "$(sed -n 2p err)" = "usage: gicat migrate [--status | --measure]"
'

test_expect_success 'a size takes k or K, M, G; one past 2^64 is a usage error, not a wrap' '
	for c in "ingest nosuch" "fetch nosuch.csv"; do
		for v in 1k 1K 2M 3G 18446744073709551615 17179869183G; do
			test_expect_code 2 gicat ${c% *} --max-bytes $v ${c#* } 2>err &&
			! grep -q "max-bytes" err || { echo "$c $v:"; cat err; return 1; }
		done &&
		for v in 17179869184G 17179869185G 18014398509481985k 18446744073709551616 \
			99999999999999999999 1T 1KK 1.5k 0x10 -1 " 1" ""; do
			test_expect_code 2 gicat ${c% *} --max-bytes "$v" ${c#* } 2>err &&
			test_grep "^gicat: ${c% *}: --max-bytes takes a positive number" err ||
			{ echo "$c $v"; return 1; }
		done || return 1
	done
'

test_expect_success 'an unknown command or option is a usage error (exit 2)' '
	test_expect_code 2 gicat frobnicate 2>err &&
	test_grep "not a command" err &&
	test_expect_code 2 gicat querry 2>err &&
	test "$(cat err)" = "gicat: '"'"'querry'"'"' is not a command; did you mean '"'"'query'"'"'?" &&
	test_expect_code 2 gicat delete 2>err &&
	test "$(cat err)" = "gicat: '"'"'delete'"'"' is not a command; did you mean '"'"'rm'"'"'?" &&
	test_expect_code 2 gicat rename 2>err &&
	test "$(cat err)" = "gicat: '"'"'rename'"'"' is not a command; did you mean '"'"'mv'"'"'?" &&
	# a long word (a mistyped EXPR, say) is quoted cut, not whole
	test_expect_code 2 gicat "$(printf "%0300d" 0)" 2>err &&
	test "$(cat err)" = "gicat: ${SQ}$(printf "%0120d" 0)...${SQ} is not a command; see ${SQ}gicat help${SQ}" &&
	test_expect_code 2 gicat query --bogus 2>err &&
	test "$(wc -l <err)" -eq 4 &&
	test "$(tail -1 err)" = "(${SQ}gicat query -h${SQ} explains every option)" &&
	test "$(head -1 err)" = "gicat: query: ${SQ}--bogus${SQ}: unknown option" &&
	test "$(sed -n 2p err | cut -d" " -f1-3)" = "usage: gicat query" &&
	test_expect_code 2 gicat query --grup-by label 2>err &&
	test "$(wc -l <err)" -eq 4 &&
	test "$(head -1 err)" = "gicat: query: ${SQ}--grup-by${SQ}: unknown option; did you mean ${SQ}--group-by${SQ}?" &&
	test_expect_code 2 gicat stats --rejcts 2>err &&
	test "$(head -1 err)" = "gicat: stats: ${SQ}--rejcts${SQ}: unknown option; did you mean ${SQ}--rejects${SQ}?" &&
	test_expect_code 2 gicat task show --formt=csv genimage/all 2>err &&
	test "$(head -1 err)" = "gicat: task: ${SQ}--formt${SQ}: unknown option; did you mean ${SQ}--format${SQ}?" &&
	test_expect_code 2 gicat query --f csv 2>err &&
	test "$(head -1 err)" = "gicat: query: ${SQ}--f${SQ}: ambiguous: --format, --fields" &&
	test_expect_code 2 gicat verify --full=yes 2>err &&
	test "$(head -1 err)" = "gicat: verify: ${SQ}--full${SQ}: takes no value" &&
	test_expect_code 2 gicat split --out 2>err && ! grep "did you mean" err &&
	test_expect_code 2 gicat split --out 2>err &&
	test "$(head -1 err)" = "gicat: split: ${SQ}--out${SQ}: needs a value" &&
	test_expect_code 2 gicat stats -x 2>err &&
	test "$(head -1 err)" = "gicat: stats: ${SQ}-x${SQ}: unknown option" &&
	test_expect_code 2 gicat -v 2>err &&
	test_grep "^gicat: .-v. is not an option of gicat itself (its own are --catalog DIR, --version, --help; a command.s options go after it)$" err &&
	test_expect_code 2 gicat --catalg . stats 2>err &&
	test_grep "^gicat: .--catalg. is not an option of gicat itself; did you mean .--catalog.? (its own are" err &&
	test "$(gicat --vers)" = "$(gicat --version)" && gicat --he | grep -q "^usage: gicat" &&
	test_expect_code 2 gicat --verbose query 2>err && test_grep "is not an option of gicat itself" err &&
	gicat -V >out && gicat --version >out2 && test_cmp out out2 && test_grep "^gicat [0-9.]* (schema [0-9]*)$" out &&
	gicat help | tail -1 >out && test_grep "gicat --version" out &&
	test_expect_code 2 gicat 2>err
'

test_expect_success 'without a catalog, commands say how to make one' '
	mkdir empty && cd empty &&
	test_expect_code 2 gicat query 2>err &&
	test_grep "gicat init" err
'

test_expect_success 'init creates .gicat with the database and objects/' '
	gicat init cat 2>err &&
	test -f cat/.gicat/catalog.db && test -d cat/.gicat/objects &&
	test_grep "created catalog" err
'

test_expect_success 'init refuses to make a catalog inside a .gicat directory' '
	test_expect_code 2 gicat --catalog cat/.gicat init 2>err &&
	test_grep "not in .gicat itself" err && ! test -e cat/.gicat/.gicat &&
	test_expect_code 2 gicat init nd/.gicat/ 2>err && ! test -e nd &&
	test_expect_code 2 gicat init cat/.gicat/objects 2>err &&
	test_grep "init: .cat/.gicat/objects.: inside a catalog.s .gicat directory" err &&
	test_expect_code 2 gicat init cat/.gicat/objects/new 2>err && ! test -e cat/.gicat/objects/new &&
	ln -s cat/.gicat/objects into-objects &&
	test_expect_code 2 gicat init into-objects 2>err && ! test -e cat/.gicat/objects/.gicat &&
	ln -s cat/.gicat into-gicat &&
	test_expect_code 2 gicat init into-gicat/objects/new/deeper 2>err &&
	test_grep "inside a catalog.s .gicat directory" err && ! test -e cat/.gicat/objects/new
'

test_expect_success 'query -h explains every option and names the fields' '
	gicat query -h >out 2>&1 &&
	for w in --format --count --group-by --fields --limit; do
		grep -q -e "$w" out || return 1
	done &&
	sed -n "/^  fields:/,\$p" out | tr -s " \n" "\n\n" | grep -v "^fields:$" | grep . >listed &&
	gicat --catalog cat query --format csv --limit 0 | tr , "\n" >fields &&
	test_cmp fields listed
'

test_expect_success 'init inside the tree of another catalog notes which one is found where' '
	gicat init outer 2>/dev/null && mkdir -p outer/in &&
	gicat init outer/in 2>err &&
	test_grep "^gicat: init: note: it is inside the tree of the catalog in $TRASH/outer/.gicat: gicat run below $TRASH/outer/in now finds the new one (--catalog or \$GICAT_DIR choose)$" err &&
	gicat init elsewhere 2>err && ! test_grep "note" err
'

test_expect_success 'init of an existing catalog changes nothing and succeeds (a script re-run); a missing parent is made' '
	gicat --catalog cat query --count >before &&
	gicat init cat 2>err &&
	test "$(cat err)" = "init: $TRASH/cat/.gicat already holds a catalog (schema $(gicat --catalog cat migrate --status | sed -n "s/^schema version \([0-9]*\).*/\1/p")): its objects and rows stay as they are" &&
	gicat --catalog cat query --count >after && test_cmp before after &&
	gicat init nosuch/deeper 2>err &&
	test_grep "^init: created catalog in $TRASH/nosuch/deeper/.gicat" err &&
	gicat --catalog nosuch/deeper stats >/dev/null &&
	: >afile && test_expect_code 2 gicat init afile/sub/x 2>err &&
	test_grep "^gicat: init: .afile/sub/x.: .afile. is a file, not a directory$" err &&
	test_expect_code 3 gicat init /proc/nope/x 2>err &&
	test "$(cat err)" = "gicat: init: ${SQ}/proc/nope/x${SQ}: cannot make ${SQ}/proc/nope${SQ}: No such file or directory" &&
	: >afile && test_expect_code 2 gicat init afile 2>err &&
	test_grep "^gicat: init: .afile. is a file, not a directory$" err &&
	test_expect_code 2 gicat init "" 2>err && test_grep "^gicat: init: DIR is empty$" err
'

test_expect_success 'init creates the catalog where --catalog or GICAT_DIR say' '
	mkdir here && (cd here &&
		gicat --catalog "$TRASH/c-opt" init 2>/dev/null &&
		gicat init --catalog=../c-opt2 2>/dev/null &&
		GICAT_DIR=$TRASH/c-env gicat init 2>/dev/null) &&
	test -f c-opt/.gicat/catalog.db && test -f c-opt2/.gicat/catalog.db &&
	test -f c-env/.gicat/catalog.db && ! test -e here/.gicat
'

test_expect_success 'init: a DIR argument wins over GICAT_DIR; unlike --catalog is an error' '
	GICAT_DIR=$TRASH/c-env2 gicat init c-arg 2>/dev/null &&
	test -f c-arg/.gicat/catalog.db && ! test -e c-env2 &&
	gicat --catalog c-same/ init c-same 2>/dev/null &&
	test -f c-same/.gicat/catalog.db &&
	test_expect_code 2 gicat --catalog c-x init c-y 2>err &&
	test_grep "init: --catalog .c-x. and DIR .c-y. differ" err &&
	! test -e c-x && ! test -e c-y &&
	test_expect_code 2 gicat init c-x c-y 2>err &&
	test_grep "^gicat: init: unexpected argument .c-y. (init makes one catalog, in DIR)$" err &&
	! test -e c-x && ! test -e c-y
'

test_expect_success 'the catalog is found upward from a subdirectory' '
	mkdir -p cat/a/b && (cd cat/a/b && gicat query --count >../../../out) &&
	echo 0 >expect && test_cmp expect out
'

test_expect_success '--catalog and GICAT_DIR name the catalog explicitly' '
	gicat --catalog cat query --count >out && test_cmp expect out &&
	gicat query --catalog=cat --count >out && test_cmp expect out &&
	GICAT_DIR=$TRASH/cat gicat query --count >out && test_cmp expect out &&
	gicat --catalog cat/.gicat query --count >out && test_cmp expect out &&
	(cd cat && gicat --catalog .gicat/ query --count >../out) && test_cmp expect out &&
	test_expect_code 2 gicat --catalog nowhere/.gicat query 2>err &&
	test "$(cat err)" = "gicat: query: ${SQ}nowhere/.gicat${SQ} (--catalog): No such file or directory (${SQ}gicat init nowhere${SQ} makes a catalog there)" &&
	test_expect_code 2 env GICAT_DIR=.gicat/ gicat query 2>err &&
	test "$(cat err)" = "gicat: query: ${SQ}.gicat/${SQ} (from \$GICAT_DIR): No such file or directory (${SQ}gicat init .${SQ} makes a catalog there)" &&
	test_expect_code 2 gicat --catalog nowhere query 2>err &&
	test "$(cat err)" = "gicat: query: ${SQ}nowhere${SQ} (--catalog): No such file or directory (${SQ}gicat init nowhere${SQ} makes a catalog there)" &&
	mkdir -p bare && test_expect_code 2 gicat --catalog bare query 2>err &&
	test "$(cat err)" = "gicat: query: ${SQ}bare${SQ} (--catalog) holds no .gicat catalog (${SQ}gicat init bare${SQ} makes one)" &&
	test_expect_code 2 env GICAT_DIR=bare gicat query 2>err &&
	test "$(cat err)" = "gicat: query: ${SQ}bare${SQ} (from \$GICAT_DIR) holds no .gicat catalog (${SQ}gicat init bare${SQ} makes one)" &&
	test_expect_code 2 env GICAT_DIR=nowhere gicat query 2>err &&
	test "$(cat err)" = "gicat: query: ${SQ}nowhere${SQ} (from \$GICAT_DIR): No such file or directory (${SQ}gicat init nowhere${SQ} makes a catalog there)" &&
	echo x >afile2 && test_expect_code 2 gicat --catalog afile2 query 2>err &&
	test "$(cat err)" = "gicat: query: ${SQ}afile2${SQ} (--catalog) is not a directory" &&
	test_expect_code 2 gicat query --catalog 2>err &&
	test_grep "^gicat: --catalog needs a directory$" err &&
	test_expect_code 2 gicat --catalog verify 2>err &&
	test "$(cat err)" = "gicat: --catalog took ${SQ}verify${SQ} as its directory and no command is left: give the directory first, as in ${SQ}gicat --catalog DIR verify${SQ}" &&
	! grep "gicat: gicat:" err
'

test_expect_success 'after --, --catalog is an argument of the command, not the option' '
	test_expect_code 2 gicat --catalog cat query -- --catalog nowhere 2>err &&
	test_grep "^gicat: query: unexpected character" err &&
	test_expect_code 2 gicat --catalog cat query -- --catalog=nowhere 2>err &&
	test_grep "^gicat: query: unexpected character" err
'

test_expect_success 'a count or a time in seconds takes digits only: no size suffix, sign or space' '
	# a range with no useful bound (--limit, --grace) is not printed whole
	for c in "query --limit whole" "gc --grace whole" \
		"fetch --jobs 1..1024" "fetch --per-host 1..1024" "fetch --retries 0..100" \
		"fetch --timeout 1..86400" "fetch --max-time 0..604800" "dedup --distance 0..10" \
		"leakcheck --distance 0..10"; do
		set -- $c &&
		for v in 1k 0k 1K 2M +5 " 5" 0x10 -1 1e3 "" 99999999999999999999; do
			takes=$3 &&
			case $takes,$v in
			whole,9*) takes="at most 9223372036854775807" ;;
			whole,*) takes="a whole number (digits only)" ;;
			esac &&
			test_expect_code 2 gicat --catalog cat $1 $2 "$v" 2>err &&
			test "$(head -1 err)" = "gicat: $1: $2 takes $takes, not ${SQ}$v${SQ}" ||
			{ echo "gicat $1 $2 \"$v\":"; cat err; return 1; }
		done || return 1
	done &&
	gicat --catalog cat query --limit 007 >/dev/null
'

test_expect_success 'another process writing: a reader goes on, a writer waits GICAT_BUSY_TIMEOUT seconds, then says so' '
	rm -f held release &&
	python3 -c "
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute(\"BEGIN IMMEDIATE\")
open(\"held\", \"w\").close()
for _ in range(600):
    if os.path.exists(\"release\"):
        break
    time.sleep(0.05)
db.execute(\"ROLLBACK\")
" cat/.gicat/catalog.db &
	holder=$! &&
	while ! test -e held; do sleep 0.05; done &&
	gicat --catalog cat query --count >out && test "$(cat out)" = 0 &&
	start=$(date +%s) &&
	test_expect_code 3 env GICAT_BUSY_TIMEOUT=0.5 gicat --catalog cat license set --dataset x MIT 2>err &&
	test $(($(date +%s) - start)) -lt 10 &&
	test "$(wc -l <err)" -eq 1 &&
	test "$(cat err)" = "gicat: license set: record the license rule: database is locked (another process is writing the catalog: run this again once it is done)" &&
	test_expect_code 3 env GICAT_BUSY_TIMEOUT=0 gicat --catalog cat rm "label = real" 2>err &&
	test "$(cat err)" = "gicat: rm: database is locked (another process is writing the catalog: run this again once it is done)" &&
	for v in x -1 1e9 86401 "" " 1"; do
		test_expect_code 2 env GICAT_BUSY_TIMEOUT="$v" gicat --catalog cat query --count 2>err &&
		test "$(cat err)" = "gicat: GICAT_BUSY_TIMEOUT takes seconds (0 to 86400), not ${SQ}$v${SQ}" || return 1
	done &&
	touch release && wait $holder &&
	GICAT_BUSY_TIMEOUT=0 gicat --catalog cat license set --dataset x MIT 2>err &&
	gicat help >out && test_grep "^  GICAT_BUSY_TIMEOUT  seconds a writer waits" out
'

test_expect_success 'a full stdout is a failure, not success' '
	if test -w /dev/full; then
		for a in help --help --version "help query" "query -h"; do
			test_expect_code 3 gicat --catalog cat $a >/dev/full 2>err &&
			test_grep "^gicat: write to stdout: No space left on device$" err ||
			return 1
		done
	fi
'

test_expect_success 'two inits of one directory at once: one creates the catalog, the other finds it' '
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rm -rf race &&
		{ gicat init race >out1 2>&1 & gicat init race >out2 2>&1 || :; wait || :; } &&
		test "$(cat out1 out2 | grep -c "^init: created catalog")" -eq 1 &&
		test "$(cat out1 out2 | grep -c "^init: .* already holds a catalog")" -eq 1 || return 1
	done
'

# deps.sh as someone who may not install (root: the nobody user), with
# a PATH of only the compiler's tools and coreutils (no sbin, as a
# user's): the build needs nothing else; the tests' tools are named,
# nginx found in /usr/sbin all the same.
test_expect_success 'deps.sh: a build needs only the libraries and a compiler; each level names what it lacks' '
	mkdir -p tools && chmod 755 . tools &&
	for t in pkg-config cc make sort tr id; do ln -sf "$(command -v $t)" tools/$t || return 1; done &&
	as=; test "$(id -u)" != 0 || as="setpriv --reuid=65534 --regid=65534 --clear-groups" &&
	$as env -i PATH="$TRASH/tools" /bin/sh "$TOP/scripts/deps.sh" build 2>err &&
	test_expect_code 1 $as env -i PATH="$TRASH/tools" /bin/sh "$TOP/scripts/deps.sh" demo 2>err &&
	test_grep "^deps: missing libraries or tools: python3 $" err &&
	test_expect_code 1 $as env -i PATH="$TRASH/tools" /bin/sh "$TOP/scripts/deps.sh" bench 2>err &&
	ngx=nginx && for d in /usr/local/sbin /usr/sbin /sbin; do ! test -x $d/nginx || ngx=; done &&
	test_grep "^deps: missing libraries or tools: bc bsdutils curl ${ngx:+$ngx }openssl python3 sqlite3 strace $" err &&
	test_grep "^deps: as root, run: apt-get install -y --no-install-recommends bc bsdutils" err &&
	test_expect_code 2 /bin/sh "$TOP/scripts/deps.sh" all 2>err &&
	test_grep "^usage: deps.sh \[build|demo|test|bench\]$" err
'

test_done
