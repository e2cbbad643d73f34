#!/bin/sh
# Task files: the shipped tasks, resolved sets, sampling that depends on the
# seed and the content only, and [split] shares that stay put when images
# are added.  task check's errors and warnings are t0605's.
. "$(dirname "$0")/lib.sh"

fixture_catalog
exp() { awk -F "\t" "NR > 1 && \$7 == \"ok\" && ($1)" data/expected.tsv | wc -l; }

test_expect_success 'task list shows the nine shipped GenImage tasks' '
	gicat task list >out &&
	test "$(grep -c "^genimage/cross-" out)" -eq 8 &&
	test_grep "^genimage/all " out
'

test_expect_success 'task cat prints a shipped task as shipped: a copy to edit is the same task' '
	gicat task cat genimage/cross-sd14 >mine.ini &&
	test_cmp "$TOP/tasks/genimage/cross-sd14.ini" mine.ini &&
	gicat task show mine.ini | head -1 >a && gicat task show genimage/cross-sd14 | head -1 >b &&
	test_cmp a b &&
	test_expect_code 2 gicat task cat genimage/cross-sd41 2>err &&
	test_grep "did you mean .genimage/cross-sd14.?" err &&
	test_expect_code 2 gicat task ca genimage/all 2>err &&
	test_grep "did you mean .cat.?" err &&
	test_expect_code 2 gicat task cat --format csv genimage/all 2>err &&
	test_grep "^gicat: task: --items and --format are for .show. and .check.$" err &&
	test_expect_code 2 gicat task list --items 2>err &&
	test_grep "^gicat: task: --items and --format are for .show. and .check.$" err
'

test_expect_success 'the shipped GenImage tasks are GENIMAGE.md sections 4 and 5, for every generator' '
	$PY -c "
