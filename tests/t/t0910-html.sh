#!/bin/sh
# HTML reports (audit license|provenance|bias --html, eval --html, eval
# --matrix --html) for names that are hostile to HTML: markup characters,
# control characters and bytes that are not UTF-8 in a dataset, generator,
# license id and task name.  Every page is checked with Python's parsers:
# tags balanced, attributes quoted, one <html>, a charset, nothing fetched,
# no control character, each inline SVG well-formed XML.  The license
# table on a terminal escapes them too.
. "$(dirname "$0")/lib.sh"

gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"
EVIL=$(printf 'd<b>&"x'"'"'\001\033\177\302\205\377')
mkdir -p fake real other
cp "$SHARED/data/pngsuite/basn2c08.png" "$SHARED/data/pngsuite/basn0g08.png" fake/
cp "$SHARED/data/pngsuite/basn2c16.png" "$SHARED/data/pngsuite/basn0g16.png" real/
cp "$SHARED/data/pngsuite/basn6a08.png" other/
gicat ingest --dataset evil --label fake --generator evil fake 2>/dev/null
gicat ingest --dataset evil --label real --license MIT real 2>/dev/null
gicat ingest --dataset evil --label fake --generator g2 other 2>/dev/null
# names ingest refuses now (control characters), as an older catalog has
# them: given as bytes, so that the one that is not UTF-8 stays as it is
python3 - "$EVIL" <<'PY'
import os, sqlite3, sys
db = sqlite3.connect("cat/.gicat/catalog.db")
evil = os.fsencode(sys.argv[1])
db.execute("UPDATE entries SET dataset = CAST(?1 AS TEXT), generator = "
           "CASE generator WHEN 'evil' THEN CAST(?1 AS TEXT) ELSE generator "
           "END WHERE dataset = 'evil'", (evil,))
db.commit()
PY
# an id no ingest accepts, as an older catalog or a hand edit leaves it
sqlite3 cat/.gicat/catalog.db "UPDATE entries SET license = 'L<i>&\"''$(printf '\001\033\377') MIT' WHERE generator <> 'g2' AND label = 'fake'"
# a test set with one label (no fake accuracy, no AP) and an empty one
printf '[task]\nname = T<n>&"%s\n[train]\nselect = label = fake\n[test a.b]\nselect = generator = g2 or label = real\n[test one]\nselect = label = real\n[test empty]\nselect = dataset = none\n' \
	"'$(printf '\001\033\377')" >t.ini
gicat task show --items t.ini | awk -F, 'NR > 1 && $1 ~ /^test/ { print $2 "," ($3 == "fake" ? 0.9 : 0.1) }' |
	sort -u | sed "1i sha256,score" >p.csv
printf 't.ini\tp.csv\n' >runs.tsv

cat >check.py <<'PY'
import re, sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "wbr"}

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack, self.errors, self.nhtml = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.nhtml += tag == "html"
        self.errors += ["bare attribute %s" % k for k, v in attrs if v is None]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append("unbalanced </%s>" % tag)

for name in sys.argv[1:]:
    text = open(name, "rb").read().decode("utf-8")  # fails on bad UTF-8
    p = Page()
    p.feed(text)
    p.close()
    errors = p.errors + (["unclosed %s" % p.stack] if p.stack else [])
    if p.nhtml != 1:
        errors.append("%d <html>" % p.nhtml)
    if '<meta charset="utf-8">' not in text:
        errors.append("no charset")
    ctl = sorted({hex(ord(c)) for c in text if (ord(c) < 32 and c not in "\t\n\r")
                  or 0x7f <= ord(c) <= 0x9f})
    if ctl:
        errors.append("control characters %s" % ctl)
    if re.search(r"(?i)https?:|src=|href=|<script|<link|@import|url\((?!#)", text):
        errors.append("something fetched")
    if re.search(r"(?i)\b(nan|inf)\b", re.sub(r"<[^>]*>", "", text)):
        errors.append("nan or inf shown")
    if re.search(r'\b(width|height)="-', text):
        errors.append("negative size")
    for svg in re.findall(r"<svg .*?</svg>", text, re.S):
        try:
            ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))
        except ET.ParseError as e:
            errors.append("SVG: %s" % e)
            break
    if errors:
        print(name, errors)
        sys.exit(1)
PY

test_expect_success 'pages about hostile names are well-formed, escaped, without control characters' '
	test_expect_code 1 gicat audit license --html l.html >/dev/null 2>&1 &&
	test_expect_code 1 gicat audit license --task t.ini --use commercial --html lt.html >/dev/null 2>&1 &&
	gicat audit provenance --html p.html >/dev/null 2>&1 &&
	gicat audit provenance --task t.ini --html pt.html >/dev/null 2>&1 &&
	gicat audit bias --html b.html >/dev/null 2>&1 &&
	gicat audit bias --task t.ini --html bt.html >/dev/null 2>&1 &&
	gicat eval t.ini --predictions p.csv --html e.html >/dev/null 2>&1 &&
	gicat eval --matrix runs.tsv --html m.html >/dev/null 2>&1 &&
	"$PY" check.py l.html lt.html p.html pt.html b.html bt.html e.html m.html &&
	grep -qF "d&lt;b&gt;&amp;&quot;x&#39;" b.html &&
	grep -qF "L&lt;i&gt;&amp;&quot;&#39;" l.html &&
	grep -qF "T&lt;n&gt;&amp;&quot;&#39;" e.html
'

