#!/bin/sh
# eval: predictions written here (perfect, constant, hand-made, pseudo-random
# from the hash) give exactly the expected scores; missing, extra, bad and
# contradicting rows; the same results from CSV and JSONL and from every
# kind of key (sha256, its 16-hex prefix, export paths, original paths);
# originals of degraded images ignored by path as by sha256; average
# precision checked against scikit-learn; which sets are scored; usage
# errors.  The matrix and the heatmaps are t0702's.
. "$(dirname "$0")/lib.sh"

eval_fixture


test_expect_success 'a perfect predictor scores 1 on every test set, in GenImage order' '
	pred perfect.csv sha256,score "\$2, (\$3 == \"fake\" ? 0.9 : 0.1)" &&
	evalcsv perfect.csv >out &&
	{ echo set,n,acc,real_acc,fake_acc,ap
	  gicat task show $TASK | awk "/^test\\// {print \$1 \",\" \$2 \",1.0,1.0,1.0,1.0\"}"
	  echo "avg,$ntest,1.0,1.0,1.0,1.0"; } >expect &&
	test_cmp expect out
'

test_expect_success 'preds the other way round (0 read as fake, as a genimage-layout trainer numbers them) get a note, not a refusal' '
	pred swapped01.csv sha256,pred "\$2, (\$3 == \"fake\" ? 0 : 1)" &&
	evalcsv swapped01.csv >out 2>err &&
	test_grep "^gicat: eval: note: .swapped01.csv.: 0.0% of reals and 0.0% of fakes are called right: are real and fake the other way round? (gicat reads 1, .fake. and a high score as fake; the genimage layout numbers ai as 0)$" err &&
	evalcsv perfect.csv >out 2>err && ! grep -q "other way round" err
'

test_expect_success 'a CSV pred of True/False (pandas writes bools so) reads as fake/real' '
	pred bools.csv sha256,pred "\$2, (\$3 == \"fake\" ? \"True\" : \"FALSE\")" &&
	evalcsv bools.csv >out && evalcsv perfect.csv >want && test_cmp want out
'

test_expect_success 'the table shows percentages under the paper'"'"'s column names' '
	gicat eval $TASK --predictions perfect.csv >out &&
	head -1 out | grep -qE "^ +Midjourney +SD V1.4 +SD V1.5 +ADM +GLIDE +Wukong +VQDM +BigGAN +Avg$" &&
	test_grep "^Acc  *100.0  *100.0 .* 100.0$" out &&
	test_grep "^n  *4  *8 .* $ntest$" out
'

test_expect_success 'a score that underflows (1e-400) is 0, not a bad row' '
	pred tiny.csv sha256,score "\$2, (\$3 == \"fake\" ? 0.9 : \"1e-400\")" &&
	evalcsv tiny.csv >out && evalcsv perfect.csv >want && test_cmp want out
'

test_expect_success 'a constant "fake" is right on every fake: acc 0.5, AP 0.5 (one big tie)' '
	pred const.csv sha256,pred "\$2, \"fake\"" &&
	evalcsv const.csv >out &&
	tail -n +2 out | cut -d, -f3- | sort -u >vals &&
	echo 0.5,0.0,1.0,0.5 >expect && test_cmp expect vals
'

# test/sd14: fakes 0.9 0.6 0.5 0.2, reals 0.7 0.5 0.3 0.1.  At 0.5 (a score
# equal to the threshold is fake): fakes 3/4, reals 2/4.  AP, thresholds
# from the top: .25 * 1 + .25 * 2/3 + .25 * 3/5 + .25 * 4/7.
test_expect_success 'hand-computed accuracy and AP on one set, the threshold edge, --allow-missing' '
	awk -F, -v OFS=, "BEGIN { print \"sha256,score\"; split(\"0.9 0.6 0.5 0.2\", f, \" \");
		split(\"0.7 0.5 0.3 0.1\", r, \" \") }
		\$1 == \"test/sd14\" { print \$2, \$3 == \"fake\" ? f[++nf] : r[++nr] }" \
		test-items.csv >hand.csv &&
	test_expect_code 1 evalcsv hand.csv >out 2>err &&
	test_grep "$((ntest - 8)) of $ntest images have no prediction" err &&
	test_grep "^gicat: eval: .[0-9a-f]*.: no prediction (" err &&
	test_must_fail test -s out &&
	evalcsv hand.csv --allow-missing >out 2>err &&
	test_grep "$((ntest - 8)) of $ntest images (86.7%) have no prediction; scored the other 8" err &&
	test_grep "^gicat: eval: note: .[0-9a-f]*.: no prediction (" err &&
	! test_grep "^gicat: eval: .[0-9a-f]*.: no prediction" err &&
	grep "^test/sd14," out | awk -F, "{ exit !(\$2 == 8 && \$3 == 0.625 && \$4 == 0.5 &&
		\$5 == 0.75 && (\$6 - (0.25 + 0.5 / 3 + 0.15 + 0.25 * 4 / 7))^2 < 1e-24) }" &&
	test_grep "^test/adm,0,,,,$" out &&
	grep "^avg," out | cut -d, -f2-5 >avg && echo 8,0.625,0.5,0.75 >expect &&
	test_cmp expect avg &&
	evalcsv hand.csv --allow-missing --threshold 0.500001 2>/dev/null >out &&
	grep "^test/sd14," out | cut -d, -f3-5 >got && echo 0.625,0.75,0.5 >expect &&
	test_cmp expect got
'

test_expect_success '--allow-missing: the table has a missing row under n; CSV keeps its columns' '
	gicat eval $TASK --predictions hand.csv --allow-missing >out 2>err &&
	sed -n 2,3p out >rows &&
	test_grep "^n  *0  *8  *0  *0  *0  *0  *0  *0  *8$" rows &&
	test_grep "^missing  *4  *0  *8  *8  *8  *8  *8  *8  *$((ntest - 8))$" rows &&
	test_grep "$((ntest - 8)) of $ntest images (86.7%) have no prediction" err &&
	evalcsv hand.csv --allow-missing >out 2>err &&
	test "$(head -1 out)" = set,n,acc,real_acc,fake_acc,ap &&
	test_grep "$((ntest - 8)) of $ntest images (86.7%) have no prediction" err &&
	gicat eval $TASK --predictions perfect.csv --allow-missing >out &&
	! grep "^missing" out
'

test_expect_success '--allow-missing: a set with no prediction at all is warned of, as left out of avg' '
	evalcsv hand.csv --allow-missing >out 2>err &&
	test_grep "^gicat: eval: warning: .hand.csv.: set .test/midjourney. has no prediction for any of its 4 images: scored as n 0, and left out of avg$" err &&
	test "$(grep -c "has no prediction for any of its" err)" -eq 7 &&
	! grep "test/sd14. has no prediction" err &&
	test_expect_code 1 evalcsv hand.csv 2>err &&
	! grep "has no prediction for any" err
'

