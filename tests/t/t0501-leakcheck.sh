#!/bin/sh
# leakcheck: a test image that is a training image -- the same bytes, or a
# re-encoded or resized copy -- is found, with both paths and the distance;
# a clean task passes; group = near_duplicate keeps copies in one share.
. "$(dirname "$0")/lib.sh"

fixture_catalog
SD14=data/genimage/stable_diffusion_v_1_4/imagenet_ai_0419_sdv4
src=$(ls $SD14/train/nature/*.JPEG | head -1)

test_expect_success 'a clean task passes (exit 0)' '
	gicat leakcheck genimage/cross-sd14 >out 2>err &&
	test_grep "0 train/test pairs" err
'

test_expect_success 'a byte copy of a training image in a test set is caught' '
	cp "$src" data/genimage/glide/imagenet_glide/val/nature/copy.JPEG &&
	(cd data && gicat ingest genimage/glide 2>/dev/null) &&
	test_expect_code 1 gicat leakcheck genimage/cross-sd14 >out 2>err &&
	test_grep "^set  *distance  *kind  *test image  <->  train image$" out &&
	test_grep "^test/glide  *0  *same image  *[^ ].*copy.JPEG  <->  [^ ].*$(basename "$src")$" out
'

test_expect_success 'the table'"'"'s set column is as wide as the task'"'"'s longest set name' '
	long=glide-validation-set-with-a-rather-long-name &&
	printf "[task]\nname = w\n[train]\nselect = subset = sd14 and split = train\n[test $long]\nselect = subset = glide and split = val\n" >w.ini &&
	test_expect_code 1 gicat leakcheck w.ini >out 2>/dev/null &&
	test_grep "^set  *distance  *kind  *test image" out &&
	test "$(head -1 out | awk "{ print index(\$0, \"distance\") }")" = \
	     "$(sed -n 2p out | awk "{ print index(\$0, \" 0 \") + 1 }")" &&
	test_grep "^test/$long 0  *same image" out
'

test_expect_success 'a re-encoded, resized copy is caught as a near duplicate' '
	$PY -c "
from PIL import Image
im = Image.open(\"$src\").convert(\"RGB\")
im = im.resize((im.width * 3 // 4, im.height * 3 // 4), Image.BICUBIC)
im.save(\"data/genimage/ADM/imagenet_ai_0508_adm/val/nature/reencoded.JPEG\", quality=75)
" &&
	(cd data && test_expect_code 1 gicat ingest genimage/ADM 2>/dev/null) &&
	test_expect_code 1 gicat leakcheck --format csv genimage/cross-sd14 >out 2>err &&
	grep "^test/adm,.*reencoded.JPEG,.*,[0-4],near duplicate$" out
'

test_expect_success 'on a terminal a progress line names the set read, then the leak check, and is cleared before each pair' '
	script -qec "gicat leakcheck genimage/cross-sd14" /dev/null >tty.out </dev/null || : &&
	test_grep "$(printf "\r")$(printf "\033")\[Ktask: set .train.: entries read 0" tty.out &&
	test_grep "leak check: test sets [0-9]*/9" tty.out &&
	test_grep "$(printf "\033")\[Ktest/glide  *0  *same image" tty.out &&
	test_expect_code 1 gicat leakcheck genimage/cross-sd14 >out 2>err &&
	! grep -q "$(printf "\r")" err out && test "$(wc -l <err)" -eq 1
'

test_expect_success 'on a terminal the progress line is cleared before an empty set'"'"'s warning' '
	printf "[task]\nname = e\n[train]\nselect = subset = sd14 and split = train\n[test a]\nselect = subset = nosuch\n[test b]\nselect = subset = adm and split = val\n" >e.ini &&
	script -qec "gicat leakcheck e.ini" /dev/null >tty.out </dev/null || : &&
	test_grep "$(printf "\033")\[Kgicat: leakcheck: warning: e.ini:5: set .test/a. is empty" tty.out
'

test_expect_success 'jsonl lists the same pairs as objects' '
	test_expect_code 1 gicat leakcheck --format jsonl genimage/cross-sd14 >out.jsonl 2>err &&
	$PY -c "
import json
rows = [json.loads(l) for l in open(\"out.jsonl\")]
assert len(rows) == 2, rows
assert {r[\"kind\"] for r in rows} == {\"same image\", \"near duplicate\"}, rows
assert all(list(r)[:2] == [\"set\", \"test_sha256\"] for r in rows)
"
'

test_expect_success 'task check warns about the leaking test sets' '
	gicat task check genimage/cross-sd14 2>out >/dev/null &&
	test_grep "set .test/glide. shares 1 image pair with train" out &&
	test_grep "set .test/adm. shares 1 image pair with train" out
'

test_expect_success 'group = near_duplicate keeps every copy in one share' '
	cat >nd.ini <<-INI &&
	[task]
	name = nd
	seed = 3
	[split]
	select = label = real
	group = near_duplicate
	ratios = train:0.5, test:0.5
	INI
	gicat task show --items nd.ini | tail -n +2 | cut -d, -f1,2 | sort -t, -k2 >sets &&
	gicat dedup --near --format csv "label = real" | tail -n +2 | cut -d, -f1,3 | sort -u >clusters &&
	test -s clusters &&
	while IFS=, read cl sha; do
		grep ",$sha$" sets | cut -d, -f1
	done <clusters >shares &&
	paste -d, clusters shares | awk -F, "{ if (\$1 in s && s[\$1] != \$3) bad = 1; s[\$1] = \$3 } END { exit bad }"
'

# A JPEG and a PNG of its decoded pixels: two images (their pHashes, one
# from a reduced decode, differ) that degrade to the same bytes, kept once.
test_expect_success 'a training image that a degraded test image was merged from is a leak' '
	mkdir merge && $PY -c "
import random
from PIL import Image
r = random.Random(7)
im = Image.frombytes(\"RGB\", (1100, 1100), bytes(r.randrange(256) for _ in range(1100 * 1100 * 3)))
im.save(\"merge/q.jpg\", quality=90)
Image.open(\"merge/q.jpg\").convert(\"RGB\").save(\"merge/q.png\")
" &&
	gicat ingest --dataset m --label fake merge 2>/dev/null &&
	for t in png jpg; do
		printf "[train]\nselect = dataset = m and path ~ \"*/q.$t\"\n[test deg]\nselect = dataset = m\ndegrade = jpeg(quality=90)\n" >m-$t.ini &&
		gicat task check --items m-$t.ini >out 2>err &&
		test_grep "degraded image is the result of several originals" err &&
		test_grep "set .test/deg. shares 1 image pair with train" err || return 1
	done
'

# Three originals of one degraded image: two PNGs of the same pixels (one
# with a text chunk) and the JPEG they came from, whose sha256 sorts last,
# so it is neither the original kept nor the first one merged into it.
test_expect_success 'the third original merged into a degraded test image is checked too' '
	mkdir merge3 && $PY -c "
import hashlib, io, random
from PIL import Image, PngImagePlugin
r = random.Random(7)
im = Image.frombytes(\"RGB\", (1100, 1100), bytes(r.randrange(256) for _ in range(1100 * 1100 * 3)))
buf = io.BytesIO(); im.save(buf, \"JPEG\", quality=90)
px = Image.open(io.BytesIO(buf.getvalue())).convert(\"RGB\")
pngs = []
for text in (None, \"b\"):
	b = io.BytesIO(); info = PngImagePlugin.PngInfo()
	if text: info.add_text(\"k\", text)
	px.save(b, \"PNG\", pnginfo=info); pngs.append(b.getvalue())
top = max(hashlib.sha256(b).hexdigest() for b in pngs)
for i in range(1000):
	b = io.BytesIO(); im.save(b, \"JPEG\", quality=90, comment=b\"c%d\" % i)
	if hashlib.sha256(b.getvalue()).hexdigest() > top: break
open(\"merge3/q.jpg\", \"wb\").write(b.getvalue())
open(\"merge3/q.png\", \"wb\").write(pngs[0])
open(\"merge3/q-text.png\", \"wb\").write(pngs[1])
" &&
	gicat ingest --dataset m3 --label fake merge3 2>/dev/null &&
	printf "[train]\nselect = dataset = m3 and path ~ \"*/q.jpg\"\n[test deg]\nselect = dataset = m3\ndegrade = jpeg(quality=90)\n" >m3.ini &&
	gicat task check --items m3.ini >out 2>err &&
	test_grep "degraded image is the result of several originals, kept once (first: [0-9a-f]*, from [0-9a-f]*, 1 more and [0-9a-f]*)" err &&
	test_grep "set .test/deg. shares 1 image pair with train" err &&
	test_expect_code 1 gicat leakcheck m3.ini >out 2>err &&
	test_grep "^test/deg  *0  *same image  *[^ ].*  <->  [^ ].*q.jpg$" out
'

test_expect_success 'a near-duplicate cluster of most of the pool turns the ratios over: task check says so, and why' '
	mkdir -p lump/real lump/fake && $PY -c "
import random
from PIL import Image
r = random.Random(1)
for i in range(150):
    Image.new(\"RGB\", (32, 32 + i % 7), (i, 2 * i % 256, 1)).save(\"lump/%s/flat%03d.png\" % (\"real\" if i % 2 else \"fake\", i))
for i in range(100):
    Image.frombytes(\"L\", (32, 32), bytes(r.getrandbits(8) for _ in range(1024))).save(\"lump/%s/noise%03d.png\" % (\"real\" if i % 2 else \"fake\", i))
" &&
	gicat init lumpcat 2>/dev/null && gicat --catalog lumpcat ingest --dataset lump lump 2>/dev/null &&
	printf "[task]\nname = lump\n[split]\nselect = dataset = lump\nratios = train:0.8, test:0.2\ngroup = near_duplicate\n" >lump.ini &&
	test_expect_code 1 gicat --catalog lumpcat task check --strict lump.ini >out 2>err &&
	test_grep "^gicat: task: warning: lump.ini:5: set .test. got [0-9]* of the 250 images \[split\] deals ([0-9.]*%), where its ratio asks 20.0%: each group goes whole to one set, and the largest, near-duplicate cluster [0-9a-f]\{12\}, holds 150 images$" err &&
	sed "s/near_duplicate/sha256/" lump.ini >lump2.ini &&
	gicat --catalog lumpcat task check lump2.ini >out 2>err && ! grep "whole to one set" err
'

test_expect_success '[split] of near-duplicate (or class) groups whose pool is empty: warned, refused, no pairs' '
	for g in near_duplicate class; do
		printf "[task]\nname = z\n[split]\nselect = subset = nosuch\nratios = train:0.5, test:0.5\ngroup = $g\n" >z.ini &&
		gicat task check z.ini >out 2>err &&
		test_grep "z.ini:5: set .train. is empty" err &&
		test_expect_code 2 gicat leakcheck z.ini 2>err &&
		test_grep "nothing compared" err &&
		test_expect_code 2 gicat split z.ini --out zo 2>err &&
		test_grep "every set is empty" err || return 1
	done
'

# A center crop moves the pHash far from its original's (28-44 bits here):
# only the derived bytes themselves match the training file.
test_expect_success 'a training file that is a degraded test image byte for byte is a leak, derived now or before' '
	printf "[task]\nname = cc\n[train]\nselect = subset = sd14 and split = train\n[test crop]\nselect = subset = sd14 and split = val and label = real\ndegrade = center_crop(64)\n" >cc.ini &&
	gicat leakcheck cc.ini >out 2>err && test_grep " 0 train/test pairs" err &&
	gicat task check --items --format csv cc.ini 2>/dev/null | grep "^test/crop," | cut -d, -f7 | head -2 >derived &&
	test "$(wc -l <derived)" -eq 2 &&
	for d in $(cat derived); do gicat cat $d >$SD14/train/ai/cc_$d.png || return 1; done &&
	(cd data && test_expect_code 1 gicat ingest genimage/stable_diffusion_v_1_4 2>err) &&
	test_grep " 2 new entries" data/err &&
	test_expect_code 1 gicat leakcheck --format csv cc.ini >out 2>err &&
	test "$(grep -c ",0,same image$" out)" -eq 2 &&
	for d in $(cat derived); do grep -q "^test/crop,$d,[^,]*,$d,[^,]*cc_$d.png,0,same image$" out || return 1; done &&
	gicat task check cc.ini 2>err && test_grep "set .test/crop. shares 2 image pairs with train" err &&
	gicat task check --items cc.ini >/dev/null 2>err && test_grep "set .test/crop. shares 2 image pairs with train" err
'

test_expect_success 'a bad distance is a usage error; --distance counts bits (no size suffix)' '
	for d in 11 -1 x 0k 1M ""; do
		test_expect_code 2 gicat leakcheck --distance "$d" genimage/cross-sd14 2>err &&
		test_grep "distance takes 0..10, not .$d." err &&
		test_expect_code 2 gicat dedup --near --distance "$d" 2>err &&
		test_grep "distance takes 0..10, not .$d." err || return 1
	done &&
	test_expect_code 1 gicat leakcheck --distance 0 genimage/cross-sd14 >out 2>/dev/null &&
	awk "NR > 1 && \$2 != 0 { exit 1 }" out &&
	test_expect_code 1 gicat leakcheck --distance 10 genimage/cross-sd14 >out10 2>/dev/null &&
	test "$(wc -l <out10)" -ge "$(wc -l <out)"
'

test_expect_success 'a task without a train set is a usage error, not "0 pairs"' '
	printf "[task]\nname = x\n[test a]\nselect = split = val\n" >notrain.ini &&
	test_expect_code 2 gicat leakcheck notrain.ini 2>err &&
	test_grep "has no train set" err
'

test_expect_success 'a train set, or every test set, that selects nothing is a usage error naming it, not "0 pairs"' '
	printf "[task]\nname = x\n[train]\nselect = subset = sd41\n[test a]\nselect = subset = adm\n" >typo.ini &&
	test_expect_code 2 gicat leakcheck typo.ini >out 2>err &&
	! test -s out &&
	test_grep "^gicat: leakcheck: warning: typo.ini:3: set .train. is empty: no entry has subset .sd41." err &&
	test_grep "^gicat: leakcheck: .typo.ini.: nothing compared: set .train. selects no image in this catalog$" err &&
	! grep "pairs within" err &&
	printf "[task]\nname = x\n[train]\nselect = subset = adm\n[test a]\nselect = subset = nosuch\n" >typo2.ini &&
	test_expect_code 2 gicat leakcheck typo2.ini 2>err &&
	test_grep "typo2.ini:5: set .test/a. is empty: no entry has subset .nosuch." err &&
	test_grep "nothing compared: no set but train selects an image in this catalog$" err &&
	gicat init empty 2>/dev/null &&
	test_expect_code 2 gicat --catalog empty leakcheck genimage/cross-sd14 2>err &&
	test_grep "nothing compared: set .train. selects no image in this catalog" err &&
	test_expect_code 2 gicat --catalog empty leakcheck --format csv genimage/cross-sd14 >out 2>err &&
	test_grep "nothing compared" err && test ! -s out
'

test_expect_success '2,000 flat training images and 2,000 flat test images: 4 million pairs counted in bounded memory' '
	gicat init flat 2>/dev/null &&
	sqlite3 flat/.gicat/catalog.db "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 3999)
		INSERT INTO images (sha256, bytes, format, width, height, channels, bit_depth, mode, phash, storage)
		SELECT printf(${SQ}%064x${SQ}, i), 1, ${SQ}png${SQ}, 8, 8, 3, 8, ${SQ}rgb${SQ}, 0, ${SQ}object${SQ} FROM n;
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 3999)
		INSERT INTO entries (sha256, dataset, path, split, label)
		SELECT printf(${SQ}%064x${SQ}, i), ${SQ}flat${SQ}, i || ${SQ}.png${SQ},
		       CASE WHEN i < 2000 THEN ${SQ}train${SQ} ELSE ${SQ}val${SQ} END, ${SQ}fake${SQ} FROM n" &&
	printf "[train]\nselect = split = train\n[test v]\nselect = split = val\n" >flat.ini &&
	GICAT_DIR=$TRASH/flat $PY -c "
import resource, subprocess, sys
r = subprocess.run([\"gicat\", \"task\", \"check\", \"flat.ini\"], capture_output=True, text=True)
sys.stderr.write(r.stderr)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(kb)
sys.exit(0 if \"shares 4000000 image pairs\" in r.stderr else 1)
" >rss 2>err &&
	test_grep "set .test/v. shares 4000000 image pairs with train" err &&
	# the pairs one test image at a time: 4 million of them held took 200 MB
	{ grep -q __asan_init "$(command -v gicat)" || test "$(cat rss)" -lt 100000; }
'

test_expect_success 'a split whose images moved sets since the last split of the task says so (near-duplicate clusters joined)' '
	mkdir -p nd1 nd2 &&
	$PY -c "
import random
from PIL import Image
for i in range(30):
    r = random.Random(i)
    im = Image.new(\"RGB\", (6, 6))
    im.putdata([tuple(r.randrange(256) for _ in range(3)) for _ in range(36)])
    im = im.resize((256, 256), Image.BICUBIC)
    im.save(\"nd1/b%02d.png\" % i)
    im.save(\"nd1/b%02d_q75.jpg\" % i, quality=75)
    for q in (60, 70, 80, 90):
        im.save(\"nd2/b%02d_q%d.jpg\" % (i, q), quality=q)
" &&
	gicat init ndcat 2>/dev/null &&
	gicat --catalog ndcat ingest --dataset d --label fake nd1 2>/dev/null &&
	printf "[task]\nname = nd\nseed = 1\n[split]\nselect = dataset = d\ngroup = near_duplicate\nratios = train:0.5, test:0.5\n" >nd.ini &&
	gicat --catalog ndcat split nd.ini --out ndo1 2>err &&
	! grep -q "another set" err &&
	gicat --catalog ndcat split nd.ini --out ndo2 2>err &&
	! grep -q "another set" err &&
	gicat --catalog ndcat ingest --dataset d --label fake nd2 2>/dev/null &&
	gicat --catalog ndcat split nd.ini --out ndo3 2>err &&
	test_grep "^gicat: split: warning: [0-9]* images\{0,1\} .* in another set than the last split of this task (#2, into .*ndo2) put .*: the first, [0-9a-f]\{12\}, was in t[a-z]*, now in t[a-z]* (images added since joined near-duplicate clusters, which move whole)" err
'

test_done
