#!/bin/sh
# gicat dedup: exact duplicates (one image, several entries) and clusters of
# near duplicates (pHashes within --distance bits).  A JPEG re-encode at
# quality 75 and a half-size copy of fixture images join their originals;
# the cluster id is the smallest sha256 whatever the order of ingest; EXPR
# restricts both listings; near duplicates link transitively.
. "$(dirname "$0")/lib.sh"

genimage_tree data
FAKE=genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG
REAL=genimage/ADM/imagenet_ai_0508_adm/val/nature/ILSVRC2012_val_00002899.JPEG
mkdir copies
/usr/bin/python3 - "$FAKE" "$REAL" <<'EOF'
import sys
from PIL import Image
for i, p in enumerate(sys.argv[1:]):
    im = Image.open("data/" + p).convert("RGB")
    im.save("copies/q75_%d.jpg" % i, quality=75)
    im.resize((im.width // 2, im.height // 2), Image.BICUBIC).save("copies/half_%d.png" % i)
EOF
ingest_all() { # catalog, then the order of the two ingests
	gicat init "$1" 2>/dev/null
	for what in $2 $3; do
		case $what in
		genimage) (cd data && GICAT_DIR="$TRASH/$1" gicat ingest \
			--val-labels LOC_val_solution.csv genimage 2>/dev/null) || : ;;
		copies) GICAT_DIR="$TRASH/$1" gicat ingest --dataset copies copies 2>/dev/null ;;
		esac
	done
}
ingest_all cat genimage copies
export GICAT_DIR="$TRASH/cat"
sha_of() { gicat query --format csv --fields sha256 "path = '$1'" | sed -n 2p; }

test_expect_success 'the photo found in three subsets is listed with its three entries' '
	gicat dedup >out 2>err &&
	test "$(tail -n +2 out | wc -l)" -eq 3 &&
	test "$(tail -n +2 out | awk "{print \$1}" | sort -u | wc -l)" -eq 1 &&
	tail -n +2 out | awk "{print \$2, \$5}" >got &&
	printf "3 adm\n3 sd14\n3 sd15\n" >want && test_cmp want got &&
	test_grep "1 image with more than one entry (3 entries), among 129 images" err
'

test_expect_success 'csv and jsonl carry full hashes, a header and integer counts' '
	gicat dedup --format csv >out.csv 2>/dev/null &&
	head -1 out.csv >hdr && echo "sha256,copies,dataset,generator,subset,label,split,path" >want &&
	test_cmp want hdr &&
	test "$(tail -n +2 out.csv | cut -d, -f1 | awk "{print length}" | sort -u)" = 64 &&
	gicat dedup --format jsonl >out.jsonl 2>/dev/null &&
	python3 -c "
