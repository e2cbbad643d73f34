#!/bin/sh
# gicat degrade: derived images computed once and reused, exact IJG tables,
# agreement with Debian's PIL (GaussianBlur, resize BICUBIC) on the fixture
# tree's PNGs and JPEGs (CMYK, gray, progressive, RGBA), identical bytes
# across catalogs, show listing derivations, verify and gc treating derived
# objects like any other, and clear errors.
. "$(dirname "$0")/lib.sh"

genimage_tree t
gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"
gicat ingest t/genimage 2>/dev/null || : # the tree holds 3 broken files
pick() { gicat query --format csv --fields sha256 --limit 1 "$1" | tail -1; }
fake=$(pick "format = png and width = 256 and mode = rgb")
obj() { echo "cat/.gicat/objects/$(echo $1 | cut -c1-2)/$(echo $1 | cut -c3-)"; }
derived() { # parent ops
	sqlite3 cat/.gicat/catalog.db "SELECT derived FROM derivations WHERE parent = '$1' AND ops = '$2'"
}

test_expect_success 'a blur is computed once, then reused with the same bytes' '
	gicat degrade "blur(sigma=3)" "$fake" >b1.png 2>err1 &&
	test_grep "^degrade: computed [0-9a-f]\{64\}: blur(sigma=3)|png() of " err1 &&
	gicat degrade "blur(sigma=3)" "$(echo $fake | cut -c1-8)" >b2.png 2>err2 &&
	gicat cat "$fake" >fake.png && gicat degrade "blur(sigma=3)" fake.png >b3.png 2>/dev/null &&
	cmp b1.png b3.png &&
	test_grep "^degrade: reused " err2 &&
	cmp b1.png b2.png &&
	printf "\211PNG" >magic && head -c 4 b1.png | cmp - magic &&
	h=$(sha256sum b1.png | cut -c1-64) && test_grep "$h" err1
'

test_expect_success 'degrade to a full disk: one line with the real reason, exit 3' '
	if test -w /dev/full; then
		test_expect_code 3 gicat degrade "blur(sigma=3)" "$fake" >/dev/full 2>err &&
		test "$(grep -c ^gicat: err)" -eq 1 &&
		test_grep "^gicat: write to stdout: No space left on device$" err
	fi
'

test_expect_success 'spellings of one chain share one derivation' '
	gicat degrade "jpeg( quality = 30 )" "$fake" >j1.jpg 2>err &&
	test_grep computed err &&
	gicat degrade "jpeg(quality=30,subsampling=420)" "$fake" >j2.jpg 2>err &&
	test_grep reused err && cmp j1.jpg j2.jpg &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM derivations WHERE ops LIKE '\''jpeg%'\''")" -eq 1
'

test_expect_success 'jpeg(quality=Q) is baseline with exactly the IJG tables for Q' '
	for q in 30 65 96; do
		gicat degrade "jpeg(quality=$q)" "$fake" >q.jpg 2>/dev/null &&
		d=$(derived "$fake" "jpeg(quality=$q)") &&
		gicat show "$d" >show &&
		test_grep "^jpeg_quality *$q$" show &&
		test_grep "^quality_exact *1$" show &&
		test_grep "^subsampling *4:2:0$" show &&
		test_grep "^progressive *0$" show || return 1
	done &&
	gicat degrade "jpeg(quality=90,subsampling=444)" "$fake" >q.jpg 2>/dev/null &&
	gicat show "$(derived "$fake" "jpeg(quality=90,subsampling=444)")" >show &&
	test_grep "^subsampling *4:4:4$" show
'

cat >quant.py <<'EOF'
# quant.py ORIGINAL Q GICAT.jpg: the quantisation tables (luma and chroma)
# of gicat's jpeg(quality=Q) must be those of PIL saving ORIGINAL at Q.
import io, sys
from PIL import Image
orig, q, ours = sys.argv[1], int(sys.argv[2]), Image.open(sys.argv[3])
buf = io.BytesIO()
Image.open(orig).convert("RGB").save(buf, "JPEG", quality=q)
pil = Image.open(buf)
assert sorted(ours.quantization) == [0, 1], ours.quantization
assert ours.quantization == pil.quantization, (q, ours.quantization, pil.quantization)
EOF