test_expect_success 'thresholds 0 and 1 are cuts too: everything fake, only a score of 1 fake' '
	evalcsv hand.csv --allow-missing --threshold 0 2>/dev/null >out &&
	grep "^test/sd14," out | cut -d, -f3-5 >got && echo 0.5,0.0,1.0 >expect &&
	test_cmp expect got &&
	evalcsv hand.csv --allow-missing --threshold 1 2>/dev/null >out &&
	grep "^test/sd14," out | cut -d, -f3-5 >got && echo 0.5,1.0,0.0 >expect &&
	test_cmp expect got
'

test_expect_success 'JSON counts each set'"'"'s scored reals and fakes, and its missing images' '
	gicat eval $TASK --predictions hand.csv --allow-missing --format json >j 2>/dev/null &&
	"$PY" - j test-items.csv <<-\EOF
	import csv, json, sys
	j = json.load(open(sys.argv[1]))
	want = {}
	for row in csv.reader(open(sys.argv[2])):
	    w = want.setdefault(row[0], {"real": 0, "fake": 0})
	    w[row[2]] += 1
	for s in j["sets"]:
	    w = want[s["set"]]
	    scored = s["set"] == "test/sd14"  # hand.csv scores only that set
	    assert (s["real"], s["fake"]) == ((w["real"], w["fake"]) if scored else (0, 0)), (s, w)
	    assert s["n"] == s["real"] + s["fake"], s
	    assert s["missing"] == (0 if scored else w["real"] + w["fake"]), s
	assert j["missing"] == sum(s["missing"] for s in j["sets"]) == len(open(sys.argv[2]).readlines()) - 8, j
	EOF
'

test_expect_success 'images without a prediction are listed by hash and path; exit 1' '
	head -3 perfect.csv >part.csv &&
	test_expect_code 1 gicat eval $TASK --predictions part.csv 2>err >out &&
	test_grep "^gicat: eval: .[0-9a-f]\{64\}.: no prediction (test/[a-z0-9]*, genimage/" err &&
	test "$(grep -c "no prediction (test/" err)" -eq 20 &&
	test_grep "and $((ntest - 2 - 20)) more images without a prediction" err
'

test_expect_success 'predictions for images the task does not score are listed and ignored' '
	cp perfect.csv extra.csv &&
	train=$(awk -F, "\$1 == \"train\" {print \$2; exit}" items.csv) &&
	echo "$train,0.3" >>extra.csv &&
	echo "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff,0.3" >>extra.csv &&
	evalcsv extra.csv >out 2>err &&
	evalcsv perfect.csv >expect && test_cmp expect out &&
	test_grep "ignored: .extra.csv.: line $((ntest + 2)): sha256 .$train. is no image of the scored sets" err &&
	test_grep "ignored: .extra.csv.: line $((ntest + 3)): sha256 .f\{64\}." err &&
	test_grep "ignored 2 rows" err
'

test_expect_success 'each list ends with its own "... and N more" line, before the next list' '
	test_expect_code 1 gicat eval genimage/degraded --predictions perfect.csv 2>err >/dev/null &&
	more=$(grep -n "\.\.\. and [0-9]* more ignored rows$" err | cut -d: -f1) &&
	first=$(grep -n ".: no prediction (" err | head -1 | cut -d: -f1) &&
	test "$more" -eq $((first - 1)) &&
	last=$(grep -n ".: no prediction (" err | tail -1 | cut -d: -f1) &&
	test_grep "\.\.\. and [0-9]* more images without a prediction$" err &&
	test "$(grep -n "more images without a prediction" err | cut -d: -f1)" -eq $((last + 1))
'

test_expect_success 'a file with 300 other columns before the key and score is read (4,096 at most)' '
	awk -F, "BEGIN { for (i = 0; i < 300; i++) printf \"c%d,\", i } NR == 1 { print; next } { for (i = 0; i < 300; i++) printf \"0,\"; print }" perfect.csv >wide.csv &&
	evalcsv wide.csv >out && evalcsv perfect.csv >expect && test_cmp expect out &&
	awk "BEGIN { for (i = 0; i < 4097; i++) printf \"c%d,\", i; print \"sha256,score\" }" >wider.csv &&
	test_expect_code 2 evalcsv wider.csv 2>err &&
	test_grep "the header has 4099 columns, more than the 4096 gicat reads" err
'

test_expect_success 'a header with the same column twice is refused, not read by its first' '
	printf "sha256,score,Score\n" >dupcol.csv &&
	test_expect_code 2 evalcsv dupcol.csv 2>err &&
	test_grep "line 1: two .score. columns in the header" err
'

test_expect_success 'bad rows are reported with their line numbers and nothing is scored' '
	cp perfect.csv bad.csv &&
	sha=$(sed -n 2p perfect.csv | cut -d, -f1) &&
	cat >>bad.csv <<-EOF &&
	$sha,1.5
	$sha,-0.1
	$sha,abc
	12345,0.5
	$sha
	"unclosed,0.1
	$sha,1e999
	$sha,nan
	$sha,0x1p-1
	$sha,inf
	EOF
	test_expect_code 1 evalcsv bad.csv >out 2>err &&
	test_must_fail test -s out &&
	n=$((ntest + 1)) &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 1)): score 1.5 is outside \[0, 1\]$" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 2)): score -0.1 is outside \[0, 1\]$" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 3)): score .abc. is not a number$" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 4)): sha256 .12345. is not 64 hex digits" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 5)): 1 field where the header has 2 (fields are separated by commas)$" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 6)): a quote is not closed where its field ends$" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 7)): score 1e999 is outside \[0, 1\]$" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 8)): score .nan. is not a number$" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 9)): score .0x1p-1. is not a number$" err &&
	test_grep "^gicat: eval: .bad.csv.: line $((n + 10)): score .inf. is not a number$" err &&
	test_grep "10 of $((ntest + 10)) rows cannot be used; nothing scored" err &&
	! grep -q "no prediction" err
'

test_expect_success 'a score needs digits; a row with a field too many is bad; a blank line is no row' '
	sha=$(sed -n 2p perfect.csv | cut -d, -f1) && n=$(wc -l <perfect.csv) &&
	{ cat perfect.csv
	  printf "%s,.\n%s,-\n%s,1e\n%s,+\n%s,0.9,x\n   \n\t\n%s,9e-1\n" \
		$sha $sha $sha $sha $sha $sha; } >digits.csv &&
	test_expect_code 1 evalcsv digits.csv >out 2>err &&
	test_must_fail test -s out &&
	test_grep "^gicat: eval: .digits.csv.: line $((n + 1)): score .\.. is not a number$" err &&
	test_grep "^gicat: eval: .digits.csv.: line $((n + 2)): score .-. is not a number$" err &&
	test_grep "^gicat: eval: .digits.csv.: line $((n + 3)): score .1e. is not a number$" err &&
	test_grep "^gicat: eval: .digits.csv.: line $((n + 4)): score .+. is not a number$" err &&
	test_grep "^gicat: eval: .digits.csv.: line $((n + 5)): 3 fields where the header has 2$" err &&
	test_grep "5 of $((n + 5)) rows cannot be used; nothing scored" err &&
	! grep "line $((n + 8))" err