# A PNG text key may be 79 bytes: "text:" and 79 K are 560 pixels in
# DejaVu Sans Bold 12px (a leak is bold), more than a fixed label column;
# and a hand-edited license id as long.  Labels are right-aligned to the
# bars, so one too long lost its start off the left of the picture.
test_expect_success 'long metadata names and license ids start inside their chart' '
	gicat init kcat 2>/dev/null && mkdir -p kf kr &&
	"$PY" -c "
from PIL import Image, PngImagePlugin
info = PngImagePlugin.PngInfo()
info.add_text(\"K\" * 79, \"x\")
Image.new(\"RGB\", (32, 32), (9, 9, 9)).save(\"kf/k.png\", pnginfo=info)
" &&
	cp "$SHARED/data/pngsuite/basn0g08.png" kr/ &&
	gicat --catalog kcat ingest --dataset k --label fake kf 2>/dev/null &&
	gicat --catalog kcat ingest --dataset k --label real --license MIT kr 2>/dev/null &&
	sqlite3 kcat/.gicat/catalog.db "UPDATE entries SET license = '"'"'$(printf "K%.0s" $(seq 60))'"'"' WHERE label = '"'"'fake'"'"'" &&
	test_expect_code 1 gicat --catalog kcat audit provenance --html kp.html >/dev/null 2>&1 &&
	test_expect_code 1 gicat --catalog kcat audit license --html kl.html >/dev/null 2>&1 &&
	"$PY" - kp.html kl.html <<-\EOF
	import re, sys
	# DejaVu Sans advances (em), regular and bold
	em = {"K": (0.656, 0.775), "t": (0.392, 0.478), "e": (0.615, 0.678),
	      "x": (0.592, 0.645), ":": (0.337, 0.4)}
	n = 0
	for name in sys.argv[1:]:
	    for x, cls, t in re.findall(r"<text x=\"(\d+)\" y=\"\d+\" text-anchor=\"end\"( class=\"warn\")?>([^<]*)</text>", open(name).read()):
	        if "KKKK" not in t:
	            continue
	        w = sum(em[c][bool(cls)] for c in t) * 12
	        assert int(x) - w >= 0, (name, t, x, w)
	        n += 1
	assert n == 2, n
	EOF
'

# The empty set has no score: its cells are grey with a dash, which the
# legend explains, inside the picture (t0700 counts the rectangles of a
# heatmap without one: no such entry).
test_expect_success 'a heatmap with cells without a score says what their grey means' '
	"$PY" - e.html <<-\EOF
	import re, sys
	page = open(sys.argv[1]).read()
	w = int(re.search(r"<svg width=\"(\d+)\"", page).group(1))
	assert re.search(r"<rect [^>]*fill=\"#eeeeee\" stroke=\"#fff\"/>\n<text [^>]*>-</text>", page)
	swatch = re.search(r"<rect x=\"(\d+)\" y=\"\d+\" width=\"14\" height=\"14\" fill=\"#eeeeee\" stroke=\"#888\"/>\n<text x=\"(\d+)\" [^>]*>- no score</text>", page)
	assert swatch, "no legend for the grey cells"
	assert int(swatch.group(2)) + 8 * 10 <= w, (swatch.groups(), w)
	EOF
	grep -q ">- no score</text>" m.html
'

test_expect_success 'the license table shows an id'"'"'s control characters as \\xNN, as the problem rows do' '
	test_expect_code 1 gicat audit license >out 2>/dev/null &&
	! grep -q "$(printf "[\001\033]")" out &&
	grep -qF "L<i>&\"${SQ}\\x01\\x1b\\xff " out
'

test_expect_success 'LICENSES.md of an export: a hand-edited id with | and control characters stays one table cell' '
	cp -r kcat mdcat &&
	sqlite3 mdcat/.gicat/catalog.db "UPDATE entries SET license = '"'"'a|b$(printf "\033")c'"'"' WHERE label = '"'"'fake'"'"'" &&
	gicat --catalog mdcat export --format manifest --out mdout "dataset = k" 2>/dev/null &&
	! grep -q "$(printf "\033")" mdout/LICENSES.md &&
	sed -n "/^| license | files |$/,/^$/p" mdout/LICENSES.md | grep "^| " >rows &&
	test "$(wc -l <rows)" -eq 3 &&
	sed "s/\\\\|//g" rows | awk -F"|" "NF != 4 { exit 1 }" &&
	grep -qF "| a\|b\x1bc | 1 |" rows &&
	grep -qF "## a\|b\x1bc" mdout/LICENSES.md
'

# GFM reads "\\" as an escaped backslash: an id's own backslash before its
# '|' would leave that '|' a cell border, unless it is escaped too.
test_expect_success 'LICENSES.md: a backslash of an id is escaped, so the id stays one cell' '
	cp -r kcat bscat &&
	sqlite3 bscat/.gicat/catalog.db "UPDATE entries SET license = '"'"'a\\|b'"'"' WHERE label = '"'"'fake'"'"'" &&
	gicat --catalog bscat export --format manifest --out bsout "dataset = k" 2>/dev/null &&
	sed -n "/^| license | files |$/,/^$/p" bsout/LICENSES.md | grep "^| " >rows &&
	test "$(wc -l <rows)" -eq 3 &&
	sed "s/\\\\.//g" rows | awk -F"|" "NF != 4 { exit 1 }" &&
	grep -qF "| a\\\\\\|b | 1 |" rows &&
	grep -qF "## a\\\\\\|b" bsout/LICENSES.md
'

test_done
