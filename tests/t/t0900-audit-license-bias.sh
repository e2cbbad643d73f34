#!/bin/sh
# Audits, part one: the license registry (generated from
# schema/licenses.tsv), the licenses GenImage ingest gives, license
# set/list, audit license for commercial, research and redistribution use,
# LICENSES.md of an export; shortcut bias on the fixture (format = png =>
# fake at 100%), checked against an independent computation, falling to
# chance once fakes are JPEG (a synthetic catalog, and a task that
# degrades its fakes).
. "$(dirname "$0")/lib.sh"

fixture_catalog
q() { gicat query --count "$1"; }
nall=$(q "")
nreal=$(q "label = real")

test_expect_success 'the license registry is migration 0006, generated from schema/licenses.tsv' '
	cp "$TOP/migrations/0006-licenses.sql" m.sql &&
	"$TOP/scripts/licenses2sql.sh" "$TOP/schema/licenses.tsv" m.sql &&
	test_cmp "$TOP/migrations/0006-licenses.sql" m.sql &&
	sqlite3 -separator "	" cat/.gicat/catalog.db "SELECT id, name, coalesce(url, \"\"),
		commercial, redistribution, attribution, share_alike, terms FROM licenses ORDER BY id" >got &&
	tail -n +2 "$TOP/schema/licenses.tsv" | LC_ALL=C sort >want &&
	test_cmp want got
'

test_expect_success 'licenses2sql refuses a flag that is not 0 or 1' '
	cp "$TOP/migrations/0006-licenses.sql" m2.sql &&
	printf "id\tname\turl\tcommercial\tredistribution\tattribution\tshare_alike\tterms\nX\tx\t\t2\t1\t1\t0\tt\n" >bad.tsv &&
	test_must_fail "$TOP/scripts/licenses2sql.sh" bad.tsv m2.sql 2>err &&
	test_grep "must be 0 or 1" err &&
	test_cmp "$TOP/migrations/0006-licenses.sql" m2.sql
'

test_expect_success 'license list shows every license; jsonl adds URL and terms' '
	gicat license list >list &&
	test "$(tail -n +2 list | wc -l)" -eq "$(tail -n +2 "$TOP/schema/licenses.tsv" | wc -l)" &&
	grep -E "^LicenseRef-GenImage +no +yes +yes +yes " list &&
	gicat license list --format csv | grep "^LicenseRef-GenImage,.*,0,1,1,1," &&
	gicat license list --format jsonl | grep "\"id\":\"LicenseRef-ImageNet\"" >imagenet &&
	test_grep "\"url\":\"https://image-net.org/download\"" imagenet &&
	test_grep "\"commercial\":0" imagenet
'

test_expect_success 'GenImage ingest: GenImage terms on all, ImageNet on reals, Midjourney on its fakes' '
	test "$(q "license = \"LicenseRef-GenImage LicenseRef-ImageNet\"")" -eq "$nreal" &&
	test "$(q "license = \"LicenseRef-GenImage LicenseRef-Midjourney\"")" -eq "$(q "generator = midjourney")" &&
	test "$(q "license ~ LicenseRef-GenImage")" -eq "$(q "label = fake and generator != midjourney")" &&
	test "$(q "license = LicenseRef-GenImage")" -eq "$(q "dataset = genimage")" &&
	test "$(q "license = null")" -eq 0
'

test_expect_success 'ingest --license records a registered id; an unknown one is a usage error' '
	mkdir -p own && cp "$SHARED/data/pngsuite/basn2c08.png" own/ &&
	gicat ingest --license CC0-1.0 own 2>/dev/null &&
	test "$(q "dataset = own and license = CC0-1.0")" -eq 1 &&
	cp "$SHARED/data/pngsuite/basn0g08.png" own/ &&
	test_expect_code 2 gicat ingest --license cc0-1.0 own 2>err &&
	test_grep "unknown license .cc0-1.0. (did you mean .CC0-1.0.?)" err &&
	test_expect_code 2 gicat ingest --license Nope-1.0 own 2>err &&
	test_grep "unknown license .Nope-1.0. (see .gicat license list.)$" err &&
	# a part of ids, or a misspelling of one (case aside), names them
	test_expect_code 2 gicat ingest --license CC-BY own 2>err &&
	test_grep "unknown license .CC-BY. (did you mean one of .CC-BY-4.0., .CC-BY-NC-4.0., .CC-BY-NC-SA-4.0., .CC-BY-SA-4.0.?)$" err &&
	test_expect_code 2 gicat ingest --license GenImage own 2>err &&
	test_grep "unknown license .GenImage. (did you mean .LicenseRef-GenImage.?)$" err &&
	test_expect_code 2 gicat ingest --license cc-by-4.O own 2>err &&
	test_grep "unknown license .cc-by-4.O. (did you mean .CC-BY-4.0.?)$" err &&
	test "$(q "dataset = own")" -eq 1