'

test_expect_success 'a row keyed by sha256 beside a copied export file named by its hash is that image' '
	pred copied.csv sha256,path,score "\$2, \"/scratch/copy/\" substr(\$2, 1, 16) \".png\", (\$3 == \"fake\" ? 0.9 : 0.1)" &&
	evalcsv copied.csv >out && grep -q "^avg,[0-9]*,1.0,1.0,1.0,1.0$" out &&
	awk -F, -v OFS=, "NR == 2 { t = \$2 } NR == 3 { \$2 = t } { print }" copied.csv >shifted.csv &&
	test_expect_code 1 evalcsv shifted.csv 2>err &&
	test_grep "shifted.csv.: line 3: sha256 .* and path .*/scratch/copy/.* name different images (the path is " err &&
	! grep "line 2:" err
'

test_expect_success 'a test set named avg keeps its name beside the Avg of the means' '
	sed "s/^\[test adm\]/[test avg]/" $TOP/tasks/genimage/cross-sd14.ini >avgset.ini &&
	gicat task show --items avgset.ini | awk -F, "NR > 1 && /^test\// { print \$2 \",\" (\$3 == \"fake\" ? 0.9 : 0.1) }" |
		sed "1i sha256,score" >avp.csv &&
	gicat eval avgset.ini --predictions avp.csv >out &&
	head -1 out | grep -q " avg  *Avg$"
'

test_expect_success 'a pred is a call: any threshold scores it as it is, 0 and 1 too' '
	pred calls.csv sha256,pred "\$2, \$3" &&
	for t in 0 0.5 1; do
		gicat eval genimage/cross-sd14 --predictions calls.csv --threshold $t --format csv >out &&
		grep -q "^avg,[0-9]*,1.0,1.0,1.0,1.0$" out || return 1
	done
'

test_expect_success 'a pred is real, fake, 0 or 1 (1.0 too), true or false, nothing else' '
	pred preds.csv sha256,pred "\$2, (\$3 == \"fake\" ? \"1.0\" : \"Real\")" &&
	evalcsv preds.csv >out &&
	sha=$(sed -n 2p preds.csv | cut -d, -f1) &&
	printf "%s,%s\n" $sha maybe $sha 0x1 $sha 2 $sha truth $sha yes >>preds.csv &&
	test_expect_code 1 evalcsv preds.csv >out 2>err &&
	for v in maybe 0x1 2 truth yes; do
		test_grep "pred .$v. is not real, fake, 0, 1, true or false$" err || return 1
	done &&
	test_grep "5 of $((ntest + 5)) rows cannot be used; nothing scored" err
'

test_expect_success 'a row without a key, or without score and pred, says what it has' '
	sha=$(sed -n 2p perfect.csv | cut -d, -f1) &&
	printf "{\"sha256\": \"%s\", \"prob\": 0.3}\n{\"sha256\": \"%s\", \"score\": null, \"pred\": \"\"}\n{\"hash\": \"%s\", \"score\": 0.3}\n{}\n" \
		$sha $sha $sha >noscore.jsonl &&
	test_expect_code 1 evalcsv noscore.jsonl 2>err &&
	test_grep "noscore.jsonl.: line 1: no score and no pred (the row has: sha256, prob; name .prob. score, if it holds the probability that the image is fake)$" err &&
	test_grep "noscore.jsonl.: line 2: no score and no pred (the row has: sha256)$" err &&
	test_grep "noscore.jsonl.: line 3: no sha256 and no path (the row has: hash, score; name .hash. sha256, if it holds the image.s SHA-256)$" err &&
	test_grep "noscore.jsonl.: line 4: no sha256 and no path (the row is empty)$" err &&
	printf "{\"sha256\": \"%s\\\\u0000\", \"score\": 0.3}\n" $sha >nul.jsonl &&
	test_expect_code 1 evalcsv nul.jsonl 2>err &&
	test_grep "nul.jsonl.: line 1: not JSON: a string holds .u0000, a NUL$" err &&
	printf "{\"sha256\": \"%s\", \"score\": 0.3\n" $sha >open.jsonl &&
	test_expect_code 1 evalcsv open.jsonl 2>err &&
	test_grep "open.jsonl.: line 1: not JSON: .}. expected at the end of the line$" err &&
	printf "sha256,score,Prob\n$sha,,0.3\n" >noscore.csv &&
	test_expect_code 1 evalcsv noscore.csv 2>err &&
	test_grep "noscore.csv.: line 2: no score and no pred (the row has: sha256, Prob)$" err &&
	# a row of JSONL with a score key (any case), null, gets no hint either
	printf "{\"sha256\": \"%s\", \"Score\": null, \"prob\": 0.3}\n" $sha >nullscore.jsonl &&
	test_expect_code 1 evalcsv nullscore.jsonl 2>err &&
	test_grep "line 1: no score and no pred (the row has: sha256, prob)$" err &&
	# a header of the names other tools give the columns: which they would be
	printf "image,prediction\nx.png,fake\n" >other.csv &&
	test_expect_code 2 gicat eval $TASK --predictions other.csv 2>err &&
	test_grep "line 1: the header names no sha256 or path column (it has: image, prediction; name .image. path, if it holds the image.s path)$" err &&
	printf "path,Predicted\nx.png,fake\n" >other.csv &&
	test_expect_code 2 gicat eval $TASK --predictions other.csv 2>err &&
	test_grep "no score or pred column (it has: path, Predicted; name .Predicted. pred, if it holds the detector.s call, real/fake or 0/1)$" err &&
	printf "path,label\nx.png,fake\n" >other.csv &&
	test_expect_code 2 gicat eval $TASK --predictions other.csv 2>err &&
	test_grep "(it has: path, label; name .label. pred, if it holds the detector.s call, real/fake or 0/1)$" err &&
	# a header of one field holding semicolons: a spreadsheet of another locale
	printf "sha256;score\n%s;0.5\n" $sha >semi.csv &&
	test_expect_code 2 gicat eval $TASK --predictions semi.csv 2>err &&
	test_grep "line 1: the header names no sha256 or path column (it has: sha256;score; fields are separated by commas or tabs, not semicolons)$" err
'