import json
rows = [json.loads(l) for l in open(\"out.jsonl\")]
assert len(rows) == 3 and all(r[\"copies\"] == 3 and r[\"generator\"] is None for r in rows), rows
"
'

test_expect_success 'EXPR counts copies among the selected entries only' '
	gicat dedup --format csv "subset in (sd14, sd15)" >out 2>/dev/null &&
	test "$(tail -n +2 out | cut -d, -f2 | sort -u)" = 2 &&
	gicat dedup --format csv "subset = sd14" >out 2>/dev/null &&
	test "$(wc -l <out)" -eq 1 &&
	for near in "" --near; do
		gicat dedup $near "subset = sd1.4" >out 2>err &&
		test_grep "^gicat: dedup: note: no entry has subset .sd1.4.; did you mean .sd14.?$" err || return 1
	done
'

test_expect_success 'on a terminal dedup --near shows how many hashes it compared, and clears the line' '
	script -qec "gicat dedup --near" /dev/null >tty.out </dev/null &&
	test_grep "$(printf "\033")\[Knear duplicates: hashes compared [0-9]*/[0-9]*" tty.out &&
	test_grep "$(printf "\033")\[Kcluster  *size" tty.out &&
	gicat dedup --near >out 2>err && ! grep -q "$(printf "\r")" out err
'

test_expect_success 'distinct fixture images are no near duplicates, even at distance 10' '
	gicat dedup --near --distance 10 "dataset = genimage" >out 2>err &&
	test "$(wc -l <out)" -eq 1 &&
	test_grep "0 clusters of near duplicates within distance 10 (0 images), among 125 images" err
'

test_expect_success 'a quality-75 re-encode and a half-size copy join their original' '
	gicat dedup --near --format jsonl >out.jsonl 2>err &&
	test_grep "2 clusters of near duplicates within distance 4 (6 images)" err &&
	for f in "$FAKE" "$REAL" copies/q75_0.jpg copies/half_0.png copies/q75_1.jpg copies/half_1.png
	do sha_of "$f"; done >shas &&
	python3 - shas <<-\EOF
	import json, sys
	shas = [l.strip() for l in open(sys.argv[1])]
	rows = {r["sha256"]: r for r in map(json.loads, open("out.jsonl"))}
	assert sorted(rows) == sorted(shas), (sorted(rows), shas)
	for group in (shas[0:1] + shas[2:4], shas[1:2] + shas[4:6]):
	    ids = {rows[s]["cluster"] for s in group}
	    assert ids == {min(group)}, (ids, group)
	    for s in group:
	        r = rows[s]
	        assert r["size"] == 3 and 0 <= r["distance"] <= 4, r
	        assert r["distance"] == 0 or s != min(group), r
	EOF
'

test_expect_success 'the listing does not depend on the order of ingest' '
	ingest_all cat2 copies genimage &&
	gicat dedup --near --format csv >one 2>/dev/null &&
	GICAT_DIR="$TRASH/cat2" gicat dedup --near --format csv >two 2>/dev/null &&
	test_cmp one two && test "$(wc -l <one)" -eq 7
'

test_expect_success 'EXPR restricts the images that are clustered' '
	gicat dedup --near --format csv "dataset = copies" >out 2>err &&
	test_grep "among 4 images" err &&
	! grep ",genimage," out &&
	gicat dedup --near --format csv "path ~ \"*_0.*\" or path = \"$FAKE\"" >out 2>err &&
	test_grep "1 cluster of near duplicates within distance 4 (3 images), among 3 images" err
'

test_expect_success 'the table cuts hashes to 12 digits and aligns columns' '
	gicat dedup --near >out 2>/dev/null &&
	head -1 out | grep "^cluster  *size  *sha256  *distance  *phash  *dataset" &&
	test "$(tail -n +2 out | awk "{print length(\$1) length(\$3)}" | sort -u)" = 1212
'

# Synthetic images with chosen pHashes (rows written with sqlite3).
syn_image() { # letter phash
	sha=$(printf "$1%.0s" $(seq 64))
	sqlite3 syn/.gicat/catalog.db "INSERT INTO images (sha256, bytes, format,
		width, height, channels, bit_depth, mode, phash, storage) VALUES
		('$sha', 1, 'png', 8, 8, 3, 8, 'rgb', $2, 'object');
		INSERT INTO entries (sha256, dataset, path) VALUES ('$sha', 'syn', '$1.png')"
}

test_expect_success 'near duplicates link transitively; the id is the smallest sha256' '
	gicat init syn 2>/dev/null &&
	syn_image c 0 && syn_image b 7 && syn_image a 63 &&
	syn_image d -4503599627370496 && syn_image e -4503599627370495 &&
	syn_image f 6148914691236517205 &&
	GICAT_DIR="$TRASH/syn" gicat dedup --near --format csv >out 2>/dev/null &&
	cut -d, -f1-5,11 out | sed "s/\([0-9a-f]\)\1\{63\}/\1*/g" >got &&
	cat >want <<-\EOF &&
	cluster,size,sha256,distance,phash,path
	a*,3,a*,0,000000000000003f,a.png
	a*,3,b*,3,0000000000000007,b.png
	a*,3,c*,6,0000000000000000,c.png
	d*,2,d*,0,fff0000000000000,d.png
	d*,2,e*,1,fff0000000000001,e.png
	EOF
	test_cmp want got
'

test_expect_success '--distance bounds the Hamming distance' '
	GICAT_DIR="$TRASH/syn" gicat dedup --near --distance 2 --format csv >out 2>/dev/null &&
	test "$(tail -n +2 out | cut -d, -f3 | cut -c1 | tr -d "\n")" = de &&
	GICAT_DIR="$TRASH/syn" gicat dedup --near --distance 0 --format csv >out 2>/dev/null &&
	test "$(wc -l <out)" -eq 1 &&
	GICAT_DIR="$TRASH/syn" gicat dedup --near --distance 10 --format csv >out 2>/dev/null &&
	test "$(wc -l <out)" -eq 6
'

test_expect_success 'bad options and expressions are usage errors' '
	test_expect_code 2 gicat dedup --near --distance 11 2>err &&
	test_grep "distance takes 0..10" err &&
	test_expect_code 2 gicat dedup --near --distance -1 2>/dev/null &&
	test_expect_code 2 gicat dedup --near --distance four 2>/dev/null &&
	test_expect_code 2 gicat dedup --distance 3 2>err &&
	test_grep "needs --near" err &&
	test_expect_code 2 gicat dedup --format paths 2>/dev/null &&
	test_expect_code 2 gicat dedup --bogus 2>/dev/null &&
	test_expect_code 2 gicat dedup --near "label = fake and genrator = x" 2>err &&
	test_grep "unknown field .genrator." err &&
	test_expect_code 2 gicat dedup a b 2>/dev/null &&
	(cd / && unset GICAT_DIR && test_expect_code 2 gicat dedup 2>/dev/null)
'

test_expect_success 'a catalog of one image: no duplicates, and the summary counts "1 image"' '
	gicat init onecat 2>/dev/null &&
	gicat --catalog onecat ingest --dataset one --label fake "data/$FAKE" 2>/dev/null &&
	gicat --catalog onecat dedup >out 2>err &&
	test "$(wc -l <out)" -eq 1 &&
	test_grep "^dedup: 0 images with more than one entry (0 entries), among 1 image$" err &&
	gicat --catalog onecat dedup --near --distance 10 >out 2>err &&
	test "$(wc -l <out)" -eq 1 &&
	test_grep "^dedup: 0 clusters of near duplicates within distance 10 (0 images), among 1 image$" err
'

test_expect_success 'dedup -h prints usage on stdout' '
	gicat dedup -h >out && test_grep "^usage: gicat dedup \[--near" out
'

test_expect_success 'flat images (one colour, a pixel, a line, 2x2) hash alike whatever their colour; black hashes to 0' '
	mkdir -p flat &&
	$PY -c "
from PIL import Image
for v in (1, 128, 129, 255): Image.new(\"L\", (64, 64), v).save(\"flat/grey%03d.png\" % v)
Image.new(\"L\", (64, 64), 0).save(\"flat/black.png\")
Image.new(\"RGB\", (1, 1), (200, 10, 10)).save(\"flat/red1x1.png\")
Image.new(\"RGB\", (1, 7), (20, 100, 10)).save(\"flat/green1x7.png\")
Image.new(\"RGB\", (2, 2), (20, 100, 10)).save(\"flat/g2x2.png\")
" &&
	gicat init flatcat 2>/dev/null &&
	gicat --catalog flatcat ingest --dataset flat flat 2>/dev/null &&
	test "$(gicat --catalog flatcat query --count "phash = 8000000000000000")" -eq 7 &&
	test "$(gicat --catalog flatcat query --format csv --fields phash "path ~ ${SQ}*black.png${SQ}" | tail -1)" = 0000000000000000
'

test_done