'

test_expect_success 'license set changes the licenses of the entries matching EXPR, all ids checked' '
	gicat license set "dataset = own" MIT CC-BY-4.0 2>err &&
	test_grep "license set: 1 entry changed$" err &&
	test "$(q "license = \"MIT CC-BY-4.0\"")" -eq 1 &&
	test_expect_code 2 gicat license set "dataset = own" MIT Bogus 2>err &&
	test_grep "unknown license .Bogus." err &&
	test "$(q "license = \"MIT CC-BY-4.0\"")" -eq 1 &&
	test_expect_code 2 gicat license set "datset = own" MIT 2>err &&
	test_grep "unknown field" err && test_grep "^   *\\^" err &&
	test_expect_code 2 gicat license set "dataset = own" 2>err &&
	test_grep "set takes EXPR and at least one license ID" err &&
	test_expect_code 2 gicat license set "dataset = own" MIT CC0-1.0 MIT 2>err &&
	test_grep "license .MIT. is given twice" err &&
	test_expect_code 2 gicat ingest --license "MIT,MIT" own 2>err &&
	test_grep "license .MIT. is given twice" err &&
	test "$(q "license = \"MIT CC-BY-4.0\"")" -eq 1 &&
	for blank in "" " " "	"; do
		test_expect_code 2 gicat license set "$blank" MIT 2>err &&
		test_grep "^gicat: license: EXPR is blank: say which entries get the licenses$" err || return 1
	done &&
	test "$(q "license = \"MIT CC-BY-4.0\"")" -eq 1 &&
	test_expect_code 2 gicat license set dataset = own MIT 2>err &&
	test_grep "unknown license .=.*EXPR is one argument: quote it" err &&
	test_expect_code 2 gicat license set MIT "dataset = own" 2>err &&
	test_grep "(EXPR comes first, then the ids: gicat license set .dataset = own. MIT)$" err &&
	gicat license set "dataset = nosuch" MIT 2>err &&
	test_grep "0 entries changed (no entry matches EXPR, or all have these licenses)" err &&
	test_grep "note: no entry has dataset .nosuch." err
'

test_expect_success 'a misspelt license command is named; list and rules take no argument' '
	test_expect_code 2 gicat license lsit 2>err &&
	test_grep "^gicat: license: no license command .lsit. (list, set, unset or rules); did you mean .list.?$" err &&
	test_expect_code 2 gicat license list "dataset = own" 2>err &&
	test_grep "^gicat: license: list takes no argument, not .dataset = own.$" err &&
	test_expect_code 2 gicat license rules own 2>err &&
	test_grep "^gicat: license: rules takes no argument, not .own.$" err &&
	test_expect_code 2 gicat license 2>err &&
	test_grep "^gicat: license: expected .list., .rules." err
'

test_expect_success 'ids given with commas or extra blanks are stored one space apart; an empty list is refused' '
	gicat init sepcat 2>/dev/null && mkdir -p sep &&
	cp "$SHARED/data/pngsuite/basn2c08.png" sep/a.png && cp "$SHARED/data/pngsuite/basn0g08.png" sep/b.png &&
	gicat --catalog sepcat ingest --license "MIT,CC0-1.0" sep/a.png 2>/dev/null &&
	gicat --catalog sepcat ingest --license " CC-BY-4.0 ,	MIT " sep/b.png 2>/dev/null &&
	printf "%s\n" path,license "sep/a.png,MIT CC0-1.0" "sep/b.png,CC-BY-4.0 MIT" >want &&
	gicat --catalog sepcat query --format csv --fields path,license | sort >got &&
	test_cmp want got &&
	test "$(gicat --catalog sepcat query --count "license = MIT")" -eq 2 &&
	gicat --catalog sepcat ingest --license "CC0-1.0,MIT" sep/a.png 2>/dev/null &&
	gicat --catalog sepcat license set "path = ${SQ}sep/b.png${SQ}" "CC0-1.0,MIT" 2>/dev/null &&
	test "$(gicat --catalog sepcat query --count "license = ${SQ}CC0-1.0 MIT${SQ}")" -eq 2 &&
	test_expect_code 2 gicat --catalog sepcat license set "dataset = sep" "" 2>err &&
	test_grep "no license id given" err &&
	test_expect_code 2 gicat --catalog sepcat ingest --license " , " sep/a.png 2>err &&
	test_grep "no license id given" err &&
	test "$(gicat --catalog sepcat query --count "license = ${SQ}CC0-1.0 MIT${SQ}")" -eq 2
'