test_expect_success 'rows with score and pred are scored by score; a pred contradicting most scores refuses the file' '
	pred both.csv sha256,score,pred "\$2, (\$3 == \"fake\" ? 0.9 : 0.1), \$3" &&
	evalcsv both.csv >out 2>err && evalcsv perfect.csv >expect && test_cmp expect out &&
	! test -s err &&
	evalcsv both.csv --threshold 0.95 >out 2>err && ! test -s err &&
	pred flipped.csv sha256,score,pred "\$2, (\$3 == \"fake\" ? 0.1 : 0.9), \$3" &&
	test_expect_code 1 evalcsv flipped.csv >out 2>err &&
	test_grep "^gicat: eval: .flipped.csv.: line 2: pred contradicts score (at 0.5 and at the threshold) on $ntest of $ntest rows that have both: is the score the probability of fake?$" err &&
	test_grep "$ntest of $ntest rows cannot be used; nothing scored" err &&
	{ head -2 flipped.csv; tail -n +3 both.csv; } >onebad.csv &&
	cut -d, -f1,2 onebad.csv >onebad-scores.csv &&
	evalcsv onebad-scores.csv >expect &&
	evalcsv onebad.csv >out 2>err && test_cmp expect out &&
	test_grep "^gicat: eval: note: .onebad.csv.: line 2: pred contradicts score (at 0.5 and at the threshold) on 1 of $ntest rows that have both; scored by score$" err &&
	pred cut03.csv sha256,score,pred "\$2, (\$3 == \"fake\" ? 0.4 : 0.1), \$3" &&
	evalcsv cut03.csv --threshold 0.3 >out 2>err && ! test -s err &&
	{ head -3 flipped.csv; tail -n +4 perfect.csv | sed "s/\$/,/"; } >fewpred.csv &&
	evalcsv fewpred.csv >out 2>err &&
	test_grep "note: .fewpred.csv.: line 2: pred contradicts score .* on 2 of 2 rows that have both; scored by score$" err
'

test_expect_success 'the same image twice: one score is fine, two scores are an error' '
	{ cat perfect.csv; sed -n 2p perfect.csv; } >dup.csv &&
	evalcsv dup.csv >out && evalcsv perfect.csv >expect && test_cmp expect out &&
	line=$(sed -n 2p perfect.csv) && sha=${line%,*} &&
	echo "$sha,0.55" >>dup.csv &&
	test_expect_code 1 evalcsv dup.csv 2>err &&
	test_grep "dup.csv.: line $(wc -l <dup.csv): $sha has score 0.55 here but score ${line#*,} on line" err &&
	{ echo sha256,pred; echo "$sha,fake"; echo "$sha,0"; } >dupred.csv &&
	test_expect_code 1 evalcsv dupred.csv --allow-missing 2>err &&
	test_grep "dupred.csv.: line 3: $sha has pred real here but pred fake on line 2$" err
'

# pred real is real at any threshold, score 0 is fake at --threshold 0:
# the two rows are one prediction only where they make the same call.
test_expect_success 'the same image as pred real and as score 0: one prediction at 0.5, a bad row at --threshold 0, in either order' '
	line=$(grep -m1 ",real," test-items.csv) &&
	sha=$(echo "$line" | cut -d, -f2) && path=$(echo "$line" | cut -d, -f6) &&
	{ echo path,score,pred; echo "$path,,real"; echo "$path,0,"; } >rz.csv &&
	{ echo path,score,pred; echo "$path,0,"; echo "$path,,real"; } >zr.csv &&
	for f in rz zr; do
		evalcsv $f.csv --allow-missing >$f.out 2>err &&
		! grep "line [0-9]*:" err || return 1
	done &&
	test_cmp rz.out zr.out &&
	test_expect_code 1 evalcsv rz.csv --allow-missing --threshold 0 2>err &&
	test_grep "rz.csv.: line 3: $sha has score 0.0 here but pred real on line 2$" err &&
	test_expect_code 1 evalcsv zr.csv --allow-missing --threshold 0 2>err &&
	test_grep "zr.csv.: line 3: $sha has pred real here but score 0.0 on line 2$" err
'

