#!/bin/sh
# export of ad-hoc subsets (sampling, an empty selection, a bad EXPR); the
# warnings of split and export, and --strict; unlabelled images; --names
# original and every naming case (unsafe, clashing, alike but for case,
# device names, not UTF-8, the extension); the manifest's CSV and JSON of
# odd names and generators.
. "$(dirname "$0")/lib.sh"

fixture_catalog
TASK=genimage/cross-sd14

test_expect_success 'export writes an ad-hoc subset as one set' '
	gicat export "generator = adm and class in 0..499" --out ex 2>err &&
	test "$(find ex/export -type f | wc -l)" -eq "$(gicat query --count "generator = adm and class in 0..499")" &&
	test_grep "^\\[set export\\]" ex/task.ini &&
	test_grep "^select = generator = adm and class in 0..499" ex/task.ini
'

test_expect_success 'a set of one label keeps the other label directory, empty: ImageFolder numbers labels as labels.json does' '
	gicat export "generator = adm" --out one-fk 2>err &&
	test -d one-fk/export/0_real && test -z "$(ls one-fk/export/0_real)" &&
	test "$(ls one-fk/export/1_fake | wc -l)" -eq "$(gicat query --count "generator = adm")" &&
	test_grep "^; export: $(gicat query --count "generator = adm") images (0 real, $(gicat query --count "generator = adm") fake)$" one-fk/task.ini &&
	gicat export "label = real and subset = adm" --format genimage --out one-rl 2>err &&
	test -d one-rl/export/ai && test -z "$(ls one-rl/export/ai)" && test -n "$(ls one-rl/export/nature)" &&
	gicat split --check one-fk >out && gicat split --check one-rl >out &&
	$PY -c "
