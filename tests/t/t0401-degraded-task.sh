#!/bin/sh
# Degraded tasks: the shipped degraded.ini gives the paper's six degraded
# test sets as derived images -- computed once, reused after, identical
# whatever --jobs -- degrade_real touching the reals only, LICENSES.md
# counting the parents' licenses, eval finding derived images by path and by
# sha256, and the unbiased tasks give sets where format and size tell nothing.
. "$(dirname "$0")/lib.sh"

fixture_catalog

test_expect_success 'a bad --out is refused before any image is derived' '
	: >afile && mkdir full && echo x >full/f &&
	for out in nosuch/x afile "$TRASH/cat/.gicat/x" full; do
		test_expect_code 2 gicat split genimage/degraded --out "$out" 2>err &&
		! grep computed err && test "$(wc -l <err)" -eq 1 || exit 1
	done &&
	test_expect_code 2 gicat split genimage/degraded --out full 2>err &&
	test_grep "^gicat: split: .full.: not empty: refusing to write into it (use --force)$" err &&
	test_expect_code 2 gicat split genimage/degraded --out "$TRASH/cat/.gicat/x" 2>err &&
	test_grep "^gicat: split: .$TRASH/cat/.gicat/x.: inside the catalog" err &&
	test_expect_code 2 gicat export "generator = sd14" --out nosuch/x 2>err &&
	test_grep "^gicat: export: .nosuch/x.: cannot be created: its parent directory does not exist$" err &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM derivations")" = 0
'

