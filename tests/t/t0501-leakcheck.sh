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
	test_grep "test set .test/glide. shares 1 image pair with train" out &&
	test_grep "test set .test/adm. shares 1 image pair with train" out
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

test_expect_success 'a bad distance is a usage error' '
	test_expect_code 2 gicat leakcheck --distance 11 genimage/cross-sd14 2>err
'

test_done
