#!/bin/sh
# Audits at their edges, each a case a review found wrong: provenance JSON
# with a PNG text keyword that is not UTF-8 (PNG keywords are Latin-1);
# a license list that names no id (a hand-edited or old catalog); a task
# whose sets are empty, which no "selection" matched; LicenseRef-Unknown
# "allowed" in JSON while it makes every entry a problem; --task or --use
# given twice, where the last won unsaid.
. "$(dirname "$0")/lib.sh"

gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"

test_expect_success 'a Latin-1 PNG text key is a leak in JSON as in the table' '
	mkdir -p latin/fake latin/real &&
	$PY -c "
from PIL import Image, PngImagePlugin
info = PngImagePlugin.PngInfo()
info.add_text(\"Beschreibung\\xe4\", \"KI-Bild\")
Image.new(\"RGB\", (40, 40), (9, 80, 200)).save(\"latin/fake/k.png\", pnginfo=info)
Image.new(\"RGB\", (40, 40), (90, 8, 20)).save(\"latin/real/r.png\")
" &&
	gicat ingest --label fake --generator k latin/fake 2>/dev/null &&
	gicat ingest --label real latin/real 2>/dev/null &&
	test_expect_code 1 gicat audit provenance >out 2>/dev/null &&
	grep -E "^text:Beschreibung.xe4 +0 +1  LABEL LEAK" out &&
	test_expect_code 1 gicat audit provenance --format json >p.json 2>/dev/null &&
	$PY -c "
import json
d = json.load(open(\"p.json\"))
names = [f[\"metadata\"] for f in d[\"features\"] if f[\"leak\"]]
assert d[\"leaks\"] == len(names) == 2, d
assert \"text:Beschreibung\\ufffd\" in names, names
(fake,) = [g for g in d[\"groups\"] if g[\"label\"] == \"fake\"]
assert fake[\"metadata\"][\"text:Beschreibung\\ufffd\"] == 1, fake
"
'

test_expect_success 'a license list naming no id is no license, as LICENSES.md says' '
	sqlite3 cat/.gicat/catalog.db "UPDATE entries SET license = \"\" WHERE label = \"fake\";
		UPDATE entries SET license = \" , \" WHERE label = \"real\"" &&
	test_expect_code 1 gicat audit license >out 2>err &&
	test_grep "2 entries: 0 forbidden, 2 without a license, 0 with an unknown" err &&
	test "$(grep -c "^unlicensed " out)" -eq 2 &&
	test_expect_code 1 gicat audit license --format json >l.json 2>/dev/null &&
	$PY -c "
import json
d = json.load(open(\"l.json\"))
assert d[\"unlicensed\"] == 2 and d[\"licenses\"] == [], d
assert [p[\"problem\"] for p in d[\"problems\"]] == [\"unlicensed\"] * 2, d
" &&
	gicat export "" --out ex 2>/dev/null &&
	grep -x "| unknown | 2 |" ex/LICENSES.md
'

test_expect_success 'a task of empty sets: the message names the task, not a selection' '
	printf "[task]\nname = e\n[test a]\nselect = generator = nosuch\n" >empty.ini &&
	for a in bias license provenance; do
		test_expect_code 1 gicat audit $a --task empty.ini >/dev/null 2>err &&
		test_grep "^gicat: audit $a: the task${SQ}s sets hold no images: nothing was audited" err &&
		! grep "selection" err || return 1
	done
'

test_expect_success 'JSON: LicenseRef-Unknown is not allowed, with or without --use' '
	gicat license set "label = fake" LicenseRef-Unknown 2>/dev/null &&
	for use in "" "--use commercial" "--use research"; do
		test_expect_code 1 gicat audit license $use --format json "label = fake" >u.json 2>/dev/null &&
		$PY -c "
import json
d = json.load(open(\"u.json\"))
(l,) = d[\"licenses\"]
assert l[\"id\"] == \"LicenseRef-Unknown\" and l[\"registered\"] and not l[\"allowed\"], l
assert d[\"unknown\"] == 1, d
" || return 1
	done
'

test_expect_success 'a misspelt audit, task or license command is offered the closest one' '
	test_expect_code 2 gicat audit bais 2>err &&
	test "$(head -1 err)" = "gicat: audit: no audit ${SQ}bais${SQ} (license, provenance or bias); did you mean ${SQ}bias${SQ}?" &&
	test_expect_code 2 gicat license sett 2>err &&
	test_grep "^gicat: license: no license command .sett. (list, set, unset or rules); did you mean .set.?$" err &&
	test_expect_code 2 gicat task zzz 2>err &&
	test "$(head -1 err)" = "gicat: task: no task command ${SQ}zzz${SQ} (list, cat FILE, show FILE or check FILE)"
'

test_expect_success 'HTML: the license table counts images for a task, entries otherwise; no label shows as - as in the tables' '
	mkdir -p nolabel && cp "$SHARED/data/pngsuite/basn2c08.png" nolabel/ &&
	gicat ingest --dataset nl --license CC0-1.0 nolabel 2>/dev/null &&
	printf "[task]\nname = h\n[test a]\nselect = dataset = nl\n" >h.ini &&
	gicat audit license --html h1.html "dataset = nl" >/dev/null 2>&1 &&
	grep -q "<h2>Entries per license</h2>" h1.html &&
	gicat audit license --task h.ini --html h2.html >/dev/null 2>&1 &&
	grep -q "<h2>Images per license</h2>" h2.html &&
	gicat audit bias --html b.html "dataset = nl" >/dev/null 2>&1 &&
	grep -q "<td class=\"l\">-</td>" b.html && ! grep -q "<td class=\"l\">?</td>" b.html
'

test_expect_success '--task or --use given twice is a usage error, not the last one silently' '
	printf "[test t]\nselect = dataset = nl\n" >t1.ini &&
	test_expect_code 2 gicat audit license --task t1.ini --task t1.ini >out 2>err &&
	! test -s out &&
	test_grep "^gicat: audit: --task given twice: one task an audit" err &&
	test_expect_code 2 gicat audit license --use research --use commercial 2>err &&
	test_grep "^gicat: audit: --use given twice" err
'

test_done
