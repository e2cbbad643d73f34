#!/bin/sh
# Decoder conformance through the CLI: the PNG suite (x*.png are corrupt and
# must be rejected, every other file read with its size) and libjpeg-turbo's
# test images (12-bit refused with a clear message).
. "$(dirname "$0")/lib.sh"

gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"
PNGS=$SHARED/data/pngsuite

test_expect_success 'every x*.png of the PNG suite is rejected, every other file accepted' '
	test_expect_code 1 gicat ingest --layout flat "$PNGS" 2>err &&
	grep "^gicat: rejected:" err | sed "s|.*/\\(x[^/]*\\.png\\)'"'"':.*|\\1|" | sort >rejected &&
	(cd "$PNGS" && ls x*.png) | sort >want &&
	test_cmp want rejected &&
	valid=$(cd "$PNGS" && ls *.png | grep -v "^x" | wc -l) &&
	test "$(gicat query --count)" -eq "$valid"
'

test_expect_success 'a signature a byte or two off, IHDR after it: a damaged PNG' '
	for f in xs1n0g01 xs2n0g01 xs4n0g01 xs7n0g01; do
		test_grep "/$f.png.: damaged PNG signature: starts with .*, not 89 50 4e 47 0d 0a 1a 0a$" err ||
		return 1
	done &&
	! grep "not a PNG or JPEG" err
'

test_expect_success 'PNG suite sizes: sNN files are NxN, the rest 32x32' '
	gicat query --format csv --fields path,width,height "path ~ \"*/s[0-9][0-9]*\"" |
		tail -n +2 | while IFS=, read p w h; do
		n=$(basename "$p" | cut -c2-3 | sed "s/^0//");
		test "$w" -eq "$n" && test "$h" -eq "$n" || { echo "$p: $w x $h"; exit 1; }
	done &&
	test "$(gicat query --count "path ~ \"*/bas*\" and (width != 32 or height != 32)")" -eq 0
'

test_expect_success 'PNG suite modes and depths: 16-bit, palette, gray+alpha, interlaced' '
	test "$(gicat query --format csv --fields bit_depth,mode "path ~ \"*/basn0g16.png\"" | tail -1)" = "16,gray" &&
	test "$(gicat query --format csv --fields mode "path ~ \"*/basn3p08.png\"" | tail -1)" = palette &&
	test "$(gicat query --format csv --fields mode "path ~ \"*/basn4a08.png\"" | tail -1)" = graya &&
	test "$(gicat query --format csv --fields bit_depth,mode "path ~ \"*/basn6a16.png\"" | tail -1)" = "16,rgba"
'

test_expect_success 'libjpeg-turbo test images: 12-bit refused, the others read' '
	mkdir jpg && cp "$SHARED"/data/jpeg/*.jpg "$SHARED"/data/jpeg/derived/*.jpg jpg/ &&
	test_expect_code 1 gicat ingest --layout flat jpg 2>err &&
	test "$(grep -c "^gicat: rejected:" err)" -eq 2 &&
	test_grep "testorig12.jpg.: 12-bit JPEG is not supported" err &&
	test_grep "monkey12.jpg.: 12-bit JPEG is not supported" err &&
	test "$(gicat query --count "format = jpeg")" -eq $(($(ls jpg | wc -l) - 2))
'

test_expect_success 'JPEG details: arithmetic, progressive, 4:4:4, gray, CMYK, EXIF orientation' '
	test "$(gicat query --count "path ~ \"*testimgari.jpg\"")" -eq 1 &&
	test "$(gicat query --format csv --fields progressive "path ~ \"*testorig_progressive.jpg\"" | tail -1)" = 1 &&
	test "$(gicat query --format csv --fields subsampling "path ~ \"*444_restart*\"" | tail -1)" = 4:4:4 &&
	test "$(gicat query --format csv --fields mode "path ~ \"*testorig_gray.jpg\"" | tail -1)" = gray &&
	test "$(gicat query --format csv --fields mode "path ~ \"*testorig_cmyk.jpg\"" | tail -1)" = cmyk &&
	sqlite3 cat/.gicat/catalog.db "SELECT orientation FROM images JOIN entries USING (sha256) WHERE path LIKE '"'"'%orient6%'"'"'" >o &&
	echo 6 >want && test_cmp want o
'

test_expect_success 'query fields: interlaced, orientation, quality_exact, added_at' '
	test "$(gicat query --count "interlaced = 1")" -eq \
		"$(cd "$PNGS" && ls ???i*.png | grep -vc "^x")" &&
	test "$(gicat query --format csv --fields orientation \
		"path ~ \"*testorig_exif_orient6.jpg\"" | tail -1)" = 6 &&
	test "$(gicat query --count "quality_exact = 1")" -eq \
		"$(gicat query --count "format = jpeg")" &&
	test "$(gicat query --count "quality_exact = null")" -eq \
		"$(gicat query --count "format = png")" &&
	stamp="20??-??-??T??:??:??Z" &&
	test "$(gicat query --count "added_at ~ \"$stamp\"")" -eq \
		"$(gicat query --count)" &&
	gicat help query >help &&
	gicat query --format csv --limit 1 | head -1 | tr , "\n" >fields &&
	while read f; do
		grep -qw "$f" help || { echo "not in help: $f"; return 1; }
	done <fields
'

test_expect_success 'JPEG quality is read from the quantisation tables' '
	q=$(gicat query --format csv --fields jpeg_quality "path ~ \"*/testorig.jpg\"" | tail -1) &&
	test "$q" -eq 75
'

test_done