test_expect_success 'licenses attached to a dataset or a generator: added to its entries now and to new ones' '
	gicat init rulecat 2>/dev/null && mkdir -p ra rb rc &&
	cp "$SHARED/data/pngsuite/basn2c08.png" ra/ && cp "$SHARED/data/pngsuite/basn0g08.png" rb/ &&
	cp "$SHARED/data/pngsuite/basn6a08.png" rc/ &&
	gicat --catalog rulecat ingest --dataset mine --generator sdxl ra 2>/dev/null &&
	gicat --catalog rulecat license set --dataset mine CC-BY-4.0 2>err &&
	test_grep "^license set: dataset .mine. has CC-BY-4.0 now, and its new entries will; 1 entry changed$" err &&
	gicat --catalog rulecat license set --generator sdxl CreativeML-OpenRAIL-M 2>err &&
	test_grep "generator .sdxl. has CreativeML-OpenRAIL-M now" err &&
	gicat --catalog rulecat ingest --dataset mine --generator sdxl rb 2>/dev/null &&
	gicat --catalog rulecat ingest --dataset other --generator sdxl rc 2>/dev/null &&
	gicat --catalog rulecat ingest --dataset mine --license MIT --generator x rc 2>/dev/null &&
	gicat --catalog rulecat query --format csv --fields dataset,path,license | sort >got &&
	cat >want <<-EOF &&
	dataset,path,license
	mine,ra/basn2c08.png,CC-BY-4.0 CreativeML-OpenRAIL-M
	mine,rb/basn0g08.png,CC-BY-4.0 CreativeML-OpenRAIL-M
	mine,rc/basn6a08.png,MIT
	other,rc/basn6a08.png,CreativeML-OpenRAIL-M
	EOF
	test_cmp want got &&
	gicat --catalog rulecat license rules --format csv >rules &&
	printf "kind,name,licenses\ndataset,mine,CC-BY-4.0\ngenerator,sdxl,CreativeML-OpenRAIL-M\n" >want &&
	test_cmp want rules &&
	gicat --catalog rulecat license unset --dataset mine 2>err &&
	test "$(gicat --catalog rulecat query --count "dataset = mine and license ~ ${SQ}*CC-BY-4.0*${SQ}")" -eq 2 &&
	test_expect_code 2 gicat --catalog rulecat license set --dataset mine Bogus 2>err &&
	test_grep "unknown license .Bogus." err &&
	test_expect_code 2 gicat --catalog rulecat license set --dataset mine 2>err &&
	test_grep "takes at least one license ID" err &&
	test_expect_code 2 gicat --catalog rulecat license list --dataset mine 2>err &&
	test_expect_code 2 gicat --catalog rulecat license unset 2>err &&
	test_expect_code 2 gicat --catalog rulecat license set --dataset "$(printf "a\tb")" MIT 2>err &&
	test_grep "^gicat: license: --dataset holds a control character (0x09)$" err &&
	test_expect_code 2 gicat --catalog rulecat license set --generator "" MIT 2>err &&
	test_grep "^gicat: license: --generator needs a name$" err &&
	gicat --catalog rulecat license rules >after && ! grep -q "a.*b.*MIT" after
'

test_expect_success 'a generator attached a license: GenImage entries keep their terms and gain it' '
	cp -r cat gencat &&
	n=$(gicat --catalog gencat query --count "generator = sd14") &&
	gicat --catalog gencat license set --generator sd14 CreativeML-OpenRAIL-M 2>err &&
	test_grep "; $n entries changed$" err &&
	test "$(gicat --catalog gencat query --count "generator = sd14 and license = ${SQ}LicenseRef-GenImage CreativeML-OpenRAIL-M${SQ}")" -eq "$n"
'

test_expect_success 'GenImage fails audit license --use commercial and passes --use research' '
	test_expect_code 1 gicat audit license --use commercial "dataset = genimage" >out 2>err &&
	test_grep "$nall entries for commercial: $nall forbidden, 0 without" err &&
	test "$(grep -c "^forbidden " out)" -eq "$nall" &&
	grep -E "^LicenseRef-ImageNet +$nreal +no .* forbidden$" out &&
	test_expect_code 2 gicat audit license --use comercial 2>err &&
	test_grep "^gicat: audit: unknown use .comercial. (did you mean .commercial.?)$" err &&
	test_expect_code 2 gicat audit license --use personal 2>err &&
	test_grep "^gicat: audit: unknown use .personal. (commercial, research or redistribute)$" err &&
	gicat audit license --use research "dataset = genimage" >out 2>err &&
	test_grep ": 0 forbidden, 0 without a license, 0 with an unknown" err &&
	! grep "^forbidden" out
'

test_expect_success '--use redistribute forbids exactly the ImageNet photos; own MIT data passes commercial use' '
	test_expect_code 1 gicat audit license --use redistribute "dataset = genimage" >out 2>err &&
	test "$(grep -c "^forbidden .*  \[LicenseRef-ImageNet\]$" out)" -eq "$nreal" &&
	test "$(grep -c "^forbidden" out)" -eq "$nreal" &&
	gicat audit license --use commercial "dataset = own" >out