test_expect_success 'jpeg(quality=Q) tables equal those PIL writes for Q (luma and chroma)' '
	p=$(gicat query --format paths --limit 1 "sha256 = $fake") &&
	for q in 5 30 65 96; do
		gicat degrade "jpeg(quality=$q)" "$fake" >pq.jpg 2>/dev/null &&
		$PY quant.py "$p" $q pq.jpg || return 1
	done
'

cat >psnr.py <<'EOF'
# psnr.py LIST: for each "path blur.png resize.png bilinear.png
# lanczos.png" line, PIL's GaussianBlur(3) and resize(short side 112,
# BICUBIC, BILINEAR, LANCZOS) of the original against gicat's; prints the
# PSNRs; exits 1 below 35 dB, or when a resize is not pixel-identical
# (gicat implements PIL's own algorithm).
import math, sys
from PIL import Image, ImageChops, ImageFilter, ImageStat
def psnr(a, b):
    assert a.size == b.size, (a.size, b.size)
    mse = sum(v * v for v in ImageStat.Stat(ImageChops.difference(a, b)).rms) / 3
    return math.inf if mse == 0 else 10 * math.log10(255 * 255 / mse)
bad = 0
for line in open(sys.argv[1]):
    path, blur, small, bilinear, lanczos = line.split()
    im = Image.open(path)
    mode, im = im.mode, im.convert("RGB")
    w, h = im.size
    size = (112, h * 112 // w) if w <= h else (w * 112 // h, 112)
    pb = psnr(im.filter(ImageFilter.GaussianBlur(3)), Image.open(blur).convert("RGB"))
    pr = min(psnr(im.resize(size, f), Image.open(out).convert("RGB"))
             for f, out in ((Image.BICUBIC, small), (Image.BILINEAR, bilinear),
                            (Image.LANCZOS, lanczos)))
    print("%-8.2f %-8.2f %-5s %dx%d %s" % (pb, pr, mode, w, h, path))
    bad += pb < 35 or pr != math.inf
sys.exit(1 if bad else 0)
EOF

test_expect_success 'blur(sigma=3) agrees with PIL (PSNR >= 35 dB); resize(short=112) is PIL'"'"'s, pixel for pixel, with each filter' '
	: >list &&
	for q in "format = png and width = 128" "format = png and width = 256 and mode = rgb" \
		"format = png and width = 512" "mode = rgba" "mode = cmyk" "mode = gray" \
		"progressive = 1" "format = jpeg and mode = rgb and width > 500"; do
		h=$(pick "$q") && test -n "$h" &&
		p=$(gicat query --format paths --limit 1 "sha256 = $h") &&
		gicat degrade "blur(sigma=3)" "$h" >"$h-b.png" 2>/dev/null &&
		gicat degrade "resize(short=112)" "$h" >"$h-r.png" 2>/dev/null &&
		gicat degrade "resize(short=112,filter=bilinear)" "$h" >"$h-rb.png" 2>/dev/null &&
		gicat degrade "resize(short=112,filter=lanczos)" "$h" >"$h-rl.png" 2>/dev/null &&
		echo "$p $h-b.png $h-r.png $h-rb.png $h-rl.png" >>list || return 1
	done &&
	test "$(wc -l <list)" -eq 8 &&
	/usr/bin/python3 psnr.py list >psnr.out &&
	cat psnr.out
'

test_expect_success 'a CMYK JPEG is read inverted, as PIL does, with or without an Adobe marker' '
	mkdir cmyk && cp "$SHARED/data/jpeg/derived/testorig_cmyk.jpg" cmyk/adobe.jpg &&
	/usr/bin/python3 - cmyk/adobe.jpg cmyk/plain.jpg <<-\EOF &&
	import sys
	b = open(sys.argv[1], "rb").read()
	out, i = bytearray(b[:2]), 2
	while b[i] == 0xFF and b[i + 1] not in (0xDA, 0xD9):
	    n = 2 + int.from_bytes(b[i + 2:i + 4], "big")
	    if b[i + 1] != 0xEE:  # APP14, Adobe
	        out += b[i:i + n]
	    i += n
	out += b[i:]
	assert len(out) < len(b), "no Adobe marker to strip"
	open(sys.argv[2], "wb").write(out)
	EOF
	gicat ingest cmyk 2>/dev/null &&
	for f in adobe plain; do
		h=$(gicat query --format csv --fields sha256 "path = cmyk/$f.jpg" | tail -1) &&
		gicat degrade "png()" "$h" >cmyk/$f.png 2>/dev/null &&
		gicat query --format csv --fields phash "path = cmyk/$f.jpg" | tail -1 >cmyk/$f.phash || return 1
	done &&
	test_cmp cmyk/adobe.phash cmyk/plain.phash &&
	/usr/bin/python3 - cmyk <<-\EOF
	import sys
	from PIL import Image
	d = sys.argv[1]
	for f in ("adobe", "plain"):
	    want = Image.open("%s/%s.jpg" % (d, f)).convert("RGB").tobytes()
	    got = Image.open("%s/%s.png" % (d, f)).convert("RGB").tobytes()
	    assert got == want, f
	EOF
'

test_expect_success 'jpeg(quality=Q) writes byte for byte what PIL'"'"'s save(quality=Q) writes, 4:2:0 and 4:4:4' '
	p=$(gicat query --format paths --limit 1 "sha256 = $fake") &&
	for q in 95 75 30 1; do
		gicat degrade "jpeg(quality=$q)" "$fake" >q$q.jpg 2>/dev/null &&
		gicat degrade "jpeg(quality=$q,subsampling=444)" "$fake" >q${q}s.jpg 2>/dev/null || return 1
	done &&
	/usr/bin/python3 - "$p" <<-\EOF
	import io, sys
	from PIL import Image
	im = Image.open(sys.argv[1]).convert("RGB")
	for q in (95, 75, 30, 1):
	    for sub, suffix in ((2, ""), (0, "s")):
	        b = io.BytesIO()
	        im.save(b, "JPEG", quality=q, subsampling=sub)
	        assert open("q%d%s.jpg" % (q, suffix), "rb").read() == b.getvalue(), (q, suffix)
	EOF
'

# The pixels of blur, resize and center_crop on inputs of every kind (gray,
# 16-bit, alpha, gray+alpha, CMYK), pinned: a change to any of them must
# bump ALGORITHM_VERSION in catalog/degrade.c (the codec version derived
# objects are recorded under), and then these digests.
test_expect_success 'the pixels of each operation are pinned, with the codec version they are recorded under' '
	mkdir pin &&
	for f in jpeg/testorig.png pngsuite/basn2c16.png pngsuite/basn6a08.png \
		pngsuite/basn4a08.png jpeg/derived/testorig_cmyk.jpg; do
		cp "$SHARED/data/$f" pin/ || return 1
	done &&
	gicat ingest pin 2>/dev/null &&
	: >pins &&
	for f in testorig.png basn2c16.png basn6a08.png basn4a08.png testorig_cmyk.jpg; do
		h=$(gicat query --format csv --fields sha256 "path = pin/$f" | tail -1) &&
		for c in "blur(sigma=1.7)" "blur(sigma=3.1)" "resize(short=23)" "center_crop(17)"; do
			gicat degrade "$c" "$h" >pin/out.png 2>/dev/null &&
			/usr/bin/python3 -c "
import hashlib, sys
from PIL import Image
px = Image.open(\"pin/out.png\").convert(\"RGB\").tobytes()
print(hashlib.sha256(px).hexdigest()[:16], sys.argv[1], sys.argv[2])" "$f" "$c" >>pins || return 1
		done
	done &&
	cat >want <<-\EOF &&
	23ce7f1da4b6d904 testorig.png blur(sigma=1.7)
	7a3d2425a6b8139b testorig.png blur(sigma=3.1)
	1656f1a2a5432e93 testorig.png resize(short=23)
	6efadc9749b7e4f6 testorig.png center_crop(17)
	e49548dc415000f4 basn2c16.png blur(sigma=1.7)
	f8ea8b4852dca8c9 basn2c16.png blur(sigma=3.1)
	ea72173d6cadb5e7 basn2c16.png resize(short=23)
	390489076d2462b9 basn2c16.png center_crop(17)
	d1311f9bd36f8911 basn6a08.png blur(sigma=1.7)
	d1cd95022f4fe33e basn6a08.png blur(sigma=3.1)
	53bc0836ba704e0f basn6a08.png resize(short=23)
	11d4d68cd192e621 basn6a08.png center_crop(17)
	fa07a1ffe1f53a54 basn4a08.png blur(sigma=1.7)
	31110cd5a4563a43 basn4a08.png blur(sigma=3.1)
	64879d45129023d8 basn4a08.png resize(short=23)
	2119f9b68eab1b7d basn4a08.png center_crop(17)
	a07f868b99ac916a testorig_cmyk.jpg blur(sigma=1.7)
	2490c42c9306c519 testorig_cmyk.jpg blur(sigma=3.1)
	c0c46e7f165795d5 testorig_cmyk.jpg resize(short=23)
	a71cfe3266f55d2b testorig_cmyk.jpg center_crop(17)
	EOF
	test_cmp want pins &&
	sqlite3 cat/.gicat/catalog.db "SELECT DISTINCT substr(codec, 1, 16) FROM derivations" >codec &&
	echo "gicat-degrade 3;" >want && test_cmp want codec
'

test_expect_success 'derived bytes are the same in another catalog' '
	gicat init cat2 2>/dev/null &&
	gicat --catalog cat2 ingest t/genimage/ADM/imagenet_ai_0508_adm/val 2>/dev/null &&
	h=$(gicat --catalog cat2 query --format csv --fields sha256 --limit 1 "format = png" | tail -1) &&
	gicat degrade "resize(short=64)|jpeg(quality=65)" "$h" >one.jpg 2>/dev/null &&
	gicat --catalog cat2 degrade "resize(short=64)|jpeg(quality=65)" "$h" >two.jpg 2>/dev/null &&
	cmp one.jpg two.jpg &&
	test "$(derived "$h" "resize(short=64)|jpeg(quality=65)")" = "$(sha256sum one.jpg | cut -c1-64)"
'

test_expect_success 'show lists derivations, and the parent of a derived image' '
	gicat show "$fake" >show &&
	test_grep "^derivations (ops sha256):" show &&
	test_grep "^blur(sigma=3)|png()  *$(derived "$fake" "blur(sigma=3)|png()")$" show &&
	test_grep "^jpeg(quality=30)  *[0-9a-f]\{64\}$" show &&
	sqlite3 cat/.gicat/catalog.db "INSERT INTO derivations (parent, ops, codec, derived, bytes, width, height, format)
		SELECT parent, ops, ${SQ}an older codec${SQ}, derived, bytes, width, height, format FROM derivations
		WHERE parent = ${SQ}$fake${SQ} AND ops = ${SQ}jpeg(quality=30)${SQ}" &&
	gicat show "$fake" >show &&
	test "$(grep -c "^jpeg(quality=30) " show)" -eq 1 &&
	sqlite3 cat/.gicat/catalog.db "SELECT derived FROM derivations WHERE codec = ${SQ}an older codec${SQ}" >older &&
	gicat show "$(cat older)" >show &&
	test "$(grep -c "jpeg(quality=30)$" show)" -eq 1 &&
	sqlite3 cat/.gicat/catalog.db "DELETE FROM derivations WHERE codec = ${SQ}an older codec${SQ}" &&
	test_grep "^derived from (parent ops):" show &&
	test_grep "^$fake  jpeg(quality=30)$" show &&
	test_grep "^format *jpeg$" show &&
	gicat show --format json "$(derived "$fake" "jpeg(quality=30)")" >js &&
	"$PY" -c "
import json
d = json.load(open(\"js\"))
assert d[\"derived_from\"] == [{\"parent\": \"$fake\", \"ops\": \"jpeg(quality=30)\"}], d
assert d[\"entries\"] == [] and d[\"format\"] == \"jpeg\", d
" &&
	gicat show --format json "$fake" >js &&
	"$PY" -c "
import json
d = json.load(open(\"js\"))
ops = [x[\"ops\"] for x in d[\"derivations\"]]
assert \"jpeg(quality=30)\" in ops and \"blur(sigma=3)|png()\" in ops, ops
assert all(len(x[\"sha256\"]) == 64 for x in d[\"derivations\"]), d
" &&
	# png() of a PNG png() made: the same bytes, no parent of itself
	b=$(derived "$fake" "blur(sigma=3)|png()") &&
	gicat degrade "png()" "$b" >same.png 2>err &&
	test "$(sha256sum <same.png | cut -c1-64)" = "$b" &&
	test_grep "^degrade: computed $b: png() of [0-9a-f]\{12\} ([0-9]* bytes: the same bytes, the image itself)$" err &&
	gicat show "$b" >show &&
	test "$(sed -n "/^derived from/,/^$/p" show | grep -c "  ")" -eq 1 &&
	test_grep "^$fake  blur(sigma=3)|png()$" show
'

test_expect_success 'verify --full re-hashes derived objects; degrade makes a damaged or missing one again' '
	gicat verify --full >out && test_grep " 0 problems" out &&
	n=$(sqlite3 cat/.gicat/catalog.db "SELECT count(DISTINCT derived) FROM derivations") &&
	test "$n" -gt 0 && test_grep "^verify: [0-9]* images ($n derived): " out &&
	d=$(derived "$fake" "blur(sigma=3)|png()") && o=$(obj "$d") &&
	chmod u+w "$o" && printf "\\001" | dd of="$o" bs=1 seek=60 conv=notrunc 2>/dev/null &&
	test_expect_code 1 gicat verify --full >out 2>err &&
	test_grep "^gicat: verify: .$d.: object is corrupt (hash [0-9a-f]*); a derived image: .gicat degrade \"blur(sigma=3)|png()\" $fake >/dev/null. makes it again$" err &&
	gicat degrade "blur(sigma=3)|png()" "$fake" >b2.png 2>err &&
	test_grep computed err && cmp b1.png b2.png &&
	gicat verify --full >out && test_grep " 0 problems" out &&
	rm -f "$o" &&
	test_expect_code 1 gicat verify >out 2>err &&
	test_grep "^gicat: verify: .$d.: object is missing from the store; a derived image: .gicat degrade" err &&
	po=$(obj "$fake") && mv "$po" parent.obj &&
	test_expect_code 1 gicat verify >out 2>err &&
	test_grep "^gicat: verify: .$d.: object is missing from the store; a derived image: its parent.s bytes are not there either: once they are mended, .gicat degrade" err &&
	mv parent.obj "$po" &&
	gicat degrade "blur(sigma=3)" "$fake" >b3.png 2>err &&
	test_grep computed err && cmp b1.png b3.png &&
	gicat verify --full >out && test_grep " 0 problems" out
'

test_expect_success 'gc keeps derived images while their parent has an entry' '
	n=$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM derivations") &&
	gicat gc --grace 0 2>out &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM derivations")" -eq "$n" &&
	test -f "$(obj "$(derived "$fake" "jpeg(quality=30)")")" &&
	gicat verify >out && test_grep " 0 problems" out && ! grep harmless out
'

test_expect_success 'a derived image ingested before as a ref'"'"'d file: its row names the object, which gc keeps' '
	gicat degrade "blur(sigma=1.5)" "$fake" >pre.png 2>/dev/null &&
	d=$(derived "$fake" "blur(sigma=1.5)|png()") && test -n "$d" &&
	gicat init refcat 2>/dev/null &&
	gicat --catalog refcat ingest --layout flat --dataset one "$(gicat show --format json "$fake" | $PY -c "import json,sys; print(json.load(sys.stdin)[\"entries\"][0][\"path\"])")" 2>/dev/null &&
	gicat --catalog refcat ingest --mode ref --layout flat --dataset other pre.png 2>/dev/null &&
	gicat --catalog refcat degrade "blur(sigma=1.5)" "$fake" >/dev/null 2>err &&
	test "$(sqlite3 refcat/.gicat/catalog.db "SELECT storage FROM images WHERE ref_path IS NULL AND sha256 = ${SQ}$d${SQ}")" = object &&
	echo x >>pre.png &&
	gicat --catalog refcat degrade "blur(sigma=1.5)" "$fake" >again.png 2>err &&
	test_grep "^degrade: reused" err &&
	gicat --catalog refcat gc --grace 0 2>/dev/null &&
	gicat --catalog refcat verify --full >out && test_grep " 0 problems" out
'

test_expect_success 'resize(short=256)|center_crop(224) is torchvision'"'"'s Resize(256, BICUBIC) and CenterCrop(224), pixel for pixel' '
	$PY -c "import torchvision" 2>/dev/null || { echo "SKIP: no torchvision"; exit 1; }
	$PY -c "
import random
from PIL import Image
random.seed(7)
for w, h in ((500, 334), (227, 149), (333, 500)):
    im = Image.new(\"RGB\", (w, h))
    im.putdata([tuple(random.randrange(256) for _ in range(3)) for _ in range(w * h)])
    im.save(\"crop%dx%d.png\" % (w, h))
" &&
	gicat init cropcat 2>/dev/null &&
	gicat --catalog cropcat ingest --layout flat --dataset crops crop*.png 2>/dev/null &&
	for f in crop*.png; do
		h=$(sha256sum $f | cut -c1-64) &&
		gicat --catalog cropcat degrade "resize(short=256)|center_crop(224)" $h >$f.gicat.png 2>/dev/null &&
		gicat --catalog cropcat degrade "center_crop(100)" $h >$f.c100.png 2>/dev/null || return 1
	done &&
	$PY -c "
import sys
from PIL import Image, ImageChops
import torchvision.transforms as T
bad = 0
for w, h in ((500, 334), (227, 149), (333, 500)):
    src = Image.open(\"crop%dx%d.png\" % (w, h)).convert(\"RGB\")
    for ops, tf in ((\"gicat\", T.Compose([T.Resize(256, T.InterpolationMode.BICUBIC), T.CenterCrop(224)])),
                    (\"c100\", T.CenterCrop(100))):
        want = tf(src)
        got = Image.open(\"crop%dx%d.png.%s.png\" % (w, h, ops)).convert(\"RGB\")
        if got.size != want.size or ImageChops.difference(got, want).getbbox():
            print(\"differs:\", w, h, ops); bad += 1
sys.exit(bad)
"
'

# align=A: the offsets torchvision's CenterCrop takes, rounded down to
# multiples of A (crops of the 500x334 image: 200 and 67 -> 192 and 64).
test_expect_success 'center_crop(N,align=A) starts at multiples of A, onto a JPEG source'"'"'s blocks' '
	for f in crop*.png; do
		h=$(sha256sum $f | cut -c1-64) &&
		gicat --catalog cropcat degrade "center_crop(100,align=16)" $h >$f.a16.png 2>err &&
		test_grep "center_crop(100,align=16)|png()" err || return 1
	done &&
	$PY -c "
import sys
from PIL import Image, ImageChops
bad = 0
for w, h in ((500, 334), (227, 149), (333, 500)):
    src = Image.open(\"crop%dx%d.png\" % (w, h)).convert(\"RGB\")
    x0, y0 = round((w - 100) / 2) // 16 * 16, round((h - 100) / 2) // 16 * 16
    want = src.crop((x0, y0, x0 + 100, y0 + 100))
    got = Image.open(\"crop%dx%d.png.a16.png\" % (w, h)).convert(\"RGB\")
    if got.size != want.size or ImageChops.difference(got, want).getbbox():
        print(\"differs:\", w, h); bad += 1
sys.exit(bad)
" &&
	h=$(sha256sum crop500x334.png | cut -c1-64) &&
	gicat --catalog cropcat degrade "center_crop(100,align=1)" $h | cmp - crop500x334.png.c100.png &&
	for a in 0 65 x; do
		test_expect_code 2 gicat --catalog cropcat degrade "center_crop(100,align=$a)" $h 2>err >/dev/null &&
		test_grep "center_crop: align must be 1..64, not $a$" err || return 1
	done
'

test_expect_success 'a chain runs in order: crop, resize, then JPEG' '
	gicat degrade "center_crop(200)|resize(size=50)|jpeg(quality=80)" "$fake" >c.jpg 2>err &&
	d=$(derived "$fake" "center_crop(200)|resize(size=50)|jpeg(quality=80)") &&
	gicat show "$d" >show &&
	test_grep "^width *50$" show && test_grep "^height *50$" show &&
	test_grep "^format *jpeg$" show
'

# refused OPS HASH PATTERN: degrade refuses (exit 2) with PATTERN
refused() {
	test_expect_code 2 gicat degrade "$1" "$2" >/dev/null 2>err &&
	test_grep "$3" err
}
test_expect_success 'bad chains and hashes are usage errors with the reason' '
	test_expect_code 2 gicat degrade "jpeg(quality=0)" "$fake" >/dev/null 2>err &&
	echo "gicat: degrade: '\''jpeg(quality=0)'\'': jpeg: quality must be 1..100, not 0" >want &&
	test_cmp want err &&
	refused "blur(sigma=-1)" "$fake" "blur: sigma must be > 0" &&
	refused "sharpen(amount=1)" "$fake" "unknown operation .sharpen. (jpeg, png, blur, resize, center_crop)" &&
	refused "jpg(quality=30)" "$fake" "unknown operation .jpg. (did you mean .jpeg.?)" &&
	refused "center_crop(300)" "$fake" "cannot crop 300x300 out of a 256x256 image" &&
	refused "png()" ffffffffff "no image" &&
	test_expect_code 2 gicat degrade "png()" >/dev/null 2>err &&
	test_grep "expected OPS and one hash" err &&
	test_expect_code 2 gicat degrade $fake "jpeg(quality=30)" >/dev/null 2>err &&
	test_grep "^gicat: degrade: OPS comes first, then the hash: gicat degrade .jpeg(quality=30). $fake$" err &&
	test_expect_code 2 gicat degrade "jpeg(quality=5" "png()" >/dev/null 2>err &&
	test "$(cat err)" = "gicat: degrade: ${SQ}jpeg(quality=5${SQ}: jpeg: missing ${SQ})${SQ}" &&
	long="jpeg(quality=$(printf "%0700d" 5))" &&
	test_expect_code 2 gicat degrade "$long" "$fake" >/dev/null 2>err &&
	test "$(cat err)" = "gicat: degrade: ${SQ}jpeg(quality=$(printf "%047d" 0)...${SQ}: operation chain longer than 639 characters"
'

test_expect_success 'the longest chains derive, and their canonical text is a chain again' '
	c15=$(printf "blur(sigma=.5)|%.0s" $(seq 14))blur\(sigma=.5\) &&
	gicat degrade "$c15" "$fake" >c15.png 2>err &&
	canon=$(sed -n "s/^degrade: computed [0-9a-f]*: \(.*\) of [0-9a-f]* (.*$/\1/p" err) &&
	test "$canon" = "$(printf "blur(sigma=0.5)|%.0s" $(seq 15))png()" &&
	gicat degrade "$canon" "$fake" >again.png 2>err && test_grep "^degrade: reused " err &&
	cmp c15.png again.png &&
	gicat degrade "$c15|jpeg(quality=90)" "$fake" >/dev/null &&
	refused "$c15|blur(sigma=1)" "$fake" "at most 16 operations, 15 without a final jpeg() or png()" &&
	long=$(printf "blur(sigma=.001)|%.0s" $(seq 14))"jpeg(quality=9)" &&
	test ${#long} -gt 250 &&
	gicat degrade "$long" "$fake" >/dev/null 2>err &&
	canon=$(sed -n "s/^degrade: computed [0-9a-f]*: \(.*\) of [0-9a-f]* (.*$/\1/p" err) &&
	gicat degrade "$canon" "$fake" >/dev/null 2>err && test_grep "^degrade: reused " err &&
	refused "jpeg(quality=+65)" "$fake" "jpeg: quality" &&
	refused "blur(sigma=$(printf "%0700d" 1))" "$fake" "operation chain longer than"
'

test_expect_success 'an operation whose result is too large fails before it allocates' '
	mkdir -p odd &&
	/usr/bin/python3 -c "
from PIL import Image
Image.new(\"L\", (50000, 2), 128).save(\"odd/wide.png\")
Image.new(\"L\", (2, 50000), 128).save(\"odd/tall.png\")
Image.new(\"L\", (66000, 2), 128).save(\"odd/jwide.png\")
" &&
	gicat ingest odd 2>/dev/null &&
	wide=$(pick "width = 50000") && tall=$(pick "height = 50000") &&
	jwide=$(pick "width = 66000") &&
	test_expect_code 2 gicat degrade "resize(short=16384)" "$wide" >/dev/null 2>err &&
	echo "gicat: degrade: '\''$wide'\'': resize(short=16384) of 50000x2 would be 409600000x16384: over the 100 Mpx limit" >want &&
	test_cmp want err &&
	refused "resize(short=200)" "$wide" \
		"resize(short=200) of 50000x2 would be 5000000x200: over the 100 Mpx limit" &&
	refused "resize(short=50)" "$wide" \
		"resize(short=50) of 50000x2 would be 1250000x50: a side over the 1000000 px a PNG can hold" &&
	refused "resize(size=16384)|blur(sigma=100)" "$wide" \
		"resize(size=16384) of 50000x2 would be 16384x16384: over the 100 Mpx limit" &&
	refused "resize(size=10000)" "$tall" \
		"resize(size=10000) of 2x50000 would pass through 10000x50000: over the 100 Mpx limit" &&
	refused "jpeg(quality=50)" "$jwide" \
		"jpeg(quality=50) of 66000x2: a side over the 65500 px a JPEG can hold" &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM derivations WHERE parent IN ('\''$wide'\'', '\''$tall'\'', '\''$jwide'\'')")" -eq 0
'

test_expect_success 'within the limits, wide and tall images degrade' '
	wide=$(pick "width = 50000") && tall=$(pick "height = 50000") &&
	gicat degrade "resize(short=20)" "$wide" >w.png 2>/dev/null &&
	gicat show "$(derived "$wide" "resize(short=20)|png()")" >show &&
	test_grep "^width *500000$" show && test_grep "^height *20$" show &&
	gicat degrade "blur(sigma=100)|jpeg(quality=90)" "$tall" >t.jpg 2>/dev/null &&
	gicat degrade "blur(sigma=100)" "$wide" >b.png 2>/dev/null
'

test_done