import os
for out, want in ((\"one-fk\", [\"0_real\", \"1_fake\"]), (\"one-rl\", [\"ai\", \"nature\"])):
    found = sorted(e.name for e in os.scandir(out + \"/export\") if e.is_dir())
    assert found == want, (out, found)  # what ImageFolder numbers 0 and 1
" &&
	gicat export "generator = adm" --format hf --out one-fk-hf 2>err &&
	test -z "$(find one-fk-hf -mindepth 2 -type d)" &&
	rmdir one-rl/export/ai && test_expect_code 1 gicat split --check one-rl >out 2>err &&
	test "$(cat err)" = "gicat: split --check: ${SQ}one-rl/export/ai/${SQ}: missing: the empty directory of the other label (without it ImageFolder numbers this set${SQ}s one label 0; make it, or split --force again)" &&
	f=$(ls one-rl/export/nature | head -1) && mkdir one-rl/aaa one-rl/export/zz &&
	mv one-rl/export/nature/$f one-rl/export/nature/x-$f &&
	test_expect_code 1 gicat split --check one-rl >out 2>err &&
	sed "s/^gicat: split --check: .\(one-rl\/[^${SQ}]*\).*/\1/" err >got &&
	printf "%s\n" one-rl/aaa/ one-rl/export/ai/ one-rl/export/nature/$f \
		one-rl/export/nature/x-$f one-rl/export/zz/ >want &&
	test_cmp want got &&
	rmdir one-rl/aaa one-rl/export/zz && mv one-rl/export/nature/x-$f one-rl/export/nature/$f &&
	mkdir one-rl/export/ai && gicat split --check one-rl >out &&
	gicat export "generator = adm or subset = sd14" --out two 2>/dev/null &&
	n=$(ls two/export/0_real | wc -l) && rm -r two/export/0_real &&
	test_expect_code 1 gicat split --check two >out 2>err &&
	test "$(grep -c ": missing$" err)" -eq "$n" && ! grep -q "empty directory" err &&
	test_grep " $n drifts" out &&
	printf "[task]\n[test ai]\nselect = generator = adm\n" >setai.ini &&
	gicat split setai.ini --format hf --out one-ai-hf 2>/dev/null &&
	gicat split --check one-ai-hf >out && test_grep " 0 drifts" out &&
	gicat export "subset = biggan" --out one-fk --force 2>err &&
	! grep "empty director" err && gicat split --check one-fk >out &&
	gicat export "generator = adm" --out one-fk-inner 2>err &&
	gicat export "label = fake and subset = sd14" --out one-fk-inner --force --format genimage 2>err &&
	! grep "empty director" err && test ! -e one-fk-inner/export/0_real &&
	test -d one-fk-inner/export/nature &&
	# not inside another export, which it would change
	test_expect_code 2 gicat export "generator = adm" --out one-fk/inner 2>err &&
	test "$(cat err)" = "gicat: export: ${SQ}one-fk/inner${SQ}: inside ${SQ}$TRASH/one-fk${SQ}, an export by this catalog: writing here would change it (split --check would fail); write exports beside it" &&
	test_expect_code 2 gicat split $TASK --out one-fk/export/deeper 2>err &&
	test_grep "inside .$TRASH/one-fk., an export by this catalog" err &&
	! test -e one-fk/inner && gicat split --check one-fk >out && test_grep " 0 drifts" out &&
	# nor around one, whose files it would take among its own
	mkdir holder && gicat split $TASK --out holder/inner 2>/dev/null &&
	test_expect_code 2 gicat export "generator = adm" --out holder --force 2>err &&
	test "$(cat err)" = "gicat: export: ${SQ}holder${SQ}: holds ${SQ}$TRASH/holder/inner${SQ}, a split of genimage/cross-sd14 by this catalog: writing here would take its files among these (split --check would fail); write exports beside it" &&
	gicat split --check holder/inner >out && test_grep " 0 drifts" out
'

test_expect_success 'an image without a label is exported as unlabelled in every layout, never as real' '
	mkdir -p nolabel && cp "$SHARED/data/pngsuite/basn2c08.png" "nolabel/a b.png" &&
	gicat ingest --dataset nolabel nolabel 2>/dev/null &&
	for f in imagefolder genimage; do
		gicat export "dataset = nolabel" --format $f --out nl-$f 2>/dev/null &&
		test "$(cd nl-$f/export && find . -type f)" = "./unlabelled/$(ls nl-$f/export/unlabelled)" || return 1
	done &&
	gicat export "dataset = nolabel" --format hf --out nl-hf 2>/dev/null &&
	test_grep "\"label\": *-1" nl-hf/export/metadata.jsonl
'

test_expect_success 'an image without a label: its label is null in manifest JSONL and webdataset JSON, as query says' '
	gicat export "dataset = nolabel" --format webdataset --out nl-wds 2>/dev/null &&
	gicat export "dataset = nolabel" --format manifest --out nl-man 2>/dev/null &&
	gicat query --format jsonl "dataset = nolabel" >q.jsonl &&
	$PY -c "
import json, tarfile
q = json.loads(open(\"q.jsonl\").readline())
assert q[\"label\"] is None, q
t = tarfile.open(\"nl-wds/export-000000.tar\")
j = json.load(t.extractfile([n for n in t.getnames() if n.endswith(\".json\")][0]))
assert (j[\"label\"], j[\"label_name\"]) == (-1, None), j
m = json.loads(open(\"nl-man/export.jsonl\").readline())
assert m[\"label\"] is None, m
"
'

test_expect_success 'unlabelled images beside labelled ones: export and task check warn of the third class' '
	gicat init ul 2>/dev/null && mkdir -p ulsrc &&
	cp "$SHARED/data/pngsuite/basn0g08.png" "$SHARED/data/pngsuite/basn2c08.png" ulsrc/ &&
	gicat --catalog ul ingest --layout flat ulsrc 2>/dev/null &&
	gicat --catalog ul ingest --label fake --dataset f "$SHARED/data/pngsuite/basn3p08.png" 2>/dev/null &&
	gicat --catalog ul export "" --out ul-out 2>err &&
	test_grep "^gicat: export: warning: 2 of the 3 images have no label (real or fake): written to export/unlabelled/, which ImageFolder reads as a third class$" err &&
	test "$(ls ul-out/export/unlabelled | wc -l)" = 2 &&
	test "$(cat ul-out/labels.json)" = "{\"0\":\"real\",\"1\":\"fake\",\"2\":\"unlabelled\",\"real_dir\":\"0_real\",\"fake_dir\":\"1_fake\",\"unlabelled_dir\":\"unlabelled\"}" &&
	$PY -c "import os; assert sorted(os.listdir(\"ul-out/export\")) == [\"0_real\", \"1_fake\", \"unlabelled\"]" &&
	gicat --catalog ul export "" --format hf --out ul-hf 2>err &&
	! grep -q "third class" err &&
	test "$(cat ul-hf/labels.json)" = "{\"0\":\"real\",\"1\":\"fake\",\"-1\":\"unlabelled\"}" &&
	printf "[task]\nname = u\n[test x]\nselect = path ~ ${SQ}*${SQ}\n" >ul.ini &&
	gicat --catalog ul task check ul.ini 2>err &&
	test_grep "set .test/x.: 2 images have no label (real or fake): written to unlabelled/, which ImageFolder reads as a third class; eval scores none of them" err
'

test_expect_success 'export samples as a task set does: --fraction, --max-per-class, --balance, --seed' '
	all=$(gicat query --count "subset = sd14") &&
	gicat export "subset = sd14" --fraction 0.5 --out smp-half 2>/dev/null &&
	n=$(find smp-half/export -type f | wc -l) &&
	test "$n" -ge $((all / 2 - 1)) && test "$n" -le $((all / 2 + 1)) &&
	test_grep "^fraction = 0.5$" smp-half/task.ini && test_grep "^seed = 0$" smp-half/task.ini &&
	gicat export "subset = sd14" --fraction 0.5 --out smp-half2 2>/dev/null &&
	cmp smp-half/MANIFEST.sha256 smp-half2/MANIFEST.sha256 &&
	gicat export "subset = sd14" --fraction 0.5 --seed 7 --out smp-half7 2>/dev/null &&
	test_grep "^seed = 7$" smp-half7/task.ini &&
	! cmp -s smp-half/MANIFEST.sha256 smp-half7/MANIFEST.sha256 &&
	gicat export "subset = sd14" --max-per-class 1 --balance label --out smp-one 2>/dev/null &&
	test "$(find smp-one/export/0_real -type f | wc -l)" -eq "$(find smp-one/export/1_fake -type f | wc -l)" &&
	test_grep "^balance = label$" smp-one/task.ini &&
	test_expect_code 2 gicat export --fraction 0 --out x 2>err && test_grep "fraction" err &&
	test_expect_code 2 gicat export --fraction 1.5 --out x 2>err &&
	test_expect_code 2 gicat export --max-per-class 0 --out x 2>err &&
	for o in "balance class:can only be .label., not .class.$" \
		"balance Label:can only be .label., not .Label.; did you mean .label.?$" \
		"names orignal:is hash or original, not .orignal.; did you mean .original.?$"; do
		set -- ${o%%:*} &&
		test_expect_code 2 gicat export --$1 $2 --out x 2>err &&
		test_grep "^gicat: export: --$1 ${o#*:}" err || return 1
	done &&
	test_expect_code 2 gicat export --seed x --out x 2>err && ! test -e x &&
	gicat export "subset = sd14" --fraction 0.5 --seed -3 --out smp-neg 2>/dev/null &&
	test_grep "^seed = -3$" smp-neg/task.ini &&
	test_expect_code 2 gicat export --shard-size 5 --out x 2>err &&
	test_grep "^gicat: export: --shard-size is for --format webdataset, not imagefolder$" err &&
	test_expect_code 2 gicat split $TASK --format hf --shard-size 5 --out x 2>err &&
	test_grep "not hf" err && ! test -e x &&
	for n in 0 -1 10000001 1x "" 1k; do  # 0 is no size (it was taken as the default, 1000)
		test_expect_code 2 gicat split $TASK --format webdataset --shard-size "$n" --out x 2>err &&
		test_grep "^gicat: split: --shard-size takes 1..10000000, not .$n.$" err || return 1
	done &&
	test_expect_code 2 gicat export --max-per-class 1k --out x 2>err &&
	test_grep "^gicat: export: --max-per-class takes 1..1000000000, not .1k.$" err &&
	test_expect_code 2 gicat split $TASK --jobs 1k --out x 2>err &&
	test_grep "^gicat: split: --jobs takes 1..64, not .1k.$" err && ! test -e x &&
	test_expect_code 2 gicat split $TASK --format webdataset --names original --out x 2>err &&
	test_grep "^gicat: split: --names is for the formats that place image files (imagefolder, genimage, hf), not webdataset$" err &&
	test_expect_code 2 gicat export --format manifest --mode symlink --out x 2>err &&
	test_grep "^gicat: export: --mode is for the formats that place image files (imagefolder, genimage, hf), not manifest$" err &&
	! test -e x
'

test_expect_success 'export of an empty selection warns, as split does, and writes nothing (exit 2)' '
	test_expect_code 2 gicat export "generator = adm and class in 990..999" --out none 2>err &&
	test_grep "^gicat: export: warning: .generator = adm and class in 990..999.: no image matches: set .export. is empty$" err &&
	test_grep "^gicat: export: .none.: every set is empty: nothing to write$" err &&
	! test -e none &&
	gicat export "generator = adm" --out some 2>err &&
	! grep warning err &&
	n=$(gicat query --format csv --fields sha256 "label = fake" | tail -n +2 | sort -u | wc -l) &&
	test_expect_code 2 gicat export --balance label "label = fake" --out onelabel 2>err &&
	test_grep "^gicat: export: warning: .label = fake.: $n images match, none is left after sampling (--balance label needs both labels): set .export. is empty$" err &&
	all=$(gicat query --format csv --fields sha256 | tail -n +2 | sort -u | wc -l) &&
	test_expect_code 2 gicat export --fraction 0.000001 --out tiny 2>err &&
	test_grep "^gicat: export: warning: $all images match, none is left after sampling: set .export. is empty$" err
'

test_expect_success 'a bad EXPR of export is shown with a caret, like query shows it' '
	test_expect_code 2 gicat export "generator = adm and genrator = x" --out bad 2>err &&
	test_grep "^gicat: export: unknown field .genrator." err &&
	test_grep "^  generator = adm and genrator = x$" err &&
	test_grep "^                      ^$" err &&
	! grep "export:[0-9]" err && ! test -e bad
'

test_expect_success 'split warns about empty sets like task check, and still exits 0' '
	gicat split genimage/unbiased-sd14 --out ub 2>err &&
	test_grep "^split: [1-9][0-9]* images\? in 1 set, " err &&
	test_grep "^gicat: split: warning: genimage/unbiased-sd14:[0-9]*: set .train. is empty: its select finds fake images and no real one (1 real one fails only .jpeg_quality = 96., 2 only .short_side in 450..550.), and balance = label keeps as many fakes as reals$" err &&
	gicat task check genimage/unbiased-sd14 2>&1 >/dev/null | grep "is empty" |
		sed "s/^gicat: task: /gicat: split: /" >want &&
	grep "is empty" err >got && test_cmp want got
'

test_expect_success 'an empty set writes nothing in any layout (hf: no metadata.jsonl alone; no empty shard index or manifest)' '
	for f in imagefolder genimage hf; do
		gicat split genimage/unbiased-sd14 --format $f --out ub-$f 2>/dev/null &&
		test "$(ls ub-$f/test)" = sd14 && test ! -e ub-$f/train &&
		gicat split --check ub-$f >out && test_grep " 0 drifts" out || return 1
	done &&
	gicat split genimage/unbiased-sd14 --format webdataset --out ub-webdataset 2>/dev/null &&
	test "$(ls ub-webdataset/test | paste -sd" ")" = "sd14-000000.tar sd14-index.json" &&
	test ! -e ub-webdataset/train-index.json &&
	gicat split genimage/unbiased-sd14 --format manifest --out ub-manifest 2>/dev/null &&
	test "$(ls ub-manifest/test | paste -sd" ")" = "sd14.csv sd14.jsonl" &&
	test ! -e ub-manifest/train.csv &&
	for f in webdataset manifest; do
		gicat split --check ub-$f >out && test_grep " 0 drifts" out || return 1
	done
'

# Warnings of every kind; the unknown keys are found first, whatever
# their lines.
cat >leaky.ini <<'INI'
[task]
name = leaky
[train]
select = split = train
fractoin = 0.5
[test leak]
select = subset = sd14
[test empty]
select = generator = nonesuch
colour = blue
seed = 3
INI

test_expect_success 'split warns as task check does: one prefixed line each, in line order, leakage too' '
	gicat split leaky.ini --out leaky 2>err &&
	grep "^gicat: split: warning: " err >got &&
	gicat task check leaky.ini 2>&1 >/dev/null | sed "s/^gicat: task: /gicat: split: /" >want &&
	test_cmp want got &&
	sed "s/^gicat: split: warning: leaky.ini:\([0-9]*\): .*/\1/" got >lines &&
	printf "5\n6\n8\n10\n11\n" >want && test_cmp want lines &&
	test_grep "^gicat: split: warning: leaky.ini:6: set .test/leak. shares [0-9]* image pairs\{0,1\} with train (same or near duplicates: see .gicat leakcheck.)$" got &&
	test_grep "^gicat: split: warning: leaky.ini:5: unknown key .fractoin. ignored (did you mean .fraction.?)$" got &&
	! grep -v "^gicat: split: warning: \|^split: " err &&
	test -d leaky/train
'

test_expect_success 'split --strict: a warning refuses the task (exit 2), nothing written' '
	test_expect_code 2 gicat split --strict leaky.ini --out strict 2>err &&
	test "$(grep -c "^gicat: split: warning: leaky.ini:" err)" -eq 5 &&
	test_grep "^gicat: split: --strict: 5 warnings, nothing written$" err &&
	test ! -e strict &&
	printf "[task]\n[train]\nselect = subset = adm and split = train\n" >clean.ini &&
	gicat split --strict clean.ini --out clean 2>err &&
	! grep warning err && test -d clean/train &&
	test_expect_code 2 gicat split --strict --check clean 2>err &&
	test_grep "strict" err
'

test_expect_success '--names original: unsafe original names become safe names inside --out' '
	cp -a cat names-cat &&
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 4 \
		"subset = sd14 and split = train and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''genimage/x/ai/..'\'' WHERE sha256 = '\''$1'\'';
		UPDATE entries SET path = '\''genimage/x/ai/two'\'' || char(10) || '\''lines.png'\''
			WHERE sha256 = '\''$2'\'';
		UPDATE entries SET path = '\''genimage/x/ai/.hidden.png'\'' WHERE sha256 = '\''$4'\''" &&
	set -- "$@" $(gicat --catalog names-cat query --format csv --fields sha256 --limit 1 \
		"subset = vqdm and split = train and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''genimage/x/ai/back\\slash.png'\'' WHERE sha256 = '\''$5'\''" &&
	plain=$(sqlite3 $db "SELECT path FROM entries WHERE sha256 = '\''$3'\'' LIMIT 1") &&
	mkdir jail &&
	gicat --catalog names-cat export "sha256 in ($1, $2, $3, $4, $5)" --names original \
		--out jail/out 2>err &&
	{ for h in $1 $2 $4 $5; do echo "$(echo $h | cut -c1-16).png"; done
	  basename "$plain"; } | sort >want &&
	ls -A jail/out/export/1_fake >got && test_cmp want got &&
	test "$(ls jail)" = out &&
	test "$(find jail -type f ! -name MANIFEST.sha256 | wc -l)" -eq "$(wc -l <jail/out/MANIFEST.sha256)" &&
	! grep "\\\\" jail/out/MANIFEST.sha256 &&
	(cd jail/out && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original: a name taken by a prefixed one makes both the full hash' '
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 3 \
		"subset = sd15 and split = train and label = fake" | tail -n +2) &&
	a=$(echo $1 | cut -c1-16) && b=$(echo $2 | cut -c1-16) &&
	sqlite3 $db "UPDATE entries SET path = '\''a/x.png'\'' WHERE sha256 = '\''$1'\'';
		UPDATE entries SET path = '\''b/x.png'\'' WHERE sha256 = '\''$2'\'';
		UPDATE entries SET path = '\''c/${a}_x.png'\'' WHERE sha256 = '\''$3'\''" &&
	gicat --catalog names-cat export "sha256 in ($1, $2, $3)" --names original \
		--out clash 2>err &&
	printf "%s\n" "$1.png" "${b}_x.png" "$3.png" | sort >want &&
	ls clash/export/1_fake >got && test_cmp want got &&
	(cd clash && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original --format hf: a real and a fake of one name share the directory, so both are prefixed' '
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 2 \
		"subset = glide and split = train and label = fake" | tail -n +2) &&
	f=$1 r=$2 &&
	sqlite3 $db "UPDATE entries SET path = '\''f/0001.png'\'' WHERE sha256 = '\''$f'\'';
		UPDATE entries SET path = '\''r/0001.png'\'', label = '\''real'\'' WHERE sha256 = '\''$r'\''" &&
	gicat --catalog names-cat export "sha256 in ($f, $r)" --names original --format hf --out hfclash 2>err &&
	printf "%s\n" "$(echo $f | cut -c1-16)_0001.png" "$(echo $r | cut -c1-16)_0001.png" \
		metadata.jsonl | sort >want &&
	ls hfclash/export >got && test_cmp want got &&
	(cd hfclash && sha256sum -c --quiet MANIFEST.sha256)
'

# named_export OUT PATH...: the first val fakes of names-cat, as many as
# PATHs, take those paths (in order; $hashes lists them) and are exported
# with --names original into OUT.
named_export() {
	out=$1 && shift &&
	hashes=$(gicat --catalog names-cat query --format csv --fields sha256 \
		--limit $# "split = val and label = fake" | tail -n +2) &&
	sql= &&
	for h in $hashes; do
		sql="$sql UPDATE entries SET path = '$1' WHERE sha256 = '$h';" &&
		shift || return 1
	done &&
	sqlite3 names-cat/.gicat/catalog.db "$sql" &&
	gicat --catalog names-cat export "sha256 in ($(echo $hashes | tr " " ,))" \
		--names original --out "$out" 2>err
}
p() { echo $1 | cut -c1-16; }

test_expect_success '--names original: names alike but for case are prefixed; names Windows refuses become hashes' '
	named_export casefold a/Photo.png b/photo.PNG "c/what?.png" d/CON.png e/dot.png. f/Lpt9.x.png &&
	set -- $hashes &&
	printf "%s\n" "$(p $1)_Photo.png" "$(p $2)_photo.png" "$(p $3).png" "$(p $4).png" \
		"$(p $5).png" "$(p $6).png" | sort >want &&
	ls casefold/export/1_fake | sort >got && test_cmp want got
'

test_expect_success '--names original --format hf: a name Hugging Face datasets would take for a split file (ILSVRC2012_val_...) becomes the hash' '
	named_export splitwords a/ILSVRC2012_val_00000955.png b/my_train.png c/x-test-1.png \
		d/contest.png e/Val_x.png f/evaluation.png g/devil.png &&
	ls splitwords/export/1_fake | sed -E "s/\.(png|jpg)$//" | sort >got &&
	printf "%s\n" ILSVRC2012_val_00000955 Val_x contest devil evaluation my_train x-test-1 >want &&
	test_cmp want got &&
	gicat --catalog names-cat export "sha256 in ($(echo $hashes | tr " " ,))" \
		--names original --format hf --out splitwords-hf 2>err &&
	ls splitwords-hf/export | grep -v "^metadata.jsonl$" |
		sed -E "s/^[0-9a-f]{16}\.(png|jpg)$/HASH/; s/\.(png|jpg)$//" | sort >got &&
	printf "%s\n" HASH HASH HASH HASH HASH contest devil >want &&
	test_cmp want got
'

test_expect_success '--names original: an extension in capitals is written in lower case, the rest of the name kept' '
	db=names-cat/.gicat/catalog.db &&
	png=$(gicat --catalog names-cat query --format csv --fields sha256 --limit 1 \
		"split = val and label = fake and format = png" | tail -n +2) &&
	jpg=$(gicat --catalog names-cat query --format csv --fields sha256 --limit 1 \
		"split = val and format = jpeg" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''a/MyPhoto.Png'\'' WHERE sha256 = '\''$png'\'';
		UPDATE entries SET path = '\''b/IMG_01.JPEG'\'' WHERE sha256 = '\''$jpg'\''" &&
	gicat --catalog names-cat export "sha256 in ($png, $jpg)" --names original \
		--format hf --out upper-ext 2>err &&
	printf "%s\n" IMG_01.jpeg MyPhoto.png metadata.jsonl >want &&
	ls upper-ext/export >got && test_cmp want got &&
	test_grep "^{.file_name.:.MyPhoto.png.," upper-ext/export/metadata.jsonl &&
	(cd upper-ext && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original: names alike but for the case of a letter beyond ASCII are prefixed too' '
	named_export casefold8 "a/$(printf "\303\204")rger.png" "b/$(printf "\303\244")rger.png" \
		"c/$(printf "\320\226").png" "d/$(printf "\320\266").png" \
		"e/$(printf "\316\243").png" "f/$(printf "\317\203").png" \
		"g/$(printf "\317\202")x.png" "h/$(printf "\316\243")X.png" \
		"i/$(printf "\317\230").png" "j/$(printf "\317\231").png" &&
	ls casefold8/export/1_fake >got &&
	test "$(grep -c "^[0-9a-f]\{16\}_" got)" = 10 &&
	(cd casefold8 && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original: the Cyrillic capitals between U+04C0 and U+04CE fold too' '
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 4 \
		"split = val and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''a/'\'' || CAST(x'\''d381'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$1'\'';
		UPDATE entries SET path = '\''b/'\'' || CAST(x'\''d382'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$2'\'';
		UPDATE entries SET path = '\''c/'\'' || CAST(x'\''d380'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$3'\'';
		UPDATE entries SET path = '\''d/'\'' || CAST(x'\''d38f'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$4'\''" &&
	gicat --catalog names-cat export "sha256 in ($1, $2, $3, $4)" --names original \
		--out casefold9 2>err &&
	ls casefold9/export/1_fake >got &&
	test "$(grep -c "^[0-9a-f]\{16\}_" got)" = 4
'

test_expect_success '--names original: device names with spaces before the dot, superscript digits or CONIN$ become hashes' '
	named_export devnames "a/CON .png" "b/nul  .x.png" "c/COM$(printf "\302\271").png" \
		"d/conin\$.png" e/CONSOLE.png &&
	set -- $hashes &&
	printf "%s\n" "$(p $1).png" "$(p $2).png" "$(p $3).png" "$(p $4).png" CONSOLE.png | sort >want &&
	ls devnames/export/1_fake | sort >got && test_cmp want got
'

test_expect_success 'sets whose names differ only in case are an error: one directory on macOS and Windows' '
	printf "[task]\nname = c\n[test Adm]\nselect = subset = adm\n[test adm]\nselect = subset = adm\n" >case.ini &&
	test_expect_code 1 gicat task check case.ini 2>err &&
	test_grep "set .test/adm. differs from set .test/Adm. only in case" err
'

test_expect_success '--names original: the extension is the written format (degraded images, a JPEG named .png)' '
	gicat split genimage/degraded --names original --out deg-names 2>err &&
	"$PY" -c "
import os, sys
bad = []
for d, _, fs in os.walk(\"deg-names\"):
    for f in fs:
        ext = f.rsplit(\".\", 1)[-1].lower()
        if ext not in (\"png\", \"jpg\", \"jpeg\"):
            continue
        head = open(os.path.join(d, f), \"rb\").read(4)
        png = head.startswith(b\"\\x89PNG\")
        if png != (ext == \"png\"):
            bad.append(os.path.join(d, f))
assert not bad, bad[:5]
" &&
	ls deg-names/test/jpeg30/1_fake | grep -q "_sdv4_.*\.jpg$" &&
	(cd deg-names && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original: a name that is not UTF-8 becomes the hash; one without an image extension gets one' '
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 2 \
		"subset = adm and split = train and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''genimage/x/ai/bad'\'' || CAST(x'\''ff'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$1'\'';
		UPDATE entries SET path = '\''genimage/x/ai/noext'\'' WHERE sha256 = '\''$2'\''" &&
	set -- "$@" $(gicat --catalog names-cat query --format csv --fields sha256 --limit 2 \
		"subset = sd14 and split = train and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''genimage/x/ai/c1'\'' || CAST(x'\''c29b'\'' AS TEXT) || '\''x.png'\'' WHERE sha256 = '\''$3'\'';
		UPDATE entries SET path = '\''genimage/x/ai/rlo'\'' || CAST(x'\''e280ae'\'' AS TEXT) || '\''gnp.exe.png'\'' WHERE sha256 = '\''$4'\''" &&
	gicat --catalog names-cat export "sha256 in ($1, $2, $3, $4)" --names original --format hf --out hfn 2>err &&
	{ for h in $1 $3 $4; do echo "$(echo $h | cut -c1-16).png"; done; echo noext.png; } | sort >want &&
	ls hfn/export >got.all && grep -v metadata.jsonl got.all >got && test_cmp want got &&
	$PY -c "
import json, os
for l in open(\"hfn/export/metadata.jsonl\", encoding=\"utf-8\"):
    assert os.path.exists(os.path.join(\"hfn/export\", json.loads(l)[\"file_name\"])), l
"
'

test_expect_success 'manifest CSV: a path with quotes and commas reads back whole' '
	mkdir -p quoted && cp "$SHARED/data/pngsuite/basn0g08.png" "quoted/say \"hi\", \"\"twice.png" &&
	gicat ingest --dataset quoted --label real quoted 2>/dev/null &&
	gicat export "dataset = quoted" --format manifest --out q-man 2>err &&
	"$PY" -c "
import csv
(r,) = csv.DictReader(open(\"q-man/export.csv\"))
assert r[\"path\"].endswith(\"/say \\\"hi\\\", \\\"\\\"twice.png\"), r
"
'

test_expect_success 'names and paths that are not UTF-8: manifest and hf metadata stay whole JSON' '
	mkdir -p nonutf && cp "$SHARED/data/pngsuite/basn0g08.png" "nonutf/bad$(printf "\377")name.png" &&
	gicat ingest --dataset nonutf --generator "g$(printf "\376")" --label fake nonutf 2>/dev/null &&
	gicat export "dataset = nonutf" --format manifest --out nu-man 2>err &&
	gicat export "dataset = nonutf" --format hf --names original --out nu-hf 2>err &&
	"$PY" -c "
import glob, json
(m,) = [json.loads(l) for f in glob.glob(\"nu-man/*.jsonl\") for l in open(f, encoding=\"utf-8\")]
assert m[\"path\"].endswith(\"bad\ufffdname.png\") and m[\"generator\"] == \"g\ufffd\", m
(h,) = [json.loads(l) for f in glob.glob(\"nu-hf/*/metadata.jsonl\") for l in open(f, encoding=\"utf-8\")]
assert h[\"file_name\"] and h[\"generator\"] == \"g\ufffd\", h
"
'

test_expect_success 'manifest CSV quotes a generator with a comma or a quote; an EXPR task.ini cannot record is refused' '
	gicat init gq 2>/dev/null && mkdir -p gqd &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG gqd/ &&
	gicat --catalog gq ingest --layout flat --dataset gq --label fake --generator "my,gen \"x\"" gqd 2>/dev/null &&
	gicat --catalog gq export --format manifest --out gqman 2>/dev/null &&
	$PY -c "
import csv, sys
rows = list(csv.DictReader(open(\"gqman/export.csv\")))
sys.exit(not (len(rows) == 1 and rows[0][\"generator\"] == \"my,gen \\\"x\\\"\" and rows[0][\"object\"].startswith(\"/\")))
" &&
	test_expect_code 2 gicat export "dataset = ${SQ}odd${SQ} or path = ${SQ}x ; y${SQ}" --out semi 2>err &&
	test_grep "EXPR holds a .;. after a space in a quoted value, which task.ini cannot record" err &&
	test_expect_code 2 gicat export "dataset = ${SQ}odd
[train]${SQ}" --out nl 2>err &&
	test_grep "EXPR holds a line break in a quoted value" err && test ! -e semi && test ! -e nl &&
	# a line break between words is a space
	gicat --catalog gq export "dataset = gq
  and label = fake" --out nlok 2>/dev/null &&
	test_grep "^select = dataset = gq   and label = fake$" nlok/task.ini &&
	gicat --catalog gq task check nlok/task.ini >/dev/null 2>&1 &&
	# blanks and line breaks around EXPR, which INI drops: the hash
	# recorded is the one task.ini gives back
	gicat --catalog gq export "
	dataset = gq
" --out nlend 2>/dev/null &&
	test_grep "^select = dataset = gq$" nlend/task.ini &&
	gicat --catalog gq split --check nlend >out && test_grep " 0 drifts$" out &&
	test "$(sed -n "1s/.*(hash \(.\{16\}\).*/\1/p" nlend/task.ini)" = "$(gicat --catalog gq task show nlend/task.ini | sed -n "1s/.*hash \([0-9a-f]*\))$/\1/p")" &&
	# the longest EXPR a task line holds after "select = ": 65524 bytes
	pad=$(printf "%065506d" 0 | tr 0 " ") &&
	test_expect_code 2 gicat export "dataset = $pad ${SQ}quoted${SQ}" --out long 2>err &&
	test_grep "^gicat: export: EXPR is 65525 bytes: task.ini records it on one line, which holds 65524 after .select = .$" err &&
	test ! -e long &&
	test_expect_code 2 gicat export "dataset = $pad${SQ}none${SQ}" --out none 2>err &&
	test "$(head -1 err)" = "gicat: export: warning: ${SQ}dataset = $(printf "%0110d" 0 | tr 0 " ")...${SQ}: no image matches: set ${SQ}export${SQ} is empty" &&
	gicat export "dataset = $pad${SQ}quoted${SQ}" --out long 2>/dev/null &&
	test "$(grep "^select = " long/task.ini | wc -c)" -eq 65534 &&
	gicat task check long/task.ini >out 2>err &&
	test_grep "^export  *[0-9]" out && ! grep "longer than" err
'

test_done
