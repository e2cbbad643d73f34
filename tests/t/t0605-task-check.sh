#!/bin/sh
# task check and task show on task files gone wrong: errors with the file,
# line and column (long lines, CRLF, continuation lines, inih's limits),
# all of them in line order, the first 50; warnings for unknown keys (with
# suggestions), empty, unbalanced and leaking sets; --strict; the task
# hash and task.ini keeping long values whole.
. "$(dirname "$0")/lib.sh"

fixture_catalog

# task_error NAME CONTENT PATTERN: task check refuses NAME.ini (exit 1)
# with an error matching PATTERN
task_error() {
	printf "$2" >"$1.ini" && test_expect_code 1 gicat task check "$1.ini" 2>err &&
	test_grep "$3" err
}
test_expect_success 'lines after a long select keep their numbers; a line over 64 KiB is refused, not split' '
	"$PY" -c "
s = \"select = \" + \" or \".join([\"label = fake\"] * 30)
open(\"ll.ini\", \"w\").write(\"[task]\\nname = x\\n[train]\\n\" + s + \"\\nfraction = 7\\n\")
p = \"description = \"
open(\"huge.ini\", \"w\").write(\"[task]\\nname = s\\n\" + p + \"A\" * (65535 - len(p)) +
    \"[test hidden]\\nselect = label = fake\\n[train]\\nselect = label = real\\n\")
" &&
	test_expect_code 1 gicat task check ll.ini 2>err &&
	test_grep "ll.ini:5: bad value for fraction" err &&
	test_expect_code 1 gicat task check huge.ini >out 2>err &&
	test_grep "huge.ini:3: a line longer than 65533 bytes" err &&
	! grep -q hidden out &&
	"$PY" -c "
l = \"select = label = fake and path != \" + chr(39)
l += \"x\" * (197 - len(l)) + chr(39)
open(\"crlf.ini\", \"w\", newline=\"\").write(\"\\r\\n\".join([\"[task]\", \"name = t\", \"[train]\", l, \"fraction = 2\", \"\"]))
open(\"cr.ini\", \"w\", newline=\"\").write(\"\\r\".join([\"[task]\", \"name = t\", \"description = \" + \"d\" * 184,
    \"[train]\", \"select = label = fake\", \"fraction = 2\", \"\"]))
open(\"longhead.ini\", \"w\").write(\"[task]\\nname = t\\n[train]\\nselect = label = fake\\n[test \" + \"a\" * 250 +
    \"]\\nselect = label = real\\n\")
p = \"description = \"
open(\"crlfmax.ini\", \"w\", newline=\"\").write(\"[task]\\r\\nname = s\\r\\n\" + p + \"A\" * (65533 - len(p)) +
    \"\\r\\n[train]\\r\\nselect = label = real\\r\\n\")
" &&
	test_expect_code 1 gicat task check crlf.ini 2>err && test_grep "crlf.ini:5: bad value for fraction" err &&
	test_expect_code 1 gicat task check cr.ini 2>err && test_grep "cr.ini:6: bad value for fraction" err &&
	test_expect_code 1 gicat task check longhead.ini 2>err && test_grep "longhead.ini:5: unknown section" err &&
	gicat task check crlfmax.ini >/dev/null 2>&1
'

test_expect_success 'set names longer than inih keeps of a section are read whole' '
	n1=stable_diffusion_v_1_4_guidance_7_5_steps_50_seed_1 &&
	n2=stable_diffusion_v_1_4_guidance_7_5_steps_50_seed_2 &&
	printf "[task]\n[test $n1]\nselect = label = fake\n[test $n2]\nselect = label = real\n" >longnames.ini &&
	gicat task check longnames.ini >out 2>err &&
	test_grep "^test/$n1 " out && test_grep "^test/$n2 " out
'

test_expect_success 'task check: errors name the file and line, exit 1' '
	task_error bad1 "[task]\nname = x\n[train]\nselect = genrator = sd14\n" \
		"bad1.ini:4: select: unknown field .genrator." &&
	task_error bad2 "[task]\nname = x\n[tran]\nselect = label = fake\n" \
		"bad2.ini:3: unknown section \\[tran\\] (.*); did you mean \\[train\\]?$" &&
	task_error bad5 "[task]\nname = x\n[tets adm]\nselect = label = fake\n" \
		"bad5.ini:3: unknown section \\[tets adm\\] (.*); did you mean \\[test adm\\]?$" &&
	task_error bad3 "[task]\n[train]\nselect = label = fake\nfraction = 1.5\n" \
		"bad3.ini:4: bad value for fraction" &&
	task_error bad4 "[task]\n[test ../x]\nselect = label = fake\n" \
		"unknown section \\[test ../x\\] (.*not starting with .)$" &&
	task_error bad8 "[task]\n[set .gicat-incomplete]\nselect = label = fake\n" \
		"bad8.ini:2: unknown section \\[set .gicat-incomplete\\] (.*not starting with .)" &&
	long=$(printf "%0101d" 0) &&
	task_error bad9 "[task]\n[test $long]\nselect = label = fake\n" \
		"bad9.ini:2: unknown section .* a name is up to 100 characters" &&
	task_error bad6 "[task]\n[train]\nselect = label = fake\nfraction = nan\n" \
		"bad6.ini:4: bad value for fraction" &&
	task_error bad7 "[task]\n[train]\nselect = label = fake\ndegrade = blur(sigma=0)\n" \
		"bad7.ini:4: set .train.: degrade: blur" &&
	task_error bad5 "[task]\nname = x\n[split]\nselect = label = fake\n[test a]\nselect = label = real\n" \
		"bad5.ini:3: \\[split\\] needs ratios" &&
	task_error bad10 "[task]\n[set labels.json]\nselect = label = fake\n" \
		"bad10.ini:2: set .labels.json. has the name of a file every export writes" &&
	task_error bad11 "[task]\n[test]\nselect = label = fake\n[test x]\nselect = label = real\n" \
		"bad11.ini:2: set .test. and set .test/x. cannot both be" &&
	task_error bad12 "[task]\nname = x\n" \
		"no sets: add \\[train\\], \\[val\\], \\[test NAME\\] or \\[split\\], each with its select = EXPR" &&
	task_error bad13 "[task]\nseed = 1\nseed = 2\n[train]\nselect = label = fake\n" \
		"bad13.ini:3: .seed. given twice in \\[task\\] (first on line 2)" &&
	task_error bad14 "[task]\n[train]\nselect = label = fake\nselect = split = val\n" \
		"bad14.ini:4: .select. given twice in \\[train\\] (first on line 3)" &&
	printf "[task]\n[train]\nselect = label = fake\n  and split = train\n" >cont.ini &&
	gicat task check cont.ini >/dev/null 2>err &&
	task_error bad8 "[task]\n[split]\nselect = label = fake\nratios = train:nan, test:0.5\n" \
		"bad8.ini:4: ratios: bad share .train:nan.: a share is a number over 0 and at most 1$" &&
	task_error bad8c "[task]\n[train]\nselect = label = fake\n= foo\n" \
		"bad8c.ini:4: .= foo.: a value without a key (key = value)$" &&
	task_error bad8b "[task]\n[split]\nselect = label = fake\nratios = tr/ain:0.5, test:0.5\n" \
		"bad8b.ini:4: ratios: bad share .tr/ain:0.5.: a set name is up to" &&
	task_error bad8d "[task]\n[split]\nselect = label = fake\nratios = 80/10/10\n" \
		"bad8d.ini:4: ratios: expected name:share, not .80/10/10. (each share names its set, as a fraction: ratios = train:0.8, val:0.1, test:0.1)$" &&
	task_error bad8e "[task]\n[split]\nselect = label = fake\nratios = 0.7, 0.3\n" \
		"bad8e.ini:4: ratios: expected name:share, not .0.7. (each share names its set, as a fraction: ratios = train:0.7, test:0.3)$" &&
	task_error bad8f "[task]\n[split]\nselect = label = fake\nratios = 80:10:10\n" \
		"bad8f.ini:4: ratios: bad share .80:10:10.: a share is a number over 0 and at most 1 (each share names its set: ratios = train:0.8, val:0.1, test:0.1)$" &&
	task_error bad8g "[task]\n[split]\nselect = label = fake\nratios = train:80, test:20\n" \
		"bad8g.ini:4: ratios: bad share .train:80.: a share is a number over 0 and at most 1 (a fraction: train:0.8 for 80%)$" &&
	task_error bad9 "[task]\n[split]\nselect = label = fake\nratios = train:0.5, test:0.4\n" \
		"bad9.ini:4: ratios add up to 0.9, not 1" &&
	task_error bad16 "[task]\n[split]\nselect = label = fake\nratios = train:0.5,, test:0.5\n" \
		"bad16.ini:4: ratios: an empty share before a comma" &&
	task_error bad17 "[task]\n[split]\nselect = label = fake\nratios = , train:0.5, test:0.5\n" \
		"bad17.ini:4: ratios: an empty share before a comma" &&
	task_error bad18 "[task]\n[split]\nselect = label = fake\nratios =\n" \
		"bad18.ini:4: ratios: no shares, e.g. ratios = train:0.8, test:0.2" &&
	printf "[task]\n[split]\nselect = label = fake\nratios = train:0.5,\n  test:0.5\n" >cont2.ini &&
	gicat task check cont2.ini >/dev/null &&
	task_error bad15 "[task]\n[split]\nselect = label = fake\nratios = train:0.5, test:0.5\ngroup = bogus\n" \
		"bad15.ini:5: group must be sha256, class or near_duplicate, not .bogus."
'

test_expect_success 'a set without select is an error, not the whole catalog; so is an empty section' '
	printf "[task]\nname = t\n[train]\nselect = label = fake\n[test glide]\nbalance = label\n[test x]\n\n[val]\nselct = split = val\n" >nosel.ini &&
	test_expect_code 1 gicat task check nosel.ini >out 2>err &&
	cat >want <<-EOF &&
	gicat: task: nosel.ini:5: set ${SQ}test/glide${SQ} has no select: say which images it takes (select = EXPR)
	gicat: task: nosel.ini:7: set ${SQ}test/x${SQ} has no select: say which images it takes (select = EXPR)
	gicat: task: nosel.ini:9: set ${SQ}val${SQ} has no select: say which images it takes (select = EXPR)
	gicat: task: warning: nosel.ini:10: unknown key ${SQ}selct${SQ} ignored (did you mean ${SQ}select${SQ}?)
	EOF
	test_cmp want err &&
	test_expect_code 2 gicat split nosel.ini --out never 2>err &&
	test ! -e never &&
	printf "[task]\n[split]\nratios = train:0.5, test:0.5\n" >nosel2.ini &&
	test_expect_code 1 gicat task check nosel2.ini 2>err &&
	test "$(cat err)" = "gicat: task: nosel2.ini:2: [split] has no select: say which images it deals out (select = EXPR)" &&
	printf "[task]\n[train]\nselect = label = fake\n  [x]\n" >indent.ini &&
	test_expect_code 1 gicat task check indent.ini 2>err &&
	test_grep "^gicat: task: indent.ini:4: select: unexpected character .\[. .*(column 3)$" err &&
	printf "[task]\n[train]\nselect =\n" >all.ini &&
	gicat task show all.ini >out 2>err &&
	test "$(sed -n "s/^train  *\([0-9]*\) .*/\1/p" out)" -eq \
		"$(gicat query --format csv --fields sha256 | tail -n +2 | sort -u | wc -l)"
'

test_expect_success 'errors come with the file s warnings, in line order; a ratios key with an error is not missing' '
	printf "[task]\nname = x\n[train]\nselect = label = fake\nfractoin = 0.5\n[test a]\nselect = label = real\nbalance = lable\n" >mixed.ini &&
	test_expect_code 1 gicat task check mixed.ini 2>err &&
	cat >want <<-EOF &&
	gicat: task: warning: mixed.ini:5: unknown key ${SQ}fractoin${SQ} ignored (did you mean ${SQ}fraction${SQ}?)
	gicat: task: mixed.ini:8: balance can only be ${SQ}label${SQ}, not ${SQ}lable${SQ}; did you mean ${SQ}label${SQ}?
	EOF
	test_cmp want err &&
	printf "[task]\n[train]\nselect = label = fake\n[split]\nselect = label = real\nratios = train:0.8, test:0.2\n" >twice.ini &&
	test_expect_code 1 gicat task check twice.ini 2>err &&
	test "$(cat err)" = "gicat: task: twice.ini:6: set ${SQ}train${SQ} is defined twice (first on line 2)"
'

test_expect_success 'a set named twice by ratios, or after them, says where each is; [split] without ratios is one error' '
	printf "[task]\n[split]\nselect = label = fake\nratios = train:0.5, train:0.5\n" >r2.ini &&
	test_expect_code 1 gicat task check r2.ini 2>err &&
	test "$(cat err)" = "gicat: task: r2.ini:4: ratios: set ${SQ}train${SQ} is named twice" &&
	printf "[task]\n[split]\nselect = label = fake\nratios = train:0.8, test:0.2\n[train]\nselect = label = real\n" >after.ini &&
	test_expect_code 1 gicat task check after.ini 2>err &&
	test "$(cat err)" = "gicat: task: after.ini:5: set ${SQ}train${SQ} is defined twice (first by the ratios of [split], line 4)" &&
	printf "[task]\n[split]\nselect = label = fake\n" >noratios.ini &&
	test_expect_code 1 gicat task check noratios.ini 2>err &&
	test "$(cat err)" = "gicat: task: noratios.ini:2: [split] needs ratios, e.g. ratios = train:0.8, test:0.2"
'

test_expect_success 'a [split] share named almost like train, val or test is a warning' '
	printf "[task]\n[split]\nselect = label = fake\nratios = train:0.8, val:0.1, tst:0.1\n" >tst.ini &&
	gicat task check tst.ini >out 2>err &&
	test_grep "^gicat: task: warning: tst.ini:4: ratios: set ${SQ}tst${SQ} is a set of its own (did you mean ${SQ}test${SQ}?)$" err &&
	printf "[task]\n[split]\nselect = label = fake\nratios = train:0.8, holdout:0.2\n" >hold.ini &&
	gicat task check hold.ini >out 2>err &&
	! grep -q "set of its own" err &&
	printf "[task]\n[split]\nselect = label = fake\nratios = tst:0.2,\n  trian:0.7,\n  val:0.1\n" >tst2.ini &&
	gicat task check tst2.ini >out 2>err &&
	grep "set of its own" err >got &&
	printf "%s\n" "gicat: task: warning: tst2.ini:4: ratios: set ${SQ}tst${SQ} is a set of its own (did you mean ${SQ}test${SQ}?)" \
		"gicat: task: warning: tst2.ini:5: ratios: set ${SQ}trian${SQ} is a set of its own (did you mean ${SQ}train${SQ}?)" >want &&
	test_cmp want got
'

test_expect_success 'task check lists every error of a file, in line order' '
	cat >multi.ini <<-INI &&
	[task]
	name = multi
	seed = abc
	[train]
	select = genrator = x
	fraction = 2
	[test a b]
	select = label = fake
	[bogus]
	k = v
	[val]
	select = label = FAKE
	INI
	test_expect_code 1 gicat task check multi.ini 2>err &&
	sed "s/^gicat: task: multi.ini:\([0-9]*\): .*/\1/" err >lines &&
	printf "3\n5\n6\n7\n9\n12\n" >want && test_cmp want lines &&
	test_grep "multi.ini:5: select: unknown field .genrator." err &&
	test_grep "multi.ini:12: select: label is .real. or .fake., not .FAKE." err &&
	test_expect_code 2 gicat split multi.ini --out never 2>err &&
	test "$(grep -c "^gicat: split: .*multi.ini:[0-9]*: " err)" -eq 6 &&
	test ! -e never
'

test_expect_success 'past 50 errors, the first 50 by line are shown, whenever they were found' '
	{ echo "[task]"; i=0; while [ $i -lt 55 ]; do printf "[test s%d]\nselect = bogus = 1\n" $i; i=$((i + 1)); done
	  printf "[test z]\nselect = label = fake\nfraction = 2\n"; } >many.ini &&
	test_expect_code 1 gicat task check many.ini 2>err &&
	test "$(grep -c "^gicat: task: many.ini:[0-9]*: select: unknown field .bogus." err)" -eq 50 &&
	test_grep "^gicat: task: many.ini:3: " err && test_grep "^gicat: task: many.ini:101: " err &&
	! grep -q "fraction" err &&
	test "$(tail -1 err)" = "gicat: task: many.ini: 6 more errors"
'

test_expect_success 'task show and check: a missing task file is a usage error (exit 2)' '
	test_expect_code 2 gicat task check nosuch.ini 2>err &&
	test_grep "no task file .nosuch.ini." err &&
	test_expect_code 2 gicat task show nosuch.ini 2>err &&
	test_grep "(see .gicat task list.)$" err &&
	test_expect_code 2 gicat task check ./nosuch.ini 2>err &&
	test "$(cat err)" = "gicat: task: task file ${SQ}./nosuch.ini${SQ}: cannot open: No such file or directory" &&
	test_expect_code 2 gicat task show genimage/cross-sd41 2>err &&
	test_grep "shipped task of that name (did you mean .genimage/cross-sd14.?)$" err &&
	printf "[task]\n[train]\nselect = label = fake\n" >mine.ini &&
	test_expect_code 2 gicat task show mine 2>err &&
	test "$(cat err)" = "gicat: task: no task file ${SQ}mine${SQ} and no shipped task of that name (did you mean ${SQ}mine.ini${SQ}?)" &&
	test_expect_code 2 gicat task shwo mine.ini 2>err &&
	test "$(head -1 err)" = "gicat: task: no task command ${SQ}shwo${SQ} (list, cat FILE, show FILE or check FILE); did you mean ${SQ}show${SQ}?" &&
	test_expect_code 2 gicat task show my task.ini 2>err &&
	test "$(head -1 err)" = "gicat: task: expected ${SQ}list${SQ}, ${SQ}cat FILE${SQ}, ${SQ}show FILE${SQ} or ${SQ}check FILE${SQ} (one FILE: quote a path with spaces)" &&
	for c in cat show check; do
		test_expect_code 2 gicat task $c 2>err &&
		test "$(head -1 err)" = "gicat: task: $c takes a task FILE (a path, or a name from ${SQ}gicat task list${SQ})" || return 1
	done
'

test_expect_success 'task show --format: table is the counts (the default), csv and jsonl the items' '
	gicat task show genimage/cross-sd14 >plain &&
	gicat task show --format table genimage/cross-sd14 >table && test_cmp plain table &&
	gicat task show --format jsonl genimage/cross-sd14 >items.jsonl &&
	gicat task show --items --format jsonl genimage/cross-sd14 >items2.jsonl &&
	test_cmp items.jsonl items2.jsonl && test -s items.jsonl &&
	test_expect_code 2 gicat task show --items --format table genimage/cross-sd14 2>err &&
	test_grep "items are csv or jsonl, not a table" err &&
	test_expect_code 2 gicat task show --format paths genimage/cross-sd14 2>err &&
	test_grep "format is table (the counts), csv or jsonl (the items)" err
'

test_expect_success 'task check: warnings for unknown keys, empty, unbalanced and leaking sets' '
	cat >warn.ini <<-INI &&
	[task]
	name = w
	colour = blue
	[train]
	select = split = train
	[test empty]
	select = generator = nonesuch
	[test lopsided]
	select = label = fake or (label = real and subset = adm)
	[test leak]
	select = subset = sd14
	INI
	gicat task check warn.ini >out 2>err &&
	test_grep "^gicat: task: warning: warn.ini:3: unknown key .colour. ignored$" err &&
	test_grep "^gicat: task: warning: warn.ini:[0-9]*: set .test/empty. is empty: no entry has generator .nonesuch. (there are: adm, biggan, glide, midjourney, sd14, sd15, vqdm, ...)$" err &&
	test_grep "^gicat: task: warning: warn.ini:[0-9]*: set .test/lopsided. is unbalanced" err &&
	test_grep "^gicat: task: warning: warn.ini:[0-9]*: set .test/leak. shares [0-9]* image pairs\{0,1\} with train" err &&
	test "$(wc -l <err)" -eq 5 &&
	! grep "warning:" out &&
	test "$(tail -1 out)" = "5 warnings"
'

# Typos among keys, an empty set and a leaking one: warnings of every kind,
# some of them found before the ones of lower lines.
cat >typo.ini <<'INI'
[task]
name = typo
descripton = keys that are misspelt
[train]
select = split = train
[test empty]
select = generator = nonesuch
[test leak]
select = subset = sd14
fractoin = 0.5
Fraction = 0.5
colour = blue
INI

test_expect_success 'task check: a set with no labelled image is warned about' '
	mkdir -p flat && cp "$SHARED/data/pngsuite/basn0g08.png" "$SHARED/data/pngsuite/basn2c08.png" flat/ &&
	gicat ingest --dataset flatds flat 2>/dev/null &&
	printf "[task]\nname = u\n[train]\nselect = label = fake\n[test flat]\nselect = dataset = flatds\n" >u.ini &&
	gicat task check u.ini >out 2>err &&
	test_grep "^gicat: task: warning: u.ini:5: set .test/flat.: no image has a label (real or fake; 2 images): a trainer learns nothing from it, eval scores none of it$" err &&
	gicat rm "dataset = flatds" 2>/dev/null
'

test_expect_success 'task check: one prefixed warning line each, on stderr, in line order' '
	gicat task check typo.ini >out 2>err &&
	test "$(wc -l <err)" -eq 6 &&
	! grep -v "^gicat: task: warning: typo.ini:[0-9]*: " err &&
	sed "s/^gicat: task: warning: typo.ini:\([0-9]*\): .*/\1/" err >lines &&
	printf "3\n6\n8\n10\n11\n12\n" >want && test_cmp want lines &&
	test "$(tail -1 out)" = "6 warnings" && ! grep -i warning: out
'

test_expect_success 'task check: an unknown key within two edits of a known one is suggested' '
	gicat task check typo.ini 2>err >/dev/null &&
	test_grep "typo.ini:3: unknown key .descripton. ignored (did you mean .description.?)$" err &&
	test_grep "typo.ini:10: unknown key .fractoin. ignored (did you mean .fraction.?)$" err &&
	test_grep "typo.ini:11: unknown key .Fraction. ignored (did you mean .fraction.?)$" err &&
	test_grep "typo.ini:12: unknown key .colour. ignored$" err &&
	printf "[task]\n[split]\nselect = label = fake\nratio = train:1\nratios = train:1\n" >sp.ini &&
	gicat task check sp.ini 2>err >/dev/null &&
	test_grep "sp.ini:4: unknown key .ratio. ignored (did you mean .ratios.?)$" err
'

test_expect_success 'task check: a key of another section says where it belongs' '
	printf "[task]\nselect = label = fake\n[train]\nselect = label = fake\nseed = 3\n[split]\nselect = label = real\nratios = test:1\nbalance = label\n" >where.ini &&
	gicat task check where.ini 2>err >/dev/null &&
	test_grep "where.ini:2: key .select. ignored: it belongs in a set section (\[train\], \[val\], \[test NAME\], \[set NAME\]), not in \[task\]$" err &&
	test_grep "where.ini:5: key .seed. ignored: it belongs in \[task\], not in \[train\]$" err &&
	test_grep "where.ini:9: key .balance. ignored: it belongs in a set section (\[train\], \[val\], \[test NAME\], \[set NAME\]), not in \[split\]$" err &&
	printf "[task]\ncolour = blue\n  green\n[train]\nselect = split = train\nseed = 1\n  2\n" >cont.ini &&
	gicat task check cont.ini 2>err >/dev/null &&
	sed "s/^gicat: task: warning: cont.ini:\([0-9]*\): .*/\1/" err >lines &&
	printf "2\n6\n" >want && test_cmp want lines
'

test_expect_success 'task check: a bad max_per_class is one error, worded as the others' '
	for v in -3 2.5 x 0; do
		printf "[task]\n[train]\nselect = label = fake\nmax_per_class = $v\n" >mpc.ini &&
		test_expect_code 1 gicat task check mpc.ini 2>err &&
		test "$(wc -l <err)" -eq 1 &&
		test_grep "^gicat: task: mpc.ini:4: bad value for max_per_class (1..1e9): .$v.$" err || return 1
	done &&
	task_error fr "[task]\n[train]\nselect = label = fake\nfraction = 2\n" \
		"^gicat: task: fr.ini:4: bad value for fraction (0 < f <= 1): .2.$"
'

cat >clean.ini <<'INI'
[task]
name = clean
[train]
select = subset = adm and split = train
INI

test_expect_success 'task check --strict: warnings fail it (exit 1), a clean task passes' '
	gicat task check --strict clean.ini >out 2>err &&
	test "$(tail -1 out)" = "0 warnings" && test ! -s err &&
	test_expect_code 1 gicat task check --strict typo.ini >out 2>err &&
	test "$(grep -c "^gicat: task: warning: " err)" -eq 6 &&
	test "$(tail -1 out)" = "6 warnings" &&
	test_expect_code 2 gicat task show --strict clean.ini 2>err &&
	test_grep "strict" err
'

test_expect_success 'task show says what of the file it ignored (a misspelt key), not the sets'"'"' warnings' '
	gicat task show typo.ini >out 2>err &&
	printf "3\n10\n11\n12\n" >want &&
	sed -n "s/^gicat: task: warning: typo.ini:\([0-9]*\): .*key.*ignored.*/\1/p" err >lines &&
	test_cmp want lines && test "$(wc -l <err)" -eq 4 &&
	! grep -i warning out &&
	gicat task show --items typo.ini >out 2>err &&
	test "$(wc -l <err)" -eq 4 && ! grep -i warning out &&
	gicat task show clean.ini >out 2>err && test ! -s err
'

test_expect_success 'task check --items: stdout is only the listing, the count goes to stderr' '
	gicat task check --format csv typo.ini >items.csv 2>err &&
	test "$(grep -c "^set,sha256," items.csv)" -eq 1 &&
	! grep -v "^\(set\|train\|test/leak\)," items.csv &&
	test_grep "^task check: 6 warnings$" err
'

test_expect_success 'a label conflict under a long path names the path by its end, and the warning is whole' '
	f=$(find data/genimage/ADM -path "*/val/ai/*" -type f | sort | head -1) &&
	d=deep/$(for i in $(seq 9); do printf "a_long_directory_name_number_%02d_of_nine_of_them/" $i; done) &&
	mkdir -p "$d" && cp "$f" "$d/x.png" &&
	gicat ingest --dataset deep --label real --split val deep 2>/dev/null &&
	printf "[task]\nname = d\n[test adm]\nselect = (subset = adm and split = val) or dataset = deep\n" >deep.ini &&
	gicat task check deep.ini 2>err &&
	test_grep "^gicat: task: warning: deep.ini:3: set .test/adm.: 1 image has entries labelled both real and fake (first: [0-9a-f]*, .\.\.\.[a-z_0-9/]*_09_of_nine_of_them/x.png.): taken as real, the label of its first entry by (dataset, path); fix the labels or narrow select$" err &&
	gicat rm "dataset = deep" 2>/dev/null
'

test_expect_success 'an image whose entries disagree on the label is a warning naming it' '
	f=$(find data/genimage/ADM -path "*/val/ai/*" -type f | sort | head -1) &&
	sha=$(sha256sum "$f" | cut -c1-12) &&
	mkdir -p conf && cp "$f" conf/x.png &&
	gicat ingest --dataset conf --label real --split val conf 2>/dev/null &&
	printf "[task]\nname = c\n[train]\nselect = subset = sd14 and split = train\n[test adm]\nselect = (subset = adm and split = val) or dataset = conf\n" >conf.ini &&
	gicat task check conf.ini 2>err &&
	test_grep "^gicat: task: warning: conf.ini:5: set .test/adm.: 1 image has entries labelled both real and fake (first: $sha, .conf/x.png.): taken as real, the label of its first entry by (dataset, path); fix the labels or narrow select$" err &&
	full=$(sha256sum "$f" | cut -c1-64) &&
	gicat export "sha256 = $full" --out conf-ex 2>err &&
	test_grep "^gicat: export: warning: .sha256 = $full.: 1 image has entries labelled both real and fake (first: $sha, .conf/x.png.): taken as real, the label of its first entry by (dataset, path); fix the labels or narrow EXPR$" err &&
	test -n "$(ls conf-ex/export/0_real)" &&
	gicat export --out conf-all --format manifest 2>err &&
	test_grep "^gicat: export: warning: 1 image has entries labelled both real and fake (first: $sha, " err &&
	gicat rm "dataset = conf" 2>/dev/null &&
	gicat task check conf.ini 2>err && ! grep "both real and fake" err
'

test_expect_success 'the task hash and task.ini keep a long seed and a long ratios whole; a nameless task is named after its file' '
	printf "[task]\nname = x\nseed = 12345678901\n[train]\nselect = split = train\nfraction = 0.5\n[set f]\nselect = split = val\nfraction = 0.12345678949\n" >seed1.ini &&
	sed "s/8901$/8902/" seed1.ini >seed2.ini &&
	test "$(gicat task show seed1.ini | head -1)" != "$(gicat task show seed2.ini | sed "s/8902/8901/" | head -1)" &&
	gicat split seed1.ini --out seedout --format manifest 2>/dev/null &&
	test_grep "^seed = 12345678901$" seedout/task.ini &&
	test_grep "^fraction = 0.12345678949$" seedout/task.ini &&
	test_grep "^fraction = 0.5$" seedout/task.ini &&
	gicat task check seedout/task.ini >/dev/null 2>&1 &&
	$PY -c "print(\"[split]\nselect = split = train\nratios = \" + \",\".join(\"set%04d:.015625\" % i for i in range(64)))" >r64.ini &&
	gicat split r64.ini --out r64out --format manifest 2>/dev/null &&
	test "$(grep -o "set00[0-9]*:0.015625" r64out/task.ini | wc -l)" -eq 64 &&
	gicat task check r64out/task.ini >/dev/null 2>&1 &&
	mkdir -p sub && printf "[train]\nselect = split = train\n" >sub/noname.ini &&
	gicat split sub/noname.ini --out nn1 --format manifest 2>/dev/null &&
	(cd sub && gicat split ./noname.ini --out ../nn2 --format manifest 2>/dev/null) &&
	diff -r nn1 nn2 && test_grep "^name = noname$" nn1/task.ini
'

test_expect_success 'a key given twice is an error however many keys stand between' '
	{ echo "[train]"; echo "select = label = fake"
	  for i in $(seq 40); do echo "k$i = 1"; done
	  echo "select = label = real"; } >twice40.ini &&
	test_expect_code 1 gicat task check twice40.ini 2>err &&
	test_grep "twice40.ini:43: .select. given twice in \[train\] (first on line 2)" err
'

test_expect_success '[split] shares follow the ratios; another seed deals otherwise' '
	printf "[task]\nname = thirds\nseed = 1\n[split]\nselect = label = fake or label = real\nratios = a:0.5, b:0.25, c:0.25\n" >thirds.ini &&
	gicat task show --items thirds.ini | tail -n +2 | cut -d, -f1,2 | sort >t1 &&
	n=$(wc -l <t1) && test "$n" -gt 100 &&
	for share in a:0.5 b:0.25 c:0.25; do
		got=$(grep -c "^${share%:*}," t1) &&
		awk -v got=$got -v n=$n -v f=${share#*:} "BEGIN { exit !(got >= n * f - 0.15 * n && got <= n * f + 0.15 * n) }" || return 1
	done &&
	sed "s/^seed = 1$/seed = 2/" thirds.ini >thirds2.ini &&
	gicat task show --items thirds2.ini | tail -n +2 | cut -d, -f1,2 | sort >t2 &&
	test "$(wc -l <t2)" -eq "$n" && ! cmp -s t1 t2
'

test_expect_success 'ratios over 1, a fraction of 0 and a seed not in decimal are errors' '
	printf "[split]\nselect = label = fake\nratios = a:0.6, b:0.6\n" >over.ini &&
	test_expect_code 1 gicat task check over.ini 2>err &&
	test_grep "over.ini:3: ratios add up to 1.2, not 1" err &&
	printf "[train]\nselect = label = fake\nfraction = 0\n" >f0.ini &&
	test_expect_code 1 gicat task check f0.ini 2>err &&
	test_grep "f0.ini:3: bad value for fraction (0 < f <= 1): .0." err &&
	printf "[task]\nseed = 0x10\n[train]\nselect = label = fake\n" >hex.ini &&
	test_expect_code 1 gicat task check hex.ini 2>err &&
	test_grep "hex.ini:2: seed must be an integer, not .0x10." err &&
	printf "[task]\nseed = 18446744073709551616\n[train]\nselect = label = fake\n" >big.ini &&
	test_expect_code 1 gicat task check big.ini 2>err &&
	test_grep "big.ini:2: seed must be an integer from -9223372036854775808 to 9223372036854775807, not .18446744073709551616." err &&
	printf "[task]\nname = s\nseed = 010\n[train]\nselect = label = fake\nfraction = 0.5\n" >s010.ini &&
	sed "s/^seed = 010$/seed = 10/" s010.ini >s10.ini &&
	test "$(gicat task show s010.ini | head -1)" = "$(gicat task show s10.ini | head -1)"
'

test_expect_success 'the task hash covers the description, max_per_class, stratify and group' '
	printf "[task]\nname = h\ndescription = one\n[train]\nselect = label = fake\nmax_per_class = 3\nstratify = label\n[split]\nselect = label = real\ngroup = sha256\nratios = a:0.5, b:0.5\n" >h0.ini &&
	sed "s/^description = one$/description = two/" h0.ini >h1.ini &&
	sed "s/^max_per_class = 3$/max_per_class = 4/" h0.ini >h2.ini &&
	sed "s/^stratify = label$/stratify = label,class/" h0.ini >h3.ini &&
	sed "s/^group = sha256$/group = class/" h0.ini >h4.ini &&
	for i in 0 1 2 3 4; do
		gicat task show h$i.ini | head -1 | sed "s/.*hash //" || return 1
	done >hashes &&
	test "$(sort -u hashes | wc -l)" -eq 5
'

test_expect_success 'a section given twice, an indented line below a one-value key, an unclosed header: errors at their lines' '
	printf "[task]\nname = a\nseed = 1\n   2\n[train]\nselect = split = train\nfraction = 0.5\n  0.25\n[task]\nname = b\n[split]\nselect = split = val\ngroup = class\n  sha256\nratios = x:1\n[split]\nselect = split = val\n[test y\nselect = split = val\n" >twice.ini &&
	test_expect_code 1 gicat task check twice.ini 2>err &&
	cat >want <<-EOF &&
	gicat: task: twice.ini:4: ${SQ}seed${SQ} takes one value, not continued on an indented line
	gicat: task: twice.ini:8: ${SQ}fraction${SQ} takes one value, not continued on an indented line
	gicat: task: twice.ini:9: section [task] given twice (first on line 1)
	gicat: task: twice.ini:14: ${SQ}group${SQ} takes one value, not continued on an indented line
	gicat: task: twice.ini:16: section [split] given twice (first on line 11)
	gicat: task: twice.ini:18: syntax error (a line is a [section], key = value, a ; or # comment, or an indented continuation of the value above)
	EOF
	test_cmp want err
'

test_expect_success 'ratios go on over lines; stratify takes spaces; a BOM hides no header' '
	printf "[split]\nselect = split = val\nratios = a:0.5,\n   b:0.5\n" >cont.ini &&
	gicat task show cont.ini >out &&
	printf "[test a]\nselect = split = val\n" >whole.ini &&
	gicat task show whole.ini >out2 &&
	test "$(awk "\$1 == \"a\" || \$1 == \"b\" {n += \$2} END {print n}" out)" -eq "$(awk "\$1 == \"test/a\" {print \$2}" out2)" &&
	test "$(awk "\$1 == \"a\" {print \$2}" out)" -gt 0 &&
	printf "[test a]\nselect = split = val\nfraction = 0.5\nstratify = label , class\n" >st.ini &&
	gicat task check st.ini >/dev/null 2>err && ! grep -q stratify err &&
	# lines of ratios read as one: a comma between shares, at the end of
	# a line or the start of the next; none is an error, as on one line
	printf "[split]\nselect = split = val\nratios = a:0.5 ; half\n   , b:0.5\n" >cont2.ini &&
	gicat task show cont2.ini >out2 && tail -n +2 out >a && tail -n +2 out2 >b && test_cmp a b &&
	printf "[split]\nselect = split = val\nratios = a:0.5\n   b:0.5\n" >cont3.ini &&
	test_expect_code 1 gicat task check cont3.ini 2>err &&
	test "$(cat err)" = "gicat: task: cont3.ini:4: ratios: a comma goes between shares, also between lines, before ${SQ}b:0.5${SQ}" &&
	task_error cont4 "[split]\nselect = split = val\nratios = a:0.5,\n   , b:0.5\n" \
		"cont4.ini:4: ratios: an empty share before a comma$" &&
	# white space around the comma of stratify, not inside a word
	task_error st2 "[test a]\nselect = split = val\nfraction = 0.5\nstratify = cl ass , lab\tel\n" \
		"st2.ini:4: stratify takes label, class or label,class, not .cl ass , lab\\\\x09el.$" &&
	printf "\357\273\277[test abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij]\nselect = split = val\n" >bom.ini &&
	gicat task show bom.ini >out &&
	test_grep "^test/abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij " out &&
	task_error bom2 "\357\273\277[train]\n[test x]\nselect = split = val\n" \
		"bom2.ini:1: set .train. has no select" &&
	# one inside the file is not skipped, and is shown, not hidden
	printf "[task]\n\357\273\277name = x\n[test x]\nselect = split = val\n" >bom3.ini &&
	gicat task check bom3.ini >/dev/null 2>err &&
	test_grep "bom3.ini:2: unknown key .\\\\xef\\\\xbb\\\\xbfname. ignored" err
'

test_expect_success 'set names that clash where case does not count; stratify with nothing to stratify; an empty file' '
	printf "[set TEST]\nselect = split = val\n[test x]\nselect = split = val\n[set Task.ini]\nselect = split = val\n" >case.ini &&
	test_expect_code 1 gicat task check case.ini 2>err &&
	test_grep "case.ini:3: set .TEST. and set .test/x. would share a directory" err &&
	test_grep "case.ini:5: set .Task.ini. has the name of a file every export writes" err &&
	printf "[test a]\nselect = split = val\nstratify = label\n" >st2.ini &&
	gicat task check st2.ini >/dev/null 2>err &&
	test_grep "warning: st2.ini:1: set .test/a.: stratify applies to fraction and max_per_class, and it has neither" err &&
	: >empty.ini &&
	test_expect_code 1 gicat task check empty.ini 2>err &&
	test_grep "^gicat: task: empty.ini: no sets" err &&
	a=$(printf "%0100d" 0 | tr 0 a) && A=$(echo $a | tr a A) &&
	printf "[test $a]\nselect = split = val\n[test $A]\nselect = split = val\n" >longcase.ini &&
	test_expect_code 1 gicat task check longcase.ini 2>err &&
	test_grep "^gicat: task: longcase.ini:3: set .test/$A. differs from set .test/$a. only in case$" err
'

test_expect_success 'two sets selecting alike keep the same images; max_per_class says how many classless images it capped' '
	printf "[test a]\nselect = subset = glide and split = val\nbalance = label\n[test b]\nselect = subset = glide and split = val\nbalance = label\n" >alike.ini &&
	gicat task show --format csv alike.ini >alike.csv &&
	awk -F, "NR > 1 && \$1 == \"test/a\" {print \$2}" alike.csv >a &&
	awk -F, "NR > 1 && \$1 == \"test/b\" {print \$2}" alike.csv >b &&
	test -s a && test_cmp a b &&
	gicat init nolabels 2>/dev/null &&
	(cd data && GICAT_DIR=$TRASH/nolabels gicat ingest genimage 2>/dev/null) || : &&
	printf "[test b]\nselect = subset = sd14 and split = val\nmax_per_class = 2\n" >cap.ini &&
	GICAT_DIR=$TRASH/nolabels gicat task check cap.ini >/dev/null 2>err &&
	test_grep "set .test/b.: 4 images have no class: max_per_class capped them as one class, keeping 2" err
'

test_expect_success 'a select error is placed at its line and column in the file, over continuation lines and comments' '
	printf "[task]\nname = a\n[train]\nselect = split = train and\n   ; a comment\n   genrator = sd14\n[test b]\nselect = generator == sd14\n[test c]\nselect = split = val  ; val only\n   and (label = x\n[test d]\nselect = path ~ ${SQ}\303\251\303\251\303\251\303\251${SQ} and widht > 1\n" >place.ini &&
	test_expect_code 1 gicat task check place.ini 2>err &&
	cat >want <<-EOF &&
	gicat: task: place.ini:6: select: unknown field ${SQ}genrator${SQ} (did you mean ${SQ}generator${SQ}?) (column 4)
	gicat: task: place.ini:8: select: expected a value after ${SQ}=${SQ} (column 21)
	gicat: task: place.ini:11: select: label is ${SQ}real${SQ} or ${SQ}fake${SQ}, not ${SQ}x${SQ} (column 17)
	gicat: task: place.ini:13: select: unknown field ${SQ}widht${SQ} (did you mean ${SQ}width${SQ}?) (column 28)
	EOF
	test_cmp want err &&
	# a place inside the message is the file'"'"'s too
	printf "[train]\nselect = (label = fake\n[test a]\nselect = (label = fake\n  and generator in (adm, sd14\n  or x\n" >inner.ini &&
	test_expect_code 1 gicat task check inner.ini 2>err &&
	cat >want <<-EOF &&
	gicat: task: inner.ini:2: select: missing ${SQ})${SQ} for the ${SQ}(${SQ} at column 10 (column 23)
	gicat: task: inner.ini:6: select: expected ${SQ},${SQ} or ${SQ})${SQ} in the list opened at line 5, column 20, got ${SQ}or${SQ} (column 3)
	EOF
	test_cmp want err
'

test_expect_success 'many errors under a long path: whole lines, then how many more' '
	d=$(printf "d%.0s" $(seq 100)) && d=$d/$d/$d && mkdir -p $d &&
	$PY -c "
for i in range(60): print(\"[test s%d]\nselect = genrator = x%d\" % (i, i))" >$d/many.ini &&
	test_expect_code 1 gicat task check $d/many.ini 2>err &&
	test "$(grep -c "unknown field .genrator." err)" -eq "$(($(wc -l <err) - 1))" &&
	n=$(sed -n "s/.*many.ini: \([0-9]*\) more errors$/\1/p" err) &&
	test "$((n + $(wc -l <err) - 1))" -eq 60
'

# syntax_errors FILE LINE...: task check FILE says exactly that these
# lines are syntax errors (exit 1)
syntax_errors() {
	f=$1; shift
	for l; do echo "gicat: task: $f:$l: syntax error (a line is a [section], key = value, a ; or # comment, or an indented continuation of the value above)"; done >want &&
	test_expect_code 1 gicat task check "$f" 2>err && test_cmp want err
}

test_expect_success 'every line that is neither a key, a [section] nor a comment is an error of its own' '
	printf "[task]\nname = a\nseed 1\n[train]\nselect = split = train\n  and label = fake\nbalance label\n[test b\n[test c] ; a comment\nselect = split = val\nfraction ; 0.5\n" >bad.ini &&
	syntax_errors bad.ini 3 7 8 11 &&
	printf "[train]\nselect = split = train\n[test a]b]\nselect = split = val\n[test c] junk\nselect = split = val\n[test d]\t# a note\nselect = split = val\n" >tail.ini &&
	syntax_errors tail.ini 3 5 &&
	printf "[task]\nname = a\n[train]\nselect = label = fake\nbogus\n  and split = train\n" >between.ini &&
	syntax_errors between.ini 5
'

test_expect_success 'a " ;" inside quotes starts a comment too, and the unterminated string says so' '
	printf "[train]\nselect = dataset = ${SQ}x ;y${SQ}\n" >semi.ini &&
	test_expect_code 1 gicat task check semi.ini 2>err &&
	test "$(cat err)" = "gicat: task: semi.ini:2: select: unterminated string: a ${SQ};${SQ} after white space starts a comment, inside quotes too (write it without the space before it) (column 20)" &&
	printf "[train]\nselect = dataset = ${SQ}x\n" >quote.ini &&
	test_expect_code 1 gicat task check quote.ini 2>err &&
	test "$(cat err)" = "gicat: task: quote.ini:2: select: unterminated string (column 20)" &&
	printf "[train]\nselect = dataset = ${SQ}x;y${SQ}\n" >nosp.ini &&
	gicat task check nosp.ini 2>err && test_grep "no entry has dataset .x;y." err &&
	printf "[train]\nselect = dataset =\n\n  ${SQ}x ;y${SQ}\n" >semi2.ini &&
	test_expect_code 1 gicat task check semi2.ini 2>err &&
	test_grep "semi2.ini:4: select: unterminated string: a ${SQ};${SQ} after white space" err &&
	printf "[train]\nselect = split = val   ; val only\n   and label = fake    ; fakes\n   and widht > 1 ; w\n" >cont.ini &&
	test_expect_code 1 gicat task check cont.ini 2>err &&
	test "$(cat err)" = "gicat: task: cont.ini:4: select: unknown field ${SQ}widht${SQ} (did you mean ${SQ}width${SQ}?) (column 8)" &&
	sed "\$d" cont.ini >cont2.ini && gicat task show cont2.ini >out &&
	printf "[task]\nname = cont2\n[train]\nselect = split = val and label = fake\n" >one.ini &&
	gicat task show one.ini >want && test "$(head -n1 out)" = "$(head -n1 want)"
'

test_expect_success 'white space is what inih skips: a vertical tab or form feed starts a continuation line' '
	printf "[train]\nselect = split = train\n\v and label = fake\n\f and class < 5\nfraction = 0.5\f; half\n" >ws.ini &&
	gicat task check ws.ini 2>err && ! grep "syntax error" err
'

test_expect_success 'a header cut by an inline comment is unclosed, and its keys belong to no set' '
	printf "[train]\nselect = split = train\n[test x ; the val split]\nselect = split = val\n[test y ;]\n" >cut.ini &&
	syntax_errors cut.ini 3 5
'

test_expect_success 'an empty name is an error, not a task named nothing' '
	printf "[task]\nname =\n[train]\nselect = split = train\n" >noname.ini &&
	test_expect_code 1 gicat task check noname.ini 2>err &&
	test_grep "noname.ini:2: name is empty" err
'

test_expect_success 'unbalanced is more than 10% apart: 10 real and 9 fake are not, 11 and 9 are' '
	fakes="(label = fake and generator = glide and split = val) or (label = fake and subset = midjourney and split = train)" &&
	printf "[test a]\nselect = (split = train and label = real and (subset = sd14 or subset = sd15 or subset = adm)) or $fakes\n" >ten.ini &&
	gicat task check --strict ten.ini >out &&
	test_grep "^test/a  *19  *10  *9$" out &&
	printf "[test a]\nselect = (split = train and label = real and (subset = sd15 or subset = adm or subset = midjourney)) or $fakes\n" >eleven.ini &&
	test_expect_code 1 gicat task check --strict eleven.ini >out 2>err &&
	test_grep "eleven.ini:1: set .test/a. is unbalanced: 11 real, 9 fake" err
'

test_expect_success 'ratios whose decimal shares add up to 1 are taken, though their doubles do not' '
	printf "[split]\nselect = split = train\nratios = train:0.7, val:0.2, test:0.1\n" >r721.ini &&
	gicat task check r721.ini >out &&
	test_grep "^test " out
'

test_expect_success 'a [split] share left without one label says its groups went whole to other sets' '
	mkdir -p grp/real grp/fake &&
	cp "$SHARED"/data/jpeg/derived/*.jpg "$SHARED/data/jpeg/testorig.jpg" grp/real/ &&
	cp "$SHARED"/data/pngsuite/basn*.png grp/fake/ &&
	gicat ingest --dataset grp grp 2>/dev/null &&
	n=$(gicat query --count "dataset = grp and label = real") && test $n -gt 1 &&
	printf "[task]\nseed = 1\n[split]\nselect = dataset = grp\nratios = train:0.7, test:0.3\ngroup = near_duplicate\n" >grp.ini &&
	gicat task check grp.ini 2>err >/dev/null &&
	test_grep "^gicat: task: warning: grp.ini:5: set .[a-z]*. is unbalanced: 0 real, [0-9]* fake (group = near_duplicate: \[split\] deals each group whole to one set, and the $n real images it deals are in 1 group)$" err &&
	sed "s/near_duplicate/sha256/" grp.ini >grp2.ini &&
	gicat task check grp2.ini 2>err >/dev/null &&
	! grep -q "deals each group" err &&
	gicat rm "dataset = grp" 2>/dev/null
'

test_expect_success 'a [split] whose select finds nothing says why, for task check and leakcheck' '
	printf "[task]\nname = st\n[split]\nselect = subset = sd14 and split = test\nratios = train:0.5, test:0.5\n" >st.ini &&
	gicat task check st.ini 2>err >/dev/null &&
	test_grep "^gicat: task: warning: st.ini:5: set .train. is empty: no entry has split .test. (there are: train, val)$" err &&
	test_expect_code 2 gicat leakcheck st.ini 2>err &&
	test_grep "^gicat: leakcheck: warning: st.ini:5: set .train. is empty: no entry has split .test." err
'

test_expect_success 'a file that is no task file at all (a predictions CSV, a README) is said once, not as an error a line' '
	printf "sha256,score\nabc,0.5\nabd,0.25\n" >preds.csv &&
	msg="not a task file (a task file is INI: [task], [train], [test NAME] ..., each set with select = EXPR)" &&
	test_expect_code 1 gicat task check preds.csv 2>err && test "$(cat err)" = "gicat: task: preds.csv: $msg" &&
	test_expect_code 2 gicat eval preds.csv --predictions preds.csv 2>err &&
	test "$(cat err)" = "gicat: eval: preds.csv: $msg" &&
	printf "# notes\n\n{\"sha256\": \"abc\", \"score\": 1}\n" >preds.jsonl &&
	test_expect_code 1 gicat task check preds.jsonl 2>err && test_grep "preds.jsonl: not a task file" err &&
	printf "seed = 1\n[train]\nselect = label = real\n" >nohead.ini &&
	test_expect_code 1 gicat task check nohead.ini 2>err &&
	test "$(cat err)" = "gicat: task: nohead.ini:1: ${SQ}seed${SQ} before any [section]"
'

test_expect_success 'a value over lines too long for one line of task.ini is an error, so that every split reads back' '
	python3 -c "
print(\"[task]\\ndescription = start\")
for i in range(3): print(\"  \" + \"d\" * 30000)
print(\"[train]\\nselect = label = fake\")
for i in range(3): print(\"  or path ~ \\\"\" + \"p\" * 30000 + \"\\\"\")
" >long.ini &&
	test_expect_code 1 gicat task check long.ini 2>err &&
	test_grep "^gicat: task: long.ini:2: description is 90008 bytes over its lines: task.ini, which split records, holds it on one line, with room for 65519$" err &&
	test_grep "^gicat: task: long.ini:7: select is 90051 bytes over its lines: task.ini, which split records, holds it on one line, with room for 65524$" err &&
	test_expect_code 2 gicat split long.ini --out longout 2>/dev/null &&
	! test -e longout/task.ini &&
	# just short enough: split, and its task.ini reads back as the task
	python3 -c "
print(\"[task]\\nname = fits\\n[train]\\nselect = label = fake\")
for i in range(2): print(\"  or path ~ \\\"\" + \"p\" * 32740 + \"\\\"\")
" >fits.ini &&
	gicat split fits.ini --out fitsout 2>/dev/null &&
	gicat task check fitsout/task.ini >/dev/null 2>&1 &&
	test "$(gicat task show fits.ini | head -1)" = "$(gicat task show fitsout/task.ini | head -1)"
'

test_expect_success 'a task of more than 64 sets is one error, at the first set too many' '
	python3 -c "
print(\"[task]\")
for i in range(100): print(\"[test s%d]\\nselect = label = fake\" % i)
" >many.ini &&
	test_expect_code 1 gicat task check many.ini 2>err &&
	test "$(cat err)" = "gicat: task: many.ini:130: too many sets (at most 64)"
'

test_done