test_expect_success 'a row for every set and a row for its set give one image two scores: an error' '
	line=$(sed -n 2p perfect.csv) && sha=${line%,*} && score=${line#*,} &&
	set=$(awk -F, -v s=$sha "\$2 == s { print \$1; exit }" test-items.csv) &&
	{ echo sha256,score,set; tail -n +2 perfect.csv | sed "s/\$/,/"; } >any.csv &&
	{ cat any.csv; echo "$sha,$score,$set"; } >same.csv &&
	evalcsv same.csv >out && evalcsv perfect.csv >expect && test_cmp expect out &&
	{ cat any.csv; echo "$sha,0.55,$set"; } >two.csv &&
	test_expect_code 1 evalcsv two.csv 2>err &&
	test_grep "two.csv.: line $(wc -l <two.csv): $sha has score 0.55 here but score $score on line 2$" err &&
	{ echo sha256,score,set; echo "$sha,0.55,$set"; tail -n +2 any.csv; } >first.csv &&
	test_expect_code 1 evalcsv first.csv 2>err &&
	test_grep "first.csv.: line 2: $sha has score 0.55 here but score $score on line 3$" err
'

test_expect_success 'an image in two scored sets takes each set'"'"'s own row' '
	printf "[task]\nname = twice\n[test a]\nselect = subset = sd14 and split = val\n[test b]\nselect = subset = sd14 and split = val\n" >twice.ini &&
	gicat task show --items twice.ini 2>/dev/null >twice.csv &&
	{ echo sha256,score,set
	  awk -F, -v OFS=, "\$1 == \"test/a\" { print \$2, (\$3 == \"fake\" ? 0.9 : 0.1), \"b\"
		print \$2, (\$3 == \"fake\" ? 0.1 : 0.9), \"a\" }" twice.csv; } >each.csv &&
	gicat eval twice.ini --format csv --predictions each.csv >out &&
	test_grep "^test/a,[1-9][0-9]*,0.0,0.0,0.0,0.5$" out &&
	test_grep "^test/b,[1-9][0-9]*,1.0,1.0,1.0,1.0$" out
'

test_expect_success 'CSV and JSONL input give identical results; JSONL keys in any case, as CSV headers' '
	pred rand.csv sha256,score "\$2, h(\$2)" &&
	awk -F, "NR > 1 { printf \"{\\\"score\\\": %s, \\\"sha256\\\": \\\"%s\\\"}\\n\", \$2, \$1 }" \
		rand.csv >rand.jsonl &&
	evalcsv rand.csv >a && evalcsv rand.jsonl >b && test_cmp a b &&
	gicat eval $TASK --format json --predictions rand.csv >a.json &&
	gicat eval $TASK --format json --predictions rand.jsonl >b.json && test_cmp a.json b.json &&
	sed "s/score/Score/; s/sha256/SHA256/" rand.jsonl >upper.jsonl &&
	evalcsv upper.jsonl >b && test_cmp a b &&
	sed -n 1p upper.jsonl | sed "s/^{/{\"score\": 0.5, /" >twice.jsonl &&
	test_expect_code 1 evalcsv twice.jsonl 2>err &&
	test_grep "twice.jsonl.: line 1: two .score. keys: .score. and .Score.$" err &&
	! grep -q "^avg,$ntest,1.0,1.0,1.0,1.0" a &&
	grep -v "^set," a | cut -d, -f3- | tr , "\n" | sort -u >nums_csv &&
	"$PY" -c "
import json, sys
d = json.load(open(\"a.json\"), parse_float=str)
for m in [d[\"avg\"]] + list(d[\"sets\"].values() if isinstance(d[\"sets\"], dict) else d[\"sets\"]):
    for k in (\"acc\", \"real_acc\", \"fake_acc\", \"ap\"):
        print(m[k])
" | sort -u >nums_json &&
	test_cmp nums_csv nums_json
'

test_expect_success 'sha256, its 16-hex prefix, export paths (with // and ./ too) and original paths give identical results' '
	gicat split $TASK --out exp 2>/dev/null &&
	evalcsv rand.csv >expect &&
	pred prefix.csv sha256,score "substr(\$2, 1, 16), h(\$2)" &&
	evalcsv prefix.csv >out && test_cmp expect out &&
	{ echo path,score; (cd exp && find test -type f) |
	  awk -F/ -v OFS=, "$H { print \$0, h(\$NF) }"; } >rel.csv &&
	test "$(wc -l <rel.csv)" -eq $((ntest + 1)) &&
	evalcsv rel.csv >out && test_cmp expect out &&
	cat rel.csv | evalcsv - >out &&
	test_cmp expect out &&
	sed "2,\$s|^|$TRASH/exp/|" rel.csv >abs.csv &&
	evalcsv abs.csv >out && test_cmp expect out &&
	sed "2,\$s|^|exp/|" rel.csv >sub.csv &&
	evalcsv sub.csv >out && test_cmp expect out &&
	sed "2,\$s|^|./exp//|; s|/\([01]_\)|/./\1|" rel.csv >dots.csv &&
	test_grep "^\./exp//test/.*/\./[01]_" dots.csv &&
	evalcsv dots.csv >out && test_cmp expect out &&
	sed "2,\$s|^|$TRASH//exp/./|" rel.csv >absdots.csv &&
	evalcsv absdots.csv >out && test_cmp expect out &&
	far=$("$PY" -c "print(\"/\".join(\"d%d\" % i for i in range(100)))") &&
	sed "2,\$s|^|/$far/|" rel.csv >far.csv &&
	evalcsv far.csv >out && test_cmp expect out &&
	pred orig.csv path,score "\$6, h(\$2)" &&
	evalcsv orig.csv >out && test_cmp expect out &&
	cp orig.csv deep.csv &&
	"$PY" -c "print(\"/\" * 80000 + \"x.png,0.5\")" >>deep.csv &&
	"$PY" -c "print(\"a/\" * 3000 + \"x.png,0.5\")" >>deep.csv &&
	timeout 20 gicat eval $TASK --format csv --predictions deep.csv >out 2>err &&
	test_cmp expect out && test_grep "ignored 2 rows" err
'
test_expect_success 'rows keyed by export paths: an image without a prediction is named by its file in that export too' '
	sed 3d rel.csv >rel-1.csv &&
	missing=$(sed -n 3p rel.csv | cut -d, -f1) &&
	test_expect_code 1 gicat eval $TASK --predictions rel-1.csv 2>err >/dev/null &&
	test "$(grep -c ": no prediction (" err)" -eq 1 &&
	test_grep "^gicat: eval: .[0-9a-f]\{64\}.: no prediction (test/[a-z0-9]*, $missing in the split, genimage/.*)$" err &&
	# keyed by sha256, the rows name no export: the original path alone
	sed 3d perfect.csv >perfect-1.csv &&
	test_expect_code 1 gicat eval $TASK --predictions perfect-1.csv 2>err >/dev/null &&
	test_grep "no prediction (test/[a-z0-9]*, genimage/[^ ]*)$" err
'


test_expect_success 'after 1,000 paths found nowhere, paths are still found: export files, originals, absolute, by sha256 beside a path of the trainer' '
	{ echo path,score; seq 1200 | sed "s|.*|/home/me/run/gen/&.png,0.5|"; } >unk.csv &&
	{ tail -n +2 abs.csv; tail -n +2 orig.csv; tail -n +2 sub.csv; } >>unk.csv &&
	gicat eval $TASK --format csv --predictions unk.csv >out 2>err &&
	test_cmp expect out && test_grep "ignored 1200 rows" err &&
	{ echo sha256,path,score; seq 1200 | sed "s|.*|/home/me/run/gen/&.png|" >mine &&
	  awk -F, -v OFS=, "$H { print \$2, h(\$2) }" test-items.csv >shas &&
	  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21; do cat shas; done |
	  head -1200 | paste -d, - mine | awk -F, -v OFS=, "{ print \$1, \$3, \$2 }"; } >mixed.csv &&
	evalcsv mixed.csv >out && test_cmp expect out &&
	awk -F, "NR == 1 { s = \$2 } NR == 2 { print s \",\" \$6 \",0.5\" }" test-items.csv >>mixed.csv &&
	test_expect_code 1 evalcsv mixed.csv >/dev/null 2>err &&
	test_grep "mixed.csv.: line 1202: sha256 .* and path .* name different images" err &&
	{ echo sha256,path,score; awk -F, -v OFS=, "$H { print \$2, \$6, h(\$2) }" test-items.csv; } >agree.csv &&
	evalcsv agree.csv >out && test_cmp expect out
'

test_expect_success 'a set column may name the set or its section; another name is a bad row listing the sets; bad rows are listed in line order' '
	{ echo sha256,score,set; awk -F, -v OFS=, "$H { print \$2, h(\$2), \$1 }" test-items.csv; } >set-full.csv &&
	sed "2,\$s|,test/\([^,]*\)\$|,\1|" set-full.csv >set-short.csv &&
	! grep -q ",test/" set-short.csv &&
	evalcsv rand.csv >expect && evalcsv set-full.csv >out && test_cmp expect out &&
	evalcsv set-short.csv >out && test_cmp expect out &&
	sed "2s|,[^,]*\$|,nope|" set-short.csv >set-bad.csv &&
	test_expect_code 1 evalcsv set-bad.csv 2>err &&
	test_grep "set-bad.csv.: line 2: set .nope. is not a set this task scores (test/midjourney, test/sd14, " err &&
	sed "3s|,[^,]*,\([^,]*\)\$|,abc,\1|" set-bad.csv >order.csv &&
	for i in $(seq 30); do sed -n 2p set-bad.csv; done >>order.csv &&
	for i in $(seq 30); do sed -n 3p order.csv; done >>order.csv &&
	test_expect_code 1 evalcsv order.csv 2>err &&
	grep -o "line [0-9]*:" err | head -20 | sed "s/[^0-9]//g" | paste -sd" " >got &&
	echo 2 3 $(seq 62 79) >want && test_cmp want got &&
	test_grep "^gicat: eval: ... and 42 more bad rows$" err
'

test_expect_success 'a set column that disagrees with the set of an export path is a bad row' '
	f=$(cd exp && find test/adm -type f | head -1) &&
	printf "path,score,set\n%s,0.5,sd14\n%s,0.5,adm\n" "$f" "$f" >mis.csv &&
	test_expect_code 1 evalcsv mis.csv --allow-missing >out 2>err &&
	test_grep "^gicat: eval: .mis.csv.: line 2: set .sd14., but .$f. is in set .test/adm.$" err &&
	! grep "line 3" err
'

test_expect_success 'a row whose sha256 and path name different images is a bad row; a path of the trainer is fine' '
	pred both.csv sha256,path,score "\$2, \$6, h(\$2)" &&
	evalcsv rand.csv >expect && evalcsv both.csv >out && test_cmp expect out &&
	pred mine.csv sha256,path,score "\$2, \"/home/me/\" NR \".png\", h(\$2)" &&
	evalcsv mine.csv >out && test_cmp expect out &&
	awk -F, -v OFS=, "NR == 2 { t = \$2 } NR == 3 { \$2 = t } { print }" both.csv >swap.csv &&
	test_expect_code 1 evalcsv swap.csv 2>err &&
	test_grep "swap.csv.: line 3: sha256 .* and path .* name different images" err
'

test_expect_success 'pred 1.0 and 0.0 in CSV are fake and real, as in JSONL; blanks around a pred or score, quoted or not, are none' '
	pred p10.csv sha256,pred "\$2, (\$3 == \"fake\" ? \"1.0\" : \"0.0\")" &&
	pred p1.csv sha256,pred "\$2, (\$3 == \"fake\" ? 1 : 0)" &&
	evalcsv p1.csv >expect && evalcsv p10.csv >out && test_cmp expect out &&
	for q in "" "\""; do
		sed "2,\$s/,\(.*\)\$/,$q \1 $q/" p1.csv >spaced.csv &&
		test_grep ",$q 1 $q\$" spaced.csv &&
		evalcsv spaced.csv >out && test_cmp expect out || return 1
	done &&
	sed "2,\$s/,\(.*\)\$/,\" \1 \"/" rand.csv >qscore.csv &&
	test_grep ",\" 0\.[0-9]* \"$" qscore.csv &&
	evalcsv rand.csv >expect && evalcsv qscore.csv >out && test_cmp expect out
'

test_expect_success 'exported paths of a copy of the task (another description) are found; nothing scored is exit 1' '
	gicat split $TASK --out exp2 2>/dev/null &&
	sed "s/^description = .*/description = my copy/" "$TOP/tasks/$TASK.ini" >copy.ini &&
	{ echo path,score; (cd exp2 && find test -type f) |
	  awk -F/ -v OFS=, "$H { print \"exp2/\" \$0, h(\$NF) }"; } >copy.csv &&
	gicat eval copy.ini --format csv --predictions copy.csv >out 2>err &&
	evalcsv rand.csv >expect && test_cmp expect out &&
	printf "path,score\nnot/here.png,0.5\n" >none.csv &&
	test_expect_code 1 gicat eval copy.ini --predictions none.csv --allow-missing 2>err &&
	test_grep "no prediction names an image of the task: nothing scored" err &&
	gicat init nocat 2>/dev/null &&
	test_expect_code 1 gicat --catalog nocat eval copy.ini --predictions none.csv 2>err &&
	test_grep "^gicat: eval: the scored sets of .* hold no image in this catalog: nothing scored (is --catalog the one the task was split from?)$" err &&
	! grep "has no image" err
'

test_expect_success 'a path in a set the task does not score is ignored; unknown paths too' '
	f=$(cd exp && find train -type f | head -1) &&
	{ cat rel.csv; echo "$f,0.5"; echo "nowhere/x.png,0.5"; } >more.csv &&
	evalcsv more.csv >out 2>err && test_cmp expect out &&
	test_grep "in set .train., which is not scored" err &&
	test_grep "path .nowhere/x.png. is neither a file an export of this task wrote nor an entry.s path" err
'

test_expect_success 'predictions for another task'"'"'s split are said to be so' '
	printf "[task]\nname = other\n[test t]\nselect = split = train and generator = adm\n" >other.ini &&
	gicat split other.ini --out exp3 2>/dev/null &&
	{ echo path,score; (cd exp3 && find test -type f -name "*.png") |
	  sed "s|^|exp3/|; s|$|,0.9|"; } >other.csv &&
	n=$(($(wc -l <other.csv) - 1)) && test $n -gt 0 &&
	test_expect_code 1 gicat eval $TASK --predictions other.csv 2>err &&
	test_grep "^gicat: eval: .other.csv.: no prediction names an image of the task: $n rows name files of other.s split in $TRASH/exp3 (materialization #[0-9]*): are they predictions for that task?$" err &&
	{ cat rel.csv; sed -n 2p other.csv; } >mixed.csv &&
	evalcsv mixed.csv >out 2>err && test_cmp expect out &&
	test_grep "line $(wc -l <mixed.csv): path .exp3/test/t/.*png. is a file of other.s split (materialization #[0-9]*), and no image of the scored sets$" err
'

# origs ITEMS KEY: a prediction (0.9 fake, 0.1 real) for each test row of a
# task's items, naming its original by KEY (path or sha256).
origs() {
	awk -F, -v OFS=, -v k=$2 "BEGIN { print k \",score\" } \$1 ~ /^test\\// {
		print (k == \"path\" ? \$6 : \$2), \$3 == \"fake\" ? 0.9 : 0.1 }" "$1"
}

test_expect_success 'original paths of degraded images are ignored, as their sha256 are' '
	gicat task show --items genimage/degraded 2>/dev/null >deg.csv &&
	origs deg.csv path >deg-path.csv && origs deg.csv sha256 >deg-sha.csv &&
	test_expect_code 1 gicat eval genimage/degraded --predictions deg-path.csv >out 2>err &&
	test_must_fail test -s out &&
	test_grep "^gicat: eval: ignored: .deg-path.csv.: line 2: path .genimage/[^ ]*. names the original of a degraded image" err &&
	! grep -e "names several" -e "cannot be used" err &&
	test_expect_code 1 gicat eval genimage/degraded --predictions deg-sha.csv 2>sha-err &&
	grep -v ": ignored: " sha-err | sed "s/deg-sha/deg-path/" >expect &&
	grep -v ": ignored: " err >got && test_cmp expect got &&
	test_grep "ignored $(($(wc -l <deg-path.csv) - 1)) rows that name the original of a degraded image" got
'

test_expect_success 'an original path is its image where a set scores it undegraded' '
	printf "[task]\nname = mixed\n[test plain]\nselect = subset = sd14 and split = val\n[test jpeg]\nselect = subset = sd14 and split = val\ndegrade = jpeg(quality=30)\n" >mixed.ini &&
	gicat task show --items mixed.ini 2>/dev/null >mixed.csv &&
	origs mixed.csv path >mixed-path.csv && origs mixed.csv sha256 >mixed-sha.csv &&
	gicat eval mixed.ini --allow-missing --format csv --predictions mixed-sha.csv >expect 2>/dev/null &&
	gicat eval mixed.ini --allow-missing --format csv --predictions mixed-path.csv >out 2>err &&
	test_cmp expect out && test_grep "^test/plain,[1-9][0-9]*,1.0,1.0,1.0,1.0$" out &&
	! grep "ignored" err
'

test_expect_success 'AP and accuracies are scikit-learn'"'"'s to the last digit, ties and all' '
	$PY -c "import sklearn" 2>/dev/null || { echo "no python3-sklearn"; exit 1; }
	evalcsv rand.csv >ours &&
	$PY - rand.csv test-items.csv ours <<-\EOF
	import csv, sys
	from sklearn.metrics import average_precision_score, accuracy_score
	score = {r["sha256"]: float(r["score"]) for r in csv.DictReader(open(sys.argv[1]))}
	sets = {}
	for row in csv.reader(open(sys.argv[2])):
	    sets.setdefault(row[0], []).append((row[2] == "fake", score[row[1]]))
	ours = {r["set"]: r for r in csv.DictReader(open(sys.argv[3]))}
	for name, v in sets.items():
	    y = [int(f) for f, _ in v]; s = [x for _, x in v]
	    ap = average_precision_score(y, s)
	    acc = accuracy_score(y, [int(x >= 0.5) for x in s])
	    got = ours[name]
	    assert got["ap"] == repr(ap), (name, got["ap"], ap)
	    assert float(got["acc"]) == acc, (name, got["acc"], acc)
	    print(name, ap, acc)
	assert len(sets) == 8
	EOF
'

cat >val.ini <<'INI'
[task]
name = small
[train]
select = dataset = genimage and subset = adm and split = train
[val]
select = dataset = genimage and subset = adm and split = val
INI

test_expect_success 'a scored set with no image is warned of: n 0, left out of avg' '
	printf "[task]\n[train]\nselect = subset = sd14 and split = train\n[test sd14]\nselect = subset = sd14 and split = val\n[test none]\nselect = subset = nosuch\n" >empty.ini &&
	gicat task show --items empty.ini 2>/dev/null | awk -F, "NR > 1 && \$1 ~ /^test/ {print \$2 \",\" (\$3 == \"fake\" ? 0.9 : 0.1)}" |
		sed "1i sha256,score" >empty.csv &&
	gicat eval empty.ini --predictions empty.csv --format csv >out 2>err &&
	test_grep "^gicat: eval: warning: .empty.csv.: set .test/none. has no image: scored as n 0, and left out of avg$" err &&
	test_grep "^test/none,0,,,,$" out
'

test_expect_success 'a task without test sets is scored on val; trained on its generator' '
	gicat task show --items val.ini | awk -F, -v OFS=, "NR == 1 { print \"sha256,pred\" }
		\$1 == \"val\" { print \$2, \$3 }" >val.csv &&
	gicat eval val.ini --predictions val.csv --format json >v.json &&
	$PY -c "
import json
v = json.load(open(\"v.json\"))
assert [s[\"set\"] for s in v[\"sets\"]] == [\"val\"], v
assert v[\"trained_on\"] == \"adm\" and v[\"avg\"][\"acc\"] == 1.0, v
"
'

test_expect_success 'the test share of a [split] section is scored (val is not, when there is a test)' '
	printf "[task]\nname = sp\n[split]\nselect = dataset = genimage\nratios = train:0.8, val:0.1, test:0.1\n" >sp.ini &&
	gicat task show --items sp.ini | awk -F, -v OFS=, "NR == 1 { print \"sha256,pred\" }
		\$1 == \"test\" { print \$2, \$3 }" >sp.csv &&
	test "$(wc -l <sp.csv)" -gt 1 &&
	gicat eval sp.ini --predictions sp.csv --format csv >out &&
	test "$(cut -d, -f1 out | tr "\n" " ")" = "set test avg " &&
	test_grep "^test,$(($(wc -l <sp.csv) - 1)),1.0,1.0,1.0,1.0$" out &&
	printf "[task]\nname = spadm\n[split]\nselect = dataset = genimage and subset = adm\nratios = train:0.5, test:0.5\n" >spadm.ini &&
	gicat task show --items spadm.ini | awk -F, -v OFS=, "NR == 1 { print \"sha256,pred\" }
		\$1 == \"test\" { print \$2, \$3 }" >spadm.csv &&
	gicat eval spadm.ini --predictions spadm.csv --format json >spadm.json &&
	$PY -c "
import json
v = json.load(open(\"spadm.json\"))
assert v[\"trained_on\"] == \"adm\", v[\"trained_on\"]
"
'

test_expect_success 'eval neither reads nor degrades val beside test sets, nor a set named test-like' '
	printf "[task]\nname = tv\n[train]\nselect = subset = sd14 and split = train\n[val]\nselect = subset = sd15 and split = val\ndegrade = jpeg(quality=41)\n[set testing]\nselect = subset = glide and split = val\ndegrade = jpeg(quality=42)\n[test adm]\nselect = subset = adm and split = val\n" >tv.ini &&
	gicat eval tv.ini --predictions val.csv --format csv >out 2>err &&
	! grep "degraded images" err &&
	test "$(cut -d, -f1 out | tr "\n" " ")" = "set test/adm avg "
'

test_expect_success 'eval reads no train set, but still refuses a bad select in it' '
	printf "[task]\nname = bad\n[train]\nselect = generator = = adm\n[test adm]\nselect = generator = adm and split = val\n" >badtrain.ini &&
	test_expect_code 2 gicat eval badtrain.ini --predictions val.csv 2>err &&
	test_grep "badtrain.ini:4: select: " err
'

test_expect_success 'images without a label are not scored, and eval says so' '
	mkdir flat && cp "$(find data/genimage -name "*.png" | sort | head -1)" flat/a.png &&
	gicat ingest --layout flat --dataset nolabel flat 2>/dev/null &&
	printf "[task]\nname = nolabel\n[test a]\nselect = dataset = nolabel\n" >nolabel.ini &&
	gicat task show --items nolabel.ini | awk -F, -v OFS=, "NR == 1 { print \"sha256,score\" }
		NR > 1 { print \$2, 0.5 }" >nl.csv &&
	test "$(wc -l <nl.csv)" -eq 2 &&
	gicat eval nolabel.ini --predictions nl.csv --format csv >out 2>err &&
	test_grep "1 image of the scored sets has no label (real or fake) and was not scored" err &&
	test_grep "^test/a,0,,,,$" out
'

test_expect_success 'a path that names different images in two datasets is a bad row' '
	mkdir -p two/flat && cp "$(find data/genimage -name "*.png" | sort | sed -n 2p)" two/flat/a.png &&
	(cd two && gicat ingest --layout flat --dataset nolabel2 flat 2>/dev/null) &&
	printf "[task]\nname = two\n[test a]\nselect = dataset = nolabel or dataset = nolabel2\n" >two.ini &&
	printf "path,score\nflat/a.png,0.5\n" >two.csv &&
	test_expect_code 1 gicat eval two.ini --predictions two.csv 2>err &&
	test_grep "two.csv.: line 2: path .flat/a.png. names several images (in different datasets)$" err
'

test_expect_success 'usage errors exit 2' '
	printf "genimage/cross-sd14\trand.csv\n" >runs.tsv &&
	test_expect_code 2 gicat eval $TASK 2>err &&
	test_grep "^gicat: eval: --predictions FILE is required (CSV or JSONL: sha256 or path, and score or pred)$" err &&
	test_expect_code 2 gicat eval --predictions rand.csv 2>err && test_grep "expected TASK --predictions FILE" err &&
	test_expect_code 2 gicat eval rand.csv $TASK 2>err &&
	test_grep "^gicat: eval: the predictions file goes after --predictions: gicat eval $TASK --predictions rand.csv$" err &&
	test_expect_code 2 gicat eval $TASK rand.csv 2>err &&
	test_grep "gicat eval $TASK --predictions rand.csv$" err &&
	test_expect_code 2 gicat eval $TASK --predictions rand.csv --threshold 1.5 2>err &&
	test_expect_code 2 gicat eval $TASK --predictions rand.csv --threshold x 2>err &&
	test_expect_code 2 gicat eval $TASK --predictions rand.csv --threshold 0x1p-1 2>err &&
	test_grep "^gicat: eval: --threshold takes a number in \[0, 1\], not .0x1p-1.$" err &&
	test_expect_code 2 gicat eval $TASK --predictions rand.csv --format xml 2>err &&
	gicat eval --matrix -h >out && test_grep "^usage: gicat eval" out &&
	test_expect_code 2 gicat eval --matrix runs.tsv --predictions rand.csv 2>err &&
	test_expect_code 2 gicat eval --matrix runs.tsv --metric roc 2>err &&
	test_grep "^gicat: eval: --metric is acc, real_acc, fake_acc or ap, not .roc.$" err &&
	test_expect_code 2 gicat eval --matrix runs.tsv --metric AP 2>err &&
	test_grep "^gicat: eval: --metric is acc, real_acc, fake_acc or ap, not .AP.; did you mean .ap.?$" err &&
	test_expect_code 2 gicat eval $TASK --predictions rand.csv --predictions perfect.csv 2>err &&
	test_grep "predictions given twice" err &&
	test_expect_code 2 gicat eval $TASK --predictions rand.csv --metric ap 2>err &&
	test_grep "metric is for --matrix" err &&
	test_expect_code 2 gicat task list --format csv 2>err &&
	test_expect_code 2 gicat eval $TASK --predictions nope.csv 2>err &&
	test_grep "^gicat: eval: .nope.csv.: cannot open" err &&
	printf "[task]\nname = blur7\n[test a]\nselect = subset = sd15 and split = val\ndegrade = blur(sigma=7)\n" >blur7.ini &&
	test_expect_code 2 gicat eval blur7.ini --predictions nope.csv 2>err &&
	test "$(cat err)" = "gicat: eval: ${SQ}nope.csv${SQ}: cannot open: No such file or directory" &&
	printf "blur7.ini\tnope.csv\n" >blur7.tsv &&
	test_expect_code 2 gicat eval --matrix blur7.tsv 2>err &&
	! grep -q "degraded images" err &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM derivations WHERE ops LIKE ${SQ}blur(sigma=7%${SQ}")" = 0 &&
	test_expect_code 2 gicat eval no-such-task --predictions rand.csv 2>err &&
	test_expect_code 2 gicat eval $TASK --predictions rand.csv --html cat/.gicat/catalog.db 2>err &&
	test_grep "^gicat: eval: .cat/.gicat/catalog.db.: inside the catalog" err &&
	test_expect_code 2 gicat eval --matrix runs.tsv --html cat/.gicat/m.html 2>err &&
	test_grep ": inside the catalog" err && ! test -e cat/.gicat/m.html &&
	gicat query --count >/dev/null
'

test_expect_success 'a bad predictions file is the subject of the error, named once' '
	: >empty.csv &&
	test_expect_code 2 gicat eval $TASK --predictions empty.csv 2>err &&
	test "$(cat err)" = "gicat: eval: '"'"'empty.csv'"'"': empty: no header row" &&
	printf "sha256,score\r\n\r\n" >header.csv &&
	test_expect_code 2 gicat eval $TASK --predictions header.csv 2>err &&
	test "$(cat err)" = "gicat: eval: '"'"'header.csv'"'"': a header and no rows: no predictions" &&
	printf "name,score\nx,1\n" >nokey.csv &&
	test_expect_code 2 gicat eval $TASK --predictions nokey.csv 2>err &&
	test "$(cat err)" = "gicat: eval: '"'"'nokey.csv'"'"': line 1: the header names no sha256 or path column (it has: name, score)" &&
	printf "sha256,\"score\nx,1\n" >openq.csv &&
	test_expect_code 2 gicat eval $TASK --predictions openq.csv 2>err &&
	test "$(cat err)" = "gicat: eval: ${SQ}openq.csv${SQ}: line 1: the header: a quote is not closed where its field ends" &&
	printf "[{\"sha256\": \"%s\", \"score\": 0.5},\n {\"path\": \"x\", \"score\": 1}]\n" "$(cut -d, -f2 test-items.csv | head -1)" >array.json &&
	test_expect_code 2 gicat eval $TASK --predictions array.json 2>err &&
	test "$(cat err)" = "gicat: eval: ${SQ}array.json${SQ}: a JSON array: eval reads JSONL, one JSON object a line" &&
	for a in "[0.9, 0.1]" "[-0.5]" "[\"abc\"]" "[[1]]"; do
		echo "$a" >arr.json &&
		test_expect_code 2 gicat eval $TASK --predictions arr.json 2>err &&
		test "$(cat err)" = "gicat: eval: ${SQ}arr.json${SQ}: a JSON array: eval reads JSONL, one JSON object a line" || return 1
	done &&
	printf "[task]\nname = swapped\n" >swapped.ini &&
	test_expect_code 2 gicat eval $TASK --predictions swapped.ini 2>err &&
	test "$(cat err)" = "gicat: eval: ${SQ}swapped.ini${SQ}: a [section] on its first line, as in a task file: predictions are CSV or JSONL (gicat eval TASK --predictions FILE)" &&
	cp "$TOP/tasks/genimage/cross-sd14.ini" commented.ini &&
	line=$(grep -n "^\[" commented.ini | head -1 | cut -d: -f1) &&
	test_expect_code 2 gicat eval $TASK --predictions commented.ini 2>err &&
	test "$(cat err)" = "gicat: eval: ${SQ}commented.ini${SQ}: line $line: a [section] after comment lines, as in a task file: predictions are CSV or JSONL (gicat eval TASK --predictions FILE)" &&
	printf "[task]\nname = notest\n[train]\nselect = subset = adm\n" >notest.ini &&
	test_expect_code 2 gicat eval notest.ini --predictions rand.csv 2>err &&
	test_grep "^gicat: eval: .notest.ini.: task .notest. has no test set" err &&
	printf "genimage/cross-sd14\tempty.csv\n" >e.tsv &&
	test_expect_code 2 gicat eval --matrix e.tsv 2>err &&
	test "$(cat err)" = "gicat: eval --matrix: ${SQ}e.tsv${SQ}: line 1: ${SQ}empty.csv${SQ}: empty: no header row"
'

test_done
