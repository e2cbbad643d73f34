#!/bin/sh
# eval --matrix: the cross-generator matrix of runs (rows in GenImage
# order, means of rows and columns, names of runs however long or odd),
# its CSV, JSON and table forms, bad run lists; the HTML heatmaps (cell
# contrast, slanted and wide names inside the picture).
. "$(dirname "$0")/lib.sh"

eval_fixture
pred rand.csv sha256,score "\$2, h(\$2)"
pred const.csv sha256,pred "\$2, \"fake\""
pred perfect.csv sha256,score "\$2, (\$3 == \"fake\" ? 0.9 : 0.1)"
{ cat perfect.csv; echo "$(sed -n 2p perfect.csv | cut -d, -f1),1.5"; } >bad.csv

test_expect_success 'the matrix of three runs: rows in GenImage order, means of rows and columns' '
	for g in adm glide; do
		gicat task show --items genimage/cross-$g |
		awk -F, -v OFS=, "NR == 1 { print \"sha256,score\" } NR > 1 && /^test\\// {
			print \$2, \$3 == \"fake\" ? 0.8 : 0.2 }" >p-$g.csv || return 1
	done &&
	printf "# three runs\ngenimage/cross-glide\tp-glide.csv\ngenimage/cross-sd14\trand.csv\n\ngenimage/cross-adm\tconst.csv\n" >runs.tsv &&
	gicat eval --matrix runs.tsv --format csv >m.csv 2>err &&
	! grep "rows of that name" err &&
	cut -d, -f1 m.csv | paste -sd" " >rows && echo "trained_on sd14 adm glide avg" >expect &&
	test_cmp expect rows &&
	head -1 m.csv | grep -q "^trained_on,test/midjourney,test/sd14,test/sd15,test/adm,test/glide,test/wukong,test/vqdm,test/biggan,avg$" &&
	grep "^adm," m.csv >adm && echo adm,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5 >expect && test_cmp expect adm &&
	grep "^glide," m.csv >glide && echo glide,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0 >expect && test_cmp expect glide &&
	evalcsv rand.csv | tail -n +2 | cut -d, -f3 | paste -sd, >sd14 &&
	grep "^sd14," m.csv | cut -d, -f2- >got && test_cmp sd14 got &&
	awk -F, "NR > 1 && \$1 != \"avg\" { for (i = 2; i <= NF; i++) s[i] += \$i }
		\$1 == \"avg\" { for (i = 2; i <= NF; i++) if ((\$i - s[i] / 3)^2 > 1e-24) exit 1 }" m.csv &&
	gicat eval --matrix runs.tsv >table &&
	test_grep "^trained on  *Midjourney  *SD V1.4 .* Avg$" table &&
	test_grep "^GLIDE  *100.0 .* 100.0$" table &&
	sed -n 2p table | grep -q "^SD V1.4 "
'
test_expect_success 'runs trained on one generator: one note names their lines (the first 10)' '
	printf "genimage/cross-adm\tconst.csv\ngenimage/cross-glide\tp-glide.csv\ngenimage/cross-adm\tp-adm.csv\n" >same.tsv &&
	gicat eval --matrix same.tsv --format csv >m2.csv 2>err &&
	test_grep "^gicat: eval: note: .same.tsv.: lines 1 and 3 train on ADM: 2 rows of that name, in the file.s order$" err &&
	test "$(grep -c "^adm," m2.csv)" -eq 2 &&
	for i in $(seq 12); do printf "genimage/cross-adm\tconst.csv\n"; done >many.tsv &&
	printf "genimage/cross-glide\tp-glide.csv\n" >>many.tsv &&
	gicat eval --matrix many.tsv --format csv >m3.csv 2>err &&
	test "$(grep -c "rows of that name" err)" -eq 1 &&
	test_grep "^gicat: eval: note: .many.tsv.: lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more train on ADM: 12 rows of that name, in the file.s order$" err &&
	test "$(grep -c "^adm," m3.csv)" -eq 12
'