import configparser, sys
top = sys.argv[1]
rows = [l.split(chr(9)) for l in open(top + \"/schema/generators.tsv\").read().splitlines()[1:] if l]
ids = [r[0] for r in rows]
side = {r[0]: int(r[4]) for r in rows}
assert side == {\"midjourney\": 1024, \"sd14\": 512, \"sd15\": 512, \"wukong\": 512,
                \"adm\": 256, \"glide\": 256, \"vqdm\": 256, \"biggan\": 128}, side
def sets(name):
    c = configparser.ConfigParser(interpolation=None, comment_prefixes=(\";\", \"#\"))
    c.read(top + \"/tasks/genimage/\" + name + \".ini\")
    return [(s, dict(c[s])) for s in c.sections() if s != \"task\"]
def sel(g, split, more=\"\"):
    return \"dataset = genimage and subset = %s and split = %s%s\" % (g, split, more)
def train(select, **kw):
    return [(\"train\", dict(select=select, **kw))]
def test(name, select, **kw):
    return (\"test \" + name, dict(select=select, balance=\"label\", **kw))
# task 1 and 3: one train split or all of them, every val split balanced
tests = [test(g, sel(g, \"val\")) for g in ids]
for g in ids:
    assert sets(\"cross-\" + g) == train(sel(g, \"train\")) + tests, g
assert sets(\"all\") == train(\"dataset = genimage and split = train\") + tests
# task 2: SD V1.4 val degraded six ways
deg = [(\"lr112\", \"resize(short=112)\"), (\"lr64\", \"resize(short=64)\"),
       (\"jpeg65\", \"jpeg(quality=65)\"), (\"jpeg30\", \"jpeg(quality=30)\"),
       (\"blur3\", \"blur(sigma=3)\"), (\"blur5\", \"blur(sigma=5)\")]
assert sets(\"degraded\") == train(sel(\"sd14\", \"train\")) + \
    [test(n, sel(\"sd14\", \"val\"), degrade=d) for n, d in deg]
# section 5: reals q96 in a window around the fake size, all JPEG q96
# twice, a crop between (the fakes compressed once more, as the reals were)
window = {1024: (900, 1100), 512: (450, 550), 256: (225, 275), 128: (112, 138)}
def unbiased(g, split):
    lo, hi = window[side[g]]
    return dict(select=sel(g, split, \" and (label = fake or (jpeg_quality = 96\"
                           \" and short_side in %d..%d))\" % (lo, hi)),
                balance=\"label\",
                degrade_real=\"center_crop(%d,align=16)|jpeg(quality=96)\" % (side[g] * 7 // 8),
                degrade_fake=\"jpeg(quality=96)|center_crop(%d,align=16)|jpeg(quality=96)\" % (side[g] * 7 // 8))
for g in ids:
    assert sets(\"unbiased-\" + g) == [(\"train\", unbiased(g, \"train\"))] + \
        [(\"test \" + t, unbiased(t, \"val\")) for t in ids], g
" "$TOP"
'

test_expect_success 'cross-sd14 trains on the sd14 subset and tests every generator, balanced' '
	gicat task show genimage/cross-sd14 >out &&
	train=$(awk "\$1 == \"train\" {print \$2}" out) &&
	test "$train" -eq "$(exp "\$1 ~ /stable_diffusion_v_1_4\\/.*\\/train\\//")" &&
	test "$(grep -c "^test/" out)" -eq 8 &&
	awk "/^test\\// && \$3 != \$4 {exit 1}" out
'

test_expect_success 'task show --items: an image without a class has an empty class, as in query' '
	gicat task show --format csv genimage/cross-sd14 >items.csv &&
	! cut -d, -f5 items.csv | grep -x -- -1 &&
	test "$(cut -d, -f5 items.csv | grep -c "^$")" -gt 0 &&
	gicat task show --format jsonl genimage/cross-sd14 >items.jsonl &&
	grep -q "\"class\":null" items.jsonl && ! grep -q "\"class\":-1" items.jsonl
'

test_expect_success 'task show --items: an image without a label has label null in JSONL, as in query' '
	mkdir flat && cp "$(find data/genimage -name "*.png" | sort | head -1)" flat/a.png &&
	gicat ingest --layout flat --dataset nolabel flat 2>/dev/null &&
	printf "[task]\nname = nolabel\n[test a]\nselect = dataset = nolabel\n" >nolabel.ini &&
	gicat task show --format jsonl nolabel.ini >nl.jsonl 2>/dev/null &&
	test_grep "^{\"set\":\"test/a\",\"sha256\":\"[0-9a-f]*\",\"label\":null," nl.jsonl &&
	gicat query --format jsonl --fields label "dataset = nolabel" >q.jsonl &&
	test_grep "^{\"label\":null}$" q.jsonl
'

test_expect_success 'a shipped task named without its folder is suggested with it' '
	test_expect_code 2 gicat task show cross-sd14 2>err &&
	test_grep "no task file .cross-sd14. and no shipped task of that name (did you mean .genimage/cross-sd14.?)" err
'

test_expect_success 'a shipped task is found by name or as a file' '
	gicat task show genimage/cross-adm.ini >a &&
	gicat task show "$TOP/tasks/genimage/cross-adm.ini" >b &&
	tail -n +2 a >a2 && tail -n +2 b >b2 && test_cmp a2 b2
'

cat >sample.ini <<'INI'
[task]
name = sampling
seed = 7
[train]
select = label = fake
fraction = 0.5
[val]
select = label = fake
max_per_class = 1
stratify = label
[test balanced]
select = split = train
balance = label
INI

test_expect_success 'a task file with CRLF or lone-CR line ends is the same task' '
	gicat task show --items sample.ini >lf &&
	sed "s/\$/\r/" sample.ini >crlf.ini && gicat task show --items crlf.ini >crlf &&
	tr "\n" "\r" <sample.ini >cr.ini && gicat task show --items cr.ini >cr &&
	test_cmp lf crlf && test_cmp lf cr &&
	printf "[task]\rname = x\r[train]\rselect = label = fake\rfraction = 2\r" >bad.ini &&
	test_expect_code 1 gicat task check bad.ini 2>err &&
	test_grep "bad.ini:5: .*fraction" err
'

test_expect_success 'a value continues on indented lines past comments and blank lines' '
	printf "[task]\nname = x\n[train]\nselect = dataset = genimage\n# which split\n\n\tand split = train\n" >cont.ini &&
	printf "[task]\nname = x\n[train]\nselect = dataset = genimage and split = train\n" >one.ini &&
	gicat task show --items cont.ini >a && gicat task show --items one.ini >b && test_cmp a b &&
	printf "[task]\nname = x\n[train]\nselect = label = fake\n# c\nselect = label = real\n" >twice.ini &&
	test_expect_code 1 gicat task check twice.ini 2>err &&
	test_grep "twice.ini:6: .select. given twice in \\[train\\] (first on line 4)" err
'

test_expect_success 'fraction, max_per_class and balance thin the sets as asked' '
	gicat task show sample.ini >out &&
	fakes=$(gicat query --count "label = fake") &&
	n=$(awk "\$1 == \"train\" {print \$2}" out) &&
	test "$n" -eq $(( (fakes + 1) / 2 )) || test "$n" -eq $((fakes / 2)) &&
	classes=$(gicat query --format csv --fields class "label = fake" | tail -n +2 | sort -u | wc -l) &&
	test "$(awk "\$1 == \"val\" {print \$2}" out)" -eq "$classes" &&
	awk "\$1 == \"test/balanced\" && \$3 != \$4 {exit 1}" out
'

test_expect_success 'a stratified fraction keeps round(f x n) in all, each stratum within one of its share' '
	for f in 0.5 0.3 0.1 0.7; do
		printf "[task]\nseed = 5\n[train]\nselect = dataset = genimage and class >= 0\nfraction = $f\nstratify = label,class\n" >strat.ini &&
		gicat task show --items strat.ini | awk -F, "NR > 1 {print \$3 \",\" \$5}" | sort | uniq -c >kept &&
		gicat query --format csv --fields sha256,label,class "dataset = genimage and class >= 0" |
			tail -n +2 | sort -u | cut -d, -f2,3 | sort | uniq -c >all &&
		"$PY" -c "
import sys
f = float(sys.argv[1])
def counts(p):
    return {k: int(n) for n, k in (l.split() for l in open(p))}
have, kept = counts(\"all\"), counts(\"kept\")
n = sum(have.values())
assert sum(kept.values()) == int(f * n + 0.5), (f, n, sum(kept.values()))
for k, m in have.items():
    assert abs(kept.get(k, 0) - f * m) < 1, (k, m, kept.get(k, 0))
" $f || return 1
	done &&
	printf "[task]\n[train]\nselect = dataset = genimage\nfraction = 0.0000000001\n[test t]\nselect = dataset = genimage\nfraction = 0.0000000001\nstratify = label\n" >tiny.ini &&
	gicat task show tiny.ini 2>/dev/null >out &&
	test "$(awk "NR > 2 {n += \$2} END {print n}" out)" -eq 0
'

test_expect_success 'a balanced set whose select finds fakes and no real image says so, not just empty' '
	printf "[task]\n[train]\nselect = subset = sd14 and split = train and (label = fake or jpeg_quality = 101)\nbalance = label\n" >onlyfake.ini &&
	gicat task check onlyfake.ini 2>err >/dev/null &&
	n=$(gicat query --count "subset = sd14 and split = train and label = real") &&
	test $n -gt 1 &&
	test "$(cat err)" = "gicat: task: warning: onlyfake.ini:2: set ${SQ}train${SQ} is empty: its select finds fake images and no real one ($n real ones fail only ${SQ}jpeg_quality = 101${SQ}), and balance = label keeps as many fakes as reals"
'

test_expect_success 'the empty set names each condition that alone keeps the reals out; not conditions together, negated ones or the set'"'"'s scope' '
	real="subset = sd14 and split = train and label = real" &&
	q96=$(gicat query --count "$real and jpeg_quality = 96") &&
	big=$(gicat query --count "$real and width > 520") &&
	test $q96 -gt 1 && test $big -gt 1 &&
	for cond in "jpeg_quality = 96 and width > 100000" \
		"width > 520 and jpeg_quality = 101" \
		"jpeg_quality = 101 and width > 100000" \
		"not format = jpeg" "split = val and jpeg_quality = 101"; do
		printf "[task]\n[train]\nselect = subset = sd14 and split = train and\n  (label = fake or (%s))\nbalance = label\n" "$cond" >why.ini &&
		gicat task check why.ini 2>&1 >/dev/null | sed "s/.*no real one//" || return 1
	done >got &&
	cat >want <<-EOF &&
	 ($q96 real ones fail only ${SQ}width > 100000${SQ}), and balance = label keeps as many fakes as reals
	 ($big real ones fail only ${SQ}jpeg_quality = 101${SQ}), and balance = label keeps as many fakes as reals
	, and balance = label keeps as many fakes as reals
	, and balance = label keeps as many fakes as reals
	, and balance = label keeps as many fakes as reals
	EOF
	test_cmp want got
'

test_expect_success 'a set its select fills and sampling empties says which step emptied it' '
	printf "[task]\n[train]\nselect = subset = sd14 and split = train\nfraction = 0.001\n[test r]\nselect = subset = sd14 and split = val and label = real\nbalance = label\n" >emptied.ini &&
	gicat task check emptied.ini 2>err >/dev/null &&
	test_grep "^gicat: task: warning: emptied.ini:2: set .train. is empty: fraction = 0.001 of the $(exp "\$1 ~ /stable_diffusion_v_1_4\\/.*\\/train\\//") images its select finds keeps none$" err &&
	test_grep "^gicat: task: warning: emptied.ini:5: set .test/r. is empty: its select finds real images and no fake one, and balance = label keeps as many reals as fakes$" err &&
	mkdir -p flatb && cp "$SHARED/data/pngsuite/basn0g08.png" "$SHARED/data/pngsuite/basn2c08.png" flatb/ &&
	gicat ingest --dataset flatb flatb 2>/dev/null &&
	printf "[task]\n[test flat]\nselect = dataset = flatb\nbalance = label\n" >emptyflat.ini &&
	gicat task check emptyflat.ini 2>err >/dev/null &&
	gicat rm "dataset = flatb" 2>/dev/null &&
	test_grep "^gicat: task: warning: emptyflat.ini:2: set .test/flat. is empty: none of the 2 images its select finds is labelled real or fake, and balance = label keeps as many of them as of the rarer label$" err
'

test_expect_success 'a set selecting a generator gets no real photos, and the warning says why' '
	printf "[task]\n[train]\nselect = dataset = ${SQ}genimage${SQ} and generator = ${SQ}sd14${SQ} and split = ${SQ}train${SQ}\nbalance = label\n[test mj]\nselect = generator = ${SQ}midjourney${SQ} and split = ${SQ}val${SQ}\n" >bygen.ini &&
	gicat task check bygen.ini 2>err >/dev/null &&
	test_grep "bygen.ini:2: set .train. is empty (real images have no generator: .subset = sd14. selects the real photos of that GenImage subset with its fakes)$" err &&
	test_grep "bygen.ini:5: set .test/mj. is unbalanced: 0 real, [0-9]* fake (real images have no generator: .subset = midjourney. selects" err &&
	printf "[task]\n[test e]\nselect = generator = adm and width > 100000\n[test f]\nselect = label = fake and generator = adm\n" >nohint.ini &&
	gicat task check nohint.ini 2>err >/dev/null; ! grep -q "no generator" err &&
	sed "s/generator = /subset = /g" bygen.ini >bysub.ini &&
	gicat task check bysub.ini 2>err >/dev/null && ! grep -q "no generator" err
'

test_expect_success 'stratify = label,class: max_per_class keeps one of each (label, class) pair' '
	printf "[task]\nseed = 3\n[val]\nselect = split = val and class >= 0\nmax_per_class = 1\nstratify = label,class\n" \
		>pairs.ini &&
	gicat task show --items pairs.ini | awk -F, "NR > 1 {print \$3 \",\" \$5}" | sort >kept &&
	sort -u kept >once && test_cmp once kept &&
	gicat query --format csv --fields label,class "split = val and class >= 0" | tail -n +2 | sort -u >want &&
	test "$(grep -c ^real, want)" -gt 0 && test "$(grep -c ^fake, want)" -gt 0 &&
	test_cmp want kept
'

test_expect_success 'sets depend on the content and seed, not on ingest order' '
	gicat init cat2 2>/dev/null &&
	for d in $(ls -r data/genimage); do
		(cd data && gicat --catalog ../cat2 ingest --val-labels LOC_val_solution.csv genimage/$d 2>/dev/null) || :
	done &&
	gicat task show --items sample.ini >one &&
	gicat --catalog cat2 task show --items sample.ini >two &&
	test_cmp one two &&
	sed "s/seed = 7/seed = 8/" sample.ini >seed8.ini &&
	gicat task show --items seed8.ini >three &&
	! cmp -s one three
'

cat >split.ini <<'INI'
[task]
name = ratios
seed = 1
[split]
select = label = fake
ratios = train:0.6, val:0.2, test:0.2
INI

test_expect_success '[split] deals every image to exactly one share' '
	gicat task show --items split.ini | tail -n +2 | cut -d, -f1,2 | sort >dealt &&
	test "$(wc -l <dealt)" -eq "$(gicat query --count "label = fake")" &&
	test "$(cut -d, -f2 dealt | sort -u | wc -l)" -eq "$(wc -l <dealt)"
'

test_expect_success 'an image keeps its [split] share when others are added' '
	gicat init cat3 2>/dev/null &&
	(cd data && gicat --catalog ../cat3 ingest genimage/ADM genimage/BigGAN 2>/dev/null) || : &&
	gicat --catalog cat3 task show --items split.ini | tail -n +2 | cut -d, -f1,2 | sort >few &&
	test -s few &&
	comm -23 few dealt >moved && test ! -s moved
'

test_expect_success 'group = class keeps each class inside one share' '
	sed "s/^ratios/group = class\nratios/" split.ini >byclass.ini &&
	gicat task show --format csv byclass.ini | tail -n +2 | cut -d, -f1,5 | sort -u |
		cut -d, -f2 | sort | uniq -d >split_classes &&
	test ! -s split_classes
'

test_expect_success 'group = class keeps class 0 inside one share too, whatever the seed' '
	for s in 1 2 3 4 5 6 7 8; do
		sed "s/^seed = 1\$/seed = $s/" byclass.ini >byclass$s.ini &&
		gicat task show --format csv byclass$s.ini | awk -F, "\$5 == \"0\" {print \$1}" | sort -u >c0 &&
		test "$(wc -l <c0)" -eq 1 || return 1
	done
'

test_done