'

test_expect_success 'entries with no license or an unregistered id are problems even without --use' '
	sqlite3 cat/.gicat/catalog.db "UPDATE entries SET license = NULL WHERE id IN (SELECT id FROM entries WHERE dataset = '"'genimage'"' ORDER BY id LIMIT 2);
		UPDATE entries SET license = '"'LicenseRef-GenImage Made-Up-1.0'"' WHERE id = (SELECT max(id) FROM entries WHERE dataset = '"'genimage'"')" &&
	test_expect_code 1 gicat audit license >out 2>err &&
	test_grep "0 forbidden, 2 without a license, 1 with an unknown license" err &&
	test "$(grep -c "^unlicensed " out)" -eq 2 &&
	grep -E "^unknown .*  \[Made-Up-1.0\]$" out &&
	grep -E "^Made-Up-1.0 +1 +\\? .* unknown$" out &&
	grep -E "^license .* terms$" out &&
	grep -E "^LicenseRef-GenImage .* known$" out &&
	grep -E "^\\(no license\\) +2$" out
'

test_expect_success 'audit license --format json is one document whose rows match the counts' '
	test_expect_code 1 gicat audit license --use commercial --format json >lic.json 2>/dev/null &&
	$PY -c "
import json
d = json.load(open(\"lic.json\"))
assert d[\"use\"] == \"commercial\" and d[\"entries\"] == $nall + 1, d
kinds = [p[\"problem\"] for p in d[\"problems\"]]
assert kinds.count(\"unlicensed\") == d[\"unlicensed\"] == 2, d
assert kinds.count(\"unknown\") == d[\"unknown\"] == 1, d
assert kinds.count(\"forbidden\") == d[\"forbidden\"] == $nall - 2, d
assert all(p[\"set\"] is None for p in d[\"problems\"])
assert all(p[\"dataset\"] for p in d[\"problems\"]), d[\"problems\"][:2]
ids = {l[\"id\"]: l for l in d[\"licenses\"]}
assert ids[\"MIT\"][\"allowed\"] and not ids[\"LicenseRef-GenImage\"][\"allowed\"]
assert not ids[\"Made-Up-1.0\"][\"registered\"]
"
'

test_expect_success 'migration 0006 gives GenImage defaults to entries catalogued before it' '
	sqlite3 cat/.gicat/catalog.db "UPDATE entries SET license = NULL WHERE dataset = '"'genimage'"'" &&
	sed -n "/^UPDATE entries/,/;/p" "$TOP/migrations/0006-licenses.sql" >backfill.sql &&
	sqlite3 cat/.gicat/catalog.db <backfill.sql &&
	test "$(q "license = null")" -eq 0 &&
	test "$(q "license = \"LicenseRef-GenImage LicenseRef-ImageNet\"")" -eq "$nreal"
'

cat >sd14.ini <<EOF
[task]
name = audit/sd14
seed = 0
[train]
select = dataset = genimage and subset = sd14 and split = train
[test all]
select = dataset = genimage and split = val
EOF

test_expect_success 'audit license --task audits every set and names it' '
	test_expect_code 1 gicat audit license --use commercial --task sd14.ini >out 2>err &&
	test "$(grep -c "^forbidden .* train " out)" -eq "$(gicat task show sd14.ini | awk "\$1 == \"train\" {print \$2}")" &&
	grep -q "^forbidden .* test/all " out &&
	awk "/^forbidden/ {print \$2, \$5}" out >rows &&
	test "$(cut -d" " -f1 rows | uniq | tr "\n" " ")" = "train test/all " &&
	LC_ALL=C awk "\$1 == s && \$2 < p {bad++} {s = \$1; p = \$2} END {exit bad}" rows &&
	head -1 out | grep -q "^license  *images  *commercial" &&
	test_grep "^audit license: [0-9]* images for commercial: " err &&
	printf "[train]\nselect = bogus = 1\n" >unk.ini &&
	test_expect_code 2 gicat audit bias --task unk.ini 2>err2 &&
	test "$(cat err2)" = "gicat: audit: unk.ini:2: select: unknown field ${SQ}bogus${SQ} (${SQ}gicat help query${SQ} lists the fields) (column 10)" &&
	gicat audit license --task sd14.ini --format json >j.json 2>/dev/null || : &&
	"$PY" -c "
import json
d = json.load(open(\"j.json\"))
assert d[\"images\"] > 0 and \"entries\" not in d, d.keys()
assert all(\"images\" in l for l in d[\"licenses\"]), d[\"licenses\"]
" &&
	test_expect_code 1 gicat audit license --use commercial --task sd14.ini --format json >j.json 2>/dev/null &&
	"$PY" -c "
import json
d = json.load(open(\"j.json\"))
assert d[\"problems\"] and all(p[\"dataset\"] == \"genimage\" for p in d[\"problems\"]), d[\"problems\"][:2]
"
'

# misaligned COL N FILE: rows of FILE (up to its first empty line after
# START) whose field N does not begin at column COL
misaligned() {
	sed -n "/$4/,/^\$/p" "$3" |
	awk -v c="$1" -v n="$2" "NF && substr(\$0, c, length(\$n)) != \$n" | wc -l
}

test_expect_success 'task tables stay aligned with long set names and license lists' '
	test_expect_code 1 gicat audit license --use commercial --task genimage/cross-sd14 >lic 2>/dev/null &&
	grep -q "^forbidden  test/midjourney .*  \[LicenseRef-GenImage LicenseRef-" lic &&
	test "$(misaligned 29 3 lic ^problem)" -eq 0 &&
	test "$(misaligned 42 4 lic ^problem)" -eq 0 &&
	gicat audit bias --task genimage/cross-sd14 >bias 2>/dev/null &&
	grep -q "^test/midjourney  format = png" bias &&
	test "$(misaligned 18 2 bias ^set)" -eq 0 &&
	gicat task check genimage/unbiased-sd14 2>&1 >/dev/null | grep "is empty" |
		sed "s/^gicat: task: /gicat: audit: /" >want &&
	test -s want &&
	gicat audit bias --task genimage/unbiased-sd14 >/dev/null 2>err &&
	grep "is empty" err >got && test_cmp want got
'

test_expect_success 'LICENSES.md of an export: every license with its flags and attribution line' '
	gicat export "generator = midjourney or (subset = midjourney and label = real)" --out exp 2>/dev/null &&
	test_grep_all exp/LICENSES.md "^## LicenseRef-Midjourney" \
		"^| LicenseRef-ImageNet | $(q "subset = midjourney and label = real") |" \
		"commercial use: not allowed" "redistribution: not allowed" \
		"attribution: credit \"GenImage dataset terms" "share-alike: yes" \
		"https://docs.midjourney.com"
'

test_expect_success 'LICENSES.md flags files with no license and ids not in the registry' '
	cp "$SHARED/data/pngsuite/basn6a08.png" sep/c.png &&
	gicat --catalog sepcat ingest sep/c.png 2>/dev/null &&
	sqlite3 sepcat/.gicat/catalog.db "UPDATE entries SET license = ${SQ}Made-Up-1.0 MIT${SQ} WHERE path = ${SQ}sep/b.png${SQ}" &&
	gicat --catalog sepcat export "dataset = sep" --out sepexp 2>/dev/null &&
	test_grep_all sepexp/LICENSES.md "^| unknown | 1 |" \
		"No license was recorded for these files" "^| Made-Up-1.0 | 1 |" \
		"Not in the license registry" "^| MIT | 2 |"
'

test_expect_success 'LICENSES.md lists every id of a long list, none cut or dropped' '
	ids=$(seq -f "LicenseRef-Made-Up-%03g" 1 80 | tr "\n" " ") &&
	sqlite3 sepcat/.gicat/catalog.db "UPDATE entries SET license = ${SQ}$ids MIT${SQ} WHERE path = ${SQ}sep/b.png${SQ}" &&
	gicat --catalog sepcat export "dataset = sep" --out sepexp80 2>/dev/null &&
	test "$(grep -c "^| LicenseRef-Made-Up-0[0-9][0-9] | 1 |$" sepexp80/LICENSES.md)" -eq 80 &&
	test "$(grep -c "^## LicenseRef-Made-Up-" sepexp80/LICENSES.md)" -eq 80 &&
	test_grep "^| MIT | 2 |" sepexp80/LICENSES.md
'

test_expect_success 'bias on the fixture: format = png => fake scores 100%; --max-shortcut 0.6 exits 1' '
	test_expect_code 1 gicat audit bias --max-shortcut 0.6 "dataset = genimage" >bias 2>err &&
	grep -E "^format = png => fake +100.0% +100.0% +100.0%$" bias &&
	grep -E "^short_side in \\(128, 256, 512, 1024\\) => fake +100.0%" bias &&
	test_grep "best trivial rule: format = png => fake scores 100.0%" err &&
	test_grep "^gicat: audit bias: format = png => fake scores 100.0%, over --max-shortcut 60.0%: a detector could learn that instead of the pixels$" err &&
	gicat audit bias --max-shortcut 1 "dataset = genimage" >/dev/null 2>err &&
	! grep -q "over --max-shortcut" err &&
	gicat audit bias "dataset = genimage" >/dev/null 2>&1 &&
	grep -E "^biggan +fake +8 +8 +0 +- +128-128 " bias &&
	grep -E "^biggan +fake +- +128:8$" bias &&
	test "$(awk "/^adm +real / && /:/ { for (i = 3; i <= NF; i++) {
		split(\$i, a, \":\"); n += a[2] }; print n }" bias)" -eq 16 &&
	test_expect_code 2 gicat audit bias --max-shortcut 1.5 2>err &&
	for v in 0x1p-1 " 0.5" inf nan 1e999 ""; do
		test_expect_code 2 gicat audit bias --max-shortcut "$v" 2>err &&
		test_grep "^gicat: audit: --max-shortcut is an accuracy from 0 to 1, not .$v.$" err || return 1
	done &&
	test_expect_code 1 gicat audit bias --max-shortcut 0.9999 "dataset = genimage" >/dev/null 2>err &&
	test_grep "scores 100.0%, over --max-shortcut 99.99%:" err &&
	test_expect_code 1 gicat audit bias --max-shortcut -0 "dataset = genimage" >/dev/null 2>err &&
	test_grep "over --max-shortcut 0.0%" err &&
	test_expect_code 1 gicat audit bias --max-shortcut 1e-400 "dataset = genimage" >/dev/null 2>err &&
	test_grep "over --max-shortcut 0.0%" err &&
	test_expect_code 2 gicat audit bias "generatr = x" 2>err && test_grep "unknown field" err
'

test_expect_success 'an audit of an empty selection fails: a typo cannot pass a gate' '
	for a in license provenance bias; do
		test_expect_code 1 gicat audit $a "dataset = GenImage" >out 2>err || return 1
		test_grep "^gicat: audit $a: the selection matches no entries: nothing was audited" err || return 1
		test "$(wc -l <err)" -eq 2 && test_grep "note: no entry has dataset .GenImage.; did you mean .genimage.?" err || return 1
		! test -s out || return 1
	done &&
	test_expect_code 1 gicat audit bias --max-shortcut 0.9 "dataset = genimage and label = fake" >/dev/null 2>err &&
	test_grep "max-shortcut cannot be checked without both real and fake images" err &&
	test_expect_code 1 gicat audit bias --max-shortcut 0.9 --format json "dataset = genimage and label = fake" >b.json 2>/dev/null &&
	$PY -c "import json; d = json.load(open(\"b.json\")); assert d[\"max_accuracy\"] is None and d[\"exceeded\"] is None, d" &&
	$PY -c "
import json
d = json.load(open(\"b.json\"))
rules = [r for s in d[\"sets\"] for r in s[\"rules\"]]
assert rules and all(r[\"text\"] is None or r[\"text\"] for r in rules), rules
assert all(r[k] is None for r in rules for k in (\"text\", \"threshold\", \"accuracy\", \"real_acc\", \"fake_acc\")), rules
" &&
	gicat audit bias "dataset = genimage and label = fake" >/dev/null 2>&1
'

test_expect_success 'bias scores equal an independent brute-force computation' '
	gicat audit bias --format json "dataset = genimage" >bias.json &&
	gicat query --format csv --fields label,format,short_side,jpeg_quality,bytes,width,height \
		"dataset = genimage" >rows.csv &&
	$PY -c "
import csv, json
rows = list(csv.DictReader(open(\"rows.csv\")))
def bal(pred):
    r = [pred(x) for x in rows if x[\"label\"] == \"real\"]
    f = [pred(x) for x in rows if x[\"label\"] == \"fake\"]
    return (r.count(False) / len(r) + f.count(True) / len(f)) / 2
feat = {
    \"short_side\": lambda x: int(x[\"short_side\"]),
    \"jpeg_quality\": lambda x: 101 if x[\"format\"] == \"png\" else int(x[\"jpeg_quality\"]),
    \"bytes_per_pixel\": lambda x: int(x[\"bytes\"]) / (int(x[\"width\"]) * int(x[\"height\"])),
}
want = {\"format\": bal(lambda x: x[\"format\"] == \"png\"),
        \"sizes\": bal(lambda x: int(x[\"short_side\"]) in (128, 256, 512, 1024))}
for k, fn in feat.items():
    vals = sorted({fn(x) for x in rows})
    want[k] = max(max(bal(lambda x, t=t: fn(x) <= t), bal(lambda x, t=t: fn(x) >= t)) for t in vals)
got = {r[\"rule\"]: r[\"accuracy\"] for r in json.load(open(\"bias.json\"))[\"sets\"][0][\"rules\"]}
for k in want:
    assert abs(got[k] - want[k]) < 1e-9, (k, got[k], want[k])
print(want)
"
'

test_expect_success 'a rule scoring exactly --max-shortcut is not over it' '
	# one real JPEG, 16 PNG and 9 JPEG fakes, all of one size and weight:
	# format = png => fake (and quality >= 101) score (1 + 16/25) / 2 =
	# 0.82, which (1 + 0.64) / 2 rounds to just above 0.82
	gicat init boundcat 2>/dev/null &&
	sqlite3 boundcat/.gicat/catalog.db "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
		INSERT INTO images (sha256, bytes, format, width, height, channels, bit_depth, mode, jpeg_quality, phash, storage)
		SELECT printf(${SQ}%064x${SQ}, i), 90000, CASE WHEN i BETWEEN 1 AND 16 THEN ${SQ}png${SQ} ELSE ${SQ}jpeg${SQ} END,
		       300, 300, 3, 8, ${SQ}rgb${SQ}, CASE WHEN i BETWEEN 1 AND 16 THEN NULL ELSE 90 END, 0, ${SQ}object${SQ} FROM n;
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
		INSERT INTO entries (sha256, dataset, path, label)
		SELECT printf(${SQ}%064x${SQ}, i), ${SQ}b${SQ}, i || ${SQ}.img${SQ},
		       CASE WHEN i = 0 THEN ${SQ}real${SQ} ELSE ${SQ}fake${SQ} END FROM n" &&
	gicat --catalog boundcat audit bias --max-shortcut 0.82 >/dev/null 2>err &&
	test_grep "best trivial rule: format = png => fake scores 82.0%" err &&
	test_expect_code 1 gicat --catalog boundcat audit bias --max-shortcut 0.8199 >/dev/null 2>&1 &&
	gicat --catalog boundcat audit bias --max-shortcut 0.82 --format json >b.json 2>/dev/null &&
	$PY -c "
import json
d = json.load(open(\"b.json\"))
assert d[\"max_accuracy\"] == 0.82 and d[\"exceeded\"] is False, d
"
'

test_expect_success 'synthetic catalog whose fakes are JPEG: the format rule falls to chance' '
	mkdir -p synth/real synth/fake &&
	ls data/genimage/ADM/*/val/nature/*.JPEG data/genimage/VQDM/*/val/nature/*.JPEG | head -8 |
		while read f; do cp "$f" synth/real/; done &&
	$PY -c "
import glob
from PIL import Image
for i, p in enumerate(sorted(glob.glob(\"data/genimage/*/*/val/ai/*.[pP][nN][gG]\"))[:8]):
    Image.open(p).convert(\"RGB\").save(\"synth/fake/%02d.jpg\" % i, quality=90)
" &&
	gicat init synthcat 2>/dev/null &&
	gicat --catalog synthcat ingest --label real --dataset synth synth/real 2>/dev/null &&
	gicat --catalog synthcat ingest --label fake --generator x --dataset synth synth/fake 2>/dev/null &&
	printf "[task]\nname = audit/synthetic\n[test synth]\nselect = dataset = synth\n" >synth.ini &&
	gicat --catalog synthcat audit bias --task synth.ini >out 2>err &&
	grep -E "^test/synth +format = png => fake +50.0% +100.0% +0.0%$" out &&
	grep -E "^test/synth +x +fake +8 +0 +8 " out
'

cat >unbiased.ini <<EOF
[task]
name = audit/jpeg-fakes
seed = 0
[test val]
select = dataset = genimage and split = val
balance = label
degrade_fake = jpeg(quality=96)
EOF

test_expect_success 'a task that JPEG-compresses its fakes: the format rule at chance, as exported' '
	test_expect_code 1 gicat audit bias --task unbiased.ini --max-shortcut 0.6 >out 2>err &&
	grep -E "^test/val +format = png => fake +50.0% " out &&
	! grep -E "^test/val +[a-z0-9]+ +fake +[0-9]+ +[1-9]" out &&
	grep -E "^test/val +jpeg_quality .* => fake" out &&
	! grep "^(all)" out &&
	gicat audit bias --task unbiased.ini --format json >u.json 2>/dev/null &&
	$PY -c "
import json
d = json.load(open(\"u.json\"))
(s,) = d[\"sets\"]
assert s[\"set\"] == \"test/val\" and s[\"real\"] == s[\"fake\"] > 0, s
fakes = [g for g in s[\"groups\"] if g[\"label\"] == \"fake\"]
assert all(g[\"format\"][\"png\"] == 0 and g[\"jpeg_quality_range\"] == [96, 96] for g in fakes)
"
'

test_expect_success 'the shipped unbiased-sd14 takes away the shortcuts that cross-sd14 leaves' '
	sd=genimage/stable_diffusion_v_1_4/imagenet_ai_0419_sdv4 &&
	for s in train val; do
		mkdir -p ub/$sd/$s/ai ub/$sd/$s/nature &&
		cp data/$sd/$s/ai/* ub/$sd/$s/ai/ || exit 1
	done &&
	# reals: four per split at quality 96 inside 450..550 px, and two
	# that the task must leave out (quality 75; short side 375)
	$PY -c "
from PIL import Image, ImageDraw
import random
sd = \"ub/$sd\"
for s, base in ((\"train\", 0), (\"val\", 100)):
    for i in range(6):
        r = random.Random(base + i)
        w, h = (500 + 10 * i, 470 + 15 * i) if i < 4 else (500, 375 if i == 4 else 480)
        im = Image.new(\"RGB\", (w, h), tuple(r.randrange(256) for _ in range(3)))
        d = ImageDraw.Draw(im)
        for _ in range(40):
            x, y = r.randrange(w), r.randrange(h)
            d.ellipse((x, y, x + r.randrange(20, 120), y + r.randrange(20, 120)),
                      fill=tuple(r.randrange(256) for _ in range(3)))
        name = \"n01440764_%d.JPEG\" % (10 + i) if s == \"train\" else \"ILSVRC2012_val_%08d.JPEG\" % (1 + i)
        im.save(\"%s/%s/nature/%s\" % (sd, s, name), quality=75 if i == 5 else 96)
" &&
	gicat init ubcat 2>/dev/null &&
	{ (cd ub && gicat --catalog ../ubcat ingest genimage 2>/dev/null) || :; } &&
	gicat --catalog ubcat task show genimage/unbiased-sd14 >shown &&
	grep -E "^train +8 +4 +4$" shown && grep -E "^test/sd14 +8 +4 +4$" shown &&
	for t in cross-sd14 unbiased-sd14; do
		gicat --catalog ubcat audit bias --task genimage/$t --format json >$t.json 2>/dev/null || :
	done &&
	$PY -c "
import json
def rules(t, name):
    (s,) = [s for s in json.load(open(t + \".json\"))[\"sets\"] if s[\"set\"] == name]
    return {r[\"rule\"]: r[\"accuracy\"] for r in s[\"rules\"]}
for name in (\"train\", \"test/sd14\"):
    before, after = rules(\"cross-sd14\", name), rules(\"unbiased-sd14\", name)
    assert before[\"format\"] == 1 and before[\"sizes\"] == 1, before
    for k in (\"format\", \"sizes\", \"short_side\", \"jpeg_quality\"):
        assert after[k] == 0.5, (name, k, after)
    print(name, before, after)
"
'

# Reals and fakes of near-identical content: the size per pixel of the
# derived images tells their compression history apart when the fakes
# are compressed once and the reals (already quality 96) twice; the
# shipped unbiased tasks compress the fakes twice too.
test_expect_success 'unbiased-sd14 gives reals and fakes one compression history: bytes per pixel no longer separates them' '
	sd=genimage/stable_diffusion_v_1_4/imagenet_ai_0419_sdv4 &&
	$PY -c "
from PIL import Image, ImageDraw
import os, random
sd = \"hist/$sd\"
r0 = random.Random(7)
small = Image.new(\"RGB\", (16, 16))
small.putdata([tuple(r0.randrange(256) for _ in range(3)) for _ in range(256)])
base = Image.blend(small.resize((512, 512), Image.BICUBIC),
                   Image.effect_noise((512, 512), 20).convert(\"RGB\"), 0.2)
def img(seed):
    r = random.Random(seed); im = base.copy(); d = ImageDraw.Draw(im)
    x, y = r.randrange(64, 400), r.randrange(64, 400)
    d.rectangle((x, y, x + 12, y + 12), fill=tuple(r.randrange(256) for _ in range(3)))
    return im
for s, b in ((\"train\", 0), (\"val\", 1000)):
    os.makedirs(\"%s/%s/ai\" % (sd, s)); os.makedirs(\"%s/%s/nature\" % (sd, s))
    for i in range(8):
        img(b + i).save(\"%s/%s/ai/%03d_sdv4_%05d.png\" % (sd, s, i, i))
        name = \"n01440764_%d.JPEG\" % (10 + i) if s == \"train\" else \"ILSVRC2012_val_%08d.JPEG\" % (1 + i)
        img(b + 500 + i).save(\"%s/%s/nature/%s\" % (sd, s, name), quality=96)
" &&
	gicat init histcat 2>/dev/null &&
	{ (cd hist && gicat --catalog ../histcat ingest genimage >/dev/null 2>&1) || :; } &&
	sed "s/^degrade_fake = jpeg(quality=96)|/degrade_fake = /" "$TOP/tasks/genimage/unbiased-sd14.ini" >once.ini &&
	! grep -q "degrade_fake = jpeg(quality=96)|" once.ini &&
	for t in genimage/unbiased-sd14 once.ini; do
		gicat --catalog histcat audit bias --task $t --format json >hist-${t##*/}.json 2>/dev/null || :
	done &&
	$PY -c "
import json
def bpp(f, name):
    (s,) = [s for s in json.load(open(f))[\"sets\"] if s[\"set\"] == name]
    return {r[\"rule\"]: r[\"accuracy\"] for r in s[\"rules\"]}[\"bytes_per_pixel\"]
for name in (\"train\", \"test/sd14\"):
    once, twice = bpp(\"hist-once.ini.json\", name), bpp(\"hist-unbiased-sd14.json\", name)
    assert once == 1 and twice < 0.8, (name, once, twice)
    print(name, once, twice)
"
'

test_done