test_expect_success 'a run trained on "avg" (its task name) is told from the mean row, which stays last' '
	sed "s|^name = .*|name = avg|; s|^select = dataset = genimage and subset = adm and split = train|select = dataset = genimage and split = train|" \
		$TOP/tasks/genimage/cross-adm.ini >avg.ini &&
	printf "avg.ini\tconst.csv\ngenimage/cross-adm\tconst.csv\n" >avg.tsv &&
	gicat eval --matrix avg.tsv --format csv --html avg.html >m3.csv 2>err &&
	test_grep "^gicat: eval: note: .avg.tsv.: line 1 trains on .avg. (its task.s name), as the mean row is called: the mean row is the last$" err &&
	test "$(cut -d, -f1 m3.csv | paste -sd" ")" = "trained_on adm avg avg" &&
	# the gap before the mean row only: row labels 0, 1, 2 at y, y + h, y + 2h + gap
	grep -o "<text x=\"[0-9]*\" y=\"[0-9]*\" text-anchor=\"end\"[^>]*>\(ADM\|avg\|Avg\)</text>" avg.html | sed "s/.* y=\"\([0-9]*\)\".*/\1/" >ys &&
	test "$(wc -l <ys)" -eq 3 &&
	awk "NR == 1 { a = \$1 } NR == 2 { b = \$1 } NR == 3 { c = \$1 } END { exit !(c - b > b - a) }" ys &&
	test "$(head -3 ys | awk "NR > 1 { print \$1 - p } { p = \$1 }" | sort -u | wc -l)" -eq 2
'

test_expect_success 'runs trained on their task names are rows of those names, whole however long' '
	long=experiments/leave-one-out/all-generators-resnet50-pretrained-augmented &&
	for i in 1 2; do
		sed "s|^name = .*|name = $long-seed$i|" avg.ini >long$i.ini || return 1
	done &&
	printf "long1.ini\tconst.csv\nlong2.ini\tconst.csv\n" >long.tsv &&
	gicat eval --matrix long.tsv --format csv --html long.html >m5.csv 2>err &&
	test "$(cut -d, -f1 m5.csv | paste -sd" ")" = "trained_on $long-seed1 $long-seed2 avg" &&
	! grep "rows of that name" err &&
	test "$(grep -c "$long-seed[12]<" long.html)" -eq 2 &&
	gicat eval long1.ini --predictions const.csv --format json >j &&
	test_grep "^  \"trained_on\": \"$long-seed1\",$" j &&
	gicat eval long1.ini --predictions const.csv --html long1.html >/dev/null &&
	test_grep "Trained on $long-seed1; " long1.html
'

test_expect_success 'a run list with a BOM, kept beside a directory named like its shipped task, finds the task from anywhere' '
	mkdir -p ml/genimage/cross-glide && cp p-glide.csv ml/genimage/cross-glide/p.csv &&
	printf "\357\273\277genimage/cross-glide\tgenimage/cross-glide/p.csv\n" >ml/runs.tsv &&
	gicat eval --matrix ml/runs.tsv --format csv >m4.csv 2>err &&
	grep -q "^glide,1.0,1.0," m4.csv &&
	(cd ml && gicat eval --matrix runs.tsv --format csv) >m5.csv && test_cmp m4.csv m5.csv
'

test_expect_success 'the matrix takes --metric and a JSON form' '
	gicat eval --matrix runs.tsv --metric fake_acc --format json >m.json &&
	$PY -c "