test_expect_success 'degraded.ini makes six degraded test sets and says what it computed' '
	gicat split genimage/degraded --jobs 2 --out deg 2>err &&
	test_grep "degraded images: [1-9][0-9]* computed, 0 reused" err &&
	for s in lr112 lr64 jpeg65 jpeg30 blur3 blur5; do test -d deg/test/$s/1_fake || exit 1; done &&
	(cd deg && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success 'the degraded files are what their set says' '
	$PY -c "
from PIL import Image
import glob
for f in glob.glob(\"deg/test/lr64/*/*\"):
    assert min(Image.open(f).size) == 64, f
for f in glob.glob(\"deg/test/lr112/*/*\"):
    assert min(Image.open(f).size) == 112, f
for f in glob.glob(\"deg/test/jpeg30/*/*\"):
    im = Image.open(f); assert im.format == \"JPEG\" and f.endswith(\".jpg\"), f
for f in glob.glob(\"deg/test/blur3/*/*\"):
    assert Image.open(f).format == \"PNG\", f
" &&
	test_grep "^degrade = jpeg(quality=30)" deg/task.ini &&
	test_grep "^degrade = resize(short=112)" deg/task.ini
'

test_expect_success 'a second run computes nothing and writes the same bytes' '
	gicat split genimage/degraded --jobs 1 --out deg2 2>err &&
	test_grep "degraded images: 0 computed, [1-9][0-9]* reused" err &&
	test_cmp deg/MANIFEST.sha256 deg2/MANIFEST.sha256
'

test_expect_success 'a derived object cut short is computed again by the split, which then writes the same bytes' '
	d=$(sqlite3 cat/.gicat/catalog.db "SELECT derived FROM derivations WHERE ops = ${SQ}blur(sigma=5)|png()${SQ} LIMIT 1") &&
	o=cat/.gicat/objects/$(echo $d | cut -c1-2)/$(echo $d | cut -c3-) &&
	chmod u+w $o && truncate -s 100 $o &&
	gicat split genimage/degraded --out deg-cut 2>err &&
	test_grep "degraded images: 1 computed, [1-9][0-9]* reused" err &&
	test_cmp deg/MANIFEST.sha256 deg-cut/MANIFEST.sha256 &&
	test "$(sha256sum <$o | cut -c1-64)" = $d &&
	gicat verify --full >/dev/null
'

test_expect_success 'a fresh catalog derives the same bytes with another --jobs' '
	gicat init cat2 2>/dev/null &&
	(cd data && gicat --catalog ../cat2 ingest genimage 2>/dev/null) || : &&
	gicat --catalog cat2 split genimage/degraded --jobs 1 --out deg3 2>err &&
	test_grep " 0 reused" err &&
	test_cmp deg/MANIFEST.sha256 deg3/MANIFEST.sha256
'

# hashes DIR SUBDIR: the sha256s MANIFEST.sha256 lists under DIR/SUBDIR/, sorted.
hashes() { awk -v d="$2/" 'index($2, d) == 1 {print $1}' "$1/MANIFEST.sha256" | sort; }
# selected EXPR: the distinct images of EXPR, sorted.
selected() { gicat query --format csv --fields sha256 "$1" | tail -n +2 | sort -u; }
sql() { sqlite3 cat/.gicat/catalog.db "$1"; }

test_expect_success 'degrade_real degrades the reals of a set and leaves its fakes as they are' '
	printf "[task]\nname = reals\n[test x]\nselect = subset = sd14 and split = val\ndegrade_real = jpeg(quality=30)\n" \
		>reals.ini &&
	gicat split reals.ini --out dr 2>err &&
	test_grep "degraded images: " err &&
	hashes dr test/x/1_fake >fakes &&
	selected "subset = sd14 and split = val and label = fake" >want && test_cmp want fakes &&
	hashes dr test/x/0_real >reals && test -s reals &&
	for h in $(cat reals); do
		sql "SELECT parent FROM derivations WHERE derived = '\''$h'\'' AND ops = '\''jpeg(quality=30)'\''" ||
			return 1
	done | sort >parents &&
	selected "subset = sd14 and split = val and label = real" >want && test_cmp want parents
'

test_expect_success 'hf, webdataset and manifest metadata name the original and ops of a degraded image' '
	for f in hf webdataset manifest; do
		gicat split reals.ini --format $f --out dr-$f 2>/dev/null || return 1
	done &&
	gicat export "subset = sd14 and split = val" --format manifest --out nd 2>/dev/null &&
	$PY -c "
import csv, json, sqlite3, tarfile
db = sqlite3.connect(\"cat/.gicat/catalog.db\")
parent = dict(db.execute(\"SELECT derived, parent FROM derivations WHERE \"
                         \"ops = ${SQ}jpeg(quality=30)${SQ}\"))
def check(rows, first):
    n = [0, 0]
    for r in rows:
        keys = list(r)
        assert keys[0] == first, keys
        assert keys[-2:] == [\"parent_sha256\", \"ops\"], keys
        d = r[\"sha256\"] in parent
        want = [parent.get(r[\"sha256\"]), \"jpeg(quality=30)\" if d else None]
        assert [r[\"parent_sha256\"] or None, r[\"ops\"] or None] == want, r
        n[d] += 1
    assert n[0] and n[1], n
jl = lambda f: [json.loads(l) for l in open(f)]
check(jl(\"dr-hf/test/x/metadata.jsonl\"), \"file_name\")
check(jl(\"dr-manifest/test/x.jsonl\"), \"sha256\")
check(csv.DictReader(open(\"dr-manifest/test/x.csv\")), \"sha256\")
t = tarfile.open(\"dr-webdataset/test/x-000000.tar\")
check([json.load(t.extractfile(m)) for m in t if m.name.endswith(\".json\")],
      \"sha256\")
head = next(csv.reader(open(\"nd/export.csv\")))
assert head == \"sha256 path label generator class object\".split(), head
assert all(\"ops\" not in r for r in jl(\"nd/export.jsonl\"))
"
'

test_expect_success 'LICENSES.md of a degraded export counts the parents'"'"' licenses' '
	printf "[task]\nname = mj\n[test mj]\nselect = subset = midjourney and split = val\ndegrade = jpeg(quality=50)\n" \
		>mj.ini &&
	gicat split mj.ini --out lic 2>err &&
	hashes lic test/mj >files && selected "subset = midjourney" >originals &&
	test -s files && ! grep -F -f originals files &&
	gicat query --format csv --fields sha256,license "subset = midjourney and split = val" |
		tail -n +2 | sort -u | cut -d, -f2 | tr " " "\n" | sort | uniq -c |
		awk "{print \"| \" \$2 \" | \" \$1 \" |\"}" >want &&
	test_grep Midjourney want &&
	grep "^| LicenseRef-" lic/LICENSES.md >got && test_cmp want got
'

test_expect_success 'derived images are recorded with their parent and ops' '
	f=$(ls deg/test/jpeg30/1_fake | head -1) && h=${f%.*} &&
	gicat show "$h" >out &&
	test_grep "jpeg(quality=30)" out
'

test_expect_success 'leakcheck compares degraded test images through their originals' '
	gicat leakcheck genimage/degraded >out 2>err &&
	test_grep " 0 train/test pairs" err
'

test_expect_success 'eval scores a degraded set by the exported paths' '
	find deg/test -type f -name "*.*g" | while read f; do
		case $f in */1_fake/*) s=0.9 ;; *) s=0.1 ;; esac
		echo "$f,$s"; done | sed "1i path,score" >preds.csv &&
	gicat eval genimage/degraded --predictions preds.csv --format csv >res.csv &&
	test_grep "^test/jpeg30,[0-9]*,1.0,1.0,1.0,1.0$" res.csv &&
	test_grep "^avg," res.csv &&
	gicat eval genimage/degraded --predictions preds.csv >table &&
	head -1 table | grep -qE "^ +LR112 +LR64 +JPEG65 +JPEG30 +blur3 +blur5 +Avg$"
'

test_expect_success 'eval scores a degraded set by the derived images'"'"' sha256 too' '
	awk -v OFS=, "BEGIN { print \"path,score\" } \$2 ~ /^test\\// {
		print \$2, (index(\"0123456789abcdef\", substr(\$1, 1, 1)) - 1) / 15 }" \
		deg/MANIFEST.sha256 >bypath.csv &&
	awk -v OFS=, "BEGIN { print \"sha256,score\" } \$2 ~ /^test\\// {
		print \$1, (index(\"0123456789abcdef\", substr(\$1, 1, 1)) - 1) / 15 }" \
		deg/MANIFEST.sha256 >bysha.csv &&
	gicat eval genimage/degraded --predictions bypath.csv --format csv >want &&
	gicat eval genimage/degraded --predictions bysha.csv --format csv >got 2>err &&
	test_cmp want got && ! grep -e ignored -e "no prediction" err &&
	test "$(grep -c ",1.0,1.0,1.0,1.0$" got)" -lt 7
'

test_expect_success 'task show --items gives degraded images their derived sha256' '
	gicat task show --items genimage/degraded >items.csv 2>err &&
	test "$(head -1 items.csv)" = "set,sha256,label,generator,class,path,derived_sha256" &&
	awk -F, "\$1 ~ /^test\\// {print \$7}" items.csv | sort >derived &&
	awk "\$2 ~ /^test\\// {print \$1}" deg/MANIFEST.sha256 | sort >want &&
	test_cmp want derived &&
	awk -F, "\$1 == \"train\" && \$7 != \"\"" items.csv >undegraded && test ! -s undegraded &&
	gicat task show --format jsonl genimage/degraded 2>/dev/null >items.jsonl &&
	$PY -c "
import json
rows = [json.loads(l) for l in open(\"items.jsonl\")]
deg = [r[\"derived_sha256\"] for r in rows if r[\"set\"].startswith(\"test/\")]
assert deg and all(len(d) == 64 for d in deg)
assert all(r[\"derived_sha256\"] is None for r in rows if r[\"set\"] == \"train\")
"
'

test_expect_success 'eval says so when predictions name the originals of degraded images' '
	awk -F, -v OFS=, "BEGIN { print \"sha256,score\" } \$1 ~ /^test\\// {
		print \$2, \$3 == \"fake\" ? 0.9 : 0.1 }" items.csv >originals.csv &&
	test_expect_code 1 gicat eval genimage/degraded --predictions originals.csv >out 2>err &&
	test_grep "^gicat: eval: ignored: .originals.csv.: line 2: sha256 .[0-9a-f]\{64\}. names the original of a degraded image" err &&
	test_grep "^eval: originals.csv: ignored 48 rows that name the original of a degraded image: degraded sets are scored by the derived image.s sha256 or exported path$" err &&
	! grep "naming no image" err &&
	test "$(tail -1 err)" = "gicat: eval: ${SQ}originals.csv${SQ}: no prediction names an image of the task: 48 name the original of a degraded image, which the task scores by the derived image${SQ}s sha256 or exported path (gicat split writes them)" &&
	awk -F, -v OFS=, "BEGIN { print \"sha256,score\" } \$1 ~ /^test\\// {
		print \$7, \$3 == \"fake\" ? 0.9 : 0.1 }" items.csv >derived.csv &&
	gicat eval genimage/degraded --predictions derived.csv --format csv >got &&
	test_cmp res.csv got
'

test_expect_success 'an unbiased task: all JPEG q96, one size per set' '
	gicat split genimage/unbiased-sd14 --out unb 2>err &&
	$PY -c "
from PIL import Image
import glob
fs = glob.glob(\"unb/test/sd14/*/*\")
assert fs
for f in fs:
    im = Image.open(f)
    assert im.format == \"JPEG\" and im.size == (448, 448), (f, im.size)
"
'

test_expect_success 'a bad degrade chain is an error naming the set' '
	printf "[task]\n[test x]\nselect = label = fake\ndegrade = jpeg(quality=0)\n" >bad.ini &&
	test_expect_code 2 gicat split bad.ini --out bad 2>err &&
	test_grep "bad.ini:4: set .test/x.: degrade: jpeg: quality must be 1..100, not 0" err
'

test_expect_success 'a chain some images do not fit is an error of task check, and split says so before deriving' '
	printf "[task]\nname = cc\n[test a]\nselect = subset = sd14 and split = val\ndegrade = resize(short=300)|center_crop(600)\n" >cc.ini &&
	n=$(gicat query --count "subset = sd14 and split = val") &&
	test_expect_code 1 gicat task check cc.ini 2>err >out &&
	test_grep "^gicat: task: cc.ini:3: set .test/a.: $n of $n images do not fit its degrade chain (the first, [0-9a-f]\{12\}, [0-9]*x[0-9]*: cannot crop 600x600 out of a [0-9]*x300 image)" err &&
	derived=$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM derivations") &&
	test_expect_code 2 gicat split cc.ini --out cc 2>err &&
	test_grep "cc.ini:3: set .test/a.: $n of $n images do not fit" err &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM derivations")" -eq "$derived" &&
	sed -i "s/center_crop(600)/center_crop(300)/" cc.ini &&
	gicat task check cc.ini >out 2>err
'

test_expect_success 'two originals that degrade to one image are kept once, the label clash said' '
	mkdir -p twin/0_real twin/1_fake &&
	$PY -c "
from PIL import Image, PngImagePlugin
im = Image.new(\"RGB\", (64, 48))
im.putdata([((x * 5) % 256, (y * 9) % 256, (x + y) % 256) for y in range(48) for x in range(64)])
for d, t in ((\"twin/0_real/a.png\", \"one\"), (\"twin/1_fake/b.png\", \"two\"), (\"twin/1_fake/c.png\", \"three\")):
    info = PngImagePlugin.PngInfo(); info.add_text(\"note\", t); im.save(d, pnginfo=info)
" &&
	gicat ingest --dataset twin twin 2>/dev/null &&
	test "$(gicat query --count "dataset = twin")" -eq 3 &&
	printf "[task]\nname = twin\n[test t]\nselect = dataset = twin\ndegrade = jpeg(quality=50)\n" >twin.ini &&
	gicat split twin.ini --out twin-out 2>err &&
	test_grep "warning: twin.ini:3: set .test/t.: 1 degraded image is the result of several originals, kept once (first: [0-9a-f]\{12\}, from [0-9a-f]\{12\}, 1 more and [0-9a-f]\{12\}); 1 of them from originals labelled real and fake" err &&
	test "$(find twin-out/test -type f | wc -l)" -eq 1 &&
	test "$(gicat task show --items twin.ini 2>/dev/null | grep -c "^test/t,")" -eq 1 &&
	gicat split twin.ini --out twin-out2 2>/dev/null &&
	diff -r twin-out/test twin-out2/test &&
	# eval and task show --items, which derive, warn the same
	gicat task show --items --format csv twin.ini >items 2>err &&
	test_grep "warning: twin.ini:3: set .test/t.: 1 degraded image is the result of several originals" err &&
	echo sha256,score >p.csv && tail -n +2 items | cut -d, -f7 | sed "s/$/,0.9/" >>p.csv &&
	gicat eval twin.ini --predictions p.csv >/dev/null 2>err &&
	test_grep "^gicat: eval: warning: twin.ini:3: set .test/t.: 1 degraded image is the result of several originals.*labelled real and fake" err &&
	printf "twin.ini\tp.csv\n" >runs.tsv &&
	gicat eval --matrix runs.tsv >/dev/null 2>err &&
	test_grep "^gicat: eval --matrix: warning: twin.ini:3: set .test/t.: 1 degraded" err
'

# kill -9 while a degraded split derives and writes (a tree five times the
# fixture's, so that there is time to): the catalog stays consistent, and
# the next split writes what an uninterrupted one writes.
test_expect_success 'a degraded split killed at any moment loses nothing' '
	genimage_tree big --scale 5 &&
	gicat init kc 2>/dev/null &&
	(cd big && gicat --catalog ../kc ingest --jobs 2 genimage >/dev/null 2>&1 || :) &&
	cp -a kc kc-whole &&
	gicat --catalog kc-whole split genimage/degraded --jobs 2 --out kwhole 2>/dev/null &&
	landed=0 &&
	for delay in 0.1 0.4 0.9; do
		rm -rf kout &&
		{ gicat --catalog kc split genimage/degraded --jobs 2 --out kout 2>/dev/null & } &&
		pid=$! && sleep $delay &&
		if kill -9 $pid 2>/dev/null; then landed=$((landed + 1)); fi;
		wait $pid;
		gicat --catalog kc verify --full >out 2>&1 ||
			{ cat out; exit 1; }
	done &&
	test $landed -ge 1 &&
	gicat --catalog kc split genimage/degraded --jobs 2 --out kout --force 2>/dev/null &&
	test_cmp kwhole/MANIFEST.sha256 kout/MANIFEST.sha256 &&
	gicat --catalog kc split --check kout >/dev/null &&
	gicat --catalog kc verify --full >out && test_grep " 0 problems" out
'

test_done
