#!/bin/sh
# Audits, part two: provenance metadata probed at ingest (PNG text, EXIF
# Software/Make/Model, XMP DigitalSourceType, crafted with PIL) and the
# label leaks it makes; the HTML pages, rendered by a real browser without
# console errors.
. "$(dirname "$0")/lib.sh"

fixture_catalog

test_expect_success 'provenance on the fixture: no metadata, no leak' '
	gicat audit provenance "dataset = genimage" >out 2>err &&
	test_grep "^audit provenance: [0-9]* real, [0-9]* fake entries; 0 kinds of metadata, 0 label leaks$" err &&
	gicat audit provenance --task genimage/cross-sd14 >/dev/null 2>err &&
	test_grep "^audit provenance: [0-9]* real, [0-9]* fake images; " err &&
	test_grep "^(no real or fake entries carry any of this metadata)$" out
'

test_expect_success 'provenance: SD parameters text, XMP DigitalSourceType and camera EXIF are label leaks' '
	mkdir -p meta/fake meta/real &&
	$PY -c "
from PIL import Image, PngImagePlugin
im = Image.new(\"RGB\", (96, 64))
im.putdata([((x * 7) % 256, (y * 3) % 256, (x * y) % 256) for y in range(64) for x in range(96)])
info = PngImagePlugin.PngInfo()
info.add_text(\"parameters\", \"a tench, Steps: 20, Sampler: Euler a\")
im.save(\"meta/fake/sd.png\", pnginfo=info)
xmp = (\"<x:xmpmeta xmlns:x=\\\"adobe:ns:meta/\\\"><rdf:RDF xmlns:rdf=\\\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\\\">\"
       \"<rdf:Description xmlns:Iptc4xmpExt=\\\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\\\">\"
       \"<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia\"
       \"</Iptc4xmpExt:DigitalSourceType></rdf:Description></rdf:RDF></x:xmpmeta>\")
info = PngImagePlugin.PngInfo()
info.add_itxt(\"XML:com.adobe.xmp\", xmp)
im.transpose(Image.FLIP_LEFT_RIGHT).save(\"meta/fake/xmp.png\", pnginfo=info)
ex = Image.Exif()
ex[0x0131] = \"GIMP 2.10.34\"; ex[0x010F] = \"Canon\"; ex[0x0110] = \"Canon EOS 5D Mark IV\"
im.rotate(90, expand=True).save(\"meta/real/photo.jpg\", quality=90, exif=ex.tobytes())
" &&
	gicat ingest --label fake --generator sd --dataset meta meta/fake 2>/dev/null &&
	gicat ingest --label real --dataset meta meta/real 2>/dev/null &&
	gicat query --format csv --fields exif_software,exif_make,exif_model,xmp_source_type,text_keys \
		"dataset = meta" | sort >got &&
	printf "%s\n" ",,,,parameters" ",,,trainedAlgorithmicMedia,XML:com.adobe.xmp" \
		"GIMP 2.10.34,Canon,Canon EOS 5D Mark IV,," \
		"exif_software,exif_make,exif_model,xmp_source_type,text_keys" | sort >want &&
	test_cmp want got &&
	test_expect_code 1 gicat audit provenance "dataset = meta or dataset = genimage" >out 2>err &&
	grep -E "^text:parameters +0 +1  LABEL LEAK: only fake entries" out &&
	grep -E "^xmp_source_type +0 +1  LABEL LEAK: only fake" out &&
	grep -E "^exif_software +1 +0  LABEL LEAK: only real entries" out &&
	grep -E "^sd +fake +2 .*text:parameters 1.*xmp_source_type=trainedAlgorithmicMedia" out &&
	grep -E "^- +real +1 .*exif_software=GIMP 2.10.34; exif_make=Canon; exif_model=Canon EOS 5D Mark IV" out &&
	test_expect_code 1 gicat audit provenance --format json "dataset = meta" >p.json 2>/dev/null &&
	$PY -c "
import json
d = json.load(open(\"p.json\"))
leaks = {f[\"metadata\"]: f[\"gives\"] for f in d[\"features\"] if f[\"leak\"]}
assert leaks[\"text:parameters\"] == \"fake\" and leaks[\"exif_model\"] == \"real\", leaks
assert d[\"leaks\"] == len(leaks)
"
'

# A PNG keyword may hold a comma (and a %): in the comma-separated
# text_keys they are written %2C (%25), one key is one key.  tEXt takes
# the fast decode, zTXt libpng's.
test_expect_success 'a text key with a comma is one key, in text_keys and in the audit, on both PNG paths' '
	mkdir -p comma/fake comma/real &&
	$PY -c "
from PIL import Image, PngImagePlugin
im = Image.new(\"RGB\", (40, 40), (9, 80, 200))
for name, z in ((\"t\", False), (\"z\", True)):
	info = PngImagePlugin.PngInfo()
	info.add_text(\"Steps,Seed\", \"20,1\", zip=z)
	info.add_text(\"50%\", \"x\", zip=z)
	im.save(\"comma/fake/%s.png\" % name, pnginfo=info)
im.save(\"comma/real/r.jpg\")
" &&
	gicat ingest --label fake --generator c --dataset comma comma/fake 2>/dev/null &&
	gicat ingest --label real --dataset comma comma/real 2>/dev/null &&
	gicat query --format csv --fields path,text_keys "dataset = comma and format = png" | sort >got &&
	printf "%s\n" "comma/fake/t.png,\"Steps%2CSeed,50%25\"" "comma/fake/z.png,\"Steps%2CSeed,50%25\"" "path,text_keys" >want &&
	test_cmp want got &&
	test "$(gicat query --count "text_keys ~ \"*Steps%2CSeed*\"")" -eq 2 &&
	test_expect_code 1 gicat audit provenance "dataset = comma" >out 2>err &&
	grep -E "^text:Steps,Seed +0 +2  LABEL LEAK: only fake entries" out &&
	grep -E "^text:50% +0 +2  LABEL LEAK: only fake entries" out &&
	! grep -E "^text:(Steps|Seed|50%25) " out
'

test_expect_success 'bytes after IEND or EOI: measured at ingest, a label leak when one label has them' '
	mkdir -p tail/fake tail/real &&
	$PY -c "
from PIL import Image
im = Image.new(\"RGB\", (64, 48))
im.putdata([((x * 5) % 256, (y * 9) % 256, (x + y) % 256) for y in range(48) for x in range(64)])
im.save(\"tail/fake/plain.png\")
im.transpose(Image.FLIP_TOP_BOTTOM).save(\"tail/fake/zip.png\")
im.rotate(90, expand=True).save(\"tail/fake/pad.jpg\", quality=90)
im.rotate(180).save(\"tail/real/photo.jpg\", quality=90)
" &&
	printf "PK\003\004appended" >>tail/fake/zip.png &&
	head -c 4096 /dev/zero >>tail/fake/pad.jpg &&
	gicat ingest --label fake --generator tl --dataset tail tail/fake 2>/dev/null &&
	gicat ingest --label real --dataset tail tail/real 2>/dev/null &&
	gicat query --format csv --fields path,trailing_bytes "dataset = tail" | sort >got &&
	printf "%s\n" path,trailing_bytes tail/fake/pad.jpg,4096 tail/fake/plain.png,0 \
		tail/fake/zip.png,12 tail/real/photo.jpg,0 >want &&
	test_cmp want got &&
	test "$(gicat query --format paths "dataset = tail and trailing_bytes > 0" | sort | tr "\n" " ")" = \
		"tail/fake/pad.jpg tail/fake/zip.png " &&
	gicat show tail/fake/zip.png >out && test_grep "^trailing_bytes  12$" out &&
	test_expect_code 1 gicat audit provenance "dataset = tail" >out 2>err &&
	grep -E "^trailing +0 +2  LABEL LEAK: only fake entries carry it" out &&
	test_grep "^audit provenance: 1 real, 3 fake entries; 1 kind of metadata, 1 label leak$" err &&
	gicat audit bias --format json "dataset = tail" >b.json 2>/dev/null &&
	$PY -c "
import json
(s,) = json.load(open(\"b.json\"))[\"sets\"]
meta = {g[\"label\"]: g[\"metadata\"][\"trailing\"] for g in s[\"groups\"]}
assert meta == {\"fake\": 2, \"real\": 0}, meta
"
'


test_expect_success 'migrate --measure fills trailing_bytes for images catalogued before 0012' '
	db=cat/.gicat/catalog.db &&
	fields=exif_software,exif_make,exif_model,xmp_source_type &&
	gicat query --format csv --fields path,$fields "dataset = meta" | sort >meta.want &&
	sqlite3 $db "UPDATE images SET trailing_bytes = NULL WHERE sha256 IN
		(SELECT sha256 FROM entries WHERE dataset = ${SQ}tail${SQ})" &&
	sqlite3 $db "UPDATE images SET trailing_bytes = NULL, exif_software = NULL,
		exif_make = NULL, exif_model = NULL, xmp_source_type = NULL WHERE sha256 IN
		(SELECT sha256 FROM entries WHERE dataset = ${SQ}meta${SQ})" &&
	gicat migrate >out &&
	test_grep "^migrate: 7 images catalogued before 0012 have no trailing_bytes: ${SQ}gicat migrate --measure${SQ} decodes them to fill it in$" out &&
	test -z "$(gicat query --format paths "dataset = tail and trailing_bytes != null")" &&
	zip=$(gicat query --format csv --fields sha256 "path = ${SQ}tail/fake/zip.png${SQ}" | tail -1) &&
	obj=cat/.gicat/objects/$(echo $zip | cut -c1-2)/$(echo $zip | cut -c3-) &&
	mv $obj zip.obj &&
	test_expect_code 1 gicat migrate --measure >out 2>err &&
	test_grep "^migrate: trailing_bytes measured for 6 of 7 images; 1 could not be read or decoded$" out &&
	gicat query --format csv --fields path,$fields "dataset = meta" | sort >meta.got &&
	test_cmp meta.want meta.got &&
	test_grep "^gicat: migrate: object $zip is missing from the store" err &&
	test "$(gicat query --format paths "dataset = tail and trailing_bytes = null")" = tail/fake/zip.png &&
	mv zip.obj $obj &&
	gicat migrate --measure >out &&
	test_grep "^migrate: trailing_bytes measured for 1 of 1 image; 0 could not be read or decoded$" out &&
	gicat query --format csv --fields path,trailing_bytes "dataset = tail" | sort >got &&
	test_cmp want got &&
	gicat migrate >out && ! grep trailing out &&
	test_expect_code 2 gicat migrate --status --measure 2>err &&
	test_grep "not with --measure" err
'
test_expect_success 'control characters in text keys, values and paths are shown as \\xNN' '
	mkdir -p ctl/fake ctl/real &&
	$PY -c "
from PIL import Image, PngImagePlugin
im = Image.new(\"RGB\", (40, 40), (9, 80, 200))
info = PngImagePlugin.PngInfo()
info.add_text(\"esc\x1b[2Jkey\", \"v\x1b[31mred\")
im.save(\"ctl/fake/e\x1b[31mvil\nname.png\", pnginfo=info)
im.save(\"ctl/real/r.jpg\")
" &&
	gicat ingest --label fake --generator g --dataset ctl ctl/fake 2>/dev/null &&
	# ingest refuses such a name now; a catalog made before keeps it
	sqlite3 cat/.gicat/catalog.db "UPDATE entries SET generator = ${SQ}g${SQ} || char(27) || ${SQ}x${SQ} WHERE dataset = ${SQ}ctl${SQ}" &&
	gicat ingest --label real --dataset ctl ctl/real 2>/dev/null &&
	test_expect_code 1 gicat audit provenance "dataset = ctl" >out 2>/dev/null &&
	! grep -q "$(printf "\033")" out &&
	test_grep "text:esc\\\\x1b\[2Jkey" out && test_grep "^g\\\\x1bx " out &&
	test_expect_code 1 gicat audit license --use commercial "dataset = ctl" >out 2>/dev/null &&
	! grep -q "$(printf "\033")" out &&
	test_grep "e\\\\x1b\[31mvil\\\\x0aname.png" out &&
	gicat audit bias "dataset = ctl" >out 2>/dev/null; ! grep -q "$(printf "\033")" out &&
	h=$(gicat query --format csv --fields sha256 "dataset = ctl and label = fake" | tail -1) &&
	gicat show $h >out && ! grep -q "$(printf "\033")" out &&
	test "$(grep -c "vil" out)" -eq 1
'

test_expect_success 'metadata both labels carry is reported, not called a leak' '
	cp meta/real/photo.jpg meta/fake/photo-fake.jpg &&
	$PY -c "
from PIL import Image
im = Image.open(\"meta/real/photo.jpg\")
im.transpose(Image.FLIP_TOP_BOTTOM).save(\"meta/fake/photo-fake.jpg\", quality=80, exif=im.getexif().tobytes())
" &&
	gicat ingest --label fake --generator sd --dataset meta meta/fake 2>/dev/null &&
	test_expect_code 1 gicat audit provenance "dataset = meta" >out &&
	grep -E "^exif_make +1 +1  both labels" out
'

test_expect_success 'provenance counts images, not chunks; the most common value; leaks first; unlabeled not judged' '
	mkdir -p pv/real pv/fake pv/other &&
	$PY -c "
from PIL import Image, PngImagePlugin
def img(i):
    return Image.new(\"RGB\", (48, 40), (20 * i, 255 - 20 * i, 7 * i))
def jpg(i, path, **tags):
    ex = Image.Exif()
    for k, v in tags.items():
        ex[{\"make\": 0x010F, \"software\": 0x0131}[k]] = v
    img(i).save(path, quality=90, exif=ex.tobytes())
def png(i, path, comments):
    info = PngImagePlugin.PngInfo()
    for c in range(comments):
        info.add_text(\"Comment\", \"c%d\" % c)
    img(i).save(path, pnginfo=info)
jpg(1, \"pv/real/a.jpg\", make=\"Canon\", software=\"A\")
jpg(2, \"pv/real/b.jpg\", make=\"Canon\", software=\"B\")
jpg(3, \"pv/real/c.jpg\", make=\"Nikon\", software=\"B\")
png(4, \"pv/real/d.png\", 1)
png(5, \"pv/fake/f.png\", 3)
jpg(6, \"pv/fake/g.jpg\", make=\"Canon\")
png(7, \"pv/fake/h.png\", 0)
jpg(8, \"pv/other/u.jpg\", software=\"X\")
" &&
	gicat ingest --dataset pv --generator g pv/real pv/fake 2>/dev/null &&
	gicat ingest --dataset pv pv/other 2>/dev/null &&
	test "$(gicat query --count "dataset = pv and label = null")" -eq 1 &&
	test_expect_code 1 gicat audit provenance "dataset = pv" >out 2>err &&
	test_grep "^audit provenance: 4 real, 3 fake entries; .*, 1 label leak$" err &&
	grep -E "^g +fake +3 .* text:Comment 1; exif_make=Canon$" out &&
	grep -E "^- +real +4 .* text:Comment 1; exif_software=B; exif_make=Canon$" out &&
	grep -E "^exif_software +3 +0  LABEL LEAK: only real entries" out &&
	grep -E "^exif_make +3 +1  both labels \(\"present => real\" scores 70.8%\)$" out &&
	grep -E "^text:Comment +1 +1  both labels \(\"present => fake\" scores 54.2%\)$" out &&
	sed -n "/^metadata /,\$p" out | awk "/LABEL LEAK/ && seen { exit 1 } /both labels/ { seen = 1 }"
'

test_expect_success 'provenance --max-shortcut A: metadata both labels carry that scores over A is a problem too' '
	test_expect_code 1 gicat audit provenance --max-shortcut 0.7 "dataset = pv" >out 2>err &&
	test_grep "^audit provenance: 4 real, 3 fake entries; .*, 1 label leak, 2 more over --max-shortcut 70%$" err &&
	grep -E "^exif_make +3 +1  SHORTCUT: \"present => real\" scores 70.8%, over --max-shortcut 70.0%$" out &&
	grep -E "^exif +3 +1  SHORTCUT: " out &&
	grep -E "^text:Comment +1 +1  both labels" out &&
	test_expect_code 1 gicat audit provenance --max-shortcut 0.7 --format json "dataset = pv" >p.json 2>/dev/null &&
	$PY -c "
import json; d = json.load(open(\"p.json\"))
f = {x[\"metadata\"]: x for x in d[\"features\"]}
assert d[\"max_shortcut\"] == 0.7 and d[\"over_max_shortcut\"] == 2, d
assert f[\"exif_make\"][\"over_max_shortcut\"] and not f[\"exif_software\"][\"over_max_shortcut\"]
assert not f[\"text:Comment\"][\"over_max_shortcut\"]
" &&
	gicat audit provenance --format json "dataset = pv" >p.json 2>/dev/null || test $? -eq 1 &&
	$PY -c "import json; d = json.load(open(\"p.json\")); assert d[\"max_shortcut\"] is None and d[\"over_max_shortcut\"] == 0" &&
	mkdir -p ps/real ps/fake &&
	$PY -c "
from PIL import Image
ex = Image.Exif(); ex[0x010F] = \"Canon\"
for i, p in enumerate([\"ps/real/a.jpg\", \"ps/real/b.jpg\", \"ps/fake/c.jpg\"]):
    Image.new(\"RGB\", (40, 32), (30 * i, 90, 9)).save(p, quality=90, exif=ex.tobytes())
Image.new(\"RGB\", (40, 32), (1, 2, 3)).save(\"ps/fake/d.png\")
" &&
	gicat ingest --dataset ps --generator g ps/real ps/fake 2>/dev/null &&
	test_expect_code 1 gicat audit provenance --max-shortcut 0.7 --html ps.html "dataset = ps" >out 2>err &&
	test_grep ", 0 label leaks, 2 more over --max-shortcut 70%$" err &&
	test_grep "2 more over --max-shortcut 70.0%" ps.html &&
	gicat audit provenance --max-shortcut 0.75 "dataset = ps" >out 2>err &&
	test_grep ", 0 label leaks, 0 more over --max-shortcut 75%$" err &&
	test_expect_code 2 gicat audit license --max-shortcut 0.7 2>err &&
	test_grep "max-shortcut is for .audit bias. and .audit provenance." err
'

# 3 of 5 reals and 4 of 5 fakes carry bytes after the image: "present =>
# fake" scores (2/5 + 4/5) / 2 = 0.6, which three roundings made
# 0.6000000000000001, over --max-shortcut 0.6.
test_expect_success 'provenance: a score exactly --max-shortcut is not over it, as for bias' '
	mkdir -p pt/real pt/fake &&
	$PY -c "
from PIL import Image
for i in range(5):
    for lab in (\"real\", \"fake\"):
        p = \"pt/%s/%d.png\" % (lab, i)
        Image.new(\"RGB\", (24, 20), (40 * i, 7 if lab == \"real\" else 99, 3)).save(p)
        if i < (3 if lab == \"real\" else 4):
            open(p, \"ab\").write(b\"PAD\")
" &&
	gicat ingest --dataset pt --generator g pt/real pt/fake 2>/dev/null &&
	gicat audit provenance --max-shortcut 0.6 "dataset = pt" >out 2>err &&
	test_grep ", 0 label leaks, 0 more over --max-shortcut 60%$" err &&
	gicat audit provenance --max-shortcut 0.6 --format json "dataset = pt" >p.json 2>/dev/null &&
	$PY -c "import json; d = json.load(open(\"p.json\")); f = {x[\"metadata\"]: x for x in d[\"features\"]}; assert f[\"trailing\"][\"accuracy\"] == 0.6, f" &&
	test_expect_code 1 gicat audit provenance --max-shortcut 0.59 "dataset = pt" >out 2>err
'

test_expect_success 'provenance --max-shortcut of one label fails, as bias does: nothing could be checked' '
	test_expect_code 1 gicat audit provenance --max-shortcut 0.9 "dataset = pv and label = fake" >out 2>err &&
	test_grep "^exif_make .*not judged: no real entries audited$" out &&
	test_grep "^gicat: audit provenance: --max-shortcut cannot be checked without both real and fake images$" err &&
	gicat audit provenance "dataset = pv and label = fake" >/dev/null 2>err &&
	! grep -q "cannot be checked" err
'

test_expect_success 'provenance of unlabelled entries does not say that none carries metadata' '
	gicat audit provenance "dataset = pv and label = null" >out 2>/dev/null &&
	grep -E "^- +- +1 .* exif_software=X$" out &&
	! grep -q "no image carries" out &&
	test_grep "^(no real or fake entries audited: nothing judged)$" out &&
	gicat audit provenance --html u.html "dataset = pv and label = null" 2>/dev/null &&
	! grep -q "No image carries" u.html &&
	test_grep "No real or fake entries audited: nothing judged" u.html &&
	gicat audit provenance "dataset = ps and label = real" >out 2>/dev/null &&
	test_grep "^exif_make .*not judged: no fake entries audited$" out
'

test_expect_success 'a PNG text key that is not UTF-8 is U+FFFD in the HTML page, as in JSON' '
	mkdir -p latin &&
	$PY -c "
from PIL import Image, PngImagePlugin
info = PngImagePlugin.PngInfo()
info.add_text(\"caf\\xe9\", \"x\")
Image.new(\"RGB\", (32, 32), (9, 9, 9)).save(\"latin/a.png\", pnginfo=info)
" &&
	gicat ingest --label fake --dataset latin latin 2>/dev/null &&
	gicat audit provenance --html latin.html "dataset = latin" >out 2>/dev/null &&
	grep -q "caf&#xFFFD;" latin.html &&
	! grep -q "$(printf "\351")" latin.html
'

# render FILE: headless chromium screenshots FILE; fails on any console
# message (script errors, blocked loads) or a blank page.
render() {
	rm -rf prof && chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$TRASH/prof" --window-size=1280,2000 \
		--screenshot="$TRASH/$1.png" --enable-logging=stderr --v=0 \
		"file://$TRASH/$1" 2>"$1.log" &&
	test "$(wc -c <"$1.png")" -gt 8000 &&
	! grep -E "CONSOLE|Uncaught" "$1.log"
}
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; }
fi

test_expect_success 'an --html page is never written into the catalog, nor left half-written' '
	cp cat/.gicat/catalog.db db.before &&
	for sub in bias license provenance; do
		test_expect_code 2 gicat audit $sub --html cat/.gicat/catalog.db 2>err &&
		test_grep "^gicat: audit: .cat/.gicat/catalog.db.: inside the catalog (.*/cat/.gicat): write reports elsewhere$" err &&
		test "$(wc -l <err)" -eq 1 || return 1
	done &&
	cmp db.before cat/.gicat/catalog.db &&
	mkdir -p ro/page.html && echo old >ro/page.html/keep &&
	test_expect_code 2 gicat audit bias --html ro/page.html >/dev/null 2>err &&
	test_grep "^gicat: audit: .ro/page.html.: is a directory: name a file$" err &&
	test "$(cat ro/page.html/keep)" = old &&
	test "$(ls ro)" = page.html &&
	# what a killed run with this very pid left, or a link put there,
	# neither stops the page nor is written through
	mkdir -p pid && echo other >pid/mine &&
	test_expect_code 1 sh -c "touch pid/r.html.tmp-\$\$ && ln -s mine pid/r.html.tmp-XXXXXX && exec gicat audit license --html pid/r.html" >/dev/null 2>err &&
	grep -q "<html" pid/r.html && test "$(cat pid/mine)" = other &&
	test "$(stat -c %a pid/r.html)" = "$(touch pid/new && stat -c %a pid/new)"
'

test_expect_success '--html into a directory that does not exist is refused before any work' '
	test_expect_code 2 gicat audit bias --html nodir/page.html >out 2>err &&
	! test -s out && ! test -e nodir &&
	test "$(cat err)" = "gicat: audit: '"'"'nodir/page.html'"'"': cannot be written: its directory does not exist" &&
	test_expect_code 2 gicat eval genimage/cross-sd14 --predictions x.csv --html nodir/p.html >out 2>err &&
	test_grep "cannot be written: its directory does not exist" err
'

test_expect_success '--html naming a directory or nothing is refused before any work' '
	mkdir -p adir &&
	test_expect_code 2 gicat audit bias --html adir >out 2>err && ! test -s out &&
	test "$(cat err)" = "gicat: audit: '"'"'adir'"'"': is a directory: name a file" &&
	test_expect_code 2 gicat audit provenance --html "" >out 2>err && ! test -s out &&
	test "$(cat err)" = "gicat: audit: '"'"''"'"': an empty file name"
'

test_expect_success 'audits: odd names in JSON, bars in their frame, verdicts that say what was judged' '
	mkdir -p odd/fake odd/real &&
	$PY -c "
from PIL import Image, PngImagePlugin
info = PngImagePlugin.PngInfo()
info.add_text(\"parameters\", \"steps 20\")
Image.new(\"RGB\", (40, 30), (200, 10, 10)).save(\"odd/fake/a.png\", pnginfo=info)
Image.new(\"RGB\", (40, 30), (10, 200, 10)).save(open(b\"odd/fake/x\xff.png\", \"wb\"), \"PNG\")
Image.new(\"RGB\", (40, 30), (10, 10, 200)).save(\"odd/real/r.jpg\")
" &&
	gicat init oc 2>/dev/null &&
	gicat --catalog oc ingest --label fake --generator "g$(printf "\377")" odd/fake 2>/dev/null &&
	gicat --catalog oc ingest --label real --license MIT odd/real 2>/dev/null &&
	test_expect_code 1 gicat --catalog oc audit license --format json >l.json 2>/dev/null &&
	$PY -c "
import json
d = json.load(open(\"l.json\"))
paths = sorted(p[\"path\"] for p in d[\"problems\"])
assert paths == [\"odd/fake/a.png\", \"odd/fake/x\ufffd.png\"], paths
assert all(p[\"generator\"] == \"g\ufffd\" for p in d[\"problems\"]), d
" &&
	# two unlicensed entries, one MIT: the longest bar is the unlicensed one
	test_expect_code 1 gicat --catalog oc audit license --html l.html 2>/dev/null &&
	svg=$(grep -o "<svg width=\"[0-9]*\"" l.html | head -1 | tr -dc 0-9) &&
	grep -o "<rect x=\"[0-9]*\" y=\"[0-9]*\" width=\"[0-9]*\"" l.html |
		awk -F\" -v w=$svg "{ if (\$2 + \$6 > w) bad = 1 } END { exit bad }" &&
	gicat --catalog oc license set "label = fake" LicenseRef-Unknown 2>/dev/null &&
	test_expect_code 1 gicat --catalog oc audit license --use commercial >out 2>/dev/null &&
	grep -E "^LicenseRef-Unknown +2 .* unknown$" out &&
	gicat --catalog oc audit provenance "label = fake" >out 2>/dev/null &&
	test_grep "^text  .*  not judged: no real entries audited$" out &&
	gicat --catalog oc audit bias >out 2>/dev/null &&
	test_grep "jpeg quality (bin:entries) *short side (bin:entries)" out &&
	gicat --catalog oc audit bias --html b.html 2>/dev/null &&
	! grep -q "<title>[^<]*<[0-9]" b.html && grep -q "short side &lt;128" b.html &&
	test_expect_code 3 gicat --catalog oc audit bias --format json >/dev/full 2>err &&
	test_grep "^gicat: write to stdout: No space left on device$" err
'

test_expect_success '--html into a FIFO writes through it; through a symlink replaces its target, the link stays' '
	mkfifo pipe && { timeout 10 cat pipe >piped & } &&
	gicat audit bias --html pipe >/dev/null 2>&1 && wait &&
	test -p pipe && grep -q "</html>" piped &&
	echo old >target.html && ln -s target.html link.html &&
	gicat audit bias --html link.html >/dev/null 2>&1 &&
	test -L link.html && grep -q "</html>" target.html &&
	test "$(ls target.html.tmp-* link.html.tmp-* 2>/dev/null | wc -l)" -eq 0
'

test_expect_success 'HTML pages are self-contained: no script, nothing fetched, SVG charts' '
	test_expect_code 1 gicat audit bias --html bias.html --max-shortcut 0.6 "dataset = genimage" >/dev/null 2>&1 &&
	test_expect_code 1 gicat audit license --use commercial --html lic.html >/dev/null 2>&1 &&
	test_expect_code 1 gicat audit provenance --html prov.html "dataset = meta" >/dev/null 2>&1 &&
	test_expect_code 1 gicat audit provenance --format json "dataset = meta" >prov.json 2>/dev/null &&
	for f in bias.html lic.html prov.html; do
		! grep -Ei "<script|<link|src=|url\\(|@import|http://|https://" $f || exit 1
		grep -q "<svg" $f && grep -q "</html>" $f || exit 1
	done &&
	test "$(grep -c "<h2>" bias.html)" -eq 1 &&
	grep -q "format = png &#8658; fake" bias.html &&
	grep -q "short_side &lt;= 256 &#8658; fake" bias.html &&
	test "$(grep -o "<tr><td class=\"l\">" bias.html | wc -l)" -eq $((2 * $(gicat query --group-by subset,label "dataset = genimage" | tail -n +2 | wc -l))) &&
	test "$(grep -c "<text [^>]*class=\"warn\">" prov.html)" -eq \
		"$($PY -c "import json; print(json.load(open(\"prov.json\"))[\"leaks\"])")"
'

# A path or a license's name kept on one line makes the problems table
# wider than the page, the ends of the paths past its right edge.
test_expect_success 'long cells of the license page may wrap, so its tables fit the page' '
	"$PY" - lic.html <<-\EOF
	import re, sys
	page = open(sys.argv[1]).read()
	style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
	rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", style))
	def wraps(cls):
	    return any("td." + c in sel.split(",") and "white-space:normal" in body and
	               "overflow-wrap:anywhere" in body for c in cls for sel, body in rules.items())
	n = 0
	for cls, text in re.findall(r"<td(?: class=\"([^\"]*)\")?>([^<]*)</td>", page):
	    if len(text) > 50:
	        assert wraps(cls.split()), (cls, text)
	        n += 1
	assert n > 10, n
	EOF
'

test_expect_success 'the license chart'"'"'s legend speaks of a use only when one is judged' '
	gicat audit license --html lnone.html >/dev/null 2>&1 || : &&
	grep -q "^<p>Green: allows the use (commercial); red: forbids it; grey: an unknown license, or none\." lic.html &&
	grep -q "^<p>Green: in the registry; grey: an unknown license, or none (no use judged)\." lnone.html &&
	! grep -q "allows" lnone.html
'

if command -v chromium >/dev/null 2>&1; then
	test_expect_success 'chromium renders the three pages to PNG without a console error' '
		render bias.html && render lic.html && render prov.html
	'
	test_expect_success 'the console check catches a page with a script error' '
		printf "<!DOCTYPE html><html><body><p>x</p><script>nosuch()</script></body></html>" >bad.html &&
		! render bad.html && test_grep "Uncaught" bad.html.log
	'
else
	echo "# SKIP: chromium is not installed and could not be; HTML not rendered"
	echo "SKIP: chromium missing: HTML pages not rendered in a browser" >&2
fi

test_done