import json
m = json.load(open(\"m.json\"))
assert m[\"metric\"] == \"fake_acc\", m
rows = {r[\"trained_on\"]: r[\"values\"] for r in m[\"rows\"]}
assert list(rows) == [\"sd14\", \"adm\", \"glide\", \"avg\"], list(rows)
assert set(rows[\"adm\"].values()) == {1.0}
assert len(m[\"runs\"]) == 3 and m[\"runs\"][0][\"task\"] == \"genimage/cross-glide\"
"
'

test_expect_success 'a bad run list (every bad line said, the first 10) or a bad run fails the matrix' '
	printf "genimage/cross-sd14 rand.csv\n" >bad.tsv &&
	test_expect_code 2 gicat eval --matrix bad.tsv 2>err &&
	test_grep "line 1: expected TASK<TAB>PREDICTIONS" err &&
	{ for i in $(seq 12); do printf "x%d\n" $i; done; printf "genimage/cross-sd14\trand.csv\n"; } >bad12.tsv &&
	test_expect_code 2 gicat eval --matrix bad12.tsv 2>err &&
	test "$(wc -l <err)" -eq 11 &&
	test "$(grep -c "^gicat: eval --matrix: .bad12.tsv.: line [0-9]*: expected TASK<TAB>PREDICTIONS$" err)" -eq 10 &&
	test "$(tail -1 err)" = "gicat: eval --matrix: ${SQ}bad12.tsv${SQ}: ... and 2 more bad lines" &&
	printf "genimage/cross-sd14\tbad.csv\ngenimage/cross-adm\tconst.csv\n" >bad2.tsv &&
	test_expect_code 1 gicat eval --matrix bad2.tsv >out 2>err &&
	test_must_fail test -s out && test_grep "bad.csv.: line $((ntest + 2)): score 1.5" err &&
	test_grep "^gicat: eval: .bad2.tsv.: line 1: .bad.csv.: [0-9]* of [0-9]* rows cannot be used; nothing scored$" err &&
	sed "\$d" rand.csv >short.csv &&
	printf "genimage/cross-sd14\trand.csv\ngenimage/cross-sd14\tshort.csv\n" >short.tsv &&
	test_expect_code 1 gicat eval --matrix short.tsv >out 2>err &&
	test_must_fail test -s out &&
	test "$(tail -1 err)" = "gicat: eval: ${SQ}short.tsv${SQ}: line 2: ${SQ}short.csv${SQ}: 1 of $ntest images have no prediction (--allow-missing scores the rest)" &&
	printf "genimage/cross-sd14\tnope.csv\n" >nope.tsv &&
	test_expect_code 2 gicat eval --matrix nope.tsv 2>err &&
	test "$(cat err)" = "gicat: eval --matrix: ${SQ}nope.tsv${SQ}: line 1: ${SQ}nope.csv${SQ}: cannot open: No such file or directory" &&
	printf "\n# runs\nnosuch/task\trand.csv\n" >notask.tsv &&
	test_expect_code 2 gicat eval --matrix notask.tsv 2>err &&
	test_grep "^gicat: eval --matrix: .notask.tsv.: line 3: no task file .nosuch/task." err
'

test_expect_success 'runs of more test sets in all than a matrix has columns are refused, not cut' '
	for t in a b; do
		{ printf "[task]\nname = many-$t\n"
		  for i in $(seq 40); do
			printf "[test $t$i]\nselect = subset = sd14 and split = val\n"
		  done; } >many-$t.ini || return 1
	done &&
	{ echo sha256,score; gicat task show --items many-a.ini 2>/dev/null |
	  awk -F, -v OFS=, "NR > 1 { print \$2, \$3 == \"fake\" ? 0.9 : 0.1 }" |
	  sort -u; } >many.csv &&
	printf "many-a.ini\tmany.csv\n" >one.tsv &&
	gicat eval --matrix one.tsv --format csv >out 2>err &&
	test "$(head -1 out | tr , "\n" | grep -c "^test/a")" -eq 40 &&
	printf "many-a.ini\tmany.csv\nmany-b.ini\tmany.csv\n" >many.tsv &&
	test_expect_code 2 gicat eval --matrix many.tsv --format csv >out 2>err &&
	test_must_fail test -s out &&
	test_grep "^gicat: eval --matrix: .many.tsv.: its runs score more than 64 different test sets, a column each" err
'

test_expect_success 'a generator name with ESC and bytes that are not UTF-8: escaped in tables, U+FFFD in JSON and HTML' '
	gicat init gencat 2>/dev/null && mkdir -p gf gr &&
	cp "$SHARED/data/pngsuite/basn2c08.png" gf/ && cp "$SHARED/data/pngsuite/basn0g08.png" gr/ &&
	gicat --catalog gencat ingest --dataset g --label fake --generator evil gf 2>/dev/null &&
	# ingest refuses the ESC now; a catalog made before keeps it
	sqlite3 gencat/.gicat/catalog.db "UPDATE entries SET generator = ${SQ}evil${SQ} || char(27) || ${SQ}[2J${SQ} || CAST(x${SQ}ff${SQ} AS TEXT) WHERE dataset = ${SQ}g${SQ}" &&
	gicat --catalog gencat ingest --dataset g --label real gr 2>/dev/null &&
	printf "[task]\nname = t\n[train]\nselect = dataset = g\n[test t]\nselect = dataset = g\n" >gen.ini &&
	gicat --catalog gencat task show --items gen.ini | awk -F, "NR > 1 {print \$2 \",\" (\$3 == \"fake\" ? 0.9 : 0.1)}" |
		sed "1i sha256,score" >gen.csv &&
	printf "gen.ini\tgen.csv\n" >gen.tsv &&
	gicat --catalog gencat eval --matrix gen.tsv --html gen.html >out &&
	! grep -q "$(printf "\033")" out && grep -qF "evil\x1b[2J\xff" out &&
	! grep -q "$(printf "\377")" gen.html && grep -qF "&#xFFFD;" gen.html &&
	gicat --catalog gencat eval --matrix gen.tsv --format json >m.json &&
	gicat --catalog gencat eval gen.ini --predictions gen.csv --format json >e.json &&
	"$PY" -c "
import json
m, e = json.load(open(\"m.json\")), json.load(open(\"e.json\"))
assert m[\"rows\"][0][\"trained_on\"] == m[\"runs\"][0][\"trained_on\"] == \"evil\x1b[2J\ufffd\", m
assert e[\"trained_on\"] == \"evil\x1b[2J\ufffd\", e
"
'

test_expect_success 'the rows a problem line quotes have their control characters escaped, as every error line' '
	{ echo path,score; printf "evil\033[2J\tx.png,0.5\na.png,0.5\033[2J\n"; } >esc.csv &&
	test_expect_code 1 evalcsv esc.csv 2>err &&
	! grep -q "$(printf "\033")" err && ! grep -q "$(printf "\t")" err &&
	grep -qF "ignored: ${SQ}esc.csv${SQ}: line 2: path ${SQ}evil\x1b[2J\x09x.png${SQ} is neither" err &&
	grep -qF "${SQ}esc.csv${SQ}: line 3: score ${SQ}0.5\x1b[2J${SQ} is not a number" err
'

test_expect_success 'the HTML heatmaps are self-contained pages with an inline SVG' '
	gicat eval $TASK --predictions rand.csv --html one.html >/dev/null &&
	gicat eval --matrix runs.tsv --html m.html --format csv >/dev/null &&
	for f in one.html m.html; do
		grep -q "^<svg " $f && grep -q "linearGradient" $f &&
		grep -q ">100%</text>" $f &&
		! grep -qiE "http:|https:|src=|href=|<script|<link|@import|url\\([^#]" $f || return 1
	done &&
	grep -q ">Midjourney</text>" one.html && grep -q ">GLIDE</text>" m.html &&
	test "$(grep -c "<rect " m.html)" -eq $((4 * 9 + 1)) &&
	gicat eval $TASK --predictions rand.csv --threshold 0.4999999 --html t.html >/dev/null &&
	grep -q "at threshold 0.4999999 (score" t.html &&
	gicat eval --matrix runs.tsv --threshold 0.4999999 --html mt.html >/dev/null &&
	grep -q "threshold 0.4999999, score" mt.html
'

# WCAG 2 contrast of each cell's number against its colour: 4.5:1 at
# least, what small text needs; white on viridis' greens and teals is 3:1
# or less.
test_expect_success 'the numbers in heatmap cells contrast with their colour (4.5:1)' '
	"$PY" - one.html m.html <<-\EOF
	import re, sys
	def lum(c):
	    v = [int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)]
	    v = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in v]
	    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]
	n = 0
	for name in sys.argv[1:]:
	    cells = re.findall(r"<rect [^>]*fill=\"(#[0-9a-f]{6})\" stroke=\"#fff\"/>\n<text [^>]*fill=\"(#[0-9a-f]{3,6})\">([^<]*)<", open(name).read())
	    for bg, fg, v in cells:
	        fg = "#" + "".join(2 * c for c in fg[1:]) if len(fg) == 4 else fg
	        a, b = sorted((lum(bg), lum(fg)))
	        assert (b + 0.05) / (a + 0.05) >= 4.5, (name, v, bg, fg)
	        n += 1
	assert n > 40, n
	EOF
'

# Column names up to the set name's limit: horizontal ones overlap their
# neighbours beyond a cell's width; slanted, each has room, and the
# picture holds them all.
test_expect_success 'long test set names are drawn slanted in the heatmap, inside the picture' '
	sed "s/^\[test midjourney\]/[test midjourney-upscaled-and-recompressed]/; s/^\[test sd14\]/[test stable-diffusion-1.4-val]/" \
		$TOP/tasks/genimage/cross-sd14.ini >long.ini &&
	gicat eval long.ini --predictions rand.csv --html long.html >/dev/null &&
	"$PY" - long.html one.html <<-\EOF
	import re, sys
	for name, slanted in ((sys.argv[1], True), (sys.argv[2], False)):
	    page = open(name).read()
	    w = int(re.search(r"<svg width=\"(\d+)\" height=\"(\d+)\"", page).group(1))
	    heads = re.findall(r"<text x=\"(\d+)\" y=\"(\d+)\"( transform=\"rotate\(-45 \d+ \d+\)\")? text-anchor=\"(middle|start)\" fill=\"#222\">([^<]*)</text>", page)
	    heads = [h for h in heads if not h[4].endswith("%")]  # not the legend
	    assert len(heads) == 9, (name, heads)
	    assert all(bool(h[2]) == slanted for h in heads), (name, heads)
	    for x, y, rot, anchor, text in heads:
	        reach = int(x) + (len(text) * 8 * 0.71 if rot else len(text) * 4)
	        assert reach <= w, (name, text, reach, w)
	        if not rot:
	            assert len(text) * 7 <= 80, (name, text)
	    ys = [int(y) for y in re.findall(r"<rect x=\"\d+\" y=\"(\d+)\"", page)]
	    longest = max(len(h[4]) for h in heads)
	    if slanted:  # the rows start below the longest name
	        assert min(ys) >= longest * 8 * 0.7, (min(ys), longest)
	EOF
'

# Names of wide letters: 8 W are 103 pixels in DejaVu Sans 13px, more than
# a cell, though 8 characters of a mean width fit; a row label as wide
# must still start inside the picture.  The widths are DejaVu Sans's
# advances (em), the widest of the usual sans-serif fonts.
test_expect_success 'names of wide letters neither overlap their neighbours nor leave the heatmap' '
	gicat init widecat 2>/dev/null && mkdir -p wf wr &&
	cp "$SHARED/data/pngsuite/basn2c08.png" wf/ && cp "$SHARED/data/pngsuite/basn0g08.png" wr/ &&
	gicat --catalog widecat ingest --dataset w --label fake --generator WMWMWMWMWMWM wf 2>/dev/null &&
	gicat --catalog widecat ingest --dataset w --label real wr 2>/dev/null &&
	printf "[task]\nname = w\n[train]\nselect = dataset = w\n" >wide.ini &&
	for t in WWWWWWWW MMMMMMMMM b; do
		printf "[test $t]\nselect = dataset = w\n" >>wide.ini || return 1
	done &&
	gicat --catalog widecat task show --items wide.ini | awk -F, "NR > 1 {print \$2 \",\" (\$3 == \"fake\" ? 0.9 : 0.1)}" |
		sort -u | sed "1i sha256,score" >wide.csv &&
	printf "wide.ini\twide.csv\n" >wide.tsv &&
	gicat --catalog widecat eval --matrix wide.tsv --html wide.html >/dev/null &&
	"$PY" - wide.html <<-\EOF
	import re, sys
	em = {"W": 0.989, "M": 0.863, "A": 0.684, "v": 0.592, "g": 0.635, "b": 0.635,
	      "P": 0.603, "R": 0.695, "F": 0.575, "a": 0.613, "k": 0.579, "c": 0.55,
	      "e": 0.615, "l": 0.278, " ": 0.318}
	def width(s):
	    return sum(em[c] for c in s) * 13
	page = open(sys.argv[1]).read()
	texts = re.findall(r"<text x=\"(\d+)\" y=\"(\d+)\"( transform=\"[^\"]*\")? text-anchor=\"(\w+)\" fill=\"#222\">([^<]*)</text>", page)
	heads = [(int(x), t) for x, y, rot, a, t in texts if a == "middle" and not rot and not t.endswith("%")]
	rows = [(int(x), t) for x, y, rot, a, t in texts if a == "end"]
	assert "WMWMWMWMWMWM" in [t for x, t in rows], rows
	for x, t in rows:
	    assert x - width(t) >= 0, (t, x, width(t))
	for x, t in heads:
	    assert width(t) <= 84 - 4, (t, width(t))
	EOF
'

test_done
